//! The fast path for a file the kernel already holds in memory (Linux): open it, stat it and
//! read its first chunk on the async thread, with calls that refuse to wait instead of
//! blocking, so a hot file costs no trip to the blocking pool.
//!
//! - `openat2` with `RESOLVE_CACHED` opens only when the whole path resolves from the
//!   kernel's caches (Linux 5.12); `O_NONBLOCK` keeps a FIFO from blocking the open, and
//!   anything but a regular file is left to the blocking path, which reports it.
//! - `fstat` on an open file reads the inode already in memory.
//! - `preadv2` with `RWF_NOWAIT` reads only what is in the page cache (Linux 4.14).
//!
//! Whenever one of them would have to wait (or the kernel lacks it), the caller falls back
//! to the blocking pool for the rest, so the answer is the same either way; only where the
//! waiting happens changes.

use std::fs::{File, Metadata};
use std::io::IoSliceMut;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use rustix::fs::{CWD, Mode, OFlags, ResolveFlags, openat2};
use rustix::io::{Errno, ReadWriteFlags, preadv2};

/// Cleared when the kernel turns down `openat2` or `RWF_NOWAIT` as unknown: then every file
/// takes the blocking path, without trying again.
static SUPPORTED: AtomicBool = AtomicBool::new(true);

/// The file at `path` opened and stat'ed without waiting, if the kernel can do that.
pub(super) fn open(path: &Path) -> Option<(File, Metadata)> {
    if !SUPPORTED.load(Ordering::Relaxed) {
        return None;
    }
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = match openat2(CWD, path, flags, Mode::empty(), ResolveFlags::CACHED) {
        Ok(fd) => fd,
        Err(error) => {
            note_unsupported(error);
            return None;
        }
    };
    let file = File::from(fd);
    let metadata = file.metadata().ok()?;
    metadata.is_file().then_some((file, metadata))
}

/// `range` of the file if all of it is in the page cache; `None` when a read would wait.
pub(super) fn read_range(file: &File, range: Range<u64>) -> Option<Bytes> {
    let length = usize::try_from(range.end - range.start).ok()?;
    let mut buffer = vec![0u8; length];
    let mut filled = 0;
    while filled < length {
        let offset = range.start + filled as u64;
        let mut slices = [IoSliceMut::new(&mut buffer[filled..])];
        match preadv2(file, &mut slices, offset, ReadWriteFlags::NOWAIT) {
            // The file ended early: the blocking path reports it with the path.
            Ok(0) => return None,
            Ok(read) => filled += read,
            Err(Errno::INTR) => {}
            Err(error) => {
                note_unsupported(error);
                return None;
            }
        }
    }
    Some(Bytes::from(buffer))
}

fn note_unsupported(error: Errno) {
    if error == Errno::NOSYS || error == Errno::OPNOTSUPP || error == Errno::INVAL {
        SUPPORTED.store(false, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_file_opens_and_reads_without_waiting() {
        let path = std::env::temp_dir().join(format!("respond-cached-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let (file, metadata) = open(&path).expect("a file just written is cached");
        assert_eq!(metadata.len(), 10);
        assert_eq!(read_range(&file, 2..6).unwrap(), "2345");
        assert_eq!(
            read_range(&file, 8..12),
            None,
            "past the end: left to the blocking path"
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// A file whose pages the kernel dropped is not read here; the response still comes
    /// out right, read on the blocking pool.
    #[tokio::test]
    async fn a_file_out_of_the_page_cache_is_read_on_the_blocking_pool() {
        let path = std::env::temp_dir().join(format!("respond-uncached-{}", std::process::id()));
        let data: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let drop_pages = || {
            let file = File::open(&path).unwrap();
            file.sync_all().unwrap();
            rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::DontNeed).unwrap();
        };
        drop_pages();
        let (file, _) = open(&path).expect("the path itself is still cached");
        assert_eq!(
            read_range(&file, 500_000..500_100),
            None,
            "dropped pages must not be read without waiting"
        );

        let served = path.clone();
        let client = crate::TestClient::new(move |scope, mut receive, mut send| {
            let response = crate::FileResponse::new(served.clone());
            async move { response.send(&scope, &mut receive, &mut send).await }
        });
        drop_pages();
        let ranged = client
            .get("/")
            .header("range", "bytes=500000-500099")
            .send()
            .await;
        assert_eq!(ranged.status(), 206);
        assert_eq!(ranged.body(), &data[500_000..500_100]);
        drop_pages();
        let whole = client.get("/").send().await;
        assert_eq!(whole.status(), 200);
        assert!(whole.body() == data.as_slice(), "the whole file differs");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn what_is_not_a_regular_file_is_left_to_the_blocking_path() {
        assert!(open(Path::new("/")).is_none());
        assert!(open(Path::new("/no/such/file")).is_none());
    }
}
