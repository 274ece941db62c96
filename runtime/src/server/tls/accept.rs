//! The TLS handshake of one accepted socket, under the connection's header deadline, and
//! [`Server::with_tls`]: TLS is an acceptor in front of the same connection handling.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::TlsConfig;
use crate::protocol::App;
use crate::server::{Connection, Server};

/// The first byte of a TLS handshake record (`ContentType::Handshake`).
const HANDSHAKE_RECORD: u8 = 0x16;

/// What a client that spoke cleartext HTTP on the TLS port is told.
const PLAIN_HTTP_REFUSAL: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
content-type: text/plain; charset=utf-8\r\n\
content-length: 62\r\n\
connection: close\r\n\
\r\n\
This port speaks HTTPS: send the request to https:// instead.\n";

/// Serves `app` over HTTPS on `addr` until the process ends: [`serve`](crate::serve) with a
/// certificate.
///
/// ```no_run
/// use respond::{PlainTextResponse, Receiver, Scope, Sender, TlsConfig};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     PlainTextResponse::new("hello over TLS").send(&scope, &mut receive, &mut send).await
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let tls = TlsConfig::from_pem_files("cert.pem", "key.pem")?;
///     respond::serve_tls("127.0.0.1:8443", tls, app).await?;
///     Ok(())
/// }
/// ```
///
/// # Errors
/// When the address cannot be bound.
pub async fn serve_tls<A: App>(
    addr: impl ToSocketAddrs,
    tls: TlsConfig,
    app: A,
) -> std::io::Result<()> {
    Server::bind(addr).await?.with_tls(tls).serve(app).await
}

/// HTTPS.
impl Server {
    /// Serves HTTPS with `tls`: every accepted connection first completes a TLS handshake
    /// (TLS 1.3 or 1.2, ALPN `h2` or `http/1.1`), then is served as a cleartext connection
    /// is, with the same limits; [`Scope::scheme`](crate::Scope::scheme) says `"https"` and
    /// [`Scope::version`](crate::Scope::version) the protocol ALPN chose.
    ///
    /// The handshake counts against the header deadline
    /// ([`with_header_timeout`](Self::with_header_timeout), counted from accept), and a
    /// connection still in its handshake is among the first shed at the connection cap: a
    /// client that opens sockets and never finishes a handshake holds each for that long
    /// at most. A client that sends cleartext HTTP to the port gets a `400` saying to use
    /// `https://`, and the connection closes.
    ///
    /// Keep a clone of `tls` to reload the certificate while the server runs
    /// ([`TlsConfig::reload_from_pem_files`]).
    ///
    /// ```no_run
    /// # use respond::{PlainTextResponse, Receiver, Scope, Sender};
    /// # async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    /// #     PlainTextResponse::new("hi").send(&scope, &mut receive, &mut send).await
    /// # }
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let tls = respond::TlsConfig::from_pem_files("cert.pem", "key.pem")?;
    /// respond::Server::bind("0.0.0.0:443").await?
    ///     .with_tls(tls.clone())
    ///     .with_header_timeout(Duration::from_secs(10))
    ///     .serve(app)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }
}

/// Completes the TLS handshake of `stream` before its deadline (or `None`: it timed out,
/// failed, was shed, the server is shutting down, or it spoke cleartext HTTP and was told so).
pub(crate) async fn handshake(
    tls: &TlsConfig,
    stream: TcpStream,
    connection: &Connection,
) -> Option<TlsStream<TcpStream>> {
    let peer = connection.peer;
    // The configuration in force now: a reload later leaves this connection alone.
    let acceptor = TlsAcceptor::from(tls.current());
    let work = async move {
        let mut first = [0u8; 1];
        match stream.peek(&mut first).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        if first[0] != HANDSHAKE_RECORD && first[0].is_ascii_uppercase() {
            tracing::debug!(%peer, "cleartext HTTP on the TLS port; refused");
            refuse_plain_http(stream).await;
            return None;
        }
        match acceptor.accept(stream).await {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::debug!(%peer, %error, "TLS handshake failed");
                None
            }
        }
    };
    connection
        .before_first_request("TLS handshake", work)
        .await
        .flatten()
}

/// Reads what the client sent (so closing does not reset the connection before it reads
/// the answer), answers 400 and closes.
async fn refuse_plain_http(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = stream.read(&mut buf).await;
    if stream.write_all(PLAIN_HTTP_REFUSAL).await.is_err() {
        return;
    }
    let _ = stream.shutdown().await;
    // Drain briefly until the client closes its side.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::PLAIN_HTTP_REFUSAL;

    #[test]
    fn the_refusal_has_an_exact_content_length() {
        let text = std::str::from_utf8(PLAIN_HTTP_REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}
