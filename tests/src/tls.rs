//! HTTPS for the tests: certificates made on the spot (rcgen) and a TLS client that trusts
//! exactly the test's own certificate, with the ALPN list the test asks for.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

/// A self-signed certificate and its key.
#[derive(Debug, Clone)]
pub struct TestCert {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
    /// The certificate, DER: what a client sees as the peer certificate.
    pub der: CertificateDer<'static>,
}

impl TestCert {
    /// A certificate for `localhost` and `127.0.0.1`, valid from yesterday for a year
    /// (rcgen's defaults are far in the past and future; either works).
    pub fn localhost() -> TestCert {
        TestCert::with(|_| {})
    }

    /// A certificate for `localhost` that expired in 2021.
    pub fn expired() -> TestCert {
        TestCert::with(|params| {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        })
    }

    fn with(adjust: impl FnOnce(&mut rcgen::CertificateParams)) -> TestCert {
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("certificate parameters");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "respond test");
        adjust(&mut params);
        let key = rcgen::KeyPair::generate().expect("a key pair");
        let cert = params.self_signed(&key).expect("a self-signed certificate");
        TestCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
        }
    }

    /// A certificate read back from PEM (the first certificate of `cert_pem`).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> TestCert {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        let der = CertificateDer::from_pem_slice(cert_pem.as_bytes()).expect("a PEM certificate");
        TestCert {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            der,
        }
    }

    /// The configuration a server presents this certificate with.
    pub fn server_config(&self) -> respond::TlsConfig {
        respond::TlsConfig::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
            .expect("the test certificate loads")
    }
}

/// A client configuration trusting only `roots`, offering `alpn` (e.g. `[b"h2"]`).
pub fn client_config(roots: &[&TestCert], alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let mut store = RootCertStore::empty();
    for root in roots {
        store.add(root.der.clone()).expect("a trusted root");
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Arc::new(config)
}

/// Connects to `addr` over TLS as `localhost`, trusting `root`, offering `alpn`.
pub async fn connect(addr: SocketAddr, root: &TestCert, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    try_connect(addr, client_config(&[root], alpn))
        .await
        .expect("TLS handshake")
}

/// Connects with `config`; the handshake's error when it fails.
pub async fn try_connect(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").expect("a server name");
    TlsConnector::from(config).connect(name, tcp).await
}

/// The certificate the server presented on `stream`.
pub fn peer_certificate(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("a peer certificate")
        .clone()
        .into_owned()
}

/// The protocol ALPN chose on `stream`.
pub fn alpn(stream: &TlsStream<TcpStream>) -> Option<Vec<u8>> {
    stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec)
}

/// A response read whole.
#[derive(Debug)]
pub struct Fetched {
    /// Its status, headers and version.
    pub head: http::response::Parts,
    /// Its body.
    pub body: Bytes,
}

impl Fetched {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.headers.get(name)?.to_str().ok()
    }

    /// Every value of a header, as text.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.head
            .headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An HTTP client on one TLS connection: HTTP/2 when ALPN chose `h2`, else HTTP/1.1.
#[derive(Debug)]
pub enum Client {
    /// HTTP/1.1.
    Http1(hyper::client::conn::http1::SendRequest<Empty<Bytes>>),
    /// HTTP/2.
    Http2(hyper::client::conn::http2::SendRequest<Empty<Bytes>>),
}

impl Client {
    /// Runs the connection on its own task and returns a client for it.
    pub async fn over(stream: TlsStream<TcpStream>) -> Client {
        let h2 = alpn(&stream).as_deref() == Some(b"h2");
        let io = TokioIo::new(stream);
        if h2 {
            let (sender, connection) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .expect("HTTP/2 handshake");
            tokio::spawn(connection);
            Client::Http2(sender)
        } else {
            let (sender, connection) = hyper::client::conn::http1::handshake(io)
                .await
                .expect("HTTP/1.1 handshake");
            tokio::spawn(connection);
            Client::Http1(sender)
        }
    }

    /// Sends a GET for `target` with `headers` and reads the whole response.
    pub async fn get(&mut self, target: &str, headers: &[(&str, &str)]) -> Fetched {
        let mut request = http::Request::get(format!("https://localhost{target}"));
        if matches!(self, Client::Http1(_)) {
            // HTTP/1.1 sends an origin-form target and a Host header.
            request = http::Request::get(target).header("host", "localhost");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Empty::new()).expect("a request");
        let response = match self {
            Client::Http1(sender) => sender.send_request(request).await,
            Client::Http2(sender) => sender.send_request(request).await,
        }
        .expect("a response");
        let (head, body) = response.into_parts();
        let body = body.collect().await.expect("the body").to_bytes();
        Fetched { head, body }
    }
}
