//! MSL-style key exchange ([`crate::keyx`]) inside the token service: the JSON form
//! ([`Engine::handle_keyx_json`], for an HTTP route such as `POST /keyx`), the SOAP form (an
//! RST carrying `wsx:KeyRequestData`, answered with a `wsx:MasterToken` RSTR, reached from
//! the WS-Trust dispatch) and the check a service sharing the STS token keys makes
//! ([`verify_session_mac`]).
//!
//! Responsibility: entity authentication (UsernameToken / `USERNAME_PASSWORD` against the
//! engine's [`UserStore`](super::users::UserStore), X.509 signatures / `X509` authdata against
//! `client_trust`), the choice between a fresh exchange and a renewal, and the mapping of
//! [`KeyxError`] codes to HTTP statuses. The exchange, the master tokens and the lifecycle are
//! [`crate::keyx`]'s. `docs/msl.md` documents the wire forms.
//!
//! May use: `crypto`, `pki`, `xml`, `xmlsec`, `wss`, `trust`, `store`, `keyx`.

use serde_json::json;

use crate::keyx::server::Sts;
use crate::keyx::{
    self, lifecycle, AuthData, ErrorCode, KeyRequest, KeyRequestData, KeyxError, MasterToken,
    MasterTokenClaims, MasterTokenKeys, RenewOutcome, Renewal,
};
use crate::store::TokenStore;
use crate::trust::{
    Fragment, Lifetime, RequestSecurityToken, RequestSecurityTokenResponse, RequestType,
    TokenHolder, TokenType,
};
use crate::wss::{Clock, UsernameTokenInfo};

use super::audit_scope::Scope;
use super::request::ParsedRequest;
pub use super::settings::KeyxSettings;
use super::summary::Summary;
use super::{Engine, Error, Response, Transport};
pub use crate::keyx::carried::read_rstr_outcome;

pub use super::target::MASTER_TOKEN_TYPE;

/// `Content-Type` of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// The JSON error code sent when key exchange is not configured (HTTP 404). Every other code
/// is a [`keyx::ErrorCode`].
pub const DISABLED_CODE: &str = "KEYX_DISABLED";

/// A refused JSON request: what the caller sees, and the precise reason for the log.
struct Refusal {
    status: u16,
    code: &'static str,
    message: &'static str,
    log: String,
}

/// The HTTP status of a key exchange error code in the JSON form.
pub fn http_status(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::AuthFailed
        | ErrorCode::MasterTokenTampered
        | ErrorCode::MasterTokenSequenceStale
        | ErrorCode::MasterTokenUnknownSerial
        | ErrorCode::MasterTokenExpiredNeedsAuth
        | ErrorCode::MasterTokenExpired
        | ErrorCode::MasterTokenRenewalNeedsProof
        | ErrorCode::MessageMacInvalid => 401,
        ErrorCode::MasterTokenIdentityMismatch => 403,
        ErrorCode::StoreUnavailable => 503,
        ErrorCode::Internal => 500,
        _ => 400,
    }
}

impl From<KeyxError> for Refusal {
    fn from(e: KeyxError) -> Self {
        // Entity authentication failures all read alike on the wire; the log tells which.
        let message = if e.code == ErrorCode::AuthFailed {
            "entity authentication failed"
        } else {
            e.detail
        };
        Self {
            status: http_status(e.code),
            code: e.code.as_str(),
            message,
            log: format!("keyx: {e}"),
        }
    }
}

fn auth_failed(log: &'static str) -> Refusal {
    Refusal {
        status: 401,
        code: ErrorCode::AuthFailed.as_str(),
        message: "entity authentication failed",
        log: format!("keyx: {}: {log}", ErrorCode::AuthFailed),
    }
}

fn seconds(clock: &dyn Clock) -> i64 {
    clock.now_ms().div_euclid(1000)
}

impl Engine {
    /// Whether key exchange is configured.
    pub fn keyx_enabled(&self) -> bool {
        self.config().keyx.is_some()
    }

