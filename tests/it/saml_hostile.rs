//! Assertions that must be refused: tampered, wrapped, re-signed, out of time, for someone
//! else, or confirmed in a way the service does not accept. Each tampering row runs for SAML
//! 2.0 and 1.1 with a holder-of-key symmetric assertion with claims and an actor.

use wstrust::saml::{
    encrypt, issue, validate, ConfirmationMethods, Error, IssuedAssertion, RecipientReference,
    SamlVersion, ServiceKey, SigningCredentials, TrustedIssuer, ValidatedAssertion,
    ValidationPolicy,
};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec;

use crate::saml_support::{now, pki, spec, Kind, AUDIENCE, ISSUER, ONE_HOUR};

/// Validates the first assertion in document order (what a naive consumer would read).
fn validate_first(xml: &str, policy: &ValidationPolicy<'_>) -> Result<ValidatedAssertion, Error> {
    let doc = Document::parse(xml.as_bytes()).map_err(Error::from)?;
    let a = doc
        .descendants_or_self(doc.root())
        .find(|n| {
            doc.is(*n, ns::SAML2, "Assertion")
                || doc.is(*n, ns::SAML1, "Assertion")
                || doc.is(*n, ns::SAML2, "EncryptedAssertion")
        })
        .expect("an assertion");
    validate(&doc, a, policy)
}

fn signature(xml: &str) -> &str {
    let start = xml.find("<ds:Signature").unwrap();
    let end = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    &xml[start..end]
}

fn without_signature(xml: &str) -> String {
    xml.replacen(signature(xml), "", 1)
}

fn id_attr(a: &IssuedAssertion) -> String {
    match a.version {
        SamlVersion::V20 => format!("ID=\"{}\"", a.id),
        SamlVersion::V11 => format!("AssertionID=\"{}\"", a.id),
    }
}

/// Where `saml:Advice` goes in an assertion we wrote (after Conditions).
fn advice_at(a: &IssuedAssertion, xml: &str) -> usize {
    match a.version {
        SamlVersion::V20 => xml.find("<saml:AuthnStatement").unwrap(),
        SamlVersion::V11 => xml.find("<saml:AttributeStatement").unwrap(),
    }
}

/// The signed assertion moved into the `Advice` of an evil one (claims changed, the original
/// signature kept); `new_id` gives the evil one its own Id.
fn wrapped_in_advice(a: &IssuedAssertion, new_id: bool, keep_signature: bool) -> String {
    let mut evil = a
        .xml
        .replace(">alice@example.org<", ">mallory@example.org<");
    if new_id {
        evil = evil.replacen(&id_attr(a), &id_attr(a).replace(&a.id, "_evil"), 1);
    }
    if !keep_signature {
        evil = without_signature(&evil);
    }
    let at = advice_at(a, &evil);
    evil.insert_str(at, &format!("<saml:Advice>{}</saml:Advice>", a.xml));
    evil
}

/// The signed assertion moved into a protocol `Extensions` element after an evil one.
fn wrapped_in_extensions(a: &IssuedAssertion, new_id: bool) -> String {
    let mut evil = a
        .xml
        .replace(">alice@example.org<", ">mallory@example.org<");
    if new_id {
        evil = evil.replacen(&id_attr(a), &id_attr(a).replace(&a.id, "_evil"), 1);
    }
    format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">{evil}\
         <samlp:Extensions>{}</samlp:Extensions></samlp:Response>",
        a.xml
    )
}

fn issued(version: SamlVersion) -> IssuedAssertion {
    issue(
        &spec(version, Kind::SymmetricThumbprint, true),
        pki().signer(),
    )
    .unwrap()
}

macro_rules! tampered {
    ($($name:ident: $mutate:expr => $pat:pat,)*) => {$(
        #[test]
        fn $name() {
            for version in [SamlVersion::V20, SamlVersion::V11] {
                let a = issued(version);
                let mutate: fn(&IssuedAssertion) -> String = $mutate;
                let xml = mutate(&a);
                let r = validate_first(&xml, &pki().policy());
                assert!(matches!(r, $pat), "{version:?}: {r:?}\n{xml}");
            }
        }
    )*};
}

