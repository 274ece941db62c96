//! The showcase's command line and its stop signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The command line: the address, the optional connection limits, and HTTPS.
pub(crate) struct Options {
    pub(crate) addr: SocketAddr,
    pub(crate) timeouts: Option<Duration>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) tls: Option<Tls>,
}

/// Where the HTTPS certificate comes from.
pub(crate) enum Tls {
    /// `--tls-cert FILE --tls-key FILE`.
    Files { cert: PathBuf, key: PathBuf },
    /// `--tls-self-signed`: a development certificate for localhost.
    SelfSigned,
}

pub(crate) fn options() -> Result<Options, String> {
    const USAGE: &str = "usage: showcase [--addr HOST:PORT] [--timeouts SECS] \
        [--max-connections N] [--tls-cert FILE --tls-key FILE | --tls-self-signed]";
    let mut args = std::env::args().skip(1);
    let mut addr = std::env::var("ADDR").ok();
    let (mut timeouts, mut max_connections) = (None, None);
    let (mut cert, mut key, mut self_signed) = (None, None, false);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value; {USAGE}"))
        };
        match name.as_str() {
            "--addr" => addr = Some(value()?),
            "--timeouts" => {
                let secs: f64 = value()?
                    .parse()
                    .map_err(|_| format!("--timeouts takes seconds; {USAGE}"))?;
                timeouts = Some(Duration::from_secs_f64(secs));
            }
            "--max-connections" => {
                let max: usize = value()?
                    .parse()
                    .map_err(|_| format!("--max-connections takes a number; {USAGE}"))?;
                max_connections = Some(max.max(1));
            }
            "--tls-cert" => cert = Some(PathBuf::from(value()?)),
            "--tls-key" => key = Some(PathBuf::from(value()?)),
            "--tls-self-signed" => self_signed = true,
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    let addr = addr.unwrap_or_else(|| "127.0.0.1:8000".to_owned());
    let addr = addr
        .parse()
        .map_err(|error| format!("invalid address {addr:?}: {error}"))?;
    let tls = match (cert, key, self_signed) {
        (None, None, false) => None,
        (None, None, true) => Some(Tls::SelfSigned),
        (Some(cert), Some(key), false) => Some(Tls::Files { cert, key }),
        (Some(_), Some(_), true) => {
            return Err(format!(
                "--tls-self-signed makes its own certificate: drop --tls-cert and --tls-key; {USAGE}"
            ));
        }
        _ => return Err(format!("--tls-cert and --tls-key go together; {USAGE}")),
    };
    Ok(Options {
        addr,
        timeouts,
        max_connections,
        tls,
    })
}

/// Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                tokio::signal::ctrl_c().await.ok();
            }
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok();
    }
}
