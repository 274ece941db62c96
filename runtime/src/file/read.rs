//! Reading a file for a response body, off the async threads.
//!
//! Reads are positional (`pread`) on tokio's blocking pool, in chunks of the response's
//! chunk size. While one chunk is being written, the next read is in flight: at most two
//! chunks are in memory per response, whatever the file's size. Each read checks the file's
//! size (and modification time) against the values the head was built from, so a file that
//! changes while it is sent ends the body with an error (the connection is aborted) rather
//! than a body that disagrees with its Content-Length.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::io;
use std::ops::Range;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body::Frame;
use tokio::task::JoinHandle;

use crate::error::Error;

/// A piece of a file response's body: bytes known up front (multipart headers), or a range
/// of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Bytes(Bytes),
    File(Range<u64>),
}

/// What the file must still look like while it is read: the head was built from this.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected {
    pub(crate) size: u64,
    /// Compared too when known (it is not for metadata given by the caller, which may be
    /// rounded).
    pub(crate) modified: Option<SystemTime>,
}

/// The pieces still to send, cut into reads of at most `chunk_size` bytes.
#[derive(Debug)]
pub(crate) struct Plan {
    pieces: VecDeque<Piece>,
    chunk_size: u64,
    /// Reads of at most [`FIRST_READ`] until the client has proven fast (see
    /// [`PROVEN_FAST`]): for a body written to a socket by respond's server.
    warm_up: bool,
}

/// One step of a plan.
enum Step {
    Bytes(Bytes),
    Read(Range<u64>),
}

impl Plan {
    pub(crate) fn new(pieces: Vec<Piece>, chunk_size: usize) -> Self {
        Plan {
            pieces: pieces.into(),
            chunk_size: chunk_size.max(1) as u64,
            warm_up: false,
        }
    }

    /// Makes the first reads small when the body goes to a socket of respond's server
    /// (`to_socket`); a body sent as messages keeps reads of the chunk size, as Starlette's.
    pub(crate) fn warming_up(mut self, to_socket: bool) -> Self {
        self.warm_up = to_socket;
        self
    }

    /// The next step, with a read of at most `limit` bytes (and at most the chunk size).
    fn next_step(&mut self, limit: u64) -> Option<Step> {
        let read_size = self.chunk_size.min(limit.max(1));
        loop {
            match self.pieces.pop_front()? {
                Piece::Bytes(bytes) if bytes.is_empty() => {}
                Piece::Bytes(bytes) => return Some(Step::Bytes(bytes)),
                Piece::File(range) if range.is_empty() => {}
                Piece::File(range) => {
                    let end = range.end.min(range.start.saturating_add(read_size));
                    if end < range.end {
                        self.pieces.push_front(Piece::File(end..range.end));
                    }
                    return Some(Step::Read(range.start..end));
                }
            }
        }
    }

    fn put_back(&mut self, range: Range<u64>) {
        match self.pieces.front_mut() {
            Some(Piece::File(next)) if next.start == range.end => next.start = range.start,
            _ => self.pieces.push_front(Piece::File(range)),
        }
    }

    fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

type ReadResult = io::Result<(Arc<File>, Bytes)>;

enum Slot {
    Ready(Bytes),
    Reading(JoinHandle<ReadResult>),
}

/// The body of a file response.
pub(crate) struct FileBody {
    path: Arc<Path>,
    /// `None` until the first read opens the file (metadata given by the caller).
    file: Option<Arc<File>>,
    expected: Expected,
    plan: Plan,
    /// What comes next, in order: ready bytes, and at most one read in flight.
    queue: VecDeque<Slot>,
    /// Bytes not yielded yet.
    left: u64,
    /// How fast the client takes the body.
    pace: Pace,
    /// Reads go to the blocking pool (the file is not in the page cache, or the fast path
    /// is unavailable), so starting the next one early overlaps it with the socket write.
    /// Reads from the page cache take microseconds on the async thread: they are made when
    /// the client asks, and a stalled client holds no chunk read ahead.
    reads_wait: bool,
}

/// A client that took the body at less than this many bytes a second over the last
/// [`RATE_WINDOW`] is slow. A fast client gets the next read started as soon as a chunk is
/// handed out, so the read overlaps the socket write, and reads of the full chunk size.
///
/// A slow client gets each chunk read only when it asks, and in reads of at most
/// [`SLOW_READ`] bytes: a read takes microseconds from the page cache, nothing next to its
/// pace, and the memory waiting on it stays small. Without this, the server's write queue
/// (which refills up to 64 KiB whenever it drops below) plus a chunk read ahead would hold
/// nearly 200 KiB for every stalled download.
const SLOW_RATE: u64 = 1024 * 1024;

/// How long each judgement of a client's pace looks back; a client that speeds up or stalls
/// is judged anew after this long.
const RATE_WINDOW: Duration = Duration::from_millis(100);

/// The largest read for a slow client (see [`SLOW_RATE`]).
const SLOW_READ: u64 = 16 * 1024;

/// The largest read until a client has proven fast (see [`PROVEN_FAST`]).
const FIRST_READ: u64 = 32 * 1024;

/// What a client must have taken, at a pace that is not slow, before it gets reads of the
/// full chunk size. The socket's buffers take the first megabytes at any pace (on loopback
/// about 1.8 MB), so a client that reads slowly looks fast until they are full and then
/// stalls at once, with the server's write queue refilled and one more chunk in it: reads of
/// 32 KiB until then bound that to 96 KiB, against 128 KiB with 64 KiB chunks. A large
/// download is past this within its first few percent.
const PROVEN_FAST: u64 = 4 * 1024 * 1024;

/// A client's pace, judged over windows of [`RATE_WINDOW`]: the bytes handed out in one
/// window decide until the next.
#[derive(Debug, Default)]
struct Pace {
    /// When the current window began, and the bytes handed out in it.
    window: Option<(Instant, u64)>,
    slow: bool,
    /// The bytes handed out in all.
    sent: u64,
}

impl Pace {
    /// The largest read to make next; `warm_up` as [`Plan::warming_up`] set it.
    fn read_limit(&self, warm_up: bool) -> u64 {
        if self.slow {
            SLOW_READ
        } else if warm_up && self.sent < PROVEN_FAST {
            FIRST_READ
        } else {
            u64::MAX
        }
    }

    /// Counts `sent` bytes handed out at `now`; whether the client is slow.
    fn record(&mut self, sent: u64, now: Instant) -> bool {
        self.sent = self.sent.saturating_add(sent);
        let (start, total) = self.window.get_or_insert((now, 0));
        *total += sent;
        let elapsed = now.duration_since(*start);
        if elapsed >= RATE_WINDOW {
            self.slow =
                u128::from(*total) * 1_000_000 < u128::from(SLOW_RATE) * elapsed.as_micros();
            self.window = Some((now, 0));
        }
        self.slow
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        self.get_mut().poll_chunk(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.queue.is_empty() && self.plan.is_empty()
    }

    /// Exact: the bytes still to send.
    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.left)
    }
}

