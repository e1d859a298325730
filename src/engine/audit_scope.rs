//! What the audit trail learns about one request as the engine answers it ([`Scope`]), and
//! the events made of it ([`Engine::audit_answered`], [`Engine::audit_refused`]). See
//! [`audit`](super::audit) for the events and the sinks.

use std::cell::RefCell;
use std::net::IpAddr;

use base64::Engine as _;

use crate::soap::{Fault, FaultCode};
use crate::trust::{
    RequestSecurityToken, RequestSecurityTokenResponse, RequestType, StatusCode, TokenHolder,
    TokenKind, TrustMessage,
};
use crate::wss::SigningToken;
use crate::xml::{datetime, Limits};

use super::audit::{
    bounded, fault_name, sane_correlation_id, token_id_sha256, token_type_name, AuditEvent,
    AuditLifetime, EventKind, LockoutNote,
};
use super::jwt_lifecycle::jwt_target;
use super::request::ParsedRequest;
use super::saml_lifecycle::saml_target;
use super::state::{Engine, Requester};
use super::summary::{RequestKind, Summary};
use super::target::target_of;
use super::tokens::RequestOptions;

/// One answered token: what one event says beyond the request's common facts.
#[derive(Debug)]
struct Entry {
    event: EventKind,
    outcome: &'static str,
    realm: Option<String>,
    token_type: Option<&'static str>,
    token_id_sha256: Option<String>,
    lifetime: Option<AuditLifetime>,
}

#[derive(Debug, Default)]
struct Facts {
    correlation_id: String,
    /// The correlation id is the request's `wsa:MessageID`.
    from_message: bool,
    request_type: Option<RequestKind>,
    authn: Option<&'static str>,
    principal: Option<String>,
    authority: Option<String>,
    claimed: Option<String>,
    /// The target the (first) request names: type and hashed identifier.
    target: Option<(&'static str, String)>,
    realm: Option<String>,
    lockout: Option<LockoutNote>,
    entries: Vec<Entry>,
}

/// The audit facts of one request, gathered as the engine goes.
#[derive(Debug)]
pub(crate) struct Scope {
    time_ms: i64,
    client: Option<IpAddr>,
    facts: RefCell<Facts>,
}

impl Scope {
    /// A request at `time_ms` from `client`, with the correlation id the transport offered
    /// (else a fresh UUID) until the request's `wsa:MessageID` is known.
    pub(crate) fn new(time_ms: i64, client: Option<IpAddr>, hint: Option<&str>) -> Self {
        let correlation_id = hint
            .and_then(sane_correlation_id)
            .map(str::to_owned)
            .or_else(|| crate::crypto::random_uuid().ok())
            .unwrap_or_else(|| format!("t{time_ms:x}"));
        Self {
            time_ms,
            client,
            facts: RefCell::new(Facts {
                correlation_id,
                ..Facts::default()
            }),
        }
    }

    /// The correlation id (to send back as `X-Correlation-Id`).
    pub(crate) fn correlation_id(&self) -> String {
        self.facts.borrow().correlation_id.clone()
    }

    /// Adopts the request's `wsa:MessageID` as the correlation id, when sane.
    pub(crate) fn message_id(&self, id: Option<&str>) {
        if let Some(id) = id.and_then(sane_correlation_id) {
            let mut f = self.facts.borrow_mut();
            id.clone_into(&mut f.correlation_id);
            f.from_message = true;
        }
    }

    /// For a request refused before its addressing headers were read: the `wsa:MessageID`
    /// of `body` if it is a well-formed envelope that has one.
    pub(crate) fn message_id_of_body(&self, body: &[u8], limits: &Limits) {
        if self.facts.borrow().from_message {
            return;
        }
        let id = crate::trust::request::message_id_of(body, limits);
        self.message_id(id.as_deref());
    }

    /// What a parsed request asks and how it authenticates.
    pub(crate) fn request(&self, req: &ParsedRequest, options: &RequestOptions) {
        let mut f = self.facts.borrow_mut();
        let first = match &req.message {
            TrustMessage::Rst(rst) => Some(rst),
            TrustMessage::Rstc(batch) => batch.requests.first(),
            _ => None,
        };
        f.request_type = Some(match (&req.message, first) {
            (TrustMessage::Rstr(_), _) => RequestKind::KeyTransfer,
            (_, Some(rst)) if super::target::is_keyx_request(rst) => RequestKind::KeyExchange,
            (_, Some(rst)) => RequestKind::of(rst.params.request_type.as_ref()),
            _ => RequestKind::Other,
        });
        f.authn = authn_of(req, options);
        f.claimed = req
            .secured
            .username_token()
            .as_ref()
            .map(|u| bounded(&u.username));
        f.target = first.and_then(|rst| {
            let p = &rst.params;
            let holder = p
                .renew_target
                .as_ref()
                .or(p.cancel_target.as_ref())
                .or(p.validate_target.as_ref())?;
            target_facts(req, holder)
        });
    }

