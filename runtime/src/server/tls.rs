//! HTTPS: the certificate a server presents ([`TlsConfig`]: loaded from PEM, checked at
//! load, replaceable while the server runs) and the handshake in front of the same
//! connection handling as cleartext (in `accept`).

mod accept;
mod validity;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub(crate) use self::accept::handshake;
pub use self::accept::serve_tls;

/// The protocols offered in ALPN, the server's preference first: browsers speak HTTP/2 only
/// over TLS, and only when the server offers `h2` here.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The certificate and TLS settings of an HTTPS [`Server`](crate::Server), shared by
/// every clone: a reload through any clone changes what *new* connections get, while
/// connections already open keep the certificate they were accepted with.
///
/// The settings are rustls's safe defaults: TLS 1.3 and 1.2 with their recommended cipher
/// suites, the *ring* crypto provider, no client certificates, and ALPN offering `h2`
/// then `http/1.1` (so browsers get HTTP/2 and multiplex their event streams over one
/// connection).
///
/// Loading checks what rustls would otherwise leave to the first browser: a chain with no
/// certificate, a key that does not belong to the first certificate, a leaf certificate
/// that has expired (an error) or is not valid yet (a warning in the log, clocks drift).
///
/// ```no_run
/// use respond::{PlainTextResponse, Receiver, Scope, Sender, Server, TlsConfig};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     PlainTextResponse::new(format!("{} over {:?}", scope.scheme(), scope.version()))
///         .send(&scope, &mut receive, &mut send)
///         .await
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let tls = TlsConfig::from_pem_files("cert.pem", "key.pem")?;
///     Server::bind("0.0.0.0:8443").await?.with_tls(tls).serve(app).await?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    current: Arc<RwLock<Loaded>>,
}

/// One loaded configuration.
#[derive(Clone)]
struct Loaded {
    config: Arc<ServerConfig>,
    not_after: Option<SystemTime>,
}

/// Why a certificate or key could not be used; each message names the file (or says the
/// PEM came from memory) and what to fix.
///
/// ```
/// let error = respond::TlsConfig::from_pem(b"not a certificate", b"").unwrap_err();
/// assert!(matches!(error, respond::TlsError::NoCertificate { .. }));
/// assert!(error.to_string().contains("BEGIN CERTIFICATE"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A certificate or key file could not be read.
    #[error("cannot read the TLS {what} file {}: {source}", path.display())]
    Read {
        /// `"certificate"` or `"private key"`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error of the file system.
        source: std::io::Error,
    },
    /// A PEM section that does not decode (a missing END line, bad base64).
    #[error("the TLS {what} in {origin} is not valid PEM: {detail}")]
    Pem {
        /// `"certificate"` or `"private key"`.
        what: &'static str,
        /// The file, or "the PEM given in memory".
        origin: String,
        /// What the PEM decoder said.
        detail: String,
    },
    /// The certificate chain is empty.
    #[error("no certificate in {origin}: expected a `-----BEGIN CERTIFICATE-----` section{hint}")]
    NoCertificate {
        /// The file, or "the PEM given in memory".
        origin: String,
        /// A hint when the file holds a private key instead.
        hint: &'static str,
    },
    /// No private key was found.
    #[error(
        "no private key in {origin}: expected a `-----BEGIN PRIVATE KEY-----` (PKCS#8), \
         `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1) section{hint}"
    )]
    NoPrivateKey {
        /// The file, or "the PEM given in memory".
        origin: String,
        /// A hint when the file holds a certificate instead.
        hint: &'static str,
    },
    /// The private key does not belong to the first certificate of the chain.
    #[error(
        "the private key does not match the certificate: the first certificate of the chain \
         must be the server's own, signed for this key"
    )]
    KeyMismatch,
    /// The server's own certificate has expired.
    #[error(
        "the TLS certificate expired on {} (its notAfter); renew it: clients refuse it",
        httpdate::fmt_http_date(*not_after)
    )]
    Expired {
        /// When it stopped being valid.
        not_after: SystemTime,
    },
    /// The server's certificate is not DER that parses as X.509.
    #[error("the TLS certificate cannot be read: {0}")]
    InvalidCertificate(String),
    /// rustls refused the certificate or key (an unsupported key type, for one).
    #[error("rustls refused the certificate or key: {0}")]
    Rustls(#[source] rustls::Error),
}

