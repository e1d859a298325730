//! The Issue binding for provider tokens: SAML 1.1 and 2.0 assertions (issue #7), JWTs, and
//! any configured [`TokenProvider`]; the provider writes the token, this file decides
//! everything around it.
//!
//! The token says who authenticated (the UsernameToken name, or the subject of the
//! certificate whose signature covered the Body), how (password or X.509), for whom (the
//! AppliesTo address, else the realm's), for how long (the realm's lifetime) and with which
//! claims ([`super::claims`]); it is signed by the STS. The key binding follows
//! `wst:KeyType`:
//!
//! * `SymmetricKey` (and no KeyType, the WS-Trust default): holder of key with a fresh proof
//!   key encrypted for the realm's certificate inside the token; the requester gets the
//!   same key as the security-context path delivers it (an `xenc:EncryptedKey` for its
//!   certificate, a `wst:ComputedKey` with our entropy, or a `wst:BinarySecret` only over a
//!   confidential channel).
//! * `PublicKey`: holder of key with the key of `wst:UseKey` (a certificate or RSA key value,
//!   bare or in `ds:KeyInfo`, or an X.509 BinarySecurityToken), else the certificate of the
//!   requester's X.509 signature; neither refuses the request. A `UseKey` with a `Sig`
//!   attribute must name the key of the requester's X.509 signature.
//! * `Bearer`: bearer, with no proof token, key size or entropy in the response.
//!
//! The response mirrors AD FS: `Lifetime`, `AppliesTo`, the token, attached and unattached
//! references (the provider's), then `TokenType` (the requester's URI, as sent),
//! `RequestType` and `KeyType`.

use crate::crypto::RsaPublicKey;
use crate::pki::Certificate;
use crate::saml::{AuthnMethod, PublicKeyInfo};
use crate::trust::{
    KeyType, Lifetime, RequestSecurityToken, RequestSecurityTokenResponse, RequestType,
    TokenHolder, TokenKind as HeldKind, TokenType, UseKey,
};
use crate::wss::{self, SigningToken};
use crate::xmlsec;

use super::issue::deliver_proof;
use super::policy::{self, Holder, KeyRequest, ProofChoice, PublicKeySource};
use super::provider::{key_of, IssueContext, KeyBinding, TokenProvider};
use super::realm::{AppliesToMatch, Realm};
use super::request::ParsedRequest;
use super::state::Requester;
use super::tokens::TokenKind;
use super::{Engine, Error, Transport};

impl Engine {
    /// Issues the token of `provider` for `rst`, answering with `token_type` as the
    /// requester (or the transport's default) named it.
    #[allow(clippy::too_many_arguments)] // the call sites pass the request's parts
    pub(super) fn issue_token(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
        transport: Transport,
        now: i64,
        (realm, provider, token_type): (&Realm, &dyn TokenProvider, TokenType),
        act_as: Option<String>,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let cfg = self.config();
        let params = &rst.params;
        let address = params.applies_to.as_ref().and_then(|a| a.target_address());
        provider.admits(realm)?;
        let key_type = params.key_type.clone().unwrap_or(KeyType::SymmetricKey);
        let holder = Holder {
            cert: who.cert().is_some(),
            confidential: transport.confidential,
            context_key: who.context().is_some(),
        };
        let req_keys = KeyRequest::of(params);
        let choice = policy::decide(
            &req_keys,
            TokenKind::Provider(provider),
            holder,
            &cfg.key_policy,
            realm.key_size_bits,
        )?;
        let public = match choice {
            ProofChoice::PublicKey(source) => {
                Some(public_key(source, params.use_key.as_ref(), who)?)
            }
            ProofChoice::Bearer | ProofChoice::Symmetric(_) => None,
        };
        let brought = who.issued().map(|i| i.claims.as_slice());
        let claims = super::claims::select(cfg, who.principal(), brought, params.claims.as_ref())?;
        let method = match who.issued() {
            // Authenticated by another STS's token: how the subject authenticated there.
            Some(i) => i.authn.clone().unwrap_or(AuthnMethod::Unspecified),
            None => authn_method(req, transport)?,
        };
        let proof = match choice {
            ProofChoice::Symmetric(sym) => {
                Some(super::issue::proof(params, sym.material, sym.bits)?)
            }
            ProofChoice::Bearer | ProofChoice::PublicKey(_) => None,
        };
        let key_binding = match (&public, &proof) {
            (Some(k), _) => KeyBinding::PublicKey(k),
            (None, Some(p)) => KeyBinding::Symmetric(&p.key.key),
            (None, None) => KeyBinding::Bearer,
        };
        let expires = now.saturating_add(realm.lifetime_secs.saturating_mul(1000));
        let audience = audience(address, realm);
        let ctx = IssueContext {
            rst,
            realm,
            issuer: &cfg.issuer,
            token_type: &token_type,
            audience: &audience,
            principal: who.principal(),
            authority: who.authority(),
            requester_cert: who.cert(),
            authn: &method,
            act_as: act_as.as_deref(),
            claims: &claims,
            key_type: key_type.clone(),
            binding: key_binding,
            signing_key: &cfg.signing_key,
            signing_cert: &cfg.signing_cert,
            not_before_ms: now,
            expires_ms: expires,
        };
        let issued = provider.issue(&ctx)?;

        let tv = rst.version;
        let mut rstr = RequestSecurityTokenResponse::new(tv);
        rstr.context = rst.context.clone();
        rstr.params.lifetime = Lifetime::from_seconds(now / 1000, expires / 1000);
        rstr.params.applies_to = params.applies_to.clone();
        rstr.requested_security_token = Some(TokenHolder::new(issued.token));
        rstr.requested_attached_reference = issued.attached_reference;
        rstr.requested_unattached_reference = issued.unattached_reference;
        rstr.params.token_type = Some(token_type);
        rstr.params.request_type = Some(RequestType::Issue);
        rstr.params.key_type = Some(key_type);
        if let Some(p) = &proof {
            deliver_proof(&mut rstr, p, who.cert())?;
        }
        Ok(rstr)
    }
}

