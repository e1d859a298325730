//! A federated subject and a local user of the same name are two principals (issue 16 item
//! 4): STS B trusts STS A (`trusted_issuers`), and both have a user "alice". A's alice
//! authenticates at B with A's bearer assertion; B's alice with her password. Each gets
//! tokens and contexts from B; neither may renew or cancel the other's by authenticating as
//! "alice" (owner renewal compares the name *and* its domain: the SAML `NameQualifier`, the
//! JWT `idp`, the sealed context state's authority). Each still renews and cancels her own,
//! and a refused attempt changes nothing.

use wstrust::engine::config::{AppliesToMatch, Realm, TrustedIssuer};
use wstrust::engine::Engine;
use wstrust::xml::{ns, Document};

use crate::engine_support::*;
use crate::wss_support::{recorded_sts_config, secret_users};

const HOUR: i64 = 3_600_000;
const SAML20: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
/// B's issuer URI (the recorded STS configuration's): the audience A issues for.
const B_ISSUER: &str = "https://sts.example.com/sts";
const A_ISSUER: &str = "urn:test:sts-a";
const A_NAME: &str = "sts-a";

/// STS A: its own signing key (the `rp` test key), alice and bob, a realm for B.
fn sts_a() -> Sts {
    let b = Realm::new("sts-b", AppliesToMatch::Exact(B_ISSUER.into()), cert("sts"));
    let mut cfg = recorded_sts_config(vec![b], secret_users(&["alice", "bob"]));
    cfg.issuer = A_ISSUER.into();
    cfg.signing_key = key("rp");
    cfg.signing_cert = cert("rp");
    let store = std::sync::Arc::new(crate::support::store_at(NOW));
    Sts {
        engine: Engine::new(cfg, store.clone()),
        store,
    }
}

/// STS B: the engine tests' STS (realm `rp` for SAML, JWT and SCTs), trusting A.
fn sts_b() -> Sts {
    let mut r = realm(false);
    r.token_types = r.token_types.with("jwt");
    let mut cfg = recorded_sts_config(vec![r], secret_users(&["alice", "bob"]));
    let mut a = TrustedIssuer::new(A_NAME, cert("rp"));
    a.issuer = Some(A_ISSUER.into());
    cfg.trusted_issuers.push(a);
    let store = std::sync::Arc::new(crate::support::store_at(NOW));
    Sts {
        engine: Engine::new(cfg, store.clone()),
        store,
    }
}

/// A fresh bearer SAML 2.0 assertion A issues to its alice for B (a bearer assertion
/// authenticates once).
fn from_a(a: &Sts, now: i64) -> String {
    let body = rst(
        "Issue",
        &format!(
            "{}<wst:TokenType>http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0</wst:TokenType>\
             <wst:KeyType>{T13}/Bearer</wst:KeyType>",
            applies_to(B_ISSUER)
        ),
    );
    let x = send_at(
        a,
        &envelope_with(&body, &By::Nobody, now, vec![user("alice", "secret")]),
        true,
        now,
    );
    let doc = x.ok();
    outer(doc, find(doc, SAML20, "Assertion").expect("A's assertion"))
}

/// How alice authenticates at B.
#[derive(Clone, Copy, Debug)]
enum Alice {
    /// B's own alice, by password.
    Local,
    /// A's alice, by a fresh assertion from A.
    Federated,
}

fn header(a: &Sts, who: Alice, now: i64) -> Vec<String> {
    match who {
        Alice::Local => vec![user("alice", "secret")],
        Alice::Federated => vec![from_a(a, now)],
    }
}

/// Sends `body` to B as `who`, over a confidential channel.
fn send_b(a: &Sts, b: &Sts, body: &str, who: Alice, now: i64) -> Exchange {
    send_at(
        b,
        &envelope_with(body, &By::Nobody, now, header(a, who, now)),
        true,
        now,
    )
}

/// The token element in `RequestedSecurityToken` of a response, as XML.
fn issued_token(doc: &Document) -> String {
    let holder = find(doc, T13, "RequestedSecurityToken").expect("a token");
    outer(doc, doc.child_elements(holder).next().unwrap())
}

/// A bearer token of `token_type` from B to `who`.
fn token(a: &Sts, b: &Sts, token_type: &str, who: Alice) -> String {
    let body = rst(
        "Issue",
        &format!(
            "{}<wst:TokenType>{token_type}</wst:TokenType><wst:KeyType>{T13}/Bearer</wst:KeyType>",
            applies_to(RP)
        ),
    );
    issued_token(send_b(a, b, &body, who, NOW).ok())
}