impl TlsConfig {
    /// A configuration from PEM text in memory: `cert_chain` holds the server's certificate
    /// then its intermediates, `key` the private key (PKCS#8, PKCS#1 or SEC1).
    ///
    /// ```no_run
    /// let cert = std::fs::read("cert.pem")?;
    /// let key = std::fs::read("key.pem")?;
    /// let tls = respond::TlsConfig::from_pem(&cert, &key)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// See [`TlsError`]: no certificate, no key, a mismatched key, an expired certificate.
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        let loaded = load_pem(cert_chain, key, &Origin::Memory, &Origin::Memory)?;
        Ok(TlsConfig::new(loaded))
    }

    /// A configuration from a certificate-chain file and a key file in PEM (the
    /// `fullchain.pem` and `privkey.pem` of an ACME client, for one).
    ///
    /// ```no_run
    /// let tls = respond::TlsConfig::from_pem_files(
    ///     "/etc/letsencrypt/live/example.com/fullchain.pem",
    ///     "/etc/letsencrypt/live/example.com/privkey.pem",
    /// )?;
    /// # Ok::<(), respond::TlsError>(())
    /// ```
    ///
    /// # Errors
    /// An unreadable file, and the errors of [`from_pem`](Self::from_pem).
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        Ok(TlsConfig::new(load_files(
            cert_chain.as_ref(),
            key.as_ref(),
        )?))
    }

    /// A configuration from DER certificates and key (as a certificate generator or a
    /// secret store hands them over).
    ///
    /// ```no_run
    /// use respond::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    ///
    /// let cert = CertificateDer::from(std::fs::read("cert.der")?);
    /// let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(std::fs::read("key.der")?));
    /// let tls = respond::TlsConfig::from_der(vec![cert], key)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// See [`from_pem`](Self::from_pem).
    pub fn from_der(
        cert_chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        Ok(TlsConfig::new(load_der(cert_chain, key, &Origin::Memory)?))
    }

    /// A configuration you built with rustls yourself (client certificates, several
    /// certificates chosen by SNI, another crypto provider). When its ALPN list is empty,
    /// `h2` and `http/1.1` are set; no certificate check is made.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use respond::rustls::{ServerConfig, crypto::ring, server::ResolvesServerCertUsingSni};
    ///
    /// let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
    ///     .with_safe_default_protocol_versions()
    ///     .unwrap()
    ///     .with_no_client_auth()
    ///     .with_cert_resolver(Arc::new(ResolvesServerCertUsingSni::new()));
    /// let tls = respond::TlsConfig::from_rustls(config);
    /// assert_eq!(tls.not_after(), None);
    /// ```
    pub fn from_rustls(config: ServerConfig) -> Self {
        TlsConfig::new(from_rustls(config))
    }

    fn new(loaded: Loaded) -> Self {
        TlsConfig {
            current: Arc::new(RwLock::new(loaded)),
        }
    }

    /// Loads new PEM files and, when they pass the checks of [`from_pem`](Self::from_pem),
    /// uses them for every connection accepted from now on. Connections already open keep
    /// the certificate they started with. On error, nothing changes.
    ///
    /// ```no_run
    /// # async fn run(tls: respond::TlsConfig) {
    /// // On SIGHUP, after a renewal:
    /// if let Err(error) = tls.reload_from_pem_files("fullchain.pem", "privkey.pem") {
    ///     eprintln!("keeping the current certificate: {error}");
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`from_pem_files`](Self::from_pem_files).
    pub fn reload_from_pem_files(
        &self,
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<(), TlsError> {
        self.replace(load_files(cert_chain.as_ref(), key.as_ref())?);
        Ok(())
    }

    /// Like [`reload_from_pem_files`](Self::reload_from_pem_files), with PEM text in memory.
    ///
    /// ```no_run
    /// # fn run(tls: respond::TlsConfig, cert: Vec<u8>, key: Vec<u8>) -> Result<(), respond::TlsError> {
    /// tls.reload_from_pem(&cert, &key)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`from_pem`](Self::from_pem).
    pub fn reload_from_pem(&self, cert_chain: &[u8], key: &[u8]) -> Result<(), TlsError> {
        self.replace(load_pem(cert_chain, key, &Origin::Memory, &Origin::Memory)?);
        Ok(())
    }

    /// Uses a rustls configuration for new connections (see [`from_rustls`](Self::from_rustls)).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use respond::rustls::{ServerConfig, crypto::ring, server::ResolvesServerCertUsingSni};
    /// # let build = || ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
    /// #     .with_safe_default_protocol_versions().unwrap().with_no_client_auth()
    /// #     .with_cert_resolver(Arc::new(ResolvesServerCertUsingSni::new()));
    /// let tls = respond::TlsConfig::from_rustls(build());
    /// tls.reload_from_rustls(build());
    /// ```
    pub fn reload_from_rustls(&self, config: ServerConfig) {
        self.replace(from_rustls(config));
    }

    /// When the server's certificate in use stops being valid (its `notAfter`), for
    /// monitoring and renewal; `None` for a configuration built with rustls directly.
    ///
    /// ```no_run
    /// use std::time::{Duration, SystemTime};
    ///
    /// let tls = respond::TlsConfig::from_pem_files("cert.pem", "key.pem")?;
    /// let soon = SystemTime::now() + Duration::from_secs(14 * 24 * 3600);
    /// if tls.not_after().is_some_and(|expiry| expiry < soon) {
    ///     eprintln!("the certificate expires within two weeks: renew it");
    /// }
    /// # Ok::<(), respond::TlsError>(())
    /// ```
    pub fn not_after(&self) -> Option<SystemTime> {
        self.read().not_after
    }

    fn replace(&self, loaded: Loaded) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = loaded;
        tracing::info!("TLS configuration reloaded; new connections use it");
    }

    fn read(&self) -> Loaded {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The configuration for a connection accepted now.
    pub(crate) fn current(&self) -> Arc<ServerConfig> {
        self.read().config
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loaded = self.read();
        f.debug_struct("TlsConfig")
            .field("alpn", &loaded.config.alpn_protocols)
            .field("not_after", &loaded.not_after)
            .finish_non_exhaustive()
    }
}

