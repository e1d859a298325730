//! The Issue binding: a new security context (brokered key distribution, WS-Trust 1.4
//! Appendix), possibly on behalf of another principal (delegation), or a token of another
//! type through a [`TokenProvider`](super::provider::TokenProvider) (`saml_token`).
//!
//! The STS makes the key (or computes it from both parties' entropy), the token carries it
//! encrypted for the target service inside the SCT the STS vouches for (an HMAC under the
//! realm's issuer key, or an RSA signature: `service::sct`), and the proof token carries it
//! for the requester: encrypted for its certificate, as `CK/PSHA1` with the server entropy, or
//! as a plain `BinarySecret` only when the reply is confidential (TLS or an encrypted reply).

use crate::crypto::{hex, HmacAlgorithm, OaepParams};
use crate::pki::Certificate;
use crate::service::sct::{self, SctContent};
use crate::trust::{
    BinarySecret, BinarySecretType, ComputedKeyAlgorithm, Entropy, Fragment, Lifetime, Parameters,
    RequestSecurityToken, RequestSecurityTokenResponse, RequestedProofToken, RequestedReference,
    TokenHolder, TokenType,
};
use crate::wss;
use crate::xml::{ns, CaptureKind, Writer};
use crate::xmlsec::{self, SignatureMethod, SignatureSpec, SigningKey};

use super::call::Call;
use super::config::{Realm, SctProtection};
use super::context;
use super::ids::{random8, uuid};
use super::keys::{self, KeyMaterial, ProofKey};
use super::policy::{self, Delivery, Holder, KeyRequest, ProofChoice, Symmetric};
use super::sealed::ContextState;
use super::state::{Engine, Outcome, ReplyKey, Transport};
use super::tokens::{choose, RequestOptions, TokenKind};
use super::Error;

/// The proof key decided for a request.
pub(crate) struct Proof {
    pub(crate) key: ProofKey,
    pub(crate) material: KeyMaterial,
    pub(crate) bits: u32,
}

/// What a new context is made of besides its key.
pub(crate) struct NewContext<'a> {
    pub(crate) principal: String,
    /// The domain of the principal's name ([`ContextState::authority`]).
    pub(crate) authority: Option<String>,
    pub(crate) act_as: Option<String>,
    pub(crate) claims: Vec<(String, String)>,
    pub(crate) realm: &'a Realm,
}

