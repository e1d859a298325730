//! Every Apache WSS4J message in `../shared/fixtures/wss4j` (MANIFEST §9) through our
//! WS-Security layer at the fixed clock its sidecar gives, with exactly the outcome the
//! sidecar states: accepted with the same decrypted octets and derived keys, or refused.

use serde_json::Value;
use wstrust::soap::SoapVersion;
use wstrust::wss::{self, Environment, FixedClock, InboundConfig, Requirements, SecuredMessage};
use wstrust::xml::Document;
use wstrust::xmlsec::base64_decode;

use crate::support::{fixture, fixture_text, shared};
use crate::wss_support::{MemoryReplay, TestKeys};

struct Case {
    name: String,
    version: SoapVersion,
    sidecar: Value,
    xml: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (dir, version) in [("soap11", SoapVersion::V11), ("soap12", SoapVersion::V12)] {
        let mut names: Vec<String> = std::fs::read_dir(shared().join("wss4j").join(dir))
            .unwrap()
            .filter_map(|e| {
                let n = e.ok()?.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".json").map(str::to_owned)
            })
            .collect();
        names.sort();
        for n in names {
            let sidecar: Value =
                serde_json::from_str(&fixture_text(&format!("wss4j/{dir}/{n}.json"))).unwrap();
            out.push(Case {
                name: format!("{dir}/{n}"),
                version,
                xml: fixture(&format!("wss4j/{dir}/{n}.xml")),
                sidecar,
            });
        }
    }
    out
}

fn keys_for(case: &Case) -> TestKeys {
    let mut keys = TestKeys::recorded_pki();
    if let Some(sc) = case.sidecar.get("secure_conversation") {
        if let (Some(id), Some(secret)) = (
            sc.get("sct_identifier").and_then(Value::as_str),
            sc.get("sct_secret_b64").and_then(Value::as_str),
        ) {
            keys.contexts
                .push((id.to_owned(), base64_decode(secret).unwrap()));
        }
    }
    keys
}

fn clock(case: &Case) -> FixedClock {
    let created = case.sidecar["timestamp_created"].as_str().unwrap();
    FixedClock(wss::time::parse(created).unwrap() + 1000)
}

fn run(
    case: &Case,
    cfg: &InboundConfig,
    replay: &MemoryReplay,
) -> Result<SecuredMessage, wss::Error> {
    let keys = keys_for(case);
    let clock = clock(case);
    let env = Environment {
        clock: &clock,
        replay,
        keys: &keys,
    };
    let doc = Document::parse(&case.xml).unwrap();
    wss::process(doc, case.version, cfg, env)
}

