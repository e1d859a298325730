//! `wstrust request|renew|cancel|validate|inspect` run as processes, against the real engine
//! behind the scaffolding HTTP front (see `client_front`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use wstrust::client::{IssueRequest, StsClient};
use wstrust::crypto::{digest, DigestAlgorithm};
use wstrust::soap::SoapVersion;
use wstrust::trust::TrustVersion;
use wstrust::xmlsec::base64_decode;

use crate::client_front::{engine, FrontOptions, StsFront, RP};
use crate::client_issue::{config, loopback, service_key, x509};
use crate::support::shared;

fn wstrust(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A fresh scratch folder for one test.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "wstrust-cli-client-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pki(name: &str) -> String {
    shared()
        .join("clients/pki")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn unhex(t: &str) -> Vec<u8> {
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap())
        .collect()
}

fn fingerprint(key: &[u8]) -> String {
    digest(DigestAlgorithm::Sha256, key)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn request_with_the_demo_credentials_file_writes_token_and_key_files() {
    let front = StsFront::start(engine(), loopback());
    let dir = scratch();
    let creds = dir.join("demo-credentials.txt");
    std::fs::write(
        &creds,
        format!("username=alice\npassword=secret\napplies_to={RP}\n"),
    )
    .unwrap();
    let (token, key) = (dir.join("token.xml"), dir.join("key.hex"));
    let (ok, out, err) = wstrust(&[
        "request",
        "--url",
        &front.url,
        "--password-file",
        s(&creds),
        "--sts-cert",
        &pki("sts.pem"),
        "--out-token",
        s(&token),
        "--out-key",
        s(&key),
    ]);
    assert!(ok, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("token written to") && !err.contains("warning"),
        "{err}"
    );
    let token_xml = std::fs::read_to_string(&token).unwrap();
    let hex = std::fs::read_to_string(&key).unwrap();
    assert_eq!(unhex(hex.trim()), service_key(token_xml.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is private");
    }

    // Validate and renew with those files; a renewal supersedes the instance the files hold,
    // so cancelling with them afterwards is refused, and the refusal says what to check.
    for (cmd, succeeds) in [("validate", true), ("renew", true), ("cancel", false)] {
        let before = front.seen().len();
        let (ok, out, err) = wstrust(&[
            cmd,
            "--url",
            &front.url,
            "--token",
            s(&token),
            "--proof-key",
            s(&key),
            "--sts-cert",
            &pki("sts.pem"),
        ]);
        let seen = front.seen();
        assert_eq!(seen.len(), before + 1, "{cmd} sent one request: {err}");
        let log = seen.last().unwrap().log.clone().unwrap_or_default();
        assert_eq!(ok, succeeds, "{cmd}: {out} / {err} / {log}");
        if ok {
            assert!(!out.is_empty(), "{cmd} reports its result");
        } else {
            assert!(
                err.contains("wst:FailedAuthentication") && err.contains("cancelled"),
                "{cmd}: {err} / {log}"
            );
        }
    }
}

#[test]
fn request_with_a_bare_password_file_prints_the_key_in_base64() {
    let front = StsFront::start(engine(), loopback());
    let dir = scratch();
    let pw = dir.join("password");
    std::fs::write(&pw, "secret\n").unwrap();
    let (ok, out, err) = wstrust(&[
        "request",
        "--url",
        &front.url,
        "--username",
        "alice",
        "--password-file",
        s(&pw),
        "--applies-to",
        RP,
        "--soap",
        "1.2",
        "--trust",
        "2005",
        "--format",
        "base64",
        "--danger-unverified-replies",
    ]);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning: the reply was read unverified"),
        "{err}"
    );
    let (token, key_line) = out.trim_end().rsplit_once('\n').unwrap();
    let b64 = key_line
        .strip_prefix("proof key (base64): ")
        .expect(key_line);
    assert_eq!(base64_decode(b64).unwrap(), service_key(token));
    assert!(token.contains(wstrust::xml::ns::WSC_2005));
}

#[test]
fn request_without_the_sts_certificate_is_refused_before_sending() {
    let front = StsFront::start(engine(), loopback());
    let dir = scratch();
    let pw = dir.join("password");
    std::fs::write(&pw, "secret\n").unwrap();
    let (ok, out, err) = wstrust(&[
        "request",
        "--url",
        &front.url,
        "--username",
        "alice",
        "--password-file",
        s(&pw),
        "--applies-to",
        RP,
    ]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("--sts-cert") && err.contains("--danger-unverified-replies"),
        "{err}"
    );
    assert!(front.seen().is_empty(), "no password was sent");
}

#[test]
fn request_with_a_certificate_and_entropy() {
    let front = StsFront::start(engine(), FrontOptions::default());
    let (ok, out, err) = wstrust(&[
        "request",
        "--url",
        &front.url,
        "--cert",
        &pki("client.pem"),
        "--key",
        &pki("client.key"),
        "--applies-to",
        RP,
        "--entropy",
        "--sts-cert",
        &pki("sts.pem"),
    ]);
    assert!(ok, "{err}");
    let (token, key_line) = out.trim_end().rsplit_once('\n').unwrap();
    let hex = key_line.strip_prefix("proof key (hex): ").expect(key_line);
    assert_eq!(unhex(hex), service_key(token));
    assert!(front.seen()[0].response.contains("CK/PSHA1"));
}

#[test]
fn request_failures_say_what_to_fix() {
    let front = StsFront::start(engine(), loopback());
    let dir = scratch();
    let pw = dir.join("password");
    std::fs::write(&pw, "wrong").unwrap();
    let (ok, _, err) = wstrust(&[
        "request",
        "--url",
        &front.url,
        "--username",
        "alice",
        "--password-file",
        s(&pw),
        "--applies-to",
        RP,
        "--sts-cert",
        &pki("sts.pem"),
    ]);
    assert!(!ok);
    assert!(
        err.contains("wst:FailedAuthentication") && err.contains("check the username and password"),
        "{err}"
    );
    // No credentials at all.
    let (ok, _, err) = wstrust(&["request", "--url", &front.url, "--applies-to", RP]);
    assert!(!ok && err.contains("give credentials"), "{err}");
    // Nothing listening: the retry is announced on stderr, then the failure explained.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (ok, _, err) = wstrust(&[
        "request",
        "--url",
        &format!("http://127.0.0.1:{port}/sts"),
        "--username",
        "alice",
        "--password-file",
        s(&pw),
        "--applies-to",
        RP,
        "--retries",
        "1",
        "--sts-cert",
        &pki("sts.pem"),
    ]);
    assert!(!ok);
    assert!(
        err.contains("retrying") && err.contains("attempt 2 of 2"),
        "{err}"
    );
    assert!(
        err.contains("cannot reach the STS") && err.contains("is running"),
        "{err}"
    );
    // https without a CA to trust.
    let (ok, _, err) = wstrust(&[
        "request",
        "--url",
        "https://127.0.0.1:1/sts",
        "--username",
        "alice",
        "--password-file",
        s(&pw),
        "--applies-to",
        RP,
    ]);
    assert!(!ok && err.contains("--ca"), "{err}");
}