/// Where PEM came from, for error messages.
enum Origin<'a> {
    File(&'a Path),
    Memory,
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Memory => f.write_str("the PEM given in memory"),
        }
    }
}

fn load_files(cert_path: &Path, key_path: &Path) -> Result<Loaded, TlsError> {
    let read = |what, path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            what,
            path: path.to_owned(),
            source,
        })
    };
    let cert = read("certificate", cert_path)?;
    let key = read("private key", key_path)?;
    load_pem(
        &cert,
        &key,
        &Origin::File(cert_path),
        &Origin::File(key_path),
    )
}

fn load_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_origin: &Origin<'_>,
    key_origin: &Origin<'_>,
) -> Result<Loaded, TlsError> {
    let pem_error =
        |what, origin: &Origin<'_>, error: rustls::pki_types::pem::Error| TlsError::Pem {
            what,
            origin: origin.to_string(),
            detail: error.to_string(),
        };
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| pem_error("certificate", cert_origin, error))?;
    if chain.is_empty() {
        let hint = if contains(cert_pem, b"PRIVATE KEY-----") {
            " (this file holds a private key: are the certificate and key swapped?)"
        } else {
            ""
        };
        return Err(TlsError::NoCertificate {
            origin: cert_origin.to_string(),
            hint,
        });
    }
    let key = match PrivateKeyDer::from_pem_slice(key_pem) {
        Ok(key) => key,
        Err(rustls::pki_types::pem::Error::NoItemsFound) => {
            let hint = if contains(key_pem, b"BEGIN CERTIFICATE") {
                " (this file holds a certificate: are the certificate and key swapped?)"
            } else {
                ""
            };
            return Err(TlsError::NoPrivateKey {
                origin: key_origin.to_string(),
                hint,
            });
        }
        Err(error) => return Err(pem_error("private key", key_origin, error)),
    };
    load_der(chain, key, cert_origin)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn load_der(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    origin: &Origin<'_>,
) -> Result<Loaded, TlsError> {
    let Some(leaf) = chain.first() else {
        return Err(TlsError::NoCertificate {
            origin: origin.to_string(),
            hint: "",
        });
    };
    let (not_before, not_after) =
        validity::validity(leaf).map_err(|error| TlsError::InvalidCertificate(error.into()))?;
    let now = SystemTime::now();
    if not_after < now {
        return Err(TlsError::Expired { not_after });
    }
    if not_before > now {
        tracing::warn!(
            not_before = %httpdate::fmt_http_date(not_before),
            "the TLS certificate is not valid yet: clients with a correct clock refuse it until then"
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Rustls)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| match error {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsError::KeyMismatch
            }
            other => TlsError::Rustls(other),
        })?;
    let mut loaded = from_rustls(config);
    loaded.not_after = Some(not_after);
    tracing::debug!(not_after = %httpdate::fmt_http_date(not_after), "TLS certificate loaded");
    Ok(loaded)
}

fn from_rustls(mut config: ServerConfig) -> Loaded {
    if config.alpn_protocols.is_empty() {
        config.alpn_protocols = ALPN.iter().map(|protocol| protocol.to_vec()).collect();
    }
    Loaded {
        config: Arc::new(config),
        not_after: None,
    }
}