impl FileBody {
    pub(crate) fn new(
        path: Arc<Path>,
        file: Option<Arc<File>>,
        expected: Expected,
        plan: Plan,
        preloaded: Vec<Bytes>,
        length: u64,
    ) -> Self {
        let reads_wait = !cfg!(target_os = "linux") || file.is_none();
        FileBody {
            path,
            file,
            expected,
            plan,
            queue: preloaded.into_iter().map(Slot::Ready).collect(),
            left: length,
            pace: Pace::default(),
            reads_wait,
        }
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        loop {
            let slot = match self.queue.front_mut() {
                None => {
                    if let Err(error) = self.read_ahead() {
                        return Poll::Ready(Some(Err(self.fail(error))));
                    }
                    if self.queue.is_empty() {
                        return Poll::Ready(None);
                    }
                    continue;
                }
                Some(slot) => slot,
            };
            let bytes = match slot {
                Slot::Ready(bytes) => std::mem::take(bytes),
                Slot::Reading(handle) => match std::task::ready!(Pin::new(handle).poll(cx)) {
                    Ok(Ok((file, bytes))) => {
                        self.file = Some(file);
                        bytes
                    }
                    Ok(Err(error)) => return Poll::Ready(Some(Err(self.fail(error)))),
                    Err(join) => {
                        let error = io::Error::other(format!("file read did not finish: {join}"));
                        return Poll::Ready(Some(Err(self.fail(error))));
                    }
                },
            };
            self.queue.pop_front();
            self.left = self.left.saturating_sub(bytes.len() as u64);
            // A client keeping pace gets the next read started now (when reads wait on the
            // disk), so it runs while this chunk is written; a slow one gets it when it asks.
            let slow = self.pace.record(bytes.len() as u64, Instant::now());
            if !slow && self.reads_wait {
                if let Err(error) = self.read_ahead() {
                    return Poll::Ready(Some(Err(self.fail(error))));
                }
            }
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
    }

    /// Queues the ready pieces up to the next read and starts that read, unless one is in
    /// flight already.
    fn read_ahead(&mut self) -> io::Result<()> {
        if self
            .queue
            .iter()
            .any(|slot| matches!(slot, Slot::Reading(_)))
        {
            return Ok(());
        }
        let limit = self.pace.read_limit(self.plan.warm_up);
        while let Some(step) = self.plan.next_step(limit) {
            match step {
                Step::Bytes(bytes) => self.queue.push_back(Slot::Ready(bytes)),
                Step::Read(range) => {
                    // What the page cache holds is read here at once (Linux): no trip to
                    // the blocking pool.
                    #[cfg(target_os = "linux")]
                    if let Some(file) = &self.file {
                        if range.end - range.start <= super::cached::INLINE_BUDGET {
                            if let Some(bytes) = super::cached::read_range(file, range.clone()) {
                                check_unchanged(file, &self.path, self.expected)?;
                                self.queue.push_back(Slot::Ready(bytes));
                                return Ok(());
                            }
                        }
                    }
                    let handle = tokio::runtime::Handle::try_current().map_err(|_| {
                        io::Error::other("reading a file body needs a tokio runtime")
                    })?;
                    self.reads_wait = true;
                    let path = Arc::clone(&self.path);
                    let file = self.file.clone();
                    let expected = self.expected;
                    let read = handle.spawn_blocking(move || {
                        let file = match file {
                            Some(file) => file,
                            None => Arc::new(open(&path)?.0),
                        };
                        check_unchanged(&file, &path, expected)?;
                        let bytes = read_range(&file, &path, range)?;
                        Ok((file, bytes))
                    });
                    self.queue.push_back(Slot::Reading(read));
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn fail(&mut self, error: io::Error) -> Error {
        tracing::error!(path = %self.path.display(), %error, "file response aborted");
        self.queue.clear();
        self.plan = Plan::new(Vec::new(), 1);
        self.left = 0;
        Error::Io(error)
    }
}

/// Reads the first steps of `plan` at once, up to `budget` bytes of file (at least one read),
/// in the blocking trip that opened the file: a small response needs no other trip.
pub(crate) fn preload(
    file: &File,
    path: &Path,
    plan: &mut Plan,
    budget: usize,
) -> io::Result<Vec<Bytes>> {
    preload_with(plan, budget as u64, |range| {
        read_range(file, path, range).map(Some)
    })
}

/// [`preload`] on the async thread, for a file opened by the cached fast path: reads only
/// what the page cache holds, at most `INLINE_BUDGET` bytes (in reads no larger), and
/// leaves the first read that would wait (and all after it) in `plan` for the blocking pool.
#[cfg(target_os = "linux")]
pub(crate) fn preload_cached(file: &File, plan: &mut Plan) -> Vec<Bytes> {
    let Ok(ready) =
        preload_with::<std::convert::Infallible>(plan, super::cached::INLINE_BUDGET, |range| {
            Ok(super::cached::read_range(file, range))
        });
    ready
}

/// Takes the first steps of `plan`, in reads of at most `budget` bytes and up to `budget`
/// bytes in all (at least one read). `read` gives a range's bytes, or `None` to leave that
/// range and the rest in `plan`.
fn preload_with<E>(
    plan: &mut Plan,
    budget: u64,
    mut read: impl FnMut(Range<u64>) -> Result<Option<Bytes>, E>,
) -> Result<Vec<Bytes>, E> {
    let mut ready = Vec::new();
    let mut taken = 0u64;
    while let Some(step) = plan.next_step(budget) {
        match step {
            Step::Bytes(bytes) => ready.push(bytes),
            Step::Read(range) => {
                let length = range.end - range.start;
                if taken > 0 && taken + length > budget {
                    plan.put_back(range);
                    break;
                }
                match read(range.clone())? {
                    Some(bytes) => {
                        taken += length;
                        ready.push(bytes);
                    }
                    None => {
                        plan.put_back(range);
                        break;
                    }
                }
            }
        }
    }
    Ok(ready)
}

/// Opens a regular file, with the path in every error. The path is checked before it is
/// opened, so a FIFO never blocks the open.
pub(crate) fn open(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    let described = |error: io::Error| {
        let what = match error.kind() {
            io::ErrorKind::NotFound => "does not exist".to_owned(),
            _ => format!("cannot be opened: {error}"),
        };
        io::Error::new(
            error.kind(),
            format!("file at path {} {what}", path.display()),
        )
    };
    let metadata = std::fs::metadata(path).map_err(described)?;
    not_a_file(path, &metadata)?;
    let file = File::open(path).map_err(described)?;
    let metadata = file.metadata().map_err(described)?;
    not_a_file(path, &metadata)?;
    Ok((file, metadata))
}

fn not_a_file(path: &Path, metadata: &std::fs::Metadata) -> io::Result<()> {
    if metadata.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("file at path {} is a directory, not a file", path.display()),
        ));
    }
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("file at path {} is not a regular file", path.display()),
        ));
    }
    Ok(())
}

