//! AD FS compatibility of the zero-config server (issue #9): the AD FS-style metadata at
//! `/adfs/services/trust/mex` advertises the `usernamemixed` aliases the way the recorded AD FS
//! metadata does (as MSAL and ADAL read it), and a recorded MSAL request replayed over HTTP to
//! the alias gets a SAML 1.1 assertion in an RSTRC, while `/sts` keeps its SCT default.

use std::collections::BTreeSet;

use wstrust::engine::users::{hash_password, Argon2Params};
use wstrust::wss::{Clock, SystemClock};
use wstrust::xml::{datetime, Document, NodeId};

use crate::server_support::{data_dir, get, load, request, start, Http};
use crate::support::fixture_text;

const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
const WSP: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const SP12: &str = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
const SP2005: &str = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy";
const PUBLIC: &str = "https://sts.example.test:8443";
const MSOL: &str = "urn:federation:MicrosoftOnline";
const MSAL_USER: &str = "alice@example.com";
const MSAL_PASSWORD: &str = "P@ss<&>'\"word";
const SAML11: &str = "urn:oasis:names:tc:SAML:1.0:assertion";

/// A UsernameToken endpoint as MSAL/ADAL find it: (address, policy namespace, supporting
/// tokens element, soapAction).
type UsernameEndpoint = (String, String, String, String);

fn elements<'a>(doc: &'a Document, ns: &'a str, local: &'a str) -> Vec<NodeId> {
    doc.descendants_or_self(doc.root())
        .filter(|n| doc.is(*n, ns, local))
        .collect()
}

fn child_path(doc: &Document, mut n: NodeId, path: &[(&str, &str)]) -> Option<NodeId> {
    for (ns, local) in path {
        n = doc.child(n, ns, local)?;
    }
    Some(n)
}

/// The username policy of `policy` (a `wsp:Policy`): HTTPS transport binding plus a signed
/// (encrypted) supporting UsernameToken 1.0; returns (sp namespace, supporting element).
fn username_policy(doc: &Document, policy: NodeId) -> Option<(String, String)> {
    let all = child_path(doc, policy, &[(WSP, "ExactlyOne"), (WSP, "All")])?;
    for sp in [SP12, SP2005] {
        let Some(tb) = doc.child(all, sp, "TransportBinding") else {
            continue;
        };
        child_path(
            doc,
            tb,
            &[
                (WSP, "Policy"),
                (sp, "TransportToken"),
                (WSP, "Policy"),
                (sp, "HttpsToken"),
            ],
        )?;
        for supporting in ["SignedEncryptedSupportingTokens", "SignedSupportingTokens"] {
            let Some(s) = doc.child(all, sp, supporting) else {
                continue;
            };
            child_path(
                doc,
                s,
                &[
                    (WSP, "Policy"),
                    (sp, "UsernameToken"),
                    (WSP, "Policy"),
                    (sp, "WssUsernameToken10"),
                ],
            )?;
            return Some((sp.to_owned(), supporting.to_owned()));
        }
    }
    None
}

/// Every port whose binding refers (by `wsp:PolicyReference`) to a username policy and is a
/// SOAP 1.2 binding, with its `soap12:address`.
fn username_endpoints(doc: &Document) -> BTreeSet<UsernameEndpoint> {
    let mut out = BTreeSet::new();
    for port in elements(doc, WSDL, "port") {
        let Some(address) = doc
            .child(port, SOAP12, "address")
            .and_then(|a| doc.attribute(a, "", "location"))
        else {
            continue;
        };
        let binding_name = doc.attribute(port, "", "binding").unwrap_or_default();
        let binding_name = binding_name.rsplit(':').next().unwrap_or_default();
        let Some(binding) = elements(doc, WSDL, "binding")
            .into_iter()
            .find(|b| doc.attribute(*b, "", "name") == Some(binding_name))
        else {
            continue;
        };
        if doc.child(binding, SOAP12, "binding").is_none() {
            continue;
        }
        let Some(reference) = doc
            .child(binding, WSP, "PolicyReference")
            .and_then(|r| doc.attribute(r, "", "URI"))
        else {
            continue;
        };
        let id = reference.trim_start_matches('#');
        let Some(policy) = elements(doc, WSP, "Policy")
            .into_iter()
            .find(|p| doc.attribute(*p, WSU, "Id") == Some(id))
        else {
            continue;
        };
        let Some((sp, supporting)) = username_policy(doc, policy) else {
            continue;
        };
        let action = child_path(doc, binding, &[(WSDL, "operation"), (SOAP12, "operation")])
            .and_then(|o| doc.attribute(o, "", "soapAction"))
            .unwrap_or_default()
            .to_owned();
        out.insert((address.to_owned(), sp, supporting, action));
    }
    out
}

