//! `wstrust::client::keyx` and `wstrust request --keyx` (issue #8): both MSL schemes over HTTP
//! against the real engine's `handle_keyx_json` behind the scaffolding front's `/keyx` route.
//! The keys the client ends with are the keys the master token carries (opened with the
//! test's token key); refusals carry the stable code.

use std::process::Command;
use std::sync::Arc;

use wstrust::client::keyx::{self, keyx_url, Auth, Scheme};
use wstrust::client::ClientConfig;
use wstrust::crypto::{digest, DigestAlgorithm, SecretBytes};
use wstrust::engine::keyx::KeyxSettings;
use wstrust::engine::Engine;
use wstrust::keyx::dh::DhGroup;
use wstrust::keyx::server::Policy;
use wstrust::keyx::{open_master_token, MasterToken, MasterTokenKeys};
use wstrust::store::MemoryStore;
use wstrust::xmlsec::base64_decode;

use crate::client_front::{engine_config, FrontOptions, StsFront};

const ISSUER: &str = "https://sts.example.com/keyx";

fn token_keys() -> MasterTokenKeys {
    MasterTokenKeys::single(1, SecretBytes::from_slice(&[7u8; 32])).unwrap()
}

fn front(confidential: bool, policy: Option<Policy>) -> StsFront {
    let mut cfg = engine_config();
    cfg.keyx = Some(KeyxSettings::new(
        token_keys(),
        policy.unwrap_or_else(|| Policy::new(ISSUER)),
    ));
    StsFront::start(
        Engine::new(cfg, Arc::new(MemoryStore::new())),
        FrontOptions {
            confidential,
            ..FrontOptions::default()
        },
    )
}

fn cfg() -> ClientConfig {
    let mut c = ClientConfig::default();
    c.retries = 0;
    c
}

fn alice(password: &str) -> Auth {
    Auth::Password {
        username: "alice".into(),
        password: SecretBytes::from_slice(password.as_bytes()),
    }
}

#[test]
fn both_schemes_give_the_keys_the_master_token_holds() {
    let f = front(true, None);
    for scheme in [
        Scheme::AsymmetricWrapped,
        Scheme::Dh(DhGroup::Ffdhe2048),
        Scheme::Dh(DhGroup::X25519),
    ] {
        let (keys, token) = keyx::exchange(&f.url, scheme, &alice("secret"), &cfg()).unwrap();
        let claims = open_master_token(&token, &token_keys()).unwrap();
        assert!(claims.session.same_as(&keys), "{scheme:?}");
        assert_eq!(claims.identity, "alice");
        assert_eq!(claims.issuer, ISSUER);
        // The request went to /keyx (the /sts url was given) as JSON.
        let seen = f.seen();
        let last = seen.last().unwrap();
        assert_eq!(last.status, 200, "{:?}", last.log);
        assert_eq!(last.content_type.as_deref(), Some("application/json"));
    }
    // Two exchanges give different keys.
    let (a, _) =
        keyx::exchange(&f.url, Scheme::AsymmetricWrapped, &alice("secret"), &cfg()).unwrap();
    let (b, _) =
        keyx::exchange(&f.url, Scheme::AsymmetricWrapped, &alice("secret"), &cfg()).unwrap();
    assert!(!a.same_as(&b));
}

#[test]
fn renewal_keeps_or_replaces_the_keys_as_the_window_says() {
    let f = front(true, None);
    let scheme = Scheme::Dh(DhGroup::X25519);
    let (keys, token) = keyx::exchange(&f.url, scheme, &alice("secret"), &cfg()).unwrap();
    let (same, again) = keyx::renew(&f.url, scheme, &token, &keys, None, &cfg()).unwrap();
    assert_eq!(again, token);
    assert!(same.same_as(&keys));

    let mut open_window = Policy::new(ISSUER);
    open_window.renewal_window_secs = 0;
    let f = front(true, Some(open_window));
    let (keys, token) = keyx::exchange(&f.url, scheme, &alice("secret"), &cfg()).unwrap();
    let (new_keys, renewed) = keyx::renew(
        &f.url,
        Scheme::AsymmetricWrapped,
        &token,
        &keys,
        None,
        &cfg(),
    )
    .unwrap();
    let before = open_master_token(&token, &token_keys()).unwrap();
    let after = open_master_token(&renewed, &token_keys()).unwrap();
    assert_eq!(after.serial_number, before.serial_number);
    assert_eq!(after.sequence_number, before.sequence_number + 1);
    assert!(after.session.same_as(&new_keys));
    assert!(!new_keys.same_as(&keys));
    // The old token is now stale.
    let e = keyx::renew(&f.url, scheme, &token, &keys, None, &cfg()).unwrap_err();
    assert_eq!(e.keyx_code(), Some("MASTERTOKEN_SEQUENCE_STALE"), "{e}");
}

