//! The filesystem side: what a relative path names under the root, and whether symbolic
//! links keep it inside.
//!
//! A [`Probe`] answers one question per path: a regular file, a directory, or nothing the
//! mount serves (missing, a FIFO or a device, or a link out of the root). One request may
//! ask several (the file, its index, its precompressed siblings, `404.html`); they all go to
//! the same probe:
//! - [`Cached`] (Linux) answers on the async thread from the kernel's caches, with
//!   `openat2(RESOLVE_CACHED | RESOLVE_BENEATH)` under the root: the kernel itself refuses
//!   any resolution (`..` in a link, an absolute link) that would leave it. Whatever it
//!   cannot answer without waiting, or refuses as an escape, it leaves to [`Blocking`] by
//!   reporting [`io::ErrorKind::WouldBlock`], and the request is looked up again there.
//! - [`Blocking`] (every platform, on tokio's blocking pool) resolves the path with
//!   `canonicalize` and serves it only when the result is under the canonical root, as
//!   Starlette does; an absolute link that points inside the root is fine.
//!
//! With links allowed to leave the root, neither checks where they point; the names are
//! still plain (see `path`), so the path itself never climbs out.
//!
//! The root is resolved for each request that needs it, so a root that is itself a link
//! swapped at each deploy (`current -> releases/42`) serves the new release at once. A
//! regular file that passed [`Cached`]'s check is remembered with its identity (see
//! `verified`): while its path names the same file, later requests send it from the
//! open-file cache after one `statx`, without resolving it under the root again. Files are
//! opened by path: whoever can change the links inside the root between the check and the
//! open could still redirect that open, so do not give untrusted parties write access to a
//! served tree and links in it.

use std::io;
use std::path::{Path, PathBuf};

/// What a path names under the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    File,
    Directory,
    /// Nothing the mount serves.
    Missing,
}

/// Answers what paths under the root name.
pub(crate) trait Probe {
    /// What `relative` (decoded names joined with `/`, empty for the root) names. An
    /// [`io::ErrorKind::WouldBlock`] error asks for the lookup to be redone by
    /// [`Blocking`]; other errors are real.
    fn entry(&mut self, relative: &str) -> io::Result<Entry>;
}

/// Errors that mean "nothing here" rather than a failing disk.
fn is_missing(error: &io::Error) -> bool {
    if matches!(
        error.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    ) {
        return true;
    }
    #[cfg(unix)]
    {
        // ELOOP (a link loop) and ENAMETOOLONG, the same on every Unix that matters here.
        #[cfg(target_os = "linux")]
        let codes = [
            rustix::io::Errno::LOOP.raw_os_error(),
            rustix::io::Errno::NAMETOOLONG.raw_os_error(),
        ];
        #[cfg(not(target_os = "linux"))]
        let codes = [62, 63];
        if error
            .raw_os_error()
            .is_some_and(|code| codes.contains(&code))
        {
            return true;
        }
    }
    false
}

fn classify(metadata: &std::fs::Metadata) -> Entry {
    if metadata.is_file() {
        Entry::File
    } else if metadata.is_dir() {
        Entry::Directory
    } else {
        Entry::Missing
    }
}

/// The portable probe, with calls that may wait on the disk.
#[derive(Debug)]
pub(crate) struct Blocking<'a> {
    root: &'a Path,
    follow_symlinks: bool,
    /// The canonical root, found on the first question.
    canonical_root: Option<PathBuf>,
}

impl<'a> Blocking<'a> {
    pub(crate) fn new(root: &'a Path, follow_symlinks: bool) -> Self {
        Blocking {
            root,
            follow_symlinks,
            canonical_root: None,
        }
    }

    fn canonical_root(&mut self) -> io::Result<&Path> {
        if self.canonical_root.is_none() {
            self.canonical_root = Some(std::fs::canonicalize(self.root)?);
        }
        Ok(self.canonical_root.as_deref().unwrap_or(self.root))
    }
}

