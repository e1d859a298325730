//! The Debian package (issue 19 item 6): `cargo deb` packs the binary built for the tests, a
//! hardened systemd unit and the operator files; `dpkg -i` installs it on this machine; the
//! postinst makes the `wstrust` user, `/var/lib/wstrust` and `/etc/wstrust/wstrust.toml`; the
//! installed binary, run as that user with the installed configuration, issues a token and
//! sends its request spans to an OTLP receiver;
//! `systemd-analyze verify` accepts the unit; `dpkg --purge` removes everything.
//!
//! It changes the machine (a package, a system user), so it runs in CI (`CI=true`) or when
//! `WSTRUST_DPKG_TEST=1`, as root; otherwise it skips with the reason.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::server_support::{get, post_soap11, rst_username, token_of, TempDir, ISSUE_SCT};
use crate::support::require_tool;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?}: {text}");
    text
}

fn wanted() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !ci && std::env::var("WSTRUST_DPKG_TEST").as_deref() != Ok("1") {
        eprintln!(
            "skipped: installs a package on this machine; set WSTRUST_DPKG_TEST=1 (CI runs it)"
        );
        return false;
    }
    let root = run(Command::new("id").arg("-u")).trim() == "0";
    if !root {
        assert!(!ci, "the package test needs root in CI");
        eprintln!("skipped: dpkg -i needs root");
        return false;
    }
    require_tool("dpkg") && require_tool("cargo-deb")
}

fn uid_of(user: &str) -> u32 {
    run(Command::new("id").args(["-u", user]))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn the_debian_package_installs_runs_and_purges() {
    if !wanted() {
        return;
    }
    let tmp = TempDir::new("deb");
    let deb = tmp.path().join("wstrust.deb");
    // The binary the tests run, packed as built (`cargo deb` builds a release one itself).
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(Command::new("cargo")
        .args(["deb", "--no-build", "--profile", "dev", "-o"])
        .arg(&deb)
        .current_dir(manifest));
    let contents = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    for f in [
        "./usr/bin/wstrust",
        "./lib/systemd/system/wstrust.service",
        "./usr/share/wstrust/prometheus/wstrust-alerts.yml",
    ] {
        assert!(contents.contains(f), "{f} not in the package:\n{contents}");
    }
    // A leftover of an interrupted run would hide what the postinst does.
    let _ = Command::new("dpkg").args(["--purge", "wstrust"]).output();
    let installed = run(Command::new("dpkg").arg("-i").arg(&deb));
    assert!(
        installed.contains("/etc/wstrust/wstrust.toml"),
        "{installed}"
    );

    let uid = uid_of("wstrust");
    let data = std::fs::metadata("/var/lib/wstrust").unwrap();
    assert_eq!(data.uid(), uid, "the data belongs to the service user");
    assert_eq!(data.permissions().mode() & 0o777, 0o750);
    let config = std::fs::metadata("/etc/wstrust/wstrust.toml").unwrap();
    assert_eq!(config.uid(), 0, "root owns the configuration");
    assert_eq!(config.permissions().mode() & 0o777, 0o640);
    let key = std::fs::metadata("/var/lib/wstrust/pki/sts.key").unwrap();
    assert_eq!(key.uid(), uid);
    assert_eq!(
        key.permissions().mode() & 0o077,
        0,
        "private keys are private"
    );
    let text = std::fs::read_to_string("/etc/wstrust/wstrust.toml").unwrap();
    assert!(
        text.contains("url = \"redb:/var/lib/wstrust/store.redb\""),
        "{text}"
    );

    if Path::new("/usr/bin/systemd-analyze").exists() {
        let out = Command::new("systemd-analyze")
            .args(["verify", "/lib/systemd/system/wstrust.service"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !err.contains("wstrust.service"),
            "systemd-analyze verify: {err}"
        );
    }

    // Traces from the installed binary to an OTLP receiver: `[tracing]` added to the
    // installed file, as an operator would.
    let (collector, spans) = crate::otlp_traces::receiver();
    let mut with_tracing = text;
    with_tracing.push_str(&format!(
        "\n[tracing]\notlp_endpoint = \"http://{collector}/v1/traces\"\nexport_delay_ms = 100\n"
    ));
    std::fs::write("/etc/wstrust/wstrust.toml", with_tracing).unwrap();

    // The installed binary, as the service user, with the installed configuration.
    let gid: u32 = run(Command::new("id").args(["-g", "wstrust"]))
        .trim()
        .parse()
        .unwrap();
    let mut child = Command::new("/usr/bin/wstrust")
        .arg("serve")
        .uid(uid)
        .gid(gid)
        .args([
            "--config",
            "/etc/wstrust/wstrust.toml",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let addr: std::net::SocketAddr = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the installed server exited"
        );
        if let Some(a) = line.trim().strip_prefix("listening on ") {
            break a.parse().unwrap();
        }
    };
    std::thread::spawn(move || {
        let mut line = String::new();
        while out.read_line(&mut line).is_ok_and(|n| n > 0) {
            line.clear();
        }
    });
    assert_eq!(get(addr, "/readyz").status, 200);
    let creds = wstrust::config::datadir::read_credentials(Path::new(
        "/var/lib/wstrust/demo-credentials.txt",
    ))
    .unwrap()
    .unwrap();
    let resp = post_soap11(
        addr,
        "/sts",
        ISSUE_SCT,
        &rst_username(&creds.username, &creds.password, &creds.applies_to),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    let (id, key) = token_of(&resp);
    assert!(!id.is_empty() && key.len() == 32);
    assert!(
        Path::new("/var/lib/wstrust/store.redb").exists(),
        "the token store is in the state directory"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success(), "SIGTERM stops it cleanly");
    let (got, _) = crate::otlp_traces::collect(&spans, 2, false);
    let issued = crate::otlp_traces::span_of(&got, "/sts", "ok");
    assert_eq!(
        crate::otlp_traces::attr(issued, "wstrust.request_type"),
        "issue"
    );
    assert_eq!(
        crate::otlp_traces::attr(issued, "wstrust.token_type"),
        "sct"
    );

    run(Command::new("dpkg").args(["--purge", "wstrust"]));
    assert!(!Path::new("/usr/bin/wstrust").exists());
    assert!(!Path::new("/etc/wstrust").exists());
    assert!(!Path::new("/var/lib/wstrust").exists());
    assert!(Command::new("id")
        .args(["-u", "wstrust"])
        .output()
        .is_ok_and(|o| !o.status.success()));
}
