//! Which HTTP version a connection speaks, and hyper's connection for that version alone.
//!
//! A cleartext connection is HTTP/2 when it opens with the HTTP/2 preface (prior knowledge),
//! HTTP/1.1 otherwise; over TLS, ALPN has said which. The socket is *peeked*, not read, so
//! hyper reads the first request itself, straight into its 8 KiB buffer. (hyper-util's
//! `auto` connection reads the first 24 bytes and replays them: hyper's first read then
//! returns those bytes alone, and its read buffer grows to 16 KiB on every connection; its
//! state is also an enum of both protocols' connections, 1,456 bytes where HTTP/1.1's is
//! 568.) An HTTP/2 connection lives in a box of its own, so a connection task is sized for
//! HTTP/1.1 alone.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::HttpService;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// What an HTTP/2 connection sends first (RFC 9113 section 3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The HTTP version of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    Http1,
    Http2,
}

/// Tells the version of a cleartext connection from its first bytes, without consuming them
/// in the common case. When the client sent a part of the preface and paused (peeking again
/// would return at once), the bytes are read instead, and returned: they must be replayed
/// before the socket's. A connection closed before its first byte is HTTP/1.1 (hyper then
/// sees the end).
pub(crate) async fn sniff(stream: &mut TcpStream) -> io::Result<(Version, Vec<u8>)> {
    let mut peeked = [0u8; PREFACE.len()];
    let n = stream.peek(&mut peeked).await?;
    if n == 0 || peeked[..n] != PREFACE[..n] {
        return Ok((Version::Http1, Vec::new()));
    }
    if n == PREFACE.len() {
        return Ok((Version::Http2, Vec::new()));
    }
    let mut read = Vec::with_capacity(PREFACE.len());
    while read.len() < PREFACE.len() {
        let mut chunk = [0u8; PREFACE.len()];
        let wanted = PREFACE.len() - read.len();
        let got = stream.read(&mut chunk[..wanted]).await?;
        if got == 0 {
            break;
        }
        read.extend_from_slice(&chunk[..got]);
        if read[..] != PREFACE[..read.len()] {
            return Ok((Version::Http1, read));
        }
    }
    let version = if read.len() == PREFACE.len() {
        Version::Http2
    } else {
        Version::Http1
    };
    Ok((version, read))
}

/// hyper's connection builders, one per version, configured once for the server.
#[derive(Debug)]
pub(crate) struct Builders {
    pub(crate) http1: http1::Builder,
    pub(crate) http2: http2::Builder<TokioExecutor>,
}

/// One connection served by hyper in the version it speaks. HTTP/1.1 is inline (the common
/// case, no allocation), HTTP/2 boxed (so it does not size every connection's task).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Served<I, S>
where
    S: HttpService<Incoming>,
{
    Http1(http1::Connection<TokioIo<I>, S>),
    Http2(Pin<Box<http2::Connection<TokioIo<I>, S, TokioExecutor>>>),
}

impl<I, S, B> Served<I, S>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: HttpService<Incoming, ResBody = B> + Unpin,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::Future: Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    pub(crate) fn new(builders: &Builders, version: Version, io: I, service: S) -> Self {
        let io = TokioIo::new(io);
        match version {
            Version::Http1 => Served::Http1(builders.http1.serve_connection(io, service)),
            Version::Http2 => Served::Http2(Box::pin(builders.http2.serve_connection(io, service))),
        }
    }

    /// Starts a graceful shutdown: HTTP/1.1 closes after the response in flight, HTTP/2
    /// sends GOAWAY and finishes its open streams.
    pub(crate) fn graceful_shutdown(&mut self) {
        match self {
            Served::Http1(connection) => Pin::new(connection).graceful_shutdown(),
            Served::Http2(connection) => connection.as_mut().graceful_shutdown(),
        }
    }
}

impl<I, S, B> Future for Served<I, S>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: HttpService<Incoming, ResBody = B> + Unpin,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::Future: Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Output = hyper::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Served::Http1(connection) => Pin::new(connection).poll(cx),
            Served::Http2(connection) => connection.as_mut().poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    use super::*;

    /// A connected pair: what the client writes (in pieces, with pauses) and the server side.
    async fn sniffed(pieces: &[&[u8]]) -> (Version, Vec<u8>, Vec<u8>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let pieces: Vec<Vec<u8>> = pieces.iter().map(|piece| piece.to_vec()).collect();
        let writer = tokio::spawn(async move {
            for piece in pieces {
                client.write_all(&piece).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            }
            client.shutdown().await.unwrap();
        });
        let (version, replay) = sniff(&mut server).await.unwrap();
        writer.await.unwrap();
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        (version, replay, rest)
    }

    #[tokio::test]
    async fn a_request_line_is_http1_and_nothing_is_consumed() {
        for request in [
            &b"GET / HTTP/1.1\r\n\r\n"[..],
            b"PUT / HTTP/1.1\r\n\r\n",
            b"POST / HTTP/1.1\r\n\r\n",
        ] {
            let (version, replay, rest) = sniffed(&[request]).await;
            assert_eq!(version, Version::Http1, "{request:?}");
            assert!(replay.is_empty());
            assert_eq!(rest, request);
        }
    }

    #[tokio::test]
    async fn the_preface_is_http2_and_nothing_is_consumed() {
        let (version, replay, rest) = sniffed(&[PREFACE]).await;
        assert_eq!(version, Version::Http2);
        assert!(replay.is_empty());
        assert_eq!(rest, PREFACE);
    }

    #[tokio::test]
    async fn a_preface_in_pieces_is_read_and_handed_back() {
        let (version, replay, rest) =
            sniffed(&[&PREFACE[..5], &PREFACE[5..13], &PREFACE[13..]]).await;
        assert_eq!(version, Version::Http2);
        assert_eq!([replay, rest].concat(), PREFACE);

        // `PROPFIND` shares the preface's first two bytes.
        let (version, replay, rest) = sniffed(&[b"PR", b"OPFIND / HTTP/1.1\r\n\r\n"]).await;
        assert_eq!(version, Version::Http1);
        assert_eq!([replay, rest].concat(), b"PROPFIND / HTTP/1.1\r\n\r\n");

        // A part of the preface, then the end.
        let (version, replay, rest) = sniffed(&[b"PRI * HT"]).await;
        assert_eq!(version, Version::Http1);
        assert_eq!([replay, rest].concat(), b"PRI * HT");
    }

    #[tokio::test]
    async fn a_closed_connection_is_http1() {
        let (version, replay, rest) = sniffed(&[]).await;
        assert_eq!(version, Version::Http1);
        assert!(replay.is_empty() && rest.is_empty());
    }
}
