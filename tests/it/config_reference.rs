//! The configuration reference (issue 19 item 7): `docs/config.md` is what
//! `wstrust::config::reference` generates from the file format's types, every key is
//! documented, every optional key says its default, and a default the documentation states
//! is the one serde applies. `wstrust config reference` prints it; `wstrust config check`
//! loads a file as `serve` would.

use std::process::Command;

use wstrust::config::{datadir, reference};

use crate::server_support::data_dir;

fn repo_file(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn docs_config_md_is_the_generated_reference() {
    let generated = reference::markdown();
    let path = repo_file("docs/config.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk != generated && std::env::var_os("WSTRUST_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    assert!(
        on_disk == generated,
        "docs/config.md is stale: run `cargo run -q -- config reference > docs/config.md` \
         (or this test with WSTRUST_BLESS=1)"
    );
}

#[test]
fn every_key_is_documented_with_its_default() {
    let keys = reference::keys();
    assert!(keys.len() > 40, "the whole file format: {}", keys.len());
    let mut problems = Vec::new();
    for k in &keys {
        let name = format!("{}.{}", k.section, k.key);
        if k.doc.len() <= 10 {
            problems.push(format!("{name}: no documentation"));
        }
        let scalar = !k.kind.starts_with("array") && k.kind != "table";
        if !k.required && scalar && !k.doc.contains("Default") {
            problems.push(format!("{name}: optional, but no `Default:` in: {}", k.doc));
        }
        // The default the schema knows (serde's `default`) is the one the text states.
        if let Some(d) = k.default.as_ref().filter(|_| scalar) {
            let value = d.trim_matches('"');
            if !(k.doc.contains(&format!("Default: {value}"))
                || k.doc.contains(&format!("Default: `{value}`")))
            {
                problems.push(format!(
                    "{name}: the code's default is {d}, the text: {}",
                    k.doc
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reference_names_what_it_must() {
    let md = reference::markdown();
    for needle in [
        "| `issuer` | string | yes |",
        "## `[[realms]]`",
        "| `match` | `\"exact\"` or `\"prefix\"` | no |",
        "| `max_body_bytes` | integer | no |",
        "## `[lockout]`",
        "| `url` | string | no |",
    ] {
        assert!(md.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn the_cli_prints_the_reference_and_checks_a_file() {
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(["config", "reference"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(String::from_utf8(o.stdout).unwrap(), reference::markdown());

    let dir = data_dir("config-check");
    let file = dir.path().join(datadir::CONFIG_FILE);
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(["config", "check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(": ok"), "{out}");
    assert!(out.contains("realm demo: algorithms compatible"), "{out}");

    // A typo is an error that names the key, and the exit status says so.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("lisen = \"127.0.0.1:1\"\n{text}")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(["config", "check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("lisen"), "{err}");
}
