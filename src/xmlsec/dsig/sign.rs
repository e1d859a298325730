//! Signing: builds a `ds:Signature` element over nodes of a parsed document, with exclusive
//! c14n, for the caller to insert (in a `wsse:Security` header, or enveloped in a SAML
//! assertion). Exclusive c14n makes the digests independent of where the element goes.

use crate::crypto::{self, DigestAlgorithm, DigestSink, RsaPrivateKey, SignatureAlgorithm};
use crate::xml::{canonicalize, ns, C14nOptions, CaptureKind, Document, NodeId, Writer};
use crate::xmlsec::algorithm::{self, uri, SignatureMethod};
use crate::xmlsec::{base64, Error};

/// One reference to make.
#[derive(Clone, Debug)]
pub struct SignReference<'a> {
    /// The element to cover; it must carry an Id attribute named in `uri`, or be the
    /// document element when `uri` is empty.
    pub node: NodeId,
    /// `#id` of the element, or `""` for the whole document.
    pub uri: String,
    /// Add the enveloped-signature transform (the signature will be inserted inside `node`).
    pub enveloped: bool,
    /// InclusiveNamespaces PrefixList for the exc-c14n transform (needed when content uses
    /// a prefix only in text, like `xsi:type="xs:string"`).
    pub prefixes: Option<&'a str>,
}

/// The key a signature is made with.
#[derive(Clone, Copy, Debug)]
pub enum SigningKey<'a> {
    /// An RSA private key (RSA-SHA256/384/512).
    Rsa(&'a RsaPrivateKey),
    /// An HMAC key (a proof key or a derived key).
    Hmac(&'a [u8]),
}

/// Everything about the signature to make, except the key.
#[derive(Clone, Copy, Debug)]
pub struct SignatureSpec<'a> {
    /// Signature method.
    pub method: SignatureMethod,
    /// Digest for every reference.
    pub digest: DigestAlgorithm,
    /// `Id` of the `ds:Signature` element, if wanted.
    pub id: Option<&'a str>,
}

impl Default for SignatureSpec<'_> {
    fn default() -> Self {
        Self {
            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
            digest: DigestAlgorithm::Sha256,
            id: None,
        }
    }
}

struct Digested {
    uri: String,
    enveloped: bool,
    prefixes: Option<String>,
    value: String,
}

fn write_signed_info(
    w: &mut Writer,
    method: SignatureMethod,
    digest: DigestAlgorithm,
    refs: &[Digested],
) {
    w.start_prefixed(ns::DS, "SignedInfo", Some("ds"));
    w.start_prefixed(ns::DS, "CanonicalizationMethod", Some("ds"))
        .attr("", "Algorithm", uri::EXC_C14N)
        .end();
    w.start_prefixed(ns::DS, "SignatureMethod", Some("ds"))
        .attr("", "Algorithm", method.uri())
        .end();
    for r in refs {
        w.start_prefixed(ns::DS, "Reference", Some("ds"))
            .attr("", "URI", &r.uri);
        w.start_prefixed(ns::DS, "Transforms", Some("ds"));
        if r.enveloped {
            w.start_prefixed(ns::DS, "Transform", Some("ds"))
                .attr("", "Algorithm", uri::ENVELOPED)
                .end();
        }
        w.start_prefixed(ns::DS, "Transform", Some("ds"))
            .attr("", "Algorithm", uri::EXC_C14N);
        if let Some(p) = &r.prefixes {
            w.start_prefixed(ns::EXC_C14N, "InclusiveNamespaces", Some("ec"))
                .attr("", "PrefixList", p)
                .end();
        }
        w.end();
        w.end();
        w.start_prefixed(ns::DS, "DigestMethod", Some("ds"))
            .attr("", "Algorithm", algorithm::digest_uri(digest))
            .end();
        w.element_text(ns::DS, "DigestValue", &r.value);
        w.end();
    }
    w.end();
}

/// A signature made by [`sign_with_value`]: the `ds:Signature` element text, and the raw
/// SignatureValue in it (what a peer's `wsse11:SignatureConfirmation` must echo).
#[derive(Clone, Debug)]
pub struct MadeSignature {
    /// The `ds:Signature` element (declares the namespaces it uses).
    pub xml: String,
    /// The signature value (the bytes base64-encoded in `ds:SignatureValue`).
    pub value: Vec<u8>,
}