tampered! {
    untouched_validates: |a| a.xml.clone() => Ok(ValidatedAssertion { .. }),
    attribute_value_changed: |a| a.xml.replacen(">admin<", ">root<", 1)
        => Err(Error::XmlSec(xmlsec::Error::DigestMismatch { .. })),
    subject_changed: |a| a.xml.replacen(">alice@example.org<", ">mallory@example.org<", 1)
        => Err(Error::XmlSec(xmlsec::Error::DigestMismatch { .. })),
    audience_changed: |a| a.xml.replacen(AUDIENCE, "https://evil.example.org/", 1)
        => Err(Error::XmlSec(xmlsec::Error::DigestMismatch { .. })),
    signature_value_changed: |a| {
        let sig = signature(&a.xml);
        let v = sig.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let flipped = if &sig[v..v + 1] == "A" { "B" } else { "A" };
        a.xml.replacen(sig, &format!("{}{flipped}{}", &sig[..v], &sig[v + 1..]), 1)
    } => Err(Error::XmlSec(xmlsec::Error::BadSignature)),
    signature_removed: |a| without_signature(&a.xml) => Err(Error::Signature { .. }),
    second_signature: |a| {
        let sig = signature(&a.xml);
        a.xml.replacen(sig, &format!("{sig}{sig}"), 1)
    } => Err(Error::Signature { .. }),
    signature_moved: |a| {
        let sig = signature(&a.xml).to_owned();
        let mut x = without_signature(&a.xml);
        match a.version {
            // SAML 2.0: last instead of after Issuer.
            SamlVersion::V20 => {
                let end = x.rfind("</saml:Assertion>").unwrap();
                x.insert_str(end, &sig);
            }
            // SAML 1.1: first instead of last.
            SamlVersion::V11 => {
                let at = x.find("<saml:Conditions").unwrap();
                x.insert_str(at, &sig);
            }
        }
        x
    } => Err(Error::Signature { .. }),
    signing_certificate_swapped: |a| {
        let client = xmlsec::base64_encode(pki().client.der());
        let sts = xmlsec::base64_encode(pki().sts.der());
        a.xml.replacen(&sts, &client, 1)
    } => Err(Error::UntrustedIssuer { .. }),
    duplicate_id_elsewhere: |a| format!("<Wrapper>{}<Other ID=\"{}\"/></Wrapper>", a.xml, a.id)
        => Err(Error::DuplicateId),
    duplicate_id_inside: |a| a.xml.replacen("<saml:Conditions ", &format!("<saml:Conditions ID=\"{}\" ", a.id), 1)
        => Err(Error::DuplicateId),
    wrapped_in_advice_same_id: |a| wrapped_in_advice(a, false, true) => Err(Error::DuplicateId),
    wrapped_in_advice_new_id: |a| wrapped_in_advice(a, true, true) => Err(Error::Signature { .. }),
    wrapped_in_advice_unsigned: |a| wrapped_in_advice(a, true, false) => Err(Error::Signature { .. }),
    wrapped_in_extensions_same_id: |a| wrapped_in_extensions(a, false) => Err(Error::DuplicateId),
    wrapped_in_extensions_new_id: |a| wrapped_in_extensions(a, true) => Err(Error::Signature { .. }),
}

/// The classic SAML comment-truncation bug: c14n without comments ignores the comment, so the
/// signature still holds, and the name must be read whole.
#[test]
fn comment_in_a_name_does_not_truncate_it() {
    for version in [SamlVersion::V20, SamlVersion::V11] {
        let a = issued(version);
        let xml = a
            .xml
            .replace(">alice@example.org<", ">alice@example.org<!---->.evil<");
        assert!(validate_first(&xml, &pki().policy()).is_err(), "text added");
        let xml = a
            .xml
            .replace(">alice@example.org<", ">alice<!---->@example.org<");
        let v = validate_first(&xml, &pki().policy()).unwrap();
        assert_eq!(v.subject.value, "alice@example.org");
    }
}

#[test]
fn wrong_audience_is_refused() {
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        let a = issued(version);
        let mut p = pki.policy();
        p.audiences = vec!["https://other.example.org/".into()];
        assert!(matches!(validate_first(&a.xml, &p), Err(Error::Audience)));
        p.audiences.clear();
        assert!(matches!(validate_first(&a.xml, &p), Err(Error::Audience)));
        // The second audience of the restriction matches as well as the first.
        p.audiences = vec!["urn:other:audience".into()];
        assert!(validate_first(&a.xml, &p).is_ok());
    }
}

#[test]
fn time_window_with_skew() {
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        let s = spec(version, Kind::Bearer, false);
        let a = issue(&s, pki.signer()).unwrap();
        let at = |now_ms: i64, skew_ms: i64| {
            let mut p = pki.policy();
            p.now_ms = now_ms;
            p.skew_ms = skew_ms;
            validate_first(&a.xml, &p)
        };
        let skew = 300_000;
        assert!(at(s.not_on_or_after_ms + skew - 1, skew).is_ok());
        assert!(matches!(
            at(s.not_on_or_after_ms + skew, skew),
            Err(Error::Expired)
        ));
        assert!(matches!(at(s.not_on_or_after_ms, 0), Err(Error::Expired)));
        assert!(at(s.not_before_ms - skew, skew).is_ok());
        assert!(matches!(
            at(s.not_before_ms - skew - 1, skew),
            Err(Error::NotYetValid)
        ));
        assert!(matches!(
            at(s.not_before_ms - 1, 0),
            Err(Error::NotYetValid)
        ));
        assert!(matches!(
            at(now() + 2 * ONE_HOUR, skew),
            Err(Error::Expired)
        ));
    }
}

