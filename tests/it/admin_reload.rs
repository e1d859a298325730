//! Administration without hand-editing and hot reload (issue 19 item 5), with the real
//! binary: `wstrust users add | passwd | lock | unlock | remove | list` and `wstrust realms
//! list | show` on a data directory's `wstrust.toml` (comments and the rest of the file kept
//! byte for byte; an edit that would not load, or a duplicate, leaves the file as it was),
//! and `SIGHUP` to a running `wstrust serve`: a user added, locked or given a new password
//! takes effect without a restart, a keep-alive connection opened before the reload keeps
//! working, a request whose body is still arriving during the reload completes, and a
//! broken file leaves the previous configuration serving (`wstrust_config_reloads_total`).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use wstrust::config::datadir;

use crate::server_support::{demo, post_soap11, request, rst_username, Binary, TempDir};

const ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";

fn wstrust(args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wstrust"));
    c.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = wstrust(args, stdin);
    assert!(
        out.status.success(),
        "wstrust {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn users(dir: &Path, rest: &[&str], stdin: Option<&str>) -> Output {
    let d = dir.to_str().unwrap();
    let mut args = vec!["users", "--data-dir", d];
    args.extend_from_slice(rest);
    wstrust(&args, stdin)
}

fn config_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(datadir::CONFIG_FILE)).unwrap()
}

/// Whether `user`/`password` gets a token from the server at `addr`.
fn issues(addr: SocketAddr, user: &str, password: &str) -> bool {
    let xml = rst_username(user, password, datadir::DEMO_APPLIES_TO);
    let r = post_soap11(addr, "/sts", ISSUE, &xml);
    match r.status {
        200 => true,
        500 => {
            let text = r.text();
            assert!(
                text.contains("FailedAuthentication"),
                "a refused password is the authentication fault: {text}"
            );
            false
        }
        s => panic!("unexpected status {s}: {}", r.text()),
    }
}

pub(crate) fn hangup(b: &Binary) {
    let pid = b.child.id().to_string();
    let st = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    assert!(st.success());
}

pub(crate) fn reloads(addr: SocketAddr, outcome: &str) -> u64 {
    let m = request(addr, "GET", "/metrics", &[], b"").text();
    let key = format!("wstrust_config_reloads_total{{outcome=\"{outcome}\"}} ");
    m.lines()
        .find_map(|l| l.strip_prefix(&key))
        .unwrap_or_else(|| panic!("no {key} in the metrics"))
        .trim()
        .parse()
        .unwrap()
}

