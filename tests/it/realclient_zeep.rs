//! zeep 4.3 (the Python SOAP client), installed into `.venv-clients`, against `wstrust serve`
//! on a zero-config data directory (tests/interop/clients/zeep_client.py drives it).
//!
//! zeep loads our WSDL as served (`GET /sts?wsdl`), binds each of its two ports (SOAP 1.1
//! and 1.2) and calls Issue:
//! - with `zeep.wsse.username.UsernameToken` (PasswordText) plus the wsu:Timestamp zeep
//!   documents (`timestamp_token=`): an RSTRC with an SCT, whose proof key (a BinarySecret
//!   on this confidential loopback channel) is the key the service decrypts from the SCT,
//!   and that key then signs a follow-up request the STS accepts;
//! - with zeep's bare UsernameToken (no Timestamp): our STS requires a Timestamp, and zeep
//!   raises `zeep.exceptions.Fault` with wst:FailedAuthentication;
//! - with `use_digest=True` for a user configured with `digest_password_file`: an SCT, as
//!   with the text password;
//! - with `use_digest=True` for the zero-config user, who has an Argon2 hash: PasswordDigest
//!   cannot be checked against a hash; zeep raises `zeep.exceptions.Fault`, wst:FailedAuthentication (SOAP
//!   1.1 faultcode; SOAP 1.2 env:Sender with the wst subcode);
//! - with `zeep.wsse.signature.BinarySignature` (DIR/pki/client.key/.pem, signing Body and
//!   Timestamp): an SCT whose proof key comes encrypted for the client certificate (zeep
//!   has no XML Encryption; python-xmlsec, its signing dependency, decrypts it), equal to the
//!   service's key; zeep verifies our response signature with DIR/pki/sts.pem through its
//!   own `verify_envelope` (zeep's BinarySignature.verify would use the client's own
//!   certificate, so the script overrides `verify` to pass the STS certificate).
//!
//! Then, with `--lifecycle`, for each binding and each way that yields a token (PasswordText
//! UsernameToken, BinarySignature), zeep goes on through the WSDL's other operations,
//! authenticated the same way: Validate (status valid), Renew (the same identifier, a new
//! instance, and a new key, as a BinarySecret or encrypted for the client certificate, that
//! equals the key the service decrypts from the renewed SCT), Cancel
//! (RequestedTokenCancelled) and Validate again (invalid, reason cancelled). zeep's wsse
//! signs only with RSA key pairs, so it cannot sign with the SCT's symmetric proof key; the
//! STS accepts it as the context's owner (the principal the context was issued to, see
//! `wstrust::engine` owner authentication, realm option `owner_renewal`). The RSTs carry the
//! SCT zeep received, as an lxml element in the RenewTarget / CancelTarget / ValidateTarget.
//! Where the realm sets `owner_renewal = false` (wstrust.toml), zeep's Renew raises
//! `zeep.exceptions.Fault` with wst:FailedAuthentication.
//! The follow-up request after Issue is made by our own test client with the key zeep
//! obtained (in a separate zeep run, as the lifecycle run cancels its context).

use std::process::Command;

use crate::interop_support::fact;
use crate::realclient_lifecycle::{assert_lifecycle, assert_shared_context, client_args};
use crate::realclient_support::{
    clients_dir, digest_demo_user, envelope_ns, get, python_clients, record_fixture, run_client,
    Server,
};
use crate::server_support::{post_soap11, rst_signed_by_context, ISSUE_SCT};

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

fn zeep(
    server: &Server,
    port: &str,
    auth: &str,
    extra: &[&str],
) -> (Vec<(String, String)>, std::path::PathBuf) {
    let py = python_clients().expect("checked by the caller");
    let rec = server.record_dir(&format!("zeep-{port}-{auth}-{}", extra.len()));
    let mut cmd = Command::new(py);
    cmd.arg(clients_dir().join("zeep_client.py"));
    let facts = run_client(client_args(&mut cmd, server, port, auth, &rec).args(extra));
    (facts, rec)
}

/// An SCT was issued, the service sees the key the client holds, and the key works.
fn assert_token(server: &Server, facts: &[(String, String)], rec: &std::path::Path, proof: &str) {
    let (id, key) = assert_shared_context(server, facts, rec, proof);
    assert_eq!(key.len(), 32, "256-bit key");
    let (_, _, applies_to) = crate::server_support::demo(&server.dir);
    let follow = post_soap11(
        server.bin.addr,
        "/sts",
        ISSUE_SCT,
        &rst_signed_by_context(&id, &key, &applies_to),
    );
    assert_eq!(
        follow.status,
        200,
        "the key zeep got signs a follow-up: {}",
        follow.text()
    );
}