fn check_unchanged(file: &File, path: &Path, expected: Expected) -> io::Result<()> {
    let metadata = file.metadata()?;
    let size = metadata.len();
    if size != expected.size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "file at path {} changed while being sent: {} bytes expected, it now has {size}",
                path.display(),
                expected.size
            ),
        ));
    }
    if let Some(modified) = expected.modified {
        if metadata.modified().ok() != Some(modified) {
            return Err(io::Error::other(format!(
                "file at path {} was modified while being sent",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Reads exactly `range`; a file that ends early is an error.
fn read_range(file: &File, path: &Path, range: Range<u64>) -> io::Result<Bytes> {
    let length = usize::try_from(range.end - range.start)
        .map_err(|_| io::Error::other("read larger than memory"))?;
    let mut buffer = vec![0u8; length];
    let mut filled = 0;
    while filled < length {
        match read_at(file, &mut buffer[filled..], range.start + filled as u64) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("file at path {} is shorter than expected", path.display()),
                ));
            }
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(Bytes::from(buffer))
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stay_small_until_the_client_proves_fast() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut pace = Pace::default();
        assert_eq!(pace.read_limit(false), u64::MAX, "messages: full chunks");
        assert_eq!(pace.read_limit(true), FIRST_READ);
        // The socket's buffers fill at any pace: 2 MiB in 20 ms proves nothing yet.
        for ms in 0..64 {
            pace.record(32 * 1024, at(ms / 3));
        }
        assert_eq!(pace.read_limit(true), FIRST_READ);
        // Past 4 MiB at a fast pace: full chunks.
        for ms in 21..=100 {
            pace.record(32 * 1024, at(ms));
        }
        assert_eq!(pace.read_limit(true), u64::MAX);
        // A client that then slows down gets small reads again.
        pace.record(1024, at(300));
        assert_eq!(pace.read_limit(true), SLOW_READ);
    }

    #[test]
    fn pace_is_judged_per_window_and_both_ways() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut pace = Pace::default();
        // Fast: 64 KiB every millisecond.
        for ms in 0..=100 {
            assert!(!pace.record(64 * 1024, at(ms)), "fast at {ms} ms");
        }
        // It stalls: 16 KiB every 250 ms (64 KiB/s) is slow from the next window on.
        assert!(pace.record(16 * 1024, at(350)));
        assert!(pace.record(16 * 1024, at(600)));
        // It speeds up again: fast after one window.
        let mut slow_seen_after = 0;
        for ms in 601..=800 {
            if pace.record(64 * 1024, at(ms)) {
                slow_seen_after = ms;
            }
        }
        assert!(slow_seen_after < 710, "still slow at {slow_seen_after} ms");
        assert!(!pace.record(64 * 1024, at(801)));
    }

    #[test]
    fn plan_cuts_reads_to_the_chunk_size() {
        let mut plan = Plan::new(
            vec![
                Piece::Bytes(Bytes::from_static(b"h")),
                Piece::File(20..51),
                Piece::Bytes(Bytes::new()),
                Piece::File(5..5),
            ],
            10,
        );
        let mut steps = Vec::new();
        while let Some(step) = plan.next_step(u64::MAX) {
            steps.push(match step {
                Step::Bytes(bytes) => format!("b{}", bytes.len()),
                Step::Read(range) => format!("{}..{}", range.start, range.end),
            });
        }
        assert_eq!(steps, ["b1", "20..30", "30..40", "40..50", "50..51"]);
        let mut plan = Plan::new(vec![Piece::File(0..30)], 10);
        let Some(Step::Read(first)) = plan.next_step(u64::MAX) else {
            panic!("a read first");
        };
        plan.put_back(first);
        assert_eq!(plan.pieces, [Piece::File(0..30)]);
    }
}
