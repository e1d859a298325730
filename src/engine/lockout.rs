//! Password-spray and brute-force defence, after AD FS extranet smart lockout.
//!
//! Every password check (UsernameToken `PasswordText` or `PasswordDigest`, and the key
//! exchange's `USERNAME_PASSWORD`) goes through [`Engine::check_password`]:
//!
//! * the source is *familiar* when the user has authenticated successfully from that address
//!   before (remembered in [`Space::Familiar`] for [`LockoutSettings::familiar_secs`] after
//!   each success), else *unfamiliar* (also when the address is unknown);
//! * each user has one failure counter per kind of source ([`Space::Lockout`], an atomic
//!   [`TokenStore::increment`] whose entry lives one observation window from its first
//!   failure), so the counters are shared by every node on one store and survive restarts on
//!   redb;
//! * a user whose counter for the request's kind of source has reached its threshold
//!   ([`LockoutSettings::threshold`] for unfamiliar sources,
//!   [`LockoutSettings::familiar_threshold`] for familiar ones) is refused, *even with the
//!   right password*: a spray from new addresses locks the attacker out while the user, from
//!   an address it used before, still gets in until the larger familiar threshold;
//! * a refusal while locked out is the very fault of a wrong password, after the very work:
//!   the password is still hashed (Argon2) and the counter still incremented, so neither the
//!   answer nor its timing tells an attacker the account is locked (or that it exists: unknown
//!   user names are counted the same way);
//! * a success resets the counter of its kind of source and (re)marks the source familiar.
//!
//! Store keys are SHA-256 digests of the user name (and the address), so no attacker text is
//! stored and every key has the same size. A store failure refuses the authentication (fail
//! closed). Reaching a threshold is counted ([`AuthCounters::lockouts`]), logged (an
//! `audit` line with the user name escaped and bounded) and noted on the request's audit
//! event (its `lockout` field, see [`audit`](super::audit)); every failed password check is
//! counted too ([`AuthCounters::failures`]).

use std::net::IpAddr;
use std::sync::atomic::Ordering;

use crate::crypto::{self, DigestAlgorithm};
use crate::store::{Space, TokenStore};
use crate::wss::UsernameTokenInfo;

use super::audit::LockoutNote;
use super::audit_scope::Scope;
pub use super::settings::LockoutSettings;
pub use super::state::AuthCounters;
use super::users::Principal;
use super::{Engine, Error};

/// Which failure counter a request counts against.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Source {
    Familiar,
    Unfamiliar,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Self::Familiar => "familiar",
            Self::Unfamiliar => "unfamiliar",
        }
    }
}

/// The failure counter key of `username` for `source`.
fn counter_key(username: &str, source: Source) -> Vec<u8> {
    let mut input = b"wstrust-lockout\0".to_vec();
    input.extend_from_slice(username.as_bytes());
    let mut key = vec![match source {
        Source::Familiar => b'f',
        Source::Unfamiliar => b'u',
    }];
    key.extend_from_slice(&crypto::digest(DigestAlgorithm::Sha256, &input));
    key
}

/// The familiar-source key of `username` at `peer`.
fn familiar_key(username: &str, peer: IpAddr) -> Vec<u8> {
    let mut input = b"wstrust-familiar\0".to_vec();
    input.extend_from_slice(username.as_bytes());
    input.push(0);
    match peer.to_canonical() {
        IpAddr::V4(a) => input.extend_from_slice(&a.octets()),
        IpAddr::V6(a) => input.extend_from_slice(&a.octets()),
    }
    crypto::digest(DigestAlgorithm::Sha256, &input).to_vec()
}

/// A user name as it may appear in a log line: control and non-ASCII characters escaped,
/// at most 64 characters.
fn loggable(username: &str) -> String {
    username
        .chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect()
}

fn store_failed(_: crate::store::StoreError) -> Error {
    Error::Internal {
        what: "the lockout counters cannot be read or written",
    }
}

