//! Liveness and readiness (issue 19 item 3): `/livez` (and the older `/healthz`) answer while
//! the process serves; `/readyz` answers 200 only when the signing certificate is inside its
//! validity, the token store answers and the server is not draining, else 503 with a JSON
//! report naming the failed check.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wstrust::store::{MemoryStore, Space, StoreError, TokenStore};

use crate::engine_support::{realm, Sts, NOW};
use crate::server_support::{data_dir, get, load, Binary};

/// A store whose every operation fails, as an unreachable one does.
struct Down;

fn down<T>() -> Result<T, StoreError> {
    Err(StoreError("connection refused".into()))
}

impl TokenStore for Down {
    fn insert_if_absent(&self, _: Space, _: &[u8], _: &[u8], _: i64) -> Result<bool, StoreError> {
        down()
    }
    fn get(&self, _: Space, _: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        down()
    }
    fn put(&self, _: Space, _: &[u8], _: &[u8], _: i64) -> Result<(), StoreError> {
        down()
    }
    fn remove(&self, _: Space, _: &[u8]) -> Result<(), StoreError> {
        down()
    }
    fn advance(&self, _: Space, _: &[u8], _: u64, _: i64) -> Result<bool, StoreError> {
        down()
    }
    fn increment(&self, _: Space, _: &[u8], _: i64) -> Result<u64, StoreError> {
        down()
    }
}

fn sts_over(store: Arc<dyn TokenStore>) -> Sts {
    crate::engine_support::sts_on(vec![realm(false)], store)
}

fn check<'a>(
    r: &'a wstrust::engine::readiness::Readiness,
    name: &str,
) -> &'a wstrust::engine::readiness::Check {
    r.checks.iter().find(|c| c.name == name).expect(name)
}

#[test]
fn the_engine_is_ready_inside_its_signing_certificate_with_a_store_that_answers() {
    let sts = sts_over(Arc::new(MemoryStore::new()));
    let r = sts.engine.readiness(NOW);
    assert!(r.ready(), "{r:?}");
    let cert = &sts.engine.config().signing_cert;
    let r = sts.engine.readiness((cert.not_after() + 1) * 1000);
    assert!(!r.ready());
    assert!(!check(&r, "signing_key").ok);
    assert!(
        check(&r, "signing_key").detail.starts_with("expired at "),
        "{r:?}"
    );
    assert!(check(&r, "store").ok);
    assert!(!sts.engine.readiness((cert.not_before() - 1) * 1000).ready());

    let r = sts_over(Arc::new(Down)).engine.readiness(NOW);
    assert!(!r.ready());
    assert!(check(&r, "signing_key").ok);
    assert!(!check(&r, "store").ok);
    assert_eq!(
        check(&r, "store").detail,
        "unreachable",
        "no store text leaks"
    );
}

#[test]
fn livez_and_readyz_over_http() {
    let dir = data_dir("readyz");
    let server = crate::server_support::start(load(dir.path()));
    for path in ["/livez", "/healthz"] {
        let r = get(server.addr(), path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.text(), "ok\n");
    }
    let r = get(server.addr(), "/readyz");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_str(&r.text()).unwrap();
    assert_eq!(v["ready"], true);
    assert_eq!(v["checks"]["store"]["ok"], true);
    assert_eq!(v["checks"]["signing_key"]["ok"], true);
    assert_eq!(v["checks"]["draining"]["ok"], true);
}

#[test]
fn readyz_turns_503_when_redis_goes_away() {
    let Some(redis) = crate::store_redis::redis() else {
        return;
    };
    let dir = data_dir("readyz-redis");
    let mut l = load(dir.path());
    l.store = wstrust::config::StoreSetting::Redis {
        url: format!("redis://127.0.0.1:{}/", redis.1),
        namespace: "readyz".into(),
    };
    let server = crate::server_support::start(l);
    assert_eq!(get(server.addr(), "/readyz").status, 200);
    drop(redis);
    let deadline = Instant::now() + Duration::from_secs(20);
    let r = loop {
        let r = get(server.addr(), "/readyz");
        if r.status != 200 || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(r.status, 503, "{}", r.text());
    let v: serde_json::Value = serde_json::from_str(&r.text()).unwrap();
    assert_eq!(v["ready"], false);
    assert_eq!(v["checks"]["store"]["detail"], "unreachable");
    assert_eq!(
        get(server.addr(), "/livez").status,
        200,
        "alive all the same"
    );
}

#[test]
fn readyz_answers_503_while_draining_and_the_server_still_serves() {
    let dir = data_dir("readyz-drain");
    let cfg = dir.path().join(wstrust::config::datadir::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("drain_secs = 0", "drain_secs = 6")).unwrap();
    let bin = Binary::start(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(get(bin.addr, "/readyz").status, 200);
    let pid = bin.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(2);
    let r = loop {
        let r = get(bin.addr, "/readyz");
        if r.status != 200 || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(r.status, 503, "{}", r.text());
    let v: serde_json::Value = serde_json::from_str(&r.text()).unwrap();
    assert_eq!(v["checks"]["draining"]["detail"], "shutting down");
    assert_eq!(v["checks"]["store"]["ok"], true);
    // Still serving while draining: the WSDL and liveness answer.
    assert_eq!(get(bin.addr, "/sts?wsdl").status, 200);
    assert_eq!(get(bin.addr, "/livez").status, 200);
    let mut bin = bin;
    let started = Instant::now();
    let status = bin.child.wait().unwrap();
    assert!(
        status.success(),
        "exits cleanly after the drain time: {status}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}
