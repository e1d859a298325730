//! What the zeep and node-soap tests check after a client ran Issue, Validate, Renew, Cancel
//! and Validate through the operations of our WSDL as served (the client scripts' lifecycle
//! mode): the facts the client printed, the envelopes it recorded under DIR/STEP/, and the
//! service's view of the renewed token.

use std::path::Path;
use std::process::Command;

use crate::interop_support::{fact, hex};
use crate::realclient_support::{
    envelope_ns, record_fixture, record_fixture_after, service_view, Server,
};

const SCT: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";

/// The steps, as the scripts name their recording folders and facts.
pub const STEPS: [&str; 4] = ["validate", "renew", "cancel", "revalidate"];

/// Checks one lifecycle run: `env` is the SOAP envelope namespace of every step, `proof` the
/// kind of proof token the renewal must carry (`binary_secret` or `encrypted_key`), and the
/// recordings are filed as fixtures `PATTERN-STEP` of `client` `version`.
pub fn assert_lifecycle(
    server: &Server,
    facts: &[(String, String)],
    rec: &Path,
    env: &str,
    proof: &str,
    fixture: (&str, &str, &str),
) {
    let id = fact(facts, "sct_identifier");
    for step in STEPS {
        assert_eq!(
            fact(facts, &format!("{step}_outcome")),
            "ok",
            "{step}: {facts:?}"
        );
        assert_eq!(
            envelope_ns(&rec.join(step).join("request.xml")),
            env,
            "{step}"
        );
        assert_eq!(
            envelope_ns(&rec.join(step).join("response.xml")),
            env,
            "{step}"
        );
    }
    assert_eq!(fact(facts, "validate_status"), "valid");
    // Renew: the same context, a new instance and a new key, which the service sees too.
    assert_eq!(fact(facts, "renew_token_type"), SCT);
    assert_eq!(fact(facts, "renew_sct_identifier"), id);
    assert!(
        !fact(facts, "renew_sct_instance").is_empty(),
        "a renewed context has an instance"
    );
    assert_eq!(fact(facts, "renew_proof_key"), proof);
    let (renewed_id, key) = service_view(server, &rec.join("renew").join("response.xml"));
    assert_eq!(renewed_id, id);
    assert_eq!(key.len(), 32, "256-bit key");
    assert_eq!(
        fact(facts, "renew_proof_key_hex"),
        hex(&key),
        "client and service share the renewed key"
    );
    assert_ne!(
        fact(facts, "renew_proof_key_hex"),
        fact(facts, "proof_key_hex"),
        "the renewal changed the key"
    );
    assert_eq!(fact(facts, "cancel_cancelled"), "true");
    assert_eq!(fact(facts, "revalidate_status"), "invalid");
    assert_eq!(
        fact(facts, "revalidate_reason"),
        "urn:wstrust:status:cancelled"
    );
    // Recorded as a chain: the Issue of this run, then each step after the one before it
    // (the replay runs the chain on one store, so Renew and Cancel find their context).
    let (client, version, pattern) = fixture;
    let issue = format!("{pattern}-lifecycle");
    record_fixture(server, client, version, &issue, rec);
    let mut before = format!("{client}-{issue}");
    for step in STEPS {
        let p = format!("{pattern}-{step}");
        record_fixture_after(server, client, version, &p, &rec.join(step), Some(&before));
        before = format!("{client}-{p}");
    }
}

/// Checks a WS-SecureConversation bootstrap without AppliesTo (issue 17) that a client ran
/// with its lifecycle mode: the request named no scope, the context is the STS's own (its
/// `wsx:Audience` is the STS realm), and it validated, renewed, cancelled and then validated
/// invalid.
pub fn assert_sts_bootstrap(facts: &[(String, String)], rec: &Path, case: &str) {
    let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
    assert!(!request.contains("AppliesTo"), "{case}: {request}");
    assert_eq!(fact(facts, "outcome"), "token", "{case}: {facts:?}");
    let response = std::fs::read_to_string(rec.join("response.xml")).unwrap();
    assert!(
        response.contains(&format!(">{}<", wstrust::engine::config::STS_REALM)),
        "{case}: scoped to the STS: {response}"
    );
    let id = fact(facts, "sct_identifier");
    assert_eq!(fact(facts, "validate_status"), "valid", "{case}: {facts:?}");
    assert_eq!(fact(facts, "renew_sct_identifier"), id, "{case}");
    assert_eq!(fact(facts, "cancel_cancelled"), "true", "{case}");
    assert_eq!(fact(facts, "revalidate_status"), "invalid", "{case}");
}

/// The arguments both client scripts take alike: the served WSDL, the port (`Soap11` or
/// `Soap12`), the authentication, the demo realm's AppliesTo, the demo user's password file,
/// the client key and certificate, the STS certificate, and the folder to record envelopes in.
pub fn client_args<'c>(
    cmd: &'c mut Command,
    server: &Server,
    port: &str,
    auth: &str,
    rec: &Path,
) -> &'c mut Command {
    let (_, _, applies_to) = crate::server_support::demo(&server.dir);
    cmd.arg("--wsdl")
        .arg(format!("http://{}/sts?wsdl", server.bin.addr))
        .args(["--port", port, "--auth", auth, "--applies-to"])
        .arg(applies_to)
        .args(["--user", "demo", "--password-file"])
        .arg(server.file("demo-credentials.txt"))
        .arg("--key")
        .arg(server.file("pki/client.key"))
        .arg("--cert")
        .arg(server.file("pki/client.pem"))
        .arg("--sts-cert")
        .arg(server.file("pki/sts.pem"))
        .arg("--record")
        .arg(rec)
}

/// One security context was issued with a `proof` kind of proof token, and the service, reading
/// the recorded response with its own key, sees the identifier and the key the client holds:
/// returns them.
pub fn assert_shared_context(
    server: &Server,
    facts: &[(String, String)],
    rec: &Path,
    proof: &str,
) -> (String, Vec<u8>) {
    assert_eq!(fact(facts, "outcome"), "token");
    assert_eq!(fact(facts, "rstr_count"), "1");
    assert_eq!(fact(facts, "token_type"), SCT);
    assert_eq!(fact(facts, "proof_key"), proof);
    let (id, key) = service_view(server, &rec.join("response.xml"));
    assert_eq!(fact(facts, "sct_identifier"), id);
    assert_eq!(
        fact(facts, "proof_key_hex"),
        hex(&key),
        "client and service share the key"
    );
    (id, key)
}
