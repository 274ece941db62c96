//! Files the kernel has shown to be beneath the root, remembered by path, so a hot file is
//! served without resolving its path under the root again (Linux).
//!
//! The full check of a path (`openat2` with `RESOLVE_BENEATH` under the root, see
//! [`lookup`](super::lookup)) costs an open of the root, an open of the path, a stat and two
//! closes. Once a path has passed it as a regular file, [`Verified`] keeps which file it named
//! (device and inode). The next request for that path asks the open-file cache
//! ([`open_file_cached`]: one `statx` of the path) and, when the path still names that very
//! file, sends the cached open file with that fresh stat: a hot static file costs what a hot
//! [`FileResponse`](crate::FileResponse) costs. Any other answer (another file, as a deploy's
//! rename or a swapped root gives; a file the cache no longer holds) takes the full check
//! again, and its result replaces the entry.
//!
//! What is checked is the file a path names, not each step of the way there; the way is
//! checked by the full check, which every new file passes first. Only a link changed inside
//! the served tree to lead out of the root and end at the very file verified would be
//! followed, to a file already known to be servable: the same trust in the tree's writers
//! as [`lookup`](super::lookup) states.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::file::{cached_file, opened_without_waiting};

/// Paths remembered at most: past it the map starts afresh (a path then costs one full
/// check again).
const CAPACITY: usize = 4096;

/// The file a path named when it passed the full check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    device: u64,
    inode: u64,
}

/// Paths under one root that passed the full check as regular files, with the file each
/// named. Shared by the clones of one [`StaticFiles`](crate::StaticFiles); a changed
/// configuration starts with none (a clone is empty).
#[derive(Debug, Default)]
pub(crate) struct Verified {
    paths: Mutex<HashMap<Box<str>, Identity>>,
}

impl Clone for Verified {
    fn clone(&self) -> Self {
        Verified::default()
    }
}

/// A file found open for a verified path: what [`FileResponse::from_open_file`](crate::FileResponse)
/// sends.
#[derive(Debug)]
pub(crate) struct Opened {
    /// The path under the root, as the probe was asked.
    pub(crate) relative: Box<str>,
    /// The path opened: the root joined with `relative`.
    pub(crate) path: PathBuf,
    pub(crate) file: Arc<File>,
    pub(crate) stat: Metadata,
}

impl Verified {
    /// Remembers that `relative` (under `root`) just passed the full check as the regular
    /// file `device`/`inode`, and opens it by path into the open-file cache, as
    /// `FileResponse` would; the file is handed back only if it is the one checked.
    pub(crate) fn remember(
        &self,
        root: &Path,
        relative: &str,
        device: u64,
        inode: u64,
    ) -> Option<Opened> {
        let known = Identity { device, inode };
        {
            let mut paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
            if paths.len() >= CAPACITY && !paths.contains_key(relative) {
                paths.clear();
            }
            paths.insert(Box::from(relative), known);
        }
        let path = root.join(relative);
        let (file, stat) = opened_without_waiting(&path)?;
        Opened::of(relative, path, file, stat, known)
    }

    /// The open file for `relative` (under `root`) when it passed the full check, the
    /// open-file cache holds it, and a fresh `statx` of the path shows that same file; `None`
    /// asks for the full check. Nothing is opened here: a path that now leads elsewhere is
    /// only stat'ed.
    pub(crate) fn opened(&self, root: &Path, relative: &str) -> Option<Opened> {
        let known = *self
            .paths
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(relative)?;
        let path = root.join(relative);
        let (file, stat) = cached_file(&path)?;
        Opened::of(relative, path, file, stat, known)
    }
}

impl Opened {
    /// `file`, opened at `path` for `relative`, if its fresh `stat` shows the file `known`.
    fn of(
        relative: &str,
        path: PathBuf,
        file: Arc<File>,
        stat: Metadata,
        known: Identity,
    ) -> Option<Self> {
        let found = Identity {
            device: stat.dev(),
            inode: stat.ino(),
        };
        (found == known).then(|| Opened {
            relative: Box::from(relative),
            path,
            file,
            stat,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_served_open_only_while_it_names_the_file_verified() {
        let root = std::env::temp_dir().join(format!("respond-verified-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let path = root.join("a.txt");
        std::fs::write(&path, "first").unwrap();
        let stat = std::fs::metadata(&path).unwrap();

        let verified = Verified::default();
        assert!(verified.opened(&root, "a.txt").is_none(), "never checked");
        let opened = verified.remember(&root, "a.txt", stat.dev(), stat.ino());
        assert_eq!(opened.expect("opened as checked").stat.len(), 5);
        let opened = verified
            .opened(&root, "a.txt")
            .expect("verified and cached");
        assert_eq!(&*opened.relative, "a.txt");
        assert_eq!(opened.stat.len(), 5);
        // Another file than the one checked is not handed back.
        assert!(
            verified
                .remember(&root, "a.txt", stat.dev(), stat.ino() + 1)
                .is_none()
        );
        assert!(verified.opened(&root, "a.txt").is_none());
        verified.remember(&root, "a.txt", stat.dev(), stat.ino());

        // Replaced under its name (a new inode): the full check again.
        let staged = root.join("a.txt.new");
        std::fs::write(&staged, "second").unwrap();
        std::fs::rename(&staged, &path).unwrap();
        assert!(verified.opened(&root, "a.txt").is_none());
        assert!(verified.clone().opened(&root, "a.txt").is_none());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
