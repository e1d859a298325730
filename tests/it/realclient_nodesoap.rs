//! node-soap 1.13 (npm `soap`), installed into tests/interop/clients/node_modules, against
//! `wstrust serve` on a zero-config data directory (tests/interop/clients/nodesoap_client.js
//! drives it).
//!
//! node-soap loads our WSDL as served (`soap.createClientAsync(GET /sts?wsdl)`) and calls
//! Issue on each port, the RST content passed as raw XML (`$xml`, our WSDL's open xsd:any).
//! node-soap takes the envelope version from its `forceSoap12Headers` option, not from the
//! port's binding; the test sets it for the SOAP 1.2 port, as a node-soap user must.
//! - `soap.WSSecurity(user, pass, {passwordType: 'PasswordText'})` (it adds a Timestamp and
//!   a Nonce): an RSTRC with an SCT; node-soap's own parse of the RSTRC yields the
//!   BinarySecret proof key, equal to the key the service decrypts from the SCT;
//! - `passwordType: 'PasswordDigest'` for a user configured with `digest_password_file`: an SCT;
//!   for the zero-config (Argon2-hashed) user: refused with a SOAP fault
//!   node-soap reports as a fault (wst:FailedAuthentication, HTTP 500);
//! - `soap.WSSecurityCert(DIR/pki/client.key, DIR/pki/client.pem)` (RSA-SHA256 over Body and
//!   Timestamp via xml-crypto): an SCT whose proof key comes encrypted for the client
//!   certificate (RSA-OAEP); node-soap has no XML Encryption, so the script opens it with
//!   Node's crypto and the key equals the service's.
//!
//!
//! Then, with `--lifecycle yes`, for each port and each way that yields a token
//! (PasswordText, WSSecurityCert), node-soap goes on through the WSDL's other operations,
//! authenticated the same way: Validate (status valid), Renew (the same identifier, a new
//! instance, and a new key, as a BinarySecret or encrypted for the client certificate, equal
//! to the key the service decrypts from the renewed SCT), Cancel (RequestedTokenCancelled)
//! and Validate again (invalid, reason cancelled). The targets carry the SCT as received, as
//! raw XML (cut out of the raw response with xml-crypto's @xmldom/xmldom, node-soap's own
//! DOM). node-soap cannot sign with the SCT's symmetric proof key; the STS accepts it as the
//! context's owner (the principal the context was issued to; realm option `owner_renewal`).
//!
//! What node-soap users write by default (issue 17): no TokenType with KeyType Bearer or
//! PublicKey gets a SAML 2.0 assertion, which xml-crypto (node-soap's signature library) and
//! xmlsec1 verify by the STS certificate, and which validates, renews and is then superseded;
//! an RST for an SCT with no AppliesTo bootstraps a secure conversation with the STS itself.
//!
//! Not done by node-soap: it does not verify response signatures (no API for it).

use std::process::Command;

use crate::interop_support::fact;
use crate::realclient_lifecycle::{
    assert_lifecycle, assert_shared_context, assert_sts_bootstrap, client_args,
};
use crate::realclient_support::{
    clients_dir, digest_demo_user, envelope_ns, node_clients, record_fixture, run_client, Server,
};

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const SCT: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";

fn node_soap(
    server: &Server,
    port: &str,
    auth: &str,
    lifecycle: bool,
    extra: &[&str],
) -> (Vec<(String, String)>, std::path::PathBuf) {
    let tag = extra.join("").replace('-', "");
    let rec = server.record_dir(&format!("nodesoap-{port}-{auth}-{lifecycle}{tag}"));
    let mut cmd = Command::new("node");
    cmd.arg("--no-deprecation")
        .arg(clients_dir().join("nodesoap_client.js"));
    let facts = run_client(
        client_args(&mut cmd, server, port, auth, &rec)
            .args(extra)
            .args(if lifecycle {
                &["--lifecycle", "yes"][..]
            } else {
                &[]
            })
            .current_dir(clients_dir()),
    );
    assert_eq!(fact(&facts, "soap_version"), "1.13.0");
    (facts, rec)
}

fn assert_token(server: &Server, facts: &[(String, String)], rec: &std::path::Path, proof: &str) {
    assert_shared_context(server, facts, rec, proof);
}

#[test]
fn node_soap_username_token_on_both_bindings() {
    if !node_clients() {
        return;
    }
    let server = Server::start("nodesoap-ut", |c| c);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        let (facts, rec) = node_soap(&server, port, "text", true, &[]);
        assert_eq!(envelope_ns(&rec.join("request.xml")), env);
        assert_eq!(envelope_ns(&rec.join("response.xml")), env);
        assert_token(&server, &facts, &rec, "binary_secret");
        record_fixture(
            &server,
            "node-soap",
            "1.13.0",
            &format!("{port}-username-text"),
            &rec,
        );
        let pattern = format!("{port}-username-text");
        let fixture = ("node-soap", "1.13.0", pattern.as_str());
        assert_lifecycle(&server, &facts, &rec, env, "binary_secret", fixture);

        let (facts, rec) = node_soap(&server, port, "digest", false, &[]);
        assert_eq!(fact(&facts, "outcome"), "fault");
        assert_eq!(fact(&facts, "http_status"), "500");
        assert_eq!(envelope_ns(&rec.join("response.xml")), env);
        if port == "Soap11" {
            assert_eq!(fact(&facts, "fault_code"), "wst:FailedAuthentication");
        } else {
            assert!(fact(&facts, "fault_code").ends_with(":Sender"), "{facts:?}");
            assert_eq!(fact(&facts, "fault_subcodes"), "wst:FailedAuthentication");
        }
        record_fixture(
            &server,
            "node-soap",
            "1.13.0",
            &format!("{port}-username-digest"),
            &rec,
        );
    }
}

