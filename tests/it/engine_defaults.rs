//! What a request gets when it leaves things out (issue 17): every combination of
//! `wst:TokenType` {absent, SCT, SAML 1.1, SAML 2.0, JWT} × `wst:KeyType` {absent, Symmetric,
//! PublicKey, Bearer} × requester entropy {none, client} × authentication {password over a
//! confidential channel, password digest, X.509 signature, a security context's key, a random
//! key's HMAC signature (the symmetric binding over an EncryptedKey for the STS, with a
//! signed UsernameToken)} × SOAP {1.1, 1.2}, to a realm that also issues JWTs (`token_types`
//! with `jwt`), against one table of expected tokens, proof tokens and faults. docs/patterns.md carries the
//! same table for users.

use wstrust::soap::SoapVersion;
use wstrust::xml::ns;

use crate::engine_support::*;
use crate::random_key_support::{read_in, symmetric_request_in, Symmetric};

const TT: [(&str, Option<&str>); 5] = [
    ("-", None),
    ("SCT", Some(SCT13)),
    ("SAML1.1", Some("urn:oasis:names:tc:SAML:1.0:assertion")),
    ("SAML2.0", Some("urn:oasis:names:tc:SAML:2.0:assertion")),
    ("JWT", Some(JWT)),
];

const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const KT: [(&str, Option<&str>); 4] = [
    ("-", None),
    ("Symmetric", Some("SymmetricKey")),
    ("PublicKey", Some("PublicKey")),
    ("Bearer", Some("Bearer")),
];

#[derive(Clone, Copy, Debug)]
enum Auth {
    Password,
    Digest,
    X509,
    Context,
    RandomKey,
}

const AUTHS: [Auth; 5] = [
    Auth::Password,
    Auth::Digest,
    Auth::X509,
    Auth::Context,
    Auth::RandomKey,
];

/// The STS of the table: users `alice` (Argon2 hash of `secret`) and `dave` (configured for
/// `PasswordDigest`).
fn defaults_sts() -> Sts {
    use wstrust::engine::users::{hash_password, PasswordRecord, UserStore};
    let params = crate::wss_support::TEST_ARGON2;
    let users = UserStore::new(
        [
            (
                "alice".to_owned(),
                PasswordRecord::Argon2(hash_password(b"secret", &params).unwrap()),
            ),
            (
                "dave".to_owned(),
                PasswordRecord::DigestCapable(wstrust::crypto::SecretBytes::from_slice(
                    b"digest-secret",
                )),
            ),
        ],
        &params,
    )
    .unwrap();
    let mut r = realm(false);
    r.token_types = r.token_types.with("jwt");
    let cfg = crate::wss_support::recorded_sts_config(vec![r], users);
    let store: std::sync::Arc<dyn wstrust::store::TokenStore> =
        std::sync::Arc::new(crate::support::store_at(NOW));
    Sts {
        engine: wstrust::engine::Engine::new(cfg, store.clone()),
        store,
    }
}

/// A `PasswordDigest` UsernameToken (WSS UsernameToken Profile 1.1: Base64(SHA-1(nonce +
/// created + password))) made at `now`.
fn digest_user(name: &str, password: &str, now: i64) -> String {
    let nonce = wstrust::crypto::random_bytes(16).unwrap();
    let created = wstrust::xml::datetime::format(now);
    let mut input = nonce.clone();
    input.extend_from_slice(created.as_bytes());
    input.extend_from_slice(password.as_bytes());
    let digest = wstrust::crypto::digest(wstrust::crypto::DigestAlgorithm::Sha1, &input);
    let b64 = wstrust::xmlsec::base64_encode;
    let profile =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0";
    format!(
        "<wsse:UsernameToken xmlns:wsse=\"{}\" xmlns:wsu=\"{}\"><wsse:Username>{name}</wsse:Username>\
         <wsse:Password Type=\"{profile}#PasswordDigest\">{}</wsse:Password>\
         <wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary\">{}</wsse:Nonce>\
         <wsu:Created>{created}</wsu:Created></wsse:UsernameToken>",
        ns::WSSE,
        ns::WSU,
        b64(&digest),
        b64(&nonce)
    )
}

