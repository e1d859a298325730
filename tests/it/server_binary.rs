//! The built `wstrust serve` binary: the zero-config start writes private keys and a commented
//! configuration, a restart reuses them (tokens and replay memory survive), and the redb
//! store keeps what it acknowledged (replay records and cancellations) through `kill -9`.

use std::os::unix::fs::PermissionsExt as _;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wstrust::client::{Credentials, IssueRequest, StsClient};
use wstrust::crypto::SecretBytes;

use crate::server_support::{
    demo, fault_of, get, post_soap11, rst_signed_by_context, rst_username, token_of, Binary,
    TempDir, ISSUE_SCT,
};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn zero_config_start_and_restart() {
    let tmp = TempDir::new("zero");
    let dir = tmp.path().join("data");
    let d = dir.to_str().unwrap();
    let first = Binary::start(&["--data-dir", d, "--listen", "127.0.0.1:0"]);
    let b = &first.banner;
    assert!(b.contains("wstrust.toml"), "{b}");
    assert!(
        b.contains(&format!(
            "wstrust request --url http://{}/sts --sts-cert {d}/pki/sts.pem --username demo --password-file {d}/demo-credentials.txt --applies-to https://demo.wstrust.invalid/service",
            first.addr
        )),
        "{b}"
    );
    // The printed command, run as printed, gets a token and its proof key from this server.
    let line = b
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("wstrust request "))
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(line.split_whitespace().skip(1))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("SecurityContextToken"), "{stdout}");

    for f in ["ca", "sts", "service", "client", "tls"] {
        assert_eq!(mode(&dir.join(format!("pki/{f}.key"))), 0o600, "{f}.key");
        let pem = std::fs::read_to_string(dir.join(format!("pki/{f}.pem"))).unwrap();
        wstrust::pki::Certificate::from_pem(&pem).unwrap();
        let key = std::fs::read_to_string(dir.join(format!("pki/{f}.key"))).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
        assert_eq!(
            wstrust::crypto::RsaPrivateKey::from_pem(&key)
                .unwrap()
                .modulus_bits(),
            2048
        );
    }
    assert_eq!(mode(&dir.join("token-keys.toml")), 0o600);
    assert_eq!(mode(&dir.join("master-token-keys.toml")), 0o600);
    assert!(
        b.contains(&format!("key exchange: http://{}/keyx", first.addr)),
        "{b}"
    );
    assert!(
        b.contains(&format!(
            "AD FS metadata: http://{}/adfs/services/trust/mex",
            first.addr
        )),
        "{b}"
    );
    assert_eq!(mode(&dir.join("demo-credentials.txt")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let config = std::fs::read_to_string(dir.join("wstrust.toml")).unwrap();
    assert!(config.contains("loopback_is_confidential = true"));
    assert!(config.contains("# DEVELOPMENT DEFAULT"));
    assert!(config.contains("$argon2id$"));
    let creds = std::fs::read_to_string(dir.join("demo-credentials.txt")).unwrap();
    let (user, password, applies_to) = demo(&dir);
    assert!(
        !config.contains(&password),
        "only the hash is in the configuration"
    );
    assert!(creds.lines().any(|l| l == "username=demo"));

    let before: Vec<Vec<u8>> = [
        "pki/ca.pem",
        "pki/sts.pem",
        "token-keys.toml",
        "master-token-keys.toml",
        "wstrust.toml",
    ]
    .iter()
    .map(|f| std::fs::read(dir.join(f)).unwrap())
    .collect();

    let rst = rst_username(&user, &password, &applies_to);
    let r = post_soap11(first.addr, "/sts", ISSUE_SCT, &rst);
    assert_eq!(r.status, 200, "{}", r.text());
    let (id, key) = token_of(&r);
    assert_eq!(get(first.addr, "/healthz").status, 200);
    assert!(first.terminate(), "SIGTERM ends the server cleanly");

    // Restart: nothing is made anew, the token still works, the replay is still known.
    let second = Binary::start(&["--data-dir", d, "--listen", "127.0.0.1:0"]);
    assert!(!second.banner.contains("created"), "{}", second.banner);
    let after: Vec<Vec<u8>> = [
        "pki/ca.pem",
        "pki/sts.pem",
        "token-keys.toml",
        "master-token-keys.toml",
        "wstrust.toml",
    ]
    .iter()
    .map(|f| std::fs::read(dir.join(f)).unwrap())
    .collect();
    assert_eq!(before, after);
    let again = post_soap11(second.addr, "/sts", ISSUE_SCT, &rst);
    assert_eq!(
        fault_of(&again),
        "FailedAuthentication",
        "replay after restart"
    );
    let follow = post_soap11(
        second.addr,
        "/sts",
        ISSUE_SCT,
        &rst_signed_by_context(&id, &key, &applies_to),
    );
    assert_eq!(
        follow.status,
        200,
        "token from before the restart: {}",
        follow.text()
    );
    assert!(second.terminate());
}

#[test]
fn init_writes_the_same_without_serving() {
    let tmp = TempDir::new("init");
    let dir = tmp.path().join("d");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .arg("init")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("demo-credentials.txt"), "{text}");
    assert!(dir.join("pki/client.pem").exists());
    // Again: complete, nothing made.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .arg("init")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing created"));
}

