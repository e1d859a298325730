//! Issuer keys: the per-realm, per-period HMAC keys that vouch for our SCTs without a
//! private-key operation per token (format and reasoning in [`crate::service::sct`]).
//!
//! Each realm has at most one current issuer key, made on first use and replaced when its
//! period is over (or when the clock is before its start: test clocks and restored
//! snapshots). Making one costs one RSA-OAEP encryption for the service and one RSA-SHA256
//! signature; using it costs a read lock and an HMAC. Keys live only in this process: every
//! STS node has its own, which services accept alike (each carries the STS's signature).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::crypto::{self, hex, SecretBytes};
use crate::service::sct::{self, IssuerKeyContent};
use crate::xml::{CaptureKind, Writer};

use super::ids::random8;
use super::realm::Realm;
use super::Error;

/// One signed issuer key, ready to be copied into tokens.
pub(crate) struct IssuerKey {
    /// `wsx:Name` of the `wsx:IssuerKey` element (the tokens' `ds:KeyName`).
    pub(crate) name: String,
    /// The HMAC key.
    pub(crate) key: SecretBytes,
    /// The signed `wsx:IssuerKey` element, as our writer wrote it (inserted into each token
    /// as it is).
    pub(crate) xml: String,
    /// Start of the period, ms.
    created_ms: i64,
}

/// The current issuer key of each realm.
pub(crate) struct IssuerKeys {
    by_realm: HashMap<String, RwLock<Option<Arc<IssuerKey>>>>,
    period_ms: i64,
}

impl IssuerKeys {
    /// No keys yet for `realms`; each is replaced after `period_secs`.
    pub(crate) fn new(realms: &[Realm], period_secs: i64) -> Self {
        Self {
            by_realm: realms
                .iter()
                .map(|r| (r.name.clone(), RwLock::new(None)))
                .collect(),
            period_ms: period_secs.max(1).saturating_mul(1000),
        }
    }

    fn fresh(&self, k: &IssuerKey, now: i64) -> bool {
        now >= k.created_ms && now < k.created_ms.saturating_add(self.period_ms)
    }

    /// The issuer key of `realm` for a token created at `now`, made (for `issuer`, and signed
    /// by `sign`: the STS's enveloped signature) when there is none for this period.
    pub(crate) fn current(
        &self,
        issuer: &str,
        sign: impl FnOnce(Writer) -> Result<String, Error>,
        realm: &Realm,
        now: i64,
    ) -> Result<Arc<IssuerKey>, Error> {
        let slot = self.by_realm.get(&realm.name).ok_or(Error::Internal {
            what: "issuer key of an unknown realm",
        })?;
        let poisoned = || Error::Internal {
            what: "issuer key lock",
        };
        if let Some(k) = slot.read().map_err(|_| poisoned())?.as_ref() {
            if self.fresh(k, now) {
                return Ok(k.clone());
            }
        }
        let mut w = slot.write().map_err(|_| poisoned())?;
        if let Some(k) = w.as_ref() {
            if self.fresh(k, now) {
                return Ok(k.clone());
            }
        }
        let k = Arc::new(self.make(issuer, sign, realm, now)?);
        *w = Some(k.clone());
        Ok(k)
    }

    fn make(
        &self,
        issuer: &str,
        sign: impl FnOnce(Writer) -> Result<String, Error>,
        realm: &Realm,
        now: i64,
    ) -> Result<IssuerKey, Error> {
        let key = crypto::random_secret(32).map_err(|_| Error::Internal { what: "random" })?;
        let name = format!("ik-{}", hex(&random8()?));
        // A token made at the end of the period lives at most the realm's lifetime.
        let content = IssuerKeyContent {
            name: name.clone(),
            issuer: issuer.to_owned(),
            audience: realm.name.clone(),
            created_ms: now,
            expires_ms: now
                .saturating_add(self.period_ms)
                .saturating_add(realm.lifetime_secs.saturating_mul(1000)),
        };
        let mut w = Writer::new();
        w.capture_next(CaptureKind::Element);
        sct::write_issuer_key_unsigned(&mut w, &content, key.expose(), &realm.encryption_cert)?;
        let xml = sign(w)?;
        Ok(IssuerKey {
            name,
            key,
            xml,
            created_ms: now,
        })
    }
}