#[test]
fn inspect_explains_recorded_client_requests() {
    let req = |n: &str| {
        shared()
            .join("clients/requests")
            .join(n)
            .to_str()
            .unwrap()
            .to_owned()
    };
    let cases: &[(&str, &[&str])] = &[
        (
            "zeep-soap11-x509-binary-issue-symmetric.xml",
            &[
                "SOAP 1.1 envelope",
                "(WS-Trust 1.3 Issue request)",
                "certificate CN=interop-client",
                "signature 1 verified: made with certificate CN=interop-client, covers Body, Timestamp",
                "WS-Trust 1.3 RequestSecurityToken (Issue)",
                "applies to: https://rp.example.com/service",
            ],
        ),
        (
            "zeep-soap12-username-issue-entropy.xml",
            &["SOAP 1.2 envelope", "UsernameToken", "user alice", "requester entropy: BinarySecret"],
        ),
        (
            "zeep-soap11-username-renew.xml",
            &["RequestSecurityToken (Renew)", "renew target: SAML 1.1 assertion"],
        ),
        (
            "zeep-soap11-username-cancel.xml",
            &["RequestSecurityToken (Cancel)", "cancel target:"],
        ),
        (
            "zeep-soap11-username-validate.xml",
            &["RequestSecurityToken (Validate)", "validate target:"],
        ),
        ("msal-issue-wst13.xml", &["key type: Bearer", "PasswordText (not shown)"]),
    ];
    for (file, expect) in cases {
        let (ok, out, err) = wstrust(&["inspect", &req(file)]);
        assert!(ok, "{file}: {err}");
        for e in *expect {
            assert!(out.contains(e), "{file}: `{e}` missing in\n{out}");
        }
        assert!(
            !out.contains(">secret<") && !out.contains("secret\n"),
            "{file}: {out}"
        );
    }
}

#[test]
fn inspect_explains_our_response_and_opens_its_keys() {
    let front = StsFront::start(engine(), FrontOptions::default());
    let client = StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap();
    let t = client.issue(&IssueRequest::new(RP, x509())).unwrap();
    let fp = fingerprint(t.proof_key.as_ref().unwrap().expose());
    let dir = scratch();
    let response = dir.join("response.xml");
    std::fs::write(&response, &front.seen()[0].response).unwrap();
    let (ok, out, err) = wstrust(&[
        "inspect",
        s(&response),
        "--key",
        &pki("client.key"),
        "--key",
        &pki("rp.key"),
        "--cert",
        &pki("sts.pem"),
    ]);
    assert!(ok, "{err}");
    for e in [
        "(WS-Trust 1.3 Issue response)",
        "signature 1 verified: made with certificate CN=interop-sts, covers Body, Timestamp, Action",
        "SignatureConfirmation",
        "WS-Trust 1.3 RequestSecurityTokenResponseCollection of 1",
        "token: SecurityContextToken, identifier",
        "issuer key: signed by",
        "verified with CN=interop-sts, covers the whole token",
        "signed with the issuer key: verified, covers the whole token",
        "key for the service: EncryptedKey, RSA-OAEP, for key identifier X509SubjectKeyIdentifier",
        &format!("opened with --key #2: 32 bytes, SHA-256 fingerprint {fp}"),
        "proof key: EncryptedKey, RSA-OAEP, for key identifier ThumbprintSHA1",
        &format!("opened with --key #1: 32 bytes, SHA-256 fingerprint {fp}"),
    ] {
        assert!(out.contains(e), "`{e}` missing in\n{out}");
    }
    // Without keys: explained, nothing opened.
    let (ok, out, _) = wstrust(&["inspect", s(&response)]);
    assert!(ok);
    assert!(
        out.contains("not opened (give the recipient's key with --key)"),
        "{out}"
    );
    assert!(!out.contains(&fp));
    // --reveal prints the key itself.
    let (_, out, _) = wstrust(&[
        "inspect",
        s(&response),
        "--key",
        &pki("client.key"),
        "--reveal",
    ]);
    let hex: String = t
        .proof_key
        .as_ref()
        .unwrap()
        .expose()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(out.contains(&hex), "{out}");
}
