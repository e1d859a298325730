//! The STS issues SAML 1.1 and 2.0 assertions (issue #7): requests built with our own WS-Trust
//! model and WS-Security outbound code, and recorded client requests (MSAL, ADAL, zeep), go to
//! the engine; the service validates the assertion with only its own key and the STS
//! certificate; the requester's proof key equals the key inside the assertion; xmlsec1 verifies
//! the assertion and the response envelope.

use std::collections::HashMap;
use std::sync::Arc;

use wstrust::crypto::{psha1, DigestAlgorithm, RsaPrivateKey, SignatureAlgorithm};
use wstrust::engine::config::{AppliesToMatch, EngineConfig, Realm};
use wstrust::engine::request::Incoming;
use wstrust::engine::sealed::TokenKeys;
use wstrust::engine::users::{hash_password, Argon2Params, PasswordRecord, UserStore};
use wstrust::engine::{Engine, RequestOptions, TokenTypes, Transport};
use wstrust::pki::Certificate;
use wstrust::saml::{
    self, Claim, Confirmation, PublicKeyInfo, SamlVersion, ServiceKey, TrustedIssuer,
    ValidatedAssertion, ValidationPolicy,
};
use wstrust::soap::{Envelope, SoapVersion};
use wstrust::trust::{
    AppliesTo, BinarySecret, Claims, Entropy, Fragment, KeyType, RequestSecurityToken, RequestType,
    ToXml, TokenType, TrustVersion, UseKey,
};
use wstrust::wss::{
    self, Environment, FixedClock, InboundConfig, Protection, Signer, SignerKeyInfo,
};
use wstrust::xml::{ns, Document, NodeId, Writer};
use wstrust::xmlsec::{
    base64_decode, base64_encode, decrypt_key, EncryptedKey, KeyEncryptionKey, Policy,
    SignatureMethod, SigningKey,
};

use crate::support::{fixture, fixture_text, require_tool, shared};
use crate::wss_support::{MemoryReplay, TestKeys};

const ISSUER: &str = "https://sts.example.com/sts";
const RP: &str = "https://rp.example.com/service";
const MSOL: &str = "urn:federation:MicrosoftOnline";
const SCT_ONLY: &str = "https://sct-only.example.com/";
const ENCRYPTED: &str = "https://encrypted.example.com/";
const NOW: i64 = 1_795_428_720_000; // 2026-11-23T10:12:00Z
const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
const GIVEN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
const ROLE: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
/// The password MSAL and ADAL were recorded with (see the fixtures' UsernameToken).
const MSAL_PASSWORD: &str = "P@ss<&>'\"word";

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&fixture_text(&format!("clients/pki/{name}.pem"))).unwrap()
}

fn key(name: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pem(&fixture_text(&format!("clients/pki/{name}.key"))).unwrap()
}

fn engine() -> Engine {
    let realm = |name: &str, m: AppliesToMatch| Realm::new(name, m, cert("rp"));
    let mut sct_only = realm("sct-only", AppliesToMatch::Exact(SCT_ONLY.into()));
    sct_only.token_types = TokenTypes::sct_only();
    let mut encrypted = realm("encrypted", AppliesToMatch::Exact(ENCRYPTED.into()));
    encrypted.encrypt_assertion = true;
    let realms = vec![
        realm(
            "rp",
            AppliesToMatch::Prefix("https://rp.example.com/".into()),
        ),
        realm("msol", AppliesToMatch::Exact(MSOL.into())),
        sct_only,
        encrypted,
    ];
    let params = Argon2Params {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };
    let record = |p: &str| PasswordRecord::Argon2(hash_password(p.as_bytes(), &params).unwrap());
    let users = UserStore::new(
        [
            ("alice".to_owned(), record("secret")),
            ("alice@example.com".to_owned(), record(MSAL_PASSWORD)),
        ],
        &params,
    )
    .unwrap();
    let mut cfg = EngineConfig::new(
        ISSUER,
        key("sts"),
        cert("sts"),
        TokenKeys::generate().unwrap(),
        realms,
        users,
    );
    let pki = TestKeys::recorded_pki();
    cfg.client_trust = pki.trust;
    cfg.known_certs = pki.certs;
    let claims = vec![
        Claim::new(EMAIL, ["alice@example.com"]),
        Claim::new(ROLE, ["reader", "writer"]),
    ];
    cfg.user_claims = HashMap::from([
        ("alice".to_owned(), claims.clone()),
        (
            "alice@example.com".to_owned(),
            vec![Claim::new(UPN, ["alice@example.com"])],
        ),
        (cert("client").subject().to_owned(), claims),
    ]);
    Engine::new(cfg, Arc::new(crate::support::store_at(NOW)))
}