    /// Sets what the request asks, for requests that are not WS-Trust messages.
    pub(crate) fn request_type(&self, kind: RequestKind) {
        self.facts.borrow_mut().request_type = Some(kind);
    }

    /// How the requester authenticates, for requests that are not WS-Trust messages.
    pub(crate) fn authn(&self, name: &'static str) {
        self.facts.borrow_mut().authn = Some(name);
    }

    /// The requester authenticated as `who`.
    pub(crate) fn authenticated(&self, who: &Requester) {
        let mut f = self.facts.borrow_mut();
        f.principal = Some(bounded(who.principal()));
        f.authority = who.authority().map(bounded);
    }

    /// The requester authenticated as `principal` (a key exchange identity).
    pub(crate) fn authenticated_as(&self, principal: &str) {
        self.facts.borrow_mut().principal = Some(bounded(principal));
    }

    /// This request's failed password check locked its user out.
    pub(crate) fn locked_out(&self, note: LockoutNote) {
        self.facts.borrow_mut().lockout = Some(note);
    }

    /// The realm the request was held to last.
    pub(crate) fn realm(&self, realm: Option<String>) {
        self.facts.borrow_mut().realm = realm;
    }

    /// `rst` of `req` was answered with `rstr`.
    pub(crate) fn answered(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        rstr: &RequestSecurityTokenResponse,
    ) {
        let p = &rst.params;
        let (event, outcome) = match p.request_type {
            Some(RequestType::Renew) => (EventKind::Renew, "renewed"),
            Some(RequestType::Cancel | RequestType::StsCancel) => (EventKind::Cancel, "cancelled"),
            Some(RequestType::Validate) => match rstr.status.as_ref().map(|s| &s.code) {
                Some(StatusCode::Valid) => (EventKind::Validate, "valid"),
                _ => (EventKind::Validate, "invalid"),
            },
            _ => (EventKind::Issue, "issued"),
        };
        let target = match event {
            EventKind::Cancel | EventKind::Validate => p
                .cancel_target
                .as_ref()
                .or(p.validate_target.as_ref())
                .and_then(|h| target_facts(req, h)),
            _ => None,
        };
        let issued = matches!(event, EventKind::Issue | EventKind::Renew);
        let (token_type, token_id_sha256) = match target {
            Some((t, id)) => (Some(t), Some(id)),
            None if issued => (
                rstr.params.token_type.as_ref().map(token_type_name),
                issued_id(rstr).map(|id| token_id_sha256(&id)),
            ),
            None => (None, None),
        };
        self.push(Entry {
            event,
            outcome,
            realm: req.suite.realm().map(|r| bounded(&r)),
            token_type: if super::target::is_keyx_request(rst) {
                Some("master-token")
            } else {
                token_type
            },
            token_id_sha256,
            lifetime: issued.then(|| lifetime_of(rstr)).flatten(),
        });
    }

    /// An unsolicited RSTR (a key transfer) of `req` was accepted.
    pub(crate) fn transferred(&self, req: &ParsedRequest, rstr: &RequestSecurityTokenResponse) {
        self.push(Entry {
            event: EventKind::Issue,
            outcome: "issued",
            realm: req.suite.realm().map(|r| bounded(&r)),
            token_type: rstr.params.token_type.as_ref().map(token_type_name),
            token_id_sha256: issued_id(rstr).map(|id| token_id_sha256(&id)),
            lifetime: lifetime_of(rstr),
        });
    }

    /// A key exchange succeeded (`renewed`: a master token renewal).
    pub(crate) fn exchanged(&self, renewed: bool) {
        self.push(Entry {
            event: if renewed {
                EventKind::Renew
            } else {
                EventKind::Issue
            },
            outcome: if renewed { "renewed" } else { "issued" },
            realm: None,
            token_type: Some("master-token"),
            token_id_sha256: None,
            lifetime: None,
        });
    }

    /// The typed summary of the request so far, for the server's metrics and traces.
    pub(crate) fn summary(&self) -> Summary {
        let f = self.facts.borrow();
        let first = f.entries.first();
        let issued = f
            .entries
            .iter()
            .filter(|e| matches!(e.event, EventKind::Issue | EventKind::Renew))
            .count();
        Summary {
            request_type: f.request_type,
            realm: first
                .and_then(|e| e.realm.clone())
                .or_else(|| f.realm.clone()),
            token_type: first.and_then(|e| e.token_type),
            tokens_issued: u32::try_from(issued).unwrap_or(u32::MAX),
            ..Summary::default()
        }
    }

    fn push(&self, e: Entry) {
        self.facts.borrow_mut().entries.push(e);
    }