    /// Answers one JSON key exchange request (`docs/msl.md`, "JSON form"): `body` is the
    /// request document, `transport` says whether a password may travel in it. The server's
    /// route handler is one line:
    ///
    /// ```text
    /// let r = engine.handle_keyx_json(&body, Transport { confidential, peer }, &SystemClock);
    /// // → HTTP r.status, Content-Type r.content_type, body r.body; log r.log when Some
    /// ```
    ///
    /// A request without `mastertoken` is a fresh exchange and needs `authdata`; with one it
    /// is a renewal (the `mac` under the session HMAC key, or `authdata`, proves it).
    /// Refusals are `{"error":{"code","message"}}` with a stable code and a status: 400
    /// malformed or unacceptable input, 401 authentication or master token refused, 403
    /// identity mismatch or a password over a channel that is not confidential, 404 key
    /// exchange not configured, 503 store unavailable, 500 internal.
    pub fn handle_keyx_json(
        &self,
        body: &[u8],
        transport: Transport,
        clock: &dyn Clock,
    ) -> Response {
        self.handle_keyx_json_with(body, transport, clock, None)
    }

    /// [`Self::handle_keyx_json`] with the correlation id the transport offers (an
    /// `X-Correlation-Id` or `X-Request-Id` header) for the audit trail (see
    /// [`audit`](super::audit)); `None`: a fresh UUID.
    pub fn handle_keyx_json_with(
        &self,
        body: &[u8],
        transport: Transport,
        clock: &dyn Clock,
        correlation_hint: Option<&str>,
    ) -> Response {
        let scope = Scope::new(clock.now_ms(), transport.peer, correlation_hint);
        scope.request_type(super::RequestKind::KeyExchange);
        match self.keyx_json(body, transport, seconds(clock), &scope) {
            Ok(body) => {
                self.audit_answered(&scope);
                Response {
                    status: 200,
                    content_type: JSON_CONTENT_TYPE,
                    body,
                    log: None,
                    correlation_id: scope.correlation_id(),
                    summary: scope.summary(),
                }
            }
            Err(r) => {
                self.audit_refusal(&scope, r.code, r.status >= 500, &r.log);
                Response {
                    status: r.status,
                    content_type: JSON_CONTENT_TYPE,
                    body: json!({ "error": { "code": r.code, "message": r.message } }).to_string(),
                    log: Some(r.log),
                    correlation_id: scope.correlation_id(),
                    summary: Summary {
                        fault: Some(r.code),
                        ..scope.summary()
                    },
                }
            }
        }
    }

    fn keyx_json(
        &self,
        body: &[u8],
        transport: Transport,
        now: i64,
        scope: &Scope,
    ) -> Result<String, Refusal> {
        let Some(settings) = &self.config().keyx else {
            return Err(Refusal {
                status: 404,
                code: DISABLED_CODE,
                message: "key exchange is not enabled",
                log: format!("keyx: {DISABLED_CODE}: key exchange is not configured"),
            });
        };
        let request = keyx::json::parse_request(body)?;
        scope.authn(match &request.auth {
            Some(AuthData::UsernamePassword { .. }) => "password",
            Some(AuthData::X509 { .. }) => "x509",
            None => "master-token",
        });
        let identity = match &request.auth {
            Some(auth) => Some(self.entity_identity(auth, &request, transport, now, scope)?),
            None => None,
        };
        if let Some(who) = &identity {
            scope.authenticated_as(who);
        }
        let sts = Sts {
            keys: &settings.keys,
            policy: &settings.policy,
            store: self.store(),
        };
        if request.renewal.is_some() {
            let outcome = sts.renew(&request, identity.as_deref(), now)?;
            scope.exchanged(true);
            return Ok(keyx::json::write_outcome(&outcome));
        }
        let Some(identity) = identity else {
            return Err(auth_failed("a new exchange needs entity authentication"));
        };
        let response = sts.respond(&request, &identity, now)?;
        scope.exchanged(false);
        Ok(keyx::json::write_response(&response))
    }

