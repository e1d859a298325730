//! The token service: one request in, one response (or fault) out.
//!
//! This slice implements the Issue binding for WS-SecureConversation security context tokens
//! (brokered key distribution, WS-Trust 1.4 Appendix): the requester authenticates, the STS
//! makes the key, the token carries it encrypted for the target service and is signed by the
//! STS, and the proof token carries it for the requester.

use crate::crypto::{self, DigestAlgorithm, OaepParams, SignatureAlgorithm};
use crate::pki::Certificate;
use crate::soap::{self, SoapVersion};
use crate::store::TokenStore;
use crate::trust::{
    BinarySecret, BinarySecretType, ComputedKeyAlgorithm, Entropy, Fragment, KeyType, Lifetime,
    RequestSecurityToken, RequestSecurityTokenResponse, RequestSecurityTokenResponseCollection,
    RequestType, RequestedProofToken, RequestedReference, ScVersion, ToXml, TokenHolder, TokenType,
    TrustMessage, TrustVersion,
};
use crate::wss::{self, Clock, Environment, Protection, Signer, SignerKeyInfo, SigningToken};
use crate::xml::{ns, Document, Writer};
use crate::xmlsec::{self, SignReference, SignatureMethod, SignatureSpec, SigningKey};

use super::config::EngineConfig;
use super::fault::{log_reason, to_fault};
use super::keys::{self, KeyMaterial};
use super::request::{parse_request, Incoming, ParsedRequest};
use super::resolve::{EngineKeys, StoreReplay};
use super::sealed::{self, ContextState};
use super::Error;

/// Properties of the transport the request came over.
#[derive(Clone, Copy, Debug, Default)]
pub struct Transport {
    /// The channel keeps the body confidential (TLS, or loopback in development): only then
    /// may a proof key travel as a plain BinarySecret, or a password as text.
    pub confidential: bool,
}

/// The HTTP response to send.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The envelope.
    pub body: String,
    /// For the log: why a fault was sent (never sent to the caller).
    pub log: Option<String>,
}

/// Who asked, as established from the security record.
#[derive(Clone, Debug)]
struct Requester {
    principal: String,
    cert: Option<Certificate>,
}

/// The security token service.
pub struct Engine {
    cfg: EngineConfig,
    store: std::sync::Arc<dyn TokenStore>,
}

impl Engine {
    /// An engine with `cfg`, keeping replay memory, contexts and revocations in `store`.
    pub fn new(cfg: EngineConfig, store: std::sync::Arc<dyn TokenStore>) -> Self {
        Self { cfg, store }
    }