/// What came back: `token/proof` (`sct`, `saml11`, `saml20`, `jwt`; `ek` an EncryptedKey for the
/// requester's certificate, `secret` a BinarySecret, `computed` CK/PSHA1, `none`), or
/// `fault CODE`.
fn outcome(x: &Exchange) -> String {
    if x.status != 200 {
        return format!("fault {}", x.fault());
    }
    token_outcome(&x.doc)
}

/// What an answer `doc` carries: `token/proof`.
fn token_outcome(doc: &wstrust::xml::Document) -> String {
    let rst = find(doc, T13, "RequestedSecurityToken").expect("a token");
    let token = doc.children(rst).find(|n| doc.is_element(*n)).unwrap();
    let name = doc.name(token);
    let kind = match (name.ns, name.local) {
        (ns::WSC13, "SecurityContextToken") => "sct",
        (ns::SAML1, "Assertion") => "saml11",
        (ns::SAML2, "Assertion") => "saml20",
        (ns::WSSE, "BinarySecurityToken") if doc.attribute(token, "", "ValueType") == Some(JWT) => {
            "jwt"
        }
        other => panic!("token {other:?}"),
    };
    // The TokenType the RSTR names, if any, names that token.
    if let Some(tt) = find(doc, T13, "TokenType") {
        let t = doc.text(tt);
        let fits = match kind {
            "sct" => t.contains("secureconversation"),
            "saml11" => t.contains("SAML:1.0") || t.ends_with("#SAMLV1.1"),
            "jwt" => t == JWT,
            _ => t.contains("SAML:2.0") || t.ends_with("#SAMLV2.0"),
        };
        assert!(fits, "{kind} answered as TokenType {t}");
    }
    let proof = match find(doc, T13, "RequestedProofToken") {
        None => "none",
        Some(p) => {
            let c = doc.children(p).find(|n| doc.is_element(*n)).unwrap();
            match doc.name(c).local {
                "EncryptedKey" => "ek",
                "BinarySecret" => "secret",
                "ComputedKey" => "computed",
                other => panic!("proof {other}"),
            }
        }
    };
    format!("{kind}/{proof}")
}

fn body(tt: Option<&str>, kt: Option<&str>, entropy: bool) -> String {
    let mut inner = String::new();
    if let Some(t) = tt {
        inner.push_str(&format!("<wst:TokenType>{t}</wst:TokenType>"));
    }
    if let Some(k) = kt {
        inner.push_str(&format!("<wst:KeyType>{T13}/{k}</wst:KeyType>"));
    }
    if entropy {
        inner.push_str(&format!(
            "<wst:Entropy><wst:BinarySecret Type=\"{T13}/Nonce\">{}</wst:BinarySecret></wst:Entropy>",
            wstrust::xmlsec::base64_encode(&[7u8; 32])
        ));
    }
    rst("Issue", &format!("{}{inner}", applies_to(RP)))
}

fn run(sts: &Sts, ctx: &Ctx, soap: SoapVersion, auth: Auth, body: &str) -> String {
    let (xml, confidential) = match auth {
        Auth::Password => (
            envelope_in(soap, body, &By::Nobody, NOW, vec![user("alice", "secret")]),
            true,
        ),
        Auth::Digest => (
            envelope_in(
                soap,
                body,
                &By::Nobody,
                NOW,
                vec![digest_user("dave", "digest-secret", NOW)],
            ),
            true,
        ),
        Auth::X509 => (envelope_in(soap, body, &By::Client, NOW, Vec::new()), false),
        Auth::Context => (
            envelope_in(
                soap,
                body,
                &By::Context { ctx, derived: true },
                NOW,
                Vec::new(),
            ),
            true,
        ),
        Auth::RandomKey => {
            // The reply is encrypted and signed under the request's random key: read it as
            // the requester does.
            let how = Symmetric::new(wstrust::wss::Order::EncryptThenSign);
            let req = symmetric_request_in(soap, body, how, NOW);
            let x = send_in(sts, soap, &req.xml, true, NOW);
            if x.status != 200 {
                return format!("fault {}", x.fault());
            }
            let (msg, _) = read_in(soap, x.doc.source(), &req, NOW)
                .unwrap_or_else(|e| panic!("the requester refuses the reply: {e}"));
            return token_outcome(msg.document());
        }
    };
    outcome(&send_in(sts, soap, &xml, confidential, NOW))
}

