//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The shared fixtures folder: `$WSTRUST_SHARED/fixtures`, else `../shared/fixtures` beside
/// the crate root.
pub(crate) fn shared() -> PathBuf {
    if let Ok(dir) = std::env::var("WSTRUST_SHARED") {
        return PathBuf::from(dir).join("fixtures");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let beside = root.join("../shared/fixtures");
    if beside.is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared/fixtures")
}

/// Reads a shared fixture as bytes, panicking with the path when it is missing.
pub(crate) fn fixture(rel: &str) -> Vec<u8> {
    let p = shared().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// Reads a shared fixture as text.
pub(crate) fn fixture_text(rel: &str) -> String {
    String::from_utf8(fixture(rel)).expect("fixture is utf-8")
}

/// True when running in CI, where tests needing external tools must not skip.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether an external command exists. Outside CI a missing tool skips the test with a
/// printed reason; inside CI it fails.
pub(crate) fn require_tool(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(!in_ci(), "{tool} is required in CI but is not installed");
        eprintln!("skipped: {tool} is not installed (the test script installs it)");
    }
    found
}

/// What the target service does with an SCT our STS issued (element `sct` of `doc`): checks
/// the STS's word for the whole token with `sts` (its RSA signature, or the HMAC under an
/// issuer key the STS signed), and decrypts the token's key with `service`. Returns what the
/// token says and the key.
pub(crate) fn open_sct(
    doc: &wstrust::xml::Document,
    sct: wstrust::xml::NodeId,
    sts: &wstrust::pki::Certificate,
    service: &wstrust::crypto::RsaPrivateKey,
) -> (wstrust::service::sct::SctContent, Vec<u8>) {
    let certs = [sts.clone()];
    let policy = wstrust::xmlsec::Policy::default();
    let keys = wstrust::service::sct::ServiceKeys {
        sts_certs: &certs,
        service_key: service,
        policy: &policy,
        cache: None,
    };
    let (content, key) = wstrust::service::sct::open(doc, sct, &keys)
        .unwrap_or_else(|e| panic!("the service refuses the SCT: {e}"));
    (content, key.expose().to_vec())
}

/// A store clock pinned at one instant: a test engine runs at a fixed clock, and its store
/// must expire entries by that clock, not by the wall clock (an entry written "until a day
/// after the token's expiry" at a recorded or future instant would otherwise be forgotten at
/// once, or kept, depending on the day the suite runs).
pub(crate) struct PinnedClock(pub(crate) i64);

impl wstrust::store::StoreClock for PinnedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

/// An empty in-memory store whose clock is pinned at `now_ms`.
pub(crate) fn store_at(now_ms: i64) -> wstrust::store::MemoryStore {
    wstrust::store::MemoryStore::with_clock(std::sync::Arc::new(PinnedClock(now_ms)))
}