#[test]
fn zeep_username_token_on_both_bindings() {
    if python_clients().is_none() {
        return;
    }
    let server = Server::start("zeep-ut", |c| c);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        let (facts, rec) = zeep(&server, port, "text", &[]);
        assert_eq!(fact(&facts, "zeep_version"), "4.3.3");
        assert_eq!(
            fact(&facts, "endpoint"),
            format!("http://{}/sts", server.bin.addr),
            "the served WSDL names the real address"
        );
        assert_eq!(envelope_ns(&rec.join("request.xml")), env);
        assert_eq!(envelope_ns(&rec.join("response.xml")), env);
        assert!(get(&facts, "response_signature").is_none());
        assert_token(&server, &facts, &rec, "binary_secret");
        record_fixture(
            &server,
            "zeep",
            "4.3.3",
            &format!("{port}-username-text"),
            &rec,
        );

        let (facts, rec) = zeep(&server, port, "text", &["--lifecycle"]);
        assert_eq!(fact(&facts, "proof_key"), "binary_secret");
        let pattern = format!("{port}-username-text");
        assert_lifecycle(
            &server,
            &facts,
            &rec,
            env,
            "binary_secret",
            ("zeep", "4.3.3", &pattern),
        );
    }
}

#[test]
fn zeep_password_digest_for_a_user_configured_for_it() {
    if python_clients().is_none() {
        return;
    }
    // The demo user with `digest_password_file` instead of an Argon2 hash.
    let server = Server::start_in("zeep-digest", digest_demo_user);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        let (facts, rec) = zeep(&server, port, "digest", &[]);
        let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
        assert!(request.contains("#PasswordDigest"), "{request}");
        assert!(request.contains("Nonce") && request.contains("Created"));
        assert_eq!(envelope_ns(&rec.join("response.xml")), env);
        assert_token(&server, &facts, &rec, "binary_secret");
        record_fixture(
            &server,
            "zeep",
            "4.3.3",
            &format!("{port}-username-digest-user"),
            &rec,
        );
    }
}

#[test]
fn zeep_refusals_are_soap_faults_zeep_raises() {
    if python_clients().is_none() {
        return;
    }
    let server = Server::start("zeep-fault", |c| c);
    for port in ["Soap11", "Soap12"] {
        for (auth, extra) in [("digest", &[][..]), ("text", &["--no-timestamp"][..])] {
            let (facts, rec) = zeep(&server, port, auth, extra);
            assert_eq!(fact(&facts, "outcome"), "fault", "{port} {auth} {extra:?}");
            if port == "Soap11" {
                assert_eq!(fact(&facts, "fault_code"), "wst:FailedAuthentication");
                assert_eq!(fact(&facts, "fault_subcodes"), "");
            } else {
                assert!(fact(&facts, "fault_code").ends_with(":Sender"), "{facts:?}");
                assert_eq!(
                    fact(&facts, "fault_subcodes"),
                    "{http://docs.oasis-open.org/ws-sx/ws-trust/200512}FailedAuthentication"
                );
            }
            assert_eq!(fact(&facts, "fault_message"), "Authentication failed");
            let response = std::fs::read_to_string(rec.join("response.xml")).unwrap();
            assert!(
                !response.contains("Argon2") && !response.contains("argon2"),
                "{response}"
            );
            let case = if extra.is_empty() {
                auth
            } else {
                "text-no-timestamp"
            };
            record_fixture(
                &server,
                "zeep",
                "4.3.3",
                &format!("{port}-username-{case}"),
                &rec,
            );
        }
    }
}

#[test]
fn zeep_binary_signature_on_both_bindings() {
    if python_clients().is_none() {
        return;
    }
    let server = Server::start("zeep-x509", |c| c);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        let (facts, rec) = zeep(&server, port, "x509", &[]);
        assert_eq!(envelope_ns(&rec.join("request.xml")), env);
        let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
        assert!(request.contains("BinarySecurityToken") && !request.contains("UsernameToken"));
        assert_eq!(
            fact(&facts, "response_signature"),
            "verified",
            "zeep's verify_envelope with DIR/pki/sts.pem"
        );
        assert_token(&server, &facts, &rec, "encrypted_key");
        record_fixture(&server, "zeep", "4.3.3", &format!("{port}-x509"), &rec);

        let (facts, rec) = zeep(&server, port, "x509", &["--lifecycle"]);
        assert_eq!(fact(&facts, "proof_key"), "encrypted_key");
        let pattern = format!("{port}-x509");
        assert_lifecycle(
            &server,
            &facts,
            &rec,
            env,
            "encrypted_key",
            ("zeep", "4.3.3", &pattern),
        );
    }
}

