//! Every request recorded from real clients (msal, adal, adal-node, zeep, node-soap) goes
//! through the request pipeline at its recorded clock: envelope, security header (signatures
//! verified against the recorded client certificate), WS-Addressing, the WS-Trust message.
//! Then the faults: every security failure is the same generic fault.

use std::path::PathBuf;

use wstrust::engine::fault::{log_reason, to_fault};
use wstrust::engine::request::{parse_request, Incoming};
use wstrust::engine::Error;
use wstrust::soap::FaultSubcode;
use wstrust::trust::TrustMessage;
use wstrust::wss::{self, Environment, FixedClock, InboundConfig};
use wstrust::xml::{ns, Document, Limits};

use crate::support::shared;
use crate::wss_support::{MemoryReplay, TestKeys};

struct Recorded {
    name: String,
    body: Vec<u8>,
    content_type: Option<String>,
    soap_action: Option<String>,
}

fn recorded() -> Vec<Recorded> {
    let dir = shared().join("clients/requests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "xml") && !p.to_string_lossy().contains("xmlsec1-")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let headers = std::fs::read_to_string(p.with_extension("headers.txt")).unwrap();
            let header = |name: &str| {
                headers.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_owned())
                })
            };
            Recorded {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                body: std::fs::read(&p).unwrap(),
                content_type: header("content-type"),
                soap_action: header("soapaction"),
            }
        })
        .collect()
}

/// The recorded clock: the message's Timestamp Created (or UsernameToken Created) + 1 s.
fn recorded_clock(body: &[u8]) -> i64 {
    let doc = Document::parse(body).unwrap();
    let created = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSU, "Created"))
        .map(|n| doc.text(n).into_owned())
        .expect("every recorded request carries a wsu:Created");
    wss::time::parse(&created).unwrap() + 1000
}

fn parse(
    r: &Recorded,
    clock: i64,
    replay: &MemoryReplay,
) -> Result<wstrust::engine::request::ParsedRequest, Error> {
    let keys = TestKeys::recorded_pki();
    let clock = FixedClock(clock);
    let env = Environment {
        clock: &clock,
        replay,
        keys: &keys,
    };
    let incoming = Incoming {
        body: &r.body,
        content_type: r.content_type.as_deref(),
        soap_action: r.soap_action.as_deref(),
    };
    parse_request(incoming, &Limits::default(), &InboundConfig::default(), env)
}

#[test]
fn every_recorded_client_request_is_accepted_at_its_clock() {
    let all = recorded();
    assert!(all.len() >= 55, "{}", all.len());
    let mut signed = 0;
    for r in &all {
        let req = parse(r, recorded_clock(&r.body), &MemoryReplay::default())
            .unwrap_or_else(|e| panic!("{}: {}", r.name, log_reason(&e)));
        assert!(req.action.is_some(), "{}: no action", r.name);
        assert!(
            matches!(req.message, TrustMessage::Rst(_) | TrustMessage::Rstc(_)),
            "{}",
            r.name
        );
        let is_signed_client = r.name.contains("x509") || r.name.contains("-cert-");
        assert_eq!(req.body_signed, is_signed_client, "{}", r.name);
        if is_signed_client {
            signed += 1;
            assert!(
                matches!(
                    req.secured.signatures()[0].token(),
                    wss::SigningToken::X509(_)
                ),
                "{}",
                r.name
            );
        } else {
            assert!(
                req.secured.username_token().is_some(),
                "{}: no username token",
                r.name
            );
        }
    }
    assert_eq!(signed, 14, "the manifest records 14 signed requests");
}

#[test]
fn security_failures_are_one_generic_fault() {
    let all = recorded();
    let zeep = all
        .iter()
        .find(|r| r.name == "zeep-soap11-x509-issue-bearer.xml")
        .unwrap();
    let t = recorded_clock(&zeep.body);
    let replay = MemoryReplay::default();
    parse(zeep, t, &replay).unwrap();
    let mut faults = Vec::new();
    // Replayed.
    faults.push(parse(zeep, t, &replay).unwrap_err());
    // Stale.
    faults.push(parse(zeep, t + 3_600_000, &MemoryReplay::default()).unwrap_err());
    // Tampered body.
    let text = String::from_utf8(zeep.body.clone()).unwrap();
    let tampered = Recorded {
        body: text
            .replacen(
                "https://rp.example.com/service",
                "https://evil.example.com/xx",
                1,
            )
            .into_bytes(),
        name: zeep.name.clone(),
        content_type: zeep.content_type.clone(),
        soap_action: zeep.soap_action.clone(),
    };
    assert_ne!(tampered.body, zeep.body);
    faults.push(parse(&tampered, t, &MemoryReplay::default()).unwrap_err());
    for e in &faults {
        assert!(matches!(e, Error::Security(_)), "{}", log_reason(e));
        let f = to_fault(e, ns::WST13);
        assert_eq!(
            f.subcode,
            Some(FaultSubcode::FailedAuthentication),
            "{}",
            log_reason(e)
        );
        assert_eq!(f, to_fault(&faults[0], ns::WST13));
    }
    // The log keeps the precise reasons apart.
    assert_ne!(log_reason(&faults[0]), log_reason(&faults[1]));
    assert_ne!(log_reason(&faults[1]), log_reason(&faults[2]));
}

#[test]
fn malformed_input_is_an_invalid_request_fault() {
    let all = recorded();
    let msal = all
        .iter()
        .find(|r| r.name == "msal-issue-wst13.xml")
        .unwrap();
    let t = recorded_clock(&msal.body);
    for body in [
        b"<not-xml".to_vec(),
        b"<!DOCTYPE x [<!ENTITY a \"a\">]><x>&a;</x>".to_vec(),
        String::from_utf8(msal.body.clone())
            .unwrap()
            .replace("RequestSecurityToken>", "Other>")
            .into_bytes(),
    ] {
        let r = Recorded {
            body,
            name: "m".into(),
            content_type: msal.content_type.clone(),
            soap_action: None,
        };
        let e = parse(&r, t, &MemoryReplay::default()).unwrap_err();
        let f = to_fault(&e, ns::WST13);
        assert!(
            matches!(f.subcode, Some(FaultSubcode::InvalidRequest)) || f.subcode.is_none(),
            "{}",
            log_reason(&e)
        );
    }
    // Wrong media type.
    let r = Recorded {
        body: msal.body.clone(),
        name: "m".into(),
        content_type: Some("application/json".into()),
        soap_action: None,
    };
    assert!(matches!(
        parse(&r, t, &MemoryReplay::default()),
        Err(Error::InvalidRequest { .. })
    ));
}
