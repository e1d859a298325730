//! Helpers shared by the crypto unit tests (fixtures, hex, base64, openssl).

use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;

/// Path of a file under the shared fixtures tree.
///
/// Looks at `$WSTRUST_FIXTURES`, then `<crate>/../shared/fixtures`, then
/// `/work/shared/fixtures`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::var_os("WSTRUST_FIXTURES") {
        roots.push(PathBuf::from(dir));
    }
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    roots.push(PathBuf::from("/work/shared/fixtures"));
    for root in &roots {
        let p = root.join(rel);
        if p.exists() {
            return p;
        }
    }
    panic!("fixture {rel} not found under {roots:?}");
}

pub(crate) fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

pub(crate) fn read_fixture_str(rel: &str) -> String {
    String::from_utf8(read_fixture(rel)).unwrap()
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Decodes base64 after removing all whitespace (XML text content).
pub(crate) fn b64(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

/// Text between the first `start` and the next `end` after it.
pub(crate) fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"))
        + start.len();
    let j = text[i..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} not found"))
        + i;
    &text[i..j]
}

/// Runs `openssl` with `args`, feeding `stdin`, and returns stdout.
pub(crate) fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl must be installed for these tests");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `s` with all whitespace removed (compare XML serialised differently).
pub(crate) fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}