#[test]
fn configuration_errors_say_what_to_fix() {
    let tmp = TempDir::new("badcfg");
    let dir = tmp.path().join("d");
    wstrust::config::datadir::init(&dir, "127.0.0.1:0").unwrap();
    let cfg = dir.join("wstrust.toml");
    let good = std::fs::read_to_string(&cfg).unwrap();
    let cases = [
        (
            good.replace("listen = ", "lisen = "),
            "unknown field `lisen`",
        ),
        (
            good.replace("cert = \"pki/service.pem\"", "cert = \"pki/nope.pem\""),
            "realms[0].cert",
        ),
        (
            good.replace("url = \"redb\"", "url = \"mysql://x\""),
            "use \"redb\"",
        ),
        (
            good.replace("endpoint = \"adfs-mex\"", "endpoint = \"wsdl\""),
            "use \"sts\", \"mex\", \"adfs-mex\" or \"federation-metadata\"",
        ),
        (
            good.replace("advertise = \"username-13\"", "advertise = \"kerberos\""),
            "aliases[0].advertise",
        ),
        (
            good.replace("renewal_window_secs = 43200", "renewal_window_secs = 90000"),
            "keyx.lifetime_secs",
        ),
    ];
    for (text, expect) in cases {
        std::fs::write(&cfg, text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .args(["serve", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "expected `{expect}` in: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn redb_keeps_acknowledged_replay_records_through_kill_9() {
    let tmp = TempDir::new("kill9");
    let dir = tmp.path().join("data");
    let d = dir.to_str().unwrap().to_owned();
    let server = Binary::start(&["--data-dir", &d, "--listen", "127.0.0.1:0"]);
    let addr = server.addr;
    let (user, password, applies_to) = demo(&dir);
    let client = |addr: std::net::SocketAddr| {
        StsClient::new(
            &format!("http://{addr}/sts"),
            crate::server_support::client_config(&dir),
        )
        .unwrap()
    };
    // A token cancelled (and acknowledged) before the kill stays cancelled after it.
    let cancelled = client(addr)
        .issue(&IssueRequest::new(
            applies_to.clone(),
            Credentials::UsernamePassword {
                username: user.clone(),
                password: SecretBytes::from_slice(password.as_bytes()),
                digest: false,
            },
        ))
        .unwrap();
    assert!(client(addr).validate(&cancelled).unwrap().valid);
    client(addr).cancel(&cancelled).unwrap();

    // Four clients issue tokens in a loop; every message the server acknowledged is kept.
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (accepted, stop) = (Arc::clone(&accepted), Arc::clone(&stop));
            let (user, password, applies_to) = (user.clone(), password.clone(), applies_to.clone());
            std::thread::spawn(move || {
                for _ in 0..200 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let rst = rst_username(&user, &password, &applies_to);
                    let Ok(r) =
                        std::panic::catch_unwind(|| post_soap11(addr, "/sts", ISSUE_SCT, &rst))
                    else {
                        break; // the server died mid-request
                    };
                    if r.status == 200 {
                        accepted.lock().unwrap().push(rst);
                    }
                }
            })
        })
        .collect();
    // Kill while the load runs, once some messages went through.
    loop {
        let n = accepted.lock().unwrap().len();
        if n >= 8 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server.kill9();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        let _ = w.join();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() >= 8);

    let restarted = Binary::start(&["--data-dir", &d, "--listen", "127.0.0.1:0"]);
    for rst in &accepted {
        let r = post_soap11(restarted.addr, "/sts", ISSUE_SCT, rst);
        assert_eq!(
            fault_of(&r),
            "FailedAuthentication",
            "an acknowledged message must stay a replay after kill -9"
        );
    }
    match client(restarted.addr).validate(&cancelled) {
        Ok(status) => assert!(!status.valid, "a cancellation was lost: {status:?}"),
        Err(e) => assert!(e.to_string().contains("FailedAuthentication"), "{e}"),
    }
    let m = get(restarted.addr, "/metrics").text();
    assert!(m.contains(&format!("wstrust_replay_refusals_total {}", accepted.len())));
    // Fresh messages still work.
    let r = post_soap11(
        restarted.addr,
        "/sts",
        ISSUE_SCT,
        &rst_username(&user, &password, &applies_to),
    );
    assert_eq!(r.status, 200);
}