/// The defaults table (docs/patterns.md has it too). Columns: TokenType, KeyType, requester
/// entropy, then the outcome for a UsernameToken (confidential channel), a PasswordDigest
/// UsernameToken (confidential channel), an X.509 signature, a security context's key and a
/// random key's HMAC signature. `-` is "not in the request".
const TABLE: &str = "
-        -          none   | sct/secret               | sct/secret               | sct/ek                   | sct/secret               | sct/secret
-        -          client | sct/computed             | sct/computed             | sct/computed             | sct/computed             | sct/computed
-        Symmetric  none   | sct/secret               | sct/secret               | sct/ek                   | sct/secret               | sct/secret
-        Symmetric  client | sct/computed             | sct/computed             | sct/computed             | sct/computed             | sct/computed
-        PublicKey  none   | fault:wst:InvalidRequest | fault:wst:InvalidRequest | saml20/none              | fault:wst:InvalidRequest | fault:wst:InvalidRequest
-        PublicKey  client | fault:wst:InvalidRequest | fault:wst:InvalidRequest | saml20/none              | fault:wst:InvalidRequest | fault:wst:InvalidRequest
-        Bearer     none   | saml20/none              | saml20/none              | saml20/none              | saml20/none              | saml20/none
-        Bearer     client | saml20/none              | saml20/none              | saml20/none              | saml20/none              | saml20/none
SCT      -          none   | sct/secret               | sct/secret               | sct/ek                   | sct/secret               | sct/secret
SCT      -          client | sct/computed             | sct/computed             | sct/computed             | sct/computed             | sct/computed
SCT      Symmetric  none   | sct/secret               | sct/secret               | sct/ek                   | sct/secret               | sct/secret
SCT      Symmetric  client | sct/computed             | sct/computed             | sct/computed             | sct/computed             | sct/computed
SCT      PublicKey  none   | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SCT      PublicKey  client | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SCT      Bearer     none   | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SCT      Bearer     client | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SAML1.1  -          none   | saml11/secret            | saml11/secret            | saml11/ek                | saml11/secret            | saml11/secret
SAML1.1  -          client | saml11/computed          | saml11/computed          | saml11/computed          | saml11/computed          | saml11/computed
SAML1.1  Symmetric  none   | saml11/secret            | saml11/secret            | saml11/ek                | saml11/secret            | saml11/secret
SAML1.1  Symmetric  client | saml11/computed          | saml11/computed          | saml11/computed          | saml11/computed          | saml11/computed
SAML1.1  PublicKey  none   | fault:wst:InvalidRequest | fault:wst:InvalidRequest | saml11/none              | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SAML1.1  PublicKey  client | fault:wst:InvalidRequest | fault:wst:InvalidRequest | saml11/none              | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SAML1.1  Bearer     none   | saml11/none              | saml11/none              | saml11/none              | saml11/none              | saml11/none
SAML1.1  Bearer     client | saml11/none              | saml11/none              | saml11/none              | saml11/none              | saml11/none
SAML2.0  -          none   | saml20/secret            | saml20/secret            | saml20/ek                | saml20/secret            | saml20/secret
SAML2.0  -          client | saml20/computed          | saml20/computed          | saml20/computed          | saml20/computed          | saml20/computed
SAML2.0  Symmetric  none   | saml20/secret            | saml20/secret            | saml20/ek                | saml20/secret            | saml20/secret
SAML2.0  Symmetric  client | saml20/computed          | saml20/computed          | saml20/computed          | saml20/computed          | saml20/computed
SAML2.0  PublicKey  none   | fault:wst:InvalidRequest | fault:wst:InvalidRequest | saml20/none              | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SAML2.0  PublicKey  client | fault:wst:InvalidRequest | fault:wst:InvalidRequest | saml20/none              | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SAML2.0  Bearer     none   | saml20/none              | saml20/none              | saml20/none              | saml20/none              | saml20/none
SAML2.0  Bearer     client | saml20/none              | saml20/none              | saml20/none              | saml20/none              | saml20/none
JWT      -          none   | jwt/secret               | jwt/secret               | jwt/ek                   | jwt/secret               | jwt/secret
JWT      -          client | jwt/computed             | jwt/computed             | jwt/computed             | jwt/computed             | jwt/computed
JWT      Symmetric  none   | jwt/secret               | jwt/secret               | jwt/ek                   | jwt/secret               | jwt/secret
JWT      Symmetric  client | jwt/computed             | jwt/computed             | jwt/computed             | jwt/computed             | jwt/computed
JWT      PublicKey  none   | fault:wst:InvalidRequest | fault:wst:InvalidRequest | jwt/none                 | fault:wst:InvalidRequest | fault:wst:InvalidRequest
JWT      PublicKey  client | fault:wst:InvalidRequest | fault:wst:InvalidRequest | jwt/none                 | fault:wst:InvalidRequest | fault:wst:InvalidRequest
JWT      Bearer     none   | jwt/none                 | jwt/none                 | jwt/none                 | jwt/none                 | jwt/none
JWT      Bearer     client | jwt/none                 | jwt/none                 | jwt/none                 | jwt/none                 | jwt/none
";