#[test]
fn untrusted_signer_is_refused() {
    let pki = pki();
    let rogue = SigningCredentials {
        certificate: &pki.client,
        key: &pki.client_key,
    };
    for version in [SamlVersion::V20, SamlVersion::V11] {
        let a = issue(&spec(version, Kind::Bearer, false), rogue).unwrap();
        assert!(matches!(
            validate_first(&a.xml, &pki.policy()),
            Err(Error::UntrustedIssuer { .. })
        ));
        // Without its certificate in KeyInfo, every trusted key is tried, and none verifies.
        let sig = signature(&a.xml);
        let ki_start = sig.find("<ds:KeyInfo>").unwrap();
        let ki_end = sig.find("</ds:KeyInfo>").unwrap() + "</ds:KeyInfo>".len();
        let stripped = a.xml.replacen(&sig[ki_start..ki_end], "", 1);
        assert!(matches!(
            validate_first(&stripped, &pki.policy()),
            Err(Error::XmlSec(xmlsec::Error::BadSignature))
        ));
        // Our STS's assertion without KeyInfo still verifies with the trusted certificate.
        let good = issue(&spec(version, Kind::Bearer, false), pki.signer()).unwrap();
        let sig = signature(&good.xml);
        let ki_start = sig.find("<ds:KeyInfo>").unwrap();
        let ki_end = sig.find("</ds:KeyInfo>").unwrap() + "</ds:KeyInfo>".len();
        let stripped = good.xml.replacen(&sig[ki_start..ki_end], "", 1);
        assert!(validate_first(&stripped, &pki.policy()).is_ok());
        // Nobody trusted at all.
        let none = ValidationPolicy::new(&[], [AUDIENCE], now());
        assert!(matches!(
            validate_first(&good.xml, &none),
            Err(Error::UntrustedIssuer { .. })
        ));
    }
}

#[test]
fn trusted_certificate_bound_to_another_issuer_name() {
    let pki = pki();
    let bound = [TrustedIssuer::named(
        pki.sts.clone(),
        "https://other-sts.example.org/",
    )];
    let any = [TrustedIssuer::new(pki.sts.clone())];
    for version in [SamlVersion::V20, SamlVersion::V11] {
        let a = issued(version);
        let mut p = ValidationPolicy::new(&bound, [AUDIENCE], now());
        p.service = Some(pki.service());
        assert!(matches!(
            validate_first(&a.xml, &p),
            Err(Error::UntrustedIssuer { .. })
        ));
        let mut p = ValidationPolicy::new(&any, [AUDIENCE], now());
        p.service = Some(pki.service());
        assert_eq!(validate_first(&a.xml, &p).unwrap().issuer, ISSUER);
    }
}

#[test]
fn confirmation_methods_and_keys() {
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        // Bearer where holder of key is required.
        let bearer = issue(&spec(version, Kind::Bearer, false), pki.signer()).unwrap();
        let mut p = pki.policy();
        p.confirmations = ConfirmationMethods::holder_of_key();
        assert!(matches!(
            validate_first(&bearer.xml, &p),
            Err(Error::Confirmation { .. })
        ));
        let public = issue(&spec(version, Kind::PublicCertificate, false), pki.signer()).unwrap();
        assert!(validate_first(&public.xml, &p).is_ok());
        p.confirmations.holder_of_key_public = false;
        assert!(matches!(
            validate_first(&public.xml, &p),
            Err(Error::Confirmation { .. })
        ));

        // Holder of key symmetric: no service key, or the key of someone else.
        let hok = issued(version);
        let mut p = pki.policy();
        p.service = None;
        assert!(matches!(
            validate_first(&hok.xml, &p),
            Err(Error::Confirmation { .. })
        ));
        p.service = Some(ServiceKey {
            certificate: &pki.client,
            key: &pki.client_key,
        });
        assert!(matches!(
            validate_first(&hok.xml, &p),
            Err(Error::Confirmation { .. })
        ));
        // Naming us but encrypted for another key: one generic decryption failure.
        p.service = Some(ServiceKey {
            certificate: &pki.rp,
            key: &pki.client_key,
        });
        assert!(matches!(
            validate_first(&hok.xml, &p),
            Err(Error::XmlSec(xmlsec::Error::Decryption))
        ));
    }
}

