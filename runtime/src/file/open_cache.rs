//! The open-file cache: files that [`FileResponse`](super::FileResponse) opened lately stay
//! open, keyed by path, so a hot file costs one `stat` of its path instead of an open, two
//! stats and a close.
//!
//! Nothing is served on trust: every request stats the path afresh (one `statx`, through
//! `std::fs::metadata`) and the open file is used only when the path still names the same
//! file (device and inode) with the same type, permissions and owner. The head (length,
//! `ETag`, `Last-Modified`, ranges) is built from that fresh stat, so a file written in place
//! is sent with its new validators, and a file replaced under its name (a new inode, as a
//! deploy's `rename` gives) is opened anew at once. While the cache holds a file open its
//! inode cannot be reused, so the same device and inode mean the same file.
//!
//! The stat runs on the async thread, and only for a path the cache holds: the open file
//! pins the path's directory entries in the kernel's cache, so on a local filesystem the
//! lookup needs no disk. A path not cached takes the usual route (the non-blocking fast path,
//! else the blocking pool) and is remembered once opened.
//!
//! Bounded both ways: at most [`capacity`](OpenFileCache::set_capacity) files (the least
//! recently used is closed to make room), and a file not used for
//! [`inactive`](OpenFileCache::set_inactive) is closed at the next use of the cache. A path
//! whose stat fails or names another file is dropped at once. The cache is used on Linux
//! only, where the non-blocking fast path exists; elsewhere it stays empty.

#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
#[cfg(unix)]
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Files kept open when nothing else is configured.
const DEFAULT_CAPACITY: usize = 256;

/// How long an unused file stays open when nothing else is configured.
const DEFAULT_INACTIVE: Duration = Duration::from_secs(20);

/// The process-wide cache of files opened by [`FileResponse`](crate::FileResponse) (and so by
/// [`StaticFiles`](crate::StaticFiles)).
///
/// A hot file is served with one `stat` of its path and a positional read, like nginx's
/// `open_file_cache`, but checked on every request: the path is stat'ed afresh each time, and
/// the open file is used only while the path still names it (same device and inode, type,
/// permissions and owner). A file changed in place is served with its new length and
/// validators at once, and a file replaced under its name is opened anew. Every response
/// still aborts its connection when its file changes while it is being sent.
///
/// On by default: at most 256 files, each closed after 20 seconds without use (at the next
/// use of the cache). Open files count against the process's file-descriptor limit and keep a
/// deleted file's disk space until they are closed; [`clear`](Self::clear) closes them all
/// now. Used on Linux only; on other platforms it stays empty.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use respond::OpenFileCache;
///
/// // At startup: keep up to 1,000 files open, each for a minute without use.
/// let cache = OpenFileCache::global();
/// cache.set_capacity(1_000);
/// cache.set_inactive(Duration::from_secs(60));
///
/// // `cache.set_capacity(0)` would turn it off: every file opened and closed per request.
/// ```
#[derive(Debug)]
pub struct OpenFileCache {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Keyed by the path's bytes as given (hashing a `Path` walks its components).
    entries: HashMap<Arc<OsStr>, Entry>,
    capacity: usize,
    inactive: Duration,
    /// Counts uses, so the least recently used entry is the one with the smallest `used`.
    clock: u64,
    last_sweep: Instant,
}

#[derive(Debug)]
struct Entry {
    file: Arc<File>,
    identity: Identity,
    used: u64,
    used_at: Instant,
}

/// What must not have changed for an open file to stand for its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    device: u64,
    inode: u64,
    mode: u32,
    owner: (u32, u32),
}

#[cfg(unix)]
impl Identity {
    fn of(metadata: &Metadata) -> Self {
        Identity {
            device: metadata.dev(),
            inode: metadata.ino(),
            mode: metadata.mode(),
            owner: (metadata.uid(), metadata.gid()),
        }
    }
}