/// The recorded AD FS metadata's username endpoints, on our public address.
fn recorded(name: &str, host: &str) -> BTreeSet<UsernameEndpoint> {
    let text = fixture_text(name);
    let doc = Document::parse(text.trim_start_matches('\u{feff}').as_bytes()).unwrap();
    username_endpoints(&doc)
        .into_iter()
        .map(|(a, sp, s, act)| (a.replace(host, PUBLIC), sp, s, act))
        .collect()
}

/// A data directory with a public URL, the MSOL realm and the user the MSAL recording used.
fn adfs_dir() -> crate::server_support::TempDir {
    let dir = data_dir("adfs");
    let cfg = dir.path().join(wstrust::config::datadir::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).unwrap();
    // The same Argon2 cost as the demo user's (the loader insists on one cost).
    let hash = hash_password(MSAL_PASSWORD.as_bytes(), &Argon2Params::default()).unwrap();
    let text = text
        .replace(
            "issuer = ",
            &format!("public_url = \"{PUBLIC}\"\nissuer = "),
        )
        .replace(
            "[[users]]\n",
            &format!(
                "[[realms]]\nname = \"msol\"\napplies_to = \"{MSOL}\"\ncert = \"pki/service.pem\"\n\n\
                 [[users]]\nname = \"{MSAL_USER}\"\npassword_hash = \"{hash}\"\n\n[[users]]\n"
            ),
        );
    std::fs::write(&cfg, text).unwrap();
    dir
}

fn replay_msal(addr: std::net::SocketAddr, path: &str, age_ms: i64) -> Http {
    let body = fixture_text("clients/requests/msal-issue-wst13.xml");
    let headers = fixture_text("clients/requests/msal-issue-wst13.headers.txt");
    let header = |h: &str| {
        headers
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(h)
                    .then(|| v.trim().to_owned())
            })
            .unwrap()
    };
    // A fresh Timestamp: the recording's is long expired.
    let now = SystemClock.now_ms() - age_ms;
    let body = body
        .replace("2026-11-23T09:41:50Z", &datetime::format(now))
        .replace("2026-11-23T09:51:50Z", &datetime::format(now + 600_000));
    assert!(
        body.contains(&datetime::format(now)),
        "timestamp not replaced"
    );
    request(
        addr,
        "POST",
        path,
        &[
            ("Content-Type", &header("content-type")),
            ("SOAPAction", &header("soapaction")),
        ],
        body.as_bytes(),
    )
}

