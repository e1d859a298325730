//! The token service: one request in, one response (or fault) out.
//!
//! Routing is on the WS-Trust message in the (signed, possibly decrypted) Body and its
//! `wst:RequestType`, never on the unsigned `wsa:Action` or `SOAPAction`:
//!
//! * `RequestSecurityToken`: one binding ([`issue`](super::issue), [`renew`](super::renew),
//!   [`cancel`](super::cancel), [`validate`](super::validate)), answered with an RSTRC for a
//!   1.3/1.4 Issue and an RSTR otherwise;
//! * `RequestSecurityTokenCollection`: each request in turn, answered with one RSTRC (all or
//!   nothing: any refusal faults the batch);
//! * an unsolicited `RequestSecurityTokenResponse`: a direct key transfer
//!   ([`direct`](super::direct)).
//!
//! Every response is signed (by the STS's RSA key, or with HMAC under the requester's key;
//! algorithms as [`algorithms`](super::algorithms) chooses them) over Body, Timestamp, the WS-Addressing
//! reply headers and the SignatureConfirmations of the request's signatures. When the request
//! Body arrived encrypted with a key sent as an EncryptedKey (pattern 4), the reply Body is
//! encrypted with that same key.

use crate::crypto;
use crate::service::validator::context_of;
use crate::soap::{self, SoapVersion};
use crate::trust::{
    Action, Binding, DerivedKeyToken, RequestSecurityToken, RequestSecurityTokenResponse,
    RequestSecurityTokenResponseCollection, RequestType, ScVersion, ToXml, TrustMessage,
    TrustVersion,
};
use crate::wss::{self, Clock, Encryptor, Environment, Protection, Signer, SignerKeyInfo};
use crate::xml::{ns, Writer};
use crate::xmlsec::SigningKey;

use super::algorithms::{asymmetric_reply, reply_cipher, symmetric_reply};
use super::audit_scope::Scope;

use super::call::Call;
use super::fault::{log_reason, to_fault};
use super::ids::{random8, uuid};
use super::request::{parse_request_over, Incoming, ParsedRequest};
use super::resolve::{EngineKeys, RollbackReplay};
use super::state::{Engine, Outcome, RandomKey, Reply, ReplyKey, Requester, Response, Transport};
use super::target::target_of;
use super::tokens::RequestOptions;
use super::Error;

/// Writes the `ds:KeyInfo` content of the reply's EncryptedData.
type KeyInfoWriter<'a> = Box<dyn Fn(&mut Writer) + 'a>;

/// Most requests in one `RequestSecurityTokenCollection`.
const MAX_BATCH: usize = 16;

/// The EncryptedKeySHA1 under a key source, and whether a derivation came in between.
fn encrypted_key_source(source: &wss::KeySource) -> Option<(&str, bool)> {
    match source {
        wss::KeySource::EncryptedKey { sha1 } => Some((sha1, false)),
        wss::KeySource::Derived(inner) => encrypted_key_source(inner).map(|(s, _)| (s, true)),
        _ => None,
    }
}

impl Engine {
    /// Handles one request at the time `clock` tells.
    pub fn handle(
        &self,
        incoming: Incoming<'_>,
        transport: Transport,
        clock: &dyn Clock,
    ) -> Response {
        self.handle_with(incoming, transport, clock, &RequestOptions::default())
    }

    /// Handles one request at the time `clock` tells, with the endpoint's `options` (such as
    /// the token type for requests that name none).
    pub fn handle_with(
        &self,
        incoming: Incoming<'_>,
        transport: Transport,
        clock: &dyn Clock,
        options: &RequestOptions,
    ) -> Response {
        let keys = EngineKeys::new(&self.cfg, &*self.store);
        let replay = RollbackReplay::new(&*self.store);
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
        let now = clock.now_ms();
        let scope = Scope::new(now, transport.peer, options.correlation_hint.as_deref());
        let result = parse_request_over(
            incoming,
            &self.cfg.limits,
            &self.cfg.inbound,
            env,
            transport.confidential,
        )
        .and_then(|req| {
            scope.message_id(req.addressing.message_id.as_deref());
            scope.request(&req, options);
            trust_ns = match req.message.version() {
                TrustVersion::Feb2005 => ns::WST_2005,
                _ => ns::WST13,
            };
            let r = self.dispatch(&req, transport, (&keys, &replay), now, options, &scope);
            scope.realm(req.suite.realm());
            r.map(|body| (req.version, body))
        });
        match result {
            Ok((version, body)) => {
                self.audit_answered(&scope);
                Response {
                    status: 200,
                    content_type: version.content_type(),
                    body,
                    log: None,
                    correlation_id: scope.correlation_id(),
                    summary: scope.summary(),
                }
            }
            Err(e) => {
                // A refused request leaves no replay entry behind.
                replay.roll_back();
                let fault = to_fault(&e, trust_ns);
                let reason = log_reason(&e);
                if !matches!(e, Error::Xml(_)) {
                    scope.message_id_of_body(incoming.body, &self.cfg.limits);
                }
                self.audit_refused(&scope, &fault, &reason);
                let mut w = Writer::new();
                soap::write_envelope(&mut w, fallback, |_| {}, |w| fault.write(w, fallback));
                Response {
                    status: fault.http_status(),
                    content_type: fallback.content_type(),
                    body: w.finish().unwrap_or_default(),
                    log: Some(reason),
                    correlation_id: scope.correlation_id(),
                    summary: scope.summary().refused(&fault, &e),
                }
            }
        }
    }