/// How a built request authenticates.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Auth {
    /// A PasswordText UsernameToken `alice` / `secret`, over a confidential channel.
    Password,
    /// An X.509 signature by the client certificate (as a BinarySecurityToken) over the Body.
    X509,
}

/// The RST parameters a test varies.
#[derive(Clone, Default)]
struct Ask {
    version: Option<TrustVersion>,
    token_type: Option<&'static str>,
    key_type: Option<KeyType>,
    applies_to: Option<&'static str>,
    use_key: Option<String>,
    use_key_sig: Option<&'static str>,
    claims: Option<(&'static str, String)>,
    entropy: Option<Vec<u8>>,
}

fn rst(ask: &Ask) -> String {
    let mut r = RequestSecurityToken::new(ask.version.unwrap_or(TrustVersion::V13));
    r.context = Some("urn:uuid:ctx-saml".into());
    let p = &mut r.params;
    p.request_type = Some(RequestType::Issue);
    p.token_type = ask.token_type.map(TokenType::from_uri);
    p.applies_to = Some(AppliesTo::address(ask.applies_to.unwrap_or(RP)));
    p.key_type = ask.key_type.clone();
    p.use_key = ask.use_key.as_ref().map(|x| UseKey {
        sig: ask.use_key_sig.map(str::to_owned),
        content: Fragment::parse(x).unwrap(),
    });
    p.claims = ask.claims.as_ref().map(|(d, x)| Claims {
        dialect: Some((*d).to_owned()),
        content: Fragment::parse(x).unwrap(),
    });
    p.entropy = ask
        .entropy
        .as_ref()
        .map(|e| Entropy::BinarySecret(BinarySecret::new(None, e.clone())));
    r.to_xml().unwrap()
}

/// A request envelope built with our outbound WS-Security code.
fn request(soap: SoapVersion, auth: Auth, ask: &Ask) -> String {
    let body_xml = rst(ask);
    let body_doc = Document::parse(body_xml.as_bytes()).unwrap();
    let body = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let headers = |w: &mut Writer| {
        w.start(ns::WSA, "Action")
            .text("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue")
            .end();
    };
    let client_key = key("client");
    let client = cert("client");
    let p = match auth {
        Auth::Password => Protection::default(),
        Auth::X509 => Protection {
            signer: Some(Signer {
                key: SigningKey::Rsa(&client_key),
                method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                digest: DigestAlgorithm::Sha256,
                key_info: SignerKeyInfo::BinarySecurityToken(&client),
            }),
            ..Protection::default()
        },
    };
    let mut xml = wss::secure_envelope(soap, NOW, &headers, &body, &p)
        .unwrap()
        .xml;
    if auth == Auth::Password {
        // Our outbound code writes no UsernameToken (a requester-only item): add one.
        let close = xml.find(":Security>").unwrap();
        let at = xml[..close].rfind("</").unwrap();
        xml.insert_str(
            at,
            &format!(
                "<wsse:UsernameToken xmlns:wsse=\"{}\"><wsse:Username>alice</wsse:Username>\
                 <wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">secret</wsse:Password>\
                 </wsse:UsernameToken>",
                ns::WSSE
            ),
        );
    }
    xml
}

struct Exchange {
    response: Document,
    status: u16,
    log: Option<String>,
    now: i64,
    soap: SoapVersion,
}

fn post(
    e: &Engine,
    body: &[u8],
    soap: SoapVersion,
    content_type: &str,
    soap_action: Option<&str>,
    now: i64,
    opts: &RequestOptions,
) -> Exchange {
    let r = e.handle_with(
        Incoming {
            body,
            content_type: Some(content_type),
            soap_action,
        },
        Transport {
            confidential: true,
            peer: None,
        },
        &FixedClock(now),
        opts,
    );
    Exchange {
        response: Document::parse(r.body.as_bytes())
            .unwrap_or_else(|err| panic!("{err}: {}", r.body)),
        status: r.status,
        log: r.log,
        now,
        soap,
    }
}

fn send(e: &Engine, soap: SoapVersion, auth: Auth, ask: &Ask) -> Exchange {
    let xml = request(soap, auth, ask);
    let ct = match soap {
        SoapVersion::V11 => "text/xml; charset=utf-8",
        SoapVersion::V12 => "application/soap+xml; charset=utf-8",
    };
    post(
        e,
        xml.as_bytes(),
        soap,
        ct,
        None,
        NOW + 1000,
        &RequestOptions::default(),
    )
}

fn find(doc: &Document, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
}

fn trust_ns(x: &Exchange) -> &'static str {
    if find(&x.response, ns::WST_2005, "RequestSecurityTokenResponse").is_some() {
        ns::WST_2005
    } else {
        ns::WST13
    }
}

fn rstr(x: &Exchange) -> NodeId {
    find(&x.response, trust_ns(x), "RequestSecurityTokenResponse")
        .unwrap_or_else(|| panic!("no RSTR: {:?}\n{}", x.log, x.response.source()))
}

