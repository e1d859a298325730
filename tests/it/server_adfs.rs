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
