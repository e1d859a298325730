//! The 2024–26 signature-wrapping and parser-differential catalogue (issue 20, item 2), run
//! against the whole engine.
//!
//! Every case starts from a valid request (SOAP 1.2, Timestamp, the recorded client
//! certificate as a BinarySecurityToken, RSA-SHA256 over Body, Timestamp and `wsa:MessageID`;
//! an Issue for the stateful realm), changes it the way the published attack does, and must
//! be answered with one generic fault (byte for byte the fault every other failure of its
//! family gets), a precise reason in the log, and no state change: the token store holds the
//! same live entries as before, and the untouched original is accepted afterwards (a replay
//! entry left behind by the refused copy, which carries the same signature value, would make
//! the original a replay).
//!
//! Where an attack edits `SignedInfo`, the message is signed again with the client's key
//! (`resign`), so the refusal is for the reason the case names and not a broken signature.
//! SAML-only classes (signature inside `Advice`, comment-split `NameID`) run against
//! `saml::validate` at the end: the engine takes no SAML input.
//! `wss_hostile.rs`, `hostile_xml.rs` and `saml_hostile.rs` hold the layer-level versions.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256};
use rustls_pki_types::PrivatePkcs8KeyDer;
use wstrust::crypto::{
    digest, DigestAlgorithm, HmacAlgorithm, OaepParams, RsaPrivateKey, SignatureAlgorithm,
};
use wstrust::engine::request::Incoming;
use wstrust::engine::{Engine, Transport};
use wstrust::pki::Certificate;
use wstrust::saml::{self, NameId, SamlVersion};
use wstrust::soap::{self, Fault, FaultSubcode, SoapVersion};
use wstrust::store::{MemoryStore, Space, StoreError, TokenStore};
use wstrust::wss::{self, value_type as vt, FixedClock, Protection, Signer, SignerKeyInfo};
use wstrust::xml::{canonicalize, ns, C14nOptions, Document, Writer};
use wstrust::xmlsec::{base64_encode, write_encrypted_key, SignatureMethod, SigningKey};

use crate::engine_support::{cert, issue_body, key, realm, NOW};
use crate::wss_support::{recorded_sts_config, secret_users};

/// base64 SHA-256 of the empty octet string: the digest of an empty node-set.
const EMPTY_DIGEST: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
const ADDRESS: &str = "https://rp.example.com/service";
/// What the attacker wants issued instead (inside the same realm, so it would be issued).
const EVIL_ADDRESS: &str = "https://rp.example.com/admin";

// ---------------------------------------------------------------------------------------------
// A store that knows its live keys
// ---------------------------------------------------------------------------------------------

/// A memory store that records which keys it holds, so a test can compare before and after.
#[derive(Default)]
struct Recording {
    inner: MemoryStore,
    live: Mutex<BTreeSet<(Space, Vec<u8>)>>,
}

impl Recording {
    fn snapshot(&self) -> BTreeSet<(Space, Vec<u8>)> {
        self.live.lock().unwrap().clone()
    }

    fn note(&self, space: Space, key: &[u8]) {
        self.live.lock().unwrap().insert((space, key.to_vec()));
    }
}

impl TokenStore for Recording {
    fn insert_if_absent(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        let inserted = self.inner.insert_if_absent(space, key, value, expires_ms)?;
        if inserted {
            self.note(space, key);
        }
        Ok(inserted)
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(space, key)
    }

    fn put(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        self.inner.put(space, key, value, expires_ms)?;
        self.note(space, key);
        Ok(())
    }

    fn remove(&self, space: Space, key: &[u8]) -> Result<(), StoreError> {
        self.inner.remove(space, key)?;
        self.live.lock().unwrap().remove(&(space, key.to_vec()));
        Ok(())
    }

    fn advance(
        &self,
        space: Space,
        key: &[u8],
        value: u64,
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        let advanced = self.inner.advance(space, key, value, expires_ms)?;
        if advanced {
            self.note(space, key);
        }
        Ok(advanced)
    }

