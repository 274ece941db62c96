//! HTTP/2 frames written by hand, for clients that misbehave in ways the `h2` crate refuses
//! to (floods, too many streams, endless CONTINUATION frames), and a way to watch whether
//! the server has closed such a connection.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The client connection preface.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Frame types.
pub const DATA: u8 = 0x0;
/// HEADERS.
pub const HEADERS: u8 = 0x1;
/// RST_STREAM.
pub const RST_STREAM: u8 = 0x3;
/// SETTINGS.
pub const SETTINGS: u8 = 0x4;
/// PING.
pub const PING: u8 = 0x6;
/// GOAWAY.
pub const GOAWAY: u8 = 0x7;
/// CONTINUATION.
pub const CONTINUATION: u8 = 0x9;
/// END_STREAM flag.
pub const END_STREAM: u8 = 0x1;
/// END_HEADERS flag.
pub const END_HEADERS: u8 = 0x4;

/// One frame: the 9-byte header and the payload.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = payload.len() as u32;
    let mut bytes = Vec::with_capacity(9 + payload.len());
    bytes.extend_from_slice(&length.to_be_bytes()[1..]);
    bytes.push(kind);
    bytes.push(flags);
    bytes.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// A SETTINGS frame with `(identifier, value)` pairs.
pub fn settings(pairs: &[(u16, u32)]) -> Vec<u8> {
    let payload: Vec<u8> = pairs
        .iter()
        .flat_map(|(id, value)| [&id.to_be_bytes()[..], &value.to_be_bytes()[..]].concat())
        .collect();
    frame(SETTINGS, 0, 0, &payload)
}

/// An HPACK block for `GET http://t{path}` (static-table indices and literals, no Huffman).
pub fn get_block(path: &str) -> Vec<u8> {
    let mut block = vec![0x82, 0x86]; // :method GET, :scheme http
    block.push(0x04); // :path, literal without indexing
    block.push(path.len() as u8);
    block.extend_from_slice(path.as_bytes());
    block.extend_from_slice(&[0x01, 0x01, b't']); // :authority t
    block
}

/// A complete GET on `stream`.
pub fn get(stream: u32, path: &str) -> Vec<u8> {
    frame(HEADERS, END_HEADERS | END_STREAM, stream, &get_block(path))
}

/// Connects and sends the preface and an empty SETTINGS frame, plus `settings_pairs`.
pub async fn connect(addr: SocketAddr, settings_pairs: &[(u16, u32)]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(&hello(settings_pairs))
        .await
        .expect("preface");
    stream
}

/// What [`connect`] sends first: the preface, SETTINGS with `settings_pairs`, and the
/// acknowledgement of the server's SETTINGS in advance (for a TLS stream, send it yourself).
pub fn hello(settings_pairs: &[(u16, u32)]) -> Vec<u8> {
    let mut hello = PREFACE.to_vec();
    hello.extend(settings(settings_pairs));
    hello.extend(frame(SETTINGS, 0x1, 0, &[]));
    hello
}

/// Reads and discards until the server closes the connection (EOF or reset); the time it
/// took, or `None` when it stayed open for `limit`.
pub async fn until_closed(
    stream: &mut (impl AsyncRead + Unpin),
    limit: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// The frames read from `bytes`: `(type, flags, stream, payload)`; an unfinished tail is left.
pub fn parse_frames(bytes: &[u8]) -> Vec<(u8, u8, u32, Vec<u8>)> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 9 {
        let length = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
        if rest.len() < 9 + length {
            break;
        }
        let stream = u32::from_be_bytes([rest[5], rest[6], rest[7], rest[8]]) & 0x7fff_ffff;
        frames.push((rest[3], rest[4], stream, rest[9..9 + length].to_vec()));
        rest = &rest[9 + length..];
    }
    frames
}

/// Writes `next(i)` for i = 0.. until the server stops taking bytes or `limit` bytes went,
/// reading meanwhile (over plain TCP or TLS): the bytes written, whether a GOAWAY came, and
/// whether the server closed.
pub async fn flood<S>(stream: S, limit: usize, next: impl Fn(u32) -> Vec<u8>) -> (usize, bool, bool)
where
    S: AsyncRead + AsyncWrite,
{
    let (mut read, mut write) = tokio::io::split(stream);
    let mut written = 0;
    let mut received = Vec::new();
    let writing = async {
        let mut i = 0;
        while written < limit {
            let bytes = next(i);
            i += 1;
            match tokio::time::timeout(Duration::from_secs(2), write.write_all(&bytes)).await {
                Ok(Ok(())) => written += bytes.len(),
                // Refused or back-pressured: the server stopped reading.
                _ => break,
            }
        }
    };
    let reading = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(3), read.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
                Err(_) => return false,
            }
        }
    };
    let ((), closed) = tokio::join!(writing, reading);
    let goaway = parse_frames(&received).iter().any(|f| f.0 == GOAWAY);
    (written, goaway, closed)
}
