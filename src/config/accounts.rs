//! `[[users]]` and `[lockout]`: the password users ([`UserStore`]) and smart lockout.

use crate::crypto::SecretBytes;
use crate::engine::lockout::LockoutSettings;
use crate::engine::users::{Argon2Params, PasswordRecord, UserStore};

use super::file::FileConfig;
use super::{Builder, ConfigError};

impl Builder<'_> {
    pub(super) fn lockout(&self, f: &FileConfig) -> Result<Option<LockoutSettings>, ConfigError> {
        let l = &f.lockout;
        if !l.enabled {
            return Ok(None);
        }
        let s = LockoutSettings {
            threshold: l.threshold,
            familiar_threshold: l.familiar_threshold,
            window_secs: l.window_secs,
            familiar_secs: l.familiar_secs,
        };
        s.check().map_err(|e| {
            self.invalid(
                "lockout",
                e,
                "thresholds of at least 1 (familiar_threshold >= threshold), positive windows",
            )
        })?;
        Ok(Some(s))
    }

    pub(super) fn users(&self, f: &FileConfig) -> Result<UserStore, ConfigError> {
        // Unknown users are checked against a dummy hash made with the same cost as the
        // configured ones, so both paths take the same time.
        let mut params: Option<Argon2Params> = None;
        let mut entries = Vec::with_capacity(f.users.len());
        // A locked user is left out: its name authenticates like an unknown one (the same
        // dummy-hash work, the same fault).
        let mut locked = Vec::new();
        for (i, u) in f.users.iter().enumerate() {
            if f.users[..i].iter().any(|o| o.name == u.name) {
                return Err(self.invalid(
                    &format!("users[{i}].name"),
                    "another user has this name",
                    "give each user a distinct name",
                ));
            }
            let hash = match (&u.password_hash, &u.digest_password_file) {
                (Some(h), None) => h,
                (None, Some(file)) => {
                    let text = self.read(&format!("users[{i}].digest_password_file"), file)?;
                    let password = text.trim_end_matches(['\r', '\n']);
                    if u.locked {
                        locked.push(u.name.clone());
                        continue;
                    }
                    entries.push((
                        u.name.clone(),
                        PasswordRecord::DigestCapable(SecretBytes::from_slice(password.as_bytes())),
                    ));
                    continue;
                }
                _ => {
                    return Err(self.invalid(
                        &format!("users[{i}]"),
                        "needs exactly one of password_hash and digest_password_file",
                        "give `password_hash` (an Argon2id PHC string, `wstrust hash-password`), or, for PasswordDigest clients, `digest_password_file`",
                    ))
                }
            };
            let p = phc_params(hash).ok_or_else(|| {
                self.invalid(
                    &format!("users[{i}].password_hash"),
                    "not an Argon2id PHC string",
                    "give `$argon2id$v=19$m=...,t=...,p=...$salt$hash` (as `wstrust init` writes)",
                )
            })?;
            if params.is_some_and(|q| q != p) {
                return Err(self.invalid(
                    &format!("users[{i}].password_hash"),
                    "its Argon2 cost differs from the other users'",
                    "hash every password with the same m, t and p (an attacker could otherwise tell users apart by timing)",
                ));
            }
            params = Some(p);
            if u.locked {
                locked.push(u.name.clone());
                continue;
            }
            entries.push((u.name.clone(), PasswordRecord::Argon2(hash.clone())));
        }
        if !locked.is_empty() {
            tracing::info!(
                count = locked.len(),
                "users locked (refused like unknown users)"
            );
        }
        UserStore::new(entries, &params.unwrap_or_default()).map_err(|e| {
            self.invalid(
                "users",
                e.to_string(),
                "give each user a distinct, non-empty name and a valid Argon2id hash",
            )
        })
    }
}

/// The Argon2id cost in a PHC string, if it is one.
pub fn phc_params(phc: &str) -> Option<Argon2Params> {
    let mut parts = phc.split('$');
    if parts.next() != Some("") || parts.next() != Some("argon2id") {
        return None;
    }
    let mut rest = parts.next()?;
    if rest.starts_with("v=") {
        rest = parts.next()?;
    }
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in rest.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    Some(Argon2Params {
        m_cost_kib: m?,
        t_cost: t?,
        p_cost: p?,
    })
}