    fn increment(&self, space: Space, key: &[u8], expires_ms: i64) -> Result<u64, StoreError> {
        let n = self.inner.increment(space, key, expires_ms)?;
        self.note(space, key);
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// The STS and its answers
// ---------------------------------------------------------------------------------------------

struct Sts {
    engine: Engine,
    store: Arc<Recording>,
}

struct Answer {
    status: u16,
    body: String,
    log: Option<String>,
}

fn sts() -> Sts {
    let store = Arc::new(Recording::default());
    let cfg = recorded_sts_config(vec![realm(true)], secret_users(&["alice"]));
    Sts {
        engine: Engine::new(cfg, store.clone()),
        store,
    }
}

impl Sts {
    fn send(&self, xml: &str) -> Answer {
        let r = self.engine.handle(
            Incoming {
                body: xml.as_bytes(),
                content_type: Some("application/soap+xml; charset=utf-8"),
                soap_action: None,
            },
            Transport {
                confidential: false,
                ..Transport::default()
            },
            &FixedClock(NOW),
        );
        Answer {
            status: r.status,
            body: r.body,
            log: r.log,
        }
    }
}

/// The fault families the catalogue expects.
#[derive(Clone, Copy, Debug)]
enum Generic {
    /// `wst:FailedAuthentication`: every security failure.
    Auth,
    /// `wst:InvalidRequest`: input that is not acceptable XML or SOAP.
    Invalid,
}

/// The one fault envelope of a family, as the engine writes it for a SOAP 1.2 request.
fn generic_fault(g: Generic) -> String {
    let subcode = match g {
        Generic::Auth => FaultSubcode::FailedAuthentication,
        Generic::Invalid => FaultSubcode::InvalidRequest,
    };
    let fault = Fault::sender(subcode).in_trust_namespace(ns::WST13);
    let mut w = Writer::new();
    soap::write_envelope(
        &mut w,
        SoapVersion::V12,
        |_| {},
        |w| fault.write(w, SoapVersion::V12),
    );
    w.finish().unwrap()
}

/// The catalogue's assertion: `attack` (built from `original`) is refused with the generic
/// fault `g` and a log reason containing `reason`, the store is unchanged, and `original` is
/// then accepted.
fn refused(name: &str, original: &str, attack: &str, g: Generic, reason: &str) {
    assert_ne!(attack, original, "{name}: the attack changes nothing");
    let sts = sts();
    let before = sts.store.snapshot();
    let a = sts.send(attack);
    let log = a.log.clone().unwrap_or_default();
    assert_ne!(a.status, 200, "{name}: THE ATTACK WAS ACCEPTED\n{attack}");
    assert_eq!(
        a.body,
        generic_fault(g),
        "{name}: not the generic {g:?} fault (log: {log})"
    );
    assert!(
        log.contains(reason),
        "{name}: log reason {log:?} does not name {reason:?}"
    );
    assert_eq!(
        sts.store.snapshot(),
        before,
        "{name}: the refused message changed the store"
    );
    let ok = sts.send(original);
    assert_eq!(
        ok.status, 200,
        "{name}: the original is refused after the attack: {:?}",
        ok.log
    );
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// A SOAP 1.2 Issue request protected as `signer` says, with `tokens` in the header.
fn build(signer: Option<Signer<'_>>, tokens: Vec<String>) -> String {
    let body_doc = Document::parse(issue_body("").as_bytes()).unwrap();
    let body = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let id = crate::engine_support::hex8();
    let headers = |w: &mut Writer| {
        w.start(ns::WSA, "MessageID")
            .attr(ns::WSU, "Id", "q-msgid")
            .text(&format!("urn:uuid:{id}"))
            .end();
    };
    let p = Protection {
        signer,
        header_tokens: tokens,
        signed_ids: vec!["q-msgid".into()],
        ..Protection::default()
    };
    wss::secure_envelope(SoapVersion::V12, NOW, &headers, &body, &p)
        .unwrap()
        .xml
}

fn rsa_signer<'a>(k: &'a RsaPrivateKey, key_info: SignerKeyInfo<'a>) -> Signer<'a> {
    Signer {
        key: SigningKey::Rsa(k),
        method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
        digest: DigestAlgorithm::Sha256,
        key_info,
    }
}

fn hmac_signer<'a>(k: &'a [u8], key_info: SignerKeyInfo<'a>) -> Signer<'a> {
    Signer {
        key: SigningKey::Hmac(k),
        method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
        digest: DigestAlgorithm::Sha256,
        key_info,
    }
}

/// The valid request every case starts from (fresh Ids and MessageID each time).
fn request() -> String {
    let (k, c) = (key("client"), cert("client"));
    build(
        Some(rsa_signer(&k, SignerKeyInfo::BinarySecurityToken(&c))),
        Vec::new(),
    )
}

/// A request whose KeyInfo is `content` (an STR, X509Data, ...), signed by `k`.
fn with_key_info(k: &RsaPrivateKey, content: &str, tokens: Vec<String>) -> String {
    let doc = Document::parse(
        format!(
            "<k xmlns:wsse=\"{}\" xmlns:ds=\"{}\">{content}</k>",
            ns::WSSE,
            ns::DS
        )
        .as_bytes(),
    )
    .unwrap();
    let ki = |w: &mut Writer| {
        for c in doc.children(doc.root()) {
            w.copy(&doc, c);
        }
    };
    build(Some(rsa_signer(k, SignerKeyInfo::Custom(&ki))), tokens)
}

/// A request HMAC-signed with `k`, KeyInfo `content`.
fn hmac_with_key_info(k: &[u8], content: &str, tokens: Vec<String>) -> String {
    let doc = Document::parse(
        format!(
            "<k xmlns:wsse=\"{}\" xmlns:ds=\"{}\">{content}</k>",
            ns::WSSE,
            ns::DS
        )
        .as_bytes(),
    )
    .unwrap();
    let ki = |w: &mut Writer| {
        for c in doc.children(doc.root()) {
            w.copy(&doc, c);
        }
    };
    build(Some(hmac_signer(k, SignerKeyInfo::Custom(&ki))), tokens)
}

fn str_ref(uri: &str, value_type: &str) -> String {
    format!(
        "<wsse:SecurityTokenReference><wsse:Reference URI=\"{uri}\" ValueType=\"{value_type}\"/></wsse:SecurityTokenReference>"
    )
}

/// An EncryptedKey carrying `k` for `recipient` (by ThumbprintSHA1).
fn encrypted_key(id: &str, k: &[u8], recipient: &Certificate) -> String {
    let thumb = base64_encode(recipient.thumbprint_sha1());
    let ki = |w: &mut Writer| {
        w.start_prefixed(ns::WSSE, "SecurityTokenReference", Some("wsse"));
        w.start_prefixed(ns::WSSE, "KeyIdentifier", Some("wsse"))
            .attr("", "ValueType", vt::THUMBPRINT_SHA1)
            .attr("", "EncodingType", vt::BASE64)
            .text(&thumb);
        w.end();
        w.end();
    };
    let mut w = Writer::new();
    write_encrypted_key(
        &mut w,
        Some(id),
        k,
        recipient.public_key(),
        &OaepParams::sha1(),
        Some(&ki as &dyn Fn(&mut Writer)),
        &[],
    )
    .unwrap();
    w.finish().unwrap()
}

/// A self-signed certificate with the client's subject name, and its key.
fn self_signed() -> (Certificate, RsaPrivateKey) {
    let k = RsaPrivateKey::generate(2048).unwrap();
    let der = k.to_pkcs8_der().unwrap();
    let kp = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.expose()),
        &PKCS_RSA_SHA256,
    )
    .unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "interop-client");
    params.distinguished_name = dn;
    let c = params.self_signed(&kp).unwrap();
    (Certificate::from_der(c.der()).unwrap(), k)
}

// ---------------------------------------------------------------------------------------------
// Text surgery
// ---------------------------------------------------------------------------------------------

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the message"));
    let b = s[a..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not after {start:?}"));
    &s[a..a + b + end.len()]
}

