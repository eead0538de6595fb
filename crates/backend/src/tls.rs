//! https from PEM files. Stripe.js takes a live key only on a page served over https, and the payment page is
//! served by this backend, so the backend speaks TLS itself rather than needing a proxy in front.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::config::TlsFiles;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {flag} {}: {source}", path.display())]
    Read {
        flag: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{flag} {} is not valid PEM: {reason}", path.display())]
    BadPem {
        flag: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("--tls-cert {} holds no certificate: it must be PEM (-----BEGIN CERTIFICATE-----), the server's certificate first", path.display())]
    NoCertificate { path: PathBuf },
    #[error("--tls-key {} holds no private key: it must be PEM (-----BEGIN PRIVATE KEY-----, or an RSA or EC PRIVATE KEY)", path.display())]
    NoKey { path: PathBuf },
    #[error("--tls-key {} does not go with --tls-cert {}: {reason}", key.display(), cert.display())]
    Rejected {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

const CERT_FLAG: &str = "--tls-cert";
const KEY_FLAG: &str = "--tls-key";

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        flag,
        path: path.to_owned(),
        source,
    })
}

fn bad_pem(flag: &'static str, path: &Path, e: pem::Error) -> TlsError {
    TlsError::BadPem {
        flag,
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// The server's TLS configuration, with ring as its crypto, h2 and http/1.1 offered.
pub fn load(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_pem = read(CERT_FLAG, &files.cert)?;
    let key_pem = read(KEY_FLAG, &files.key)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_pem(CERT_FLAG, &files.cert, e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: files.cert.clone(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError::NoKey {
            path: files.key.clone(),
        },
        other => bad_pem(KEY_FLAG, &files.key, other),
    })?;
    let rejected = |e: rustls::Error| TlsError::Rejected {
        cert: files.cert.clone(),
        key: files.key.clone(),
        reason: e.to_string(),
    };
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(rejected)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(rejected)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What turns an accepted connection into a TLS stream, for [`crate::server::serve`]; the handshake's timeout is
/// the server's (see [`crate::limits::Limits::handshake_timeout`]).
pub fn acceptor(config: Arc<ServerConfig>) -> tokio_rustls::TlsAcceptor {
    tokio_rustls::TlsAcceptor::from(config)
}
