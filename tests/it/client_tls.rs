//! The client over https: rustls trusting only the CA given (`ClientConfig::ca`). The server
//! certificate for `localhost` is made here with rcgen, signed by the recorded test CA.

use std::sync::Arc;

use rcgen::{CertificateParams, Issuer, KeyPair, PKCS_RSA_SHA256};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use wstrust::client::{Error, IssueRequest, StsClient};
use wstrust::soap::SoapVersion;
use wstrust::trust::TrustVersion;

use crate::client_front::{engine, FrontOptions, StsFront, RP};
use crate::client_issue::{alice, cert, config, service_key};
use crate::support::fixture_text;

/// A TLS server config for `localhost` with a certificate signed by the recorded test CA.
fn tls_server() -> Arc<rustls::ServerConfig> {
    let ca_key =
        KeyPair::from_pem_and_sign_algo(&fixture_text("clients/pki/ca.key"), &PKCS_RSA_SHA256)
            .unwrap();
    let issuer = Issuer::from_ca_cert_pem(&fixture_text("clients/pki/ca.pem"), ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    Arc::new(cfg)
}

#[test]
fn https_with_the_ca_works_and_another_ca_is_refused() {
    let front = StsFront::start(
        engine(),
        FrontOptions {
            confidential: true,
            tls: Some(tls_server()),
            ..FrontOptions::default()
        },
    );
    assert!(front.url.starts_with("https://localhost:"));
    let mut cfg = config(SoapVersion::V12, TrustVersion::V13);
    cfg.ca = Some(cert("ca"));
    let client = StsClient::new(&front.url, cfg).unwrap();
    let t = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap();
    assert_eq!(
        t.proof_key.as_ref().unwrap().expose(),
        service_key(&t.token_xml).as_slice()
    );
    // A CA that did not sign the server certificate: the handshake fails, nothing is sent.
    let mut cfg = config(SoapVersion::V12, TrustVersion::V13);
    cfg.ca = Some(cert("sts"));
    let client = StsClient::new(&front.url, cfg).unwrap();
    let e = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap_err();
    assert!(matches!(e, Error::TlsConfig { .. }), "{e}");
    assert!(e.to_string().contains("--ca"), "{e}");
    assert_eq!(front.seen().len(), 1);
    // No CA at all: refused before connecting.
    let e = StsClient::new(&front.url, config(SoapVersion::V12, TrustVersion::V13)).unwrap_err();
    assert!(e.to_string().contains("--ca"), "{e}");
}
