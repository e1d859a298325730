//! The Issue binding for SAML 1.1 and 2.0 assertions (issue #7).
//!
//! The assertion says who authenticated (the UsernameToken name, or the subject of the
//! certificate whose signature covered the Body), how (password or X.509), for whom
//! (`AudienceRestriction`: the AppliesTo address, else the realm's), for how long (the realm's
//! lifetime) and with which claims ([`super::claims`]); it is signed by the STS. The subject
//! confirmation follows `wst:KeyType`:
//!
//! * `SymmetricKey` (and no KeyType, the WS-Trust default): holder of key with a fresh proof
//!   key encrypted for the realm's certificate inside the assertion; the requester gets the
//!   same key as the security-context path delivers it (an `xenc:EncryptedKey` for its
//!   certificate, a `wst:ComputedKey` with our entropy, or a `wst:BinarySecret` only over a
//!   confidential channel).
//! * `PublicKey`: holder of key with the key of `wst:UseKey` (a certificate or RSA key value,
//!   bare or in `ds:KeyInfo`, or an X.509 BinarySecurityToken), else the certificate of the
//!   requester's X.509 signature; neither refuses the request. A `UseKey` with a `Sig`
//!   attribute must name the key of the requester's X.509 signature.
//! * `Bearer`: bearer, with no proof token, key size or entropy in the response.
//!
//! A realm with `encrypt_assertion` gets a SAML 2.0 `saml:EncryptedAssertion` for its
//! certificate. The response mirrors AD FS: `Lifetime`, `AppliesTo`, the token, attached and
//! unattached references by SAML key identifier, then `TokenType` (the requester's URI, as
//! sent), `RequestType` and `KeyType`.

use crate::crypto::RsaPublicKey;
use crate::pki::Certificate;
use crate::saml::{
    self, uri as saml_uri, AssertionSpec, AuthnMethod, AuthnStatement, ConfirmationSpec, NameId,
    PublicKeyInfo, RecipientReference, SamlVersion, SigningCredentials,
};
use crate::trust::{
    Fragment, KeyType, Lifetime, RequestSecurityToken, RequestSecurityTokenResponse, RequestType,
    RequestedReference, TokenHolder, TokenKind as HeldKind, TokenType, UseKey,
};
use crate::wss::{self, SigningToken};
use crate::xmlsec;

use super::config::{AppliesToMatch, Realm};
use super::issue::write_proof;
use super::keys;
use super::request::ParsedRequest;
use super::sts::Requester;
use super::{Engine, Error, Transport};

/// The subject confirmation asked for.
enum Binding {
    Bearer,
    Public(PublicKeyInfo),
    Symmetric,
}

