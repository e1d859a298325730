//! Validate and Renew of SAML 1.1 / 2.0 assertions the STS issued (issue 17 item 4): status
//! valid / invalid with a reason, exchange for a security context, renewal by the subject or
//! the holder of its key, once, inside the realm's window; every refusal changes nothing.

use wstrust::xml::{ns, Document, NodeId};

use crate::engine_support::*;

const HOUR: i64 = 3_600_000;
const SAML20: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAML11: &str = "urn:oasis:names:tc:SAML:1.0:assertion";

fn kt(k: &str) -> String {
    format!("<wst:KeyType>{T13}/{k}</wst:KeyType>")
}

fn tt(t: &str) -> String {
    format!("<wst:TokenType>{t}</wst:TokenType>")
}

/// The assertion element of a response, and its XML.
fn assertion(doc: &Document) -> (NodeId, String) {
    let a = find(doc, ns::SAML2, "Assertion")
        .or_else(|| find(doc, ns::SAML1, "Assertion"))
        .expect("an assertion");
    (a, outer(doc, a))
}

fn id_of(doc: &Document, a: NodeId) -> String {
    doc.attribute(a, "", "ID")
        .or_else(|| doc.attribute(a, "", "AssertionID"))
        .unwrap()
        .to_owned()
}

/// Issues an assertion of `token_type` (`key_type`) to the client certificate.
fn issue(sts: &Sts, token_type: &str, key_type: &str) -> String {
    let body = rst(
        "Issue",
        &format!("{}{}{}", applies_to(RP), tt(token_type), kt(key_type)),
    );
    let x = send_at(sts, &envelope(&body, &By::Client, NOW), false, NOW);
    assertion(x.ok()).1
}

#[test]
fn assertions_validate_with_a_status_and_a_reason() {
    let sts = sts(false);
    for version in [SAML20, SAML11] {
        let a = issue(&sts, version, "Bearer");
        assert_eq!(
            validate_status(&sts, &a, NOW),
            (format!("{T13}/status/valid"), None)
        );
        // Expired.
        let (code, reason) = validate_status(&sts, &a, NOW + 2 * HOUR);
        assert_eq!(code, format!("{T13}/status/invalid"), "{version}");
        assert_eq!(reason.as_deref(), Some("urn:wstrust:status:expired"));
        // Changed (the subject): not ours any more.
        let changed = a.replacen("CN=", "CN=x", 1);
        assert_ne!(changed, a);
        let (code, reason) = validate_status(&sts, &changed, NOW);
        assert_eq!(code, format!("{T13}/status/invalid"), "{version}");
        assert_eq!(reason.as_deref(), Some("urn:wstrust:status:unknown-token"));
    }
}

#[test]
fn a_valid_assertion_exchanges_for_a_security_context() {
    let sts = sts(false);
    let a = issue(&sts, SAML20, "Bearer");
    let body = rst(
        "Validate",
        &format!(
            "{}<wst:ValidateTarget>{a}</wst:ValidateTarget>{}",
            tt(SCT13),
            applies_to(RP)
        ),
    );
    let x = send_at(&sts, &envelope(&body, &By::Client, NOW), false, NOW);
    let doc = x.ok();
    let code = doc.text(find(doc, T13, "Code").unwrap()).into_owned();
    assert_eq!(code, format!("{T13}/status/valid"));
    let sct = find(doc, ns::WSC13, "SecurityContextToken").expect("a new context");
    let principal = doc
        .descendants_or_self(sct)
        .find(|n| doc.name(*n).local == "Principal")
        .map(|n| doc.text(n).into_owned())
        .unwrap();
    assert!(
        principal.contains("CN="),
        "issued to the assertion's subject: {principal}"
    );
}

#[test]
fn the_subject_renews_an_assertion_once_inside_the_window() {
    let sts = sts(false);
    for (version, key_type) in [
        (SAML20, "Bearer"),
        (SAML11, "Bearer"),
        (SAML20, "PublicKey"),
        (SAML20, "SymmetricKey"),
    ] {
        let case = format!("{version} {key_type}");
        let a = issue(&sts, version, key_type);
        let old_doc = Document::parse(a.as_bytes()).unwrap();
        let old_id = id_of(&old_doc, old_doc.root());
        // Someone else (alice, by password) may not renew the certificate's assertion.
        let x = renew_target(&sts, &a, &By::Nobody, vec![user("alice", "secret")], NOW);
        assert_eq!(x.fault(), "wst:FailedAuthentication", "{case}: {:?}", x.log);
        // The subject renews it, an hour after expiry (inside the one-day window).
        let later = NOW + 2 * HOUR;
        let x = renew_target(&sts, &a, &By::Client, Vec::new(), later);
        let doc = x.ok();
        let (n, renewed) = assertion(doc);
        assert_ne!(id_of(doc, n), old_id, "{case}: a new assertion");
        assert!(
            doc.source().contains(&format!("{T13}/RSTR/Renew")) || doc.source().contains("Renew"),
            "{case}: a renewal answer"
        );
        assert_eq!(
            validate_status(&sts, &renewed, later),
            (format!("{T13}/status/valid"), None),
            "{case}: the renewed assertion is valid"
        );
        assert!(
            (version == SAML20) == (doc.name(n).ns == ns::SAML2),
            "{case}: same version"
        );
        if key_type == "SymmetricKey" {
            assert!(
                find(doc, T13, "RequestedProofToken").is_some(),
                "{case}: a new key"
            );
        }
        // The old one is superseded, and renews no more.
        let (code, reason) = validate_status(&sts, &a, NOW);
        assert_eq!(code, format!("{T13}/status/invalid"), "{case}");
        assert_eq!(reason.as_deref(), Some("urn:wstrust:status:superseded"));
        let x = renew_target(&sts, &a, &By::Client, Vec::new(), later);
        assert_eq!(x.fault(), "wst:UnableToRenew", "{case}: {:?}", x.log);
    }
    // Past the window: refused, and the assertion stays renewable inside it.
    let a = issue(&sts, SAML20, "Bearer");
    let x = renew_target(&sts, &a, &By::Client, Vec::new(), NOW + 26 * HOUR);
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
    renew_target(&sts, &a, &By::Client, Vec::new(), NOW + HOUR).ok();
    // A changed assertion is not renewed.
    let a = issue(&sts, SAML20, "Bearer");
    let x = renew_target(
        &sts,
        &a.replacen("CN=", "CN=x", 1),
        &By::Client,
        Vec::new(),
        NOW,
    );
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
}