fn rstr_child(x: &Exchange, local: &str) -> Option<NodeId> {
    x.response.child(rstr(x), trust_ns(x), local)
}

fn fault_subcode(x: &Exchange) -> String {
    let env = Envelope::read(&x.response, None).unwrap();
    let fault = env.body_element().unwrap();
    x.response
        .descendants_or_self(fault)
        .filter(|n| {
            x.response.name(*n).local == "Value" || x.response.name(*n).local == "faultcode"
        })
        .map(|n| x.response.text(n).into_owned())
        .last()
        .unwrap()
}

/// The requester's first check: the response envelope is signed by the STS.
fn signed_by_sts(x: &Exchange) {
    let keys = TestKeys::recorded_pki();
    let clock = FixedClock(x.now + 1000);
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let msg = wss::process(
        Document::parse(x.response.source().as_bytes()).unwrap(),
        x.soap,
        &InboundConfig::default(),
        env,
    )
    .unwrap();
    let body = msg.envelope().unwrap().body();
    assert!(
        matches!(&msg.signature_over(body).unwrap().token(), wss::SigningToken::X509(c) if c.subject().contains("sts")),
        "response body signed by the sts"
    );
}

/// The token element inside `RequestedSecurityToken`, cut out of the response as raw text
/// (what ADAL and MSAL do).
fn token_text(x: &Exchange) -> String {
    let holder = rstr_child(x, "RequestedSecurityToken").expect("RequestedSecurityToken");
    let token = x.response.child_elements(holder).next().unwrap();
    x.response.source()[x.response.span(token)].to_owned()
}

/// What the service does: validate the assertion with only its key and the STS certificate.
fn service_validates(xml: &str, audience: &str, now: i64) -> ValidatedAssertion {
    let trusted = [TrustedIssuer::named(cert("sts"), ISSUER)];
    let rp = cert("rp");
    let rp_key = key("rp");
    let mut policy = ValidationPolicy::new(&trusted, [audience], now);
    policy.service = Some(ServiceKey {
        certificate: &rp,
        key: &rp_key,
    });
    saml::validate_xml(xml.as_bytes(), &policy)
        .unwrap_or_else(|e| panic!("service refused the assertion: {e}\n{xml}"))
}

/// The requester's copy of the proof key: a BinarySecret, or an EncryptedKey for its
/// certificate, or computed from both entropies.
fn requester_key(x: &Exchange, requester_entropy: Option<&[u8]>) -> Vec<u8> {
    let doc = &x.response;
    let tns = trust_ns(x);
    let proof = rstr_child(x, "RequestedProofToken").expect("a proof token");
    let client = key("client");
    if let Some(bs) = doc.child(proof, tns, "BinarySecret") {
        return base64_decode(&doc.text(bs)).unwrap();
    }
    if let Some(ek) = doc.child(proof, ns::XENC, "EncryptedKey") {
        let ek = EncryptedKey::read(doc, ek).unwrap();
        return decrypt_key(&ek, KeyEncryptionKey::Rsa(&client), &Policy::default())
            .unwrap()
            .expose()
            .to_vec();
    }
    let ck = doc.child(proof, tns, "ComputedKey").expect("ComputedKey");
    assert!(doc.text(ck).ends_with("/CK/PSHA1"));
    let entropy = rstr_child(x, "Entropy").expect("server entropy");
    let server = match doc.child(entropy, tns, "BinarySecret") {
        Some(bs) => base64_decode(&doc.text(bs)).unwrap(),
        None => {
            let ek = EncryptedKey::read(doc, doc.child(entropy, ns::XENC, "EncryptedKey").unwrap())
                .unwrap();
            decrypt_key(&ek, KeyEncryptionKey::Rsa(&client), &Policy::default())
                .unwrap()
                .expose()
                .to_vec()
        }
    };
    psha1(requester_entropy.unwrap(), &server, 32)
        .unwrap()
        .expose()
        .to_vec()
}

