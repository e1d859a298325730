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
//! What this asserts is what works today, precisely:
//! - TLS to our listener from MSAL's HTTP client (requests) with our dev CA;
//! - MSAL fetches and parses our MEX without error, but finds no username/password endpoint
//!   in it: MSAL reads `wsdl:binding`/`wsdl:service` as children of the document root (AD FS
//!   serves a bare `wsdl:definitions`; we serve `mex:Metadata/MetadataSection/definitions`),
//!   wants WS-Policy 2004/09 policies with `sp:SignedEncryptedSupportingTokens/.../
//!   sp:WssUsernameToken10` and an `sp:TransportBinding`, SOAP 1.2 bindings only (a SOAP 1.1
//!   binding there raises AttributeError in MSAL's parser), and an https
//!   `wsa:EndpointReference/wsa:Address` in each port;
//! - MSAL's RST reaches the usernamemixed alias and our SOAP 1.2 fault comes back in the form
//!   MSAL parses (Reason and Subcode: wst:InvalidRequest), because a Bearer request without a
//!   TokenType gets our default token type, an SCT, which needs a symmetric key. With a SAML
//!   1.1 default on the AD FS alias (being added to the server) MSAL would get
//!   `urn:oasis:names:tc:SAML:1.0:assertion`; then these assertions change to a token.

use std::process::Command;

use crate::interop_support::fact;
use crate::realclient_support::{clients_dir, get, python_clients, run_client, Server};

const AUDIENCE: &str = "urn:federation:MicrosoftOnline";

/// The zero-config file with HTTPS on (the generated commented [tls] section) and a realm
/// for MSAL's audience.
fn tls_config(c: String) -> String {
    let c = c
        .replace("# [tls]\n", "[tls]\n")
        .replace("# cert = \"pki/tls.pem\"", "cert = \"pki/tls.pem\"")
        .replace("# key = \"pki/tls.key\"", "key = \"pki/tls.key\"");
    assert!(
        c.contains("\n[tls]\ncert = \"pki/tls.pem\"\nkey = \"pki/tls.key\""),
        "{c}"
    );
    format!(
        "{c}\n[[realms]]\nname = \"office365\"\napplies_to = \"{AUDIENCE}\"\ncert = \"pki/service.pem\"\n"
    )
}

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

    // MEX: fetched over TLS and parsed; no username/password endpoint recognised.
    assert_eq!(fact(&facts, "mex"), "no_endpoint", "{facts:?}");
    assert!(get(&facts, "mex_error").is_none());

    // The RST MSAL builds reaches the alias over TLS; the fault is one MSAL parses.
    assert_eq!(
        fact(&facts, "rst_address"),
        format!("{base}/adfs/services/trust/13/usernamemixed")
    );
    assert_eq!(fact(&facts, "post_status"), "500");
    assert_eq!(
        fact(&facts, "post_content_type"),
        "application/soap+xml; charset=utf-8"
    );
    assert_eq!(fact(&facts, "rst"), "error");
    assert_eq!(
        fact(&facts, "rst_error"),
        "WsTrust server returned error in RSTR: {'reason': 'The request was invalid or malformed', 'code': 'wst:InvalidRequest'}"
    );
    let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
    assert!(request.contains(
        "<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</wst:KeyType>"
    ));
    assert!(!request.contains("TokenType"), "MSAL names no token type");
}
