//! Two STS processes sharing one real `redis-server` and one token-keys file: a message one
//! node accepted is a replay on the other, and a token either node issued authenticates on
//! both. A third node with its own keys does not accept them. A token cancelled on one node
//! is refused on the other.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::server_support::{
    demo, fault_of, get, post_soap11, rst_signed_by_context, rst_username, token_of, Binary,
    TempDir, ISSUE_SCT,
};
use crate::support::require_tool;
use wstrust::client::{Credentials, IssueRequest, StsClient};
use wstrust::crypto::SecretBytes;

/// A real `redis-server` on a free loopback port, stopped on drop.
pub(crate) struct Redis(Child, pub(crate) u16);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a `redis-server` (`None` outside CI when it is not installed).
pub(crate) fn redis() -> Option<Redis> {
    if !require_tool("redis-server") {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let r = Redis(child, port);
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(r);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("redis-server did not start on port {port}");
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

pub(crate) fn use_redis(dir: &Path, port: u16, namespace: &str) {
    let cfg = dir.join("wstrust.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = text
        .replace(
            "url = \"redb\"",
            &format!("url = \"redis://127.0.0.1:{port}/\""),
        )
        .replace(
            "namespace = \"wstrust\"",
            &format!("namespace = \"{namespace}\""),
        );
    std::fs::write(&cfg, text).unwrap();
}

pub(crate) fn serve(dir: &Path) -> Binary {
    let cfg = dir.join("wstrust.toml");
    Binary::start(&["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"])
}

#[test]
fn two_nodes_share_replay_memory_and_tokens() {
    let Some(redis) = redis() else { return };
    let tmp = TempDir::new("redis");
    let (a_dir, b_dir, c_dir) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    wstrust::config::datadir::init(&a_dir, "127.0.0.1:0").unwrap();
    copy_dir(&a_dir, &b_dir);
    use_redis(&a_dir, redis.1, "sts1");
    use_redis(&b_dir, redis.1, "sts1");
    // A separate deployment: its own keys and namespace on the same Redis.
    wstrust::config::datadir::init(&c_dir, "127.0.0.1:0").unwrap();
    use_redis(&c_dir, redis.1, "sts2");
    let (a, b, c) = (serve(&a_dir), serve(&b_dir), serve(&c_dir));
    let (user, password, applies_to) = demo(&a_dir);

    // Accepted by one node, a replay on the other (both ways).
    let m1 = rst_username(&user, &password, &applies_to);
    let r = post_soap11(a.addr, "/sts", ISSUE_SCT, &m1);
    assert_eq!(r.status, 200, "{}", r.text());
    let (id_a, key_a) = token_of(&r);
    assert_eq!(
        fault_of(&post_soap11(b.addr, "/sts", ISSUE_SCT, &m1)),
        "FailedAuthentication"
    );
    let m2 = rst_username(&user, &password, &applies_to);
    let r = post_soap11(b.addr, "/sts", ISSUE_SCT, &m2);
    assert_eq!(r.status, 200, "{}", r.text());
    let (id_b, key_b) = token_of(&r);
    assert_eq!(
        fault_of(&post_soap11(a.addr, "/sts", ISSUE_SCT, &m2)),
        "FailedAuthentication"
    );
    assert!(get(b.addr, "/metrics")
        .text()
        .contains("wstrust_replay_refusals_total 1\n"));

    // Tokens issued by either node authenticate on both.
    for (id, key) in [(&id_a, &key_a), (&id_b, &key_b)] {
        for node in [&a, &b] {
            let r = post_soap11(
                node.addr,
                "/sts",
                ISSUE_SCT,
                &rst_signed_by_context(id, key, &applies_to),
            );
            assert_eq!(r.status, 200, "{}", r.text());
        }
    }
    // Another deployment's node has other keys: the token does not open there.
    let r = post_soap11(
        c.addr,
        "/sts",
        ISSUE_SCT,
        &rst_signed_by_context(&id_a, &key_a, &applies_to),
    );
    assert_eq!(fault_of(&r), "FailedAuthentication");
    // It serves its own users from its own namespace.
    let (cu, cp, ca) = demo(&c_dir);
    let r = post_soap11(c.addr, "/sts", ISSUE_SCT, &rst_username(&cu, &cp, &ca));
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Issue #6: a token cancelled on node A is refused on node B (the cancellation lives in the
/// shared Redis store, not in A's memory).
#[test]
fn a_token_cancelled_on_one_node_is_refused_on_the_other() {
    let Some(redis) = redis() else { return };
    let tmp = TempDir::new("redis-cancel");
    let (a_dir, b_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    wstrust::config::datadir::init(&a_dir, "127.0.0.1:0").unwrap();
    copy_dir(&a_dir, &b_dir);
    use_redis(&a_dir, redis.1, "cancel");
    use_redis(&b_dir, redis.1, "cancel");
    let (a, b) = (serve(&a_dir), serve(&b_dir));
    let (user, password, applies_to) = demo(&a_dir);
    let client = |node: &Binary| {
        StsClient::new(
            &format!("http://{}/sts", node.addr),
            crate::server_support::client_config(&a_dir),
        )
        .unwrap()
    };
    let (on_a, on_b) = (client(&a), client(&b));

    let token = on_a
        .issue(&IssueRequest::new(
            applies_to.clone(),
            Credentials::UsernamePassword {
                username: user,
                password: SecretBytes::from_slice(password.as_bytes()),
                digest: false,
            },
        ))
        .unwrap();
    let id = token.identifier.clone().expect("an SCT identifier");
    let key = token
        .proof_key
        .as_ref()
        .expect("a proof key")
        .expose()
        .to_vec();
    // Before the cancellation both nodes accept it.
    assert!(on_b.validate(&token).unwrap().valid);
    let r = post_soap11(
        b.addr,
        "/sts",
        ISSUE_SCT,
        &rst_signed_by_context(&id, &key, &applies_to),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // Cancelled on A (signed with the proof key) ...
    on_a.cancel(&token).unwrap();

    // ... B refuses it: Validate says invalid (or faults), and it no longer authenticates.
    match on_b.validate(&token) {
        Ok(status) => assert!(!status.valid, "still valid on B: {status:?}"),
        Err(e) => assert!(e.to_string().contains("FailedAuthentication"), "{e}"),
    }
    let r = post_soap11(
        b.addr,
        "/sts",
        ISSUE_SCT,
        &rst_signed_by_context(&id, &key, &applies_to),
    );
    assert_eq!(fault_of(&r), "FailedAuthentication", "{}", r.text());
    // A too, of course; and a second cancel is refused.
    let r = post_soap11(
        a.addr,
        "/sts",
        ISSUE_SCT,
        &rst_signed_by_context(&id, &key, &applies_to),
    );
    assert_eq!(fault_of(&r), "FailedAuthentication", "{}", r.text());
    assert!(on_b.cancel(&token).is_err());
}