/// Checks the shape every SAML response shares and returns what the service validated.
fn check_saml_response(x: &Exchange, token_type: &str, audience: &str) -> ValidatedAssertion {
    assert_eq!(x.status, 200, "{:?}\n{}", x.log, x.response.source());
    signed_by_sts(x);
    let doc = &x.response;
    let tns = trust_ns(x);
    if tns == ns::WST13 {
        let c = find(doc, tns, "RequestSecurityTokenResponseCollection").expect("RSTRC");
        assert_eq!(doc.child_elements(c).count(), 1);
    } else {
        assert!(find(doc, tns, "RequestSecurityTokenResponseCollection").is_none());
    }
    let tt = rstr_child(x, "TokenType").unwrap();
    assert_eq!(doc.text(tt), token_type, "token type echoed exactly");
    let token = token_text(x);
    let v = service_validates(&token, audience, x.now);
    assert_eq!(v.issuer, ISSUER);
    assert_eq!(v.audiences, [audience]);
    assert_eq!(
        v.version,
        if TokenType::from_uri(token_type).is_saml11() {
            SamlVersion::V11
        } else {
            SamlVersion::V20
        }
    );
    // Lifetime: one hour from now, as the realm says.
    assert_eq!(v.not_on_or_after_ms - v.issue_instant_ms, 3_600_000);
    assert!((v.issue_instant_ms - x.now).abs() < 1000);
    // Attached and unattached references name the assertion by key identifier.
    for local in ["RequestedAttachedReference", "RequestedUnattachedReference"] {
        let r = rstr_child(x, local).unwrap();
        let ki = find_under(doc, r, ns::WSSE, "KeyIdentifier").unwrap();
        assert_eq!(doc.text(ki), v.id);
        assert_eq!(
            doc.attribute(ki, "", "ValueType"),
            Some(v.version.key_identifier_value_type())
        );
    }
    assert!(rstr_child(x, "Lifetime").is_some());
    v
}

fn find_under(doc: &Document, under: NodeId, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(under)
        .find(|n| doc.is(*n, ns_, local))
}

const TOKEN_TYPES: [&str; 4] = [
    "urn:oasis:names:tc:SAML:2.0:assertion",
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
    "urn:oasis:names:tc:SAML:1.0:assertion",
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
];

fn claim<'a>(v: &'a ValidatedAssertion, uri: &str) -> Option<&'a Claim> {
    v.claims.iter().find(|c| c.uri == uri)
}

#[test]
fn bearer_assertions_for_password_and_x509_requesters() {
    let e = engine();
    for tt in TOKEN_TYPES {
        for (soap, auth) in [
            (SoapVersion::V11, Auth::Password),
            (SoapVersion::V12, Auth::X509),
        ] {
            let ask = Ask {
                token_type: Some(tt),
                key_type: Some(KeyType::Bearer),
                ..Ask::default()
            };
            let x = send(&e, soap, auth, &ask);
            let v = check_saml_response(&x, tt, RP);
            assert!(matches!(v.confirmation, Confirmation::Bearer), "{tt}");
            for absent in ["RequestedProofToken", "KeySize", "Entropy"] {
                assert!(rstr_child(&x, absent).is_none(), "{tt}: {absent}");
            }
            let kt = rstr_child(&x, "KeyType").unwrap();
            assert_eq!(
                x.response.text(kt),
                "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer"
            );
            // Subject and authentication method follow the requester.
            let authn = v.authn.as_ref().unwrap();
            match auth {
                Auth::Password => {
                    assert_eq!(v.subject.value, "alice");
                    assert!(matches!(
                        authn.method,
                        saml::AuthnMethod::Password | saml::AuthnMethod::PasswordProtectedTransport
                    ));
                }
                Auth::X509 => {
                    assert_eq!(v.subject.value, cert("client").subject());
                    assert_eq!(
                        v.subject.format.as_deref(),
                        Some(saml::uri::NAMEID_X509_SUBJECT)
                    );
                    assert_eq!(authn.method, saml::AuthnMethod::X509);
                }
            }
            // Without wst:Claims, every configured claim.
            assert_eq!(
                claim(&v, ROLE).unwrap().values,
                ["reader", "writer"],
                "{tt}"
            );
            assert!(claim(&v, EMAIL).is_some());
        }
    }
}

#[test]
fn symmetric_holder_of_key_shares_one_key_with_the_service() {
    let e = engine();
    for tt in [TOKEN_TYPES[0], TOKEN_TYPES[3]] {
        for (soap, auth, entropy) in [
            (SoapVersion::V11, Auth::Password, None),
            (SoapVersion::V12, Auth::X509, None),
            (SoapVersion::V12, Auth::Password, Some(vec![0x5a; 32])),
            (SoapVersion::V11, Auth::X509, Some(vec![0xa5; 32])),
        ] {
            let tag = format!("{tt} {soap} {auth:?} entropy={}", entropy.is_some());
            let ask = Ask {
                token_type: Some(tt),
                key_type: Some(KeyType::SymmetricKey),
                entropy: entropy.clone(),
                ..Ask::default()
            };
            let x = send(&e, soap, auth, &ask);
            let v = check_saml_response(&x, tt, RP);
            let Confirmation::HolderOfKeySymmetric { key: service } = &v.confirmation else {
                panic!("{tag}: {:?}", v.confirmation)
            };
            let requester = requester_key(&x, entropy.as_deref());
            assert_eq!(requester.len(), 32, "{tag}");
            assert_eq!(requester, service.expose(), "{tag}: one key");
            let ks = rstr_child(&x, "KeySize").unwrap();
            assert_eq!(x.response.text(ks), "256", "{tag}");
            // The password requester gets the key in the clear (confidential channel); the
            // X.509 requester only encrypted for its certificate.
            let proof = rstr_child(&x, "RequestedProofToken").unwrap();
            let clear = x.response.child(proof, ns::WST13, "BinarySecret").is_some();
            assert_eq!(clear, auth == Auth::Password && entropy.is_none(), "{tag}");
        }
    }
}

