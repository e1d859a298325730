//! Whether this engine can answer requests now: the probe behind the server's `/readyz`.
//!
//! Ready means: the signing certificate (the one every token and reply is signed with) is
//! inside its validity period, and the token store answers a read (redb: a read transaction;
//! Redis: a round trip). Each check has a fixed name and a fixed detail text, never input or
//! secret material, so the report can be shown to any caller of the probe.

use super::Engine;
use crate::store::{Space, TokenStore};

/// One check of [`Readiness`].
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Check {
    /// `signing_key` or `store`.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was seen (`valid until 2031-01-01T00:00:00Z`, `expired`, `unreachable`...).
    pub detail: String,
}

/// The outcome of [`Engine::readiness`].
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Readiness {
    /// Every check, in a fixed order.
    pub checks: Vec<Check>,
}

impl Readiness {
    /// All checks passed.
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// A read of a key nobody writes: proves the store answers without changing it.
const PROBE_KEY: &[u8] = b"wstrust:readiness-probe";

fn store_check(store: &dyn TokenStore) -> Check {
    match store.get(Space::Replay, PROBE_KEY) {
        Ok(_) => Check {
            name: "store",
            ok: true,
            detail: "reachable".into(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the token store does not answer");
            Check {
                name: "store",
                ok: false,
                detail: "unreachable".into(),
            }
        }
    }
}

/// How long before the signing certificate expires a warning is logged at start (AD FS
/// makes its next certificate 20 days ahead).
pub const EXPIRY_WARNING_SECS: i64 = 30 * 86_400;

impl Engine {
    /// Logs a warning when the signing certificate expires within [`EXPIRY_WARNING_SECS`] of
    /// `now_ms` (or has expired); returns whether it did.
    pub fn warn_if_signing_certificate_expires(&self, now_ms: i64) -> bool {
        let left = self.cfg.signing_cert.not_after() - now_ms.div_euclid(1000);
        if left > EXPIRY_WARNING_SECS {
            return false;
        }
        let at = crate::xml::datetime::format(self.cfg.signing_cert.not_after() * 1000);
        if left < 0 {
            tracing::error!(not_after = %at, "the token-signing certificate has expired: /readyz answers 503");
        } else {
            tracing::warn!(not_after = %at, days_left = left / 86_400, "the token-signing certificate expires soon: replace it");
        }
        true
    }

    /// Checks the signing certificate's validity at `now_ms` and the token store.
    pub fn readiness(&self, now_ms: i64) -> Readiness {
        let cert = &self.cfg.signing_cert;
        let now = now_ms.div_euclid(1000);
        let (ok, detail) = if now < cert.not_before() {
            (
                false,
                format!(
                    "not valid before {}",
                    crate::xml::datetime::format(cert.not_before() * 1000)
                ),
            )
        } else if now > cert.not_after() {
            (
                false,
                format!(
                    "expired at {}",
                    crate::xml::datetime::format(cert.not_after() * 1000)
                ),
            )
        } else {
            (
                true,
                format!(
                    "valid until {}",
                    crate::xml::datetime::format(cert.not_after() * 1000)
                ),
            )
        };
        Readiness {
            checks: vec![
                Check {
                    name: "signing_key",
                    ok,
                    detail,
                },
                store_check(&*self.store),
            ],
        }
    }
}
