//! What a request gets when it leaves things out (issue 17): every combination of
//! `wst:TokenType` {absent, SCT, SAML 1.1, SAML 2.0, JWT} × `wst:KeyType` {absent, Symmetric,
//! PublicKey, Bearer} × requester entropy {none, client} × authentication {password over a
//! confidential channel, X.509 signature, a security context's key} × SOAP {1.1, 1.2}, to a
//! realm that also issues JWTs (`token_types` with `jwt`), against one table of expected tokens, proof tokens and faults. docs/patterns.md carries the
//! same table for users.

use wstrust::soap::SoapVersion;
use wstrust::xml::ns;

use crate::engine_support::*;

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
    X509,
    Context,
}

/// What came back: `token/proof` (`sct`, `saml11`, `saml20`, `jwt`; `ek` an EncryptedKey for the
/// requester's certificate, `secret` a BinarySecret, `computed` CK/PSHA1, `none`), or
/// `fault CODE`.
fn outcome(x: &Exchange) -> String {
    if x.status != 200 {
        return format!("fault {}", x.fault());
    }
    let doc = &x.doc;
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
    };
    outcome(&send_in(sts, soap, &xml, confidential, NOW))
}

/// The defaults table (docs/patterns.md has it too). Columns: TokenType, KeyType, requester
/// entropy, then the outcome for a UsernameToken (confidential channel), an X.509 signature
/// and a security context's key. `-` is "not in the request".
const TABLE: &str = "
-        -          none    | sct/secret      | sct/ek           | sct/secret
-        -          client  | sct/computed    | sct/computed     | sct/computed
-        Symmetric  none    | sct/secret      | sct/ek           | sct/secret
-        Symmetric  client  | sct/computed    | sct/computed     | sct/computed
-        PublicKey  none    | fault:wst:InvalidRequest | saml20/none | fault:wst:InvalidRequest
-        PublicKey  client  | fault:wst:InvalidRequest | saml20/none | fault:wst:InvalidRequest
-        Bearer     none    | saml20/none     | saml20/none      | saml20/none
-        Bearer     client  | saml20/none     | saml20/none      | saml20/none
SCT      -          none    | sct/secret      | sct/ek           | sct/secret
SCT      -          client  | sct/computed    | sct/computed     | sct/computed
SCT      Symmetric  none    | sct/secret      | sct/ek           | sct/secret
SCT      Symmetric  client  | sct/computed    | sct/computed     | sct/computed
SCT      PublicKey  none    | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SCT      PublicKey  client  | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SCT      Bearer     none    | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SCT      Bearer     client  | fault:wst:InvalidRequest | fault:wst:InvalidRequest | fault:wst:InvalidRequest
SAML1.1  -          none    | saml11/secret   | saml11/ek        | saml11/secret
SAML1.1  -          client  | saml11/computed | saml11/computed  | saml11/computed
SAML1.1  Symmetric  none    | saml11/secret   | saml11/ek        | saml11/secret
SAML1.1  Symmetric  client  | saml11/computed | saml11/computed  | saml11/computed
SAML1.1  PublicKey  none    | fault:wst:InvalidRequest | saml11/none | fault:wst:InvalidRequest
SAML1.1  PublicKey  client  | fault:wst:InvalidRequest | saml11/none | fault:wst:InvalidRequest
SAML1.1  Bearer     none    | saml11/none     | saml11/none      | saml11/none
SAML1.1  Bearer     client  | saml11/none     | saml11/none      | saml11/none
SAML2.0  -          none    | saml20/secret   | saml20/ek        | saml20/secret
SAML2.0  -          client  | saml20/computed | saml20/computed  | saml20/computed
SAML2.0  Symmetric  none    | saml20/secret   | saml20/ek        | saml20/secret
SAML2.0  Symmetric  client  | saml20/computed | saml20/computed  | saml20/computed
SAML2.0  PublicKey  none    | fault:wst:InvalidRequest | saml20/none | fault:wst:InvalidRequest
SAML2.0  PublicKey  client  | fault:wst:InvalidRequest | saml20/none | fault:wst:InvalidRequest
SAML2.0  Bearer     none    | saml20/none     | saml20/none      | saml20/none
SAML2.0  Bearer     client  | saml20/none     | saml20/none      | saml20/none
JWT      -          none    | jwt/secret      | jwt/ek           | jwt/secret
JWT      -          client  | jwt/computed    | jwt/computed     | jwt/computed
JWT      Symmetric  none    | jwt/secret      | jwt/ek           | jwt/secret
JWT      Symmetric  client  | jwt/computed    | jwt/computed     | jwt/computed
JWT      PublicKey  none    | fault:wst:InvalidRequest | jwt/none | fault:wst:InvalidRequest
JWT      PublicKey  client  | fault:wst:InvalidRequest | jwt/none | fault:wst:InvalidRequest
JWT      Bearer     none    | jwt/none        | jwt/none         | jwt/none
JWT      Bearer     client  | jwt/none        | jwt/none         | jwt/none
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
    let mut r = realm(false);
    r.token_types = r.token_types.with("jwt");
    let sts = sts_with(vec![r]);
    let ctx = issue_to_client(&sts, "", NOW);
    let mut rows = 0;
    for line in TABLE.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let key: Vec<&str> = cols[0].split_whitespace().collect();
        let (tt, kt) = (lookup(&TT, key[0]), lookup(&KT, key[1]));
        let body = body(tt, kt, key[2] == "client");
        for soap in [SoapVersion::V11, SoapVersion::V12] {
            for (auth, want) in [Auth::Password, Auth::X509, Auth::Context]
                .into_iter()
                .zip(&cols[1..])
            {
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