#[test]
fn symmetric_key_needs_a_confidential_channel_or_a_certificate() {
    let e = engine();
    let xml = request(
        SoapVersion::V11,
        Auth::Password,
        &Ask {
            token_type: Some(TOKEN_TYPES[0]),
            ..Ask::default()
        },
    );
    let r = e.handle(
        Incoming {
            body: xml.as_bytes(),
            content_type: Some("text/xml"),
            soap_action: None,
        },
        Transport {
            confidential: false,
            peer: None,
        },
        &FixedClock(NOW + 1000),
    );
    assert_eq!(r.status, 500, "{}", r.body);
}

fn client_cert_key_info() -> String {
    format!(
        "<ds:KeyInfo xmlns:ds=\"{}\"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
        ns::DS,
        base64_encode(cert("client").der())
    )
}

#[test]
fn public_key_holder_of_key_from_the_signature_or_use_key() {
    let e = engine();
    let client = cert("client");
    let rsa = client.public_key();
    let key_value = format!(
        "<ds:KeyValue xmlns:ds=\"{}\"><ds:RSAKeyValue><ds:Modulus>{}</ds:Modulus><ds:Exponent>{}</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>",
        ns::DS,
        base64_encode(rsa.modulus_be()),
        base64_encode(rsa.exponent_be())
    );
    let bst = format!(
        "<wsse:BinarySecurityToken xmlns:wsse=\"{}\" ValueType=\"{}\">{}</wsse:BinarySecurityToken>",
        ns::WSSE,
        wss::value_type::X509V3,
        base64_encode(client.der())
    );
    for tt in [TOKEN_TYPES[1], TOKEN_TYPES[2]] {
        for (auth, use_key, expect_cert) in [
            (Auth::X509, None, true),
            (Auth::Password, Some(client_cert_key_info()), true),
            (Auth::Password, Some(bst.clone()), true),
            (Auth::Password, Some(key_value.clone()), false),
        ] {
            let ask = Ask {
                token_type: Some(tt),
                key_type: Some(KeyType::PublicKey),
                use_key: use_key.clone(),
                ..Ask::default()
            };
            let x = send(&e, SoapVersion::V12, auth, &ask);
            let v = check_saml_response(&x, tt, RP);
            match (&v.confirmation, expect_cert) {
                (Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(c)), true) => {
                    assert_eq!(c.der(), client.der(), "{tt} {auth:?}");
                }
                (Confirmation::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(k)), false) => {
                    assert_eq!(k.modulus_be(), rsa.modulus_be());
                }
                (other, _) => panic!("{tt} {auth:?}: {other:?}"),
            }
            for absent in ["RequestedProofToken", "KeySize"] {
                assert!(rstr_child(&x, absent).is_none(), "{tt}: {absent}");
            }
        }
        // Neither a UseKey nor an X.509 signature: refused.
        let x = send(
            &e,
            SoapVersion::V11,
            Auth::Password,
            &Ask {
                token_type: Some(tt),
                key_type: Some(KeyType::PublicKey),
                ..Ask::default()
            },
        );
        assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
        // A UseKey that is a reference, not a key: refused.
        let x = send(
            &e,
            SoapVersion::V11,
            Auth::Password,
            &Ask {
                token_type: Some(tt),
                key_type: Some(KeyType::PublicKey),
                use_key: Some(format!(
                    "<wsse:SecurityTokenReference xmlns:wsse=\"{}\"><wsse:Reference URI=\"#x\"/></wsse:SecurityTokenReference>",
                    ns::WSSE
                )),
                ..Ask::default()
            },
        );
        assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
    }
}