fn replace1(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "{from:?} not in the message");
    s.replacen(from, to, 1)
}

fn insert_before(s: &str, anchor: &str, text: &str) -> String {
    replace1(s, anchor, &format!("{text}{anchor}"))
}

fn insert_after(s: &str, anchor: &str, text: &str) -> String {
    replace1(s, anchor, &format!("{anchor}{text}"))
}

/// The value of attribute `attr` on the first `<{tag}` start tag.
fn attr_of(s: &str, tag: &str, attr: &str) -> String {
    let start = s
        .find(&format!("<{tag}"))
        .unwrap_or_else(|| panic!("<{tag} not in the message"));
    let end = start + s[start..].find('>').unwrap();
    let open = &s[start..end];
    let key = format!(" {attr}=\"");
    let a = open
        .find(&key)
        .unwrap_or_else(|| panic!("{attr} not on <{tag}"))
        + key.len();
    open[a..a + open[a..].find('"').unwrap()].to_owned()
}

fn body_id(m: &str) -> String {
    attr_of(m, "s:Body", "wsu:Id")
}

fn ts_id(m: &str) -> String {
    attr_of(m, "wsu:Timestamp", "wsu:Id")
}

fn body_element(m: &str) -> &str {
    between(m, "<s:Body", "</s:Body>")
}

fn timestamp_element(m: &str) -> &str {
    between(m, "<wsu:Timestamp", "</wsu:Timestamp>")
}

fn signature_element(m: &str) -> &str {
    between(m, "<ds:Signature", "</ds:Signature>")
}

fn signed_info(m: &str) -> &str {
    between(m, "<ds:SignedInfo>", "</ds:SignedInfo>")
}

fn first_digest_value(m: &str) -> &str {
    let d = between(m, "<ds:DigestValue>", "</ds:DigestValue>");
    &d["<ds:DigestValue>".len()..d.len() - "</ds:DigestValue>".len()]
}

fn signature_value(m: &str) -> &str {
    let d = between(m, "<ds:SignatureValue>", "</ds:SignatureValue>");
    &d["<ds:SignatureValue>".len()..d.len() - "</ds:SignatureValue>".len()]
}

/// The Body asks for the attacker's address instead.
fn evil(m: &str) -> String {
    let body = body_element(m).to_owned();
    replace1(m, &body, &body.replace(ADDRESS, EVIL_ADDRESS))
}

/// Sets the first DigestValue (the Body's reference).
fn set_first_digest(m: &str, value: &str) -> String {
    let old = format!("<ds:DigestValue>{}</ds:DigestValue>", first_digest_value(m));
    replace1(
        m,
        &old,
        &format!("<ds:DigestValue>{value}</ds:DigestValue>"),
    )
}

/// base64 SHA-256 of the exclusive canonical form of the element with Id `id`.
fn digest_of(m: &str, id: &str) -> String {
    let doc = Document::parse(m.as_bytes()).unwrap();
    let el = doc.element_by_id(id).unwrap().expect("the element");
    let mut c = Vec::new();
    canonicalize(&doc, el, &C14nOptions::exclusive(), &mut c).unwrap();
    base64_encode(&digest(DigestAlgorithm::Sha256, &c))
}

/// Signs the first signature's (edited) SignedInfo again with the client's key.
fn resign(m: &str) -> String {
    let doc = Document::parse(m.as_bytes()).unwrap();
    let sig = doc
        .descendants_or_self(doc.root())
        .find(|&n| doc.is_element(n) && doc.is(n, ns::DS, "Signature"))
        .expect("a signature");
    let si = doc.child(sig, ns::DS, "SignedInfo").expect("SignedInfo");
    let mut c = Vec::new();
    canonicalize(&doc, si, &C14nOptions::exclusive(), &mut c).unwrap();
    let v = key("client")
        .sign(SignatureAlgorithm::RsaSha256, &c)
        .unwrap();
    let old = format!(
        "<ds:SignatureValue>{}</ds:SignatureValue>",
        signature_value(m)
    );
    replace1(
        m,
        &old,
        &format!(
            "<ds:SignatureValue>{}</ds:SignatureValue>",
            base64_encode(&v)
        ),
    )
}

fn flip_signature_value(m: &str) -> String {
    let v = signature_value(m).to_owned();
    let flipped = match v.strip_prefix('A') {
        Some(rest) => format!("B{rest}"),
        None => format!("A{}", &v[1..]),
    };
    replace1(m, &v, &flipped)
}

/// Points the Body's reference at `uri` with digest `digest`, and signs again.
fn repoint_body_reference(m: &str, uri: &str, digest: &str) -> String {
    let m = replace1(
        m,
        &format!("URI=\"#{}\"", body_id(m)),
        &format!("URI=\"{uri}\""),
    );
    resign(&set_first_digest(&m, digest))
}

/// Header block(s) inserted first in the SOAP header, before every other block.
fn first_in_header(m: &str, text: &str) -> String {
    insert_after(m, "<s:Header>", text)
}

/// The signed Body moved into `open ... close` before `anchor`, an evil Body (no Id) in place.
fn move_body(m: &str, open: &str, close: &str, anchor: &str) -> String {
    let original = body_element(m).to_owned();
    let fake = format!(
        "<s:Body>{}</s:Body>",
        between(
            &original,
            "<wst:RequestSecurityToken",
            "</wst:RequestSecurityToken>"
        )
        .replace(ADDRESS, EVIL_ADDRESS)
    );
    let m = replace1(m, &original, &fake);
    insert_before(&m, anchor, &format!("{open}{original}{close}"))
}

fn decoy_with(attr: &str, id: &str) -> String {
    format!(
        "<x:Decoy xmlns:x=\"urn:evil\" xmlns:wsu=\"{}\" {attr}=\"{id}\">{}</x:Decoy>",
        ns::WSU,
        EVIL_ADDRESS
    )
}