fn check_accepted(case: &Case, msg: &SecuredMessage) {
    let s = &case.sidecar;
    let name = &case.name;
    // Signed cases: Body and Timestamp under one signature.
    if s.get("signature").is_some() || case.name.contains("dk-sign") {
        assert!(
            !msg.signatures().is_empty(),
            "{name}: no signature recorded"
        );
        let mut req = Requirements::default();
        req.body_signed = true;
        req.timestamp_signed = true;
        req.check(msg).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Decrypted octets equal WSS4J's.
    if let Some(parts) = s.get("encrypted_parts").and_then(Value::as_array) {
        for p in parts {
            let plain = p["plaintext_utf8"].as_str().unwrap();
            assert!(
                msg.document().source().contains(plain),
                "{name}: decrypted octets differ"
            );
        }
        let env = msg.envelope().unwrap();
        if let Some(body_el) = env.body_element() {
            if parts
                .iter()
                .any(|p| p["type"].as_str().is_some_and(|t| t.ends_with("#Content")))
            {
                assert!(
                    msg.was_encrypted(body_el),
                    "{name}: body not recorded as encrypted"
                );
            }
        }
    }
    // Derived keys equal WSS4J's.
    if let Some(dks) = s
        .get("secure_conversation")
        .and_then(|sc| sc.get("derived_keys"))
        .and_then(Value::as_array)
    {
        for dk in dks {
            let id = dk["dkt_wsu_id"].as_str().unwrap();
            let want = base64_decode(dk["derived_key_b64"].as_str().unwrap()).unwrap();
            let (got, _) = msg
                .symmetric_key(id)
                .unwrap_or_else(|| panic!("{name}: no key {id}"));
            assert_eq!(got.expose(), want.as_slice(), "{name}: derived key {id}");
        }
    }
    // Username tokens carry the password the sidecar gives.
    if let Some(pw) = s["secrets"].get("password").and_then(Value::as_str) {
        let ut = msg.username_token().expect("username token");
        assert_eq!(ut.username, s["secrets"]["username"].as_str().unwrap());
        if ut.digest {
            assert!(ut.digest_matches(pw.as_bytes()), "{name}: digest");
            assert!(
                !ut.digest_matches(b"wrong"),
                "{name}: digest accepts anything"
            );
        } else {
            assert_eq!(ut.password.as_ref().unwrap().expose(), pw.as_bytes());
        }
    }
}

#[test]
fn every_wss4j_message_has_the_sidecar_outcome() {
    let all = cases();
    assert_eq!(all.len(), 56, "expected 28 cases per SOAP version");
    let mut counts = std::collections::BTreeMap::new();
    for case in &all {
        let expected = case.sidecar["expected"].as_str().unwrap();
        *counts.entry(expected.to_owned()).or_insert(0) += 1;
        let cfg = InboundConfig::default();
        let result = run(case, &cfg, &MemoryReplay::default());
        match expected {
            "ACCEPTED" | "ACCEPTED_WEAK" => {
                let msg = result.unwrap_or_else(|e| panic!("{}: {e}", case.name));
                check_accepted(case, &msg);
            }
            "REFUSED" => {
                let e = result
                    .err()
                    .unwrap_or_else(|| panic!("{} accepted", case.name));
                assert!(
                    matches!(
                        e,
                        wss::Error::XmlSec(wstrust::xmlsec::Error::Refused { .. })
                    ),
                    "{}: {e}",
                    case.name
                );
            }
            "REFUSED_BY_DEFAULT" => {
                assert!(result.is_err(), "{} accepted by default", case.name);
                let mut cfg = InboundConfig::default();
                cfg.danger_allow_key_value = true;
                run(case, &cfg, &MemoryReplay::default())
                    .unwrap_or_else(|e| panic!("{} with KeyValue allowed: {e}", case.name));
            }
            other => panic!("{}: unknown expectation {other}", case.name),
        }
    }
    assert_eq!(counts.get("ACCEPTED_WEAK"), Some(&8), "{counts:?}");
}

#[test]
fn weak_cases_are_refused_by_the_modern_suite() {
    for case in cases()
        .iter()
        .filter(|c| c.sidecar["expected"] == "ACCEPTED_WEAK")
    {
        let mut cfg = InboundConfig::default();
        cfg.xmlsec = wstrust::xmlsec::Policy::new(wstrust::xmlsec::Suite::Modern);
        assert!(
            run(case, &cfg, &MemoryReplay::default()).is_err(),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_second_delivery_is_a_replay() {
    for case in cases().iter().filter(|c| {
        c.sidecar["expected"] == "ACCEPTED"
            && (c.name.contains("x509") || c.name.contains("ut-digest") || c.name.contains("sct"))
    }) {
        let replay = MemoryReplay::default();
        run(case, &InboundConfig::default(), &replay).unwrap();
        assert!(
            matches!(
                run(case, &InboundConfig::default(), &replay),
                Err(wss::Error::Replay)
            ),
            "{}",
            case.name
        );
    }
}

#[test]
fn outside_the_timestamp_window_everything_is_refused() {
    for case in cases()
        .iter()
        .filter(|c| c.sidecar["expected"] == "ACCEPTED")
    {
        let keys = keys_for(case);
        let expires =
            wss::time::parse(case.sidecar["timestamp_expires"].as_str().unwrap()).unwrap();
        let late = FixedClock(expires + 301_000);
        let replay = MemoryReplay::default();
        let env = Environment {
            clock: &late,
            replay: &replay,
            keys: &keys,
        };
        let r = wss::process(
            Document::parse(&case.xml).unwrap(),
            case.version,
            &InboundConfig::default(),
            env,
        );
        assert!(
            matches!(r, Err(wss::Error::Timestamp { .. })),
            "{}: {r:?}",
            case.name
        );
    }
}

#[test]
fn modern_suite_refuses_cbc() {
    for case in cases().iter().filter(|c| {
        c.name.ends_with("encrypt-oaep-aes128") || c.name.ends_with("encrypt-oaep-aes256gcm")
    }) {
        let mut cfg = InboundConfig::default();
        cfg.xmlsec = wstrust::xmlsec::Policy::new(wstrust::xmlsec::Suite::Modern);
        let r = run(case, &cfg, &MemoryReplay::default());
        if case.name.ends_with("gcm") {
            r.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        } else {
            assert!(
                r.is_err(),
                "{} accepted CBC under a GCM-only policy",
                case.name
            );
        }
    }
}

#[test]
fn signature_confirmation_echoes_the_request_signature() {
    for dir in ["soap11", "soap12"] {
        let case = cases()
            .into_iter()
            .find(|c| c.name == format!("{dir}/response-signatureconfirmation"))
            .unwrap();
        let msg = run(&case, &InboundConfig::default(), &MemoryReplay::default()).unwrap();
        let request = cases()
            .into_iter()
            .find(|c| c.name == format!("{dir}/x509-bst-rsa-sha256"))
            .unwrap();
        let req = run(
            &request,
            &InboundConfig::default(),
            &MemoryReplay::default(),
        )
        .unwrap();
        assert_eq!(
            msg.signature_confirmations(),
            [req.signatures()[0].value().to_vec()]
        );
    }
}