#[test]
fn requested_claims_required_and_optional() {
    let e = engine();
    let identity = |items: &[(&str, bool)]| {
        let mut s = String::new();
        for (u, optional) in items {
            s.push_str(&format!(
                "<ic:ClaimType xmlns:ic=\"{}\" Uri=\"{u}\" Optional=\"{optional}\"/>",
                ns::IDENTITY
            ));
        }
        (ns::IDENTITY, s)
    };
    for tt in [TOKEN_TYPES[0], TOKEN_TYPES[2]] {
        // Required email, optional role and given name (which alice does not have).
        let ask = Ask {
            token_type: Some(tt),
            key_type: Some(KeyType::Bearer),
            claims: Some(identity(&[(EMAIL, false), (ROLE, true), (GIVEN, true)])),
            ..Ask::default()
        };
        let x = send(&e, SoapVersion::V12, Auth::Password, &ask);
        let v = check_saml_response(&x, tt, RP);
        let uris: Vec<&str> = v.claims.iter().map(|c| c.uri.as_str()).collect();
        assert_eq!(uris, [EMAIL, ROLE], "{tt}");
        // Only the email, in our simple dialect.
        let ask = Ask {
            claims: Some((
                saml::uri::CLAIMS_DIALECT_SIMPLE,
                format!("{EMAIL} ?{GIVEN}"),
            )),
            ..ask
        };
        let x = send(&e, SoapVersion::V11, Auth::X509, &ask);
        let v = check_saml_response(&x, tt, RP);
        let uris: Vec<&str> = v.claims.iter().map(|c| c.uri.as_str()).collect();
        assert_eq!(uris, [EMAIL], "{tt}");
        // A required claim we cannot supply: a fault, and the log says which.
        let ask = Ask {
            claims: Some(identity(&[(EMAIL, false), (GIVEN, false)])),
            ..ask
        };
        let x = send(&e, SoapVersion::V12, Auth::Password, &ask);
        assert_eq!(x.status, 500);
        assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
        assert!(x.log.as_deref().unwrap().contains("givenname"));
        assert!(!x.response.source().contains("givenname"));
        // An unknown dialect: a fault.
        let ask = Ask {
            claims: Some(("urn:unknown:dialect", EMAIL.to_owned())),
            ..ask
        };
        let x = send(&e, SoapVersion::V12, Auth::Password, &ask);
        assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
    }
}

#[test]
fn realms_choose_the_token_types_they_issue() {
    let e = engine();
    for tt in TOKEN_TYPES {
        let ask = Ask {
            token_type: Some(tt),
            key_type: Some(KeyType::Bearer),
            applies_to: Some(SCT_ONLY),
            ..Ask::default()
        };
        let x = send(&e, SoapVersion::V12, Auth::X509, &ask);
        assert_eq!(x.status, 500);
        assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
        assert!(x.log.unwrap().contains("realm does not issue"));
    }
    // A token type we do not know.
    let x = send(
        &e,
        SoapVersion::V12,
        Auth::X509,
        &Ask {
            token_type: Some("urn:example:other-token"),
            ..Ask::default()
        },
    );
    assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
    // The SCT-only realm still issues security context tokens.
    let x = send(
        &e,
        SoapVersion::V12,
        Auth::X509,
        &Ask {
            applies_to: Some(SCT_ONLY),
            ..Ask::default()
        },
    );
    assert_eq!(x.status, 200, "{:?}", x.log);
    assert!(find(&x.response, ns::WSC13, "SecurityContextToken").is_some());
}

#[test]
fn encrypted_assertion_for_the_service() {
    let e = engine();
    for (tt, kt) in [
        (TOKEN_TYPES[0], KeyType::Bearer),
        (TOKEN_TYPES[1], KeyType::SymmetricKey),
    ] {
        let ask = Ask {
            token_type: Some(tt),
            key_type: Some(kt.clone()),
            applies_to: Some(ENCRYPTED),
            ..Ask::default()
        };
        let x = send(&e, SoapVersion::V12, Auth::X509, &ask);
        let token = token_text(&x);
        assert!(
            token.contains("EncryptedAssertion") && !token.contains("AttributeValue"),
            "{token}"
        );
        let v = check_saml_response(&x, tt, ENCRYPTED);
        assert!(v.encrypted);
        if kt == KeyType::SymmetricKey {
            let Confirmation::HolderOfKeySymmetric { key } = &v.confirmation else {
                panic!("{:?}", v.confirmation)
            };
            assert_eq!(requester_key(&x, None), key.expose());
        }
        // Without the service key it cannot be read.
        let trusted = [TrustedIssuer::named(cert("sts"), ISSUER)];
        let policy = ValidationPolicy::new(&trusted, [ENCRYPTED], x.now);
        assert!(saml::validate_xml(token.as_bytes(), &policy).is_err());
    }
    // SAML 1.1 has no encrypted form: refused rather than sent in the clear.
    let x = send(
        &e,
        SoapVersion::V12,
        Auth::X509,
        &Ask {
            token_type: Some(TOKEN_TYPES[2]),
            key_type: Some(KeyType::Bearer),
            applies_to: Some(ENCRYPTED),
            ..Ask::default()
        },
    );
    assert_eq!(fault_subcode(&x), "wst:InvalidRequest", "{:?}", x.log);
}

