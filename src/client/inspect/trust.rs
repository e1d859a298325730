//! How `inspect` explains WS-Trust messages: the RST and RSTR elements, entropy, proof and
//! requested tokens, references, and the signatures on issued tokens.

use crate::trust::{
    Entropy, Fragment, FromElement, Parameters, RequestSecurityToken, RequestSecurityTokenResponse,
    RequestedProofToken, RequestedReference, StrInfo, TokenHolder, TokenKind, TrustMessage,
    TrustVersion,
};
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::{
    self, decrypt_key, EncryptedKey, KeyEncryptionKey, NoResolver, Policy, Signature,
    VerificationKey,
};

use crate::client::Error;

use super::{
    clean, describe_key_info, key_summary, open_encrypted_key, short, version_name, InspectKeys,
    Report,
};

pub(super) fn explain_trust(
    r: &mut Report,
    doc: &Document,
    el: NodeId,
    keys: &InspectKeys,
) -> Result<(), Error> {
    let msg = TrustMessage::read(doc, el).map_err(|e| Error::Inspect {
        what: format!("the WS-Trust message does not read: {e}"),
    })?;
    match &msg {
        TrustMessage::Rst(m) => explain_rst(r, m, 0, keys),
        TrustMessage::Rstc(c) => {
            r.line(
                0,
                format!(
                    "{} RequestSecurityTokenCollection of {}",
                    version_name(c.version),
                    c.requests.len()
                ),
            );
            for m in &c.requests {
                explain_rst(r, m, 1, keys);
            }
        }
        TrustMessage::Rstr(m) => explain_rstr(r, m, 0, keys),
        TrustMessage::Rstrc(c) => {
            r.line(
                0,
                format!(
                    "{} RequestSecurityTokenResponseCollection of {}",
                    version_name(c.version),
                    c.responses.len()
                ),
            );
            for m in &c.responses {
                explain_rstr(r, m, 1, keys);
            }
        }
    }
    Ok(())
}

fn explain_entropy(r: &mut Report, i: usize, label: &str, e: &Entropy, keys: &InspectKeys) {
    match e {
        Entropy::BinarySecret(b) => r.line(
            i,
            format!(
                "{label}: BinarySecret ({}), {}",
                b.kind.as_ref().map_or_else(
                    || "key".into(),
                    |k| short(&k.uri(TrustVersion::V13)).to_owned()
                ),
                key_summary(b.value.expose(), keys)
            ),
        ),
        Entropy::EncryptedKey(f) => {
            if let Some((d, n)) = f.first_element() {
                r.line(i, format!("{label}: {}", open_encrypted_key(d, n, keys)));
            }
        }
        Entropy::Other(_) => r.line(i, format!("{label}: other content")),
    }
}

fn explain_holder(r: &mut Report, i: usize, label: &str, h: &TokenHolder, keys: &InspectKeys) {
    let kind = match h.token_kind() {
        Some(TokenKind::SecurityContextToken(t)) => format!(
            "SecurityContextToken, identifier {}{}",
            clean(&t.identifier),
            t.instance
                .as_deref()
                .map(|x| format!(", instance {x}"))
                .unwrap_or_default()
        ),
        Some(TokenKind::Saml2 { id }) => format!("SAML 2.0 assertion {}", id.unwrap_or_default()),
        Some(TokenKind::Saml1 { assertion_id }) => {
            format!("SAML 1.1 assertion {}", assertion_id.unwrap_or_default())
        }
        Some(TokenKind::SecurityTokenReference(s)) => format!("a reference: {}", describe_str(&s)),
        Some(TokenKind::UsernameToken { username, .. }) => {
            format!("UsernameToken of {}", username.unwrap_or_default())
        }
        Some(TokenKind::BinarySecurityToken { .. }) => "a BinarySecurityToken".into(),
        Some(TokenKind::EndpointReference { address }) => {
            format!("endpoint {}", address.unwrap_or_default())
        }
        Some(TokenKind::EncryptedData { .. }) => "an encrypted token".into(),
        Some(TokenKind::Other(s)) => format!("{} ({})", s.local, s.ns),
        None => "nothing".into(),
    };
    r.line(i, format!("{label}: {kind}"));
    // Inside a token: its own signature and the EncryptedKey for the service.
    if let Some((d, tok)) = h.content.first_element() {
        let issuer_key = d.child(tok, ns::WSX, "IssuerKey");
        if let Some(ik) = issuer_key {
            // Signed as a document of its own (URI=""): checked as one.
            let mut w = crate::xml::Writer::new();
            w.copy(d, ik);
            let own = w
                .finish()
                .ok()
                .and_then(|t| Document::parse(t.as_bytes()).ok());
            let signed = match &own {
                None => "unreadable".into(),
                Some(o) => o.child(o.root(), ns::DS, "Signature").map_or_else(
                    || "not signed".into(),
                    |s| token_signature(o, o.root(), s, keys),
                ),
            };
            r.line(i + 1, format!("issuer key: {signed}"));
        }
        if let Some(s) = d.child(tok, ns::DS, "Signature") {
            let line = match issuer_key {
                Some(ik) => issuer_key_signature(d, tok, ik, s, keys),
                None => token_signature(d, tok, s, keys),
            };
            r.line(i + 1, line);
        }
        for ek in d.children_named(tok, ns::XENC, "EncryptedKey") {
            r.line(
                i + 1,
                format!("key for the service: {}", open_encrypted_key(d, ek, keys)),
            );
        }
    }
}

