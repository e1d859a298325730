//! Token-signing key lifecycle (issue 19 item 1) with the real binary and openssl as the CA:
//! `wstrust keys list | rotate | import` (PEM and PKCS#12 from an openssl CA) on a data
//! directory, and a running `wstrust serve` that publishes a new key in its federation
//! metadata before it signs with it, signs with it once it is promoted (an urgent rotation
//! here; the 20/5-day timing is unit-tested in `config::keyring`), and still validates a
//! token signed by the previous key. The automatic successor is made at start when the
//! signing certificate expires within `generate_before_days`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use wstrust::config::datadir;
use wstrust::xml::Document;

use crate::interop_support::peer_available;
use crate::server_support::{
    demo, post_soap11, request, rst_username, username_envelope, Binary, TempDir,
};

const ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
const VALIDATE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Validate";
const FEDERATION: &str = "/FederationMetadata/2007-06/FederationMetadata.xml";
const SCT: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
const SAML20: &str = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";

fn wstrust(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn keys(dir: &Path, rest: &[&str]) -> String {
    let mut args = vec!["keys", "--data-dir", dir.to_str().unwrap()];
    args.extend_from_slice(rest);
    let (ok, out, err) = wstrust(&args);
    assert!(ok, "wstrust {args:?}: {err}");
    out
}

/// `(thumbprint, state)` of each key `keys list` prints.
fn states(dir: &Path) -> Vec<(String, String)> {
    keys(dir, &["list"])
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap().to_owned(), f.next().unwrap().to_owned())
        })
        .collect()
}

fn thumbprint_of(pem_file: &Path) -> String {
    let pem = std::fs::read_to_string(pem_file).unwrap();
    let c = wstrust::pki::Certificate::from_pem(&pem).unwrap();
    wstrust::crypto::hex(c.thumbprint_sha1())
}

fn openssl(dir: &Path, args: &[&str]) {
    let st = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// A CA made with openssl, and a token-signing key pair it issues (PEM, and the same as
/// PKCS#12 with password `pfx-secret`). Returns the leaf's thumbprint.
fn openssl_ca(work: &Path) -> String {
    openssl(
        work,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Test Issuing CA",
        ],
    );
    openssl(
        work,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=sts.example.test token signing",
        ],
    );
    openssl(
        work,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "20",
        ],
    );
    // PKCS#8 for the PEM import.
    openssl(
        work,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-out", "leaf.p8",
        ],
    );
    openssl(
        work,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "leaf.key",
            "-in",
            "leaf.pem",
            "-certfile",
            "ca.pem",
            "-out",
            "leaf.pfx",
            "-passout",
            "pass:pfx-secret",
        ],
    );
    thumbprint_of(&work.join("leaf.pem"))
}

fn has_openssl() -> bool {
    peer_available(
        "openssl",
        Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success()),
    )
}