fn lookup<'a>(table: &[(&str, Option<&'a str>)], name: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no column value {name}"))
        .1
}

#[test]
fn every_combination() {
    let sts = defaults_sts();
    let ctx = issue_to_client(&sts, "", NOW);
    let mut rows = 0;
    for line in TABLE.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let key: Vec<&str> = cols[0].split_whitespace().collect();
        let (tt, kt) = (lookup(&TT, key[0]), lookup(&KT, key[1]));
        let body = body(tt, kt, key[2] == "client");
        for soap in [SoapVersion::V11, SoapVersion::V12] {
            assert_eq!(cols.len(), 1 + AUTHS.len(), "{line}");
            for (auth, want) in AUTHS.into_iter().zip(&cols[1..]) {
                let got = run(&sts, &ctx, soap, auth, &body);
                assert_eq!(got.replace(' ', ":"), *want, "{line} ({soap:?}, {auth:?})");
            }
        }
        rows += 1;
    }
    assert_eq!(
        rows,
        TT.len() * KT.len() * 2,
        "every combination is in the table"
    );
}

/// An issue request of `tt`/`kt` to `sts` by the client's certificate.
fn by_cert(sts: &Sts, inner: &str) -> String {
    let body = rst("Issue", inner);
    outcome(&send_at(
        sts,
        &envelope(&body, &By::Client, NOW),
        false,
        NOW,
    ))
    .replace(' ', ":")
}

fn kt(k: &str) -> String {
    format!("<wst:KeyType>{T13}/{k}</wst:KeyType>")
}