    /// The token store.
    pub fn store(&self) -> &dyn TokenStore {
        &*self.store
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Handles one request at the time `clock` tells.
    pub fn handle(
        &self,
        incoming: Incoming<'_>,
        transport: Transport,
        clock: &dyn Clock,
    ) -> Response {
        let keys = EngineKeys {
            cfg: &self.cfg,
            store: &*self.store,
            now_ms: clock.now_ms(),
        };
        let replay = StoreReplay(&*self.store);
        let env = Environment {
            clock,
            replay: &replay,
            keys: &keys,
        };
        let fallback = incoming
            .content_type
            .and_then(SoapVersion::from_content_type)
            .unwrap_or(SoapVersion::V11);
        let mut trust_ns = ns::WST13;
        let result =
            parse_request(incoming, &self.cfg.limits, &self.cfg.inbound, env).and_then(|req| {
                trust_ns = match req.message.version() {
                    TrustVersion::Feb2005 => ns::WST_2005,
                    _ => ns::WST13,
                };
                self.dispatch(&req, transport, env)
                    .map(|body| (req.version, body))
            });
        match result {
            Ok((version, body)) => Response {
                status: 200,
                content_type: version.content_type(),
                body,
                log: None,
            },
            Err(e) => {
                let fault = to_fault(&e, trust_ns);
                let mut w = Writer::new();
                soap::write_envelope(&mut w, fallback, |_| {}, |w| fault.write(w, fallback));
                Response {
                    status: fault.http_status(),
                    content_type: fallback.content_type(),
                    body: w.finish().unwrap_or_default(),
                    log: Some(log_reason(&e)),
                }
            }
        }
    }

    fn dispatch(
        &self,
        req: &ParsedRequest,
        transport: Transport,
        env: Environment<'_>,
    ) -> Result<String, Error> {
        let TrustMessage::Rst(rst) = &req.message else {
            return Err(Error::InvalidRequest {
                what: "only a single RequestSecurityToken is handled",
            });
        };
        if super::keyx::is_keyx_request(rst) {
            let auth = || self.authenticate(req, transport).map(|r| r.principal);
            let now = env.clock.now_ms();
            let rstr = self.keyx_soap(req, rst, &auth, now)?;
            return self.respond(req, rst.version, rstr, now);
        }
        match rst.params.request_type {
            Some(RequestType::Issue) => {}
            _ => {
                return Err(Error::InvalidRequest {
                    what: "request type not supported yet",
                })
            }
        }
        let requester = self.authenticate(req, transport)?;
        let now = env.clock.now_ms();
        let rstr = self.issue_sct(rst, &requester, transport, now)?;
        self.respond(req, rst.version, rstr, now)
    }

    fn authenticate(&self, req: &ParsedRequest, transport: Transport) -> Result<Requester, Error> {
        let sec = &req.secured;
        let body = sec.envelope()?.body();
        // The token whose signature covers the Body authenticates the requester.
        if let Some(sig) = sec.signature_over(body) {
            return match &sig.token {
                SigningToken::X509(cert) => Ok(Requester {
                    principal: cert.subject().to_owned(),
                    cert: Some(cert.clone()),
                }),
                SigningToken::Symmetric { source } => {
                    let id = context_of(source).ok_or(Error::Authentication {
                        what: "symmetric signature without a security context",
                    })?;
                    let state = sealed::from_identifier(&self.cfg.token_keys, id)?;
                    Ok(Requester {
                        principal: state.principal,
                        cert: None,
                    })
                }
                _ => Err(Error::Authentication {
                    what: "signature key binds no identity",
                }),
            };
        }
        if let Some(ut) = &sec.username_token {
            if !ut.digest && !transport.confidential {
                return Err(Error::Authentication {
                    what: "clear-text password over a channel that is not confidential",
                });
            }
            let p = self.cfg.users.authenticate(ut)?;
            return Ok(Requester {
                principal: p.name,
                cert: None,
            });
        }
        Err(Error::Authentication {
            what: "no credentials",
        })
    }

    fn issue_sct(
        &self,
        rst: &RequestSecurityToken,
        who: &Requester,
        transport: Transport,
        now: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let version = rst.version;
        let sc = version.secure_conversation();
        let params = &rst.params;
        if let Some(tt) = &params.token_type {
            if !is_sct(tt) {
                return Err(Error::InvalidRequest {
                    what: "token type not supported yet",
                });
            }
        }
        match &params.key_type {
            None | Some(KeyType::SymmetricKey) => {}
            _ => {
                return Err(Error::InvalidRequest {
                    what: "a security context needs a symmetric key",
                })
            }
        }
        let realm = self
            .cfg
            .realm_for(params.applies_to.as_ref().and_then(|a| a.target_address()))?;
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
        let material = keys::decide(requester_entropy.as_deref(), &self.cfg.key_policy)?;
        let bits = keys::key_size_bits(params.key_size, realm.key_size_bits)?;
        let proof = keys::make_proof_key(material, requester_entropy.as_deref(), bits)?;

        let expires = now + realm.lifetime_secs * 1000;
        let state = ContextState {
            principal: who.principal.clone(),
            act_as: None,
            claims: Vec::new(),
            key: proof.key.clone(),
            created_ms: now,
            expires_ms: expires,
            renew_until_ms: expires + realm.renewal_window_secs * 1000,
            instance: 0,
            audience: realm.name.clone(),
            serial: u64::from_be_bytes(random8()?),
        };
        let blob = sealed::seal(&self.cfg.token_keys, &state)?;
        let identifier = sealed::identifier(&blob);
        let sct_id = format!("sct-{}", hex(&random8()?));
        let sct = self.signed_sct(sc, &sct_id, &identifier, realm, proof.key.expose(), expires)?;

        let mut rstr = RequestSecurityTokenResponse::new(version);
        rstr.context = rst.context.clone();
        rstr.params.token_type = Some(TokenType::from_uri(sc.sct_token_type()));
        rstr.params.lifetime = Lifetime::from_seconds(now / 1000, expires / 1000);
        rstr.params.key_size = Some(bits);
        rstr.params.applies_to = params.applies_to.clone();
        rstr.requested_security_token = Some(TokenHolder::new(Fragment::parse(&sct)?));
        rstr.requested_attached_reference = Some(RequestedReference::by_reference(
            &format!("#{sct_id}"),
            Some(sc.sct_token_type()),
            None,
        )?);
        rstr.requested_unattached_reference = Some(RequestedReference::by_reference(
            &identifier,
            Some(sc.sct_token_type()),
            None,
        )?);

        // The proof token: encrypted for the requester's certificate when it has one,
        // otherwise in the clear only over a confidential channel.
        let confidential_or_encrypted = who.cert.is_some() || transport.confidential;
        if !confidential_or_encrypted {
            return Err(Error::InvalidRequest {
                what: "no way to deliver the proof key confidentially",
            });
        }
        match material {
            KeyMaterial::Computed => {
                let server_entropy = proof.server_entropy.as_ref().ok_or(Error::Internal {
                    what: "computed key without server entropy",
                })?;
                rstr.params.entropy = Some(match &who.cert {
                    Some(c) => Entropy::EncryptedKey(Fragment::parse(&encrypted_key_for(
                        c,
                        server_entropy.expose(),
                    )?)?),
                    None => Entropy::BinarySecret(BinarySecret::new(
                        Some(BinarySecretType::Nonce),
                        server_entropy.expose().to_vec(),
                    )),
                });
                rstr.requested_proof_token = Some(RequestedProofToken::ComputedKey(
                    ComputedKeyAlgorithm::PSha1,
                ));
            }
            KeyMaterial::Requester => {
                // The requester already has the key: no proof token.
            }
            KeyMaterial::Server => {
                rstr.requested_proof_token = Some(match &who.cert {
                    Some(c) => RequestedProofToken::EncryptedKey(Fragment::parse(
                        &encrypted_key_for(c, proof.key.expose())?,
                    )?),
                    None => RequestedProofToken::BinarySecret(BinarySecret::new(
                        None,
                        proof.key.expose().to_vec(),
                    )),
                });
            }
        }
        Ok(rstr)
    }

    /// The SCT: identifier (the sealed state), the key encrypted for the service, and an
    /// enveloped STS signature so the service can trust it with only our certificate.
    fn signed_sct(
        &self,
        sc: ScVersion,
        sct_id: &str,
        identifier: &str,
        realm: &super::config::Realm,
        key: &[u8],
        expires_ms: i64,
    ) -> Result<String, Error> {
        let mut w = Writer::new();
        w.start(sc.namespace(), "SecurityContextToken")
            .attr(ns::WSU, "Id", sct_id);
        w.element_text(sc.namespace(), "Identifier", identifier);
        w.start(ns::WSX, "Audience").text(&realm.name).end();
        w.start(ns::WSX, "Expires")
            .text(&wss::time::format(expires_ms))
            .end();
        let ski = realm.encryption_cert.subject_key_id();
        let ki = |w: &mut Writer| {
            wss::write_key_identifier(w, wss::value_type::X509_SKI, &xmlsec::base64_encode(&ski));
        };
        xmlsec::write_encrypted_key(
            &mut w,
            None,
            key,
            realm.encryption_cert.public_key(),
            &OaepParams::sha1(),
            Some(&ki),
            &[],
        )?;
        w.end();
        let unsigned = w.finish()?;
        let doc = Document::parse(unsigned.as_bytes())?;
        let refs = [SignReference {
            node: doc.root(),
            uri: format!("#{sct_id}"),
            enveloped: true,
            prefixes: None,
        }];
        let thumb = xmlsec::base64_encode(self.cfg.signing_cert.thumbprint_sha1());
        let ski =
            |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::THUMBPRINT_SHA1, &thumb);
        let sig = xmlsec::sign(
            &doc,
            &refs,
            SignatureSpec::default(),
            SigningKey::Rsa(&self.cfg.signing_key),
            Some(&ski),
        )?;
        let close = unsigned
            .rfind("</")
            .ok_or(Error::Internal { what: "sct text" })?;
        let mut out = unsigned;
        out.insert_str(close, &sig);
        Ok(out)
    }

