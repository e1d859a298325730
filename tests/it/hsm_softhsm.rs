//! The signing key in an HSM (issue 19 item 2), against SoftHSM2 from Debian: a token
//! initialised with `softhsm2-util`, an RSA-2048 key pair made inside it by opensc's
//! `pkcs11-tool` (non-extractable), a certificate for its public key from the data
//! directory's CA (openssl). `wstrust serve` with `[signing] key = "pkcs11:…"` issues a
//! SAML assertion and federation metadata signed in the token, verified by xmlsec1 with the
//! certificate; in process, the same key signs and RSA-OAEP-decrypts through the token and
//! cannot be exported. A wrong PIN, an unknown key and an extractable key are refused with
//! a configuration error that says what to fix.

use std::path::Path;
use std::process::Command;

use wstrust::config::datadir;
use wstrust::crypto::{OaepParams, RsaPrivateKey, SignatureAlgorithm};
use wstrust::xml::Document;

use crate::interop_support::peer_available;
use crate::server_support::{demo, post_soap11, request, rst_username, Binary, TempDir};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
const SCT: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
const SAML20: &str = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn available() -> bool {
    let ok = Path::new(MODULE).exists()
        && Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok()
        && Command::new("pkcs11-tool").arg("--help").output().is_ok()
        && Command::new("xmlsec1").arg("--version").output().is_ok();
    peer_available(
        "SoftHSM2, pkcs11-tool and xmlsec1 (scripts/test installs them)",
        ok,
    )
}

/// A SoftHSM2 configuration and token under `dir` with the key pairs `sts-signing`
/// (non-extractable) and `loose` (extractable); returns the SOFTHSM2_CONF path.
fn token(dir: &Path) -> String {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let conf = conf.to_str().unwrap().to_owned();
    run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "wstrust",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ]));
    for (label, id, extra) in [
        ("sts-signing", "01", None),
        ("loose", "02", Some("--extractable")),
    ] {
        let mut c = Command::new("pkcs11-tool");
        c.env("SOFTHSM2_CONF", &conf).args([
            "--module",
            MODULE,
            "--token-label",
            "wstrust",
            "--login",
            "--pin",
            "1234",
            "--keypairgen",
            "--key-type",
            "rsa:2048",
            "--label",
            label,
            "--id",
            id,
            "--sensitive",
        ]);
        if let Some(e) = extra {
            c.arg(e);
        }
        run(&mut c);
    }
    run(Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--module",
            MODULE,
            "--token-label",
            "wstrust",
            "--read-object",
            "--type",
            "pubkey",
            "--id",
            "01",
            "-o",
        ])
        .arg(dir.join("pub.der")));
    conf
}

fn uri(object: &str, pin_file: &Path) -> String {
    format!(
        "pkcs11:token=wstrust;object={object}?module-path={MODULE}&pin-source={}",
        pin_file.display()
    )
}

fn thumbprint(pem: &str) -> String {
    let c = wstrust::pki::Certificate::from_pem(pem).unwrap();
    wstrust::crypto::hex(c.thumbprint_sha1())
}

