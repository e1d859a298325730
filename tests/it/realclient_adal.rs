//! ADAL for Python 1.2.7 (PyPI `adal`, in `.venv-clients`) and adal-node 0.2.4 (npm
//! `adal-node`, in tests/interop/clients/node_modules): their AD FS username/password
//! federation steps against `wstrust serve` over TLS (tests/interop/clients/adal_client.py and
//! adal_node_client.js drive them).
//!
//! Both libraries' `acquire_token_with_username_password` first ask login.microsoftonline.com
//! (user realm discovery) whether the domain is federated; that host is unreachable here, so
//! the scripts play its answer (the MEX URL and the audience `urn:federation:MicrosoftOnline`)
//! and drive the libraries' own WS-Trust modules as their TokenRequest chains them: `Mex`
//! discovery on our `/adfs/services/trust/mex` alias, then `WSTrustRequest.acquire_token`
//! (SOAP 1.2, UsernameToken, KeyType Bearer, no TokenType) on the endpoint and WS-Trust
//! version MEX chose, or on our `/adfs/services/trust/13/usernamemixed` alias as WS-Trust 1.3
//! when it chose none. TLS is our listener with DIR/pki/tls.pem, trusted through
//! `REQUESTS_CA_BUNDLE=DIR/pki/ca.pem` (requests, for ADAL Python) and
//! `NODE_EXTRA_CA_CERTS=DIR/pki/ca.pem` (Node's https under axios, for adal-node); the test
//! config also adds a realm for the libraries' audience.
//!
//! What this asserts, per library: TLS to our listener with our dev CA; the library's MEX
//! parser picks our https WS-Trust 1.3 usernamemixed endpoint from its UsernameToken policy;
//! its RST to that endpoint gets an RSTR the library parses into a SAML 1.1 assertion (token
//! type `urn:oasis:names:tc:SAML:1.0:assertion`); and the assertion text the library hands
//! back validates on its own with only the STS certificate, for the audience, and not for
//! another one. With a wrong password, our SOAP 1.2 fault (HTTP 500, wst:FailedAuthentication)
//! comes back through the library's HTTP-error report (both libraries, like AD FS's callers,
//! see a fault as an HTTP 500 and never run their RSTR fault parser), without the password.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use wstrust::pki::Certificate;
use wstrust::saml::{Confirmation, TrustedIssuer, ValidationPolicy};
use wstrust::wss::{Clock, SystemClock};

use crate::interop_support::fact;
use crate::realclient_support::Server;
use crate::realclient_support::{
    clients_dir, get, node_clients, python_clients, record_fixture, run_client, tls_config,
    AUDIENCE,
};
use crate::support::in_ci;

const SAML11: &str = "urn:oasis:names:tc:SAML:1.0:assertion";
const ISSUE_13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";

