//! `wstrust validate-token` (issues #6/#7): the process validates, with only the service key
//! and the STS certificate, tokens the real engine issued (through the client and the
//! scaffolding HTTP front), and refuses tampered ones, other audiences, other keys and
//! untrusted signers with exit status 1 and a reason. Also the SAML adapter of the service
//! validator as a library.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wstrust::client::{Credentials, IssueRequest, IssuedToken, RequestedTokenType, StsClient};
use wstrust::crypto::{digest, DigestAlgorithm, RsaPrivateKey, SecretBytes};
use wstrust::pki::Certificate;
use wstrust::saml::SamlVersion;
use wstrust::service::{
    Error as ServiceError, SamlTokenValidator, TokenConfirmation, Validator, ValidatorConfig,
};
use wstrust::soap::SoapVersion;
use wstrust::store::MemoryStore;
use wstrust::trust::{KeyType, TrustVersion};
use wstrust::wss::{Clock, SystemClock};
use wstrust::xml::Document;

use crate::client_front::{engine, StsFront, RP};
use crate::client_issue::{config, loopback};
use crate::support::{fixture_text, shared};

fn pki(name: &str) -> String {
    shared()
        .join("clients/pki")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "wstrust-cli-vt-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn alice() -> Credentials {
    Credentials::UsernamePassword {
        username: "alice".into(),
        password: SecretBytes::from_slice(b"secret"),
        digest: false,
    }
}

/// Issues one token of `kind` / `key_type` for alice from the real engine.
fn issue(kind: RequestedTokenType, key_type: KeyType) -> IssuedToken {
    let front = StsFront::start(engine(), loopback());
    let client = StsClient::new(&front.url, config(SoapVersion::V12, TrustVersion::V13)).unwrap();
    let mut req = IssueRequest::new(RP, alice());
    req.token_type = kind;
    req.key_type = key_type;
    client.issue(&req).unwrap()
}

fn save(dir: &Path, xml: &str) -> String {
    let p = dir.join("token.xml");
    std::fs::write(&p, xml).unwrap();
    p.to_str().unwrap().to_owned()
}