    fn dispatch(
        &self,
        req: &ParsedRequest,
        transport: Transport,
        (keys, replay): (&EngineKeys<'_>, &RollbackReplay<'_>),
        now: i64,
        options: &RequestOptions,
        scope: &Scope,
    ) -> Result<String, Error> {
        let authenticate = || {
            let who = self.authenticate(req, transport, (keys, replay), now, options, scope)?;
            scope.authenticated(&who);
            Ok::<_, Error>(who)
        };
        let request_key = request_key(req)?;
        let confidential = transport.confidential || request_key.is_some();
        let call = |rst, who, confidential| Call {
            req,
            rst,
            who,
            confidential,
            now,
            options,
        };
        match &req.message {
            TrustMessage::Rst(rst) => {
                let single = !matches!(rst.params.request_type, Some(RequestType::Issue))
                    || rst.version.is_feb2005();
                if super::target::is_keyx_request(rst) {
                    self.check_expired_use(req, keys, std::slice::from_ref(rst), now)?;
                    let auth = || authenticate().map(|r| r.principal().to_owned());
                    self.enforce_sts_suite(req)?;
                    let rstr = self.keyx_soap(req, rst, &auth, now)?;
                    scope.answered(req, rst, &rstr);
                    let (v, b) = (rst.version, binding_of(rst));
                    let reply = Reply {
                        single,
                        key: request_key,
                        context: None,
                        random: None,
                    };
                    return self.respond(req, v, b, vec![rstr], reply, now);
                }
                let who = authenticate()?;
                self.check_expired_use(req, keys, std::slice::from_ref(rst), now)?;
                let request_key = request_key.or_else(|| random_reply_key(&who, transport));
                let confidential = confidential || request_key.is_some();
                let out = self.binding(call(rst, &who, confidential))?;
                scope.answered(req, rst, &out.rstr);
                let reply = Reply {
                    single,
                    key: request_key.or(out.reply_key),
                    context: who.context(),
                    random: who.random_key(),
                };
                self.respond(
                    req,
                    rst.version,
                    binding_of(rst),
                    vec![out.rstr],
                    reply,
                    now,
                )
            }
            TrustMessage::Rstc(batch) => {
                if batch.requests.len() > MAX_BATCH {
                    return Err(Error::InvalidRequest {
                        what: "too many requests in a collection",
                    });
                }
                let who = authenticate()?;
                self.check_expired_use(req, keys, &batch.requests, now)?;
                let request_key = request_key.or_else(|| random_reply_key(&who, transport));
                let confidential = confidential || request_key.is_some();
                let mut rstrs = Vec::with_capacity(batch.requests.len());
                let mut reply_key = request_key;
                for rst in &batch.requests {
                    let out = self.binding(call(rst, &who, confidential))?;
                    scope.answered(req, rst, &out.rstr);
                    if let Some(k) = out.reply_key {
                        if reply_key.is_some() {
                            return Err(Error::InvalidRequest {
                                what: "a collection needing two reply keys",
                            });
                        }
                        reply_key = Some(k);
                    }
                    rstrs.push(out.rstr);
                }
                let binding = batch.requests.first().map_or(Binding::Issue, binding_of);
                let reply = Reply {
                    single: false,
                    key: reply_key,
                    context: who.context(),
                    random: who.random_key(),
                };
                self.respond(req, batch.version, binding, rstrs, reply, now)
            }
            TrustMessage::Rstr(rstr) => {
                self.enforce_sts_suite(req)?;
                let out = self.accept_propagation(req, rstr, now)?;
                scope.transferred(req, &out.rstr);
                let reply = Reply {
                    single: true,
                    key: request_key,
                    context: None,
                    random: None,
                };
                self.respond(
                    req,
                    rstr.version,
                    Binding::SctIssue,
                    vec![out.rstr],
                    reply,
                    now,
                )
            }
            TrustMessage::Rstrc(_) => Err(Error::InvalidRequest {
                what: "a response collection is not a request",
            }),
        }
    }

