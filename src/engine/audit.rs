//! The audit trail: one structured event per answered request, to a sink of its own.
//!
//! Every WS-Trust Issue, Renew, Cancel and Validate the engine answers yields one
//! [`AuditEvent`] per token it answers for (a `RequestSecurityTokenCollection` of three
//! issues yields three), and every refusal yields exactly one (`event: "refused"`); the key
//! exchange (`POST /keyx` and master tokens over WS-Trust) likewise. The events go to an
//! [`AuditSink`]: [`FileSink`] appends them as JSON lines to a file (`[audit] path`),
//! [`MemorySink`] keeps them for tests. `docs/audit.md` documents the schema.
//!
//! An event never holds a secret: no password, key, nonce, signature or token body. Tokens
//! are named by the SHA-256 of their identifier ([`token_id_sha256`]), names taken from
//! requests are bounded and escaped ([`bounded`]), the refusal reason is the engine's own
//! log reason (built from fixed strings, never from input), and the correlation id is
//! accepted from the request only when it is short and printable ([`sane_correlation_id`]).
//!
//! Like AD FS's audit events 1200 (token issued), 1201 (credential validation failed) and
//! 1202 (credential validated), but one line of JSON each, keyed by `event`.

use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::crypto::{self, DigestAlgorithm};
use crate::soap::{Fault, FaultCode};
use crate::trust::TokenType;

use super::summary::RequestKind;

/// What happened.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A token was issued (WS-Trust Issue, a key exchange, an accepted key transfer).
    Issue,
    /// A token was renewed.
    Renew,
    /// A token was cancelled.
    Cancel,
    /// A token was validated (valid or not: see `outcome`).
    Validate,
    /// The request was refused with a fault.
    Refused,
}

/// A token's lifetime, as issued (RFC 3339, UTC).
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct AuditLifetime {
    /// Start of validity.
    pub created: String,
    /// End of validity.
    pub expires: String,
}

/// A user's failure counter reached its lockout threshold with this request (see
/// [`super::lockout`]).
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct LockoutNote {
    /// The failures counted in the window.
    pub failures: u64,
    /// The observation window, in seconds.
    pub window_secs: i64,
    /// The kind of source counted: `familiar` or `unfamiliar`.
    pub source: &'static str,
}

/// One audit event (one JSON line; `docs/audit.md` documents each field). Absent values are
/// left out of the line.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct AuditEvent {
    /// When the engine answered (RFC 3339, UTC, milliseconds).
    pub time: String,
    /// What happened.
    pub event: EventKind,
    /// `issued`, `renewed`, `cancelled`, `valid`, `invalid` (a validation that found the
    /// token not valid), `refused` (a sender fault) or `error` (a receiver fault: our side
    /// failed, such as the token store).
    pub outcome: &'static str,
    /// What was asked (written as `issue`, `renew`, `cancel`, `validate`, `keyx`,
    /// `key-transfer`, `other`); absent when the request could not be read that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<RequestKind>,
    /// The authenticated principal (bounded, escaped); absent when none was established.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The trusted issuer whose assertion authenticated the principal (a federated
    /// subject); absent for local users and certificates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// On a refusal before authentication succeeded: the user name the request claimed
    /// (unverified; bounded, escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_principal: Option<String>,
    /// How the requester authenticated (or tried to): `password`, `password-digest`,
    /// `x509`, `context`, `issued-token`, `random-key`, `master-token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authn: Option<&'static str>,
    /// The realm (relying party) the request was held to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// The token's type: `sct`, `saml11`, `saml20`, `jwt`, `status`, `master-token`,
    /// `other`. For issue and renew the token issued; for cancel, validate and refusals the
    /// target named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Hex SHA-256 of the token's identifier (`wsc:Identifier`, SAML `ID`/`AssertionID`,
    /// JWT `jti`): the same value on the issue, renew, validate and cancel of one token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id_sha256: Option<String>,
    /// The lifetime issued (issue and renew).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<AuditLifetime>,
    /// The client's IP address (the TCP peer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The request's `wsa:MessageID`, else its `X-Correlation-Id` or `X-Request-Id` header,
    /// else a fresh UUID; also sent back as the `X-Correlation-Id` response header.
    pub correlation_id: String,
    /// The fault sent (`wst:FailedAuthentication`, `wst:InvalidRequest`, `soap:Receiver`, a
    /// key exchange error code, ...), on a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// Why, precisely (the engine's log reason, never sent to the client), on a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// This refusal locked the user out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout: Option<LockoutNote>,
}