    /// Checks JSON `authdata`; the identity is the user name or the certificate subject
    /// (the same principal names WS-Security authentication gives).
    fn entity_identity(
        &self,
        auth: &AuthData,
        request: &KeyRequest,
        transport: Transport,
        now: i64,
        scope: &Scope,
    ) -> Result<String, Refusal> {
        match auth {
            AuthData::UsernamePassword { username, password } => {
                if !transport.confidential {
                    return Err(Refusal {
                        status: 403,
                        code: ErrorCode::AuthFailed.as_str(),
                        message: "a password needs a confidential transport",
                        log: "keyx: ENTITYAUTH_FAILED: password over a channel that is not confidential"
                            .to_owned(),
                    });
                }
                let token = UsernameTokenInfo {
                    username: username.clone(),
                    password: Some(password.clone()),
                    digest: false,
                    nonce: None,
                    created: None,
                };
                // `now` is in seconds here; lockout windows count in ms.
                let principal = self
                    .check_password(&token, transport.peer, now.saturating_mul(1000), scope)
                    .map_err(|e| match e {
                        Error::Internal { .. } => Refusal {
                            status: 503,
                            code: ErrorCode::StoreUnavailable.as_str(),
                            message: "the token store is unavailable",
                            log: format!("keyx: {}: {e}", ErrorCode::StoreUnavailable),
                        },
                        Error::Authentication { what } => auth_failed(what),
                        _ => auth_failed("unknown user or wrong password"),
                    })?;
                Ok(principal.into_name())
            }
            AuthData::X509 { .. } => {
                let cert = keyx::verify_x509_authdata(request)?;
                self.config()
                    .client_trust
                    .validate(&cert, &[], now)
                    .map_err(|_| auth_failed("authdata certificate not trusted"))?;
                Ok(cert.subject().to_owned())
            }
        }
    }

    /// The SOAP form: answers an RST that [`is_keyx_request`] recognised. `authenticate` is
    /// the engine's WS-Security authentication (UsernameToken or X.509 signature over the
    /// Body), returning the principal; a fresh exchange needs it, a renewal uses it when the
    /// message carries credentials and otherwise relies on `wsx:Mac`.
    pub(super) fn keyx_soap(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        authenticate: &dyn Fn() -> Result<String, Error>,
        now_ms: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let settings = self.config().keyx.as_ref().ok_or(Error::InvalidRequest {
            what: "key exchange is not enabled",
        })?;
        let now = now_ms.div_euclid(1000);
        let params = &rst.params;
        if let Some(tt) = &params.token_type {
            if tt.uri() != MASTER_TOKEN_TYPE {
                return Err(Error::InvalidRequest {
                    what: "key request data with a token type other than a master token",
                });
            }
        }
        let data = request_data(rst)?;
        let mac = session_mac(rst)?;
        let sts = Sts {
            keys: &settings.keys,
            policy: &settings.policy,
            store: self.store(),
        };
        match params.request_type {
            Some(RequestType::Issue) => {
                if params.renew_target.is_some() || mac.is_some() {
                    return Err(Error::InvalidRequest {
                        what: "an issue request with a renewal part",
                    });
                }
                let identity = authenticate()?;
                let response = sts.respond(&KeyRequest::new(data), &identity, now)?;
                key_rstr(rst, settings, Some(&response.data), &response.master_token)
            }
            Some(RequestType::Renew) => {
                let target = params.renew_target.as_ref().ok_or(Error::InvalidRequest {
                    what: "renew without a RenewTarget",
                })?;
                let master_token = renew_target_token(target)?;
                let has_credentials =
                    req.secured.username_token().is_some() || !req.secured.signatures().is_empty();
                let identity = if has_credentials {
                    Some(authenticate()?)
                } else {
                    None
                };
                let request = KeyRequest {
                    data,
                    auth: None,
                    renewal: Some(Renewal { master_token, mac }),
                };
                match sts.renew(&request, identity.as_deref(), now)? {
                    RenewOutcome::Unchanged(token) => key_rstr(rst, settings, None, &token),
                    RenewOutcome::Renewed(r) => {
                        key_rstr(rst, settings, Some(&r.data), &r.master_token)
                    }
                }
            }
            _ => Err(Error::InvalidRequest {
                what: "key exchange answers only Issue and Renew",
            }),
        }
    }
}