/// A raw DEFLATE stream of 4080 bytes that inflates to 4 MiB of zeros.
fn deflate_bomb() -> Vec<u8> {
    let mut d = vec![
        0xed, 0xc1, 0x01, 0x01, 0x00, 0x00, 0x00, 0x82, 0x20, 0xff, 0xaf, 0x6e, 0x48, 0x40, 0x01,
    ];
    d.resize(4078, 0);
    d.extend_from_slice(&[0x7c, 0x1b]);
    d
}

/// Calls an attack on the base message (keeps the table free of immediately called closures).
fn apply(attack: impl FnOnce(&str) -> String, base: &str) -> String {
    attack(base)
}

// ---------------------------------------------------------------------------------------------
// Positive controls: what the cases change is accepted untouched
// ---------------------------------------------------------------------------------------------

#[test]
fn control_the_base_request_is_issued_and_a_second_copy_is_a_replay() {
    let m = request();
    let sts = sts();
    let first = sts.send(&m);
    assert_eq!(first.status, 200, "{:?}", first.log);
    assert!(!sts.store.snapshot().is_empty(), "issuing records state");
    let again = sts.send(&m);
    assert_eq!(again.body, generic_fault(Generic::Auth));
    assert!(again.log.unwrap().contains("replay"));
}

#[test]
fn control_comments_inside_digest_and_signature_values_are_read_around() {
    // Exclusive c14n drops the comments, so the signature holds; the values are the text
    // around the comments, whole.
    let m = request();
    let d = first_digest_value(&m).to_owned();
    let v = signature_value(&m).to_owned();
    let split = replace1(
        &replace1(&m, &d, &format!("{}<!--x-->{}", &d[..10], &d[10..])),
        &v,
        &format!("{}<!--y-->{}", &v[..20], &v[20..]),
    );
    let a = sts().send(&split);
    assert_eq!(a.status, 200, "{:?}", a.log);
}

#[test]
fn control_an_xpointer_id_reference_to_the_body_is_accepted() {
    let m = request();
    let id = body_id(&m);
    let x = repoint_body_reference(&m, &format!("#xpointer(id('{id}'))"), &digest_of(&m, &id));
    let a = sts().send(&x);
    assert_eq!(a.status, 200, "{:?}", a.log);
}

/// XPointer `id()` keeps comments in the node-set, but the exclusive c14n transform (without
/// comments) that follows removes them again (XML-DSig 1.1 §4.4.3.3 then §6.6.3): a comment
/// added to a Body referenced that way does not change its digest, and the Body as read is
/// the signed one.
#[test]
fn control_an_xpointer_id_reference_with_exc_c14n_ignores_an_added_comment() {
    let m = request();
    let id = body_id(&m);
    let x = repoint_body_reference(&m, &format!("#xpointer(id('{id}'))"), &digest_of(&m, &id));
    let x = replace1(&x, "</wst:RequestType>", "</wst:RequestType><!--x-->");
    let a = sts().send(&x);
    assert_eq!(a.status, 200, "{:?}", a.log);
}

#[test]
fn control_resigning_without_a_change_is_accepted() {
    let m = request();
    assert_eq!(resign(&flip_signature_value(&m)), m);
}

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

