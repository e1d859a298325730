//! SOAP envelopes, WS-Addressing and faults, against what real clients send.

use std::path::PathBuf;

use wstrust::soap::{
    is_processed_header, Addressing, Envelope, Error, Fault, FaultSubcode, SoapVersion,
};
use wstrust::xml::{ns, Document, Writer};

use crate::support::{fixture, require_tool, shared};

fn recorded_requests() -> Vec<PathBuf> {
    let dir = shared().join("clients/requests");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "xml")
                && !p
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("xmlsec1")
        })
        .collect();
    v.sort();
    v
}

/// The Content-Type header recorded beside a request.
fn content_type(xml: &std::path::Path) -> Option<String> {
    let headers = std::fs::read_to_string(xml.with_extension("headers.txt")).ok()?;
    headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-type")
            .then(|| v.trim().to_owned())
    })
}

#[test]
fn every_recorded_client_request_is_a_valid_envelope_with_an_action() {
    let files = recorded_requests();
    assert!(files.len() >= 55, "found {}", files.len());
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(f).unwrap();
        let doc = Document::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ct = content_type(f).unwrap_or_else(|| panic!("{name}: no content type"));
        let transport = SoapVersion::from_content_type(&ct);
        assert!(transport.is_some(), "{name}: {ct}");
        let env = Envelope::read(&doc, transport).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = if name.contains("soap11") {
            SoapVersion::V11
        } else {
            SoapVersion::V12
        };
        assert_eq!(env.version(), expected, "{name}");
        let body = env.body_element().expect("body element");
        assert!(
            doc.name(body).local.starts_with("RequestSecurityToken"),
            "{name}"
        );
        let wsa = Addressing::read(&env).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Every client names the operation: in wsa:Action, SOAPAction or the action parameter.
        let action_param = SoapVersion::action_parameter(&ct);
        let soap_action = std::fs::read_to_string(f.with_extension("headers.txt"))
            .unwrap()
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("soapaction:"));
        assert!(
            wsa.action.is_some() || action_param.is_some() || soap_action,
            "{name}: no action anywhere"
        );
        // Only WS-Security and WS-Addressing headers are mandatory in what clients send.
        env.check_must_understand(|n| n.is(ns::WSSE, "Security") || is_processed_header(n))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn adal_lowercase_message_id_is_ignored_not_fatal() {
    let bytes = fixture("clients/requests/adal-issue-wst13.xml");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("messageID"), "fixture shape changed");
    let doc = Document::parse(&bytes).unwrap();
    let env = Envelope::read(&doc, Some(SoapVersion::V12)).unwrap();
    let wsa = Addressing::read(&env).unwrap();
    assert!(wsa.action.is_some());
    assert_eq!(wsa.message_id, None);
}

#[test]
fn duplicate_addressing_headers_same_value_ok_different_value_refused() {
    let mk = |second: &str| {
        format!(
            concat!(
                "<s:Envelope xmlns:s=\"{}\" xmlns:a=\"{}\"><s:Header>",
                "<a:Action>urn:x</a:Action><a:Action>{}</a:Action>",
                "</s:Header><s:Body><b/></s:Body></s:Envelope>"
            ),
            ns::SOAP12,
            ns::WSA,
            second
        )
    };
    let same = mk("urn:x");
    let doc = Document::parse(same.as_bytes()).unwrap();
    let env = Envelope::read(&doc, None).unwrap();
    assert_eq!(
        Addressing::read(&env).unwrap().action.as_deref(),
        Some("urn:x")
    );
    let different = mk("urn:y");
    let doc = Document::parse(different.as_bytes()).unwrap();
    let env = Envelope::read(&doc, None).unwrap();
    assert!(matches!(
        Addressing::read(&env),
        Err(Error::InvalidAddressing { header: "Action" })
    ));
}

