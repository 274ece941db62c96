//! The fast path for a file the kernel already holds in memory (Linux): open it, stat it and
//! read its first chunk on the async thread, with calls that refuse to wait instead of
//! blocking, so a hot file costs no trip to the blocking pool.
//!
//! - `openat2` with `RESOLVE_CACHED` opens only when the whole path resolves from the
//!   kernel's caches (Linux 5.12). The path is opened with `O_PATH` first and stat'ed, so
//!   anything but a regular file (a FIFO, a device) is never opened here: the blocking path
//!   takes it, and reports it.
//! - `fstat` on an open file reads the inode already in memory.
//! - `preadv2` with `RWF_NOWAIT` reads only what is in the page cache (Linux 4.14), and
//!   at most [`INLINE_BUDGET`] bytes per response.
//!
//! Whenever one of them would have to wait (or the kernel lacks it), the caller falls back
//! to the blocking pool for the rest, so the answer is the same either way; only where the
//! waiting happens changes.

use std::fs::{File, Metadata};
use std::io::IoSliceMut;
use std::ops::Range;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::OnceLock;

use bytes::Bytes;
use rustix::fs::{CWD, Mode, OFlags, ResolveFlags, fcntl_setfl, fstat, openat2};
use rustix::io::{Errno, ReadWriteFlags, preadv2};

/// The most the fast path reads on the async thread for one response, whatever the chunk
/// size: a larger first chunk is read on the blocking pool.
pub(super) const INLINE_BUDGET: u64 = 64 * 1024;

/// Whether this kernel (and any seccomp filter) allows `openat2` with `RESOLVE_CACHED`,
/// found once with a probe on `/`. Later errors concern their own call only.
fn supported() -> bool {
    static SUPPORTED: OnceLock<bool> = OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        let flags = OFlags::PATH | OFlags::CLOEXEC;
        match openat2(CWD, "/", flags, Mode::empty(), ResolveFlags::CACHED) {
            Ok(_) | Err(Errno::AGAIN) => true,
            Err(error) => {
                tracing::debug!(%error, "openat2 with RESOLVE_CACHED unavailable; files take the blocking pool");
                false
            }
        }
    })
}

/// The file at `path` opened and stat'ed without waiting, if the kernel can do that.
///
/// The path is first opened with `O_PATH` (which runs no driver code) and stat'ed, and only
/// a regular file is opened for reading; the file opened must be the one stat'ed (same
/// device and inode), else the blocking path takes over.
pub(super) fn open(path: &Path) -> Option<(File, Metadata)> {
    if path.as_os_str().as_bytes().contains(&0) || !supported() {
        return None;
    }
    let probe = openat2(
        CWD,
        path,
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::CACHED,
    )
    .ok()?;
    let stat = fstat(&probe).ok()?;
    if !rustix::fs::FileType::from_raw_mode(stat.st_mode).is_file() {
        return None;
    }
    // `O_NONBLOCK` only guards the open against a FIFO swapped in since the stat; it is
    // cleared below, so later reads behave as on any file.
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = openat2(CWD, path, flags, Mode::empty(), ResolveFlags::CACHED).ok()?;
    let file = File::from(fd);
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.dev() != stat.st_dev || metadata.ino() != stat.st_ino {
        return None;
    }
    // Status flags of this descriptor are only `O_NONBLOCK` (and access mode and creation
    // flags, which `F_SETFL` leaves alone): clearing them all clears it in one call.
    fcntl_setfl(&file, OFlags::empty()).ok()?;
    Some((file, metadata))
}

/// `range` of the file if all of it is in the page cache; `None` when a read would wait,
/// or the file cannot be read this way (the blocking path then reads it, and reports any
/// error with the path).
pub(super) fn read_range(file: &File, range: Range<u64>) -> Option<Bytes> {
    let length = usize::try_from(range.end - range.start).ok()?;
    let mut buffer = vec![0u8; length];
    let mut filled = 0;
    while filled < length {
        let offset = range.start + filled as u64;
        let mut slices = [IoSliceMut::new(&mut buffer[filled..])];
        match preadv2(file, &mut slices, offset, ReadWriteFlags::NOWAIT) {
            Ok(0) => return None,
            Ok(read) => filled += read,
            Err(Errno::INTR) => {}
            Err(_) => return None,
        }
    }
    Some(Bytes::from(buffer))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A scratch file on the disk the workspace is on: page-cache eviction does nothing on
    /// tmpfs, which `/tmp` often is.
    fn scratch(name: &str, contents: &[u8]) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/respond-unit-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}-{}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn a_fresh_file_opens_and_reads_without_waiting() {
        let path = scratch("cached-fresh", b"0123456789");
        if !supported() {
            // Old kernel or a seccomp filter: the fast path stays off, every file takes
            // the blocking pool (tested below and in tests/tests/file.rs).
            assert!(open(&path).is_none());
            eprintln!("openat2 RESOLVE_CACHED is unavailable here: only the fallback is tested");
            return;
        }
        let (file, metadata) = open(&path).expect("a file just written is cached");
        assert_eq!(metadata.len(), 10);
        assert_eq!(read_range(&file, 2..6).unwrap(), "2345");
        assert_eq!(
            read_range(&file, 8..12),
            None,
            "past the end: left to the blocking path"
        );
        let flags = rustix::fs::fcntl_getfl(&file).unwrap();
        assert!(
            !flags.contains(OFlags::NONBLOCK),
            "reads later block as on any file"
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// A file whose pages the kernel dropped is not read here; the response still comes
    /// out right, read on the blocking pool.
    #[tokio::test]
    async fn a_file_out_of_the_page_cache_is_read_on_the_blocking_pool() {
        let data: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let path = scratch("cached-evicted", &data);
        let drop_pages = || {
            let file = File::open(&path).unwrap();
            file.sync_all().unwrap();
            rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::DontNeed).unwrap();
        };
        drop_pages();
        if let Some((file, _)) = open(&path) {
            assert_eq!(
                read_range(&file, 500_000..500_100),
                None,
                "dropped pages must not be read without waiting"
            );
        }

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
        assert!(open(Path::new("/dev/null")).is_none());
        assert!(open(Path::new("/no/such/file")).is_none());
        assert!(open(Path::new(std::ffi::OsStr::from_bytes(b"nul\0inside"))).is_none());
        // A refused path does not turn the fast path off for the others.
        let path = scratch("cached-after-refusals", b"x");
        assert_eq!(open(&path).is_some(), supported());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn reads_on_the_async_thread_stop_at_the_inline_budget() {
        let data = vec![7u8; 200 * 1024];
        let path = scratch("cached-budget", &data);
        if let Some((file, _)) = open(&path) {
            let mut plan = super::super::read::Plan::new(
                vec![super::super::read::Piece::File(0..data.len() as u64)],
                1024 * 1024,
            );
            let ready = super::super::read::preload_cached(&file, &mut plan);
            let inline: usize = ready.iter().map(Bytes::len).sum();
            assert_eq!(inline as u64, INLINE_BUDGET);
        }
        std::fs::remove_file(&path).unwrap();
    }
}