#[test]
fn february_2005_requests_get_a_single_rstr() {
    let e = engine();
    let ask = Ask {
        version: Some(TrustVersion::Feb2005),
        token_type: Some(TOKEN_TYPES[2]),
        key_type: Some(KeyType::Bearer),
        ..Ask::default()
    };
    let x = send(&e, SoapVersion::V12, Auth::X509, &ask);
    check_saml_response(&x, TOKEN_TYPES[2], RP);
    let kt = rstr_child(&x, "KeyType").unwrap();
    assert_eq!(
        x.response.text(kt),
        "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey"
    );
    let body = Envelope::read(&x.response, None)
        .unwrap()
        .body_element()
        .unwrap();
    assert!(x
        .response
        .is(body, ns::WST_2005, "RequestSecurityTokenResponse"));
}

/// Replays a recorded request at its Timestamp Created + 1 s, with its recorded headers.
fn replay(e: &Engine, name: &str, opts: &RequestOptions) -> Exchange {
    let body = fixture(&format!("clients/requests/{name}"));
    let doc = Document::parse(&body).unwrap();
    let created = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSU, "Created"))
        .map(|n| doc.text(n).into_owned())
        .unwrap();
    let now = wss::time::parse(&created).unwrap() + 1000;
    let headers = fixture_text(&format!(
        "clients/requests/{}",
        name.replace(".xml", ".headers.txt")
    ));
    let header = |h: &str| {
        headers.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case(h))
                .map(|(_, v)| v.trim().to_owned())
        })
    };
    let ct = header("content-type").unwrap();
    let soap = SoapVersion::from_content_type(&ct).unwrap();
    let action = header("soapaction");
    post(e, &body, soap, &ct, action.as_deref(), now, opts)
}

#[test]
fn msal_and_adal_get_what_ad_fs_answers() {
    let e = engine();
    let adfs = RequestOptions::new().with_default_token_type(TokenType::Saml11);
    for name in [
        "msal-issue-wst13.xml",
        "adal-issue-wst13.xml",
        "adal-node-issue-wst13.xml",
    ] {
        let x = replay(&e, name, &adfs);
        // As MSAL and ADAL read it: RSTRC > RSTR > TokenType, exactly.
        let v = check_saml_response(&x, "urn:oasis:names:tc:SAML:1.0:assertion", MSOL);
        let body = Envelope::read(&x.response, None)
            .unwrap()
            .body_element()
            .unwrap();
        assert!(x
            .response
            .is(body, ns::WST13, "RequestSecurityTokenResponseCollection"));
        assert_eq!(v.subject.value, "alice@example.com", "{name}");
        assert!(matches!(v.confirmation, Confirmation::Bearer));
        assert_eq!(claim(&v, UPN).unwrap().values, ["alice@example.com"]);
        assert!(rstr_child(&x, "RequestedProofToken").is_none());
        // The token text the client cuts out is a stand-alone document (every namespace
        // declared on the assertion).
        let token = token_text(&x);
        assert!(token.starts_with("<saml:Assertion"), "{name}: {token}");
        Document::parse(token.as_bytes()).unwrap();
        // The raw response text carries the TokenType with no white space around it.
        assert!(x
            .response
            .source()
            .contains(">urn:oasis:names:tc:SAML:1.0:assertion</"));
        // Without the AD FS default the same request (Bearer, no TokenType) gets the STS's
        // default for a bearer key: a SAML 2.0 assertion, named as the WSS SAML token
        // profile names it.
        let x = replay(&e, name, &RequestOptions::default());
        let rstr = rstr(&x);
        assert!(
            x.response.child(rstr, ns::SAML2, "Assertion").is_some()
                || find(&x.response, ns::SAML2, "Assertion").is_some(),
            "{name}: {:?}",
            x.log
        );
        assert!(x.response.source().contains(
            ">http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0</"
        ));
    }
}

#[test]
fn zeep_recorded_issue_requests_get_saml_2_assertions() {
    let e = engine();
    let saml2 = RequestOptions::new().with_default_token_type(TokenType::Saml20);
    for soap in ["soap11", "soap12"] {
        for case in ["bearer", "publickey", "symmetric"] {
            let name = format!("zeep-{soap}-username-issue-{case}.xml");
            // The recordings name no TokenType: the default applies and is echoed.
            assert!(!fixture_text(&format!("clients/requests/{name}")).contains("TokenType"));
            let x = replay(&e, &name, &saml2);
            let v = check_saml_response(&x, "urn:oasis:names:tc:SAML:2.0:assertion", RP);
            assert_eq!(v.subject.value, "alice", "{name}");
            match (case, &v.confirmation) {
                ("bearer", Confirmation::Bearer) => {}
                ("publickey", Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(c))) => {
                    assert_eq!(c.der(), cert("client").der());
                }
                ("symmetric", Confirmation::HolderOfKeySymmetric { key }) => {
                    assert_eq!(requester_key(&x, None), key.expose(), "{name}");
                }
                (_, other) => panic!("{name}: {other:?}"),
            }
            // The request's Context is echoed.
            let ctx = x.response.attribute(rstr(&x), "", "Context");
            assert!(ctx.is_some_and(|c| c.starts_with("urn:uuid:")), "{name}");
        }
    }
}

