//! The security context tokens our STS issues, as written by the STS and read by a service.
//!
//! ```text
//! <wsc:SecurityContextToken wsu:Id="sct-…">
//!   <wsc:Identifier>…</wsc:Identifier>
//!   <wsc:Instance>…</wsc:Instance>                 only after a renewal
//!   <wsx:Issuer>STS issuer URI</wsx:Issuer>
//!   <wsx:Audience>realm name</wsx:Audience>
//!   <wsx:Created>xsd:dateTime</wsx:Created>
//!   <wsx:Expires>xsd:dateTime</wsx:Expires>
//!   <wsx:Principal>authenticated requester</wsx:Principal>
//!   <wsx:ActAs>delegating principal</wsx:ActAs>     only for delegated tokens
//!   <wsx:Claim Name="right URI">value</wsx:Claim>   zero or more
//!   <xenc:EncryptedKey>the context key, for the service's certificate</xenc:EncryptedKey>
//!   <wsx:IssuerKey>…</wsx:IssuerKey>                issuer-key protection only (below)
//!   <ds:Signature>enveloped, by the STS</ds:Signature>
//! </wsc:SecurityContextToken>
//! ```
//!
//! The STS vouches for a token in one of two ways ([`SctProtection`]):
//!
//! * **RSA signature**: the enveloped `ds:Signature` is RSA-SHA256 with the STS key (its
//!   certificate named by thumbprint). One private-key operation per token.
//! * **Issuer key** (the default): per realm and period the STS makes a random 256-bit key,
//!   encrypts it for the service (RSA-OAEP) and signs that statement once with RSA-SHA256:
//!
//!   ```text
//!   <wsx:IssuerKey>
//!     <wsx:Name>ik-…</wsx:Name>
//!     <wsx:Issuer>…</wsx:Issuer> <wsx:Audience>realm name</wsx:Audience>
//!     <wsx:Created>…</wsx:Created> <wsx:Expires>…</wsx:Expires>
//!     <xenc:EncryptedKey>the issuer key, for the service's certificate</xenc:EncryptedKey>
//!     <ds:Signature>enveloped, URI="", RSA-SHA256, by the STS</ds:Signature>
//!   </wsx:IssuerKey>
//!   ```
//!
//!   Every token of that period carries the same `wsx:IssuerKey` and is signed enveloped with
//!   HMAC-SHA256 under the issuer key (KeyInfo: `ds:KeyName` = the issuer key's `wsx:Name`).
//!   The issuer key is signed as a document of its own (reference `URI=""`) and has no ID
//!   attribute: two tokens of one response (a collection) carry it twice without duplicating
//!   an ID; the service checks it standalone (cut out and parsed, once per period). The service checks the
//!   STS's RSA signature on the issuer key and decrypts it once per period ([`IssuerKeyCache`]),
//!   then each token costs it one HMAC. The trust root is unchanged (the STS certificate); the
//!   STS saves the private-key operation per token (the session-ticket idea of TLS, and of
//!   Kerberos service tickets, with the service key delivered under the STS's signature). The
//!   issuer key is encrypted only for the realm's service, so only that service (which could
//!   not gain from forging tokens addressed to itself) and the STS hold it. The cache is keyed
//!   by the SHA-256 of the issuer key's exclusive canonical form, so a changed statement is
//!   never taken for a verified one.
//!
//! //! The `wsx` elements sit in the SCT's schema wildcard (`xs:any namespace="##any"`). The
//! token's signature covers the whole token (issuer key included), so everything a service
//! reads from it is the STS's word. [`open`] checks either form and decrypts the token's key.
//!
//! The store keys of revocation ([`cancelled_key`], [`superseded_key`]) are defined here too:
//! the STS writes them and a service sharing the store reads them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::crypto::{DigestAlgorithm, DigestSink, OaepParams, RsaPrivateKey, SecretBytes};
use crate::pki::Certificate;
use crate::trust::ScVersion;
use crate::wss;
use crate::xml::{canonicalize, ns, C14nOptions, Document, NodeId, Writer};
use crate::xmlsec::{
    self, decrypt_key, EncryptedKey, KeyEncryptionKey, NoResolver, Policy, Signature,
    VerificationKey,
};

use super::Error;