/// node with adal-node in tests/interop/clients/node_modules: node-soap's install (which
/// installs the whole lock file), then `npm install` from the lock file when an older
/// node_modules lacks adal-node (it adds what is missing, removing nothing). False after the
/// skip notice outside CI; a failure in CI.
fn adal_node() -> bool {
    static ADAL_NODE: OnceLock<Result<(), String>> = OnceLock::new();
    if !node_clients() {
        return false;
    }
    let result = ADAL_NODE.get_or_init(|| {
        if clients_dir()
            .join("node_modules/adal-node/package.json")
            .is_file()
        {
            return Ok(());
        }
        let out = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .current_dir(clients_dir())
            .output()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "npm install failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    match result {
        Ok(()) => true,
        Err(why) => {
            assert!(!in_ci(), "adal-node is required in CI: {why}");
            eprintln!("skipped: adal-node could not be installed: {why}");
            false
        }
    }
}

/// A password the demo user does not have, in a file shaped like demo-credentials.txt.
const WRONG_PASSWORD: &str = "not-the-demo-password-7f3a";

/// Runs one ADAL script (`cmd` with the interpreter, script and TLS trust set) against the
/// server's MEX and usernamemixed aliases as user demo, with its password or, when `wrong`,
/// with [`WRONG_PASSWORD`]; returns its facts and its recording folder.
fn run_adal(
    server: &Server,
    name: &str,
    wrong: bool,
    cmd: &mut Command,
) -> (Vec<(String, String)>, std::path::PathBuf) {
    let base = format!("https://localhost:{}", server.bin.addr.port());
    let rec = server.record_dir(name);
    let credentials = if wrong {
        let f = rec.join("wrong-credentials.txt");
        std::fs::write(&f, format!("user=demo\npassword={WRONG_PASSWORD}\n")).unwrap();
        f.display().to_string()
    } else {
        server.file("demo-credentials.txt")
    };
    let facts = run_client(
        cmd.arg("--mex")
            .arg(format!("{base}/adfs/services/trust/mex"))
            .arg("--endpoint")
            .arg(format!("{base}/adfs/services/trust/13/usernamemixed"))
            .args(["--user", "demo", "--password-file"])
            .arg(credentials)
            .args(["--audience", AUDIENCE, "--record"])
            .arg(&rec),
    );
    (facts, rec)
}

/// What both libraries must have done: found our https usernamemixed endpoint (WS-Trust 1.3)
/// in MEX, posted their RST there and parsed a SAML 1.1 assertion out of the RSTR.
fn assert_steps(server: &Server, facts: &[(String, String)], rec: &Path) {
    let port = server.bin.addr.port();
    assert_eq!(fact(facts, "mex"), "endpoint", "{facts:?}");
    assert!(get(facts, "mex_error").is_none());
    let endpoint = fact(facts, "mex_address");
    assert!(
        endpoint.starts_with("https://")
            && endpoint.ends_with(&format!(":{port}/adfs/services/trust/13/usernamemixed")),
        "{endpoint}"
    );
    assert_eq!(fact(facts, "mex_version"), "wstrust13");

    assert_eq!(fact(facts, "rst_address"), endpoint);
    assert_eq!(fact(facts, "post_status"), "200");
    assert_eq!(fact(facts, "post_soap_action"), ISSUE_13);
    assert_eq!(
        fact(facts, "post_content_type"),
        "application/soap+xml; charset=utf-8"
    );
    assert_eq!(fact(facts, "rst"), "token", "{facts:?}");
    assert_eq!(fact(facts, "token_type"), SAML11);
    let request = std::fs::read_to_string(rec.join("request.xml")).unwrap();
    assert!(request.contains(
        "<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</wst:KeyType>"
    ));
    assert!(!request.contains("TokenType"), "ADAL names no token type");
    assert!(request.contains(&format!("<wsa:Address>{AUDIENCE}</wsa:Address>")));
    // ADAL's password element has no Type attribute: PasswordText by the WSS default.
    assert!(request.contains("<wsse:Password>"), "{request}");
}

/// A wrong password: our SOAP 1.2 fault (wst:FailedAuthentication, HTTP 500, as AD FS
/// answers faults) reaches the caller as the library's HTTP-error report, which carries the
/// fault; no token, and the password is not echoed.
fn assert_refused(facts: &[(String, String)], rec: &Path, report: &str) {
    assert_eq!(fact(facts, "mex"), "endpoint", "{facts:?}");
    assert_eq!(fact(facts, "post_status"), "500");
    assert_eq!(fact(facts, "rst"), "error", "{facts:?}");
    let error = fact(facts, "rst_error");
    assert!(error.starts_with(report), "{error}");
    assert!(error.contains("wst:FailedAuthentication"), "{error}");
    assert!(error.contains("Authentication failed"), "{error}");
    assert!(get(facts, "token_type").is_none());
    assert!(!rec.join("token.xml").exists());
    let response = std::fs::read_to_string(rec.join("response.xml")).unwrap();
    assert!(!response.contains(WRONG_PASSWORD));
    assert!(!error.contains(WRONG_PASSWORD));
}

/// The assertion as the library handed it back validates standalone with only the STS
/// certificate, for the audience and not for another.
fn assert_token_validates(server: &Server, rec: &Path) {
    let token = std::fs::read(rec.join("token.xml")).unwrap();
    let sts = Certificate::from_pem(&std::fs::read_to_string(server.file("pki/sts.pem")).unwrap())
        .unwrap();
    let trusted = [TrustedIssuer::new(sts)];
    let policy = ValidationPolicy::new(&trusted, [AUDIENCE], SystemClock.now_ms());
    let v = wstrust::saml::validate_xml(&token, &policy).expect("ADAL's token validates");
    assert_eq!(v.subject.value, "demo");
    assert!(matches!(v.confirmation, Confirmation::Bearer));
    let mut other = ValidationPolicy::new(&trusted, ["urn:other"], SystemClock.now_ms());
    other.skew_ms = 0;
    assert!(wstrust::saml::validate_xml(&token, &other).is_err());
}

#[test]
fn adal_python_adfs_username_password_steps() {
    let Some(py) = python_clients() else {
        return;
    };
    let server = Server::start("adal-py", tls_config);
    let adal = |name, wrong| {
        run_adal(
            &server,
            name,
            wrong,
            Command::new(&py)
                .arg(clients_dir().join("adal_client.py"))
                .env("REQUESTS_CA_BUNDLE", server.file("pki/ca.pem")),
        )
    };
    let (facts, rec) = adal("adal-python", false);
    assert_eq!(fact(&facts, "adal_version"), "1.2.7");
    assert_steps(&server, &facts, &rec);
    assert_token_validates(&server, &rec);
    record_fixture(&server, "adal", "1.2.7", "Soap12-username-text", &rec);

    let (facts, rec) = adal("adal-python-wrong", true);
    assert_refused(
        &facts,
        &rec,
        "AdalError: WS-Trust RST request returned http error: 500 and server response: <s:Envelope",
    );
    record_fixture(
        &server,
        "adal",
        "1.2.7",
        "Soap12-username-wrong-password",
        &rec,
    );
}

#[test]
fn adal_node_adfs_username_password_steps() {
    if !adal_node() {
        return;
    }
    let server = Server::start("adal-node", tls_config);
    let adal = |name, wrong| {
        run_adal(
            &server,
            name,
            wrong,
            Command::new("node")
                .arg("--no-deprecation")
                .arg(clients_dir().join("adal_node_client.js"))
                .env("NODE_EXTRA_CA_CERTS", server.file("pki/ca.pem"))
                .current_dir(clients_dir()),
        )
    };
    let (facts, rec) = adal("adal-node", false);
    assert_eq!(fact(&facts, "adal_node_version"), "0.2.4");
    assert_steps(&server, &facts, &rec);
    assert_token_validates(&server, &rec);
    record_fixture(&server, "adal-node", "0.2.4", "Soap12-username-text", &rec);

    let (facts, rec) = adal("adal-node-wrong", true);
    assert_refused(
        &facts,
        &rec,
        "Error: WS-Trust RST request returned http error: 500 and server response: \"<s:Envelope",
    );
    record_fixture(
        &server,
        "adal-node",
        "0.2.4",
        "Soap12-username-wrong-password",
        &rec,
    );
}