/// `xmlsec1 --verify` of `xml` with the STS certificate, registering the Id attributes given.
fn xmlsec1_verify(xml: &str, ids: &[(&str, &str)], node: Option<&str>) -> (bool, String) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let f = std::env::temp_dir().join(format!(
        "wstrust-engine-saml-{}-{}.xml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&f, xml).unwrap();
    let mut c = std::process::Command::new("xmlsec1");
    c.arg("--verify")
        .arg("--pubkey-cert-pem")
        .arg(shared().join("clients/pki/sts.pem"));
    for (attr, name) in ids {
        c.arg(format!("--id-attr:{attr}")).arg(name);
    }
    if let Some(n) = node {
        c.arg("--node-name").arg(n);
    }
    let o = c.arg(&f).output().unwrap();
    std::fs::remove_file(&f).ok();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn xmlsec1_verifies_the_issued_assertion_and_the_response() {
    if !require_tool("xmlsec1") {
        return;
    }
    let e = engine();
    for (tt, kt, auth) in [
        (TOKEN_TYPES[0], KeyType::SymmetricKey, Auth::X509),
        (TOKEN_TYPES[2], KeyType::Bearer, Auth::Password),
        (TOKEN_TYPES[3], KeyType::PublicKey, Auth::X509),
    ] {
        let x = send(
            &e,
            SoapVersion::V12,
            auth,
            &Ask {
                token_type: Some(tt),
                key_type: Some(kt),
                ..Ask::default()
            },
        );
        assert_eq!(x.status, 200, "{:?}", x.log);
        let token = token_text(&x);
        let (attr, node) = if TokenType::from_uri(tt).is_saml20() {
            ("ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        } else {
            (
                "AssertionID",
                "urn:oasis:names:tc:SAML:1.0:assertion:Assertion",
            )
        };
        let (ok, err) = xmlsec1_verify(&token, &[(attr, node)], None);
        assert!(ok, "{tt}: {err}\n{token}");
        let tampered = token.replace("reader", "admin");
        assert_ne!(tampered, token);
        assert!(!xmlsec1_verify(&tampered, &[(attr, node)], None).0, "{tt}");
        // The envelope: the STS signature in the security header (the first ds:Signature).
        let env = x.response.source();
        let ids = [
            ("Id", "Body"),
            ("Id", "Timestamp"),
            ("Id", "Action"),
            ("Id", "MessageID"),
            ("Id", "To"),
            ("Id", "RelatesTo"),
            ("Id", "SignatureConfirmation"),
        ];
        let (ok, err) = xmlsec1_verify(env, &ids, None);
        assert!(ok, "{tt} envelope: {err}\n{env}");
        for tampered in [
            env.replace("/RSTRC/IssueFinal", "/RSTRC/IssueFinaL"),
            env.replace("reader", "admin"),
        ] {
            assert_ne!(tampered, env);
            assert!(!xmlsec1_verify(&tampered, &ids, None).0, "{tt}");
        }
    }
}

#[test]
fn use_key_with_sig_must_name_the_requesters_signature_key() {
    let e = engine();
    let rp_key_info = format!(
        "<ds:KeyInfo xmlns:ds=\"{}\"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
        ns::DS,
        base64_encode(cert("rp").der())
    );
    let ask = |use_key: String| Ask {
        token_type: Some(TOKEN_TYPES[0]),
        key_type: Some(KeyType::PublicKey),
        use_key: Some(use_key),
        use_key_sig: Some("#sig"),
        ..Ask::default()
    };
    // The key of the X.509 signature: accepted.
    let x = send(
        &e,
        SoapVersion::V12,
        Auth::X509,
        &ask(client_cert_key_info()),
    );
    let v = check_saml_response(&x, TOKEN_TYPES[0], RP);
    assert!(matches!(
        v.confirmation,
        Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(_))
    ));
    // Another key, or no signature at all: refused as an authentication failure.
    for (auth, use_key) in [
        (Auth::X509, rp_key_info),
        (Auth::Password, client_cert_key_info()),
    ] {
        let x = send(&e, SoapVersion::V12, auth, &ask(use_key));
        assert_eq!(fault_subcode(&x), "wst:FailedAuthentication", "{:?}", x.log);
    }
    // Without Sig, a password requester may name its key (no proof of possession asked).
    let x = send(
        &e,
        SoapVersion::V12,
        Auth::Password,
        &Ask {
            use_key_sig: None,
            ..ask(client_cert_key_info())
        },
    );
    check_saml_response(&x, TOKEN_TYPES[0], RP);
}