#[test]
fn the_signing_key_stays_in_softhsm_and_signs_tokens_and_metadata() {
    if !available() {
        return;
    }
    let tmp = TempDir::new("hsm");
    let dir = tmp.path().join("data");
    datadir::init(&dir, "127.0.0.1:0").unwrap();
    let conf = token(tmp.path());
    // A certificate from the dev CA for the token's public key (openssl never sees the
    // private key: -force_pubkey puts the token's key into a request made with another).
    let t = tmp.path();
    run(Command::new("openssl").current_dir(t).args([
        "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
    ]));
    run(Command::new("openssl").current_dir(t).args([
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "throwaway.key",
        "-subj",
        "/CN=wstrust STS (HSM)",
        "-out",
        "hsm.csr",
    ]));
    let ca = dir.join("pki/ca.pem");
    let ca_key = dir.join("pki/ca.key");
    run(Command::new("openssl")
        .current_dir(t)
        .args([
            "x509",
            "-req",
            "-in",
            "hsm.csr",
            "-force_pubkey",
            "pub.pem",
            "-CA",
        ])
        .arg(&ca)
        .arg("-CAkey")
        .arg(&ca_key)
        .args(["-CAcreateserial", "-days", "30", "-out"])
        .arg(dir.join("pki/hsm.pem")));
    let pin = t.join("hsm-pin");
    std::fs::write(&pin, "1234\n").unwrap();
    let wrong_pin = t.join("wrong-pin");
    std::fs::write(&wrong_pin, "9999\n").unwrap();
    let hsm_pem = std::fs::read_to_string(dir.join("pki/hsm.pem")).unwrap();

    // The configuration: the HSM key and its certificate.
    let cfg = dir.join(datadir::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).unwrap();
    let key_line = text
        .lines()
        .find(|l| l.starts_with("key = ") && l.contains("sts.key"))
        .unwrap()
        .to_owned();
    let cert_line = text
        .lines()
        .find(|l| l.starts_with("cert = ") && l.contains("sts.pem"))
        .unwrap()
        .to_owned();
    let with = |key_uri: &str| {
        text.replace(&key_line, &format!("key = \"{key_uri}\""))
            .replace(
                &cert_line,
                &format!("cert = \"{}\"", dir.join("pki/hsm.pem").display()),
            )
    };
    let check = |key_uri: &str| {
        std::fs::write(&cfg, with(key_uri)).unwrap();
        Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .env("SOFTHSM2_CONF", &conf)
            .args(["config", "check", "--config"])
            .arg(&cfg)
            .output()
            .unwrap()
    };
    for (bad, says) in [
        (uri("sts-signing", &wrong_pin), "logging in"),
        (uri("no-such-key", &pin), "no such private RSA key"),
        (uri("loose", &pin), "could leave the token"),
    ] {
        let out = check(&bad);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad} refused");
        assert!(err.contains(says), "{bad}: {err}");
        assert!(
            !err.contains("1234") && !err.contains("9999"),
            "never the PIN: {err}"
        );
    }
    assert!(check(&uri("sts-signing", &pin)).status.success());

    let b = Binary::start_with_env(
        &["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"],
        &[("SOFTHSM2_CONF", &conf)],
    );
    let (user, password, applies_to) = demo(&dir);
    let r = post_soap11(
        b.addr,
        "/sts",
        ISSUE,
        &rst_username(&user, &password, &applies_to).replace(SCT, SAML20),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = Document::parse(&r.body).unwrap();
    let a = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, "urn:oasis:names:tc:SAML:2.0:assertion", "Assertion"))
        .unwrap();
    let assertion = &doc.source()[doc.span(a)];
    let md = request(
        b.addr,
        "GET",
        "/FederationMetadata/2007-06/FederationMetadata.xml",
        &[],
        b"",
    )
    .body;
    drop(b);
    // xmlsec1 verifies both with the HSM key's certificate only.
    std::fs::write(t.join("assertion.xml"), assertion).unwrap();
    std::fs::write(t.join("metadata.xml"), &md).unwrap();
    std::fs::copy(dir.join("pki/hsm.pem"), t.join("pki-hsm.pem")).unwrap();
    for (file, id) in [
        (
            "assertion.xml",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ),
        (
            "metadata.xml",
            "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        ),
    ] {
        let out = Command::new("xmlsec1")
            .current_dir(t)
            .args([
                "--verify",
                "--pubkey-cert-pem",
                "pki-hsm.pem",
                "--id-attr:ID",
                id,
                file,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "xmlsec1 verifies {file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        String::from_utf8_lossy(&md).contains(&wstrust::xmlsec::base64_encode(
            wstrust::pki::Certificate::from_pem(&hsm_pem).unwrap().der()
        ))
    );

    // In process: sign and decrypt through the token; the key cannot be exported.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let key = RsaPrivateKey::from_pkcs11_uri(&uri("sts-signing", &pin)).unwrap();
    assert!(key.in_token());
    let cert = wstrust::pki::Certificate::from_pem(&hsm_pem).unwrap();
    assert_eq!(key.public_key(), *cert.public_key());
    let sig = key
        .sign(SignatureAlgorithm::RsaSha256, b"to be signed")
        .unwrap();
    cert.public_key()
        .verify(SignatureAlgorithm::RsaSha256, b"to be signed", &sig)
        .unwrap();
    // rsa-oaep-mgf1p (SHA-1, what WCF and WSS4J send). SoftHSM2 2.6 implements OAEP with
    // SHA-1 only: SHA-256 OAEP is refused by the token, and that is the one clean
    // decryption error (real HSMs do SHA-256).
    let params = OaepParams::sha256();
    let ct = cert.public_key().oaep_encrypt(&params, b"k").unwrap();
    assert!(matches!(
        key.oaep_decrypt(&params, &ct),
        Err(wstrust::crypto::Error::Decrypt)
    ));
    {
        let params = OaepParams::sha1();
        let ct = cert
            .public_key()
            .oaep_encrypt(&params, b"a 32-byte proof key for tests!!!")
            .unwrap();
        let pt = key
            .oaep_decrypt(&params, &ct)
            .unwrap_or_else(|e| panic!("{:?}: {e}", params.digest));
        assert_eq!(pt.expose(), b"a 32-byte proof key for tests!!!");
        let mut bad = ct;
        bad[10] ^= 1;
        assert!(key.oaep_decrypt(&params, &bad).is_err());
    }
    assert!(
        key.to_pkcs8_der().is_err(),
        "the key never leaves the token"
    );
    assert_eq!(
        thumbprint(&hsm_pem),
        wstrust::crypto::hex(cert.thumbprint_sha1())
    );
}