    fn event(&self, f: &Facts, event: EventKind, outcome: &'static str) -> AuditEvent {
        AuditEvent {
            time: datetime::format(self.time_ms),
            event,
            outcome,
            request_type: f.request_type,
            principal: f.principal.clone(),
            authority: f.authority.clone(),
            claimed_principal: None,
            authn: f.authn,
            realm: f.realm.as_deref().map(bounded),
            token_type: None,
            token_id_sha256: None,
            lifetime: None,
            client: self.client.map(|c| c.to_string()),
            correlation_id: f.correlation_id.clone(),
            fault: None,
            reason: None,
            lockout: None,
        }
    }
}

impl Engine {
    /// Records the events of an answered request: one per token answered for.
    pub(crate) fn audit_answered(&self, scope: &Scope) {
        let Some(sink) = &self.audit else {
            return;
        };
        let f = scope.facts.borrow();
        for e in &f.entries {
            let mut ev = scope.event(&f, e.event, e.outcome);
            ev.realm = e.realm.clone().or(ev.realm);
            ev.token_type = e.token_type;
            ev.token_id_sha256 = e.token_id_sha256.clone();
            ev.lifetime = e.lifetime.clone();
            sink.record(&ev);
        }
    }

    /// Records the one event of a request refused with `fault` (a SOAP fault) for `reason`.
    pub(crate) fn audit_refused(&self, scope: &Scope, fault: &Fault, reason: &str) {
        let error = fault.code == FaultCode::Receiver;
        self.audit_refusal(scope, fault_name(fault), error, reason);
    }

    /// Records the one event of a request refused with the fault (or error code) `fault`.
    pub(crate) fn audit_refusal(&self, scope: &Scope, fault: &'static str, error: bool, why: &str) {
        let Some(sink) = &self.audit else {
            return;
        };
        let f = scope.facts.borrow();
        let mut ev = scope.event(
            &f,
            EventKind::Refused,
            if error { "error" } else { "refused" },
        );
        if f.principal.is_none() {
            ev.claimed_principal = f.claimed.clone();
        }
        if let Some((t, id)) = &f.target {
            ev.token_type = Some(t);
            ev.token_id_sha256 = Some(id.clone());
        }
        ev.fault = Some(fault);
        ev.reason = Some(bounded_reason(why));
        ev.lockout = f.lockout.clone();
        sink.record(&ev);
    }
}

/// A log reason as an event holds it: already free of input text (see
/// [`super::fault::log_reason`]), bounded all the same.
fn bounded_reason(why: &str) -> String {
    why.chars()
        .take(300)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

/// How `req` authenticates, as [`Engine::authenticate`] decides it (on a refusal: how it
/// tried to).
fn authn_of(req: &ParsedRequest, options: &RequestOptions) -> Option<&'static str> {
    if options.issued_token_only.is_some() {
        return Some("issued-token");
    }
    let sec = &req.secured;
    let password = sec.username_token().as_ref().map(|u| {
        if u.digest {
            "password-digest"
        } else {
            "password"
        }
    });
    let signature = sec
        .envelope()
        .ok()
        .and_then(|env| sec.signature_over(env.body()).map(|s| s.token().clone()));
    match signature {
        Some(SigningToken::X509(_)) => Some("x509"),
        Some(SigningToken::IssuedToken { .. }) => Some("issued-token"),
        Some(SigningToken::Symmetric { source }) => {
            if crate::service::validator::context_of(&source).is_some() {
                Some("context")
            } else {
                password.or(Some("random-key"))
            }
        }
        Some(_) => None,
        None => {
            password.or_else(|| (!sec.header_assertions().is_empty()).then_some("issued-token"))
        }
    }
}

/// The type and hashed identifier of the token a target names.
fn target_facts(req: &ParsedRequest, holder: &TokenHolder) -> Option<(&'static str, String)> {
    if let Ok(Some((doc, el))) = saml_target(req, holder) {
        return match TokenKind::of(doc, el) {
            TokenKind::Saml1 {
                assertion_id: Some(id),
            } => Some(("saml11", token_id_sha256(&id))),
            TokenKind::Saml2 { id: Some(id) } => Some(("saml20", token_id_sha256(&id))),
            _ => None,
        };
    }
    if let Ok(Some(compact)) = jwt_target(holder) {
        return jti_of(&compact).map(|id| ("jwt", token_id_sha256(&id)));
    }
    target_of(req, holder)
        .ok()
        .map(|(id, _)| ("sct", token_id_sha256(&id)))
}

/// The `jti` of a compact JWT (unverified: it only names the token).
fn jti_of(compact: &str) -> Option<String> {
    let payload = compact.split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&json).ok()?;
    v.get("jti")?.as_str().map(str::to_owned)
}

/// The identifier of the token an RSTR carries, from its unattached reference (SCT
/// identifier, SAML assertion ID, JWT `jti`).
fn issued_id(rstr: &RequestSecurityTokenResponse) -> Option<String> {
    let info = rstr.requested_unattached_reference.as_ref()?.info()?;
    if let Some(k) = info.key_identifier.filter(|k| !k.value.is_empty()) {
        return Some(k.value);
    }
    info.reference
        .and_then(|r| r.uri)
        .filter(|u| !u.starts_with('#'))
}

fn lifetime_of(rstr: &RequestSecurityTokenResponse) -> Option<AuditLifetime> {
    let l = rstr.params.lifetime.as_ref()?;
    Some(AuditLifetime {
        created: bounded(l.created.as_deref()?),
        expires: bounded(l.expires.as_deref()?),
    })
}