#[test]
fn zeep_renewal_is_refused_where_the_realm_requires_proof_of_possession() {
    if python_clients().is_none() {
        return;
    }
    let server = Server::start("zeep-pop", |c| {
        let edited = c.replace("# owner_renewal = true", "owner_renewal = false");
        assert_ne!(edited, c, "the generated config documents owner_renewal");
        edited
    });
    let (facts, _) = zeep(&server, "Soap12", "text", &["--lifecycle"]);
    assert_eq!(fact(&facts, "validate_status"), "valid");
    assert_eq!(fact(&facts, "renew_outcome"), "fault");
    assert_eq!(
        fact(&facts, "renew_fault_subcodes"),
        "{http://docs.oasis-open.org/ws-sx/ws-trust/200512}FailedAuthentication"
    );
    assert_eq!(fact(&facts, "renew_fault_message"), "Authentication failed");
    assert!(get(&facts, "cancel_outcome").is_none(), "{facts:?}");
}

#[test]
fn zeep_bearer_public_key_and_no_token_type_get_saml_assertions() {
    // Issue 17: what zeep users write by default. A Bearer or PublicKey request naming no
    // TokenType gets a SAML 2.0 assertion (a security context always has a symmetric key);
    // python-xmlsec verifies its signature by the STS certificate; the assertion validates,
    // renews (a new assertion, also verified) and the old one is then superseded.
    if python_clients().is_none() {
        return;
    }
    const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    const HOK: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
    const PROFILE: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
    const NAMED: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
    let server = Server::start("zeep-defaults", |c| c);
    for port in ["Soap11", "Soap12"] {
        for (auth, extra, token_type, confirmation) in [
            (
                "text",
                &["--key-type", "bearer", "--no-token-type", "--lifecycle"][..],
                PROFILE,
                BEARER,
            ),
            (
                "x509",
                &["--key-type", "bearer", "--no-token-type", "--lifecycle"][..],
                PROFILE,
                BEARER,
            ),
            (
                "x509",
                &["--key-type", "publickey", "--no-token-type"][..],
                PROFILE,
                HOK,
            ),
            ("digest", &["--key-type", "bearer"][..], NAMED, BEARER),
        ] {
            let case = format!("{port} {auth} {extra:?}");
            let (facts, _) = zeep(&server, port, auth, extra);
            if auth == "digest" {
                // The demo user's password is stored as an Argon2 hash: a digest cannot be
                // checked against it (zeep sees the fault), as for an SCT.
                assert_eq!(fact(&facts, "outcome"), "fault", "{case}");
                continue;
            }
            assert_eq!(fact(&facts, "outcome"), "token", "{case}: {facts:?}");
            assert_eq!(fact(&facts, "token_type"), token_type, "{case}");
            assert_eq!(fact(&facts, "saml_version"), "2.0", "{case}");
            assert_eq!(fact(&facts, "saml_signature"), "verified", "{case}");
            assert_eq!(fact(&facts, "saml_confirmation"), confirmation, "{case}");
            assert!(get(&facts, "proof_key").is_none(), "{case}: no proof key");
            if extra.contains(&"--lifecycle") {
                assert_eq!(fact(&facts, "validate_status"), "valid", "{case}");
                assert_eq!(fact(&facts, "renew_outcome"), "ok", "{case}: {facts:?}");
                assert_eq!(fact(&facts, "renew_saml_signature"), "verified", "{case}");
                assert_ne!(
                    fact(&facts, "renew_saml_id"),
                    fact(&facts, "saml_id"),
                    "{case}"
                );
                assert_eq!(fact(&facts, "revalidate_status"), "valid", "{case}");
                assert_eq!(fact(&facts, "oldvalidate_status"), "invalid", "{case}");
                assert_eq!(
                    fact(&facts, "oldvalidate_reason"),
                    "urn:wstrust:status:superseded",
                    "{case}"
                );
            }
        }
    }
}

#[test]
fn zeep_secure_conversation_bootstrap_without_applies_to() {
    use crate::realclient_lifecycle::assert_sts_bootstrap;
    // Issue 17: an RST for an SCT with no AppliesTo sets up a context with the STS itself
    // (its wsx:Audience is the STS realm); zeep then validates, renews, cancels it and sees
    // it invalid, authenticated as its owner; python-xmlsec opens the proof key encrypted for
    // the client certificate.
    if python_clients().is_none() {
        return;
    }
    let server = Server::start("zeep-bootstrap", |c| c);
    for port in ["Soap11", "Soap12"] {
        for (auth, proof) in [("text", "binary_secret"), ("x509", "encrypted_key")] {
            let case = format!("{port} {auth}");
            let (facts, rec) = zeep(
                &server,
                port,
                auth,
                &["--applies-to", "none", "--lifecycle"],
            );
            assert_sts_bootstrap(&facts, &rec, &case);
            assert_eq!(fact(&facts, "proof_key"), proof, "{case}");
        }
    }
}