/// Runs `wstrust validate-token` on `token` with the recorded rp key and STS certificate,
/// `extra` arguments appended (a later `--audience` etc. is given in `extra` instead).
fn run(token: &str, audience: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "validate-token".to_owned(),
        "--token".into(),
        token.into(),
        "--audience".into(),
        audience.into(),
    ];
    if !extra.contains(&"--service-key") {
        args.extend(["--service-key".into(), pki("rp.key")]);
        args.extend(["--service-cert".into(), pki("rp.pem")]);
    }
    if !extra.contains(&"--sts-cert") {
        args.extend(["--sts-cert".into(), pki("sts.pem")]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(&args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn fingerprint(t: &IssuedToken) -> String {
    hex(&digest(
        DigestAlgorithm::Sha256,
        t.proof_key.as_ref().unwrap().expose(),
    ))
}

#[test]
fn sct_is_valid_and_its_key_is_shown_by_fingerprint_only() {
    let t = issue(RequestedTokenType::Sct, KeyType::SymmetricKey);
    let dir = scratch();
    let file = save(&dir, &t.token_xml);
    let (code, out, err) = run(&file, "rp", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("valid: yes"), "{out}");
    assert!(out.contains("principal: alice"), "{out}");
    assert!(
        out.contains("confirmation: holder-of-key (symmetric)"),
        "{out}"
    );
    let key = t.proof_key.as_ref().unwrap();
    assert!(
        out.contains(&format!(
            "key: {} bits, SHA-256 {}",
            key.len() * 8,
            fingerprint(&t)
        )),
        "{out}"
    );
    assert!(
        !out.contains(&hex(key.expose())),
        "the key itself is printed: {out}"
    );

    let (code, out, _) = run(&file, "rp", &["--reveal-key", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["principal"], "alice");
    assert_eq!(v["key"]["hex"], hex(key.expose()));
    assert_eq!(v["key"]["sha256"], fingerprint(&t));
}

#[test]
fn saml2_holder_of_key_is_valid_with_the_requesters_key() {
    let t = issue(RequestedTokenType::Saml20, KeyType::SymmetricKey);
    let dir = scratch();
    let file = save(&dir, &t.token_xml);
    let (code, out, err) = run(&file, RP, &["--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["token_type"], SamlVersion::V20.token_type());
    assert_eq!(v["principal"], "alice");
    assert_eq!(v["issuer"], "https://sts.example.com/sts");
    assert_eq!(v["confirmation"], "holder-of-key (symmetric)");
    assert_eq!(v["key"]["sha256"], fingerprint(&t));
    assert!(v["key"].get("hex").is_none());
}

#[test]
fn saml11_bearer_is_valid_without_a_key() {
    let t = issue(RequestedTokenType::Saml11, KeyType::Bearer);
    let dir = scratch();
    let file = save(&dir, &t.token_xml);
    let (code, out, err) = run(&file, RP, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("token type: {}", SamlVersion::V11.token_type())),
        "{out}"
    );
    assert!(out.contains("confirmation: bearer"), "{out}");
    assert!(out.contains("key: none"), "{out}");
}

#[test]
fn invalid_tokens_exit_1_with_the_reason() {
    let sct = issue(RequestedTokenType::Sct, KeyType::SymmetricKey);
    let saml = issue(RequestedTokenType::Saml20, KeyType::SymmetricKey);
    let dir = scratch();

    // Tampered: the principal changed after the STS signed.
    let tampered = sct.token_xml.replacen(">alice<", ">mallory<", 1);
    assert_ne!(tampered, sct.token_xml);
    let file = save(&dir, &tampered);
    let (code, out, err) = run(&file, "rp", &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("not valid") && err.contains("signature"),
        "{err}"
    );
    assert!(!out.contains("mallory"), "{out}");

    let file = save(&dir, &saml.token_xml.replacen(">alice<", ">mallory<", 1));
    let (code, _, err) = run(&file, RP, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not valid"), "{err}");

    // Another audience.
    let file = save(&dir, &sct.token_xml);
    let (code, _, err) = run(&file, "other-realm", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("audience"), "{err}");
    let saml_file = dir.join("saml.xml");
    std::fs::write(&saml_file, &saml.token_xml).unwrap();
    let saml_file = saml_file.to_str().unwrap();
    let (code, _, err) = run(saml_file, "https://other.example.com/", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("audience"), "{err}");

    // The wrong service key (client.key; its certificate client.pem is found beside it).
    let (code, _, err) = run(&file, "rp", &["--service-key", &pki("client.key")]);
    assert_eq!(code, 1);
    assert!(err.contains("not valid"), "{err}");
    let (code, _, err) = run(saml_file, RP, &["--service-key", &pki("client.key")]);
    assert_eq!(code, 1);
    assert!(err.contains("not valid"), "{err}");

    // An untrusted signer: the client certificate given as the STS's.
    let (code, _, err) = run(&file, "rp", &["--sts-cert", &pki("client.pem")]);
    assert_eq!(code, 1);
    assert!(err.contains("trusted"), "{err}");
    let (code, _, err) = run(saml_file, RP, &["--sts-cert", &pki("client.pem")]);
    assert_eq!(code, 1);
    assert!(err.contains("trusted"), "{err}");

    // A key that is not the certificate's.
    let (code, _, err) = run(
        &file,
        "rp",
        &[
            "--service-key",
            &pki("client.key"),
            "--service-cert",
            &pki("rp.pem"),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("is not the certificate of the key"), "{err}");
}

fn validator(audience: &str) -> Validator {
    let cfg = ValidatorConfig::new(
        audience,
        RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap(),
        Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap(),
        vec![Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap()],
    )
    .with_saml();
    Validator::new(cfg, Arc::new(MemoryStore::new())).unwrap()
}

#[test]
fn saml_adapter_joins_the_service_validator() {
    let t = issue(RequestedTokenType::Saml20, KeyType::SymmetricKey);
    let doc = Document::parse(t.token_xml.as_bytes()).unwrap();
    let now = SystemClock.now_ms();
    let v = validator(RP).validate_token(&doc, doc.root(), now).unwrap();
    assert_eq!(v.principal, "alice");
    assert_eq!(v.token_type, SamlVersion::V20.token_type());
    assert!(matches!(v.confirmation, TokenConfirmation::SymmetricKey));
    assert_eq!(
        v.key.unwrap().expose(),
        t.proof_key.as_ref().unwrap().expose()
    );
    // A day later it has expired; for another audience it is refused.
    let later = validator(RP).validate_token(&doc, doc.root(), now + 86_400_000);
    assert!(
        matches!(
            later,
            Err(ServiceError::Saml(wstrust::saml::Error::Expired))
        ),
        "{later:?}"
    );
    let other = validator("https://other.example.com/").validate_token(&doc, doc.root(), now);
    assert!(
        matches!(
            other,
            Err(ServiceError::Saml(wstrust::saml::Error::Audience))
        ),
        "{other:?}"
    );
    // Without the adapter the assertion is not an SCT.
    let plain = ValidatorConfig::new(
        RP,
        RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap(),
        Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap(),
        vec![Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap()],
    );
    let plain = Validator::new(plain, Arc::new(MemoryStore::new())).unwrap();
    assert!(plain.validate_token(&doc, doc.root(), now).is_err());

    // The adapter on its own, on a SAML 1.1 bearer assertion.
    let t = issue(RequestedTokenType::Saml11, KeyType::Bearer);
    let doc = Document::parse(t.token_xml.as_bytes()).unwrap();
    let a = SamlTokenValidator::new(
        &[Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap()],
        [RP],
        RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap(),
        Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap(),
    );
    let v = wstrust::service::IssuedTokenValidator::validate(&a, &doc, doc.root(), now).unwrap();
    assert!(matches!(v.confirmation, TokenConfirmation::Bearer));
    assert!(v.key.is_none());
}