    fn binding(&self, call: Call<'_>) -> Result<Outcome, Error> {
        match &call.rst.params.request_type {
            Some(RequestType::Issue) => self.issue(call),
            Some(RequestType::Renew) => self.renew(call),
            Some(RequestType::Cancel) => self.cancel(call),
            Some(RequestType::Validate) => self.validate(call),
            None => Err(Error::InvalidRequest {
                what: "request without RequestType",
            }),
            Some(_) => Err(Error::InvalidRequest {
                what: "request type not supported",
            }),
        }
    }

    /// The requester: the key whose signature covers the Body (certificate, security
    /// context, random key, or an issued token's confirmation key), else the UsernameToken,
    /// else an issued token in the header ([`issued_token`](super::issued_token)). An
    /// endpoint taking issued tokens only (AD FS's `issuedtokenmixed*`) asks for that alone.
    fn authenticate(
        &self,
        req: &ParsedRequest,
        transport: Transport,
        (keys, replay): (&EngineKeys<'_>, &RollbackReplay<'_>),
        now: i64,
        options: &RequestOptions,
        scope: &Scope,
    ) -> Result<Requester, Error> {
        if let Some(proof) = options.issued_token_only {
            return self
                .authenticate_issued(req, transport, replay, now, Some(proof))?
                .ok_or(Error::Authentication {
                    what: "this endpoint takes issued-token authentication only",
                });
        }
        let sec = &req.secured;
        let body = sec.envelope()?.body();
        if let Some(sig) = sec.signature_over(body) {
            return match sig.token() {
                wss::SigningToken::X509(_) => {
                    Requester::by_certificate(sig).ok_or(Error::Internal {
                        what: "an X.509 signature without its certificate",
                    })
                }
                wss::SigningToken::IssuedToken { .. } => self
                    .authenticate_issued(req, transport, replay, now, None)?
                    .ok_or(Error::Authentication {
                        what: "issued-token signature without its assertion",
                    }),
                wss::SigningToken::Symmetric { source } if context_of(source).is_none() => {
                    self.authenticate_random_key(req, sig, source, transport)
                }
                wss::SigningToken::Symmetric { source } => {
                    let id = context_of(source).ok_or(Error::Authentication {
                        what: "symmetric signature without a security context",
                    })?;
                    let used = keys
                        .used()
                        .into_iter()
                        .rev()
                        .find(|u| u.identifier == id)
                        .ok_or(Error::Authentication {
                            what: "signing context not resolved",
                        })?;
                    Ok(Requester::by_context(used))
                }
                _ => Err(Error::Authentication {
                    what: "signature key binds no identity",
                }),
            };
        }
        if let Some(ut) = sec.username_token() {
            if !ut.digest && !transport.confidential {
                return Err(Error::Authentication {
                    what: "clear-text password over a channel that is not confidential",
                });
            }
            let p = self.check_password(ut, transport.peer, now, scope)?;
            return Ok(Requester::by_password(p));
        }
        self.authenticate_issued(req, transport, replay, now, None)?
            .ok_or(Error::Authentication {
                what: "no credentials",
            })
    }

    /// A Body signed with a random key the requester sent encrypted for our certificate
    /// (WS-SecurityPolicy SymmetricBinding with an X509 protection token: WCF's
    /// `UserNameForCertificate`, WSS4J/CXF; the WS-Trust 1.4 pattern 4 "sign with a random
    /// key, encrypt it for the recipient"). The key proves only that the requester made it;
    /// who the requester is comes from the UsernameToken that this same signature covers (a
    /// signed supporting token), whose password is checked as usual. A clear-text password
    /// needs a confidential channel or to have arrived encrypted.
    fn authenticate_random_key(
        &self,
        req: &ParsedRequest,
        sig: &wss::SignatureRecord,
        source: &wss::KeySource,
        transport: Transport,
    ) -> Result<Requester, Error> {
        let sec = &req.secured;
        let (sha1, derived) = encrypted_key_source(source).ok_or(Error::Authentication {
            what: "symmetric signature by a key of no known source",
        })?;
        let key = sec.encrypted_key(sha1).ok_or(Error::Authentication {
            what: "signing key not resolved",
        })?;
        let (Some(ut), Some(node)) = (sec.username_token(), sec.username_token_node()) else {
            return Err(Error::Authentication {
                what: "a random-key signature without a username token binds no identity",
            });
        };
        if !sec.signed_by(sig, node) {
            return Err(Error::Authentication {
                what: "the username token is not signed by the request's random key",
            });
        }
        if !ut.digest && !transport.confidential && !sec.was_encrypted(node) {
            return Err(Error::Authentication {
                what: "clear-text password over a channel that is not confidential",
            });
        }
        let p = self.cfg.users.authenticate(ut)?;
        let key = RandomKey {
            key: key.clone(),
            sha1: sha1.to_owned(),
            derived,
        };
        Ok(Requester::by_random_key(p, key))
    }