    /// The response envelope: RSTRC (1.3/1.4) or RSTR (2005), signed by the STS over Body,
    /// Timestamp, the WS-Addressing reply headers and any SignatureConfirmation.
    fn respond(
        &self,
        req: &ParsedRequest,
        version: TrustVersion,
        rstr: RequestSecurityTokenResponse,
        now: i64,
    ) -> Result<String, Error> {
        let (action, body_xml) = match version {
            TrustVersion::Feb2005 => (
                crate::trust::Action::FinalResponse(crate::trust::Binding::Issue).uri(version),
                rstr.to_xml()?,
            ),
            _ => (
                crate::trust::Action::FinalResponse(crate::trust::Binding::Issue).uri(version),
                RequestSecurityTokenResponseCollection::new(version, vec![rstr]).to_xml()?,
            ),
        };
        let body_doc = Document::parse(body_xml.as_bytes())?;
        let reply = req
            .addressing
            .reply(action, format!("urn:uuid:{}", uuid()?));
        let headers = |w: &mut Writer| {
            if req.addressing.present {
                reply.write(w, "r");
            }
        };
        let body = |w: &mut Writer| {
            w.copy(&body_doc, body_doc.root());
        };
        let confirmations: Vec<Vec<u8>> = req
            .secured
            .signatures
            .iter()
            .map(|s| s.value.clone())
            .collect();
        let mut signed_ids = Vec::new();
        if req.addressing.present {
            signed_ids.extend(["r-action", "r-msgid", "r-to"].map(str::to_owned));
            if reply.relates_to.is_some() {
                signed_ids.push("r-relates".to_owned());
            }
        }
        let p = Protection {
            signer: Some(Signer {
                key: SigningKey::Rsa(&self.cfg.signing_key),
                method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                digest: DigestAlgorithm::Sha256,
                key_info: SignerKeyInfo::BinarySecurityToken(&self.cfg.signing_cert),
            }),
            signature_confirmations: confirmations,
            signed_ids,
            ..Protection::default()
        };
        Ok(wss::secure_envelope(req.version, now, &headers, &body, &p)?.xml)
    }
}

fn context_of(source: &wss::KeySource) -> Option<&str> {
    match source {
        wss::KeySource::SecurityContext { identifier } => Some(identifier),
        wss::KeySource::Derived(inner) => context_of(inner),
        _ => None,
    }
}

fn is_sct(tt: &TokenType) -> bool {
    let u = tt.uri();
    u == ScVersion::V13.sct_token_type() || u == ScVersion::Feb2005.sct_token_type()
}

fn encrypted_key_for(cert: &Certificate, key: &[u8]) -> Result<String, Error> {
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

fn random8() -> Result<[u8; 8], Error> {
    let r = crypto::random_bytes(8).map_err(|_| Error::Internal { what: "random" })?;
    let mut a = [0u8; 8];
    a.copy_from_slice(&r);
    Ok(a)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn uuid() -> Result<String, Error> {
    let r = crypto::random_bytes(16).map_err(|_| Error::Internal { what: "random" })?;
    let h = hex(&r);
    Ok(format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    ))
}