#[test]
fn keys_are_listed_rotated_and_imported_from_a_ca() {
    if !has_openssl() {
        return;
    }
    let tmp = TempDir::new("keys-cli");
    let dir = tmp.path().join("data");
    datadir::init(&dir, "127.0.0.1:0").unwrap();
    let configured = thumbprint_of(&dir.join("pki/sts.pem"));
    assert_eq!(states(&dir), vec![(configured.clone(), "primary".into())]);

    // rotate: published (secondary), not signing yet.
    let out = keys(&dir, &["rotate"]);
    assert!(out.contains("written to"), "{out}");
    let s = states(&dir);
    assert_eq!(s.len(), 2);
    assert!(s.contains(&(configured, "primary".into())), "{s:?}");
    assert_eq!(
        s.iter().filter(|(_, st)| st == "secondary").count(),
        1,
        "{s:?}"
    );
    let key_file = std::fs::read_dir(dir.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "key"))
        .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // import from an openssl CA: PKCS#12 (with its password) as a secondary...
    let work = tmp.path().join("ca");
    std::fs::create_dir_all(&work).unwrap();
    let leaf = openssl_ca(&work);
    std::fs::write(work.join("pfx-password"), "pfx-secret\n").unwrap();
    std::fs::write(work.join("wrong-password"), "nope\n").unwrap();
    let d = dir.to_str().unwrap();
    let pfx = work.join("leaf.pfx");
    let (ok, _, err) = wstrust(&[
        "keys",
        "--data-dir",
        d,
        "import",
        "--pkcs12",
        pfx.to_str().unwrap(),
        "--password-file",
        work.join("wrong-password").to_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("PKCS#12"),
        "a wrong password is refused: {err}"
    );
    let (ok, _, err) = wstrust(&[
        "keys",
        "--data-dir",
        d,
        "import",
        "--pkcs12",
        pfx.to_str().unwrap(),
        "--password-file",
        work.join("pfx-password").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let s = states(&dir);
    assert!(s.contains(&(leaf, "secondary".into())), "{s:?}");
    // ...and a key whose certificate is for another key is refused (PEM import).
    let (ok, _, err) = wstrust(&[
        "keys",
        "--data-dir",
        d,
        "import",
        "--cert",
        work.join("ca.pem").to_str().unwrap(),
        "--key",
        work.join("leaf.p8").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("does not belong"), "{err}");
    // The same pair as PEM, urgent: already in the ring, so nothing changes.
    keys(
        &dir,
        &[
            "import",
            "--cert",
            work.join("leaf.pem").to_str().unwrap(),
            "--key",
            work.join("leaf.p8").to_str().unwrap(),
            "--urgent",
        ],
    );
    assert_eq!(states(&dir).len(), 3);
}

fn count_key_descriptors(xml: &[u8]) -> usize {
    let doc = Document::parse(xml).unwrap();
    doc.descendants_or_self(doc.root())
        .filter(|n| doc.is(*n, MD, "KeyDescriptor"))
        .count()
}

/// The thumbprint of the certificate in the first `ds:X509Certificate` (the STS
/// signature's key, or the assertion's signer).
fn signer(doc: &Document, within: wstrust::xml::NodeId) -> String {
    let n = doc
        .descendants_or_self(within)
        .find(|n| doc.is(*n, DS, "X509Certificate"))
        .expect("an X509Certificate");
    let der = wstrust::xmlsec::base64_decode(doc.text(n).trim()).unwrap();
    let c = wstrust::pki::Certificate::from_der(&der).unwrap();
    wstrust::crypto::hex(c.thumbprint_sha1())
}

fn saml_rst(user: &str, password: &str, applies_to: &str) -> String {
    rst_username(user, password, applies_to).replace(SCT, SAML20)
}

fn assertion_of(r: &[u8]) -> (String, String) {
    let doc = Document::parse(r).unwrap();
    let a = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, "urn:oasis:names:tc:SAML:2.0:assertion", "Assertion"))
        .expect("an assertion");
    let xml = doc.source()[doc.span(a)].to_owned();
    (signer(&doc, a), xml)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_running_server_publishes_a_new_key_then_signs_with_it_and_still_accepts_the_old() {
    let tmp = TempDir::new("keys-serve");
    let dir = tmp.path().join("data");
    datadir::init(&dir, "127.0.0.1:0").unwrap();
    let (user, password, applies_to) = demo(&dir);
    let old = thumbprint_of(&dir.join("pki/sts.pem"));
    let cfg = dir.join(datadir::CONFIG_FILE);
    let b = Binary::start(&["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    let metadata = || request(b.addr, "GET", FEDERATION, &[], b"").body;
    assert_eq!(count_key_descriptors(&metadata()), 1);
    let r = post_soap11(
        b.addr,
        "/sts",
        ISSUE,
        &saml_rst(&user, &password, &applies_to),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let (by, before) = assertion_of(&r.body);
    assert_eq!(by, old);

    // Rotates (`keys rotate ARGS`), reloads, waits for `published` keys in the metadata;
    // then the signer of a new assertion.
    let pid = b.child.id().to_string();
    let rotate_then_sign = |args: &[&str], published: usize| {
        keys(&dir, args);
        assert!(Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success());
        wait_for("the new key published", || {
            count_key_descriptors(&metadata()) == published
        });
        let r = post_soap11(
            b.addr,
            "/sts",
            ISSUE,
            &saml_rst(&user, &password, &applies_to),
        );
        assertion_of(&r.body).0
    };
    // A new key: published on reload, not signing.
    assert_eq!(
        rotate_then_sign(&["rotate"], 2),
        old,
        "the old key signs until promotion"
    );
    // An urgent key: primary at once; the old one stays published and accepted.
    let now_by = rotate_then_sign(&["rotate", "--urgent"], 3);
    assert_ne!(now_by, old, "the promoted key signs");
    let primary = states(&dir)
        .into_iter()
        .find(|(_, s)| s == "primary")
        .unwrap()
        .0;
    assert_eq!(now_by, primary);
    // The metadata itself is signed by the new primary.
    let md = metadata();
    let doc = Document::parse(&md).unwrap();
    let sig = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, DS, "Signature"))
        .unwrap();
    assert_eq!(signer(&doc, sig), primary);

    // The assertion the old key signed still validates at the STS.
    let validate = format!(
        "<wst:RequestSecurityToken xmlns:wst=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\">\
         <wst:TokenType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status</wst:TokenType>\
         <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Validate</wst:RequestType>\
         <wst:ValidateTarget>{before}</wst:ValidateTarget></wst:RequestSecurityToken>"
    );
    let envelope = username_envelope(
        &user,
        &password,
        VALIDATE,
        "urn:uuid:validate-old",
        &validate,
    );
    let r = post_soap11(b.addr, "/sts", VALIDATE, &envelope);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("/status/valid"), "{}", r.text());
}

#[test]
fn a_signing_certificate_near_expiry_gets_a_successor_at_start() {
    if !has_openssl() {
        return;
    }
    let tmp = TempDir::new("keys-auto");
    let dir = tmp.path().join("data");
    datadir::init(&dir, "127.0.0.1:0").unwrap();
    // Replace the signing certificate by one for the same key that expires in 10 days.
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "pki/sts.key",
            "-out",
            "pki/sts.pem",
            "-days",
            "10",
            "-subj",
            "/CN=wstrust STS (expiring)",
        ],
    );
    let cfg = dir.join(datadir::CONFIG_FILE);
    let b = Binary::start(&["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    wait_for("a successor published", || {
        count_key_descriptors(&request(b.addr, "GET", FEDERATION, &[], b"").body) == 2
    });
    let s = states(&dir);
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(s.iter().any(|(_, st)| st == "secondary"), "{s:?}");
    drop(b);
}