macro_rules! catalogue {
    ($($(#[$attr:meta])* $name:ident: $attack:expr => $g:ident $reason:literal,)*) => {$(
        $(#[$attr])*
        #[test]
        fn $name() {
            let original = request();
            let attack = apply($attack, &original);
            refused(stringify!($name), &original, &attack, Generic::$g, $reason);
        }
    )*};
}

catalogue! {
    // --- ruby-saml CVE-2024-45409: what the verifier reads must be the signature's own ------
    // A DigestValue (with the digest of the evil Body) found earlier in the document.
    cve_2024_45409_digest_value_decoy_earlier_in_the_document: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        first_in_header(&e, &format!(
            "<x:Decoy xmlns:x=\"urn:evil\" xmlns:ds=\"{}\"><ds:Reference URI=\"#{}\">\
             <ds:DigestValue>{d}</ds:DigestValue></ds:Reference></x:Decoy>", ns::DS, body_id(&e)))
    } => Auth "digest mismatch in reference 0",
    // A whole SignedInfo (matching the evil Body) earlier in the document.
    cve_2024_45409_signed_info_decoy_earlier_in_the_document: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let decoy = set_first_digest(signed_info(&e), &d);
        first_in_header(&e, &format!(
            "<x:Decoy xmlns:x=\"urn:evil\" xmlns:ds=\"{}\">{decoy}</x:Decoy>", ns::DS))
    } => Auth "digest mismatch in reference 0",
    // An element carrying the signed Body's Id before it in document order.
    cve_2024_45409_element_with_the_signed_id_earlier_in_the_document: |m: &str| {
        first_in_header(m, &decoy_with("wsu:Id", &body_id(m)))
    } => Auth "duplicate id",

    // --- CVE-2025-25291/25292: DOCTYPE, entities and namespace differentials --------------
    doctype_with_an_internal_entity_for_the_signed_address: |m: &str| format!(
        "<!DOCTYPE s:Envelope [<!ENTITY a \"{EVIL_ADDRESS}\">]>{}",
        m.replacen(&format!(">{ADDRESS}<"), ">&a;<", 1))
        => Invalid "forbidden xml construct",
    doctype_with_an_external_subset_after_the_declaration: |m: &str| format!(
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope SYSTEM \"http://evil.example/e.dtd\">{m}")
        => Invalid "forbidden xml construct",
    doctype_inside_the_body: |m: &str| insert_before(m, "<wst:RequestSecurityToken",
        "<!DOCTYPE x [<!ENTITY a \"b\">]>") => Invalid "xml",
    undeclared_entity_in_signed_text: |m: &str| replace1(
        m, &format!(">{ADDRESS}<"), ">&evil;<") => Invalid "xml",
    parameter_entity_reference_in_text: |m: &str| replace1(
        m, &format!(">{ADDRESS}<"), ">%evil;<") => Auth "digest mismatch in reference 0",
    one_attribute_twice_through_two_prefixes_for_one_namespace: |m: &str| {
        let id = body_id(m);
        replace1(m, &format!("wsu:Id=\"{id}\">"),
            &format!("wsu:Id=\"{id}\" xmlns:u2=\"{}\" u2:Id=\"decoy\">", ns::WSU))
    } => Invalid "xml",
    one_namespace_declaration_twice_on_one_element: |m: &str| replace1(
        m, "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:ds=\"urn:evil\"")
        => Invalid "xml",
    soap_prefix_rebound_to_a_look_alike_on_the_body: |m: &str| replace1(
        m, "<s:Body ", "<s:Body xmlns:s=\"http://www.w3.org/2003/05/soap-envelope/\" ")
        => Invalid "soap",

    // --- Void canonicalization: references that select nothing -----------------------------
    body_reference_to_the_whole_document_with_the_empty_digest: |m: &str|
        repoint_body_reference(m, "", EMPTY_DIGEST)
        => Auth "whole-document reference without enveloped transform",
    body_reference_to_an_absent_id_with_the_empty_digest: |m: &str|
        repoint_body_reference(m, "#no-such-id", EMPTY_DIGEST) => Auth "referenced id not found",
    body_reference_to_an_empty_fragment_with_the_empty_digest: |m: &str|
        repoint_body_reference(m, "#", EMPTY_DIGEST) => Auth "",
    signed_info_without_references: |m: &str| {
        let si = signed_info(m).to_owned();
        let mut stripped = si.clone();
        while let Some(a) = stripped.find("<ds:Reference ") {
            let b = a + stripped[a..].find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
            stripped.replace_range(a..b, "");
        }
        resign(&replace1(m, &si, &stripped))
    } => Auth "",

    // --- xml-crypto CVE-2025-29775: comments inside DigestValue / SignatureValue -----------
    // The evil Body's digest as a comment, the original digest as text.
    cve_2025_29775_comment_in_digest_value_carrying_an_evil_digest: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let orig = first_digest_value(&e).to_owned();
        set_first_digest(&e, &format!("<!--{d}-->{orig}"))
    } => Auth "digest mismatch in reference 0",
    // SignedInfo changed to match the evil Body; junk as a comment in SignatureValue.
    cve_2025_29775_comment_in_signature_value_over_an_evil_signed_info: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let e = set_first_digest(&e, &d);
        let v = signature_value(&e).to_owned();
        replace1(&e, &v, &format!("<!--{}-->{v}", base64_encode(&[7u8; 256])))
    } => Auth "signature value does not verify",

    // --- xml-crypto CVE-2025-29774: multiple or nested SignedInfo --------------------------
    cve_2025_29774_second_signed_info_with_evil_digests: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let si = signed_info(&e).to_owned();
        insert_after(&e, &si, &set_first_digest(&si, &d))
    } => Auth "malformed signature",
    cve_2025_29774_signed_info_with_evil_digests_in_an_object: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let si = set_first_digest(signed_info(&e), &d);
        insert_before(&e, "</ds:Signature>", &format!("<ds:Object>{si}</ds:Object>"))
    } => Auth "",
    cve_2025_29774_signed_info_with_evil_digests_in_key_info: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let si = set_first_digest(signed_info(&e), &d);
        insert_after(&e, "<ds:KeyInfo>", &si)
    } => Auth "",
    cve_2025_29774_signed_info_nested_in_signed_info: |m: &str| {
        let e = evil(m);
        let d = digest_of(&e, &body_id(&e));
        let si = set_first_digest(signed_info(&e), &d);
        resign(&insert_before(&e, "</ds:SignedInfo>", &si))
    } => Auth "",

    // --- Reading signed references after a verification error -----------------------------
    digests_right_but_signature_value_wrong: |m: &str| flip_signature_value(m)
        => Auth "signature value does not verify",
    body_digest_right_but_the_message_id_digest_wrong: |m: &str| {
        let id = between(m, "urn:uuid:", "<").to_owned();
        replace1(m, &id, "urn:uuid:0000000000000000<")
    } => Auth "digest mismatch in reference 2",
    valid_signature_then_a_failing_one_over_the_same_body: |m: &str| {
        let sig = signature_element(m).to_owned();
        insert_after(m, &sig, &flip_signature_value(&sig))
    } => Auth "",

    // --- CVE-2024-32962: a key from KeyInfo is not trusted by being there -------------------
    self_signed_certificate_with_the_client_name_as_a_token: |_: &str| {
        let (c, k) = self_signed();
        build(Some(rsa_signer(&k, SignerKeyInfo::BinarySecurityToken(&c))), Vec::new())
    } => Auth "certificate refused",
    self_signed_certificate_in_x509_data: |_: &str| {
        let (c, k) = self_signed();
        with_key_info(&k, &format!(
            "<ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data>",
            base64_encode(c.der())), Vec::new())
    } => Auth "certificate refused",
    attackers_bare_rsa_key_value: |_: &str| {
        let k = key("rp");
        let pk = cert("rp");
        let pk = pk.public_key();
        with_key_info(&k, &format!(
            "<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>{}</ds:Modulus><ds:Exponent>{}</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>",
            base64_encode(pk.modulus_be()), base64_encode(pk.exponent_be())), Vec::new())
    } => Auth "unsupported security token",
    known_encryption_certificate_that_is_not_trusted_to_sign: |_: &str| {
        let (k, c) = (key("rp"), cert("rp"));
        build(Some(rsa_signer(&k, SignerKeyInfo::BinarySecurityToken(&c))), Vec::new())
    } => Auth "certificate refused",
    client_certificate_in_key_info_but_signed_by_another_key: |_: &str| {
        let (k, c) = (key("rp"), cert("client"));
        build(Some(rsa_signer(&k, SignerKeyInfo::BinarySecurityToken(&c))), Vec::new())
    } => Auth "signature value does not verify",

    // --- signxml CVE-2025-48994: HMAC where a public key is expected, and back ---------------
    hmac_keyed_with_the_client_certificate_der: |_: &str| {
        let c = cert("client");
        let der = c.der().to_vec();
        build(Some(hmac_signer(&der, SignerKeyInfo::BinarySecurityToken(&c))), Vec::new())
    } => Auth "key does not fit",
    hmac_keyed_with_the_client_public_key: |_: &str| {
        let c = cert("client");
        let spki = c.public_key().spki_der();
        build(Some(hmac_signer(&spki, SignerKeyInfo::BinarySecurityToken(&c))), Vec::new())
    } => Auth "key does not fit",
    hmac_keyed_with_the_sts_certificate_by_thumbprint: |_: &str| {
        let c = cert("sts");
        let der = c.der().to_vec();
        build(Some(hmac_signer(&der, SignerKeyInfo::Thumbprint(&c))), Vec::new())
    } => Auth "key does not fit",
    rsa_signature_method_over_a_symmetric_encrypted_key: |_: &str| with_key_info(
        &key("client"), &str_ref("#ek", vt::ENCRYPTED_KEY),
        vec![encrypted_key("ek", &[0x42; 32], &cert("sts"))])
        => Auth "key does not fit",

    // --- Duplicate Ids across wsu:Id / Id / ID / xml:id ------------------------------------
    decoy_with_the_body_id_as_wsu_id: |m: &str| first_in_header(m, &decoy_with("wsu:Id", &body_id(m)))
        => Auth "duplicate id",
    decoy_with_the_body_id_as_id: |m: &str| first_in_header(m, &decoy_with("Id", &body_id(m)))
        => Auth "duplicate id",
    decoy_with_the_body_id_as_upper_case_id: |m: &str| first_in_header(m, &decoy_with("ID", &body_id(m)))
        => Auth "duplicate id",
    decoy_with_the_body_id_as_xml_id: |m: &str| first_in_header(m, &decoy_with("xml:id", &body_id(m)))
        => Auth "duplicate id",
    decoy_with_the_timestamp_id_after_the_signature: |m: &str| insert_before(
        m, "</wsse:Security>", &decoy_with("Id", &ts_id(m))) => Auth "duplicate id",
    decoy_with_the_body_id_after_the_body: |m: &str| {
        // Inside the Security header, after everything signed.
        insert_before(m, "</wsse:Security>", &decoy_with("xml:id", &body_id(m)))
    } => Auth "duplicate id",

    // --- Multi-reference substitution (one signature, references re-pointed) -----------------
    body_and_timestamp_reference_uris_swapped: |m: &str| {
        let (b, t) = (body_id(m), ts_id(m));
        let m = m.replacen(&format!("URI=\"#{b}\""), "URI=\"#@@B\"", 1)
            .replacen(&format!("URI=\"#{t}\""), &format!("URI=\"#{b}\""), 1)
            .replacen("URI=\"#@@B\"", &format!("URI=\"#{t}\""), 1);
        resign(&m)
    } => Auth "digest mismatch in reference 0",
    body_reference_repointed_to_the_message_id: |m: &str|
        repoint_body_reference(m, "#q-msgid", &digest_of(m, "q-msgid"))
        => Auth "a signed message whose body is not signed",
    body_reference_repointed_to_a_copy_of_the_signed_body_in_a_header: |m: &str| {
        let original = body_element(m).to_owned();
        let copy = original
            .replacen("<s:Body ", "<x:Copy xmlns:x=\"urn:evil\" ", 1)
            .replacen(&body_id(m), "copy", 1)
            .replace("</s:Body>", "</x:Copy>");
        let m = first_in_header(&evil(m), &copy);
        let m = replace1(&m, &format!(" wsu:Id=\"{}\"", body_id(&m)), "");
        let d = digest_of(&m, "copy");
        let m = replace1(&m, &format!("URI=\"#{}\"", attr_of(signed_info(&m), "ds:Reference", "URI").trim_start_matches('#')), "URI=\"#copy\"");
        resign(&set_first_digest(&m, &d))
    } => Auth "a signed message whose body is not signed",

    // --- Position versus reference ---------------------------------------------------------
    signed_body_moved_into_a_header_with_an_evil_body_in_place: |m: &str| move_body(
        m, "<x:Wrapper xmlns:x=\"urn:evil\">", "</x:Wrapper>", "</s:Header>")
        => Auth "a signed message whose body is not signed",
    signed_body_moved_into_the_security_header: |m: &str| move_body(
        m, "<x:Wrapper xmlns:x=\"urn:evil\">", "</x:Wrapper>", "</wsse:Security>")
        => Auth "a signed message whose body is not signed",
    signed_body_moved_into_a_signature_object: |m: &str| move_body(
        m, "<ds:Object>", "</ds:Object>", "</ds:Signature>")
        => Auth "",
    signed_timestamp_moved_with_a_fresh_unsigned_one_in_place: |m: &str| {
        let original = timestamp_element(m).to_owned();
        let fresh = "<wsu:Timestamp><wsu:Created>2027-01-15T08:00:00Z</wsu:Created></wsu:Timestamp>";
        let m = replace1(m, &original, fresh);
        insert_before(&m, "</wsse:Security>",
            &format!("<x:Wrapper xmlns:x=\"urn:evil\">{original}</x:Wrapper>"))
    } => Auth "timestamp not signed with the body",

    // --- Reserved prefixes and look-alike ds namespaces -------------------------------------
    ds_namespace_without_the_hash: |m: &str| m.replacen(
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig\"", 1) => Auth "",
    ds_namespace_over_https: |m: &str| m.replacen(
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
        "xmlns:ds=\"https://www.w3.org/2000/09/xmldsig#\"", 1) => Auth "",
    ds_namespace_in_upper_case: |m: &str| m.replacen(
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
        "xmlns:ds=\"http://www.w3.org/2000/09/XMLDSIG#\"", 1) => Auth "",
    ds_namespace_with_a_trailing_space: |m: &str| m.replacen(
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig# \"", 1) => Auth "",
    xml_prefix_rebound: |m: &str| replace1(
        m, "<s:Envelope ", "<s:Envelope xmlns:xml=\"urn:evil\" ") => Invalid "namespace",
    xmlns_prefix_declared: |m: &str| replace1(
        m, "<s:Envelope ", "<s:Envelope xmlns:xmlns=\"urn:evil\" ") => Invalid "namespace",
    another_prefix_bound_to_the_xml_namespace: |m: &str| first_in_header(m, &format!(
        "<x:Decoy xmlns:x=\"urn:evil\" xmlns:y=\"http://www.w3.org/XML/1998/namespace\" y:id=\"{}\"/>",
        body_id(m))) => Invalid "namespace",
    default_namespace_bound_to_the_xmlns_namespace: |m: &str| first_in_header(m,
        "<Decoy xmlns=\"http://www.w3.org/2000/xmlns/\"/>") => Invalid "namespace",

    // --- XPointer references ---------------------------------------------------------------
    xpointer_root_without_the_enveloped_transform: |m: &str|
        repoint_body_reference(m, "#xpointer(/)", EMPTY_DIGEST)
        => Auth "whole-document reference without enveloped transform",
    xpointer_expression_selecting_by_attribute: |m: &str| repoint_body_reference(
        m, &format!("#xpointer(//*[@wsu:Id='{}'])", body_id(m)), &digest_of(m, &body_id(m)))
        => Auth "reference is not a same-document reference",
    xpointer_union_of_two_ids: |m: &str| repoint_body_reference(
        m, &format!("#xpointer(id('{}') | id('q-msgid'))", body_id(m)), &digest_of(m, &body_id(m)))
        => Auth "referenced id not found",
    // --- Deflate and base64 size bombs -----------------------------------------------------
    deflate_bomb_as_the_binary_security_token: |m: &str| {
        let bst = between(m, "EncodingType=", "</wsse:BinarySecurityToken>").to_owned();
        let enc = between(&bst, "EncodingType=\"", "\">").to_owned();
        replace1(m, &bst, &format!("{enc}{}</wsse:BinarySecurityToken>", base64_encode(&deflate_bomb())))
    } => Auth "unsupported security token",
    base64_bomb_of_eight_mebibytes_in_the_token: |m: &str| {
        let bst = between(m, "EncodingType=", "</wsse:BinarySecurityToken>").to_owned();
        let enc = between(&bst, "EncodingType=\"", "\">").to_owned();
        replace1(m, &bst, &format!("{enc}{}</wsse:BinarySecurityToken>", "A".repeat(8 << 20)))
    } => Invalid "xml limit exceeded",
    base64_whitespace_bomb_in_the_signature_value: |m: &str| {
        let v = signature_value(m).to_owned();
        replace1(m, &v, &format!("{}{}{}", &v[..4], " ".repeat(2 << 20), &v[4..]))
    } => Invalid "xml limit exceeded",
    base64_of_a_megabyte_below_the_text_limit_as_the_token: |m: &str| {
        let bst = between(m, "EncodingType=", "</wsse:BinarySecurityToken>").to_owned();
        let enc = between(&bst, "EncodingType=\"", "\">").to_owned();
        replace1(m, &bst, &format!("{enc}{}</wsse:BinarySecurityToken>", "AAAA".repeat(200_000)))
    } => Auth "unsupported security token",

    // --- A missing key must not fail open --------------------------------------------------
    signature_without_key_info: |_: &str| {
        let k = key("client");
        let nothing = |_: &mut Writer| {};
        build(Some(rsa_signer(&k, SignerKeyInfo::Custom(&nothing))), Vec::new())
    } => Auth "",
    key_info_naming_an_absent_token: |_: &str| with_key_info(
        &key("client"), &str_ref("#no-such-token", vt::X509V3), Vec::new())
        => Auth "security token unavailable",
    key_identifier_of_an_unknown_certificate: |_: &str| with_key_info(&key("client"), &format!(
        "<wsse:SecurityTokenReference><wsse:KeyIdentifier ValueType=\"{}\" EncodingType=\"{}\">{}</wsse:KeyIdentifier></wsse:SecurityTokenReference>",
        vt::THUMBPRINT_SHA1, vt::BASE64, base64_encode(&[9u8; 20])), Vec::new())
        => Auth "security token unavailable",
    hmac_under_an_unknown_security_context: |_: &str| hmac_with_key_info(
        &[0x42; 32], &str_ref("#sct", "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct"),
        vec![format!(
            "<wsc:SecurityContextToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\" xmlns:wsu=\"{}\" wsu:Id=\"sct\"><wsc:Identifier>urn:uuid:nobody-knows</wsc:Identifier></wsc:SecurityContextToken>",
            ns::WSU)])
        => Auth "",
    hmac_under_an_encrypted_key_for_a_certificate_without_our_private_key: |_: &str| hmac_with_key_info(
        &[0x42; 32], &str_ref("#ek", vt::ENCRYPTED_KEY),
        vec![encrypted_key("ek", &[0x42; 32], &cert("rp"))])
        => Auth "",
    hmac_under_an_encrypted_key_that_does_not_decrypt: |_: &str| {
        let m = hmac_with_key_info(&[0x42; 32], &str_ref("#ek", vt::ENCRYPTED_KEY),
            vec![encrypted_key("ek", &[0x42; 32], &cert("sts"))]);
        let cv = between(&m, "<xenc:CipherValue>", "</xenc:CipherValue>").to_owned();
        replace1(&m, &cv, &format!("<xenc:CipherValue>{}</xenc:CipherValue>", base64_encode(&[1u8; 256])))
    } => Auth "",
}

