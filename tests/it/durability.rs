//! Crash durability of the built `wstrust serve` (issue 20, item 6): the process is killed
//! with SIGKILL while client threads send requests, restarted on the same store, and nothing
//! it acknowledged is lost — replay records, cancellations, lockout counters — on the redb
//! file (the default) and on a real `redis-server`.
//!
//! What counts as acknowledged: a request whose answer (a token, a cancel response, the
//! wrong-password fault) reached the client before the kill. Requests in flight at the kill
//! may or may not have been recorded; the test does not look at them.
//!
//! What the stores promise: `store::redb` commits every write with `Durability::Immediate`
//! (an fsync before the write returns, shared by a batch under group commit) and the engine
//! answers only after its store writes returned, so an answer on the wire implies the record
//! is on disk. `store::redis` writes every record with a command that returns once Redis
//! holds it; here the STS process is killed, not Redis (Redis' own persistence against its
//! own crash is Redis' `appendonly`/`save` configuration, not ours).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wstrust::client::{Credentials, IssueRequest, IssuedToken, StsClient};
use wstrust::crypto::SecretBytes;

use crate::server_lockout::{append_config, issue_from, FAMILIAR, SPRAYER, TRAVELLER};
use crate::server_support::{
    client_config, demo, fault_of, get, post_soap11, rst_username, TempDir, ISSUE_SCT,
};
use crate::store_redis::{redis, serve, use_redis};

/// Lockout after three wrong passwords from unfamiliar sources.
const LOCKOUT: &str = "\n[lockout]\nthreshold = 3\nfamiliar_threshold = 50\nwindow_secs = 900\n";

fn client(dir: &Path, addr: SocketAddr) -> StsClient {
    StsClient::new(&format!("http://{addr}/sts"), client_config(dir)).unwrap()
}

fn issue(dir: &Path, addr: SocketAddr) -> Result<IssuedToken, wstrust::client::Error> {
    let (user, password, applies_to) = demo(dir);
    client(dir, addr).issue(&IssueRequest::new(
        applies_to,
        Credentials::UsernamePassword {
            username: user,
            password: SecretBytes::from_slice(password.as_bytes()),
            digest: false,
        },
    ))
}

/// What the clients were told before the kill.
#[derive(Default)]
struct Acknowledged {
    /// Issue requests answered with a token.
    issued: Vec<String>,
    /// Tokens whose Cancel was answered.
    cancelled: Vec<IssuedToken>,
    /// Wrong-password faults answered to the sprayer (their bodies).
    wrong: Vec<Vec<u8>>,
}