/// Verifies an enveloped token signature with the certificates and keys given.
fn token_signature(doc: &Document, tok: NodeId, s: NodeId, keys: &InspectKeys) -> String {
    let policy = Policy::default();
    let sig = match Signature::read(doc, s, &policy) {
        Ok(x) => x,
        Err(e) => return format!("signature: unreadable ({e})"),
    };
    let by = sig
        .key_info
        .map(|k| describe_key_info(doc, k))
        .unwrap_or_else(|| "an unnamed key".into());
    let publics = keys
        .certificates
        .iter()
        .map(|c| (c.subject().to_owned(), c.public_key().clone()))
        .chain(
            keys.private_keys
                .iter()
                .enumerate()
                .map(|(i, k)| (format!("--key #{}", i + 1), k.public_key())),
        );
    for (name, pk) in publics {
        if let Ok(v) = xmlsec::verify(doc, &sig, VerificationKey::Rsa(&pk), &policy, &NoResolver) {
            let whole_document = tok == doc.root() && v.references(doc.document_node());
            let whole = if v.references(tok) || whole_document {
                "the whole token"
            } else {
                "part of the token"
            };
            return format!("signed by {by}: verified with {name}, covers {whole}");
        }
    }
    format!("signed by {by}: not verified (give the signer's certificate with --cert)")
}

/// Verifies a token's HMAC signature under its issuer key, which one of the private keys
/// given (the service's) must open.
fn issuer_key_signature(
    doc: &Document,
    tok: NodeId,
    ik: NodeId,
    s: NodeId,
    keys: &InspectKeys,
) -> String {
    let policy = Policy::default();
    let sig = match Signature::read(doc, s, &policy) {
        Ok(x) => x,
        Err(e) => return format!("signature: unreadable ({e})"),
    };
    let ek = doc
        .child(ik, ns::XENC, "EncryptedKey")
        .and_then(|e| EncryptedKey::read(doc, e).ok());
    let key = ek.and_then(|ek| {
        keys.private_keys
            .iter()
            .find_map(|k| decrypt_key(&ek, KeyEncryptionKey::Rsa(k), &policy).ok())
    });
    let Some(key) = key else {
        return "signed with the issuer key: not verified (give the service's key with --key to \
                open the issuer key)"
            .into();
    };
    match xmlsec::verify(
        doc,
        &sig,
        VerificationKey::Hmac(key.expose()),
        &policy,
        &NoResolver,
    ) {
        Ok(v) if v.references(tok) => {
            "signed with the issuer key: verified, covers the whole token".into()
        }
        Ok(_) => "signed with the issuer key: verified, covers part of the token".into(),
        Err(e) => format!("signed with the issuer key: does NOT verify ({e})"),
    }
}

fn describe_str(s: &StrInfo) -> String {
    if let Some(rf) = &s.reference {
        return format!(
            "Reference {}{}",
            rf.uri.as_deref().unwrap_or("?"),
            rf.value_type
                .as_deref()
                .map(|v| format!(" ({})", short(v)))
                .unwrap_or_default()
        );
    }
    if let Some(k) = &s.key_identifier {
        return format!(
            "KeyIdentifier {} {}",
            k.value_type.as_deref().map_or("?", short),
            k.value
        );
    }
    "an empty reference".into()
}

fn explain_reference(r: &mut Report, i: usize, label: &str, rf: &RequestedReference) {
    let s = rf.info().map_or_else(
        || "not a SecurityTokenReference".into(),
        |s| describe_str(&s),
    );
    r.line(i, format!("{label}: {s}"));
}

/// The lines a request and a response share: context, token type and AppliesTo.
fn explain_scope(r: &mut Report, i: usize, context: Option<&str>, p: &Parameters) {
    if let Some(c) = context {
        r.line(i, format!("context: {}", clean(c)));
    }
    if let Some(t) = &p.token_type {
        r.line(i, format!("token type: {}", t.uri()));
    }
    if let Some(a) = &p.applies_to {
        r.line(
            i,
            format!(
                "applies to: {}",
                a.target_address().unwrap_or("(not an address)")
            ),
        );
    }
}