/// The one extension element `{wsx}local` of the RST, if present.
fn extension<'a>(
    rst: &'a RequestSecurityToken,
    local: &str,
) -> Result<Option<&'a Fragment>, Error> {
    let mut found = rst.params.extensions.iter().filter(|f| {
        f.first_element()
            .is_some_and(|(d, e)| keyx::carried::is_wsx(d, e, local))
    });
    match (found.next(), found.next()) {
        (one, None) => Ok(one),
        _ => Err(Error::InvalidRequest {
            what: "a key exchange element appears twice",
        }),
    }
}

fn request_data(rst: &RequestSecurityToken) -> Result<KeyRequestData, Error> {
    let (doc, node) = extension(rst, "KeyRequestData")?
        .and_then(Fragment::first_element)
        .ok_or(Error::InvalidRequest {
            what: "key exchange request without wsx:KeyRequestData",
        })?;
    Ok(keyx::xml::read_key_request_data(doc, node)?)
}

/// `wsx:Mac`: base64 HMAC-SHA256 of [`KeyRequest::signing_input`] under the session HMAC key.
fn session_mac(rst: &RequestSecurityToken) -> Result<Option<Vec<u8>>, Error> {
    let Some((doc, node)) = extension(rst, "Mac")?.and_then(Fragment::first_element) else {
        return Ok(None);
    };
    match keyx::carried::mac_text(doc, node).and_then(|t| crate::xmlsec::base64_decode(&t)) {
        Some(mac) if !mac.is_empty() => Ok(Some(mac)),
        _ => Err(KeyxError::new(ErrorCode::MalformedRequest, "wsx:Mac is not base64").into()),
    }
}

fn renew_target_token(target: &TokenHolder) -> Result<MasterToken, Error> {
    let elements = target.content.elements();
    let (Some((doc, node)), 1) = (target.content.first_element(), elements.len()) else {
        return Err(Error::InvalidRequest {
            what: "RenewTarget must hold exactly one wsx:MasterToken",
        });
    };
    Ok(keyx::xml::read_master_token(doc, node)?)
}

/// The RSTR: TokenType, the master token as RequestedSecurityToken, its lifetime, and the
/// key response data (absent when a renewal returns the token unchanged).
fn key_rstr(
    rst: &RequestSecurityToken,
    settings: &KeyxSettings,
    data: Option<&keyx::KeyResponseData>,
    token: &MasterToken,
) -> Result<RequestSecurityTokenResponse, Error> {
    let claims = keyx::open_master_token(token, &settings.keys)?;
    let policy = &settings.policy;
    let mut rstr = RequestSecurityTokenResponse::new(rst.version);
    rstr.context = rst.context.clone();
    rstr.params.token_type = Some(TokenType::from_uri(MASTER_TOKEN_TYPE));
    let id = format!("mt-{}-{}", claims.serial_number, claims.sequence_number);
    rstr.requested_security_token = Some(TokenHolder::new(Fragment::build(|w| {
        keyx::xml::write_master_token(w, token, Some(&id))
    })?));
    // Created: when the token was sealed (its expiration minus the policy lifetime).
    let created = claims
        .expiration
        .saturating_sub(policy.lifetime_secs)
        .min(claims.expiration);
    rstr.params.lifetime = Lifetime::from_seconds(created, claims.expiration);
    if let Some(data) = data {
        rstr.params.extensions.push(Fragment::build(|w| {
            keyx::xml::write_key_response_data(w, data)
        })?);
    }
    Ok(rstr)
}

/// What a service sharing the STS token keys does with a message MAC'd under a master
/// token's session HMAC key: opens `token` with `keys`, checks that it has not expired at
/// `now` (seconds), that `mac` is the full HMAC-SHA256 of `message` under the session key,
/// and, when `store` is the STS's shared store, that no newer token was issued for the same
/// serial number. Returns the token's claims (identity, serial and sequence numbers).
pub fn verify_session_mac(
    token: &MasterToken,
    keys: &MasterTokenKeys,
    message: &[u8],
    mac: &[u8],
    now: i64,
    store: Option<&dyn TokenStore>,
) -> Result<MasterTokenClaims, KeyxError> {
    let claims = keyx::verify_message_mac(token, keys, message, mac, now)?;
    if let Some(store) = store {
        lifecycle::check_sequence(&claims, store)?;
    }
    Ok(claims)
}
