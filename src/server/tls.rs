//! HTTPS: a rustls server configuration (aws-lc-rs provider, TLS 1.2 and 1.3, ALPN `h2` and
//! `http/1.1`) from PEM files, whose certificate a reload replaces for new handshakes.

use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::settings::TlsFiles;
use super::ServerError;

/// The certificate and key new handshakes use; [`Certs::replace`] swaps them (SIGHUP)
/// while connections made before keep theirs.
pub(super) struct Certs {
    current: RwLock<Arc<CertifiedKey>>,
}

impl std::fmt::Debug for Certs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certs").finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(|p| p.into_inner()),
        ))
    }
}

impl Certs {
    /// Reads `files` again and uses them for new handshakes; on an error nothing changes.
    pub(super) fn replace(&self, files: &TlsFiles) -> Result<(), ServerError> {
        let next = Arc::new(certified_key(files)?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(())
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The rustls configuration for `files`, and the handle that replaces its certificate.
pub(super) fn server_config(
    files: &TlsFiles,
) -> Result<(Arc<rustls::ServerConfig>, Arc<Certs>), ServerError> {
    let certs = Arc::new(Certs {
        current: RwLock::new(Arc::new(certified_key(files)?)),
    });
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(format!("protocol versions: {e}")))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::clone(&certs) as Arc<dyn ResolvesServerCert>);
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((Arc::new(cfg), certs))
}

/// The certificate chain and key of `files`, checked to belong together.
fn certified_key(files: &TlsFiles) -> Result<CertifiedKey, ServerError> {
    let tls = |what: String| ServerError::Tls(what);
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| {
            tls(format!(
                "cannot read the certificate file `{}`: {e}",
                files.cert.display()
            ))
        })?
        .collect::<Result<_, _>>()
        .map_err(|e| {
            tls(format!(
                "`{}` is not a PEM certificate chain: {e}",
                files.cert.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(tls(format!(
            "`{}` holds no `BEGIN CERTIFICATE` block",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        tls(format!(
            "cannot read a private key from `{}`: {e}",
            files.key.display()
        ))
    })?;
    CertifiedKey::from_der(chain, key, &provider()).map_err(|e| {
        tls(format!(
            "the certificate `{}` and key `{}` cannot be used together: {e}",
            files.cert.display(),
            files.key.display()
        ))
    })
}