/// HMAC keyed by the key of an EncryptedKey for the STS is accepted when nothing is wrong
/// (the controls of the symmetric cases above).
#[test]
fn control_hmac_under_an_encrypted_key_for_the_sts_authenticates_no_one() {
    // An EncryptedKey proves possession of a key, not an identity: the signature verifies,
    // and the engine still refuses for want of a principal (never fails open).
    let m = hmac_with_key_info(
        &[0x42; 32],
        &str_ref("#ek", vt::ENCRYPTED_KEY),
        vec![encrypted_key("ek", &[0x42; 32], &cert("sts"))],
    );
    let sts = sts();
    let before = sts.store.snapshot();
    let a = sts.send(&m);
    assert_eq!(a.body, generic_fault(Generic::Auth), "{:?}", a.log);
    assert_eq!(sts.store.snapshot(), before);
}

// ---------------------------------------------------------------------------------------------
// /keyx: base64 bombs in the JSON form
// ---------------------------------------------------------------------------------------------

#[test]
fn keyx_base64_bomb_in_the_public_key_is_refused_before_decoding() {
    let e = crate::engine_keyx_support::engine(true);
    let body = format!(
        "{{\"scheme\":\"ASYMMETRIC_WRAPPED\",\"keydata\":{{\"keypairid\":\"kp-1\",\"mechanism\":\"RSA\",\"publickey\":\"{}\"}},\"authdata\":{{\"scheme\":\"USERNAME_PASSWORD\",\"username\":\"alice\",\"password\":\"secret\"}}}}",
        "A".repeat(4 << 20)
    );
    let r = e.handle_keyx_json(
        body.as_bytes(),
        Transport {
            confidential: true,
            ..Transport::default()
        },
        &FixedClock(NOW),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("KEYX_MALFORMED_REQUEST"), "{}", r.body);
    assert!(r.log.is_some());
}

