//! [`FileMetadata`]: what is known of a file without opening it.

use std::fs::Metadata;
use std::time::SystemTime;

/// What is known of a file without opening it: the counterpart of Starlette's
/// `stat_result`, for [`FileResponse::from_metadata`](crate::FileResponse::from_metadata).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let metadata = respond::FileMetadata::new(526, Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
/// assert_eq!(metadata.size(), 526);
/// let from_disk = respond::FileMetadata::from(std::fs::metadata("Cargo.toml").unwrap());
/// assert!(from_disk.size() > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMetadata {
    size: u64,
    modified: Option<SystemTime>,
}

impl FileMetadata {
    /// Metadata of a file of `size` bytes last modified at `modified` (without it, there
    /// is no `ETag` nor `Last-Modified`).
    ///
    /// ```
    /// let metadata = respond::FileMetadata::new(10, None);
    /// let response = respond::FileResponse::from_metadata("a.txt", metadata);
    /// assert!(response.headers().get("etag").is_none());
    /// ```
    pub fn new(size: u64, modified: Option<SystemTime>) -> Self {
        FileMetadata { size, modified }
    }

    /// The size in bytes.
    ///
    /// ```
    /// assert_eq!(respond::FileMetadata::new(7, None).size(), 7);
    /// ```
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The modification time, when known.
    ///
    /// ```
    /// let now = std::time::SystemTime::now();
    /// assert_eq!(respond::FileMetadata::new(7, Some(now)).modified(), Some(now));
    /// ```
    pub fn modified(&self) -> Option<SystemTime> {
        self.modified
    }
}

impl From<&Metadata> for FileMetadata {
    fn from(metadata: &Metadata) -> Self {
        FileMetadata::new(metadata.len(), metadata.modified().ok())
    }
}

impl From<Metadata> for FileMetadata {
    fn from(metadata: Metadata) -> Self {
        FileMetadata::from(&metadata)
    }
}