/// What an SCT says besides its key.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct SctContent {
    /// `wsc:Identifier`.
    pub identifier: String,
    /// `wsc:Instance` (present after a renewal).
    pub instance: Option<String>,
    /// The issuing STS.
    pub issuer: String,
    /// The service the token is for (the realm's name).
    pub audience: String,
    /// Issue time of this instance, ms since the epoch.
    pub created_ms: i64,
    /// Expiry of this instance, ms since the epoch.
    pub expires_ms: i64,
    /// The authenticated requester (the proof-key holder).
    pub principal: String,
    /// For delegated tokens: the principal the holder acts for.
    pub act_as: Option<String>,
    /// Granted claims (rights), as (name, value).
    pub claims: Vec<(String, String)>,
}

/// How the STS vouches for the SCTs of a realm (see the module documentation).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum SctProtection {
    /// HMAC-SHA256 under a per-period issuer key the STS signed once for the service.
    #[default]
    IssuerKey,
    /// An RSA-SHA256 signature by the STS on each token.
    RsaSignature,
}

/// Writes the SCT (without its signature: the caller signs the element enveloped) with `key`
/// encrypted for `service` (RSA-OAEP, referenced by subject key identifier). `extra` writes
/// what goes after the EncryptedKey (the issuer key, for issuer-key protection).
pub fn write_unsigned(
    w: &mut Writer,
    sc: ScVersion,
    id: &str,
    c: &SctContent,
    key: &[u8],
    service: &Certificate,
    extra: &dyn Fn(&mut Writer),
) -> Result<(), xmlsec::Error> {
    w.start(sc.namespace(), "SecurityContextToken")
        .attr(ns::WSU, "Id", id);
    w.element_text(sc.namespace(), "Identifier", &c.identifier);
    if let Some(i) = &c.instance {
        w.element_text(sc.namespace(), "Instance", i);
    }
    w.element_text(ns::WSX, "Issuer", &c.issuer);
    w.element_text(ns::WSX, "Audience", &c.audience);
    w.element_text(ns::WSX, "Created", &wss::time::format(c.created_ms));
    w.element_text(ns::WSX, "Expires", &wss::time::format(c.expires_ms));
    w.element_text(ns::WSX, "Principal", &c.principal);
    if let Some(a) = &c.act_as {
        w.element_text(ns::WSX, "ActAs", a);
    }
    for (name, value) in &c.claims {
        w.start(ns::WSX, "Claim")
            .attr("", "Name", name)
            .text(value)
            .end();
    }
    write_key_for(w, key, service)?;
    extra(w);
    w.end();
    Ok(())
}

/// `key` as an EncryptedKey for `service` (RSA-OAEP, referenced by subject key identifier).
fn write_key_for(w: &mut Writer, key: &[u8], service: &Certificate) -> Result<(), xmlsec::Error> {
    let ski = xmlsec::base64_encode(&service.subject_key_id());
    let ki = |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::X509_SKI, &ski);
    xmlsec::write_encrypted_key(
        w,
        None,
        key,
        service.public_key(),
        &OaepParams::sha1(),
        Some(&ki),
        &[],
    )
}

/// What a `wsx:IssuerKey` says besides its key.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct IssuerKeyContent {
    /// `wsx:Name`: what the tokens' `ds:KeyName` says.
    pub name: String,
    /// The issuing STS.
    pub issuer: String,
    /// The service (realm name) the key is for.
    pub audience: String,
    /// Start of the period, ms since the epoch.
    pub created_ms: i64,
    /// No token signed with the key is valid after this, ms since the epoch.
    pub expires_ms: i64,
}

/// Writes a `wsx:IssuerKey` (without its signature: the STS signs it enveloped, as a document
/// of its own) carrying `key` encrypted for `service`.
pub fn write_issuer_key_unsigned(
    w: &mut Writer,
    c: &IssuerKeyContent,
    key: &[u8],
    service: &Certificate,
) -> Result<(), xmlsec::Error> {
    w.start(ns::WSX, "IssuerKey");
    w.element_text(ns::WSX, "Name", &c.name);
    w.element_text(ns::WSX, "Issuer", &c.issuer);
    w.element_text(ns::WSX, "Audience", &c.audience);
    w.element_text(ns::WSX, "Created", &wss::time::format(c.created_ms));
    w.element_text(ns::WSX, "Expires", &wss::time::format(c.expires_ms));
    write_key_for(w, key, service)?;
    w.end();
    Ok(())
}

/// Reads what `wsx:IssuerKey` element `el` says (not its key, not its signature).
pub fn read_issuer_key(doc: &Document, el: NodeId) -> Result<IssuerKeyContent, Error> {
    if !doc.is(el, ns::WSX, "IssuerKey") {
        return Err(Error::Token {
            what: "not an issuer key",
        });
    }
    let time = |local: &'static str| -> Result<i64, Error> {
        wss::time::parse(&one(doc, el, ns::WSX, local)?).ok_or(Error::Token { what: local })
    };
    Ok(IssuerKeyContent {
        name: one(doc, el, ns::WSX, "Name")?,
        issuer: one(doc, el, ns::WSX, "Issuer")?,
        audience: one(doc, el, ns::WSX, "Audience")?,
        created_ms: time("Created")?,
        expires_ms: time("Expires")?,
    })
}