/// Builds the `ds:Signature` element text. `key_info` writes the content of `ds:KeyInfo`
/// (e.g. a `wsse:SecurityTokenReference`); `None` leaves KeyInfo out.
pub fn sign(
    doc: &Document,
    refs: &[SignReference<'_>],
    spec: SignatureSpec<'_>,
    key: SigningKey<'_>,
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<String, Error> {
    Ok(sign_with_value(doc, refs, spec, key, key_info)?.xml)
}

/// As [`sign`], also returning the signature value, so the caller need not read it back.
pub fn sign_with_value(
    doc: &Document,
    refs: &[SignReference<'_>],
    spec: SignatureSpec<'_>,
    key: SigningKey<'_>,
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<MadeSignature, Error> {
    let mut digested = Vec::with_capacity(refs.len());
    for r in refs {
        if r.uri.is_empty() {
            // The whole document: its element (we write nothing outside it).
            if r.node != doc.root() {
                return Err(Error::ReferenceNotFound);
            }
        } else {
            let id = r.uri.strip_prefix('#').ok_or(Error::ExternalReference)?;
            match doc.element_by_id(id) {
                Ok(Some(n)) if n == r.node => {}
                Ok(_) => return Err(Error::ReferenceNotFound),
                Err(_) => return Err(Error::DuplicateId),
            }
        }
        let mut opts = C14nOptions::exclusive();
        if let Some(p) = r.prefixes {
            opts = opts.with_prefix_list(p);
        }
        let mut sink = DigestSink::new(spec.digest);
        canonicalize(doc, r.node, &opts, &mut sink)?;
        digested.push(Digested {
            uri: r.uri.clone(),
            enveloped: r.enveloped,
            prefixes: r.prefixes.map(str::to_owned),
            value: base64::encode(&sink.finish()),
        });
    }

    finish(&digested, spec, key, key_info)
}

/// One reference over bytes already in exclusive canonical form: what the writer captured
/// of an element it wrote ([`crate::xml::Writer::capture`]), so signing our own output needs
/// no parse.
#[derive(Clone, Copy, Debug)]
pub struct CanonicalReference<'a> {
    /// `#id` of the element, or `""` for the whole document.
    pub uri: &'a str,
    /// The enveloped-signature transform (the signature goes inside the element afterwards).
    pub enveloped: bool,
    /// The element's exclusive canonical form (without the signature).
    pub canonical: &'a [u8],
}

/// As [`sign_with_value`], over references whose canonical form the caller already has.
pub fn sign_canonical(
    refs: &[CanonicalReference<'_>],
    spec: SignatureSpec<'_>,
    key: SigningKey<'_>,
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<MadeSignature, Error> {
    let digested: Vec<Digested> = refs
        .iter()
        .map(|r| {
            if !(r.uri.is_empty() || r.uri.starts_with('#')) {
                return Err(Error::ExternalReference);
            }
            Ok(Digested {
                uri: r.uri.to_owned(),
                enveloped: r.enveloped,
                prefixes: None,
                value: base64::encode(&crypto::digest(spec.digest, r.canonical)),
            })
        })
        .collect::<Result<_, _>>()?;
    finish(&digested, spec, key, key_info)
}

/// Finishes `w`, whose document element it captured ([`Writer::capture_next`] with
/// [`CaptureKind::Element`] before the element was started), and signs that element
/// enveloped (reference `uri`: `#Id`, or `""` for the document) over the captured canonical
/// form: no parse. The signature goes in at byte `at` of the text (the start of a child of
/// the element), else as its last child.
pub fn sign_written_enveloped(
    w: Writer,
    uri: &str,
    at: Option<usize>,
    spec: SignatureSpec<'_>,
    key: SigningKey<'_>,
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<String, Error> {
    let (mut xml, captured) = w.finish_captured()?;
    // The document element ends last.
    let element = captured
        .last()
        .filter(|c| c.kind() == CaptureKind::Element)
        .ok_or(Error::ReferenceNotFound)?;
    let made = sign_canonical(
        &[CanonicalReference {
            uri,
            enveloped: true,
            canonical: element.canonical(),
        }],
        spec,
        key,
        key_info,
    )?;
    let at = at.unwrap_or_else(|| element.content().end);
    if at > xml.len() || !xml.is_char_boundary(at) {
        return Err(Error::ReferenceNotFound);
    }
    xml.insert_str(at, &made.xml);
    Ok(xml)
}

/// Signs the SignedInfo over `digested` and writes the `ds:Signature` element.
fn finish(
    digested: &[Digested],
    spec: SignatureSpec<'_>,
    key: SigningKey<'_>,
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<MadeSignature, Error> {
    let canonical = canonical_signed_info(spec.method, spec.digest, digested)?;

    let value = match (spec.method, key) {
        (SignatureMethod::Rsa(alg), SigningKey::Rsa(k)) => k.sign(alg, &canonical)?,
        (SignatureMethod::Hmac(alg), SigningKey::Hmac(k)) => crypto::hmac_sign(alg, k, &canonical),
        _ => return Err(Error::WrongKeyType),
    };

    let mut w = Writer::with_capacity(canonical.len() + 1024);
    w.start_prefixed(ns::DS, "Signature", Some("ds"));
    if let Some(id) = spec.id {
        w.attr("", "Id", id);
    }
    write_signed_info(&mut w, spec.method, spec.digest, digested);
    w.element_text(ns::DS, "SignatureValue", &base64::encode(&value));
    if let Some(ki) = key_info {
        w.start_prefixed(ns::DS, "KeyInfo", Some("ds"));
        ki(&mut w);
        w.end();
    }
    w.end();
    Ok(MadeSignature {
        xml: w.finish()?,
        value,
    })
}

/// The exclusive canonical form of the SignedInfo [`write_signed_info`] writes, without
/// parsing it: written stand-alone, the writer declares `ds` on SignedInfo and `ec` on each
/// InclusiveNamespaces (the only elements using them), every element has at most one
/// attribute, and text and attribute values are escaped by the Canonical XML rules; so with
/// empty elements written as start and end tags, the text is its own canonical form. Exclusive
/// c14n makes it equal to the canonical form of the SignedInfo inside the Signature element.
fn canonical_signed_info(
    method: SignatureMethod,
    digest: DigestAlgorithm,
    refs: &[Digested],
) -> Result<Vec<u8>, Error> {
    let mut si = Writer::canonical_empty_elements();
    write_signed_info(&mut si, method, digest, refs);
    let canonical = si.finish()?.into_bytes();
    debug_assert_eq!(
        Some(&canonical),
        parsed_canonical_signed_info(&canonical).as_ref(),
        "SignedInfo written is not its own canonical form"
    );
    Ok(canonical)
}

/// The canonical form of `si` by parsing it (the check of [`canonical_signed_info`] in debug
/// builds and tests; `debug_assert` never runs it in release builds).
fn parsed_canonical_signed_info(si: &[u8]) -> Option<Vec<u8>> {
    let doc = Document::parse(si).ok()?;
    let mut out = Vec::with_capacity(si.len());
    canonicalize(&doc, doc.root(), &C14nOptions::exclusive(), &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HmacAlgorithm;

    /// The SignedInfo signed is the exclusive canonical form of the SignedInfo written into
    /// the Signature, also with values that need escaping in attributes.
    #[test]
    fn signed_info_signed_is_the_canonical_form_of_the_one_written() {
        let doc = Document::parse(
            br#"<r xmlns:p="urn:p"><p:a Id="x&amp;&lt;&gt;&quot;&#x9;&#xA;&#xD;'y">t</p:a><b Id="b1"/></r>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let a = doc
            .element_by_id("x&<>\"\t\n\r'y")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a"));
        let b = doc
            .element_by_id("b1")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("b"));
        let refs = [
            SignReference {
                node: a,
                uri: "#x&<>\"\t\n\r'y".to_owned(),
                enveloped: false,
                prefixes: Some("p #default"),
            },
            SignReference {
                node: b,
                uri: "#b1".to_owned(),
                enveloped: true,
                prefixes: None,
            },
        ];
        let key = [7u8; 32];
        let spec = SignatureSpec {
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            digest: DigestAlgorithm::Sha256,
            id: Some("sig&1"),
        };
        let ki = |w: &mut Writer| {
            w.element_text("urn:k", "K", "k");
        };
        let made = sign_with_value(&doc, &refs, spec, SigningKey::Hmac(&key), Some(&ki))
            .unwrap_or_else(|e| panic!("{e}"));

        let sig = Document::parse(made.xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let si = sig
            .child(sig.root(), ns::DS, "SignedInfo")
            .unwrap_or_else(|| panic!("SignedInfo"));
        let mut canonical = Vec::new();
        canonicalize(&sig, si, &C14nOptions::exclusive(), &mut canonical)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            made.value,
            crypto::hmac_sign(HmacAlgorithm::Sha256, &key, &canonical),
            "the value signs the canonical SignedInfo as written"
        );
        let sv = sig
            .child(sig.root(), ns::DS, "SignatureValue")
            .map(|v| sig.text(v))
            .unwrap_or_default();
        assert_eq!(base64::decode(&sv), Some(made.value.clone()));
        assert_eq!(
            made.xml,
            sign(&doc, &refs, spec, SigningKey::Hmac(&key), Some(&ki))
                .unwrap_or_else(|e| panic!("{e}"))
        );
    }
}
