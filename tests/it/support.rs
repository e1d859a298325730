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