/// The audience: the AppliesTo address, else what the realm serves.
fn audience(address: Option<&str>, realm: &Realm) -> String {
    match (address, &realm.applies_to) {
        (Some(a), _) => a.to_owned(),
        (None, AppliesToMatch::Exact(u) | AppliesToMatch::Prefix(u)) => u.clone(),
    }
}

/// How the requester authenticated: the X.509 signature over the Body, a security context's
/// key (the original method is not kept: unspecified), or a password (over TLS when the
/// transport is confidential).
fn authn_method(req: &ParsedRequest, transport: Transport) -> Result<AuthnMethod, Error> {
    let sec = &req.secured;
    let body = sec.envelope()?.body();
    Ok(match sec.signature_over(body).map(|s| s.token()) {
        Some(SigningToken::X509(_)) => AuthnMethod::X509,
        Some(_) => AuthnMethod::Unspecified,
        None if transport.confidential => AuthnMethod::PasswordProtectedTransport,
        None => AuthnMethod::Password,
    })
}

/// The public key a `PublicKey` request binds the assertion to, from where the policy chose.
fn public_key(
    source: PublicKeySource,
    use_key: Option<&UseKey>,
    who: &Requester,
) -> Result<PublicKeyInfo, Error> {
    let u = match (source, use_key) {
        (PublicKeySource::UseKey, Some(u)) => u,
        (PublicKeySource::SigningCertificate, _) | (PublicKeySource::UseKey, None) => {
            return who.cert().cloned().map(PublicKeyInfo::Certificate).ok_or(
                Error::InvalidRequest {
                    what: "a public key token needs UseKey or an X.509 signature",
                },
            );
        }
    };
    let key = use_key_content(u)?;
    if u.sig.is_some() {
        // The requester claims to have proven the key with a signature: it must be the one
        // that authenticated it.
        let signed = who.cert().ok_or(Error::Authentication {
            what: "UseKey names a signature but the request has no X.509 signature",
        })?;
        if !same_key(signed.public_key(), key_of(&key)) {
            return Err(Error::Authentication {
                what: "UseKey names a signature made with another key",
            });
        }
    }
    Ok(key)
}

fn same_key(a: &RsaPublicKey, b: &RsaPublicKey) -> bool {
    a.modulus_be() == b.modulus_be() && a.exponent_be() == b.exponent_be()
}

/// Reads the key in `wst:UseKey`: `ds:KeyInfo` (X509Data or KeyValue), a bare `ds:X509Data`
/// or `ds:KeyValue`, or an X.509 `wsse:BinarySecurityToken`. References are refused.
fn use_key_content(u: &UseKey) -> Result<PublicKeyInfo, Error> {
    const BAD: Error = Error::InvalidRequest {
        what: "UseKey holds no usable public key",
    };
    let (Some((doc, container)), Some((_, first))) =
        (u.content.document(), u.content.first_element())
    else {
        return Err(BAD);
    };
    if u.content.elements().len() != 1 {
        return Err(Error::InvalidRequest {
            what: "UseKey holds more than one element",
        });
    }
    let name = doc.name(first);
    let key_info = match (name.ns, name.local) {
        (crate::xml::ns::DS, "KeyInfo") => first,
        (crate::xml::ns::DS, "X509Data" | "KeyValue") => container,
        _ => {
            return match HeldKind::of(doc, first) {
                HeldKind::BinarySecurityToken { value_type, .. }
                    if value_type.as_deref() == Some(wss::value_type::X509V3) =>
                {
                    let der = xmlsec::base64_decode(&doc.text(first)).ok_or(BAD)?;
                    Ok(PublicKeyInfo::Certificate(
                        Certificate::from_der(&der).map_err(|_| BAD)?,
                    ))
                }
                _ => Err(BAD),
            }
        }
    };
    let certs = xmlsec::x509_certificates(doc, key_info)?;
    match certs.as_slice() {
        [der] => Ok(PublicKeyInfo::Certificate(
            Certificate::from_der(der).map_err(|_| BAD)?,
        )),
        [] => xmlsec::rsa_key_value(doc, key_info)?
            .map(PublicKeyInfo::RsaKeyValue)
            .ok_or(BAD),
        _ => Err(Error::InvalidRequest {
            what: "UseKey holds more than one certificate",
        }),
    }
}
