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
    let ask = |token: &str, now: i64| {
        let body = rst(
            "Validate",
            &format!(
                "<wst:TokenType>{T13}/RSTR/Status</wst:TokenType><wst:ValidateTarget>{token}</wst:ValidateTarget>"
            ),
        );
        let x = send_at(&sts, &envelope(&body, &By::Client, now), false, now);
        assert_eq!(x.status, 200, "{:?}", x.log);
        let code = find(&x.doc, T13, "Code").unwrap();
        x.doc.text(code).to_string()
    };
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
