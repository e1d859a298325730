//! The configuration file (`wstrust.toml`) and the zero-config data directory.
//!
//! Responsibility: read the TOML file ([`file`]) and turn it into the engine's
//! [`EngineConfig`], the transport's [`ServerSettings`] and an open token store ([`load`],
//! [`open_store`]); make a complete development setup in an empty directory ([`datadir`]).
//! Every error names the file and setting and says what to fix.
//!
//! May use: crypto, pki, store, wss (the clock), trust (token type URIs), keyx (its key and
//! policy types), engine, server (its settings types).

mod accounts;
pub mod datadir;
mod devpki;
pub mod edit;
mod error;
pub mod file;
mod fs;
pub mod keyring;
mod listener;
pub mod reference;
mod store_setting;
pub mod telemetry;
pub mod token_keys;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

pub use accounts::phc_params;
pub use error::ConfigError;
use file::{FileConfig, MatchKind};
pub use store_setting::{open_store, StoreSetting};

use crate::crypto::RsaPrivateKey;
use crate::engine::audit::{AuditSink, FileSink};
use crate::engine::config::{AppliesToMatch, EngineConfig, Realm, SctProtection, TrustedIssuer};
use crate::engine::keyx::KeyxSettings;
use crate::engine::TokenTypes;
use crate::keyx::server::Policy;
use crate::pki::{Certificate, TrustStore};
use crate::server::ServerSettings;
use crate::trust::TokenType;
use crate::xmlsec::Suite;

/// A loaded configuration.
#[non_exhaustive]
pub struct Loaded {
    /// For [`crate::engine::Engine::new`].
    pub engine: EngineConfig,
    /// For [`crate::server::Server::bind`].
    pub server: ServerSettings,
    /// For [`open_store`].
    pub store: StoreSetting,
    /// The audit trail file (`[audit] path`), for [`open_audit`]; `None`: no audit trail.
    pub audit: Option<PathBuf>,
    /// The configuration file read.
    pub path: PathBuf,
    /// `[key_rollover]`.
    pub rollover: Rollover,
    /// The token-signing keys, as loaded (the engine signs with the primary at load time).
    pub ring: keyring::KeyRing,
    /// `[tracing]`: OTLP trace export; `None`: no traces.
    pub tracing: Option<telemetry::Tracing>,
}

/// `[key_rollover]`, resolved.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Rollover {
    /// Make and promote keys automatically.
    pub enabled: bool,
    /// The ring's directory.
    pub directory: PathBuf,
    /// When keys are made and promoted.
    pub policy: keyring::RolloverPolicy,
    /// How often a running server looks at the ring.
    pub check_interval: Duration,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("path", &self.path)
            .field("server", &self.server)
            .field("store", &self.store)
            .field("audit", &self.audit)
            .field("tracing", &self.tracing)
            .finish_non_exhaustive()
    }
}

/// Opens the audit trail file once, at start (`None`: no audit trail).
pub fn open_audit(path: Option<&Path>) -> Result<Option<Arc<dyn AuditSink>>, ConfigError> {
    let Some(p) = path else {
        return Ok(None);
    };
    let sink = FileSink::open(p).map_err(|e| {
        ConfigError::invalid(
            p,
            "[audit] path",
            e.to_string(),
            "give a file in an existing directory the server may write, or remove [audit]",
        )
    })?;
    Ok(Some(Arc::new(sink)))
}

/// `url` without its password, for messages.
/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(ConfigError::io(
        path,
        "give an existing file with `--config FILE`, or run `wstrust init DIR` to write one",
    ))?;
    let f: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    Builder { path, base }.build(f)
}

struct Builder<'a> {
    path: &'a Path,
    base: &'a Path,
}