impl OpenFileCache {
    /// The cache every [`FileResponse`](crate::FileResponse) of this process uses.
    ///
    /// ```
    /// let cache = respond::OpenFileCache::global();
    /// println!("{} of {} files open", cache.len(), cache.capacity());
    /// ```
    pub fn global() -> &'static OpenFileCache {
        static GLOBAL: OnceLock<OpenFileCache> = OnceLock::new();
        GLOBAL.get_or_init(|| OpenFileCache {
            state: Mutex::new(State {
                entries: HashMap::new(),
                capacity: DEFAULT_CAPACITY,
                inactive: DEFAULT_INACTIVE,
                clock: 0,
                last_sweep: Instant::now(),
            }),
        })
    }

    /// Keeps at most `capacity` files open (0 turns the cache off); files beyond it, least
    /// recently used first, are closed now.
    ///
    /// ```
    /// respond::OpenFileCache::global().set_capacity(64);
    /// ```
    pub fn set_capacity(&self, capacity: usize) {
        let closed = {
            let mut state = self.lock();
            state.capacity = capacity;
            let mut closed = Vec::new();
            while state.entries.len() > capacity {
                closed.extend(state.evict_least_recent());
            }
            closed
        };
        drop(closed);
    }

    /// The most files kept open.
    ///
    /// ```
    /// let cache = respond::OpenFileCache::global();
    /// assert!(cache.len() <= cache.capacity());
    /// ```
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// Closes a file once it has not been used for `after` (checked whenever the cache is
    /// used, so an idle process closes its files at its next request).
    ///
    /// ```
    /// respond::OpenFileCache::global().set_inactive(std::time::Duration::from_secs(5));
    /// ```
    pub fn set_inactive(&self, after: Duration) {
        self.lock().inactive = after;
    }

    /// How many files are open in the cache now.
    ///
    /// ```
    /// let cache = respond::OpenFileCache::global();
    /// cache.clear();
    /// assert_eq!(cache.len(), 0, "no file was served here");
    /// ```
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no file is open in the cache.
    ///
    /// ```
    /// respond::OpenFileCache::global().clear();
    /// assert!(respond::OpenFileCache::global().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes every cached file now (responses being sent keep theirs until they finish).
    ///
    /// ```
    /// respond::OpenFileCache::global().clear();
    /// ```
    pub fn clear(&self) {
        let entries = std::mem::take(&mut self.lock().entries);
        drop(entries);
    }

    /// The open file for `path` with a fresh stat of the path, when the cache holds it and
    /// the path still names it; otherwise `None` (and the entry, if stale, is dropped).
    #[cfg(target_os = "linux")]
    pub(super) fn lookup(&self, path: &Path) -> Option<(Arc<File>, Metadata)> {
        let now = Instant::now();
        let (file, identity) = {
            let mut state = self.lock();
            let expired = state.sweep(now);
            let State { entries, clock, .. } = &mut *state;
            let found = entries.get_mut(path.as_os_str()).map(|entry| {
                *clock += 1;
                entry.used = *clock;
                entry.used_at = now;
                (Arc::clone(&entry.file), entry.identity)
            });
            drop(state);
            drop(expired);
            found?
        };
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_file() && Identity::of(&metadata) == identity => {
                Some((file, metadata))
            }
            _ => {
                self.forget(path, &file);
                None
            }
        }
    }

    /// Keeps `file`, just opened at `path` and stat'ed as `metadata`, for the next requests.
    #[cfg(target_os = "linux")]
    pub(super) fn remember(&self, path: &Path, file: &Arc<File>, metadata: &Metadata) {
        let now = Instant::now();
        let mut closed = Vec::new();
        {
            let mut state = self.lock();
            if state.capacity == 0 {
                return;
            }
            closed.extend(state.sweep(now));
            let key = path.as_os_str();
            if !state.entries.contains_key(key) && state.entries.len() >= state.capacity {
                closed.extend(state.evict_least_recent());
            }
            state.clock += 1;
            let entry = Entry {
                file: Arc::clone(file),
                identity: Identity::of(metadata),
                used: state.clock,
                used_at: now,
            };
            closed.extend(state.entries.insert(Arc::from(key), entry));
        }
        drop(closed);
    }

    /// Drops the entry for `path` if it still holds `file` (a newer one stays).
    #[cfg(target_os = "linux")]
    fn forget(&self, path: &Path, file: &Arc<File>) {
        let removed = {
            let mut state = self.lock();
            let key = path.as_os_str();
            match state.entries.get(key) {
                Some(entry) if Arc::ptr_eq(&entry.file, file) => state.entries.remove(key),
                _ => None,
            }
        };
        drop(removed);
    }

    /// The state; a panic elsewhere while it was held leaves it consistent (every change is
    /// one map operation), so a poisoned lock is taken over.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The file at `path` and a fresh stat of it when the cache holds it and the path still
/// names it (one `statx`); `None` otherwise, with nothing opened.
#[cfg(target_os = "linux")]
pub(crate) fn cached_file(path: &Path) -> Option<(Arc<File>, Metadata)> {
    OpenFileCache::global().lookup(path)
}

/// The file at `path` and a fresh stat of it, without waiting: from the cache when the path
/// still names the file cached, else opened by the non-blocking fast path (and cached).
#[cfg(target_os = "linux")]
pub(crate) fn opened_without_waiting(path: &Path) -> Option<(Arc<File>, Metadata)> {
    let cache = OpenFileCache::global();
    cache.lookup(path).or_else(|| {
        let (file, stat) = super::cached::open(path)?;
        let file = Arc::new(file);
        cache.remember(path, &file, &stat);
        Some((file, stat))
    })
}

impl State {
    /// Takes out the entries unused for `inactive`, at most twice per `inactive`; the caller
    /// drops them (closing the files) once the lock is released.
    fn sweep(&mut self, now: Instant) -> Vec<Entry> {
        if now.duration_since(self.last_sweep) < self.inactive / 2 {
            return Vec::new();
        }
        self.last_sweep = now;
        let inactive = self.inactive;
        let stale: Vec<Arc<OsStr>> = self
            .entries
            .iter()
            .filter(|(_, entry)| now.duration_since(entry.used_at) >= inactive)
            .map(|(path, _)| Arc::clone(path))
            .collect();
        stale
            .iter()
            .filter_map(|path| self.entries.remove(path))
            .collect()
    }

    /// Takes out the least recently used entry (a scan: the cache is small, and this runs
    /// only when a new file is opened with the cache full).
    fn evict_least_recent(&mut self) -> Option<Entry> {
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, entry)| entry.used)
            .map(|(path, _)| Arc::clone(path))?;
        self.entries.remove(&oldest)
    }
}