#[test]
fn node_soap_password_digest_for_a_user_configured_for_it() {
    if !node_clients() {
        return;
    }
    // The demo user with `digest_password_file` instead of an Argon2 hash.
    let server = Server::start_in("nodesoap-digest", digest_demo_user);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        let (facts, rec) = node_soap(&server, port, "digest", false, &[]);
        let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
        assert!(request.contains("#PasswordDigest"), "{request}");
        assert_eq!(envelope_ns(&rec.join("response.xml")), env);
        assert_token(&server, &facts, &rec, "binary_secret");
        record_fixture(
            &server,
            "node-soap",
            "1.13.0",
            &format!("{port}-username-digest-user"),
            &rec,
        );
    }
}

#[test]
fn node_soap_x509_signature_on_both_bindings() {
    if !node_clients() {
        return;
    }
    let server = Server::start("nodesoap-x509", |c| c);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        let (facts, rec) = node_soap(&server, port, "x509", true, &[]);
        assert_eq!(envelope_ns(&rec.join("request.xml")), env);
        let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
        assert!(request.contains("BinarySecurityToken") && !request.contains("UsernameToken"));
        assert_eq!(
            fact(&facts, "proof_key_method"),
            "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
        );
        assert_token(&server, &facts, &rec, "encrypted_key");
        record_fixture(
            &server,
            "node-soap",
            "1.13.0",
            &format!("{port}-x509"),
            &rec,
        );
        let pattern = format!("{port}-x509");
        let fixture = ("node-soap", "1.13.0", pattern.as_str());
        assert_lifecycle(&server, &facts, &rec, env, "encrypted_key", fixture);
    }
}

const SAML2_PROFILE: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const HOK: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";

/// xmlsec1 verifies the standalone assertion at `file` by the STS certificate of `server`.
fn xmlsec1_verifies_assertion(server: &Server, file: &std::path::Path) {
    let out = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--pubkey-cert-pem")
        .arg(server.file("pki/sts.pem"))
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .arg(file)
        .output()
        .expect("xmlsec1 runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "xmlsec1 refuses {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn node_soap_bearer_public_key_and_no_token_type_get_saml_assertions() {
    // Issue 17: what node-soap users write. No TokenType with KeyType Bearer (password or
    // X.509) or PublicKey (X.509) gets a SAML 2.0 assertion; xml-crypto and xmlsec1 verify it
    // by the STS certificate; it validates, renews (a new assertion, verified too) and the
    // old one is then superseded.
    if !node_clients() {
        return;
    }
    let server = Server::start("nodesoap-defaults", |c| c);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        for (auth, key_type, lifecycle, confirmation) in [
            ("text", "bearer", true, BEARER),
            ("x509", "bearer", true, BEARER),
            ("x509", "publickey", false, HOK),
        ] {
            let case = format!("{port} {auth} {key_type}");
            let extra = ["--key-type", key_type, "--token-type", "none"];
            let (facts, rec) = node_soap(&server, port, auth, lifecycle, &extra);
            let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
            assert!(!request.contains("TokenType"), "{case}: {request}");
            assert_eq!(envelope_ns(&rec.join("response.xml")), env, "{case}");
            assert_eq!(fact(&facts, "outcome"), "token", "{case}: {facts:?}");
            assert_eq!(fact(&facts, "token_type"), SAML2_PROFILE, "{case}");
            assert_eq!(fact(&facts, "saml_version"), "2.0", "{case}");
            assert_eq!(fact(&facts, "saml_signature"), "verified", "{case}");
            assert_eq!(fact(&facts, "saml_confirmation"), confirmation, "{case}");
            assert!(
                crate::realclient_support::get(&facts, "proof_key").is_none(),
                "{case}: no proof key"
            );
            xmlsec1_verifies_assertion(&server, &rec.join("assertion.xml"));
            if !lifecycle {
                continue;
            }
            assert_eq!(
                fact(&facts, "validate_status"),
                "valid",
                "{case}: {facts:?}"
            );
            assert_eq!(fact(&facts, "renew_outcome"), "ok", "{case}: {facts:?}");
            assert_eq!(fact(&facts, "renew_saml_signature"), "verified", "{case}");
            assert_ne!(
                fact(&facts, "renew_saml_id"),
                fact(&facts, "saml_id"),
                "{case}"
            );
            xmlsec1_verifies_assertion(&server, &rec.join("renew").join("assertion.xml"));
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

#[test]
fn node_soap_secure_conversation_bootstrap_without_applies_to() {
    // Issue 17: an RST for an SCT with no AppliesTo sets up a context with the STS itself
    // (its wsx:Audience is the STS realm); node-soap then validates, renews, cancels it and
    // sees it invalid, authenticated as its owner.
    if !node_clients() {
        return;
    }
    let server = Server::start("nodesoap-bootstrap", |c| c);
    for (port, env) in [("Soap11", SOAP11), ("Soap12", SOAP12)] {
        for auth in ["text", "x509"] {
            let case = format!("{port} {auth}");
            let (facts, rec) = node_soap(&server, port, auth, true, &["--applies-to", "none"]);
            assert_sts_bootstrap(&facts, &rec, &case);
            assert_eq!(envelope_ns(&rec.join("response.xml")), env, "{case}");
            assert_eq!(fact(&facts, "token_type"), SCT, "{case}");
        }
    }
}
