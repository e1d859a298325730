//! Settings the engine's configuration holds for two of its parts: key exchange
//! ([`KeyxSettings`], used by `keyx`) and smart lockout ([`LockoutSettings`], used by
//! `lockout`). They live here, below `config`, so that the configuration does not name the
//! modules that act on it.

use crate::keyx::server::Policy;
use crate::keyx::MasterTokenKeys;

/// Key exchange settings of the engine ([`EngineConfig::keyx`](super::config::EngineConfig::keyx)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KeyxSettings {
    /// The STS token keys that seal master tokens (shared with services that verify
    /// session MACs).
    pub keys: MasterTokenKeys,
    /// Lifetimes and issuer of master tokens.
    pub policy: Policy,
}

impl KeyxSettings {
    /// Settings with `keys` and `policy`.
    pub fn new(keys: MasterTokenKeys, policy: Policy) -> Self {
        Self { keys, policy }
    }
}

/// Smart lockout thresholds and windows (`[lockout]` in `wstrust.toml`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct LockoutSettings {
    /// Failed password checks from unfamiliar sources, within one observation window, after
    /// which the user is refused from unfamiliar sources. Default: 10.
    pub threshold: u32,
    /// The same for familiar sources (at least `threshold`). Default: 20.
    pub familiar_threshold: u32,
    /// The observation window, in seconds: a failure counter lives this long from its first
    /// failure, so a lockout ends at most this long after it began. Default: 900.
    pub window_secs: i64,
    /// How long a source stays familiar after a successful authentication from it, in
    /// seconds. Default: 1209600 (14 days).
    pub familiar_secs: i64,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            threshold: 10,
            familiar_threshold: 20,
            window_secs: 900,
            familiar_secs: 14 * 86_400,
        }
    }
}

impl LockoutSettings {
    /// Checks the settings make sense: thresholds of at least 1, the familiar one at least
    /// the unfamiliar one, positive windows.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.threshold == 0 {
            return Err("lockout threshold must be at least 1");
        }
        if self.familiar_threshold < self.threshold {
            return Err("lockout familiar_threshold must be at least threshold");
        }
        if self.window_secs <= 0 || self.familiar_secs <= 0 {
            return Err("lockout windows must be positive");
        }
        Ok(())
    }
}