impl Engine {
    /// Checks a password (see the module documentation): `peer` is the request's source
    /// address when known, `now` the engine's time in ms.
    pub(crate) fn check_password(
        &self,
        ut: &UsernameTokenInfo,
        peer: Option<IpAddr>,
        now: i64,
        scope: &Scope,
    ) -> Result<Principal, Error> {
        let Some(settings) = self.cfg.lockout else {
            return self.cfg.users.authenticate(ut).map_err(|e| {
                self.auth_counters.failures.fetch_add(1, Ordering::Relaxed);
                Error::from(e)
            });
        };
        let store: &dyn TokenStore = &*self.store;
        let user = ut.username.as_str();
        let familiar = match peer {
            Some(ip) => store
                .get(Space::Familiar, &familiar_key(user, ip))
                .map_err(store_failed)?
                .is_some(),
            None => false,
        };
        let (source, threshold) = if familiar {
            (Source::Familiar, settings.familiar_threshold)
        } else {
            (Source::Unfamiliar, settings.threshold)
        };
        let key = counter_key(user, source);
        let failures = store
            .current(Space::Lockout, &key)
            .map_err(store_failed)?
            .unwrap_or(0);
        let locked = failures >= u64::from(threshold);
        // The hash runs whether or not the user is locked out: same answer, same time.
        let checked = self.cfg.users.authenticate(ut);
        match checked {
            Ok(principal) if !locked => {
                store.remove(Space::Lockout, &key).map_err(store_failed)?;
                if let Some(ip) = peer {
                    let until = now.saturating_add(settings.familiar_secs.saturating_mul(1000));
                    store
                        .put(Space::Familiar, &familiar_key(user, ip), b"", until)
                        .map_err(store_failed)?;
                }
                Ok(principal)
            }
            result => {
                let until = now.saturating_add(settings.window_secs.saturating_mul(1000));
                let n = store
                    .increment(Space::Lockout, &key, until)
                    .map_err(store_failed)?;
                self.auth_counters.failures.fetch_add(1, Ordering::Relaxed);
                if n == u64::from(threshold) {
                    self.auth_counters.lockouts.fetch_add(1, Ordering::Relaxed);
                    scope.locked_out(LockoutNote {
                        failures: n,
                        window_secs: settings.window_secs,
                        source: source.label(),
                    });
                    tracing::warn!(
                        target: "audit",
                        correlation_id = %scope.correlation_id(),
                        user = %loggable(user),
                        source = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
                        kind = source.label(),
                        failures = n,
                        window_secs = settings.window_secs,
                        "user locked out"
                    );
                }
                match result {
                    Ok(_) => Err(Error::Authentication {
                        what: match source {
                            Source::Familiar => {
                                "right password, but the user is locked out (familiar source)"
                            }
                            Source::Unfamiliar => {
                                "right password, but the user is locked out (unfamiliar source)"
                            }
                        },
                    }),
                    Err(_) if locked => Err(Error::Authentication {
                        what: "wrong password, and the user is locked out",
                    }),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Counts of password checks (for metrics).
    pub fn auth_counters(&self) -> &AuthCounters {
        &self.auth_counters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_size_and_apart() {
        let a = counter_key("alice", Source::Unfamiliar);
        assert_eq!(a.len(), 33);
        assert_ne!(a, counter_key("alice", Source::Familiar));
        assert_ne!(a, counter_key("alicf", Source::Unfamiliar));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(familiar_key("alice", ip), familiar_key("alice", mapped));
        assert_ne!(familiar_key("alice", ip), familiar_key("bob", ip));
    }

    #[test]
    fn log_names_are_escaped_and_bounded() {
        assert_eq!(loggable("a\nb\"c"), "a\\nb\\\"c");
        assert_eq!(loggable(&"x".repeat(500)).len(), 64);
        assert_eq!(loggable("é"), "\\u{e9}");
    }

    #[test]
    fn settings_are_checked() {
        assert!(LockoutSettings::default().check().is_ok());
        let s = LockoutSettings {
            familiar_threshold: 5,
            ..LockoutSettings::default()
        };
        assert!(s.check().is_err());
        let s = LockoutSettings {
            threshold: 0,
            ..LockoutSettings::default()
        };
        assert!(s.check().is_err());
    }
}