#[test]
fn refusals_carry_the_stable_code() {
    let f = front(true, None);
    let e = keyx::exchange(&f.url, Scheme::AsymmetricWrapped, &alice("wrong"), &cfg()).unwrap_err();
    assert_eq!(e.keyx_code(), Some("ENTITYAUTH_FAILED"), "{e}");
    assert!(matches!(
        e,
        wstrust::client::Error::KeyExchange {
            status: Some(401),
            ..
        }
    ));
    assert!(!e.to_string().contains("wrong"));

    // A password over a channel that is not confidential.
    let f = front(false, None);
    let e =
        keyx::exchange(&f.url, Scheme::AsymmetricWrapped, &alice("secret"), &cfg()).unwrap_err();
    assert_eq!(e.keyx_code(), Some("ENTITYAUTH_FAILED"), "{e}");
    assert!(e.to_string().contains("confidential"), "{e}");

    // Key exchange not configured.
    let f = StsFront::start(crate::client_front::engine(), FrontOptions::default());
    let e = keyx::exchange(
        &f.url,
        Scheme::Dh(DhGroup::X25519),
        &alice("secret"),
        &cfg(),
    )
    .unwrap_err();
    assert_eq!(e.keyx_code(), Some("KEYX_DISABLED"), "{e}");
}

#[test]
fn keyx_url_points_at_the_route() {
    assert_eq!(
        keyx_url("http://127.0.0.1:8080/sts").unwrap(),
        "http://127.0.0.1:8080/keyx"
    );
    assert_eq!(
        keyx_url("https://h.example/app/keyx").unwrap(),
        "https://h.example/app/keyx"
    );
    assert!(keyx_url("not a url").is_err());
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn request_keyx_end_to_end() {
    let f = front(true, None);
    let dir = std::env::temp_dir().join(format!("wstrust-cli-keyx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pw = dir.join("pw.txt");
    std::fs::write(&pw, "username=alice\npassword=secret\n").unwrap();
    let run = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .args(["request", "--url", &f.url, "--password-file"])
            .arg(&pw)
            .args(["--retries", "0"])
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Printed: the master token JSON and the keys' fingerprints.
    let (code, out, err) = run(&["--keyx", "dh", "--dh-group", "x25519"]);
    assert_eq!(code, 0, "{out}{err}");
    let mut lines = out.lines();
    let v: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let token = MasterToken {
        token_data: base64_decode(v["tokendata"].as_str().unwrap()).unwrap(),
        signature: base64_decode(v["signature"].as_str().unwrap()).unwrap(),
    };
    let claims = open_master_token(&token, &token_keys()).unwrap();
    let fp = |k: &SecretBytes| hex(&digest(DigestAlgorithm::Sha256, k.expose()));
    assert!(
        out.contains(&format!(
            "encryption key: 128 bits, SHA-256 {}",
            fp(&claims.session.encryption)
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "hmac key: 256 bits, SHA-256 {}",
            fp(&claims.session.hmac)
        )),
        "{out}"
    );
    assert!(!out.contains(&hex(claims.session.hmac.expose())));

    // Written: the token and the keys themselves.
    let t = dir.join("mt.json");
    let k = dir.join("keys.txt");
    let (code, out, err) = run(&[
        "--keyx",
        "asymmetric",
        "--out-token",
        t.to_str().unwrap(),
        "--out-key",
        k.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&t).unwrap()).unwrap();
    let token = MasterToken {
        token_data: base64_decode(v["tokendata"].as_str().unwrap()).unwrap(),
        signature: base64_decode(v["signature"].as_str().unwrap()).unwrap(),
    };
    let claims = open_master_token(&token, &token_keys()).unwrap();
    let keys = std::fs::read_to_string(&k).unwrap();
    assert_eq!(
        keys,
        format!(
            "encryption={}\nhmac={}\n",
            hex(claims.session.encryption.expose()),
            hex(claims.session.hmac.expose())
        )
    );

    // A wrong password: exit 1 with the code.
    std::fs::write(&pw, "username=alice\npassword=nope\n").unwrap();
    let (code, _, err) = run(&["--keyx", "asymmetric"]);
    assert_eq!(code, 1);
    assert!(err.contains("ENTITYAUTH_FAILED"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