/// The domain a token of B records for its subject: the SAML `NameQualifier`, the JWT `idp`.
fn authority_of(token: &str) -> Option<String> {
    let doc = Document::parse(token.as_bytes()).unwrap();
    let name = find(&doc, SAML20, "NameID").or_else(|| find(&doc, ns::SAML1, "NameIdentifier"));
    if let Some(n) = name {
        assert_eq!(doc.text(n).trim(), "alice");
        return doc.attribute(n, "", "NameQualifier").map(str::to_owned);
    }
    let compact = wstrust::service::jwt::compact_of_element(&doc, doc.root()).unwrap();
    let payload = compact.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(claims["sub"], "alice");
    claims
        .get("idp")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn renew(a: &Sts, b: &Sts, target: &str, who: Alice, now: i64) -> Exchange {
    let body = rst(
        "Renew",
        &format!("<wst:RenewTarget>{target}</wst:RenewTarget>"),
    );
    send_b(a, b, &body, who, now)
}

#[test]
fn tokens_record_the_domain_of_a_federated_subject() {
    let (a, b) = (sts_a(), sts_b());
    for token_type in [
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
        JWT,
    ] {
        let fed = token(&a, &b, token_type, Alice::Federated);
        assert_eq!(authority_of(&fed).as_deref(), Some(A_NAME), "{token_type}");
        let local = token(&a, &b, token_type, Alice::Local);
        assert_eq!(authority_of(&local), None, "{token_type}");
    }
}

#[test]
fn neither_alice_renews_the_others_saml_or_jwt() {
    let (a, b) = (sts_a(), sts_b());
    let later = NOW + 2 * HOUR;
    for token_type in [
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
        JWT,
    ] {
        for (owner, other) in [
            (Alice::Federated, Alice::Local),
            (Alice::Local, Alice::Federated),
        ] {
            let case = format!("{token_type}: {owner:?}'s token");
            let t = token(&a, &b, token_type, owner);
            let x = renew(&a, &b, &t, other, later);
            assert_eq!(x.fault(), "wst:FailedAuthentication", "{case}: {:?}", x.log);
            assert_eq!(
                validate_status(&b, &t, NOW),
                (format!("{T13}/status/valid"), None),
                "{case}: the refusal changed nothing"
            );
            // Her owner renews it, in the same domain.
            let x = renew(&a, &b, &t, owner, later);
            let renewed = issued_token(x.ok());
            assert_eq!(
                authority_of(&renewed),
                authority_of(&t),
                "{case}: renewed in the same domain"
            );
            let (code, reason) = validate_status(&b, &t, NOW);
            assert_eq!(code, format!("{T13}/status/invalid"), "{case}");
            assert_eq!(reason.as_deref(), Some("urn:wstrust:status:superseded"));
        }
    }
}

#[test]
fn neither_alice_renews_or_cancels_the_others_context() {
    let (a, b) = (sts_a(), sts_b());
    let issue = issue_body(&format!("<wst:TokenType>{SCT13}</wst:TokenType>"));
    for (owner, other) in [
        (Alice::Federated, Alice::Local),
        (Alice::Local, Alice::Federated),
    ] {
        let case = format!("{owner:?}'s context");
        let doc = send_b(&a, &b, &issue, owner, NOW).ok().clone();
        let ctx = ctx_from(&doc, binary_secret_proof(&doc));
        for kind in ["Renew", "Cancel"] {
            let body = rst(
                kind,
                &format!("<wst:{kind}Target>{}</wst:{kind}Target>", ctx.sct),
            );
            let x = send_b(&a, &b, &body, other, NOW + 1000);
            assert_eq!(
                x.fault(),
                "wst:FailedAuthentication",
                "{case}: {kind} by the other alice: {:?}",
                x.log
            );
        }
        // Still the current instance: her owner renews it, then cancels it.
        let body = rst(
            "Renew",
            &format!("<wst:RenewTarget>{}</wst:RenewTarget>", ctx.sct),
        );
        let renewed = send_b(&a, &b, &body, owner, NOW + 2000);
        let doc = renewed.ok();
        assert!(
            find(doc, ns::WSC13, "SecurityContextToken").is_some(),
            "{case}: renewed"
        );
        let sct = outer(doc, find(doc, ns::WSC13, "SecurityContextToken").unwrap());
        let body = rst(
            "Cancel",
            &format!("<wst:CancelTarget>{sct}</wst:CancelTarget>"),
        );
        let x = send_b(&a, &b, &body, owner, NOW + 3000);
        assert_eq!(x.status, 200, "{case}: cancelled by her owner: {:?}", x.log);
    }
}