#[test]
fn a_realm_chooses_its_own_default_when_it_fits_the_key_type() {
    // A realm that answers SAML 1.1 by default (as AD FS does).
    let mut r = realm(false);
    r.default_token_type = Some(wstrust::trust::TokenType::Saml11);
    let sts = sts_with(vec![r]);
    let at = applies_to(RP);
    assert_eq!(by_cert(&sts, &at), "saml11/ek");
    assert_eq!(
        by_cert(&sts, &format!("{at}{}", kt("Bearer"))),
        "saml11/none"
    );
    // A realm defaulting to an SCT still answers Bearer with SAML 2.0 (an SCT has a key).
    let mut r = realm(false);
    r.default_token_type = Some(wstrust::trust::TokenType::Sct13);
    let sts = sts_with(vec![r]);
    assert_eq!(by_cert(&sts, &at), "sct/ek");
    assert_eq!(
        by_cert(&sts, &format!("{at}{}", kt("Bearer"))),
        "saml20/none"
    );
    // A realm issuing SAML 1.1 only: that is the default for every key type; an SCT named
    // outright is refused.
    let mut r = realm(false);
    r.token_types = wstrust::engine::tokens::TokenTypes::saml11_only();
    let sts = sts_with(vec![r]);
    assert_eq!(by_cert(&sts, &at), "saml11/ek");
    assert_eq!(
        by_cert(&sts, &format!("{at}{}", kt("Bearer"))),
        "saml11/none"
    );
    assert_eq!(
        by_cert(&sts, &format!("{at}<wst:TokenType>{SCT13}</wst:TokenType>")),
        "fault:wst:InvalidRequest"
    );
    // A realm that does not list `jwt` (the default) refuses a JWT, whatever the key type;
    // one that does answers only a request naming it with a JWT.
    let sts = sts_with(vec![realm(false)]);
    for k in ["Bearer", "SymmetricKey", "PublicKey"] {
        assert_eq!(
            by_cert(
                &sts,
                &format!("{at}{}<wst:TokenType>{JWT}</wst:TokenType>", kt(k))
            ),
            "fault:wst:InvalidRequest"
        );
    }
    let mut r = realm(false);
    r.token_types = r.token_types.with("jwt");
    let sts = sts_with(vec![r]);
    assert_eq!(
        by_cert(&sts, &format!("{at}{}", kt("Bearer"))),
        "saml20/none"
    );
    // A realm defaulting to JWT answers a request naming no token type with one.
    let mut r = realm(false);
    r.token_types = wstrust::engine::tokens::TokenTypes::only(["jwt"]);
    r.default_token_type = Some(wstrust::trust::TokenType::Jwt);
    let sts = sts_with(vec![r]);
    assert_eq!(by_cert(&sts, &format!("{at}{}", kt("Bearer"))), "jwt/none");
    assert_eq!(by_cert(&sts, &at), "jwt/ek");
    // A realm issuing SCTs only has nothing for Bearer.
    let mut r = realm(false);
    r.token_types = wstrust::engine::tokens::TokenTypes::sct_only();
    let sts = sts_with(vec![r]);
    assert_eq!(
        by_cert(&sts, &format!("{at}{}", kt("Bearer"))),
        "fault:wst:InvalidRequest"
    );
}

#[test]
fn a_security_context_without_applies_to_is_for_the_sts_itself() {
    // WS-SecureConversation bootstrap: RST/SCT with no AppliesTo and no default realm.
    let sts = sts(false);
    let tt = format!("<wst:TokenType>{SCT13}</wst:TokenType>");
    for inner in [tt.as_str(), ""] {
        let x = send_at(
            &sts,
            &envelope(&rst("Issue", inner), &By::Client, NOW),
            false,
            NOW,
        );
        let doc = x.ok();
        let sct = find(doc, ns::WSC13, "SecurityContextToken").expect("an SCT");
        let audience = doc
            .descendants_or_self(sct)
            .find(|n| doc.name(*n).local == "Audience")
            .map(|n| doc.text(n).into_owned());
        assert_eq!(
            audience.as_deref(),
            Some(wstrust::engine::config::STS_REALM),
            "scoped to the STS"
        );
        // The context then signs a request for a token for the service, and validates.
        let ctx = ctx_from(doc, client_proof(doc));
        let x = send_at(
            &sts,
            &envelope(
                &issue_body(""),
                &By::Context {
                    ctx: &ctx,
                    derived: true,
                },
                NOW,
            ),
            true,
            NOW,
        );
        assert!(find(x.ok(), ns::WSC13, "SecurityContextToken").is_some());
        let v = rst(
            "Validate",
            &format!(
                "<wst:TokenType>{T13}/RSTR/Status</wst:TokenType><wst:ValidateTarget>{}</wst:ValidateTarget>",
                by_identifier(&ctx.identifier)
            ),
        );
        let x = send_at(&sts, &envelope(&v, &By::Client, NOW), false, NOW);
        let doc = x.ok();
        let code = doc.text(find(doc, T13, "Code").unwrap()).into_owned();
        assert_eq!(code, format!("{T13}/status/valid"));
    }
    // Anything but a security context needs a scope.
    for inner in [
        kt("Bearer"),
        "<wst:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</wst:TokenType>".into(),
    ] {
        assert_eq!(by_cert(&sts, &inner), "fault:wst:InvalidScope", "{inner}");
    }
}