impl Engine {
    /// Issues a SAML assertion of `version` for `rst`, answering with `token_type` as the
    /// requester (or the transport's default) named it.
    #[allow(clippy::too_many_arguments)] // the one call site passes the request's parts
    pub(super) fn issue_saml(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
        transport: Transport,
        now: i64,
        (realm, version, token_type): (&Realm, SamlVersion, TokenType),
        act_as: Option<String>,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let cfg = self.config();
        let params = &rst.params;
        let address = params.applies_to.as_ref().and_then(|a| a.target_address());
        if realm.encrypt_assertion && version != SamlVersion::V20 {
            return Err(Error::InvalidRequest {
                what: "the realm takes encrypted assertions, which SAML 1.1 cannot be",
            });
        }
        let binding = match &params.key_type {
            None | Some(KeyType::SymmetricKey) => Binding::Symmetric,
            Some(KeyType::Bearer) => Binding::Bearer,
            Some(KeyType::PublicKey) => Binding::Public(public_key(params.use_key.as_ref(), who)?),
            Some(KeyType::Unknown(_)) => {
                return Err(Error::InvalidRequest {
                    what: "unknown key type",
                })
            }
        };
        let brought = who.issued.as_ref().map_or(&[][..], |i| i.claims.as_slice());
        let claims =
            super::claims::select_with(cfg, &who.principal, brought, params.claims.as_ref())?;
        let method = match &who.issued {
            // Authenticated by another STS's token: how the subject authenticated there.
            Some(i) => i.authn.clone().unwrap_or(AuthnMethod::Unspecified),
            None => authn_method(req, transport)?,
        };

        // The proof key, for a symmetric binding.
        let mut proof = None;
        let mut bits = None;
        if let Binding::Symmetric = binding {
            if who.cert.is_none() && !transport.confidential {
                return Err(Error::InvalidRequest {
                    what: "no way to deliver the proof key confidentially",
                });
            }
            keys::check_computed_key_algorithm(params.computed_key_algorithm.as_ref())?;
            let requester_entropy = match &params.entropy {
                None => None,
                Some(e) => Some(
                    e.binary_secret()
                        .ok_or(Error::InvalidRequest {
                            what: "encrypted requester entropy is not supported yet",
                        })?
                        .value
                        .expose()
                        .to_vec(),
                ),
            };
            let material = keys::decide(requester_entropy.as_deref(), &cfg.key_policy)?;
            let size = keys::key_size_bits(params.key_size, realm.key_size_bits)?;
            let key = keys::make_proof_key(material, requester_entropy.as_deref(), size)?;
            proof = Some((material, key));
            bits = Some(size);
        }

        let confirmation = match (binding, &proof) {
            (Binding::Bearer, _) => ConfirmationSpec::Bearer,
            (Binding::Public(k), _) => ConfirmationSpec::HolderOfKeyPublic(k),
            (Binding::Symmetric, Some((_, p))) => ConfirmationSpec::HolderOfKeySymmetric {
                key: p.key.clone(),
                recipient: realm.encryption_cert.clone(),
                reference: RecipientReference::ThumbprintSha1,
            },
            (Binding::Symmetric, None) => {
                return Err(Error::Internal {
                    what: "symmetric binding without a proof key",
                })
            }
        };
        let lifetime_ms = realm.lifetime_secs.saturating_mul(1000);
        let mut spec = AssertionSpec::new(
            version,
            cfg.issuer.clone(),
            subject(who),
            confirmation,
            now,
            lifetime_ms,
        );
        spec.audiences = vec![audience(address, realm)];
        spec.authn = Some(AuthnStatement {
            method,
            instant_ms: now,
        });
        spec.claims = claims;
        spec.actor = act_as;
        let assertion = saml::issue(
            &spec,
            SigningCredentials {
                certificate: &cfg.signing_cert,
                key: &cfg.signing_key,
            },
        )?;
        let token_xml = if realm.encrypt_assertion {
            saml::encrypt(
                &assertion,
                &realm.encryption_cert,
                RecipientReference::ThumbprintSha1,
            )?
        } else {
            assertion.xml.clone()
        };

        let tv = rst.version;
        let mut rstr = RequestSecurityTokenResponse::new(tv);
        rstr.context = rst.context.clone();
        rstr.params.lifetime =
            Lifetime::from_seconds(now / 1000, assertion.not_on_or_after_ms / 1000);
        rstr.params.applies_to = params.applies_to.clone();
        // Both forms were written just above by `saml::issue` / `saml::encrypt`.
        rstr.requested_security_token =
            Some(TokenHolder::new(Fragment::from_own_output(token_xml)));
        let reference = key_identifier(&assertion)?;
        rstr.requested_attached_reference = Some(reference.clone());
        rstr.requested_unattached_reference = Some(reference);
        rstr.params.token_type = Some(token_type);
        rstr.params.request_type = Some(RequestType::Issue);
        rstr.params.key_type = Some(params.key_type.clone().unwrap_or(KeyType::SymmetricKey));
        rstr.params.key_size = bits;
        if let Some((material, key)) = &proof {
            write_proof(&mut rstr, *material, key, who.cert.as_ref())?;
        }
        Ok(rstr)
    }
}

/// `wst:RequestedAttachedReference` / `RequestedUnattachedReference` content: the SAML key
/// identifier of the assertion.
fn key_identifier(a: &saml::IssuedAssertion) -> Result<RequestedReference, Error> {
    Ok(RequestedReference {
        security_token_reference: Fragment::build(|w| a.write_key_identifier(w))?,
    })
}

/// The subject: a certificate subject with the X.509 name format, any other principal
/// unspecified (as AD FS writes it).
fn subject(who: &Requester) -> NameId {
    match &who.cert {
        Some(c) => NameId::with_format(c.subject(), saml_uri::NAMEID_X509_SUBJECT),
        None => NameId::with_format(who.principal.clone(), saml_uri::NAMEID_UNSPECIFIED),
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
    Ok(match sec.signature_over(body).map(|s| &s.token) {
        Some(SigningToken::X509(_)) => AuthnMethod::X509,
        Some(_) => AuthnMethod::Unspecified,
        None if transport.confidential => AuthnMethod::PasswordProtectedTransport,
        None => AuthnMethod::Password,
    })
}

/// The public key a `PublicKey` request binds the assertion to.
fn public_key(use_key: Option<&UseKey>, who: &Requester) -> Result<PublicKeyInfo, Error> {
    let Some(u) = use_key else {
        return who
            .cert
            .clone()
            .map(PublicKeyInfo::Certificate)
            .ok_or(Error::InvalidRequest {
                what: "a public key token needs UseKey or an X.509 signature",
            });
    };
    let key = use_key_content(u)?;
    if u.sig.is_some() {
        // The requester claims to have proven the key with a signature: it must be the one
        // that authenticated it.
        let signed = who.cert.as_ref().ok_or(Error::Authentication {
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

fn key_of(k: &PublicKeyInfo) -> &RsaPublicKey {
    match k {
        PublicKeyInfo::Certificate(c) => c.public_key(),
        PublicKeyInfo::RsaKeyValue(k) => k,
    }
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