/// Runs a server on `dir`'s configuration, loads it from six threads (four issuing, one
/// issuing and cancelling, one spraying wrong passwords from another address), kills it with
/// SIGKILL once enough was acknowledged, restarts it and checks that nothing acknowledged
/// was lost.
fn kill9_under_load_loses_nothing(dir: &Path) {
    let (user, password, applies_to) = demo(dir);
    let server = serve(dir);
    let addr = server.addr;
    // From the user's usual address (127.0.0.1: `FAMILIAR`): a token kept as a control and
    // the address made familiar before any spray.
    let control = issue(dir, addr).unwrap();

    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let dir_buf = dir.to_path_buf();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (acked, stop) = (Arc::clone(&acked), Arc::clone(&stop));
        let (user, password, applies_to) = (user.clone(), password.clone(), applies_to.clone());
        workers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let rst = rst_username(&user, &password, &applies_to);
                let Ok(r) = std::panic::catch_unwind(|| post_soap11(addr, "/sts", ISSUE_SCT, &rst))
                else {
                    break; // the server died mid-request
                };
                if r.status == 200 {
                    acked.lock().unwrap().issued.push(rst);
                }
            }
        }));
    }
    {
        let (acked, stop, dir) = (Arc::clone(&acked), Arc::clone(&stop), dir_buf);
        workers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok(t) = issue(&dir, addr) else { break };
                if client(&dir, addr).cancel(&t).is_err() {
                    break;
                }
                acked.lock().unwrap().cancelled.push(t);
            }
        }));
    }
    {
        let (acked, stop) = (Arc::clone(&acked), Arc::clone(&stop));
        let (user, applies_to) = (user.clone(), applies_to.clone());
        workers.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let guess = format!("guess-{i}");
                let Ok(r) = std::panic::catch_unwind(|| {
                    issue_from(SPRAYER, addr, &user, &guess, &applies_to)
                }) else {
                    break;
                };
                if r.status == 500 {
                    acked.lock().unwrap().wrong.push(r.body);
                }
                std::thread::sleep(Duration::from_millis(30));
            }
        }));
    }
    // Kill while the load runs, once each kind of record was acknowledged a few times.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        {
            let a = acked.lock().unwrap();
            if a.issued.len() >= 12 && a.cancelled.len() >= 3 && a.wrong.len() >= 3 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the load made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    server.kill9();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        let _ = w.join();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    eprintln!(
        "durability: acknowledged before the kill: {} issues, {} cancellations, {} wrong passwords",
        acked.issued.len(),
        acked.cancelled.len(),
        acked.wrong.len()
    );

    let restarted = serve(dir);
    let addr = restarted.addr;
    // No replay record lost: every acknowledged message is a replay now.
    for rst in &acked.issued {
        let r = post_soap11(addr, "/sts", ISSUE_SCT, rst);
        assert_eq!(
            fault_of(&r),
            "FailedAuthentication",
            "an acknowledged message was accepted again after kill -9"
        );
    }
    let m = get(addr, "/metrics").text();
    assert!(
        m.contains(&format!(
            "wstrust_replay_refusals_total {}\n",
            acked.issued.len()
        )),
        "every refusal was for replay: {m}"
    );
    // No cancellation lost: Validate says invalid (or refuses the cancelled context).
    for t in &acked.cancelled {
        match client(dir, addr).validate(t) {
            Ok(status) => assert!(!status.valid, "a cancellation was lost: {status:?}"),
            Err(e) => assert!(e.to_string().contains("FailedAuthentication"), "{e}"),
        }
    }
    // The control token, never cancelled, is still valid: the contexts survived too, and
    // "invalid" above is not what every token gets after a restart.
    assert!(client(dir, addr).validate(&control).unwrap().valid);
    // No lockout counter lost: the right password from an unfamiliar address gets the
    // wrong-password fault, byte for byte ...
    let r = issue_from(TRAVELLER, addr, &user, &password, &applies_to);
    assert_eq!(
        r.body,
        acked.wrong[0],
        "the user is no longer locked out after kill -9: {}",
        r.text()
    );
    // ... while the familiar address (also a stored record) still gets in, and so do fresh
    // messages.
    let r = issue_from(FAMILIAR, addr, &user, &password, &applies_to);
    assert_eq!(r.status, 200, "{}", r.text());
}

fn redb_dir(tmp: &TempDir) -> PathBuf {
    let dir = tmp.path().join("data");
    wstrust::config::datadir::init(&dir, "127.0.0.1:0").unwrap();
    append_config(&dir, LOCKOUT);
    dir
}

#[test]
fn kill_9_under_load_loses_no_replay_record_cancellation_or_lockout_on_redb() {
    let tmp = TempDir::new("durable-redb");
    let dir = redb_dir(&tmp);
    kill9_under_load_loses_nothing(&dir);
}

#[test]
fn kill_9_under_load_loses_no_replay_record_cancellation_or_lockout_on_redis() {
    let Some(redis) = redis() else { return };
    let tmp = TempDir::new("durable-redis");
    let dir = redb_dir(&tmp);
    use_redis(&dir, redis.1, "durable");
    kill9_under_load_loses_nothing(&dir);
    // The records were in Redis, not in a file of the data directory.
    assert!(!dir.join("store.redb").exists());
}