    /// An expired context may only be used to renew itself.
    fn check_expired_use(
        &self,
        req: &ParsedRequest,
        keys: &EngineKeys<'_>,
        rsts: &[RequestSecurityToken],
        now: i64,
    ) -> Result<(), Error> {
        for u in keys.used() {
            if u.state.expires_ms > now {
                continue;
            }
            let renews_it = match rsts {
                [rst] if rst.params.request_type == Some(RequestType::Renew) => {
                    match &rst.params.renew_target {
                        Some(h) => target_of(req, h)?.0 == u.identifier,
                        None => false,
                    }
                }
                _ => false,
            };
            if !renews_it {
                return Err(Error::Authentication {
                    what: "expired security context",
                });
            }
        }
        Ok(())
    }

    /// The response envelope, signed over Body, Timestamp, the WS-Addressing reply headers and
    /// the SignatureConfirmations: by the STS's RSA key, or, when the request was signed under
    /// a security context, with HMAC-SHA256 under a key derived from that context (the
    /// symmetric binding of WS-SecureConversation: the requester holds the key, and no
    /// private-key operation is spent on the answer). Encrypted with `reply.key` when given.
    fn respond(
        &self,
        req: &ParsedRequest,
        version: TrustVersion,
        binding: Binding,
        rstrs: Vec<RequestSecurityTokenResponse>,
        reply: Reply<'_>,
        now: i64,
    ) -> Result<String, Error> {
        let Reply {
            single,
            key: reply_key,
            context,
            random,
        } = reply;
        // Every binding holds the request to its realm's suite before it decides anything; an
        // answer to one that was never checked would be a bug, refused here (fail closed).
        let suite = req.suite.get().ok_or(Error::Internal {
            what: "a request held to no realm's algorithm suite",
        })?;
        let used = req.secured.algorithms();
        let action = Action::FinalResponse(binding).uri(version);
        // Written straight into the envelope's Body (no text in between to parse again).
        let mut rstrs = rstrs;
        let body_element: Box<dyn ToXml> = if rstrs.len() == 1 && (single || version.is_feb2005()) {
            Box::new(rstrs.pop().ok_or(Error::Internal {
                what: "no response",
            })?)
        } else {
            Box::new(RequestSecurityTokenResponseCollection::new(version, rstrs))
        };
        let reply = req
            .addressing
            .reply(action, format!("urn:uuid:{}", uuid()?));
        let headers = |w: &mut Writer| {
            if req.addressing.present {
                reply.write(w, "r");
            }
        };
        let body = |w: &mut Writer| body_element.write(w);
        let confirmations: Vec<Vec<u8>> = req
            .secured
            .signatures()
            .iter()
            .map(|s| s.value().to_vec())
            .collect();
        let mut signed_ids = Vec::new();
        if req.addressing.present {
            signed_ids.extend(["r-action", "r-msgid", "r-to"].map(str::to_owned));
            if reply.relates_to.is_some() {
                signed_ids.push("r-relates".to_owned());
            }
        }
        let (key_bytes, ki): (Option<&[u8]>, KeyInfoWriter<'_>) = match &reply_key {
            None => (None, Box::new(|_: &mut Writer| {})),
            Some(ReplyKey::RequestKey { key, sha1 }) => (
                Some(key.expose()),
                Box::new(move |w: &mut Writer| {
                    wss::write_key_identifier(w, wss::value_type::ENCRYPTED_KEY_SHA1, sha1)
                }),
            ),
            Some(ReplyKey::Context {
                key,
                identifier,
                sc,
            }) => {
                let vt = match sc {
                    ScVersion::Feb2005 => wss::value_type::SCT_2005,
                    _ => wss::value_type::SCT_13,
                };
                (
                    Some(key.expose()),
                    Box::new(move |w: &mut Writer| wss::write_reference(w, identifier, Some(vt))),
                )
            }
        };
        // The symmetric signer: a DerivedKeyToken of the request's context, in the header; or
        // the request's random key, itself or through a DerivedKeyToken as the request did.
        let sc = version.secure_conversation();
        let dkt_id = || -> Result<String, Error> { Ok(format!("DK-{}", crypto::hex(&random8()?))) };
        let derived = match (context, random) {
            (Some(u), _) => {
                let id = dkt_id()?;
                let (dkt, key) =
                    DerivedKeyToken::for_context(sc, &id, &u.identifier, u.state.key.expose(), 32)?;
                Some((format!("#{id}"), dkt.to_xml()?, key))
            }
            (None, Some(r)) if r.derived => {
                let id = dkt_id()?;
                let (dkt, key) =
                    DerivedKeyToken::for_encrypted_key(sc, &id, &r.sha1, r.key.expose(), 32)?;
                Some((format!("#{id}"), dkt.to_xml()?, key))
            }
            _ => None,
        };
        let dk_info = |w: &mut Writer| {
            if let Some((uri, _, _)) = &derived {
                wss::write_reference(w, uri, Some(sc.dk_value_type()));
            }
        };
        let random_info = |w: &mut Writer| {
            if let Some(r) = random {
                wss::write_key_identifier(w, wss::value_type::ENCRYPTED_KEY_SHA1, &r.sha1);
            }
        };
        let signer = match (&derived, random) {
            (Some((_, _, key)), _) => {
                let a = symmetric_reply(suite, used);
                Signer {
                    key: SigningKey::Hmac(key.expose()),
                    method: a.method,
                    digest: a.digest,
                    key_info: SignerKeyInfo::Custom(&dk_info),
                }
            }
            (None, Some(r)) => {
                let a = symmetric_reply(suite, used);
                Signer {
                    key: SigningKey::Hmac(r.key.expose()),
                    method: a.method,
                    digest: a.digest,
                    key_info: SignerKeyInfo::Custom(&random_info),
                }
            }
            (None, None) => {
                let a = asymmetric_reply(used);
                Signer {
                    key: SigningKey::Rsa(&self.cfg.signing_key),
                    method: a.method,
                    digest: a.digest,
                    key_info: SignerKeyInfo::BinarySecurityToken(&self.cfg.signing_cert),
                }
            }
        };
        let p = Protection {
            signer: Some(signer),
            header_tokens: derived.iter().map(|(_, xml, _)| xml.clone()).collect(),
            encrypt: match key_bytes {
                None => None,
                Some(key) => Some((
                    Encryptor::Symmetric {
                        key,
                        key_info: &*ki,
                    },
                    reply_cipher(suite, used, key.len())?,
                )),
            },
            encrypt_signature: key_bytes.is_some(),
            signature_confirmations: confirmations,
            signed_ids,
            ..Protection::default()
        };
        Ok(wss::secure_envelope(req.version, now, &headers, &body, &p)?.xml)
    }
}

