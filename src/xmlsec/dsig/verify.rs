//! Verification: canonicalize SignedInfo, verify the signature value with the key the caller
//! resolved, then recompute every reference digest over the very nodes the references name,
//! and hand out [`SignedNode`] proofs for them.

use crate::crypto::{self, DigestSink, HmacAlgorithm, RsaPublicKey};
use crate::xml::{canonicalize, C14nMethod, C14nOptions, Document, NodeId};
use crate::xmlsec::algorithm::{C14nAlgorithm, SignatureMethod};
use crate::xmlsec::dsig::model::{Reference, Signature, Transform};
use crate::xmlsec::suite::{Algorithm, Canonicalization};
use crate::xmlsec::verified::{SignedNode, VerifiedSignature};
use crate::xmlsec::{Error, Policy, ReferenceResolver};

/// The key a signature is checked with. The caller resolves KeyInfo to one of these; the
/// verifier never turns one kind into the other (an RSA public key is never an HMAC key).
#[derive(Clone, Copy, Debug)]
pub enum VerificationKey<'a> {
    /// An RSA public key.
    Rsa(&'a RsaPublicKey),
    /// A symmetric HMAC key.
    Hmac(&'a [u8]),
}

fn c14n_options(alg: &C14nAlgorithm, prefixes: Option<&str>) -> Result<C14nOptions, Error> {
    let mut o = match alg {
        C14nAlgorithm::Exclusive => C14nOptions::exclusive(),
        C14nAlgorithm::ExclusiveWithComments => C14nOptions::exclusive().with_comments(true),
        C14nAlgorithm::Inclusive => C14nOptions::inclusive(),
        C14nAlgorithm::InclusiveWithComments => C14nOptions::inclusive().with_comments(true),
        C14nAlgorithm::Unknown(u) => return Err(Error::unsupported(u)),
    };
    if let Some(p) = prefixes {
        if o.method != C14nMethod::Exclusive {
            return Err(Error::Malformed {
                what: "InclusiveNamespaces on inclusive c14n",
            });
        }
        o = o.with_prefix_list(p);
    }
    Ok(o)
}

/// What a reference URI selects.
struct Target {
    node: NodeId,
    whole_document: bool,
    keep_comments: bool,
}

fn dereference(doc: &Document, uri: Option<&str>) -> Result<Target, Error> {
    let uri = uri.ok_or(Error::ExternalReference)?;
    if uri.is_empty() {
        return Ok(Target {
            node: doc.document_node(),
            whole_document: true,
            keep_comments: false,
        });
    }
    let frag = uri.strip_prefix('#').ok_or(Error::ExternalReference)?;
    if frag == "xpointer(/)" {
        return Ok(Target {
            node: doc.document_node(),
            whole_document: true,
            keep_comments: true,
        });
    }
    let (id, keep_comments) = match frag
        .strip_prefix("xpointer(id(")
        .and_then(|r| r.strip_suffix("))"))
    {
        Some(quoted) => {
            let q = quoted.trim();
            let id = q
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .or_else(|| q.strip_prefix('"').and_then(|r| r.strip_suffix('"')))
                .ok_or(Error::ExternalReference)?;
            (id, true)
        }
        None if frag.starts_with("xpointer(") => return Err(Error::ExternalReference),
        None => (frag, false),
    };
    let node = doc
        .element_by_id(id)
        .map_err(|_| Error::DuplicateId)?
        .ok_or(Error::ReferenceNotFound)?;
    Ok(Target {
        node,
        whole_document: false,
        keep_comments,
    })
}

fn digest_reference(
    doc: &Document,
    sig: &Signature,
    r: &Reference,
    policy: &Policy,
    resolver: &dyn ReferenceResolver,
    used: &mut Vec<Algorithm>,
) -> Result<SignedNode, Error> {
    policy.check(Algorithm::Digest(r.digest))?;
    used.push(Algorithm::Digest(r.digest));
    let target = dereference(doc, r.uri.as_deref())?;
    let mut node = target.node;
    let mut exclude = None;
    let mut enveloped_seen = false;
    let mut c14n: Option<C14nOptions> = None;
    for t in &r.transforms {
        if c14n.is_some() {
            // Canonicalization produces octets; nothing we support may follow it.
            return Err(Error::Malformed {
                what: "transform after canonicalization",
            });
        }
        match t {
            Transform::Enveloped => {
                if enveloped_seen {
                    return Err(Error::Malformed {
                        what: "enveloped transform twice",
                    });
                }
                enveloped_seen = true;
                // XML-DSig §6.6.4: it removes the Signature element from the node-set. When the
                // referenced node does not contain the signature (xml-crypto adds it to every
                // reference), there is nothing to remove and it changes nothing.
                if doc.is_ancestor_or_self(node, sig.node) {
                    exclude = Some(sig.node);
                }
            }
            Transform::C14n {
                algorithm,
                prefixes,
            } => {
                check_c14n(policy, algorithm, used)?;
                c14n = Some(c14n_options(algorithm, prefixes.as_deref())?)
            }
            Transform::StrTransform { algorithm } => {
                if enveloped_seen || target.whole_document {
                    return Err(Error::Malformed {
                        what: "str-transform must stand alone on an element",
                    });
                }
                if !doc.is(node, crate::xml::ns::WSSE, "SecurityTokenReference") {
                    return Err(Error::Malformed {
                        what: "str-transform on something other than a token reference",
                    });
                }
                node = resolver
                    .dereference_token(doc, node)
                    .ok_or(Error::ReferenceNotFound)?;
                check_c14n(policy, algorithm, used)?;
                c14n = Some(c14n_options(algorithm, None)?);
            }
        }
    }
    // XML-DSig §4.4.3.2: a node-set left at the end is converted with inclusive c14n.
    if c14n.is_none() {
        let implied = Algorithm::Canonicalization(Canonicalization::Inclusive);
        policy.check(implied)?;
        used.push(implied);
    }
    let mut opts = c14n.unwrap_or_else(C14nOptions::inclusive);
    opts.with_comments = opts.with_comments && target.keep_comments;
    opts.exclude = exclude;
    if target.whole_document && exclude.is_none() && doc.is_ancestor_or_self(doc.root(), sig.node) {
        return Err(Error::Malformed {
            what: "whole-document reference without enveloped transform",
        });
    }
    let mut sink = DigestSink::new(r.digest);
    canonicalize(doc, node, &opts, &mut sink)?;
    if !crypto::ct_eq(&sink.finish(), &r.digest_value) {
        return Err(Error::DigestMismatch { index: 0 });
    }
    Ok(SignedNode::new(node, sig.node, target.whole_document))
}

/// Verifies a signature read with [`Signature::read`] against `key`.
pub fn verify(
    doc: &Document,
    sig: &Signature,
    key: VerificationKey<'_>,
    policy: &Policy,
    resolver: &dyn ReferenceResolver,
) -> Result<VerifiedSignature, Error> {
    // 0. Only algorithms the policy's suites admit, checked before any of them runs.
    let mut used = Vec::with_capacity(2 + 2 * sig.references.len());
    policy.check(Algorithm::Signature(sig.method))?;
    used.push(Algorithm::Signature(sig.method));
    check_c14n(policy, &sig.c14n, &mut used)?;

    // 1. The octets that were signed: SignedInfo, canonicalized as it says.
    let opts = c14n_options(&sig.c14n, sig.c14n_prefixes.as_deref())?;
    let mut signed_info = Vec::with_capacity(1024);
    canonicalize(doc, sig.signed_info, &opts, &mut signed_info)?;

    // 2. The signature value, with a key of the right kind.
    match (sig.method, key) {
        (SignatureMethod::Rsa(alg), VerificationKey::Rsa(pk)) => {
            if sig.hmac_output_bits.is_some() {
                return Err(Error::Malformed {
                    what: "HMACOutputLength on an rsa signature",
                });
            }
            if pk.modulus_bits() < policy.min_rsa_bits {
                return Err(Error::Refused {
                    what: "rsa key shorter than policy minimum",
                });
            }
            pk.verify(alg, &signed_info, &sig.value)?;
        }
        (SignatureMethod::Hmac(alg), VerificationKey::Hmac(k)) => {
            check_hmac_length(alg, sig.hmac_output_bits, sig.value.len())?;
            if k.len() < policy.min_hmac_key_len {
                return Err(Error::Refused {
                    what: "hmac key shorter than policy minimum",
                });
            }
            crypto::hmac_verify(alg, k, &signed_info, &sig.value)?;
        }
        _ => return Err(Error::WrongKeyType),
    }

    // 3. Every reference, over the node it names.
    let mut signed = Vec::with_capacity(sig.references.len());
    for (index, r) in sig.references.iter().enumerate() {
        let s =
            digest_reference(doc, sig, r, policy, resolver, &mut used).map_err(|e| match e {
                Error::DigestMismatch { .. } => Error::DigestMismatch { index },
                other => other,
            })?;
        signed.push(s);
    }
    Ok(VerifiedSignature {
        signature: sig.node,
        signed,
        method: sig.method,
        value: sig.value.clone(),
        algorithms: used,
    })
}

/// Refuses a c14n method no admitted suite lists, and notes it.
fn check_c14n(policy: &Policy, c: &C14nAlgorithm, used: &mut Vec<Algorithm>) -> Result<(), Error> {
    let Some(kind) = c.canonicalization() else {
        return Err(Error::unsupported(c.uri()));
    };
    let a = Algorithm::Canonicalization(kind);
    policy.check(a)?;
    used.push(a);
    Ok(())
}

/// CVE-2009-0217: a truncated HMAC is refused. `HMACOutputLength`, when present, must equal
/// the full output length, and so must the signature value.
fn check_hmac_length(
    alg: HmacAlgorithm,
    bits: Option<usize>,
    value_len: usize,
) -> Result<(), Error> {
    let full = alg.output_len();
    if let Some(b) = bits {
        if b != full * 8 {
            return Err(Error::Refused {
                what: "truncated hmac output length",
            });
        }
    }
    if value_len != full {
        return Err(Error::Refused {
            what: "truncated hmac signature value",
        });
    }
    Ok(())
}
