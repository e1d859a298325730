//! SAML assertions issued and validated: every variant (2.0 / 1.1 × bearer / holder-of-key
//! symmetric / holder-of-key public, with and without EncryptedAssertion, claims, actor), the
//! shape of what we write, and the key identifier reference.

use wstrust::crypto::SecretBytes;
use wstrust::saml::{
    encrypt, issue, uri, validate_xml, write_key_identifier, AssertionSpec, AuthnMethod, Claim,
    Confirmation, ConfirmationSpec, Error, NameId, PublicKeyInfo, RecipientReference, SamlVersion,
};
use wstrust::xml::{ns, Document, NodeKind, Writer};

use crate::saml_support::{
    now, pki, spec, Kind, AUDIENCE, EMAIL, ISSUER, KINDS, OID_CN, ONE_HOUR, PROOF_KEY, ROLE,
};

fn check_confirmation(kind: Kind, got: &Confirmation) {
    let pki = pki();
    match (kind, got) {
        (Kind::Bearer, Confirmation::Bearer) => {}
        (
            Kind::SymmetricThumbprint | Kind::SymmetricSki,
            Confirmation::HolderOfKeySymmetric { key },
        ) => {
            assert_eq!(key.expose(), &PROOF_KEY[..]);
        }
        (
            Kind::PublicCertificate,
            Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(c)),
        ) => {
            assert_eq!(c.der(), pki.client.der());
        }
        (Kind::PublicKeyValue, Confirmation::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(k))) => {
            assert_eq!(k.spki_der(), pki.client.public_key().spki_der());
        }
        other => panic!("confirmation mismatch: {other:?}"),
    }
}

#[test]
fn every_variant_is_issued_and_validated() {
    let pki = pki();
    let mut seen = 0;
    for version in [SamlVersion::V20, SamlVersion::V11] {
        for kind in KINDS {
            for actor in [false, true] {
                for encrypted in [false, true] {
                    if encrypted && version == SamlVersion::V11 {
                        continue;
                    }
                    let s = spec(version, kind, actor);
                    let issued = issue(&s, pki.signer()).unwrap();
                    assert_eq!(issued.version, version);
                    let xml = if encrypted {
                        encrypt(&issued, &pki.rp, RecipientReference::ThumbprintSha1).unwrap()
                    } else {
                        issued.xml.clone()
                    };
                    let v = validate_xml(xml.as_bytes(), &pki.policy()).unwrap_or_else(|e| {
                        panic!("{version:?} {kind:?} actor={actor} enc={encrypted}: {e}\n{xml}")
                    });
                    assert_eq!(v.version, version);
                    assert_eq!(v.id, issued.id);
                    assert_eq!(v.issuer, ISSUER);
                    assert_eq!(v.subject, s.subject);
                    assert_eq!(v.claims, s.claims);
                    assert_eq!(v.actor, s.actor);
                    assert_eq!(v.encrypted, encrypted);
                    assert_eq!(v.not_before_ms, Some(s.not_before_ms));
                    assert_eq!(v.not_on_or_after_ms, s.not_on_or_after_ms);
                    assert_eq!(v.issue_instant_ms, s.issue_instant_ms);
                    assert_eq!(v.audiences, s.audiences);
                    let authn = v.authn.as_ref().unwrap();
                    assert_eq!(authn.instant_ms, now() - 120_000);
                    // SAML 1.1 has no separate "protected transport" method.
                    let method = match version {
                        SamlVersion::V20 => AuthnMethod::PasswordProtectedTransport,
                        SamlVersion::V11 => AuthnMethod::Password,
                    };
                    assert_eq!(authn.method, method);
                    assert_eq!(v.signer.der(), pki.sts.der());
                    check_confirmation(kind, &v.confirmation);
                    seen += 1;
                }
            }
        }
    }
    assert_eq!(seen, 30);
}