#[test]
fn structure_errors_are_refused() {
    let s12 = ns::SOAP12;
    let cases = [
        format!("<e xmlns=\"{s12}\"/>"),
        format!("<s:Envelope xmlns:s=\"{s12}\"><s:Header/></s:Envelope>"),
        format!("<s:Envelope xmlns:s=\"{s12}\"><s:Body/><s:Header/></s:Envelope>"),
        format!("<s:Envelope xmlns:s=\"{s12}\"><s:Body/><s:Body/></s:Envelope>"),
        format!("<s:Envelope xmlns:s=\"{s12}\"><s:Body><a/><b/></s:Body></s:Envelope>"),
        format!("<s:Envelope xmlns:s=\"{s12}\">text<s:Body/></s:Envelope>"),
        format!("<s:Envelope xmlns:s=\"{s12}\"><x/><s:Body/></s:Envelope>"),
        format!(
            "<s:Envelope xmlns:s=\"{s12}\"><s:Header><h s:mustUnderstand=\"maybe\"/></s:Header><s:Body/></s:Envelope>"
        ),
        "<s:Envelope xmlns:s=\"urn:not-soap\"><s:Body/></s:Envelope>".to_owned(),
    ];
    for c in cases {
        let doc = Document::parse(c.as_bytes()).unwrap();
        assert!(Envelope::read(&doc, None).is_err(), "{c}");
    }
    // Version disagreement with the transport.
    let c = format!("<s:Envelope xmlns:s=\"{s12}\"><s:Body/></s:Envelope>");
    let doc = Document::parse(c.as_bytes()).unwrap();
    assert!(matches!(
        Envelope::read(&doc, Some(SoapVersion::V11)),
        Err(Error::VersionMismatch { .. })
    ));
}

#[test]
fn must_understand_unknown_header_is_refused_unless_for_another_role() {
    let s11 = ns::SOAP11;
    let mk = |attrs: &str| {
        format!(
            "<s:Envelope xmlns:s=\"{s11}\"><s:Header><x:H xmlns:x=\"urn:h\" {attrs}/></s:Header><s:Body/></s:Envelope>"
        )
    };
    let check = |xml: String| {
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let env = Envelope::read(&doc, Some(SoapVersion::V11)).unwrap();
        env.check_must_understand(|_| false).map(|_| ())
    };
    assert!(matches!(
        check(mk("s:mustUnderstand=\"1\"")),
        Err(Error::MustUnderstand { .. })
    ));
    assert!(check(mk("s:mustUnderstand=\"0\"")).is_ok());
    assert!(check(mk("s:mustUnderstand=\"1\" s:actor=\"urn:someone-else\"")).is_ok());
}

#[test]
fn content_types() {
    assert_eq!(
        SoapVersion::from_content_type("application/soap+xml; charset=utf-8"),
        Some(SoapVersion::V12)
    );
    assert_eq!(
        SoapVersion::from_content_type("TEXT/XML;charset=UTF-8"),
        Some(SoapVersion::V11)
    );
    assert_eq!(SoapVersion::from_content_type("application/json"), None);
    assert_eq!(
        SoapVersion::action_parameter(
            "application/soap+xml; charset=utf-8; action=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue\""
        )
        .as_deref(),
        Some("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue")
    );
}

fn fault_envelope(version: SoapVersion, fault: &Fault) -> String {
    let mut w = Writer::new();
    wstrust::soap::write_envelope(&mut w, version, |_| {}, |w| fault.write(w, version));
    w.finish().unwrap()
}

#[test]
fn faults_have_the_shape_clients_parse() {
    let f = Fault::sender(FaultSubcode::FailedAuthentication);
    let xml12 = fault_envelope(SoapVersion::V12, &f);
    let doc = Document::parse(xml12.as_bytes()).unwrap();
    let env = Envelope::read(&doc, Some(SoapVersion::V12)).unwrap();
    let fault = env.body_element().unwrap();
    let code = doc.child(fault, ns::SOAP12, "Code").unwrap();
    let value = doc.child(code, ns::SOAP12, "Value").unwrap();
    assert_eq!(doc.text(value), "s:Sender");
    let sub = doc.child(code, ns::SOAP12, "Subcode").unwrap();
    let sv = doc.child(sub, ns::SOAP12, "Value").unwrap();
    assert_eq!(doc.text(sv), "wst:FailedAuthentication");
    assert_eq!(doc.lookup_namespace(sv, "wst"), Some(ns::WST13));

    let xml11 = fault_envelope(
        SoapVersion::V11,
        &Fault::sender(FaultSubcode::InvalidScope).in_trust_namespace(ns::WST_2005),
    );
    let doc = Document::parse(xml11.as_bytes()).unwrap();
    let env = Envelope::read(&doc, Some(SoapVersion::V11)).unwrap();
    let fault = env.body_element().unwrap();
    let code = doc.child(fault, "", "faultcode").unwrap();
    assert_eq!(doc.text(code), "wst:InvalidScope");
    assert_eq!(doc.lookup_namespace(code, "wst"), Some(ns::WST_2005));
    assert_eq!(f.http_status(), 500);
}