impl Engine {
    pub(crate) fn issue(&self, call: Call<'_>) -> Result<Outcome, Error> {
        let (req, rst, who) = (call.req, call.rst, call.who);
        let (confidential, now, options) = (call.confidential, call.now, call.options);
        let params = &rst.params;
        let (realm, kind, echo) = self.scope(rst, options)?;
        self.enforce_suite(req, realm)?;
        let provided = match (kind, echo) {
            (TokenKind::Provider(p), Some(tt)) => Some((p, tt)),
            _ => None,
        };
        let delegated = params.on_behalf_of.is_some() || params.act_as.is_some();
        if let (Some((provider, tt)), false) = (&provided, delegated) {
            // A provider token's claims are the requester's attributes, selected by
            // `wst:Claims` there.
            let transport = Transport {
                confidential,
                peer: None,
            };
            let rstr = self.issue_token(
                req,
                rst,
                who,
                transport,
                now,
                (realm, *provider, tt.clone()),
                None,
            )?;
            return Ok(Outcome {
                rstr,
                reply_key: None,
            });
        }
        let requested = requested_claims(params)?;
        let (act_as, claims) = match (&params.on_behalf_of, &params.act_as) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidRequest {
                    what: "both OnBehalfOf and ActAs",
                })
            }
            (Some(h), None) | (None, Some(h)) => {
                let d = self.check_delegation(req, h, who, realm, params, &requested, now)?;
                (Some(d.delegator), d.claims)
            }
            (None, None) => {
                let mut granted = Vec::new();
                for c in &requested {
                    if !realm.claims.iter().any(|o| o == c) {
                        return Err(Error::InvalidRequest {
                            what: "claim not offered by the realm",
                        });
                    }
                    granted.push((c.clone(), String::new()));
                }
                (None, granted)
            }
        };
        if let Some((provider, tt)) = provided {
            let transport = Transport {
                confidential,
                peer: None,
            };
            let rstr =
                self.issue_token(req, rst, who, transport, now, (realm, provider, tt), act_as)?;
            return Ok(Outcome {
                rstr,
                reply_key: None,
            });
        }
        let holder = Holder {
            cert: who.cert().is_some(),
            confidential,
            context_key: who.context().is_some(),
        };
        let sym = self.sct_proof(params, realm, holder)?;
        let nc = NewContext {
            principal: who.principal().to_owned(),
            authority: who.authority().map(str::to_owned),
            act_as,
            claims,
            realm,
        };
        // A requester who authenticated with a context key gets the reply encrypted with it
        // when nothing else keeps the proof key confidential.
        let reply_key = match (sym.delivery, who.context()) {
            (Delivery::UnderContextKey, Some(c)) => Some(ReplyKey::Context {
                key: c.state.key.clone(),
                identifier: c.identifier.clone(),
                sc: rst.version.secure_conversation(),
            }),
            _ => None,
        };
        let rstr = self.new_context(rst, &nc, who.cert(), &sym, now)?;
        Ok(Outcome { rstr, reply_key })
    }

    /// The proof key of a new security context for `params` in `realm` ([`policy::decide`]).
    pub(crate) fn sct_proof(
        &self,
        params: &Parameters,
        realm: &Realm,
        holder: Holder,
    ) -> Result<Symmetric, Error> {
        let req = KeyRequest::of(params);
        let policy = &self.cfg.key_policy;
        match policy::decide(&req, TokenKind::Sct, holder, policy, realm.key_size_bits)? {
            ProofChoice::Symmetric(sym) => Ok(sym),
            ProofChoice::Bearer | ProofChoice::PublicKey(_) => Err(Error::Internal {
                what: "a security context without a symmetric key",
            }),
        }
    }

    /// The realm of an Issue request and the kind of token it gets ([`choose`]), decided once.
    /// A request naming no AppliesTo, where no default realm is configured, is the
    /// WS-SecureConversation bootstrap when what it gets is a security context: the context is
    /// then for the STS itself ([`STS_REALM`](super::config::STS_REALM)); any other token
    /// needs a scope (`wst:InvalidScope`).
    pub(super) fn scope<'c>(
        &'c self,
        rst: &RequestSecurityToken,
        options: &RequestOptions,
    ) -> Result<(&'c Realm, TokenKind<'c>, Option<TokenType>), Error> {
        let params = &rst.params;
        let address = params.applies_to.as_ref().and_then(|a| a.target_address());
        let (tt, kt) = (params.token_type.as_ref(), params.key_type.as_ref());
        match self.cfg.realm_for(address) {
            Ok(realm) => {
                let (kind, echo) = choose(&self.cfg, realm, tt, kt, options)?;
                Ok((realm, kind, echo))
            }
            Err(Error::InvalidScope) if address.is_none() => {
                let realm = self.cfg.sts_realm()?;
                match choose(&self.cfg, realm, tt, kt, options) {
                    Ok((TokenKind::Sct, echo)) => Ok((realm, TokenKind::Sct, echo)),
                    _ => Err(Error::InvalidScope),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Makes a context for `nc` and the RSTR carrying its token and proof token.
    pub(crate) fn new_context(
        &self,
        rst: &RequestSecurityToken,
        nc: &NewContext<'_>,
        proof_cert: Option<&Certificate>,
        sym: &Symmetric,
        now: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let params = &rst.params;
        let realm = nc.realm;
        let proof = proof(params, sym.material, sym.bits)?;
        let expires = lifetime_end(params, realm, now);
        let renew_until = match params.renewing {
            Some(r) if r.allow == Some(false) => 0,
            Some(r) if r.ok == Some(false) => expires,
            _ => expires.saturating_add(realm.renewal_window_secs.saturating_mul(1000)),
        };
        let state = ContextState {
            principal: nc.principal.clone(),
            act_as: nc.act_as.clone(),
            claims: nc.claims.clone(),
            key: proof.key.key.clone(),
            created_ms: now,
            expires_ms: expires,
            renew_until_ms: renew_until,
            instance: 0,
            audience: realm.name.clone(),
            serial: u64::from_be_bytes(random8()?),
            authority: nc.authority.clone(),
        };
        let stateful_id = if realm.stateful {
            Some(format!("urn:uuid:{}", uuid()?))
        } else {
            None
        };
        let identifier = context::create(
            &self.cfg.token_keys,
            &*self.store,
            &state,
            stateful_id.as_deref(),
        )?;
        let mut rstr = self.token_rstr(rst, &identifier, None, &state, realm)?;
        deliver_proof(&mut rstr, &proof, proof_cert)?;
        Ok(rstr)
    }

    /// The RSTR for context `identifier` in `state`: token type, the SCT the STS vouches for,
    /// the attached and unattached references, lifetime, key size.
    pub(crate) fn token_rstr(
        &self,
        rst: &RequestSecurityToken,
        identifier: &str,
        instance: Option<&str>,
        state: &ContextState,
        realm: &Realm,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let version = rst.version;
        let sc = version.secure_conversation();
        let sct_id = format!("sct-{}", hex(&random8()?));
        let content = SctContent {
            identifier: identifier.to_owned(),
            instance: instance.map(str::to_owned),
            issuer: self.cfg.issuer.clone(),
            audience: realm.name.clone(),
            created_ms: state.created_ms,
            expires_ms: state.expires_ms,
            principal: state.principal.clone(),
            act_as: state.act_as.clone(),
            claims: state.claims.clone(),
        };
        let token = self.signed_sct(sc, &sct_id, &content, realm, state.key.expose())?;
        let mut rstr = RequestSecurityTokenResponse::new(version);
        rstr.context = rst.context.clone();
        rstr.params.token_type = Some(TokenType::sct(version));
        rstr.params.lifetime =
            Lifetime::from_seconds(state.created_ms / 1000, state.expires_ms / 1000);
        rstr.params.key_size = u32::try_from(state.key.len() * 8).ok();
        rstr.params.applies_to = rst.params.applies_to.clone();
        rstr.requested_security_token = Some(TokenHolder::new(Fragment::from_own_output(token)));
        rstr.requested_attached_reference = Some(RequestedReference::by_reference(
            &format!("#{sct_id}"),
            Some(sc.sct_token_type()),
            None,
        )?);
        rstr.requested_unattached_reference = Some(RequestedReference::by_reference(
            identifier,
            Some(sc.sct_token_type()),
            None,
        )?);
        Ok(rstr)
    }

    /// The SCT with the key encrypted for the service and the STS's enveloped signature (an
    /// HMAC under the realm's issuer key, or RSA), so the service can trust it with only our
    /// certificate.
    fn signed_sct(
        &self,
        sc: crate::trust::ScVersion,
        sct_id: &str,
        content: &SctContent,
        realm: &Realm,
        key: &[u8],
    ) -> Result<String, Error> {
        let ik = match realm.sct_protection {
            SctProtection::RsaSignature => None,
            SctProtection::IssuerKey => Some(self.issuer_keys.current(
                &self.cfg.issuer,
                |xml| self.sign_document(xml),
                realm,
                content.created_ms,
            )?),
        };
        // The token's signature goes before the issuer key, so that it is the first signature
        // in the token (where generic verifiers look); without one, it is the last child.
        let at = std::cell::Cell::new(None);
        let extra = |w: &mut Writer| {
            if let Some(ik) = &ik {
                at.set(Some(w.as_str().len()));
                w.insert_own_output(&ik.xml);
            }
        };
        let mut w = Writer::new();
        w.capture_next(CaptureKind::Element);
        sct::write_unsigned(
            &mut w,
            sc,
            sct_id,
            content,
            key,
            &realm.encryption_cert,
            &extra,
        )?;
        let Some(ik) = &ik else {
            return self.sign_enveloped(w, sct_id);
        };
        let ki = |w: &mut Writer| {
            w.element_text(ns::DS, "KeyName", &ik.name);
        };
        let spec = SignatureSpec {
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            ..SignatureSpec::default()
        };
        Ok(xmlsec::sign_written_enveloped(
            w,
            &format!("#{sct_id}"),
            at.get(),
            spec,
            SigningKey::Hmac(ik.key.expose()),
            Some(&ki),
        )?)
    }

    /// Signs the document element `w` captured (whose Id is `id`) enveloped, with the STS
    /// key, referring to our certificate by thumbprint.
    pub(crate) fn sign_enveloped(&self, w: Writer, id: &str) -> Result<String, Error> {
        self.sign_by_sts(w, &format!("#{id}"))
    }

    /// Signs the document element `w` captured enveloped as a whole document (reference
    /// `URI=""`) with the STS key: for elements that travel inside others, possibly more
    /// than once, without an ID.
    pub(crate) fn sign_document(&self, w: Writer) -> Result<String, Error> {
        self.sign_by_sts(w, "")
    }

    fn sign_by_sts(&self, w: Writer, uri: &str) -> Result<String, Error> {
        let thumb = xmlsec::base64_encode(self.cfg.signing_cert.thumbprint_sha1());
        let ki =
            |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::THUMBPRINT_SHA1, &thumb);
        Ok(xmlsec::sign_written_enveloped(
            w,
            uri,
            None,
            SignatureSpec::default(),
            SigningKey::Rsa(&self.cfg.signing_key),
            Some(&ki),
        )?)
    }
}

/// Makes the proof key decided for `params` ([`policy::decide`], [`policy::symmetric`]).
pub(crate) fn proof(params: &Parameters, material: KeyMaterial, bits: u32) -> Result<Proof, Error> {
    let entropy = KeyRequest::of(params).entropy()?;
    let key = keys::make_proof_key(material, entropy, bits)?;
    Ok(Proof {
        key,
        material,
        bits,
    })
}

/// Puts the proof token (and server entropy) and the key size into `rstr`: encrypted for
/// `cert` when given, else as the decided [`Delivery`] allows.
pub(crate) fn deliver_proof(
    rstr: &mut RequestSecurityTokenResponse,
    proof: &Proof,
    cert: Option<&Certificate>,
) -> Result<(), Error> {
    rstr.params.key_size = Some(proof.bits);
    write_proof(rstr, proof.material, &proof.key, cert)
}

/// The end of a new token's lifetime: the realm's lifetime, or an earlier requested
/// `wst:Lifetime/wsu:Expires` (a later one is not granted).
pub(crate) fn lifetime_end(params: &Parameters, realm: &Realm, now: i64) -> i64 {
    let max = now.saturating_add(realm.lifetime_secs.saturating_mul(1000));
    params
        .lifetime
        .as_ref()
        .and_then(|l| l.expires_seconds())
        .map(|s| s.saturating_mul(1000))
        .filter(|e| *e > now && *e < max)
        .unwrap_or(max)
}

/// The claim URIs requested in `wst:Claims` (identity dialect); another dialect is refused.
pub(crate) fn requested_claims(params: &Parameters) -> Result<Vec<String>, Error> {
    let Some(c) = &params.claims else {
        return Ok(Vec::new());
    };
    if c.dialect.as_deref() != Some(ns::IDENTITY) {
        return Err(Error::InvalidRequest {
            what: "claims dialect not supported",
        });
    }
    Ok(c.claim_types()?.into_iter().map(|t| t.uri).collect())
}

/// Puts the requester's copy of `key` into `rstr`: the server entropy and a ComputedKey proof
/// (CK/PSHA1), the key itself, or nothing when the requester made it; encrypted for `cert`
/// when the requester has one, else in the clear (the caller checked the channel).
pub(crate) fn write_proof(
    rstr: &mut RequestSecurityTokenResponse,
    material: KeyMaterial,
    key: &ProofKey,
    cert: Option<&Certificate>,
) -> Result<(), Error> {
    match material {
        KeyMaterial::Computed => {
            let server_entropy = key.server_entropy.as_ref().ok_or(Error::Internal {
                what: "computed key without server entropy",
            })?;
            rstr.params.entropy = Some(match cert {
                Some(c) => Entropy::EncryptedKey(Fragment::from_own_output(encrypted_key_for(
                    c,
                    server_entropy.expose(),
                )?)),
                None => Entropy::BinarySecret(BinarySecret::new(
                    Some(BinarySecretType::Nonce),
                    server_entropy.expose().to_vec(),
                )),
            });
            rstr.requested_proof_token = Some(RequestedProofToken::ComputedKey(
                ComputedKeyAlgorithm::PSha1,
            ));
        }
        // The requester already holds the key: no proof token.
        KeyMaterial::Requester => {}
        KeyMaterial::Server => {
            rstr.requested_proof_token = Some(match cert {
                Some(c) => RequestedProofToken::EncryptedKey(Fragment::from_own_output(
                    encrypted_key_for(c, key.key.expose())?,
                )),
                None => RequestedProofToken::BinarySecret(BinarySecret::new(
                    None,
                    key.key.expose().to_vec(),
                )),
            });
        }
    }
    Ok(())
}

pub(crate) fn encrypted_key_for(cert: &Certificate, key: &[u8]) -> Result<String, Error> {
    let mut w = Writer::new();
    let thumb = xmlsec::base64_encode(cert.thumbprint_sha1());
    let ki =
        |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::THUMBPRINT_SHA1, &thumb);
    xmlsec::write_encrypted_key(
        &mut w,
        None,
        key,
        cert.public_key(),
        &OaepParams::sha1(),
        Some(&ki),
        &[],
    )?;
    Ok(w.finish()?)
}