#[test]
fn minimal_assertions_validate() {
    let pki = pki();
    // SAML 2.0: no statements at all (subject and conditions only).
    let mut s = AssertionSpec::new(
        SamlVersion::V20,
        ISSUER,
        NameId::new("bob"),
        ConfirmationSpec::Bearer,
        now(),
        ONE_HOUR,
    );
    s.audiences = vec![AUDIENCE.into()];
    let v = validate_xml(
        issue(&s, pki.signer()).unwrap().xml.as_bytes(),
        &pki.policy(),
    )
    .unwrap();
    assert_eq!(v.subject, NameId::new("bob"));
    assert!(v.claims.is_empty() && v.authn.is_none() && v.actor.is_none());

    // SAML 1.1: one attribute statement only.
    s.version = SamlVersion::V11;
    s.claims = vec![Claim::new(EMAIL, ["bob@example.org"])];
    let v = validate_xml(
        issue(&s, pki.signer()).unwrap().xml.as_bytes(),
        &pki.policy(),
    )
    .unwrap();
    assert_eq!(v.claims, s.claims);
    assert!(v.authn.is_none());

    // SAML 1.1: the actor alone is a statement too.
    s.claims.clear();
    s.actor = Some("delegate".into());
    let v = validate_xml(
        issue(&s, pki.signer()).unwrap().xml.as_bytes(),
        &pki.policy(),
    )
    .unwrap();
    assert_eq!(v.actor.as_deref(), Some("delegate"));
    assert!(v.claims.is_empty());
}

/// Every element's namespace declarations repeat one made on the assertion element itself,
/// so the assertion can be cut out of the RSTR as text.
fn namespaces_declared_on_root(xml: &str) {
    let doc = Document::parse(xml.as_bytes()).unwrap();
    let root = doc.root();
    let on_root: Vec<(String, String)> = doc
        .namespace_declarations(root)
        .map(|d| (d.prefix.to_owned(), d.uri.to_owned()))
        .collect();
    for n in doc.descendants_or_self(root) {
        if doc.kind(n) != NodeKind::Element {
            continue;
        }
        let prefix = doc.prefix(n);
        let uri = doc.name(n).ns;
        assert!(
            on_root.iter().any(|(p, u)| p == prefix && u == uri),
            "{}:{} not declared on the assertion element",
            prefix,
            doc.name(n).local
        );
        for a in doc.attributes(n) {
            if !a.name.ns.is_empty() && a.name.ns != ns::XML {
                assert!(on_root.iter().any(|(p, u)| p == a.prefix && u == a.name.ns));
            }
        }
        for d in doc.namespace_declarations(n) {
            assert!(on_root.iter().any(|(p, u)| p == d.prefix && u == d.uri));
        }
    }
}

#[test]
fn shape_of_what_we_write() {
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        for kind in KINDS {
            let issued = issue(&spec(version, kind, true), pki.signer()).unwrap();
            namespaces_declared_on_root(&issued.xml);
            let doc = Document::parse(issued.xml.as_bytes()).unwrap();
            let kids: Vec<_> = doc.child_elements(doc.root()).collect();
            let sig_at = kids
                .iter()
                .position(|k| doc.is(*k, ns::DS, "Signature"))
                .unwrap();
            match version {
                SamlVersion::V20 => {
                    assert!(doc.is(kids[0], ns::SAML2, "Issuer"));
                    assert_eq!(sig_at, 1);
                    assert_eq!(
                        doc.attribute(doc.root(), "", "ID"),
                        Some(issued.id.as_str())
                    );
                }
                SamlVersion::V11 => {
                    assert_eq!(sig_at, kids.len() - 1);
                    assert_eq!(
                        doc.attribute(doc.root(), "", "AssertionID"),
                        Some(issued.id.as_str())
                    );
                    assert_eq!(doc.attribute(doc.root(), "", "Issuer"), Some(ISSUER));
                }
            }
            // Random ids: `_` and 32 hex digits.
            assert_eq!(issued.id.len(), 33);
            assert!(issued.id.starts_with('_'));
            assert!(issued.id[1..].bytes().all(|b| b.is_ascii_hexdigit()));
            // The signature: one reference to the assertion, enveloped + exc-c14n, SHA-256.
            let text = &issued.xml;
            assert!(text.contains(&format!("URI=\"#{}\"", issued.id)));
            assert!(text.contains("http://www.w3.org/2000/09/xmldsig#enveloped-signature"));
            assert!(text.contains("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"));
            assert!(text.contains("http://www.w3.org/2001/04/xmlenc#sha256"));
            assert!(text.contains("<ds:X509Certificate>"));
        }
    }
    let a = issue(&spec(SamlVersion::V20, Kind::Bearer, false), pki.signer()).unwrap();
    let b = issue(&spec(SamlVersion::V20, Kind::Bearer, false), pki.signer()).unwrap();
    assert_ne!(a.id, b.id);
}