fn explain_rst(r: &mut Report, m: &RequestSecurityToken, i: usize, keys: &InspectKeys) {
    let p = &m.params;
    let binding = p.request_type.as_ref().map_or_else(
        || "no RequestType".to_owned(),
        |t| short(&t.uri(m.version)).to_owned(),
    );
    r.line(
        i,
        format!(
            "{} RequestSecurityToken ({binding})",
            version_name(m.version)
        ),
    );
    let i = i + 1;
    explain_scope(r, i, m.context.as_deref(), p);
    if let Some(k) = &p.key_type {
        r.line(i, format!("key type: {}", short(&k.uri(m.version))));
    }
    if let Some(k) = p.key_size {
        r.line(i, format!("key size: {k} bits"));
    }
    if let Some(l) = &p.lifetime {
        r.line(
            i,
            format!(
                "lifetime asked: {} to {}",
                l.created.as_deref().unwrap_or("-"),
                l.expires.as_deref().unwrap_or("-")
            ),
        );
    }
    if let Some(e) = &p.entropy {
        explain_entropy(r, i, "requester entropy", e, keys);
    }
    if let Some(c) = &p.computed_key_algorithm {
        r.line(
            i,
            format!("computed key algorithm: {}", short(&c.uri(m.version))),
        );
    }
    for (label, h) in [
        ("renew target", &p.renew_target),
        ("cancel target", &p.cancel_target),
        ("validate target", &p.validate_target),
        ("on behalf of", &p.on_behalf_of),
        ("act as", &p.act_as),
    ] {
        if let Some(h) = h {
            explain_holder(r, i, label, h, keys);
        }
    }
    if let Some(u) = &p.use_key {
        r.line(
            i,
            format!(
                "use key: {}",
                u.first_element().map_or_else(|| "?".into(), |e| e.local)
            ),
        );
    }
    if !p.extensions.is_empty() {
        let names: Vec<String> = p
            .extensions
            .iter()
            .filter_map(Fragment::first_name)
            .map(|n| n.local.to_owned())
            .collect();
        r.line(i, format!("other elements: {}", names.join(", ")));
    }
}

fn explain_rstr(r: &mut Report, m: &RequestSecurityTokenResponse, i: usize, keys: &InspectKeys) {
    let p = &m.params;
    r.line(
        i,
        format!("{} RequestSecurityTokenResponse", version_name(m.version)),
    );
    let i = i + 1;
    explain_scope(r, i, m.context.as_deref(), p);
    if let Some(l) = &p.lifetime {
        r.line(
            i,
            format!(
                "lifetime: {} to {}",
                l.created.as_deref().unwrap_or("-"),
                l.expires.as_deref().unwrap_or("-")
            ),
        );
    }
    if let Some(k) = p.key_size {
        r.line(i, format!("key size: {k} bits"));
    }
    if let Some(h) = &m.requested_security_token {
        explain_holder(r, i, "token", h, keys);
    }
    if let Some(a) = &m.requested_attached_reference {
        explain_reference(r, i, "attached reference", a);
    }
    if let Some(a) = &m.requested_unattached_reference {
        explain_reference(r, i, "unattached reference", a);
    }
    match &m.requested_proof_token {
        Some(RequestedProofToken::BinarySecret(b)) => r.line(
            i,
            format!(
                "proof key: BinarySecret in the clear, {}",
                key_summary(b.value.expose(), keys)
            ),
        ),
        Some(RequestedProofToken::EncryptedKey(f)) => {
            if let Some((d, n)) = f.first_element() {
                r.line(i, format!("proof key: {}", open_encrypted_key(d, n, keys)));
            }
        }
        Some(RequestedProofToken::ComputedKey(c)) => r.line(
            i,
            format!(
                "proof key: computed ({}) from the requester's and the STS's entropy",
                short(&c.uri(m.version))
            ),
        ),
        Some(RequestedProofToken::Other(_)) => r.line(i, "proof key: other content"),
        None => {}
    }
    if let Some(e) = &p.entropy {
        explain_entropy(r, i, "STS entropy", e, keys);
    }
    if let Some(s) = &m.status {
        r.line(
            i,
            format!(
                "status: {}{}",
                short(&s.code.uri(m.version)),
                s.reason
                    .as_deref()
                    .map(|x| format!(" ({})", clean(x)))
                    .unwrap_or_default()
            ),
        );
    }
    if m.requested_token_cancelled {
        r.line(i, "the token was cancelled");
    }
}