/// Sends SIGHUP and waits until the server counts the reload with `outcome`.
pub(crate) fn reload(b: &Binary, outcome: &str) {
    let before = reloads(b.addr, outcome);
    hangup(b);
    let start = Instant::now();
    while reloads(b.addr, outcome) == before {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no {outcome} reload counted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One HTTP/1.1 request on an open keep-alive connection; the status and the body.
fn on_connection(s: &mut TcpStream, addr: SocketAddr, xml: &str) -> (u16, String) {
    write!(
        s,
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\n\
         SOAPAction: \"{ISSUE}\"\r\nContent-Length: {}\r\n\r\n{xml}",
        xml.len()
    )
    .unwrap();
    read_response(s)
}

fn read_response(s: &mut TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "connection closed");
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[test]
fn users_and_realms_are_administered_in_place_with_comments_kept() {
    let tmp = TempDir::new("admin");
    let dir = tmp.path().join("data");
    datadir::init(&dir, "127.0.0.1:0").unwrap();
    let original = config_text(&dir);
    assert!(original.contains('#'), "the written file has comments");

    // The file's mode is kept (the service reads it through its group).
    use std::os::unix::fs::PermissionsExt as _;
    let cfg = dir.join(datadir::CONFIG_FILE);
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = users(&dir, &["add", "carol"], Some("carol's password\n"));
    assert_eq!(
        std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
        0o640,
        "mode kept"
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added = config_text(&dir);
    assert!(!added.contains("carol's password"), "never the password");
    let carol_hash = added
        .split("name = \"carol\"\npassword_hash = \"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("carol's entry")
        .to_owned();
    assert!(carol_hash.starts_with("$argon2id$"), "{carol_hash}");
    // One block inserted after the other users; everything else (comments too) unchanged.
    let block = format!("\n[[users]]\nname = \"carol\"\npassword_hash = \"{carol_hash}\"\n");
    assert_eq!(
        added.replacen(&block, "", 1),
        original,
        "comments and settings kept byte for byte"
    );
    // The same Argon2 cost as the demo user's (the file refuses mixed costs).
    let cost = |t: &str| t.split('$').nth(3).map(str::to_owned);
    let demo_hash = original
        .lines()
        .find_map(|l| l.strip_prefix("password_hash = \""))
        .unwrap();
    assert_eq!(cost(demo_hash), cost(&carol_hash));

    let list = String::from_utf8_lossy(&users(&dir, &["list"], None).stdout).into_owned();
    assert_eq!(list, "demo\targon2id\tactive\ncarol\targon2id\tactive\n");

    // Refusals leave the file as it was.
    for (args, stdin) in [
        (&["add", "carol"][..], Some("x\n")),
        (&["add", " spaced"][..], Some("x\n")),
        (&["add", "dave"][..], Some("")),
        (&["lock", "nobody"][..], None),
        (&["passwd", "nobody"][..], Some("x\n")),
        (&["remove", "nobody"][..], None),
    ] {
        let out = users(&dir, args, stdin);
        assert!(!out.status.success(), "{args:?} refused");
        assert!(
            !String::from_utf8_lossy(&out.stderr).is_empty(),
            "{args:?} says why"
        );
        assert_eq!(config_text(&dir), added, "{args:?} changed nothing");
    }

    // lock / unlock / passwd / remove.
    assert!(users(&dir, &["lock", "carol"], None).status.success());
    assert!(config_text(&dir).contains("locked = true"));
    let list = String::from_utf8_lossy(&users(&dir, &["list"], None).stdout).into_owned();
    assert!(list.contains("carol\targon2id\tlocked"), "{list}");
    assert!(users(&dir, &["unlock", "carol"], None).status.success());
    assert_eq!(config_text(&dir), added, "unlock undoes lock exactly");
    assert!(users(&dir, &["passwd", "carol"], Some("new one\n"))
        .status
        .success());
    assert_ne!(config_text(&dir), added);
    assert!(users(&dir, &["remove", "carol"], None).status.success());
    assert_eq!(config_text(&dir), original, "remove undoes add exactly");

    // An edit that would not load is refused: a second user with another Argon2 cost
    // written by hand makes the file unloadable; the tool will not save on top of it.
    let mut broken = original.clone();
    broken.push_str(
        "\n[[users]]\nname = \"odd\"\npassword_hash = \"$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n",
    );
    std::fs::write(dir.join(datadir::CONFIG_FILE), &broken).unwrap();
    let out = users(&dir, &["add", "erin"], Some("pw\n"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cost"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(config_text(&dir), broken);
    std::fs::write(dir.join(datadir::CONFIG_FILE), &original).unwrap();

    // realms list / show (loaded as serve loads them).
    let d = dir.to_str().unwrap();
    let list = ok(&["realms", "--data-dir", d, "list"], None);
    assert!(list.contains("demo"), "{list}");
    let name = list.lines().next().unwrap().split('\t').next().unwrap();
    let show = ok(&["realms", "--data-dir", d, "show", name], None);
    assert!(show.contains("applies_to:"), "{show}");
    assert!(show.contains("encryption cert:"), "{show}");
    let out = wstrust(&["realms", "--data-dir", d, "show", "no-such-realm"], None);
    assert!(!out.status.success());
}

#[test]
fn sighup_applies_user_changes_without_dropping_connections() {
    let tmp = TempDir::new("reload");
    let dir = tmp.path().join("data");
    datadir::init(&dir, "127.0.0.1:0").unwrap();
    let (demo_user, demo_password, _) = demo(&dir);
    let cfg = dir.join(datadir::CONFIG_FILE);
    let b = Binary::start(&["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    let addr = b.addr;
    assert!(issues(addr, &demo_user, &demo_password));
    assert!(!issues(addr, "carol", "carol-pw"), "no carol yet");

    // A keep-alive connection from before the reload.
    let mut kept = TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (status, _) = on_connection(
        &mut kept,
        addr,
        &rst_username(&demo_user, &demo_password, datadir::DEMO_APPLIES_TO),
    );
    assert_eq!(status, 200);

    // carol added, demo locked; applied on SIGHUP.
    ok(
        &["users", "--config", cfg.to_str().unwrap(), "add", "carol"],
        Some("carol-pw\n"),
    );
    ok(
        &[
            "users",
            "--config",
            cfg.to_str().unwrap(),
            "lock",
            &demo_user,
        ],
        None,
    );
    // A request whose body is still arriving while the reload happens completes.
    let slow_xml = rst_username("carol", "carol-pw", datadir::DEMO_APPLIES_TO);
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let half = slow_xml.len() / 2;
    write!(
        slow,
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\n\
         SOAPAction: \"{ISSUE}\"\r\nContent-Length: {}\r\n\r\n{}",
        slow_xml.len(),
        &slow_xml[..half]
    )
    .unwrap();
    reload(&b, "applied");
    slow.write_all(&slow_xml.as_bytes()[half..]).unwrap();
    let (status, body) = read_response(&mut slow);
    assert_eq!(status, 200, "the request under way completed: {body}");

    assert!(
        issues(addr, "carol", "carol-pw"),
        "carol, without a restart"
    );
    assert!(!issues(addr, &demo_user, &demo_password), "demo is locked");
    // The connection from before the reload still serves (now with the new users).
    let (status, body) = on_connection(
        &mut kept,
        addr,
        &rst_username("carol", "carol-pw", datadir::DEMO_APPLIES_TO),
    );
    assert_eq!(status, 200, "{body}");

    // A file that does not load: the reload fails, the previous configuration serves on.
    let good = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{good}\n[[users]]\nname = \"broken\"\n")).unwrap();
    reload(&b, "failed");
    assert!(
        issues(addr, "carol", "carol-pw"),
        "still the previous configuration"
    );
    std::fs::write(&cfg, &good).unwrap();
    ok(
        &[
            "users",
            "--config",
            cfg.to_str().unwrap(),
            "passwd",
            "carol",
        ],
        Some("second-pw\n"),
    );
    reload(&b, "applied");
    assert!(
        !issues(addr, "carol", "carol-pw"),
        "the old password is gone"
    );
    assert!(issues(addr, "carol", "second-pw"));
    assert!(reloads(addr, "applied") >= 2);
}
