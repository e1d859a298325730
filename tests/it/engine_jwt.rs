//! JWTs issued by the engine (issue 16): validated by the service library
//! (`service::JwtTokenValidator`), holder-of-key `cnf.jwe` opened with the service's key,
//! tampered and expired tokens refused, and the STS's Validate binding answering for them.

use wstrust::service::jwt::{self, JwtError, JwtProof};
use wstrust::service::JwtTokenValidator;
use wstrust::xml::ns;

use crate::engine_support::*;

const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

fn jwt_sts() -> Sts {
    let mut r = realm(false);
    r.token_types = r.token_types.with("jwt");
    sts_with(vec![r])
}

fn issue_jwt(sts: &Sts, key_type: &str) -> (String, Exchange) {
    let body = rst(
        "Issue",
        &format!(
            "{}<wst:TokenType>{JWT}</wst:TokenType><wst:KeyType>{T13}/{key_type}</wst:KeyType>",
            applies_to(RP)
        ),
    );
    let x = send_at(sts, &envelope(&body, &By::Client, NOW), false, NOW);
    assert_eq!(x.status, 200, "{:?}", x.log);
    let bst = find(&x.doc, ns::WSSE, "BinarySecurityToken")
        .into_iter()
        .chain(find_all(&x.doc, ns::WSSE, "BinarySecurityToken"))
        .find(|n| x.doc.attribute(*n, "", "ValueType") == Some(JWT))
        .expect("a JWT binary security token");
    (jwt::compact_of_element(&x.doc, bst).unwrap(), x)
}

fn validator() -> JwtTokenValidator {
    let mut v = JwtTokenValidator::new(&[cert("sts")], [RP], key("rp"));
    v.issuer_name = None;
    v
}

#[test]
fn a_bearer_jwt_is_valid_for_the_service_and_tampering_or_expiry_is_refused() {
    let sts = jwt_sts();
    let (compact, _) = issue_jwt(&sts, "Bearer");
    let j = validator().validate_compact(&compact, NOW).unwrap();
    assert_eq!(j.audiences, vec![RP.to_owned()]);
    assert!(matches!(j.proof, JwtProof::Bearer));
    assert!(j.expires_ms > NOW);
    // Tampered payload: the signature no longer holds.
    let parts: Vec<&str> = compact.split('.').collect();
    let mut payload = parts[1].to_owned();
    let last = payload.pop().unwrap();
    payload.push(if last == 'A' { 'B' } else { 'A' });
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert!(validator().validate_compact(&tampered, NOW).is_err());
    // Expired (past exp and the skew).
    assert!(matches!(
        validator().validate_compact(&compact, j.expires_ms + 301_000),
        Err(JwtError::Expired)
    ));
    // Another audience.
    let other = JwtTokenValidator::new(&[cert("sts")], ["https://other.example.com/"], key("rp"));
    assert!(other.validate_compact(&compact, NOW).is_err());
}

#[test]
fn a_symmetric_jwt_carries_the_proof_key_for_the_service() {
    let sts = jwt_sts();
    let (compact, x) = issue_jwt(&sts, "SymmetricKey");
    let j = validator().validate_compact(&compact, NOW).unwrap();
    let JwtProof::Symmetric { key: Some(k), kid } = j.proof else {
        panic!("{:?}", j.proof)
    };
    assert!(kid.is_some());
    // The requester's proof token (encrypted for its certificate) is the same key.
    assert_eq!(k.expose(), client_proof(&x.doc).as_slice());
}

#[test]
fn a_public_key_jwt_binds_the_signers_key() {
    let sts = jwt_sts();
    let (compact, _) = issue_jwt(&sts, "PublicKey");
    let j = validator().validate_compact(&compact, NOW).unwrap();
    let JwtProof::PublicKey(k) = j.proof else {
        panic!("{:?}", j.proof)
    };
    assert_eq!(&k, cert("client").public_key());
}

#[test]
fn the_sts_validates_its_own_jwt() {
    let sts = jwt_sts();
    let (compact, x) = issue_jwt(&sts, "Bearer");
    let bst = find_all(&x.doc, ns::WSSE, "BinarySecurityToken")
        .into_iter()
        .find(|n| x.doc.attribute(*n, "", "ValueType") == Some(JWT))
        .unwrap();
    let token = outer(&x.doc, bst);
    let ask = |token: &str, now: i64| validate_status(&sts, token, now).0;
    assert!(ask(&token, NOW).ends_with("/status/valid"));
    // Another signature over the same token: decodes, but is not ours.
    let mut forged = compact.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'Q' } else { 'A' });
    let tampered = token.replace(
        &wstrust::xmlsec::base64_encode(compact.as_bytes()),
        &wstrust::xmlsec::base64_encode(forged.as_bytes()),
    );
    assert_ne!(tampered, token);
    assert!(ask(&tampered, NOW).ends_with("/status/invalid"));
}