/// A verified issuer key: what it says and the key.
type VerifiedIssuerKey = Arc<(IssuerKeyContent, SecretBytes)>;

/// Issuer keys a service has verified and decrypted, by the SHA-256 of their canonical form.
#[derive(Default)]
pub struct IssuerKeyCache {
    entries: Mutex<HashMap<Vec<u8>, VerifiedIssuerKey>>,
}

/// Most issuer keys remembered (a few per period and STS node); the cache starts over when
/// full, which only costs one more verification.
const ISSUER_KEY_CACHE: usize = 256;

impl IssuerKeyCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&self, digest: &[u8]) -> Option<VerifiedIssuerKey> {
        self.entries.lock().ok()?.get(digest).cloned()
    }

    fn put(&self, digest: Vec<u8>, entry: VerifiedIssuerKey) {
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= ISSUER_KEY_CACHE {
                m.clear();
            }
            m.insert(digest, entry);
        }
    }
}

/// The one element child `local` (namespace `ns_`) of `el`; none or two is an error.
fn only_child(doc: &Document, el: NodeId, ns_: &str, local: &'static str) -> Result<NodeId, Error> {
    let mut it = doc.children_named(el, ns_, local);
    let first = it.next().ok_or(Error::Token { what: local })?;
    if it.next().is_some() {
        return Err(Error::Token {
            what: "duplicate element in sct",
        });
    }
    Ok(first)
}

/// Verifies the enveloped signature of `el` (its one `ds:Signature` child) with `key`, and
/// that it covers `el` itself.
fn verify_enveloped(
    doc: &Document,
    el: NodeId,
    key: VerificationKey<'_>,
    policy: &Policy,
) -> Result<(), Error> {
    let sig_node = only_child(doc, el, ns::DS, "Signature")?;
    let sig = Signature::read(doc, sig_node, policy)?;
    let verified = xmlsec::verify(doc, &sig, key, policy, &NoResolver)?;
    let whole = el == doc.root() && verified.references(doc.document_node());
    if !(whole || verified.references(el)) {
        return Err(Error::Token {
            what: "signature does not cover the token",
        });
    }
    Ok(())
}

/// Verifies the STS's RSA signature on `el` with one of `sts_certs`.
fn verify_by_sts(
    doc: &Document,
    el: NodeId,
    sts_certs: &[Certificate],
    policy: &Policy,
) -> Result<(), Error> {
    if sts_certs
        .iter()
        .any(|c| verify_enveloped(doc, el, VerificationKey::Rsa(c.public_key()), policy).is_ok())
    {
        Ok(())
    } else {
        Err(Error::Token {
            what: "signature does not verify with a trusted sts certificate",
        })
    }
}

/// The keys and policy a service checks SCTs with.
pub struct ServiceKeys<'a> {
    /// STS certificates whose signature is trusted.
    pub sts_certs: &'a [Certificate],
    /// The service's private key (the token and issuer keys are encrypted for it).
    pub service_key: &'a RsaPrivateKey,
    /// Signature and decryption policy.
    pub policy: &'a Policy,
    /// Verified issuer keys, when the caller keeps them between tokens.
    pub cache: Option<&'a IssuerKeyCache>,
}

/// Checks that a trusted STS vouches for SCT element `el` (either protection) and decrypts
/// the token's key for the service. Audience, lifetime and revocation are the caller's.
pub fn open(
    doc: &Document,
    el: NodeId,
    keys: &ServiceKeys<'_>,
) -> Result<(SctContent, SecretBytes), Error> {
    let content = read(doc, el)?;
    match doc.children_named(el, ns::WSX, "IssuerKey").count() {
        0 => verify_by_sts(doc, el, keys.sts_certs, keys.policy)?,
        1 => {
            let ik = only_child(doc, el, ns::WSX, "IssuerKey")?;
            let issuer_key = issuer_key(doc, ik, keys)?;
            let (ikc, k) = &*issuer_key;
            if ikc.audience != content.audience || ikc.issuer != content.issuer {
                return Err(Error::Token {
                    what: "issuer key for another audience or issuer",
                });
            }
            if content.expires_ms > ikc.expires_ms || content.created_ms < ikc.created_ms {
                return Err(Error::Token {
                    what: "token outside its issuer key's period",
                });
            }
            verify_enveloped(doc, el, VerificationKey::Hmac(k.expose()), keys.policy).map_err(
                |_| Error::Token {
                    what: "token signature does not verify with its issuer key",
                },
            )?;
        }
        _ => {
            return Err(Error::Token {
                what: "two issuer keys",
            })
        }
    }
    let ek = EncryptedKey::read(doc, only_child(doc, el, ns::XENC, "EncryptedKey")?)?;
    let key = decrypt_key(&ek, KeyEncryptionKey::Rsa(keys.service_key), keys.policy)?;
    Ok((content, key))
}