impl AuditEvent {
    /// The event as one line of JSON, without the newline.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, numbers and enums cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where audit events go. `record` must not block for long (it runs on the request path)
/// and must not fail the request: a sink that cannot write says so in the log.
pub trait AuditSink: Send + Sync {
    /// Records one event.
    fn record(&self, event: &AuditEvent);
}

/// Appends each event as one JSON line to a file: opened with `O_APPEND` (created mode 0600),
/// one `write` per line under a lock, nothing buffered in the process, so concurrent
/// requests (and several processes on one file) never interleave or lose a line. Not synced
/// to disk per line. Rotate with `copytruncate` (the file stays open).
#[derive(Debug)]
pub struct FileSink {
    file: Mutex<std::fs::File>,
    path: std::path::PathBuf,
}

impl FileSink {
    /// Opens (or creates) the file at `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut o = std::fs::OpenOptions::new();
        o.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            o.mode(0o600);
        }
        let file = o.open(path)?;
        Ok(Self {
            file: Mutex::new(file),
            path: path.to_owned(),
        })
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AuditSink for FileSink {
    fn record(&self, event: &AuditEvent) {
        let mut line = event.to_json().into_bytes();
        line.push(b'\n');
        let written = match self.file.lock() {
            Ok(mut f) => f.write_all(&line).and_then(|()| f.flush()),
            Err(_) => Err(std::io::Error::other("audit file lock poisoned")),
        };
        if let Err(e) = written {
            tracing::error!(
                path = %self.path.display(),
                error = %e,
                correlation_id = %event.correlation_id,
                "audit event not written"
            );
        }
    }
}

/// Keeps events in memory (tests, embedding).
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemorySink {
    /// An empty sink, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The events recorded so far, oldest first.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Forgets the events recorded so far.
    pub fn clear(&self) {
        if let Ok(mut e) = self.events.lock() {
            e.clear();
        }
    }
}

impl AuditSink for MemorySink {
    fn record(&self, event: &AuditEvent) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event.clone());
        }
    }
}

/// Most characters of a name kept in an event.
pub const MAX_NAME_CHARS: usize = 128;

/// Most bytes of a correlation id taken from a request.
pub const MAX_CORRELATION_ID: usize = 128;

