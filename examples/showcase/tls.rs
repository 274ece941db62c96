//! HTTPS for the showcase: a certificate from `--tls-cert`/`--tls-key`, or a development
//! certificate for localhost made with rcgen (`--tls-self-signed`). On Unix, SIGHUP reloads
//! the certificate files: new connections get the new certificate, open ones keep theirs.

use std::path::{Path, PathBuf};

use respond::TlsConfig;

use crate::cli::Tls;

/// The loaded configuration and the files it came from.
pub(crate) struct Loaded {
    pub(crate) config: TlsConfig,
    cert: PathBuf,
    key: PathBuf,
}

/// Loads the certificate the command line asked for; for `--tls-self-signed`, makes one
/// (or reuses the one made before, so a browser that trusts it goes on trusting it).
pub(crate) fn load(tls: &Tls) -> Result<Loaded, String> {
    let (cert, key) = match tls {
        Tls::Files { cert, key } => (cert.clone(), key.clone()),
        Tls::SelfSigned => self_signed()?,
    };
    let config = TlsConfig::from_pem_files(&cert, &key).map_err(|error| error.to_string())?;
    Ok(Loaded { config, cert, key })
}

/// The development certificate's files, made now unless a usable pair is there.
fn self_signed() -> Result<(PathBuf, PathBuf), String> {
    let dir = std::env::temp_dir().join("respond-showcase-tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if TlsConfig::from_pem_files(&cert, &key).is_err() {
        std::fs::create_dir_all(&dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        let names = ["localhost", "127.0.0.1", "::1"]
            .map(str::to_owned)
            .to_vec();
        let mut params = rcgen::CertificateParams::new(names).map_err(|e| e.to_string())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "respond showcase (development)");
        let pair = rcgen::KeyPair::generate().map_err(|error| error.to_string())?;
        let made = params
            .self_signed(&pair)
            .map_err(|error| error.to_string())?;
        let write = |path: &Path, text: String| {
            std::fs::write(path, text)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))
        };
        write(&cert, made.pem())?;
        write(&key, pair.serialize_pem())?;
        println!(
            "made a development certificate for localhost: {}",
            cert.display()
        );
    }
    Ok((cert, key))
}

/// Prints how to reach the server, and for a development certificate how to trust it.
pub(crate) fn explain(loaded: &Loaded, tls: &Tls, port: u16) {
    if !matches!(tls, Tls::SelfSigned) {
        return;
    }
    let cert = loaded.cert.display();
    println!("the certificate is self-signed: clients refuse it until told to trust it");
    println!("  curl:     curl --cacert {cert} https://localhost:{port}/");
    println!(
        "  Chromium, for development only: chromium --ignore-certificate-errors https://localhost:{port}/"
    );
}

/// Reloads the files on each SIGHUP (Unix); a failed reload keeps the certificate in use.
pub(crate) fn reload_on_hangup(loaded: &Loaded) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (config, cert, key) = (
            loaded.config.clone(),
            loaded.cert.clone(),
            loaded.key.clone(),
        );
        let Ok(mut hangup) = signal(SignalKind::hangup()) else {
            eprintln!("cannot listen for SIGHUP: certificate reloads are off");
            return;
        };
        println!(
            "send SIGHUP to reload {} and {}",
            cert.display(),
            key.display()
        );
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                match config.reload_from_pem_files(&cert, &key) {
                    Ok(()) => println!("certificate reloaded: new connections use it"),
                    Err(error) => {
                        eprintln!("certificate not reloaded, keeping the old one: {error}")
                    }
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = loaded;
}