// ---------------------------------------------------------------------------------------------
// SAML-only classes, against saml::validate (the engine takes no SAML input)
// ---------------------------------------------------------------------------------------------

mod saml_cases {
    use super::*;
    use crate::saml_support::{pki, spec, Kind};

    fn issued(version: SamlVersion, subject: &str) -> saml::IssuedAssertion {
        let mut s = spec(version, Kind::SymmetricThumbprint, false);
        s.subject = NameId::with_format(subject, saml::uri::NAMEID_EMAIL);
        saml::issue(&s, pki().signer()).unwrap()
    }

    fn first_assertion(xml: &str) -> Result<saml::ValidatedAssertion, saml::Error> {
        let doc = Document::parse(xml.as_bytes())?;
        let a = doc
            .descendants_or_self(doc.root())
            .find(|n| doc.is(*n, ns::SAML2, "Assertion") || doc.is(*n, ns::SAML1, "Assertion"))
            .unwrap();
        saml::validate(&doc, a, &pki().policy())
    }

    fn signature_of(xml: &str) -> &str {
        between(xml, "<ds:Signature", "</ds:Signature>")
    }

    /// Where Advice goes in an assertion we wrote.
    fn advice_at(version: SamlVersion, xml: &str) -> usize {
        match version {
            SamlVersion::V20 => xml.find("<saml:AuthnStatement").unwrap(),
            SamlVersion::V11 => xml.find("<saml:AttributeStatement").unwrap(),
        }
    }