#[test]
fn faults_validate_against_the_soap_schemas() {
    if !require_tool("xmllint") {
        return;
    }
    let schemas = shared().join("schemas");
    for (version, xsd) in [
        (SoapVersion::V11, "soap-1.1.xsd"),
        (SoapVersion::V12, "soap-1.2.xsd"),
    ] {
        for sub in [FaultSubcode::InvalidRequest, FaultSubcode::FailedCheck] {
            let xml = fault_envelope(version, &Fault::sender(sub));
            let path = std::env::temp_dir().join(format!(
                "wstrust-fault-{}-{version}-{sub:?}.xml",
                std::process::id()
            ));
            std::fs::write(&path, xml).unwrap();
            let out = std::process::Command::new("xmllint")
                .env("XML_CATALOG_FILES", schemas.join("catalog.xml"))
                .args(["--nonet", "--noout", "--schema"])
                .arg(schemas.join(xsd))
                .arg(&path)
                .output()
                .unwrap();
            std::fs::remove_file(&path).ok();
            assert!(
                out.status.success(),
                "{xsd}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn wss4j_messages_are_envelopes_of_both_versions() {
    for (dir, version) in [
        ("wss4j/soap11", SoapVersion::V11),
        ("wss4j/soap12", SoapVersion::V12),
    ] {
        let mut n = 0;
        for e in std::fs::read_dir(shared().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "xml") {
                continue;
            }
            let doc = Document::parse(&std::fs::read(&p).unwrap()).unwrap();
            let env = Envelope::read(&doc, Some(version)).unwrap();
            assert!(
                env.headers_named(ns::WSSE, "Security").count() == 1,
                "{p:?}"
            );
            n += 1;
        }
        assert!(n >= 28, "{dir}: {n}");
    }
}

#[test]
fn replies_relate_to_the_request_and_go_back_to_reply_to() {
    let xml = format!(
        concat!(
            "<s:Envelope xmlns:s=\"{}\" xmlns:a=\"{}\"><s:Header>",
            "<a:Action>urn:req</a:Action><a:MessageID>urn:uuid:1</a:MessageID>",
            "<a:ReplyTo><a:Address>http://client.example/reply</a:Address></a:ReplyTo>",
            "</s:Header><s:Body><b/></s:Body></s:Envelope>"
        ),
        ns::SOAP12,
        ns::WSA
    );
    let doc = Document::parse(xml.as_bytes()).unwrap();
    let env = Envelope::read(&doc, None).unwrap();
    let reply = Addressing::read(&env)
        .unwrap()
        .reply("urn:resp", "urn:uuid:2".into());
    assert_eq!(reply.relates_to.as_deref(), Some("urn:uuid:1"));
    assert_eq!(reply.to.as_deref(), Some("http://client.example/reply"));
    let mut w = Writer::new();
    wstrust::soap::write_envelope(&mut w, SoapVersion::V12, |w| reply.write(w, "r"), |_| {});
    let out = Document::parse(w.finish().unwrap().as_bytes()).unwrap();
    let env = Envelope::read(&out, Some(SoapVersion::V12)).unwrap();
    let back = Addressing::read(&env).unwrap();
    assert_eq!(back.action.as_deref(), Some("urn:resp"));
    assert_eq!(back.relates_to.as_deref(), Some("urn:uuid:1"));
    assert_eq!(back.to.as_deref(), Some("http://client.example/reply"));
    // Anonymous ReplyTo: the reply goes to the anonymous address.
    let anon = Addressing {
        reply_to: Some(wstrust::soap::ANONYMOUS.into()),
        ..Addressing::default()
    };
    assert_eq!(anon.reply("urn:r", "urn:m".into()).to, None);
}