/// The reply key of a request signed by a random key over a channel that is not
/// confidential: that key (whatever the Body was), so the proof key can travel.
fn random_reply_key(who: &Requester, transport: Transport) -> Option<ReplyKey> {
    match (who.random_key(), transport.confidential) {
        (Some(r), false) => Some(ReplyKey::RequestKey {
            key: r.key.clone(),
            sha1: r.sha1.clone(),
        }),
        _ => None,
    }
}

/// The key of the request's EncryptedKey, when the request Body arrived encrypted under it.
fn request_key(req: &ParsedRequest) -> Result<Option<ReplyKey>, Error> {
    let sec = &req.secured;
    let env = sec.envelope()?;
    let Some(content) = env.body_element() else {
        return Ok(None);
    };
    if !sec.was_encrypted(content) {
        return Ok(None);
    }
    Ok(sec
        .header_encrypted_key()?
        .map(|(key, sha1)| ReplyKey::RequestKey {
            key: key.clone(),
            sha1: sha1.to_owned(),
        }))
}

fn binding_of(rst: &RequestSecurityToken) -> Binding {
    match rst.params.request_type {
        Some(RequestType::Renew) => Binding::Renew,
        Some(RequestType::Cancel) => Binding::Cancel,
        Some(RequestType::Validate) => Binding::Validate,
        _ => Binding::Issue,
    }
}