/// The JWT binary security token of a response, as XML for a `RenewTarget`/`ValidateTarget`.
fn jwt_token_xml(x: &Exchange) -> String {
    let doc = x.ok();
    let bst = find_all(doc, ns::WSSE, "BinarySecurityToken")
        .into_iter()
        .find(|n| doc.attribute(*n, "", "ValueType") == Some(JWT))
        .expect("a JWT binary security token");
    outer(doc, bst)
}

#[test]
fn the_subject_renews_a_jwt_once_inside_the_window() {
    const HOUR: i64 = 3_600_000;
    let sts = jwt_sts();
    for key_type in ["Bearer", "PublicKey", "SymmetricKey"] {
        let (compact, x) = issue_jwt(&sts, key_type);
        let token = jwt_token_xml(&x);
        let old = validator().validate_compact(&compact, NOW).unwrap();
        // Someone else (alice, by password) may not renew the certificate's JWT; nothing changes.
        let x = renew_target(
            &sts,
            &token,
            &By::Nobody,
            vec![user("alice", "secret")],
            NOW,
        );
        assert_eq!(
            x.fault(),
            "wst:FailedAuthentication",
            "{key_type}: {:?}",
            x.log
        );
        assert_eq!(
            validate_status(&sts, &token, NOW),
            (format!("{T13}/status/valid"), None)
        );
        // Renewal to another token type is refused, and changes nothing either.
        let body = rst(
            "Renew",
            &format!(
                "<wst:TokenType>{SCT13}</wst:TokenType><wst:RenewTarget>{token}</wst:RenewTarget>"
            ),
        );
        let x = send_at(&sts, &envelope(&body, &By::Client, NOW), true, NOW);
        assert_eq!(x.fault(), "wst:InvalidRequest", "{key_type}: {:?}", x.log);
        assert_eq!(
            validate_status(&sts, &token, NOW),
            (format!("{T13}/status/valid"), None)
        );
        // The subject renews it an hour after expiry (inside the one-day window).
        let later = NOW + 2 * HOUR;
        let x = renew_target(&sts, &token, &By::Client, Vec::new(), later);
        let renewed_xml = jwt_token_xml(&x);
        let doc = x.ok();
        let bst = find_all(doc, ns::WSSE, "BinarySecurityToken")
            .into_iter()
            .find(|n| doc.attribute(*n, "", "ValueType") == Some(JWT))
            .unwrap();
        let renewed = jwt::compact_of_element(doc, bst).unwrap();
        let new = validator().validate_compact(&renewed, later).unwrap();
        assert_ne!(new.id, old.id, "{key_type}: a new jti");
        assert_eq!(new.subject, old.subject, "{key_type}: the same subject");
        assert_eq!(
            new.audiences, old.audiences,
            "{key_type}: the same audience"
        );
        assert!(new.expires_ms > later, "{key_type}: a new lifetime");
        match (&old.proof, &new.proof) {
            (JwtProof::Bearer, JwtProof::Bearer) => {}
            (JwtProof::PublicKey(a), JwtProof::PublicKey(b)) => assert_eq!(a, b),
            (
                JwtProof::Symmetric { key: Some(a), .. },
                JwtProof::Symmetric { key: Some(b), .. },
            ) => {
                assert_ne!(a.expose(), b.expose(), "a new proof key");
                assert_eq!(b.expose(), client_proof(doc).as_slice());
            }
            other => panic!("{key_type}: the key binding changed: {other:?}"),
        }
        assert_eq!(
            validate_status(&sts, &renewed_xml, later),
            (format!("{T13}/status/valid"), None)
        );
        // The old one is superseded, and renews no more.
        let (code, reason) = validate_status(&sts, &token, NOW);
        assert_eq!(code, format!("{T13}/status/invalid"), "{key_type}");
        assert_eq!(reason.as_deref(), Some("urn:wstrust:status:superseded"));
        let x = renew_target(&sts, &token, &By::Client, Vec::new(), later);
        assert_eq!(x.fault(), "wst:UnableToRenew", "{key_type}: {:?}", x.log);
    }
    // Past the window: refused, and the JWT stays renewable inside it.
    let (_, x) = issue_jwt(&sts, "Bearer");
    let token = jwt_token_xml(&x);
    let x = renew_target(&sts, &token, &By::Client, Vec::new(), NOW + 26 * HOUR);
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
    renew_target(&sts, &token, &By::Client, Vec::new(), NOW + HOUR).ok();
}