impl Builder<'_> {
    fn invalid(
        &self,
        setting: &str,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        ConfigError::invalid(self.path, setting, problem, fix)
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    fn read(&self, setting: &str, rel: &str) -> Result<Zeroizing<String>, ConfigError> {
        let p = self.file(rel);
        std::fs::read_to_string(&p)
            .map(Zeroizing::new)
            .map_err(|e| {
                self.invalid(
                    setting,
                    format!("cannot read `{}`: {e}", p.display()),
                    "fix the path (relative to the configuration file's directory)",
                )
            })
    }

    fn cert(&self, setting: &str, rel: &str) -> Result<Certificate, ConfigError> {
        Certificate::from_pem(&self.read(setting, rel)?).map_err(|e| {
            self.invalid(
                setting,
                format!("`{rel}` is not a usable certificate: {e}"),
                "give a PEM file with one `BEGIN CERTIFICATE` block holding an RSA certificate",
            )
        })
    }

    fn key(&self, setting: &str, rel: &str) -> Result<RsaPrivateKey, ConfigError> {
        if crate::crypto::Pkcs11Uri::is_uri(rel) {
            // A key in an HSM: the token signs and decrypts, the key never leaves it.
            return RsaPrivateKey::from_pkcs11_uri(rel).map_err(|e| {
                self.invalid(
                    setting,
                    format!("the PKCS#11 key: {e}"),
                    "check module-path, the token and key labels, the PIN (pin-source) and that the key is non-extractable",
                )
            });
        }
        RsaPrivateKey::from_pem(&self.read(setting, rel)?).map_err(|e| {
            self.invalid(
                setting,
                format!("`{rel}` is not a usable private key: {e}"),
                "give a PEM file with an RSA `PRIVATE KEY` (PKCS#8) block",
            )
        })
    }

    fn build(&self, f: FileConfig) -> Result<Loaded, ConfigError> {
        let server = self.server(&f)?;
        let store = self.store(&f)?;

        let signing_key = self.key("signing.key", &f.signing.key)?;
        let signing_cert = self.cert("signing.cert", &f.signing.cert)?;
        if signing_cert.public_key() != &signing_key.public_key() {
            return Err(self.invalid(
                "signing",
                "the certificate does not belong to the key",
                "give the certificate issued for `signing.key`",
            ));
        }
        if f.issuer.trim().is_empty() {
            return Err(self.invalid("issuer", "empty", "give the STS's issuer URI"));
        }
        let keys_path = self.file(&f.token_keys);
        let token_keys = token_keys::load(&keys_path)?;

        let mut realms = Vec::with_capacity(f.realms.len());
        for (i, r) in f.realms.iter().enumerate() {
            let at = |field: &str| format!("realms[{i}].{field}");
            if realms.iter().any(|x: &Realm| x.name == r.name) {
                return Err(self.invalid(
                    &at("name"),
                    format!("`{}` is used twice", r.name),
                    "give each realm its own name",
                ));
            }
            if r.applies_to.is_empty() {
                return Err(self.invalid(
                    &at("applies_to"),
                    "empty",
                    "give the service's address (or a prefix with match = \"prefix\")",
                ));
            }
            let m = match r.match_kind {
                MatchKind::Exact => AppliesToMatch::Exact(r.applies_to.clone()),
                MatchKind::Prefix => AppliesToMatch::Prefix(r.applies_to.clone()),
            };
            let mut realm = Realm::new(r.name.clone(), m, self.cert(&at("cert"), &r.cert)?);
            if let Some(b) = r.key_size_bits {
                if !(128..=512).contains(&b) || b % 8 != 0 {
                    return Err(self.invalid(
                        &at("key_size_bits"),
                        format!("{b} bits"),
                        "use a multiple of 8 from 128 to 512 (256 is usual)",
                    ));
                }
                realm.key_size_bits = b;
            }
            if let Some(s) = r.lifetime_secs {
                if s <= 0 {
                    return Err(self.invalid(
                        &at("lifetime_secs"),
                        format!("{s}"),
                        "use a positive number of seconds",
                    ));
                }
                realm.lifetime_secs = s;
            }
            if let Some(s) = r.renewal_window_secs {
                if s < 0 {
                    return Err(self.invalid(
                        &at("renewal_window_secs"),
                        format!("{s}"),
                        "use zero or a positive number of seconds",
                    ));
                }
                realm.renewal_window_secs = s;
            }
            if let Some(kinds) = &r.token_types {
                let known = crate::engine::registry::names();
                let list = known
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                for k in kinds {
                    if !known.contains(&k.as_str()) {
                        return Err(self.invalid(
                            &at("token_types"),
                            format!("unknown token type `{k}`"),
                            format!("list any of {list}"),
                        ));
                    }
                }
                if kinds.is_empty() {
                    return Err(self.invalid(
                        &at("token_types"),
                        "empty",
                        format!("list at least one of {list} (or remove the setting for the default: sct, saml11, saml20)"),
                    ));
                }
                realm.token_types = TokenTypes::only(kinds.iter().cloned());
            }
            if let Some(t) = &r.default_token_type {
                let tt = TokenType::from_uri(t);
                if !(tt.is_saml11() || tt.is_saml20() || tt.is_sct() || tt.is_jwt()) {
                    return Err(self.invalid(
                        &at("default_token_type"),
                        format!("`{t}` is not a token type we issue"),
                        "use urn:oasis:names:tc:SAML:1.0:assertion, urn:oasis:names:tc:SAML:2.0:assertion, \
                         urn:ietf:params:oauth:token-type:jwt or a security context token type URI",
                    ));
                }
                realm.default_token_type = Some(tt);
            }
            if let Some(b) = r.stateful {
                realm.stateful = b;
            }
            if let Some(b) = r.encrypt_assertion {
                realm.encrypt_assertion = b;
            }
            if let Some(p) = &r.sct_protection {
                realm.sct_protection = match p.as_str() {
                    "issuer-key" => SctProtection::IssuerKey,
                    "rsa-signature" => SctProtection::RsaSignature,
                    other => {
                        return Err(self.invalid(
                            &at("sct_protection"),
                            format!("unknown protection `{other}`"),
                            "use \"issuer-key\" or \"rsa-signature\"",
                        ))
                    }
                };
            }
            if let Some(b) = r.owner_renewal {
                realm.owner_renewal = b;
            }
            if let Some(a) = &r.algorithms {
                realm.algorithms = Some(self.suite(&at("algorithms"), a)?);
            }
            realms.push(realm);
        }
        if let Some(d) = &f.default_realm {
            if !realms.iter().any(|r| &r.name == d) {
                return Err(self.invalid(
                    "default_realm",
                    format!("no realm is named `{d}`"),
                    "name one of the [[realms]], or remove the setting",
                ));
            }
        }

        let users = self.users(&f)?;

        let mut client_trust = TrustStore::new();
        let mut known = Vec::new();
        for (i, rel) in f.client_trust.ca.iter().enumerate() {
            let c = self.cert(&format!("client_trust.ca[{i}]"), rel)?;
            client_trust.add_anchor(&c);
        }
        for (i, rel) in f.client_trust.pinned.iter().enumerate() {
            let c = self.cert(&format!("client_trust.pinned[{i}]"), rel)?;
            client_trust.pin(&c);
            known.push(c);
        }

        let mut trusted_issuers = Vec::new();
        for (i, t) in f.trusted_issuers.iter().enumerate() {
            let at = |k: &str| format!("trusted_issuers[{i}].{k}");
            if t.name.trim().is_empty() || f.trusted_issuers[..i].iter().any(|o| o.name == t.name) {
                return Err(self.invalid(
                    &at("name"),
                    format!("`{}` is empty or names two trusted issuers", t.name),
                    "give each [[trusted_issuers]] a name of its own",
                ));
            }
            let mut ti = TrustedIssuer::new(
                t.name.clone(),
                self.cert(&at("certificate"), &t.certificate)?,
            );
            ti.issuer = t.issuer.clone();
            ti.audience = t.audience.clone();
            ti.pass_claims = t.pass_claims;
            trusted_issuers.push(ti);
        }

        // The token-signing key ring: the primary signs, the other valid keys are published
        // and accepted (see `keyring`).
        let rollover = self.rollover(&f)?;
        let ring = keyring::KeyRing::load(signing_cert, signing_key, &rollover.directory)?;
        let now = crate::wss::Clock::now_ms(&crate::wss::SystemClock).div_euclid(1000);
        let primary = ring.primary(now).unwrap_or_else(|| &ring.keys()[0]);
        let (signing_cert, signing_key) = (primary.cert.clone(), primary.key.clone());
        let other_signing = ring
            .others(now)
            .into_iter()
            .map(|k| (k.cert.clone(), k.key.clone()))
            .collect();
        let mut engine = EngineConfig::new(
            f.issuer.clone(),
            signing_key,
            signing_cert,
            token_keys,
            realms,
            users,
        );
        engine.keyx = self.keyx(&f)?;
        engine.lockout = self.lockout(&f)?;
        engine.default_realm = f.default_realm;
        if let Some(a) = &f.algorithms {
            engine.algorithms = self.suite("algorithms", a)?;
        }
        engine.client_trust = client_trust;
        engine.known_certs = known;
        engine.trusted_issuers = trusted_issuers;
        engine.other_signing = other_signing;
        let audit = match &f.audit {
            Some(a) if a.path.trim().is_empty() => {
                return Err(self.invalid(
                    "audit.path",
                    "empty",
                    "give the audit file, or remove [audit]",
                ))
            }
            Some(a) => Some(self.file(a.path.trim())),
            None => None,
        };
        let tracing = self.tracing(f.tracing.as_ref())?;
        Ok(Loaded {
            engine,
            server,
            store,
            audit,
            path: self.path.to_owned(),
            rollover,
            ring,
            tracing,
        })
    }

    fn rollover(&self, f: &FileConfig) -> Result<Rollover, ConfigError> {
        let r = &f.key_rollover;
        let days = |setting: &str, v: i64, min: i64| {
            if v < min || v > 36_500 {
                Err(self.invalid(
                    &format!("key_rollover.{setting}"),
                    format!("{v} days"),
                    format!("give {min} to 36500 days"),
                ))
            } else {
                Ok(v.saturating_mul(86_400))
            }
        };
        let policy = keyring::RolloverPolicy {
            generate_before_secs: days("generate_before_days", r.generate_before_days, 1)?,
            promote_after_secs: days("promote_after_days", r.promote_after_days, 0)?,
            validity_secs: days("validity_days", r.validity_days, 2)?,
        };
        if policy.promote_after_secs >= policy.generate_before_secs {
            return Err(self.invalid(
                "key_rollover.promote_after_days",
                "not before generate_before_days",
                "promote a new key before the old one expires (AD FS: 20 and 5 days)",
            ));
        }
        Ok(Rollover {
            enabled: r.enabled,
            directory: self.file(&r.directory),
            policy,
            check_interval: Duration::from_secs(r.check_interval_secs.max(1)),
        })
    }

    fn suite(&self, setting: &str, name: &str) -> Result<Suite, ConfigError> {
        Suite::from_name(name).ok_or_else(|| {
            self.invalid(
                setting,
                format!("unknown algorithm suite `{name}`"),
                "use \"modern\" (SHA-256 and stronger, AES-GCM) or \"compatible\" (also SHA-1 and AES-CBC)",
            )
        })
    }

    fn keyx(&self, f: &FileConfig) -> Result<Option<KeyxSettings>, ConfigError> {
        let Some(k) = f.keyx.as_ref().filter(|k| k.enabled) else {
            return Ok(None);
        };
        let keys = token_keys::load_master(&self.file(&k.keys))?;
        let mut policy = Policy::new(&f.issuer);
        if let Some(s) = k.renewal_window_secs {
            if s < 0 {
                return Err(self.invalid(
                    "keyx.renewal_window_secs",
                    format!("{s}"),
                    "use zero or a positive number of seconds",
                ));
            }
            policy.renewal_window_secs = s;
        }
        if let Some(s) = k.lifetime_secs {
            if s <= 0 {
                return Err(self.invalid(
                    "keyx.lifetime_secs",
                    format!("{s}"),
                    "use a positive number of seconds",
                ));
            }
            policy.lifetime_secs = s;
        }
        if policy.lifetime_secs < policy.renewal_window_secs {
            return Err(self.invalid(
                "keyx.lifetime_secs",
                "shorter than keyx.renewal_window_secs",
                "let the renewal window open before the master token expires",
            ));
        }
        Ok(Some(KeyxSettings::new(keys, policy)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lockout::LockoutSettings;
    use crate::server::RateLimit;

    #[test]
    fn phc_cost_is_read() {
        let p = phc_params("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").unwrap();
        assert_eq!((p.m_cost_kib, p.t_cost, p.p_cost), (19456, 2, 1));
        assert!(phc_params("$argon2i$v=19$m=1,t=1,p=1$a$b").is_none());
        assert!(phc_params("plain").is_none());
    }

    #[test]
    fn lockout_and_rate_limit_are_read_and_checked() {
        let dir =
            std::env::temp_dir().join(format!("wstrust-config-lockout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        datadir::init(&dir, "127.0.0.1:0").unwrap();
        let path = dir.join("wstrust.toml");
        let base = std::fs::read_to_string(&path).unwrap();
        let with = |extra: &str| {
            std::fs::write(&path, format!("{base}\n{extra}\n")).unwrap();
            load(&path)
        };
        let d = with("").unwrap();
        assert_eq!(d.engine.lockout, Some(LockoutSettings::default()));
        assert!(d.server.rate_limit.is_none());
        let l = with("[lockout]\nthreshold = 3\nfamiliar_threshold = 7\nwindow_secs = 60").unwrap();
        let s = l.engine.lockout.unwrap();
        assert_eq!(
            (s.threshold, s.familiar_threshold, s.window_secs),
            (3, 7, 60)
        );
        assert!(with("[lockout]\nenabled = false")
            .unwrap()
            .engine
            .lockout
            .is_none());
        let e = with("[lockout]\nthreshold = 5\nfamiliar_threshold = 2")
            .err()
            .unwrap();
        assert!(e.to_string().contains("lockout"), "{e}");
        assert!(with("[lockout]\nthreshold = 0").is_err());
        assert!(
            with("[lockout]\nthresold = 3").is_err(),
            "a typo is an error"
        );
        let r = with("[rate_limit]\nrequests_per_second = 5").unwrap();
        assert_eq!(r.server.rate_limit, Some(RateLimit::new(5.0, 10)));
        let r = with("[rate_limit]\nrequests_per_second = 0.5\nburst = 3").unwrap();
        assert_eq!(r.server.rate_limit, Some(RateLimit::new(0.5, 3)));
        assert!(with("[rate_limit]\nrequests_per_second = 0").is_err());
        assert!(with("[rate_limit]\nrequests_per_second = 1\nburst = 0").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn realm_token_types_stateful_and_encryption_are_read() {
        let dir = std::env::temp_dir().join(format!("wstrust-config-realm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        datadir::init(&dir, "127.0.0.1:0").unwrap();
        let path = dir.join("wstrust.toml");
        let base = std::fs::read_to_string(&path).unwrap();
        let with = |extra: &str| {
            std::fs::write(
                &path,
                format!(
                    "{base}\n[[realms]]\nname = \"x\"\napplies_to = \"urn:x\"\ncert = \"pki/service.pem\"\n{extra}\n"
                ),
            )
            .unwrap();
            load(&path)
        };
        let l =
            with("token_types = [\"saml11\"]\nstateful = true\nencrypt_assertion = true\nowner_renewal = false").unwrap();
        let r = l.engine.realms.iter().find(|r| r.name == "x").unwrap();
        let t = &r.token_types;
        assert!(!t.allows("sct") && t.allows("saml11") && !t.allows("saml20") && !t.allows("jwt"));
        assert!(r.stateful && r.encrypt_assertion && !r.owner_renewal);
        let d = l.engine.realms.iter().find(|r| r.name != "x").unwrap();
        let t = &d.token_types;
        assert!(t.allows("sct") && t.allows("saml11") && t.allows("saml20") && !t.allows("jwt"));
        assert!(!d.stateful && !d.encrypt_assertion && d.owner_renewal);
        let e = with("token_types = [\"kerberos\"]")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("kerberos") && e.contains("saml11") && e.contains("jwt"),
            "{e}"
        );
        let l = with("token_types = [\"saml20\", \"jwt\"]").unwrap();
        let r = l.engine.realms.iter().find(|r| r.name == "x").unwrap();
        assert!(r.token_types.allows("jwt") && !r.token_types.allows("sct"));
        assert!(with("token_types = []").is_err());
        let realm_x = |l: &Loaded| {
            l.engine
                .realms
                .iter()
                .find(|r| r.name == "x")
                .unwrap()
                .sct_protection
        };
        assert_eq!(realm_x(&with("").unwrap()), SctProtection::IssuerKey);
        let rsa = with("sct_protection = \"rsa-signature\"").unwrap();
        assert_eq!(realm_x(&rsa), SctProtection::RsaSignature);
        let e = with("sct_protection = \"none\"").err().unwrap().to_string();
        assert!(e.contains("sct_protection"), "{e}");
        // Algorithm suites: per realm, else the STS-level default (`compatible` unless set).
        let suite_x = |l: &Loaded| {
            l.engine
                .realms
                .iter()
                .find(|r| r.name == "x")
                .unwrap()
                .algorithms
        };
        let plain = with("").unwrap();
        assert_eq!(suite_x(&plain), None);
        assert_eq!(plain.engine.algorithms, Suite::Compatible);
        let modern = with("algorithms = \"modern\"").unwrap();
        assert_eq!(suite_x(&modern), Some(Suite::Modern));
        let e = with("algorithms = \"strict\"").err().unwrap().to_string();
        assert!(
            e.contains("realms[1].algorithms") && e.contains("strict") && e.contains("modern"),
            "{e}"
        );
        std::fs::write(
            &path,
            base.replacen(
                "\nloopback_is_confidential",
                "\nalgorithms = \"modern\"\nloopback_is_confidential",
                1,
            ),
        )
        .unwrap();
        assert_eq!(load(&path).unwrap().engine.algorithms, Suite::Modern);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_user_has_a_hash_or_a_digest_password_file() {
        let dir = std::env::temp_dir().join(format!("wstrust-config-users-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        datadir::init(&dir, "127.0.0.1:0").unwrap();
        let path = dir.join("wstrust.toml");
        let base = std::fs::read_to_string(&path).unwrap();
        std::fs::write(dir.join("legacy.password"), "s3cret\n").unwrap();
        let with = |user: &str| {
            std::fs::write(
                &path,
                format!("{base}\n[[users]]\nname = \"legacy\"\n{user}\n"),
            )
            .unwrap();
            load(&path)
        };
        assert!(with("digest_password_file = \"legacy.password\"").is_ok());
        let hash = base
            .lines()
            .find(|l| l.starts_with("password_hash"))
            .unwrap()
            .to_owned();
        let both = with(&format!(
            "{hash}\ndigest_password_file = \"legacy.password\""
        ));
        assert!(both.err().unwrap().to_string().contains("exactly one"));
        assert!(with("").err().unwrap().to_string().contains("exactly one"));
        assert!(with("digest_password_file = \"missing.password\"").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