    #[test]
    fn signature_of_the_assertion_moved_into_its_own_advice() {
        // The enveloped transform removes the signature wherever it is, so a verifier that
        // looks for it among all descendants would accept this; it must be a direct child.
        for version in [SamlVersion::V20, SamlVersion::V11] {
            let a = issued(version, "alice@example.org");
            first_assertion(&a.xml).expect("the untouched assertion validates");
            let sig = signature_of(&a.xml).to_owned();
            let mut xml = a.xml.replacen(&sig, "", 1);
            let at = advice_at(version, &xml);
            xml.insert_str(at, &format!("<saml:Advice>{sig}</saml:Advice>"));
            let r = first_assertion(&xml);
            assert!(r.is_err(), "{version:?}: ACCEPTED\n{xml}");
        }
    }

    #[test]
    fn signed_assertion_in_the_advice_of_an_unsigned_one_for_mallory() {
        for version in [SamlVersion::V20, SamlVersion::V11] {
            let a = issued(version, "alice@example.org");
            let mallory = issued(version, "mallory@example.org");
            let mut outer = mallory.xml.replacen(signature_of(&mallory.xml), "", 1);
            let at = advice_at(version, &outer);
            outer.insert_str(at, &format!("<saml:Advice>{}</saml:Advice>", a.xml));
            let r = first_assertion(&outer);
            assert!(
                matches!(r, Err(saml::Error::Signature { .. })),
                "{version:?}: {r:?}"
            );
        }
    }

    #[test]
    fn comment_split_name_id_is_read_whole() {
        // The 2018 class (Duo): an account named alice@example.org.evil.example gets a
        // signed assertion, a comment makes a naive reader see alice@example.org.
        for version in [SamlVersion::V20, SamlVersion::V11] {
            let a = issued(version, "alice@example.org.evil.example");
            let xml = a.xml.replacen(
                ">alice@example.org.evil.example<",
                ">alice@example.org<!---->.evil.example<",
                1,
            );
            assert_ne!(xml, a.xml);
            let v = first_assertion(&xml).expect("the signature still holds");
            assert_eq!(v.subject.value, "alice@example.org.evil.example");
        }
    }

    #[test]
    fn comment_split_issuer_and_attribute_are_read_whole() {
        // SAML 2.0 (its Issuer is an element; in 1.1 it is an attribute).
        let a = issued(SamlVersion::V20, "alice@example.org");
        let xml = a.xml.replacen(">admin<", ">ad<!--x-->min<", 1).replacen(
            ">https://sts.example.org/trust<",
            ">https://sts.example.org<!---->/trust<",
            1,
        );
        assert_eq!(xml.matches("<!--").count(), 2, "both comments placed");
        let v = first_assertion(&xml).expect("the signature still holds");
        assert_eq!(v.issuer, "https://sts.example.org/trust");
        assert!(v
            .claims
            .iter()
            .any(|c| c.values.iter().any(|x| x == "admin")));
    }
}