/// The issuer key `ik` carries: from the cache, or verified (STS signature) and decrypted.
fn issuer_key(
    doc: &Document,
    ik: NodeId,
    keys: &ServiceKeys<'_>,
) -> Result<VerifiedIssuerKey, Error> {
    let mut sink = DigestSink::new(DigestAlgorithm::Sha256);
    canonicalize(doc, ik, &C14nOptions::exclusive(), &mut sink)?;
    let digest = sink.finish();
    if let Some(hit) = keys.cache.and_then(|c| c.get(&digest)) {
        return Ok(hit);
    }
    // Signed as a document of its own: checked as one, and read from what was checked.
    let mut w = Writer::new();
    w.copy(doc, ik);
    let text = w.finish()?;
    let own = Document::parse(text.as_bytes())?;
    let ik = own.root();
    verify_by_sts(&own, ik, keys.sts_certs, keys.policy)?;
    let content = read_issuer_key(&own, ik)?;
    let ek = EncryptedKey::read(&own, only_child(&own, ik, ns::XENC, "EncryptedKey")?)?;
    let key = decrypt_key(&ek, KeyEncryptionKey::Rsa(keys.service_key), keys.policy)?;
    if key.len() < 32 {
        return Err(Error::Token {
            what: "issuer key shorter than 256 bits",
        });
    }
    let entry = Arc::new((content, key));
    if let Some(c) = keys.cache {
        c.put(digest, entry.clone());
    }
    Ok(entry)
}

fn one(doc: &Document, el: NodeId, ns_: &str, local: &'static str) -> Result<String, Error> {
    Ok(doc.text(only_child(doc, el, ns_, local)?).trim().to_owned())
}

fn opt(
    doc: &Document,
    el: NodeId,
    ns_: &str,
    local: &'static str,
) -> Result<Option<String>, Error> {
    if doc.children_named(el, ns_, local).next().is_none() {
        return Ok(None);
    }
    one(doc, el, ns_, local).map(Some)
}

/// Reads what SCT element `el` says (not its key, not its signature).
pub fn read(doc: &Document, el: NodeId) -> Result<SctContent, Error> {
    let sc = ScVersion::from_namespace(doc.name(el).ns)
        .filter(|_| doc.name(el).local == "SecurityContextToken")
        .ok_or(Error::Token {
            what: "not a security context token",
        })?;
    let sns = sc.namespace();
    let time = |local: &'static str| -> Result<i64, Error> {
        wss::time::parse(&one(doc, el, ns::WSX, local)?).ok_or(Error::Token { what: local })
    };
    let claims = doc
        .children_named(el, ns::WSX, "Claim")
        .map(|c| {
            (
                doc.attribute(c, "", "Name").unwrap_or("").trim().to_owned(),
                doc.text(c).trim().to_owned(),
            )
        })
        .collect();
    Ok(SctContent {
        identifier: one(doc, el, sns, "Identifier")?,
        instance: opt(doc, el, sns, "Instance")?,
        issuer: one(doc, el, ns::WSX, "Issuer")?,
        audience: one(doc, el, ns::WSX, "Audience")?,
        created_ms: time("Created")?,
        expires_ms: time("Expires")?,
        principal: one(doc, el, ns::WSX, "Principal")?,
        act_as: opt(doc, el, ns::WSX, "ActAs")?,
        claims,
    })
}

/// The store key (space `Revoked`) marking context `identifier` cancelled: every instance of
/// it is refused.
pub fn cancelled_key(identifier: &str) -> Vec<u8> {
    identifier.as_bytes().to_vec()
}

/// The store key (space `Revoked`) marking one instance of a context superseded by a renewal
/// (`None`: the instance issued first).
pub fn superseded_key(identifier: &str, instance: Option<&str>) -> Vec<u8> {
    format!("{identifier}|{}", instance.unwrap_or("")).into_bytes()
}
