//! The Java peer of `scripts/bench` (benches/java/WssBench.java: Apache WSS4J 1.6 + Santuario
//! from Debian) compiled and run for one second per mode, so the figures the bench reports
//! come from a harness that really verified and really signed: `verify` must count iterations
//! on the recorded zeep requests and must exit non-zero on a tampered one or with the wrong
//! certificate; `sign-encrypt` must count replies (it checks its first reply with WSS4J) and
//! must refuse a template with no place for the proof token.
//!
//! With `CI=true` the JDK and the jars are required (scripts/test installs them); elsewhere the
//! tests skip with a printed reason when they are missing.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::interop_support::{compile_java, pki, repo, scratch};
use crate::support::shared;

const SHA256_REQUEST: &str = "clients/requests/zeep-soap11-x509-sha256-issue-entropy.xml";
const SHA1_REQUEST: &str = "clients/requests/zeep-soap11-x509-binary-issue-bearer.xml";

/// The harness compiled once per test run: its `java` classpath, or `None` (after the skip
/// notice) when the JDK or the Debian jars are missing.
fn harness() -> Option<String> {
    static CP: OnceLock<Option<String>> = OnceLock::new();
    CP.get_or_init(|| {
        compile_java(
            "the Java bench peer (JDK, libwss4j-java)",
            "benches/java/WssBench.java",
            "wss-bench",
        )
    })
    .clone()
}

fn bench(cp: &str, args: &[&Path]) -> Output {
    Command::new("java")
        .arg("-cp")
        .arg(cp)
        .arg("WssBench")
        .args(args)
        .output()
        .expect("java runs")
}

/// The one JSON line of a run that must have succeeded, checked for the keys the report reads.
fn counted(out: &Output, mode: &str) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "WssBench {mode} failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().expect("a JSON line");
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(v["mode"], mode, "{line}");
    assert!(v["iterations"].as_u64().unwrap() > 0, "{line}");
    assert!(v["ops_per_sec"].as_f64().unwrap() > 0.0, "{line}");
    assert!(v["warmup_iterations"].as_u64().unwrap() > 0, "{line}");
    assert!(v["seconds"].as_f64().unwrap() >= 1.0, "{line}");
    assert_ne!(v["wss4j"], "?", "{line}");
    v
}

fn refused(out: &Output, why: &str) {
    assert!(
        !out.status.success(),
        "WssBench accepted {why}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FAILED"),
        "{why}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const ONE: &str = "1";

#[test]
fn verify_counts_verified_iterations_on_the_recorded_requests() {
    let Some(cp) = harness() else { return };
    for rel in [SHA256_REQUEST, SHA1_REQUEST] {
        let req = shared().join(rel);
        let out = bench(
            &cp,
            &[
                Path::new("verify"),
                &req,
                &pki().join("client.pem"),
                Path::new(ONE),
            ],
        );
        counted(&out, "verify");
    }
}

#[test]
fn verify_refuses_a_tampered_request_and_the_wrong_certificate() {
    let Some(cp) = harness() else { return };
    let bytes = std::fs::read_to_string(shared().join(SHA256_REQUEST)).unwrap();
    // One character of the signed Body changed: the RequestType's .../Issue.
    let body = bytes.find(":Body").expect("a Body");
    let at = body
        + bytes[body..]
            .find("/Issue<")
            .expect("the RequestType in the Body");
    let tampered = format!("{}/Issuf{}", &bytes[..at], &bytes[at + "/Issue".len()..]);
    assert_ne!(tampered, bytes);
    let dir = scratch("bench-java-tampered");
    let path = dir.join("tampered.xml");
    std::fs::write(&path, tampered).unwrap();
    let out = bench(
        &cp,
        &[
            Path::new("verify"),
            &path,
            &pki().join("client.pem"),
            Path::new(ONE),
        ],
    );
    refused(&out, "a request whose Body was changed after signing");

    // Given a certificate that is not the signer's (sts.pem for the client's signature).
    let req = shared().join(SHA256_REQUEST);
    let out = bench(
        &cp,
        &[
            Path::new("verify"),
            &req,
            &pki().join("sts.pem"),
            Path::new(ONE),
        ],
    );
    refused(
        &out,
        "the client's signature checked against the STS certificate",
    );
}

#[test]
fn sign_encrypt_counts_checked_replies() {
    let Some(cp) = harness() else { return };
    let template = repo().join("benches/java/rstr-template.xml");
    let p = pki();
    let args = [
        Path::new("sign-encrypt"),
        &template,
        &p.join("sts.pem"),
        &p.join("sts.key"),
        &p.join("client.pem"),
        Path::new(ONE),
    ];
    counted(&bench(&cp, &args), "sign-encrypt");

    // No RequestedProofToken to put the EncryptedKey in: refused, not counted.
    let text = std::fs::read_to_string(&template).unwrap();
    assert!(text.contains("<wst:RequestedProofToken/>"));
    let dir = scratch("bench-java-template");
    let broken = dir.join("no-proof.xml");
    std::fs::write(&broken, text.replace("<wst:RequestedProofToken/>", "")).unwrap();
    let mut args = args;
    args[1] = &broken;
    refused(
        &bench(&cp, &args),
        "a template without a RequestedProofToken",
    );
}
