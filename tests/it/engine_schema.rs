//! Every kind of RSTR the engine emits for the WS-Trust bindings (Issue RSTRC, batch RSTRC,
//! Renew in the clear and encrypted, Cancel, Validate, the direct-transfer acknowledgement, and
//! the SAML 1.1 / 2.0 Issue RSTRC) validates against the OASIS WS-Trust 1.3 schema with
//! xmllint, and the STS signatures (over the response, and inside each issued SCT) verify with
//! xmlsec1.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{decrypt_key, EncryptedKey, KeyEncryptionKey, Policy};

use crate::engine_support::*;
use crate::support::{require_tool, shared};

fn scratch(name: &str, content: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wstrust-schema-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// Each emitted response: (name, whole envelope as sent, the RSTR/RSTRC element as read by
/// the requester after decryption).
fn responses() -> Vec<(&'static str, String, String)> {
    let sts = sts(false);
    let mut out = Vec::new();
    let mut push = |name: &'static str, x: &Exchange, body: Option<&Document>| {
        let doc = body.unwrap_or_else(|| x.ok());
        let env = wstrust::soap::Envelope::read(doc, None).unwrap();
        let el = env.body_element().unwrap();
        out.push((name, x.ok().source().to_owned(), outer(doc, el)));
    };
    let x = send_at(
        &sts,
        &envelope(&issue_body(""), &By::Client, NOW),
        false,
        NOW,
    );
    push("issue", &x, None);
    let ctx = ctx_from(x.ok(), client_proof(x.ok()));
    let one = issue_body("");
    let batch = format!(
        "<wst:RequestSecurityTokenCollection xmlns:wst=\"{T13}\">{one}{one}</wst:RequestSecurityTokenCollection>"
    );
    push(
        "batch",
        &send_at(&sts, &envelope(&batch, &By::Client, NOW), false, NOW),
        None,
    );
    let v = rst(
        "Validate",
        &format!(
            "<wst:ValidateTarget>{}</wst:ValidateTarget>",
            by_identifier(&ctx.identifier)
        ),
    );
    push(
        "validate",
        &send_at(&sts, &envelope(&v, &By::Client, NOW), false, NOW),
        None,
    );
    let r = rst(
        "Renew",
        &format!(
            "<wst:RenewTarget>{}</wst:RenewTarget>",
            by_identifier(&ctx.identifier)
        ),
    );
    let x = send_at(
        &sts,
        &envelope(
            &r,
            &By::Context {
                ctx: &ctx,
                derived: false,
            },
            NOW,
        ),
        true,
        NOW,
    );
    push("renew", &x, None);
    let renewed = ctx_from(x.ok(), binary_secret_proof(x.ok()));
    let c = rst(
        "Cancel",
        &format!(
            "<wst:CancelTarget>{}</wst:CancelTarget>",
            by_identifier(&renewed.identifier)
        ),
    );
    push(
        "cancel",
        &send_at(
            &sts,
            &envelope(
                &c,
                &By::Context {
                    ctx: &renewed,
                    derived: false,
                },
                NOW,
            ),
            false,
            NOW,
        ),
        None,
    );
    // Renewal over a channel that is not confidential: the reply is encrypted.
    let ctx2 = issue_to_client(&sts, "", NOW);
    let r2 = rst(
        "Renew",
        &format!(
            "<wst:RenewTarget>{}</wst:RenewTarget>",
            by_identifier(&ctx2.identifier)
        ),
    );
    let x = send_at(
        &sts,
        &envelope(
            &r2,
            &By::Context {
                ctx: &ctx2,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    );
    let msg = read_reply(&x, vec![(ctx2.identifier.clone(), ctx2.key)], NOW);
    let decrypted = Document::parse(msg.document().source().as_bytes()).unwrap();
    push("renew-encrypted", &x, Some(&decrypted));
    // The acknowledgement of a direct key transfer.
    let k = wstrust::crypto::random_bytes(32).unwrap();
    let direct = crate::pattern_direct::propagation("urn:example:ctx:schema", &k, &cert("sts"));
    push(
        "direct-ack",
        &send_at(&sts, &envelope(&direct, &By::Client, NOW), false, NOW),
        None,
    );
    // SAML assertions as the issued token (bearer and holder-of-key).
    for (name, tt, kt) in [
        (
            "saml11-bearer",
            "urn:oasis:names:tc:SAML:1.0:assertion",
            "Bearer",
        ),
        (
            "saml20-hok",
            "urn:oasis:names:tc:SAML:2.0:assertion",
            "SymmetricKey",
        ),
    ] {
        let extra =
            format!("<wst:TokenType>{tt}</wst:TokenType><wst:KeyType>{T13}/{kt}</wst:KeyType>");
        push(
            name,
            &send_at(
                &sts,
                &envelope(&issue_body(&extra), &By::Client, NOW),
                false,
                NOW,
            ),
            None,
        );
    }
    out
}

#[test]
fn every_rstr_we_emit_validates_against_the_oasis_schema() {
    if !require_tool("xmllint") {
        return;
    }
    let schemas = shared().join("schemas");
    // WS-Trust 1.3 with the SAML assertion schemas beside it, so issued assertions (which
    // WS-Trust takes laxly) are checked by their own schema, `xsi:type`s included.
    let opensaml = Path::new("/usr/share/xml/opensaml");
    let saml = opensaml.join("saml-schema-assertion-2.0.xsd").exists();
    if !saml && std::env::var("CI").as_deref() == Ok("true") {
        panic!("the OASIS SAML schemas are missing (scripts/test installs opensaml-schemas)");
    }
    let mut imports = format!(
        "<xs:import namespace=\"{T13}\" schemaLocation=\"{}\"/>",
        schemas.join("ws-trust-1.3.xsd").display()
    );
    if saml {
        for (n, f) in [
            (
                "urn:oasis:names:tc:SAML:2.0:assertion",
                "saml-schema-assertion-2.0.xsd",
            ),
            (
                "urn:oasis:names:tc:SAML:1.0:assertion",
                "cs-sstc-schema-assertion-1.1.xsd",
            ),
        ] {
            imports.push_str(&format!(
                "<xs:import namespace=\"{n}\" schemaLocation=\"{}\"/>",
                opensaml.join(f).display()
            ));
        }
    }
    let wrapper = scratch(
        "rstr-schemas.xsd",
        &format!(
            "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
             targetNamespace=\"urn:wstrust:test:schemas\">{imports}</xs:schema>"
        ),
    );
    let catalogs = format!(
        "{} {}",
        schemas.join("catalog.xml").display(),
        schemas.join("saml-catalog.xml").display()
    );
    for (name, _, rstr) in responses() {
        if !saml && name.starts_with("saml") {
            println!("skipping {name}: the OASIS SAML schemas are not installed");
            continue;
        }
        let f = scratch(&format!("{name}.xml"), &rstr);
        let o = Command::new("xmllint")
            .env("XML_CATALOG_FILES", &catalogs)
            .args(["--nonet", "--noout", "--schema"])
            .arg(&wrapper)
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}\n{rstr}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// `xmlsec1 --verify` of `file` with the key options `key`, every element we sign by Id
/// registered as an ID, and `node` (an XPath) choosing the signature (default: the first).
fn xmlsec1(key: &[&OsStr], node: Option<&str>, file: &Path) -> (bool, String) {
    let mut c = Command::new("xmlsec1");
    c.arg("--verify").args(key);
    for n in [
        "Body",
        "Timestamp",
        "SignatureConfirmation",
        "Action",
        "MessageID",
        "RelatesTo",
        "To",
        "SecurityContextToken",
        "IssuerKey",
    ] {
        c.args(["--id-attr:Id", n]);
    }
    if let Some(x) = node {
        c.args(["--node-xpath", x]);
    }
    let o = c.arg(file).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// xmlsec1 verifying the token's own (outer) signature with HMAC key `key_file`.
fn xmlsec1_verify_hmac(file: &Path, name: &str, key_file: &Path) -> (bool, String) {
    let named = format!("--hmackey:{name}");
    let key = [OsStr::new(&named), key_file.as_os_str()];
    xmlsec1(&key, Some("/*/*[local-name()='Signature']"), file)
}

/// xmlsec1 verifying with the STS certificate.
fn xmlsec1_verify(file: &Path) -> (bool, String) {
    let sts = shared().join("clients/pki/sts.pem");
    xmlsec1(
        &[OsStr::new("--pubkey-cert-pem"), sts.as_os_str()],
        None,
        file,
    )
}

#[test]
fn xmlsec1_verifies_the_sts_signatures() {
    if !require_tool("xmlsec1") {
        return;
    }
    let mut scts = 0;
    let mut assertions = 0;
    for (name, envelope, rstr) in responses() {
        // The response signature (the first ds:Signature: in the security header), when the
        // reply is not encrypted. A request signed under a security context is answered with
        // HMAC-SHA256 under a key derived from it (engine_lifecycle checks those with the
        // context key); every other answer carries the STS's RSA signature.
        let env_doc = Document::parse(envelope.as_bytes()).unwrap();
        let method = find_all(&env_doc, ns::DS, "SignatureMethod")
            .first()
            .and_then(|m| env_doc.attribute(*m, "", "Algorithm"))
            .map(str::to_owned);
        let symmetric = method
            .as_deref()
            .is_some_and(|m| m.ends_with("#hmac-sha256"));
        if symmetric {
            assert!(envelope.contains("DerivedKeyToken"), "{name}");
        }
        if !envelope.contains("EncryptedData") && !symmetric {
            let f = scratch(&format!("{name}-env.xml"), &envelope);
            let (ok, err) = xmlsec1_verify(&f);
            assert!(ok, "{name}: {err}");
            // And a changed body fails.
            assert!(envelope.contains(" Context=\""), "{name}");
            let tampered = envelope.replacen(" Context=\"", " Context=\"x", 1);
            let f = scratch(&format!("{name}-bad.xml"), &tampered);
            assert!(!xmlsec1_verify(&f).0, "{name}: tampering not detected");
        }
        // Each issued SCT, standalone: the STS's RSA signature on its issuer key, then the
        // token's HMAC-SHA256 signature under that key (which the service's key opens).
        let doc = Document::parse(rstr.as_bytes()).unwrap();
        for sct in find_all(&doc, ns::WSC13, "SecurityContextToken") {
            let ik = doc
                .child(sct, ns::WSX, "IssuerKey")
                .expect("issuer-key protection is the default");
            let f = scratch(&format!("{name}-ik{scts}.xml"), &outer(&doc, ik));
            let (ok, err) = xmlsec1_verify(&f);
            assert!(ok, "{name} issuer key: {err}");
            let ek =
                EncryptedKey::read(&doc, doc.child(ik, ns::XENC, "EncryptedKey").unwrap()).unwrap();
            let hmac_key =
                decrypt_key(&ek, KeyEncryptionKey::Rsa(&key("rp")), &Policy::default()).unwrap();
            let key_file = scratch(&format!("{name}-ik{scts}.bin"), "");
            std::fs::write(&key_file, hmac_key.expose()).unwrap();
            let sct_xml = outer(&doc, sct);
            let f = scratch(&format!("{name}-sct{scts}.xml"), &sct_xml);
            let name = doc
                .text(doc.child(ik, ns::WSX, "Name").unwrap())
                .into_owned();
            let (ok, err) = xmlsec1_verify_hmac(&f, &name, &key_file);
            assert!(ok, "{name} sct: {err}");
            // A changed principal fails the HMAC.
            let tampered = sct_xml.replacen("Principal>", "Principal>x", 1);
            let f = scratch(&format!("{name}-sct{scts}-bad.xml"), &tampered);
            let bad = xmlsec1_verify_hmac(&f, &name, &key_file).0;
            assert!(!bad, "sct tampering not detected");
            scts += 1;
        }
        // Each issued SAML assertion's enveloped signature, standalone.
        for (saml_ns, id_attr) in [
            ("urn:oasis:names:tc:SAML:2.0:assertion", "ID"),
            ("urn:oasis:names:tc:SAML:1.0:assertion", "AssertionID"),
        ] {
            for a in find_all(&doc, saml_ns, "Assertion") {
                let f = scratch(&format!("{name}-assertion.xml"), &outer(&doc, a));
                let o = Command::new("xmlsec1")
                    .args(["--verify", "--pubkey-cert-pem"])
                    .arg(shared().join("clients/pki/sts.pem"))
                    .arg(format!("--id-attr:{id_attr}"))
                    .arg(format!("{saml_ns}:Assertion"))
                    .arg(&f)
                    .output()
                    .unwrap();
                assert!(
                    o.status.success(),
                    "{name} assertion: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                assertions += 1;
            }
        }
    }
    assert!(scts >= 5, "only {scts} tokens checked");
    assert_eq!(assertions, 2, "both SAML assertions checked");
}

/// A request signed under a security context is answered with HMAC-SHA256 under a
/// DerivedKeyToken of that context: xmlsec1 verifies the reply with the key the requester
/// derives (P_SHA-1 of the context key, the default label and the token's nonce), and a
/// changed Body fails.
#[test]
fn xmlsec1_verifies_a_reply_signed_under_the_requesters_context() {
    if !require_tool("xmlsec1") {
        return;
    }
    let sts = sts(false);
    let ctx = issue_to_client(&sts, "", NOW);
    let r = rst(
        "Renew",
        &format!(
            "<wst:RenewTarget>{}</wst:RenewTarget>",
            by_identifier(&ctx.identifier)
        ),
    );
    let by = By::Context {
        ctx: &ctx,
        derived: true,
    };
    let x = send_at(&sts, &envelope(&r, &by, NOW), true, NOW);
    let doc = x.ok();
    let dkt = find(doc, ns::WSC13, "DerivedKeyToken").expect("a DerivedKeyToken in the reply");
    let text = |local: &str| {
        doc.text(doc.child(dkt, ns::WSC13, local).unwrap())
            .into_owned()
    };
    assert_eq!(text("Offset").trim(), "0");
    let len: usize = text("Length").trim().parse().unwrap();
    let nonce = wstrust::xmlsec::base64_decode(&text("Nonce")).unwrap();
    let mut seed = b"WS-SecureConversationWS-SecureConversation".to_vec();
    seed.extend_from_slice(&nonce);
    let key = wstrust::crypto::psha1(&ctx.key, &seed, len).unwrap();
    let key_file = scratch("ctx-reply.bin", "");
    std::fs::write(&key_file, key.expose()).unwrap();
    let verify = |xml: &str| {
        let f = scratch("ctx-reply.xml", xml);
        let key = [OsStr::new("--hmackey"), key_file.as_os_str()];
        let header = "//*[local-name()='Security']/*[local-name()='Signature']";
        xmlsec1(&key, Some(header), &f)
    };
    let reply = doc.source().to_owned();
    assert!(reply.contains("#hmac-sha256"), "{reply}");
    let (ok, err) = verify(&reply);
    assert!(ok, "{err}");
    let tampered = reply.replacen(" Context=\"", " Context=\"x", 1);
    assert_ne!(tampered, reply);
    assert!(!verify(&tampered).0, "tampering not detected");
}