impl Probe for Blocking<'_> {
    fn entry(&mut self, relative: &str) -> io::Result<Entry> {
        let full = self.root.join(relative);
        let checked = if self.follow_symlinks {
            full
        } else {
            let resolved = match std::fs::canonicalize(&full) {
                Ok(resolved) => resolved,
                Err(error) if is_missing(&error) => return Ok(Entry::Missing),
                Err(error) => return Err(error),
            };
            let root = match self.canonical_root() {
                Ok(root) => root,
                Err(error) if is_missing(&error) => return Ok(Entry::Missing),
                Err(error) => return Err(error),
            };
            if !resolved.starts_with(root) {
                tracing::debug!(
                    path = relative,
                    "static file refused: a link leads out of the root"
                );
                return Ok(Entry::Missing);
            }
            resolved
        };
        match std::fs::metadata(&checked) {
            Ok(metadata) => Ok(classify(&metadata)),
            Err(error) if is_missing(&error) => Ok(Entry::Missing),
            Err(error) => Err(error),
        }
    }
}

#[cfg(target_os = "linux")]
pub(crate) use cached::Cached;

#[cfg(target_os = "linux")]
mod cached {
    use std::io;
    use std::os::fd::OwnedFd;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    use rustix::fs::{CWD, FileType, Mode, OFlags, ResolveFlags, fstat, openat2};
    use rustix::io::Errno;

    use super::super::verified::{Opened, Verified};
    use super::{Entry, Probe};

    /// Cleared when the kernel (or a seccomp filter) refuses `openat2` altogether.
    static AVAILABLE: AtomicBool = AtomicBool::new(true);

    fn would_block() -> io::Error {
        io::Error::from(io::ErrorKind::WouldBlock)
    }