#[test]
fn adfs_metadata_and_msal_replay_over_http() {
    let dir = adfs_dir();
    let server = start(load(dir.path()));
    let addr = server.addr();

    // The AD FS metadata, as MSAL/ADAL read it, offers exactly what AD FS offers for
    // usernames (1.3 and 2005 usernamemixed), at our public address.
    let r = get(addr, "/adfs/services/trust/mex");
    assert_eq!(r.status, 200);
    let doc = Document::parse(&r.body).unwrap();
    let ours = username_endpoints(&doc);
    let u13 = format!("{PUBLIC}/adfs/services/trust/13/usernamemixed");
    let u2005 = format!("{PUBLIC}/adfs/services/trust/2005/usernamemixed");
    let addresses: BTreeSet<&str> = ours.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(addresses, BTreeSet::from([u13.as_str(), u2005.as_str()]));
    for (name, host) in [
        (
            "wstrust/adfs-adal/common.mex.xml",
            "https://adfs.federatedtenant.com",
        ),
        (
            "wstrust/adfs-msal-dotnet/TestMex.xml",
            "https://msft.sts.microsoft.com",
        ),
    ] {
        let theirs: BTreeSet<UsernameEndpoint> = recorded(name, host)
            .into_iter()
            .filter(|e| e.0.ends_with("/usernamemixed"))
            .collect();
        assert_eq!(ours, theirs, "{name}");
    }
    // The same document over SOAP (WS-Transfer Get).
    let get_req = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" \
        xmlns:a=\"http://www.w3.org/2005/08/addressing\"><s:Header>\
        <a:Action s:mustUnderstand=\"1\">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>\
        <a:MessageID>urn:uuid:1</a:MessageID></s:Header><s:Body/></s:Envelope>";
    let r = request(
        addr,
        "POST",
        "/adfs/services/trust/mex",
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        get_req.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(username_endpoints(&Document::parse(&r.body).unwrap()), ours);

    // MSAL's recorded request on the 1.3 alias: a SAML 1.1 bearer assertion in an RSTRC.
    let r = replay_msal(addr, "/adfs/services/trust/13/usernamemixed", 0);
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = Document::parse(&r.body).unwrap();
    let t13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    let rstrc = elements(&doc, t13, "RequestSecurityTokenResponseCollection");
    assert_eq!(rstrc.len(), 1, "{}", r.text());
    let token_type = elements(&doc, t13, "TokenType");
    assert_eq!(doc.text(token_type[0]), SAML11);
    let assertions = elements(&doc, SAML11, "Assertion");
    assert_eq!(assertions.len(), 1, "{}", r.text());
    assert!(r.text().contains(MSAL_USER));

    // On /sts the same request (Bearer, no TokenType) gets the STS's own default for a
    // bearer key: a SAML 2.0 assertion (AD FS paths answer SAML 1.1, as AD FS does).
    let r = replay_msal(addr, "/sts", 1000);
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = Document::parse(&r.body).unwrap();
    let saml2 = "urn:oasis:names:tc:SAML:2.0:assertion";
    assert_eq!(elements(&doc, saml2, "Assertion").len(), 1, "{}", r.text());
    assert!(elements(&doc, SAML11, "Assertion").is_empty());
}

// ---------------------------------------------------------------------------------------
// Issue 17: the AD FS endpoint set, MEX listing exactly it, WS-Federation metadata, and
// SOAP 1.2 faults in AD FS's shape.

const WST13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
const WST2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
const ACTION13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
const ACTION2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue";
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const FED: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const WSA: &str = "http://www.w3.org/2005/08/addressing";
const MEX: &str = "http://schemas.xmlsoap.org/ws/2004/09/mex";
const FEDERATION_PATH: &str = "/FederationMetadata/2007-06/FederationMetadata.xml";
/// The STS endpoints AD FS serves that this STS serves too.
const SERVED: [&str; 8] = [
    "/adfs/services/trust/13/usernamemixed",
    "/adfs/services/trust/13/certificatemixed",
    "/adfs/services/trust/2005/usernamemixed",
    "/adfs/services/trust/2005/certificatemixed",
    "/adfs/services/trust/13/issuedtokenmixedasymmetricbasic256",
    "/adfs/services/trust/13/issuedtokenmixedsymmetricbasic256",
    "/adfs/services/trust/2005/issuedtokenmixedasymmetricbasic256",
    "/adfs/services/trust/2005/issuedtokenmixedsymmetricbasic256",
];
/// The AD FS endpoints this STS does not serve: windowstransport (Kerberos) never,
/// certificatetransport (TLS client certificates) not.
const NOT_SERVED: [&str; 4] = [
    "/adfs/services/trust/13/windowstransport",
    "/adfs/services/trust/2005/windowstransport",
    "/adfs/services/trust/2005/certificatetransport",
    "/adfs/ls/",
];

/// A port of a WSDL: (name, address, binding name, soapAction of its operation).
type Port = (String, String, String, String);

fn ports(doc: &Document) -> Vec<Port> {
    let mut out = Vec::new();
    for port in elements(doc, WSDL, "port") {
        let address = doc
            .child(port, SOAP12, "address")
            .and_then(|a| doc.attribute(a, "", "location"))
            .unwrap_or_default()
            .to_owned();
        let binding = doc.attribute(port, "", "binding").unwrap_or_default();
        let binding = binding.rsplit(':').next().unwrap_or_default().to_owned();
        let action = elements(doc, WSDL, "binding")
            .into_iter()
            .find(|b| doc.attribute(*b, "", "name") == Some(binding.as_str()))
            .and_then(|b| child_path(doc, b, &[(WSDL, "operation"), (SOAP12, "operation")]))
            .and_then(|o| doc.attribute(o, "", "soapAction"))
            .unwrap_or_default()
            .to_owned();
        let name = doc
            .attribute(port, "", "name")
            .unwrap_or_default()
            .to_owned();
        out.push((name, address, binding, action));
    }
    out
}

/// The exclusive canonical form of `n` without the white space between elements: two
/// policies are the same policy when these are equal.
fn squeezed(doc: &Document, n: NodeId) -> String {
    let mut out = Vec::new();
    wstrust::xml::canonicalize(doc, n, &wstrust::xml::C14nOptions::exclusive(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut s = String::with_capacity(text.len());
    let mut pending = String::new();
    let mut after_tag = false;
    for c in text.chars() {
        if after_tag && c.is_whitespace() {
            pending.push(c);
            continue;
        }
        if c != '<' {
            s.push_str(&pending);
        }
        pending.clear();
        s.push(c);
        after_tag = c == '>';
    }
    s
}

fn policy_by_id(doc: &Document, id: &str) -> Option<NodeId> {
    elements(doc, WSP, "Policy")
        .into_iter()
        .find(|p| doc.attribute(*p, WSU, "Id") == Some(id))
}

fn fixture_doc(name: &str) -> Document {
    let text = fixture_text(name);
    Document::parse(text.trim_start_matches('\u{feff}').as_bytes()).unwrap()
}

#[test]
fn adfs_mex_lists_exactly_the_served_endpoints_with_adfs_policies() {
    let dir = adfs_dir();
    let loaded = load(dir.path());
    // What the configuration serves under /adfs/services/trust/ as STS endpoints.
    let configured: BTreeSet<String> = loaded
        .server
        .aliases
        .iter()
        .filter(|a| a.endpoint == wstrust::server::Endpoint::Sts)
        .filter(|a| a.path.starts_with("/adfs/services/trust/"))
        .map(|a| a.path.clone())
        .collect();
    assert_eq!(
        configured,
        SERVED
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>()
    );
    let server = start(loaded);
    let addr = server.addr();

    let r = get(addr, "/adfs/services/trust/mex");
    assert_eq!(r.status, 200);
    let text = r.text();
    let doc = Document::parse(&r.body).unwrap();
    let ours = ports(&doc);
    let paths: BTreeSet<String> = ours
        .iter()
        .map(|p| p.1.strip_prefix(PUBLIC).unwrap_or(&p.1).to_owned())
        .collect();
    // MEX lists exactly the endpoints that exist: each once, each served.
    assert_eq!(ours.len(), SERVED.len(), "{ours:?}");
    assert_eq!(paths, configured, "MEX ports = served STS routes");
    for p in &paths {
        // Served: an STS route answers GET with 405 (POST a SOAP request here), unknown
        // paths with 404.
        assert_eq!(get(addr, p).status, 405, "{p}");
    }
    for p in NOT_SERVED {
        assert_eq!(get(addr, p).status, 404, "{p}");
        let r = request(
            addr,
            "POST",
            p,
            &[("Content-Type", "application/soap+xml; charset=utf-8")],
            b"<x/>",
        );
        assert_eq!(r.status, 404, "POST {p}");
        if let Some(tail) = p.strip_prefix("/adfs/services/trust/") {
            let tail = tail.rsplit('/').next().unwrap();
            assert!(!text.contains(tail), "MEX names {tail}");
        }
    }
    assert!(
        !text.contains("NegotiateAuthentication"),
        "no Kerberos policy"
    );

    // Each binding's policy is AD FS's, element for element: the username, certificate and
    // issued-token (public and symmetric proof key) policies of both versions as the AD FS MEX recorded for ADAL carries them (the other
    // recordings come from other AD FS versions or were edited: MSAL.NET's TestMex.xml has
    // empty Wss11 assertions).
    let mut compared = Vec::new();
    for (_, _, binding, _) in &ours {
        let id = format!("{binding}_policy");
        let mine = policy_by_id(&doc, &id).unwrap_or_else(|| panic!("no policy {id}"));
        for name in ["wstrust/adfs-adal/common.mex.xml"] {
            let theirs_doc = fixture_doc(name);
            let Some(theirs) = policy_by_id(&theirs_doc, &id) else {
                continue;
            };
            assert_eq!(
                squeezed(&doc, mine),
                squeezed(&theirs_doc, theirs),
                "{id} differs from {name}"
            );
            compared.push(format!("{name}#{id}"));
        }
    }
    assert_eq!(
        compared
            .iter()
            .filter(|c| c.starts_with("wstrust/adfs-adal/common.mex.xml#"))
            .count(),
        8,
        "all eight policies are in common.mex.xml: {compared:?}"
    );
    // The ports themselves: AD FS's port, binding and operation names and soapActions.
    let theirs: BTreeSet<Port> = ports(&fixture_doc("wstrust/adfs-adal/common.mex.xml"))
        .into_iter()
        .filter(|p| {
            SERVED
                .iter()
                .any(|s| p.1 == format!("https://adfs.federatedtenant.com{s}"))
        })
        .map(|(n, a, b, act)| {
            (
                n,
                a.replace("https://adfs.federatedtenant.com", PUBLIC),
                b,
                act,
            )
        })
        .collect();
    assert_eq!(ours.iter().cloned().collect::<BTreeSet<_>>(), theirs);
    let action_of = |path: &str| {
        ours.iter()
            .find(|p| p.1.ends_with(path))
            .map(|p| p.3.clone())
            .unwrap()
    };
    assert_eq!(action_of("/13/certificatemixed"), ACTION13);
    assert_eq!(action_of("/2005/certificatemixed"), ACTION2005);

    // Two independent readers: MSAL's MEX parser and zeep.
    let Some(py) = crate::realclient_support::python_clients() else {
        return;
    };
    let file = dir.path().join("mex.xml");
    std::fs::write(&file, &r.body).unwrap();
    let facts = crate::realclient_support::run_client(
        std::process::Command::new(py)
            .arg(crate::realclient_support::clients_dir().join("adfs_mex_clients.py"))
            .arg("--mex")
            .arg(&file),
    );
    let all = |key: &str| -> BTreeSet<String> {
        facts
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(
        all("msal_username"),
        BTreeSet::from([
            format!("{PUBLIC}/adfs/services/trust/13/usernamemixed|{ACTION13}"),
            format!("{PUBLIC}/adfs/services/trust/2005/usernamemixed|{ACTION2005}"),
        ]),
        "MSAL finds both username endpoints and nothing else"
    );
    assert!(all("msal_iwa").is_empty(), "MSAL finds no windowstransport");
    assert_eq!(
        crate::interop_support::fact(&facts, "msal_chosen"),
        format!("{PUBLIC}/adfs/services/trust/13/usernamemixed|{ACTION13}")
    );
    let zeep: BTreeSet<String> = all("zeep_port");
    let expected: BTreeSet<String> = ours
        .iter()
        .map(|(n, a, _, act)| {
            let op = if act == ACTION13 {
                "Trust13IssueAsync"
            } else {
                "TrustFeb2005IssueAsync"
            };
            format!("{n}|{a}|{op}|{act}")
        })
        .collect();
    assert_eq!(zeep, expected, "zeep binds every port with its operation");
    assert_eq!(crate::interop_support::fact(&facts, "zeep_warnings"), "0");
}

#[test]
fn certificatemixed_issues_saml11_to_a_client_certificate_in_both_versions() {
    use wstrust::client::{ClientConfig, Credentials, IssueRequest, RequestedTokenType, StsClient};
    use wstrust::crypto::RsaPrivateKey;
    use wstrust::pki::Certificate;
    use wstrust::soap::SoapVersion;
    use wstrust::trust::{KeyType, TrustVersion};

    let dir = data_dir("adfs-cert");
    let server = start(load(dir.path()));
    let addr = server.addr();
    let pki = |f: &str| std::fs::read_to_string(dir.path().join("pki").join(f)).unwrap();
    let (_, _, applies_to) = crate::server_support::demo(dir.path());
    for (path, trust) in [
        (
            "/adfs/services/trust/13/certificatemixed",
            TrustVersion::V13,
        ),
        (
            "/adfs/services/trust/2005/certificatemixed",
            TrustVersion::Feb2005,
        ),
    ] {
        let mut cfg = ClientConfig::new(SoapVersion::V12, trust);
        cfg.sts_cert = Some(Certificate::from_pem(&pki("sts.pem")).unwrap());
        cfg.retries = 0;
        let client = StsClient::new(&format!("http://{addr}{path}"), cfg).unwrap();
        let mut req = IssueRequest::new(
            applies_to.clone(),
            Credentials::X509 {
                cert: Certificate::from_pem(&pki("client.pem")).unwrap(),
                key: RsaPrivateKey::from_pem(&pki("client.key")).unwrap(),
            },
        );
        req.key_type = KeyType::Bearer;
        req.token_type = RequestedTokenType::Saml11;
        let token = client.issue(&req).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(token.sts_signature_verified, "{path}");
        assert_eq!(token.token_type.as_deref(), Some(SAML11), "{path}");
        let doc = Document::parse(token.token_xml.as_bytes()).unwrap();
        assert!(doc.is(doc.root(), SAML11, "Assertion"), "{path}");
        // A bearer assertion for the realm, about the client certificate's subject, that
        // the realm validates with only the STS certificate.
        let trusted = [wstrust::saml::TrustedIssuer::new(
            Certificate::from_pem(&pki("sts.pem")).unwrap(),
        )];
        let policy = wstrust::saml::ValidationPolicy::new(
            &trusted,
            [applies_to.as_str()],
            SystemClock.now_ms(),
        );
        let v = wstrust::saml::validate_xml(token.token_xml.as_bytes(), &policy)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let client = Certificate::from_pem(&pki("client.pem")).unwrap();
        assert_eq!(v.subject.value, client.subject(), "{path}");
        assert!(
            matches!(v.confirmation, wstrust::saml::Confirmation::Bearer),
            "{path}"
        );
    }
}

/// A SOAP 1.2 Issue request with a UsernameToken, in WS-Trust `trust` (1.3 or 2005).
fn rst12_username(trust: &str, user: &str, password: &str, applies_to: &str) -> String {
    let now = SystemClock.now_ms();
    let created = datetime::format(now);
    let expires = datetime::format(now + 300_000);
    let (action, request_type, key_type) = if trust == WST2005 {
        (
            ACTION2005,
            "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue",
            "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey",
        )
    } else {
        (
            ACTION13,
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
        )
    };
    format!(
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" \
xmlns:a=\"http://www.w3.org/2005/08/addressing\" \
xmlns:o=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" \
xmlns:u=\"{WSU}\"><s:Header><a:Action s:mustUnderstand=\"1\">{action}</a:Action>\
<a:MessageID>urn:uuid:0f3e0a4c-2b1d-4b8e-9a77-1c2d3e4f5a6b</a:MessageID>\
<o:Security s:mustUnderstand=\"1\"><u:Timestamp u:Id=\"_0\"><u:Created>{created}</u:Created>\
<u:Expires>{expires}</u:Expires></u:Timestamp><o:UsernameToken u:Id=\"uuid-1\">\
<o:Username>{user}</o:Username><o:Password>{password}</o:Password></o:UsernameToken>\
</o:Security></s:Header><s:Body><t:RequestSecurityToken xmlns:t=\"{trust}\">\
<wsp:AppliesTo xmlns:wsp=\"{WSP}\"><a:EndpointReference><a:Address>{applies_to}</a:Address>\
</a:EndpointReference></wsp:AppliesTo><t:KeyType>{key_type}</t:KeyType>\
<t:RequestType>{request_type}</t:RequestType></t:RequestSecurityToken></s:Body></s:Envelope>"
    )
}

/// The element paths (by local name) of a fault, from `Fault` down.
fn fault_paths(doc: &Document) -> BTreeSet<String> {
    let fault = elements(doc, "http://www.w3.org/2003/05/soap-envelope", "Fault")[0];
    let mut out = BTreeSet::new();
    for n in doc
        .descendants_or_self(fault)
        .filter(|n| doc.is_element(*n))
    {
        let mut path = Vec::new();
        let mut m = Some(n);
        while let Some(x) = m {
            path.push(doc.name(x).local.to_owned());
            if x == fault {
                break;
            }
            m = doc.parent(x);
        }
        path.reverse();
        out.insert(path.join("/"));
    }
    out
}

#[test]
fn soap12_faults_have_the_adfs_shape() {
    const ENV12: &str = "http://www.w3.org/2003/05/soap-envelope";
    let dir = data_dir("adfs-fault");
    let server = start(load(dir.path()));
    let addr = server.addr();
    let (user, _, applies_to) = crate::server_support::demo(dir.path());
    let adfs = fixture_doc("wstrust/adfs-msal-dotnet/WsTrustResponseNoToken.xml");
    let mut adfs_paths = fault_paths(&adfs);
    adfs_paths.remove("Fault/Detail");

    let hostile_user = format!("{user}<b>&amp;\"'");
    for (path, trust) in [
        ("/adfs/services/trust/13/usernamemixed", WST13),
        ("/adfs/services/trust/2005/usernamemixed", WST2005),
    ] {
        let body = rst12_username(
            trust,
            &hostile_user.replace('<', "&lt;"),
            "wrong",
            &applies_to,
        );
        let r = request(
            addr,
            "POST",
            path,
            &[
                ("Content-Type", "application/soap+xml; charset=utf-8"),
                (
                    "SOAPAction",
                    if trust == WST2005 {
                        ACTION2005
                    } else {
                        ACTION13
                    },
                ),
            ],
            body.as_bytes(),
        );
        // 500 for SOAP 1.2 Sender faults too: soap::Fault::http_status.
        assert_eq!(r.status, 500, "{path}: {}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/soap+xml; charset=utf-8"),
            "{path}"
        );
        let doc = Document::parse(&r.body).unwrap();
        assert_eq!(fault_paths(&doc), adfs_paths, "{path}: {}", r.text());
        let value = elements(&doc, ENV12, "Value");
        assert_eq!(doc.text(value[0]), "s:Sender");
        assert_eq!(doc.lookup_namespace(value[0], "s"), Some(ENV12));
        let sub = doc.text(value[1]);
        let (prefix, local) = sub.split_once(':').unwrap();
        assert_eq!(local, "FailedAuthentication", "{path}");
        // The subcode QName is in the request's trust namespace, as AD FS answers.
        assert_eq!(
            doc.lookup_namespace(value[1], prefix),
            Some(trust),
            "{path}"
        );
        let text = elements(&doc, ENV12, "Text")[0];
        assert_eq!(
            doc.attribute(text, wstrust::xml::ns::XML, "lang"),
            Some("en-US")
        );
        assert_eq!(doc.text(text), "Authentication failed");
        assert!(
            !r.text().contains("<b>") && !r.text().contains(&user),
            "{path}: echoes input"
        );
    }

    // Not XML at all: the generic fault, same shape, Sender.
    let r = request(
        addr,
        "POST",
        "/adfs/services/trust/13/usernamemixed",
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        b"<s:Envelope><oops",
    );
    assert_eq!(r.status, 500);
    let doc = Document::parse(&r.body).unwrap();
    assert_eq!(fault_paths(&doc), adfs_paths, "{}", r.text());
    assert_eq!(doc.text(elements(&doc, ENV12, "Value")[0]), "s:Sender");
    assert!(!r.text().contains("oops"));
}

#[test]
fn federation_metadata_is_signed_and_lists_the_sts_endpoints() {
    use wstrust::pki::Certificate;
    use wstrust::xmlsec::{self, base64_decode, NoResolver, Policy, Signature, VerificationKey};

    let dir = adfs_dir();
    let loaded = load(dir.path());
    let issuer = loaded.engine.issuer.clone();
    let server = start(loaded);
    let addr = server.addr();
    let r = get(addr, FEDERATION_PATH);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/samlmetadata+xml")
    );
    let doc = Document::parse(&r.body).unwrap();
    let root = doc.root();
    let sts_pem = std::fs::read_to_string(dir.path().join("pki/sts.pem")).unwrap();
    let sts = Certificate::from_pem(&sts_pem).unwrap();

    // Shape: EntityDescriptor(ID, entityID = issuer) / ds:Signature first / RoleDescriptor
    // of fed:SecurityTokenServiceType with the signing key, token types and endpoints.
    assert!(doc.is(root, MD, "EntityDescriptor"));
    assert_eq!(doc.attribute(root, "", "entityID"), Some(issuer.as_str()));
    let id = doc.attribute(root, "", "ID").unwrap().to_owned();
    assert!(id.starts_with('_'));
    let children: Vec<NodeId> = doc.child_elements(root).collect();
    assert_eq!(children.len(), 2, "{}", r.text());
    assert!(
        doc.is(children[0], DS, "Signature"),
        "ds:Signature comes first"
    );
    let role = children[1];
    assert!(doc.is(role, MD, "RoleDescriptor"));
    let xsi_type = doc.attribute(role, XSI, "type").unwrap();
    let (p, local) = xsi_type.split_once(':').unwrap();
    assert_eq!(local, "SecurityTokenServiceType");
    assert_eq!(doc.lookup_namespace(role, p), Some(FED));
    let protocols = doc
        .attribute(role, "", "protocolSupportEnumeration")
        .unwrap();
    for p in [WST13, WST2005, FED] {
        assert!(protocols.split(' ').any(|x| x == p), "{p}");
    }
    let role_children: Vec<String> = doc
        .child_elements(role)
        .map(|n| doc.name(n).local.to_owned())
        .collect();
    // One endpoint per served AD FS path, then /sts.
    let expected_children: Vec<&str> = ["KeyDescriptor", "TokenTypesOffered"]
        .into_iter()
        .chain(std::iter::repeat_n(
            "SecurityTokenServiceEndpoint",
            SERVED.len() + 1,
        ))
        .collect();
    assert_eq!(
        role_children, expected_children,
        "metadata schema order: KeyDescriptor, then the fed elements"
    );
    let kd = doc.child(role, MD, "KeyDescriptor").unwrap();
    assert_eq!(doc.attribute(kd, "", "use"), Some("signing"));
    let cert = child_path(
        &doc,
        kd,
        &[(DS, "KeyInfo"), (DS, "X509Data"), (DS, "X509Certificate")],
    )
    .unwrap();
    assert_eq!(
        base64_decode(doc.text(cert).trim()).unwrap(),
        sts.der(),
        "the signing certificate is the STS's"
    );
    let offered: BTreeSet<String> = elements(&doc, FED, "TokenType")
        .into_iter()
        .map(|t| doc.attribute(t, "", "Uri").unwrap().to_owned())
        .collect();
    assert!(offered.contains(SAML11) && offered.contains("urn:oasis:names:tc:SAML:2.0:assertion"));
    let mut endpoints = Vec::new();
    for e in elements(&doc, FED, "SecurityTokenServiceEndpoint") {
        let epr = doc.child(e, WSA, "EndpointReference").unwrap();
        let address = doc
            .text(doc.child(epr, WSA, "Address").unwrap())
            .into_owned();
        let mex = child_path(
            &doc,
            epr,
            &[
                (WSA, "Metadata"),
                (MEX, "Metadata"),
                (MEX, "MetadataSection"),
                (MEX, "MetadataReference"),
                (WSA, "Address"),
            ],
        )
        .map(|a| doc.text(a).into_owned());
        endpoints.push((address, mex));
    }
    let adfs_mex = Some(format!("{PUBLIC}/adfs/services/trust/mex"));
    let mut expected: Vec<(String, Option<String>)> = SERVED
        .iter()
        .map(|p| (format!("{PUBLIC}{p}"), adfs_mex.clone()))
        .collect();
    expected.push((format!("{PUBLIC}/sts"), Some(format!("{PUBLIC}/sts/mex"))));
    assert_eq!(endpoints, expected, "the AD FS endpoints, then /sts");
    assert!(elements(&doc, FED, "PassiveRequestorEndpoint").is_empty());
    // Every endpoint named is served (POST only: GET is 405) and its metadata too.
    for (a, m) in &endpoints {
        let path = a.strip_prefix(PUBLIC).unwrap();
        assert_eq!(get(addr, path).status, 405, "{path}");
        let mpath = m.as_deref().unwrap().strip_prefix(PUBLIC).unwrap();
        assert_eq!(get(addr, mpath).status, 200, "{mpath}");
    }

    // The signature: enveloped over the whole document, RSA-SHA256, exclusive c14n.
    let policy = Policy::default();
    let sig = Signature::read(&doc, children[0], &policy).unwrap();
    assert_eq!(
        sig.method.uri(),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );
    assert_eq!(sig.references.len(), 1);
    assert_eq!(
        sig.references[0].uri.as_deref(),
        Some(format!("#{id}").as_str())
    );
    let v = xmlsec::verify(
        &doc,
        &sig,
        VerificationKey::Rsa(sts.public_key()),
        &policy,
        &NoResolver,
    )
    .expect("our verifier accepts it");
    assert!(v.references(root));

    // xmlsec1 (libxmlsec1) verifies it with the STS certificate, or with the dev CA as the
    // trust anchor for the certificate in KeyInfo; a tampered copy fails both ways.
    if !crate::support::require_tool("xmlsec1") {
        return;
    }
    let file = dir.path().join("FederationMetadata.xml");
    let tampered_file = dir.path().join("FederationMetadata-tampered.xml");
    std::fs::write(&file, &r.body).unwrap();
    let tampered = r
        .text()
        .replace(&format!("{PUBLIC}/sts<"), "https://attacker.example/sts<");
    assert_ne!(tampered, r.text());
    std::fs::write(&tampered_file, tampered).unwrap();
    let xmlsec1 = |key_opt: &str, key: &std::path::Path, f: &std::path::Path| {
        let o = std::process::Command::new("xmlsec1")
            .arg("--verify")
            .arg(key_opt)
            .arg(key)
            .args(["--id-attr:ID", &format!("{MD}:EntityDescriptor")])
            .arg(f)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    for (opt, key) in [
        ("--pubkey-cert-pem", dir.path().join("pki/sts.pem")),
        ("--trusted-pem", dir.path().join("pki/ca.pem")),
    ] {
        let (ok, err) = xmlsec1(opt, &key, &file);
        assert!(ok, "xmlsec1 {opt}: {err}");
        let (ok, _) = xmlsec1(opt, &key, &tampered_file);
        assert!(!ok, "xmlsec1 {opt} accepted a tampered copy");
    }
}