#[test]
fn saml11_claims_split_as_adfs_does() {
    let issued = issue(&spec(SamlVersion::V11, Kind::Bearer, false), pki().signer()).unwrap();
    assert!(issued.xml.contains(
        "AttributeName=\"emailaddress\" AttributeNamespace=\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims\""
    ));
    assert!(issued
        .xml
        .contains("AttributeName=\"2.5.4.3\" AttributeNamespace=\"urn:oid:\""));
    let v20 = issue(&spec(SamlVersion::V20, Kind::Bearer, true), pki().signer()).unwrap();
    assert!(v20.xml.contains(&format!(
        "Name=\"{ROLE}\" NameFormat=\"{}\"",
        uri::ATTRNAME_FORMAT_URI
    )));
    assert!(v20.xml.contains(&format!("Name=\"{}\"", uri::ACTOR_CLAIM)));
    assert!(v20.xml.contains(&format!("Name=\"{OID_CN}\"")));
}

#[test]
fn key_identifier_reference() {
    for (version, value_type, token_type) in [
        (
            SamlVersion::V20,
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID",
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
        ),
        (
            SamlVersion::V11,
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID",
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
        ),
    ] {
        let issued = issue(&spec(version, Kind::Bearer, false), pki().signer()).unwrap();
        let mut w = Writer::new();
        issued.write_key_identifier(&mut w);
        let xml = w.finish().unwrap();
        let mut w = Writer::new();
        write_key_identifier(&mut w, version, &issued.id);
        assert_eq!(w.finish().unwrap(), xml);
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let str_ = doc.root();
        assert!(doc.is(str_, ns::WSSE, "SecurityTokenReference"));
        assert_eq!(
            doc.attribute(str_, ns::WSSE11, "TokenType"),
            Some(token_type)
        );
        let ki = doc.child(str_, ns::WSSE, "KeyIdentifier").unwrap();
        assert_eq!(doc.attribute(ki, "", "ValueType"), Some(value_type));
        assert_eq!(doc.attribute(ki, "", "EncodingType"), None);
        assert_eq!(doc.text(ki), issued.id);
        // And the WS-Security layer reads it as a KeyIdentifier with that value.
        let r = wstrust::wss::TokenReference::read(&doc, str_).unwrap();
        assert_eq!(
            r,
            wstrust::wss::TokenReference::KeyIdentifier {
                value_type: value_type.into(),
                value: issued.id.clone()
            }
        );
    }
}

#[test]
fn specs_that_cannot_be_written_are_refused() {
    let pki = pki();
    let refused = |s: &AssertionSpec| matches!(issue(s, pki.signer()), Err(Error::Spec { .. }));
    let base = || spec(SamlVersion::V20, Kind::Bearer, false);

    let mut s = base();
    s.audiences.clear();
    assert!(refused(&s), "no audience");
    let mut s = base();
    s.claims.push(Claim::new(uri::ACTOR_CLAIM, ["x"]));
    assert!(refused(&s), "actor smuggled in as a claim");
    let mut s = base();
    s.claims.push(Claim::new(EMAIL, Vec::<String>::new()));
    assert!(refused(&s), "claim without values");
    let mut s = base();
    s.id = Some("1-not-an-ncname".into());
    assert!(refused(&s), "bad id");
    let mut s = base();
    s.id = Some("_fixed.id-1".into());
    assert_eq!(issue(&s, pki.signer()).unwrap().id, "_fixed.id-1");
    let mut s = base();
    s.not_on_or_after_ms = s.not_before_ms;
    assert!(refused(&s), "empty validity");
    let mut s = base();
    s.subject = NameId::new(" ");
    assert!(refused(&s), "empty subject");
    let mut s = base();
    s.confirmation = ConfirmationSpec::HolderOfKeySymmetric {
        key: SecretBytes::from_slice(&[1; 8]),
        recipient: pki.rp.clone(),
        reference: RecipientReference::ThumbprintSha1,
    };
    assert!(refused(&s), "short proof key");

    let mut s = spec(SamlVersion::V11, Kind::Bearer, false);
    s.authn = None;
    s.claims.clear();
    assert!(refused(&s), "SAML 1.1 without statements");
    let mut s = spec(SamlVersion::V11, Kind::Bearer, false);
    s.claims = vec![Claim::new("noseparator", ["x"])];
    assert!(refused(&s), "SAML 1.1 claim type that cannot be split");

    let v11 = issue(&spec(SamlVersion::V11, Kind::Bearer, false), pki.signer()).unwrap();
    assert!(matches!(
        encrypt(&v11, &pki.rp, RecipientReference::ThumbprintSha1),
        Err(Error::Spec { .. })
    ));
}