    /// The Linux probe that never waits: a path verified before and still naming the same
    /// file is answered from the open-file cache (see `verified`); any other is resolved
    /// beneath the root, opened with `O_PATH` on the first such question, from the
    /// kernel's caches.
    #[derive(Debug)]
    pub(crate) struct Cached<'a> {
        root_path: &'a Path,
        root: Option<OwnedFd>,
        resolve: ResolveFlags,
        verified: &'a Verified,
        /// The last file found open for a verified path.
        opened: Option<Opened>,
    }

    impl<'a> Cached<'a> {
        /// A probe of `root`, or [`io::ErrorKind::WouldBlock`] when this kernel cannot
        /// answer this way at all.
        pub(crate) fn new(
            root: &'a Path,
            follow_symlinks: bool,
            verified: &'a Verified,
        ) -> io::Result<Self> {
            if !AVAILABLE.load(Ordering::Relaxed) {
                return Err(would_block());
            }
            let mut resolve = ResolveFlags::CACHED | ResolveFlags::NO_MAGICLINKS;
            if !follow_symlinks {
                resolve |= ResolveFlags::BENEATH;
            }
            Ok(Cached {
                root_path: root,
                root: None,
                resolve,
                verified,
                opened: None,
            })
        }

        /// The file found open for the last verified path asked, if any: what
        /// [`FileResponse::from_open_file`](crate::FileResponse) sends.
        pub(crate) fn take_opened(&mut self) -> Option<Opened> {
            self.opened.take()
        }

        /// The root, opened on first use (or [`io::ErrorKind::WouldBlock`]).
        fn root(&mut self) -> io::Result<&OwnedFd> {
            if self.root.is_none() {
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                match openat2(
                    CWD,
                    self.root_path,
                    flags,
                    Mode::empty(),
                    ResolveFlags::CACHED,
                ) {
                    Ok(root) => self.root = Some(root),
                    Err(Errno::NOSYS | Errno::PERM | Errno::INVAL) => {
                        AVAILABLE.store(false, Ordering::Relaxed);
                        return Err(would_block());
                    }
                    Err(_) => return Err(would_block()),
                }
            }
            self.root.as_ref().ok_or_else(would_block)
        }
    }

    impl Probe for Cached<'_> {
        fn entry(&mut self, relative: &str) -> io::Result<Entry> {
            if let Some(opened) = self.verified.opened(self.root_path, relative) {
                self.opened = Some(opened);
                return Ok(Entry::File);
            }
            let path = if relative.is_empty() { "." } else { relative };
            let flags = OFlags::PATH | OFlags::CLOEXEC;
            let resolve = self.resolve;
            match openat2(self.root()?, path, flags, Mode::empty(), resolve) {
                Ok(fd) => {
                    let stat = fstat(&fd).map_err(|_| would_block())?;
                    let kind = FileType::from_raw_mode(stat.st_mode);
                    Ok(if kind.is_file() {
                        // `st_dev` and `st_ino` are narrower on some targets.
                        #[allow(clippy::useless_conversion)]
                        let (device, inode) = (u64::from(stat.st_dev), u64::from(stat.st_ino));
                        self.opened =
                            self.verified
                                .remember(self.root_path, relative, device, inode);
                        Entry::File
                    } else if kind.is_dir() {
                        Entry::Directory
                    } else {
                        Entry::Missing
                    })
                }
                Err(Errno::NOENT | Errno::NOTDIR | Errno::LOOP | Errno::NAMETOOLONG) => {
                    Ok(Entry::Missing)
                }
                // EAGAIN: not all cached; EXDEV: an escape, or an absolute link, which
                // the blocking probe judges by where it really leads.
                Err(_) => Err(would_block()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_missing_unless_allowed() {
        let base = std::env::temp_dir().join(format!("respond-lookup-{}", std::process::id()));
        let root = base.join("root");
        std::fs::create_dir_all(root.join("dir")).unwrap();
        std::fs::write(base.join("secret"), "s").unwrap();
        std::fs::write(root.join("dir/a.txt"), "a").unwrap();
        std::os::unix::fs::symlink("../secret", root.join("out")).unwrap();
        std::os::unix::fs::symlink("dir/a.txt", root.join("in")).unwrap();
        std::os::unix::fs::symlink(root.join("dir/a.txt"), root.join("absolute-in")).unwrap();
        std::os::unix::fs::symlink("/dev/null", root.join("device")).unwrap();

        let mut strict = Blocking::new(&root, false);
        assert_eq!(strict.entry("dir/a.txt").unwrap(), Entry::File);
        assert_eq!(strict.entry("dir").unwrap(), Entry::Directory);
        assert_eq!(strict.entry("").unwrap(), Entry::Directory);
        assert_eq!(strict.entry("out").unwrap(), Entry::Missing);
        assert_eq!(strict.entry("in").unwrap(), Entry::File);
        assert_eq!(strict.entry("absolute-in").unwrap(), Entry::File);
        assert_eq!(strict.entry("device").unwrap(), Entry::Missing);
        assert_eq!(strict.entry("dir/a.txt/x").unwrap(), Entry::Missing);
        assert_eq!(strict.entry("nothing").unwrap(), Entry::Missing);
        let mut open = Blocking::new(&root, true);
        assert_eq!(open.entry("out").unwrap(), Entry::File);

        #[cfg(target_os = "linux")]
        let verified = super::super::verified::Verified::default();
        if let Ok(mut cached) = Cached::new(&root, false, &verified) {
            // Each answer is either the blocking probe's, or a request to ask it.
            for path in [
                "dir/a.txt",
                "dir",
                "",
                "out",
                "in",
                "absolute-in",
                "device",
                "nothing",
            ] {
                match cached.entry(path) {
                    Ok(entry) => assert_eq!(entry, strict.entry(path).unwrap(), "{path}"),
                    Err(error) => assert_eq!(error.kind(), io::ErrorKind::WouldBlock, "{path}"),
                }
            }
            assert!(
                cached.entry("out").is_err(),
                "the kernel refuses the escape"
            );
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}
