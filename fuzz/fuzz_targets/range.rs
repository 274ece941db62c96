//! The Range header planner: any header and any size give no panic, and every planned range
//! lies inside the file, is non-empty, sorted and apart from the next (overlapping and
//! touching ranges merge), at most 100 of them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u64, &[u8])| {
    let (size, header) = input;
    let Some(ranges) = respond::__fuzz::range(header, size) else { return };
    assert!(ranges.len() <= 100, "{} ranges", ranges.len());
    let mut previous_end = None;
    for range in &ranges {
        assert!(range.start < range.end, "empty range {range:?}");
        assert!(range.end <= size, "{range:?} past the end of {size}");
        if let Some(end) = previous_end {
            assert!(range.start > end, "ranges not sorted and apart: {ranges:?}");
        }
        previous_end = Some(range.end);
    }
});