/// `s` as an audit event may hold it: at most [`MAX_NAME_CHARS`] characters (then `...`),
/// control characters, invisible formatting characters (bidirectional overrides, zero-width
/// characters) and the backslash escaped as `\u{..}` / `\\`, so what a reader sees is what
/// was sent.
pub fn bounded(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_NAME_CHARS));
    for (i, c) in s.chars().enumerate() {
        if i == MAX_NAME_CHARS {
            out.push_str("...");
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || is_invisible(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Characters that change how text around them displays without showing themselves.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// `id` when it may serve as a correlation id: 1 to [`MAX_CORRELATION_ID`] bytes of visible
/// ASCII other than `"` and `\` (so it fits an HTTP header and a log line as it is), after
/// trimming white space.
pub fn sane_correlation_id(id: &str) -> Option<&str> {
    let id = id.trim();
    let ok = !id.is_empty()
        && id.len() <= MAX_CORRELATION_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    ok.then_some(id)
}

/// The correlation id an HTTP request offers: its `X-Correlation-Id` header, else its
/// `X-Request-Id`, when sane.
pub fn correlation_hint(
    x_correlation_id: Option<&str>,
    x_request_id: Option<&str>,
) -> Option<String> {
    x_correlation_id
        .and_then(sane_correlation_id)
        .or_else(|| x_request_id.and_then(sane_correlation_id))
        .map(str::to_owned)
}

/// Hex SHA-256 of a token identifier.
pub fn token_id_sha256(id: &str) -> String {
    crypto::hex(&crypto::digest(DigestAlgorithm::Sha256, id.as_bytes()))
}

/// The short name of a token type (the names of `[[realms]] token_types`).
pub fn token_type_name(t: &TokenType) -> &'static str {
    match t {
        t if t.is_sct() => "sct",
        t if t.is_saml11() => "saml11",
        t if t.is_saml20() => "saml20",
        TokenType::Jwt => "jwt",
        t if t.is_status() => "status",
        _ => "other",
    }
}

/// The name of the fault sent: its subcode as `prefix:local` (`wst:FailedAuthentication`),
/// else its SOAP code.
pub fn fault_name(f: &Fault) -> &'static str {
    use crate::soap::FaultSubcode as S;
    match (f.subcode, f.code) {
        (Some(S::InvalidRequest), _) => "wst:InvalidRequest",
        (Some(S::FailedAuthentication), _) => "wst:FailedAuthentication",
        (Some(S::RequestFailed), _) => "wst:RequestFailed",
        (Some(S::InvalidScope), _) => "wst:InvalidScope",
        (Some(S::UnableToRenew), _) => "wst:UnableToRenew",
        (Some(S::BadRequest), _) => "wst:BadRequest",
        (Some(_), _) => "other",
        (None, FaultCode::Sender) => "soap:Sender",
        (None, FaultCode::Receiver) => "soap:Receiver",
        (None, FaultCode::MustUnderstand) => "soap:MustUnderstand",
        (None, FaultCode::VersionMismatch) => "soap:VersionMismatch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_bounded_and_escaped() {
        assert_eq!(bounded("alice"), "alice");
        assert_eq!(bounded("CN=Client, O=Example"), "CN=Client, O=Example");
        assert_eq!(bounded("Zoë"), "Zoë");
        // A forged second line, a terminal escape, a bidi override, a zero-width space.
        assert_eq!(
            bounded("a\n{\"event\":\"issue\"}\u{1b}[2J\u{202e}x\u{200b}"),
            "a\\u{a}{\"event\":\"issue\"}\\u{1b}[2J\\u{202e}x\\u{200b}"
        );
        // A backslash cannot fake an escape.
        assert_eq!(bounded("a\\u{a}"), "a\\\\u{a}");
        let long = bounded(&"é".repeat(10_000));
        assert_eq!(long.chars().count(), MAX_NAME_CHARS + 3);
        assert!(long.ends_with("..."));
        // Through JSON, one line whatever the input.
        let e = AuditEvent {
            principal: Some(bounded("x\r\ny\u{2028}z")),
            ..sample()
        };
        let line = e.to_json();
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["principal"], "x\\u{d}\\u{a}y\\u{2028}z");
    }

    #[test]
    fn correlation_ids_are_checked() {
        let uuid = "urn:uuid:2b1e9d3c-8a4f-4c7e-9d2a-0f6b5e4c3a21";
        assert_eq!(sane_correlation_id(uuid), Some(uuid));
        assert_eq!(sane_correlation_id("  abc  "), Some("abc"));
        for bad in [
            "",
            " ",
            "a b",
            "a\"b",
            "a\\b",
            "a\nb",
            "é",
            &"x".repeat(129),
        ] {
            assert_eq!(sane_correlation_id(bad), None, "{bad:?}");
        }
        assert_eq!(
            correlation_hint(Some("bad id"), Some("r-1")),
            Some("r-1".into())
        );
        assert_eq!(
            correlation_hint(Some("c-1"), Some("r-1")),
            Some("c-1".into())
        );
        assert_eq!(correlation_hint(None, None), None);
    }

    #[test]
    fn token_ids_are_hashed() {
        let h = token_id_sha256("urn:uuid:x");
        assert_eq!(h.len(), 64);
        assert_ne!(h, token_id_sha256("urn:uuid:y"));
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn absent_fields_are_left_out() {
        let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert_eq!(v["event"], "refused");
        assert_eq!(v["outcome"], "refused");
    }

    #[test]
    fn concurrent_writers_append_whole_lines_to_a_private_file() {
        let dir = std::env::temp_dir().join(format!(
            "wstrust-audit-{}",
            crypto::hex(&crypto::random_bytes(8).unwrap())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.jsonl");
        let sink = Arc::new(FileSink::open(&path).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let sink = Arc::clone(&sink);
                std::thread::spawn(move || {
                    for i in 0..200 {
                        let e = AuditEvent {
                            correlation_id: format!("{t}-{i}"),
                            reason: Some("x".repeat(2000)),
                            ..sample()
                        };
                        sink.record(&e);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // A second sink on the same file (another process) appends after the first.
        FileSink::open(&path).unwrap().record(&sample());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8 * 200 + 1);
        let mut ids = std::collections::HashSet::new();
        for l in &lines {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            ids.insert(v["correlation_id"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 8 * 200 + 1, "every event whole, none lost");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn sample() -> AuditEvent {
        AuditEvent {
            time: "2026-01-01T00:00:00.000Z".into(),
            event: EventKind::Refused,
            outcome: "refused",
            request_type: None,
            principal: None,
            authority: None,
            claimed_principal: None,
            authn: None,
            realm: None,
            token_type: None,
            token_id_sha256: None,
            lifetime: None,
            client: None,
            correlation_id: "c".into(),
            fault: None,
            reason: None,
            lockout: None,
        }
    }
}
