//! Changing a running `wstrust serve` (issue 19 items 1 and 5): the configuration is
//! re-read on `SIGHUP` (`systemctl reload wstrust`), and the token-signing key ring is
//! looked at every `[key_rollover] check_interval_secs` (a successor made when due, a key
//! promoted when its time comes). Either way the file is loaded as at start; when it loads,
//! a new engine over the same store takes the requests that arrive from then on (requests
//! under way finish with the old one; no connection is dropped). When it does not, the
//! previous configuration stays in use and the log says why. Settings of the listener, the
//! store and the audit trail (listen, TLS, limits, endpoints, `[store]`, `[audit]`) apply at
//! the next start only; a changed one is named in a warning (the new engine writes to the
//! audit trail opened at start).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{self, keyring, Loaded, Rollover};
use crate::engine::Engine;
use crate::server;
use crate::store::TokenStore;

/// What a reload needs to know about the running server.
pub(crate) struct Reloads {
    pub(crate) reloader: server::Reloader,
    pub(crate) path: PathBuf,
    pub(crate) listen: Option<SocketAddr>,
    /// The listener settings at start ([`listener_text`], to name a change).
    pub(crate) server_then: String,
    pub(crate) store_then: config::StoreSetting,
    /// The audit trail file at start (the trail stays in it; a change applies at the next
    /// start).
    pub(crate) audit_then: Option<PathBuf>,
    /// `[tracing]` at start (its `Debug` text; a change applies at the next start).
    pub(crate) tracing_then: String,
    /// The open store (the successor key is agreed through it).
    pub(crate) store: Arc<dyn TokenStore>,
}

/// The listener settings that take a restart, as text to compare: all of them but the TLS
/// file contents and paths (a reload reads those again), with whether TLS is on.
pub(crate) fn listener_text(s: &server::ServerSettings) -> String {
    let mut s = s.clone();
    s.tls = s
        .tls
        .take()
        .map(|_| server::TlsFiles::new(PathBuf::new(), PathBuf::new()));
    format!("{s:?}")
}

/// The token-signing certificates an engine or a loaded file uses (signing one first).
fn key_set(cfg: &crate::engine::config::EngineConfig) -> Vec<Vec<u8>> {
    cfg.signing_certs().map(|c| c.der().to_vec()).collect()
}

impl Reloads {
    /// Loads the file (on the blocking pool: it reads keys and hashes nothing); `None`
    /// after logging why it did not load.
    async fn load(&self) -> Option<Loaded> {
        let file = self.path.clone();
        match tokio::task::spawn_blocking(move || config::load(&file)).await {
            Ok(Ok(mut l)) => {
                if let Some(a) = self.listen {
                    l.server.listen = a;
                }
                Some(l)
            }
            Ok(Err(e)) => {
                self.reloader.failed();
                tracing::error!(
                    error = %e,
                    "configuration reload failed: the previous configuration stays in use"
                );
                None
            }
            Err(_) => {
                self.reloader.failed();
                tracing::error!("configuration reload failed: the loading task ended");
                None
            }
        }
    }

    /// Makes `loaded` current.
    fn apply(&self, loaded: Loaded, why: &'static str) {
        if listener_text(&loaded.server) != self.server_then {
            tracing::warn!(
                "the listener settings (listen, TLS on or off, limits, endpoints) changed: they apply at the next start"
            );
        }
        // A renewed HTTPS certificate: new handshakes use it, open connections keep theirs.
        if let Some(files) = &loaded.server.tls {
            match self.reloader.reload_tls(files) {
                Ok(true) => {
                    tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded")
                }
                Ok(false) => {}
                Err(e) => {
                    self.reloader.failed();
                    tracing::error!(
                        error = %e,
                        "configuration reload failed: the previous configuration and TLS certificate stay in use"
                    );
                    return;
                }
            }
        }
        if loaded.store != self.store_then {
            tracing::warn!("the [store] setting changed: it applies at the next start");
        }
        if loaded.audit != self.audit_then {
            tracing::warn!("the [audit] setting changed: it applies at the next start");
        }
        if format!("{:?}", loaded.tracing) != self.tracing_then {
            tracing::warn!("the [tracing] setting changed: it applies at the next start");
        }
        let realms = loaded.engine.realms.len();
        let users = loaded.engine.users.len();
        let signing = crate::crypto::hex(loaded.engine.signing_cert.thumbprint_sha1());
        let published = loaded.engine.other_signing.len();
        let engine = Arc::new(Engine::succeeding(loaded.engine, &self.reloader.engine()));
        engine.log_algorithm_suites();
        match self.reloader.reload(engine) {
            Ok(()) => tracing::info!(
                why,
                realms,
                users,
                signing_key = %signing,
                other_keys = published,
                "configuration reloaded"
            ),
            Err(e) => tracing::error!(
                error = %e,
                "configuration reload failed: the previous configuration stays in use"
            ),
        }
    }

    /// Reloads on each `SIGHUP`.
    pub(crate) async fn on_hangup(self: Arc<Self>) {
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "no SIGHUP handler: configuration reload unavailable");
                return;
            }
        };
        while hangup.recv().await.is_some() {
            if let Some(l) = self.load().await {
                self.apply(l, "SIGHUP");
            }
        }
    }

    /// Looks at the key ring now and then every `rollover.check_interval`: makes the
    /// primary's successor when due (when rollover is enabled), and reloads when the keys in
    /// use would change (a key made, promoted, imported or expired).
    pub(crate) async fn key_rollover(self: Arc<Self>, rollover: Rollover) {
        let mut tick = tokio::time::interval(rollover.check_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(mut loaded) = self.load().await else {
                continue;
            };
            if loaded.rollover.enabled {
                let store = Arc::clone(&self.store);
                let made = tokio::task::spawn_blocking(move || {
                    let now = crate::wss::Clock::now_ms(&crate::wss::SystemClock).div_euclid(1000);
                    let r = &loaded.rollover;
                    let made = keyring::ensure_successor(
                        &loaded.ring,
                        &r.directory,
                        &*store,
                        &loaded.engine.token_keys,
                        &r.policy,
                        now,
                    );
                    (loaded, made)
                })
                .await;
                loaded = match made {
                    Ok((l, Ok(None))) => l,
                    Ok((_, Ok(Some(_)))) => match self.load().await {
                        Some(l) => l,
                        None => continue,
                    },
                    Ok((l, Err(e))) => {
                        tracing::error!(error = %e, "key rollover: no successor key could be made");
                        l
                    }
                    Err(_) => {
                        tracing::error!("key rollover: the task ended");
                        continue;
                    }
                };
            }
            if key_set(&loaded.engine) != key_set(self.reloader.engine().config()) {
                self.apply(loaded, "token-signing keys changed");
            }
        }
    }
}