#[test]
fn encrypted_assertion_for_someone_else_or_tampered() {
    let pki = pki();
    let a = issued(SamlVersion::V20);
    let enc = encrypt(&a, &pki.rp, RecipientReference::ThumbprintSha1).unwrap();
    assert!(validate_first(&enc, &pki.policy()).unwrap().encrypted);
    let mut p = pki.policy();
    p.service = None;
    assert!(matches!(
        validate_first(&enc, &p),
        Err(Error::Confirmation { .. })
    ));
    // Encrypted for the requester, not for us.
    let theirs = encrypt(&a, &pki.client, RecipientReference::SubjectKeyIdentifier).unwrap();
    assert!(matches!(
        validate_first(&theirs, &pki.policy()),
        Err(Error::Confirmation { .. })
    ));
    // A flipped ciphertext byte: the GCM tag fails.
    let cv = enc.rfind("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len() + 20;
    let flipped = if &enc[cv..cv + 1] == "A" { "B" } else { "A" };
    let bad = format!("{}{flipped}{}", &enc[..cv], &enc[cv + 1..]);
    assert!(matches!(
        validate_first(&bad, &pki.policy()),
        Err(Error::XmlSec(xmlsec::Error::Decryption))
    ));
    // An unsigned assertion encrypted for us is still unsigned.
    let unsigned = IssuedAssertion {
        xml: without_signature(&a.xml),
        ..a.clone()
    };
    let enc = encrypt(&unsigned, &pki.rp, RecipientReference::ThumbprintSha1).unwrap();
    assert!(matches!(
        validate_first(&enc, &pki.policy()),
        Err(Error::Signature { .. })
    ));
}

#[test]
fn unknown_conditions_and_statements_are_refused() {
    // Re-signed by the STS after the change, so only the content check can refuse them.
    let pki = pki();
    let resign = |xml: &str, version: SamlVersion| -> String {
        let unsigned = without_signature(xml);
        let doc = Document::parse(unsigned.as_bytes()).unwrap();
        let id = doc.id_of(doc.root()).unwrap().to_owned();
        let key_info = |w: &mut wstrust::xml::Writer| {
            w.start_prefixed(ns::DS, "X509Data", Some("ds"));
            w.element_text(
                ns::DS,
                "X509Certificate",
                &xmlsec::base64_encode(pki.sts.der()),
            );
            w.end();
        };
        let sig = xmlsec::sign(
            &doc,
            &[xmlsec::SignReference {
                node: doc.root(),
                uri: format!("#{id}"),
                enveloped: true,
                prefixes: None,
            }],
            xmlsec::SignatureSpec::default(),
            xmlsec::SigningKey::Rsa(&pki.sts_key),
            Some(&key_info),
        )
        .unwrap();
        let at = match version {
            SamlVersion::V20 => unsigned.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len(),
            SamlVersion::V11 => unsigned.rfind("</saml:Assertion>").unwrap(),
        };
        let mut out = unsigned;
        out.insert_str(at, &sig);
        out
    };
    for version in [SamlVersion::V20, SamlVersion::V11] {
        let a = issued(version);
        // Re-signing alone changes nothing.
        assert!(validate_first(&resign(&a.xml, version), &pki.policy()).is_ok());
        let (condition, statement) = match version {
            SamlVersion::V20 => ("<saml:OneTimeUse/>", "<saml:AuthzDecisionStatement/>"),
            SamlVersion::V11 => (
                "<saml:Condition/>",
                "<saml:AuthorizationDecisionStatement/>",
            ),
        };
        let close = match version {
            SamlVersion::V20 => "</saml:AudienceRestriction>",
            SamlVersion::V11 => "</saml:AudienceRestrictionCondition>",
        };
        let x = a.xml.replacen(close, &format!("{close}{condition}"), 1);
        assert!(matches!(
            validate_first(&resign(&x, version), &pki.policy()),
            Err(Error::Unsupported { .. })
        ));
        let at = advice_at(&a, &a.xml);
        let mut x = a.xml.clone();
        x.insert_str(at, statement);
        let r = validate_first(&resign(&x, version), &pki.policy());
        assert!(
            matches!(r, Err(Error::Unsupported { .. } | Error::Malformed { .. })),
            "{r:?}"
        );
        // No audience restriction at all.
        let start = a.xml.find(match version {
            SamlVersion::V20 => "<saml:AudienceRestriction>",
            SamlVersion::V11 => "<saml:AudienceRestrictionCondition>",
        });
        let end = a.xml.find(close).unwrap() + close.len();
        let x = format!("{}{}", &a.xml[..start.unwrap()], &a.xml[end..]);
        assert!(matches!(
            validate_first(&resign(&x, version), &pki.policy()),
            Err(Error::Audience)
        ));
    }
}
