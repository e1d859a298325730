//! Signing: builds a `ds:Signature` element over nodes of a parsed document, with exclusive
//! c14n, for the caller to insert (in a `wsse:Security` header, or enveloped in a SAML
//! assertion). Exclusive c14n makes the digests independent of where the element goes.

use crate::crypto::{self, DigestAlgorithm, DigestSink, RsaPrivateKey, SignatureAlgorithm};
use crate::xml::{canonicalize, ns, C14nOptions, Document, NodeId, Writer};
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

/// Builds the `ds:Signature` element text. `key_info` writes the content of `ds:KeyInfo`
/// (e.g. a `wsse:SecurityTokenReference`); `None` leaves KeyInfo out.
pub fn sign(
    doc: &Document,
    refs: &[SignReference<'_>],
    spec: SignatureSpec<'_>,
    key: SigningKey<'_>,
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<String, Error> {
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

    // Canonical SignedInfo: written standalone, parsed, canonicalized. Exclusive c14n makes
    // it equal to its canonical form once inside the Signature element.
    let mut si = Writer::with_capacity(1024);
    write_signed_info(&mut si, spec.method, spec.digest, &digested);
    let si_text = si.finish()?;
    let si_doc = Document::parse(si_text.as_bytes())?;
    let mut canonical = Vec::with_capacity(si_text.len());
    canonicalize(
        &si_doc,
        si_doc.root(),
        &C14nOptions::exclusive(),
        &mut canonical,
    )?;

    let value = match (spec.method, key) {
        (SignatureMethod::Rsa(alg), SigningKey::Rsa(k)) => k.sign(alg, &canonical)?,
        (SignatureMethod::Hmac(alg), SigningKey::Hmac(k)) => crypto::hmac_sign(alg, k, &canonical),
        _ => return Err(Error::WrongKeyType),
    };

    let mut w = Writer::with_capacity(si_text.len() + 1024);
    w.start_prefixed(ns::DS, "Signature", Some("ds"));
    if let Some(id) = spec.id {
        w.attr("", "Id", id);
    }
    write_signed_info(&mut w, spec.method, spec.digest, &digested);
    w.element_text(ns::DS, "SignatureValue", &base64::encode(&value));
    if let Some(ki) = key_info {
        w.start_prefixed(ns::DS, "KeyInfo", Some("ds"));
        ki(&mut w);
        w.end();
    }
    w.end();
    Ok(w.finish()?)
}
