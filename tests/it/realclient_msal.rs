//! MSAL for Python 1.39 (installed into `.venv-clients`), its AD FS username/password
//! federation steps against `wstrust serve` over TLS (tests/interop/clients/msal_client.py).
//!
//! MSAL's `acquire_token_by_username_password` first asks login.microsoftonline.com (user
//! realm discovery) whether the domain is federated; that host is unreachable here, so the
//! script plays its answer (the MEX URL and the audience `urn:federation:MicrosoftOnline`)
//! and drives MSAL's own WS-Trust code: `msal.mex.send_request` on our
//! `/adfs/services/trust/mex` alias, then `msal.wstrust_request.send_request` (SOAP 1.2,
//! UsernameToken PasswordText, KeyType Bearer, no TokenType) on the endpoint MEX chose, or
//! on our `/adfs/services/trust/13/usernamemixed` alias when it chose none. TLS is our
//! listener with the data directory's pki/tls.pem, trusted by requests through
//! `REQUESTS_CA_BUNDLE=DIR/pki/ca.pem`; the test config also adds a realm for MSAL's audience.
//!
//! What this asserts: TLS to our listener from MSAL's HTTP client (requests) with our dev CA;
//! MSAL parses our AD FS-style MEX (`endpoint = "adfs-mex"`) and picks our WS-Trust 1.3
//! usernamemixed endpoint from its UsernameToken policy; its RST (SOAP 1.2, Bearer, no
//! TokenType) on that alias gets a SAML 1.1 assertion (the alias's default token type, as AD FS
//! answers); and the assertion MSAL cuts out of the RSTR as raw text validates on its own with
//! only the STS certificate, for MSAL's audience.

use std::process::Command;

use wstrust::pki::Certificate;
use wstrust::saml::{Confirmation, TrustedIssuer, ValidationPolicy};
use wstrust::wss::{Clock, SystemClock};

use crate::interop_support::fact;
use crate::realclient_support::{
    clients_dir, get, python_clients, record_fixture, run_client, tls_config, Server, AUDIENCE,
};

#[test]
fn msal_adfs_username_password_steps() {
    let Some(py) = python_clients() else {
        return;
    };
    let server = Server::start("msal", tls_config);
    let port = server.bin.addr.port();
    let base = format!("https://localhost:{port}");
    let rec = server.record_dir("msal");
    let facts = run_client(
        Command::new(py)
            .arg(clients_dir().join("msal_client.py"))
            .arg("--mex")
            .arg(format!("{base}/adfs/services/trust/mex"))
            .arg("--endpoint")
            .arg(format!("{base}/adfs/services/trust/13/usernamemixed"))
            .args(["--user", "demo", "--password-file"])
            .arg(server.file("demo-credentials.txt"))
            .args(["--audience", AUDIENCE, "--record"])
            .arg(&rec)
            .env("REQUESTS_CA_BUNDLE", server.file("pki/ca.pem")),
    );
    assert_eq!(fact(&facts, "msal_version"), "1.39.0");

    // MEX: fetched over TLS; MSAL finds our WS-Trust 1.3 username endpoint by its policy.
    assert_eq!(fact(&facts, "mex"), "endpoint", "{facts:?}");
    assert!(get(&facts, "mex_error").is_none());
    let endpoint = fact(&facts, "mex_address");
    assert!(
        endpoint.starts_with("https://")
            && endpoint.ends_with(&format!(":{port}/adfs/services/trust/13/usernamemixed")),
        "{endpoint}"
    );
    assert_eq!(
        fact(&facts, "mex_action"),
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"
    );

    // The RST goes where MEX said; MSAL parses the RSTR and finds a SAML 1.1 assertion.
    assert_eq!(fact(&facts, "rst_address"), endpoint);
    assert_eq!(fact(&facts, "post_status"), "200");
    assert_eq!(
        fact(&facts, "post_content_type"),
        "application/soap+xml; charset=utf-8"
    );
    assert_eq!(fact(&facts, "rst"), "token", "{facts:?}");
    assert_eq!(
        fact(&facts, "token_type"),
        "urn:oasis:names:tc:SAML:1.0:assertion"
    );
    let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
    assert!(request.contains(
        "<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</wst:KeyType>"
    ));
    assert!(!request.contains("TokenType"), "MSAL names no token type");

    // The assertion as MSAL cut it out validates standalone with only the STS certificate.
    let token = std::fs::read(rec.join("token.xml")).unwrap();
    let sts = Certificate::from_pem(&std::fs::read_to_string(server.file("pki/sts.pem")).unwrap())
        .unwrap();
    let trusted = [TrustedIssuer::new(sts)];
    let policy = ValidationPolicy::new(&trusted, [AUDIENCE], SystemClock.now_ms());
    let v = wstrust::saml::validate_xml(&token, &policy).expect("MSAL's token validates");
    assert_eq!(v.subject.value, "demo");
    assert!(matches!(v.confirmation, Confirmation::Bearer));
    let mut other = ValidationPolicy::new(&trusted, ["urn:other"], SystemClock.now_ms());
    other.skew_ms = 0;
    assert!(wstrust::saml::validate_xml(&token, &other).is_err());
    record_fixture(&server, "msal", "1.39.0", "Soap12-username-text", &rec);
}
