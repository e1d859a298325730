//! Reading the parts of an assertion whose signature has been verified: every function here
//! reads from the signed assertion element it is given, and refuses what it does not
//! understand where that would change the meaning.

use crate::crypto;
use crate::pki::Certificate;
use crate::xml::{datetime, ns, Document, NodeId, NodeKind};
use crate::xmlsec::{self, EncryptedKey, KeyEncryptionKey};

use super::model::join_claim_uri;
use super::validate::{Confirmation, ServiceKey, ValidationPolicy};
use super::{uri, AuthnMethod, AuthnStatement, Claim, Error, NameId, PublicKeyInfo, SamlVersion};

pub(super) fn service_key<'a>(policy: &ValidationPolicy<'a>) -> Result<ServiceKey<'a>, Error> {
    policy.service.ok_or(Error::Confirmation {
        what: "no service key to decrypt with",
    })
}

/// Element children of `node`, refusing non-white-space text (comments are allowed).
pub(super) fn element_children(doc: &Document, node: NodeId) -> Result<Vec<NodeId>, Error> {
    let mut out = Vec::new();
    for c in doc.children(node) {
        match doc.kind(c) {
            NodeKind::Element => out.push(c),
            NodeKind::Text(t) if t.trim().is_empty() => {}
            NodeKind::Comment(_) => {}
            _ => return Err(Error::malformed("unexpected content between elements")),
        }
    }
    Ok(out)
}

/// The trimmed text of a simple element, refusing element content.
fn simple_text(doc: &Document, node: NodeId, what: &'static str) -> Result<String, Error> {
    if doc.child_elements(node).next().is_some() {
        return Err(Error::Unsupported { what });
    }
    Ok(doc.text(node).trim().to_owned())
}

fn time_attr(doc: &Document, node: NodeId, name: &str) -> Result<Option<i64>, Error> {
    match doc.attribute(node, "", name) {
        None => Ok(None),
        Some(v) => datetime::parse(v)
            .map(Some)
            .ok_or(Error::malformed("dateTime value")),
    }
}

fn required_time(
    doc: &Document,
    node: NodeId,
    name: &str,
    what: &'static str,
) -> Result<i64, Error> {
    time_attr(doc, node, name)?.ok_or_else(|| Error::malformed(what))
}

/// The parts every version has, read into one shape.
pub(super) struct Parts {
    pub(super) issuer: String,
    pub(super) issue_instant_ms: i64,
    pub(super) subject: NameId,
    pub(super) confirmation: Confirmation,
    pub(super) not_before_ms: Option<i64>,
    pub(super) not_on_or_after_ms: i64,
    pub(super) restrictions: Vec<Vec<String>>,
    pub(super) authn: Option<AuthnStatement>,
    pub(super) claims: Vec<Claim>,
    pub(super) actor: Option<String>,
}

impl Parts {
    /// The parts of an assertion read in either version; the Subject and the Conditions are
    /// required.
    fn assemble(
        issuer: String,
        issue_instant_ms: i64,
        subject: Option<(NameId, Confirmation)>,
        conditions: Option<Conditions>,
        authn: Option<AuthnStatement>,
        claims: Vec<Claim>,
        actor: Option<String>,
    ) -> Result<Self, Error> {
        let (subject, confirmation) =
            subject.ok_or(Error::malformed("assertion without Subject"))?;
        let Conditions {
            not_before_ms,
            not_on_or_after_ms,
            restrictions,
        } = conditions.ok_or(Error::malformed("assertion without Conditions"))?;
        Ok(Self {
            issuer,
            issue_instant_ms,
            subject,
            confirmation,
            not_before_ms,
            not_on_or_after_ms,
            restrictions,
            authn,
            claims,
            actor,
        })
    }
}

/// The local name of assertion child `k`, which must be in namespace `s` and come in schema
/// order: the `leading` elements at most once each and in that order, then any number of
/// statements. `stage` is where the previous child stood.
fn in_schema_order<'d>(
    doc: &'d Document,
    k: NodeId,
    s: &str,
    leading: &[&str],
    stage: &mut usize,
) -> Result<&'d str, Error> {
    let n = doc.name(k);
    if n.ns != s {
        return Err(Error::malformed("assertion content"));
    }
    let statements = leading.len() + 1;
    let order = leading
        .iter()
        .position(|l| *l == n.local)
        .map_or(statements, |p| p + 1);
    if order < *stage || (order == *stage && order < statements) {
        return Err(Error::malformed("assertion children out of schema order"));
    }
    *stage = order;
    Ok(n.local)
}

/// What `Conditions` say: the time window and the audience restrictions.
struct Conditions {
    not_before_ms: Option<i64>,
    not_on_or_after_ms: i64,
    restrictions: Vec<Vec<String>>,
}

/// Reads `Conditions`.
fn read_conditions(doc: &Document, c: NodeId, version: SamlVersion) -> Result<Conditions, Error> {
    let not_before = time_attr(doc, c, "NotBefore")?;
    let not_on_or_after = required_time(doc, c, "NotOnOrAfter", "Conditions without NotOnOrAfter")?;
    let s = version.namespace();
    let restriction = match version {
        SamlVersion::V11 => "AudienceRestrictionCondition",
        SamlVersion::V20 => "AudienceRestriction",
    };
    let mut restrictions = Vec::new();
    for k in element_children(doc, c)? {
        let name = doc.name(k);
        if name.ns != s {
            return Err(Error::unsupported("condition"));
        }
        match (version, name.local) {
            (_, l) if l == restriction => {
                let mut audiences = Vec::new();
                for au in element_children(doc, k)? {
                    if !doc.is(au, s, "Audience") {
                        return Err(Error::malformed("audience restriction content"));
                    }
                    audiences.push(simple_text(doc, au, "Audience content")?);
                }
                if audiences.is_empty() {
                    return Err(Error::malformed("empty audience restriction"));
                }
                restrictions.push(audiences);
            }
            // We neither proxy nor cache: these restrict nothing we do.
            (SamlVersion::V20, "ProxyRestriction") | (SamlVersion::V11, "DoNotCacheCondition") => {}
            (SamlVersion::V20, "OneTimeUse") => {
                return Err(Error::unsupported("OneTimeUse condition"))
            }
            _ => return Err(Error::unsupported("condition")),
        }
    }
    Ok(Conditions {
        not_before_ms: not_before,
        not_on_or_after_ms: not_on_or_after,
        restrictions,
    })
}

/// The key in a holder-of-key `ds:KeyInfo`.
fn read_key_info(
    doc: &Document,
    ki: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<Confirmation, Error> {
    let kids = element_children(doc, ki)?;
    let [one] = kids.as_slice() else {
        return Err(Error::unsupported(
            "holder-of-key KeyInfo with other than one key",
        ));
    };
    let one = *one;
    if doc.is(one, ns::XENC, "EncryptedKey") {
        if policy.issuer_view {
            return Ok(Confirmation::HolderOfKeySymmetricSealed);
        }
        let service = service_key(policy)?;
        let ek = EncryptedKey::read(doc, one)?;
        check_recipient(doc, &ek, service)?;
        let key = xmlsec::decrypt_key(&ek, KeyEncryptionKey::Rsa(service.key), &policy.xmlsec)?;
        if key.len() < 16 {
            return Err(Error::Confirmation {
                what: "proof key shorter than 128 bits",
            });
        }
        return Ok(Confirmation::HolderOfKeySymmetric { key });
    }
    if doc.is(one, ns::DS, "X509Data") {
        let certs = xmlsec::x509_certificates(doc, ki)?;
        let [der] = certs.as_slice() else {
            return Err(Error::unsupported(
                "holder-of-key X509Data without exactly one certificate",
            ));
        };
        let cert = Certificate::from_der(der).map_err(|_| Error::Confirmation {
            what: "holder-of-key certificate does not parse",
        })?;
        return Ok(Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(
            cert,
        )));
    }
    if doc.is(one, ns::DS, "KeyValue") {
        let key =
            xmlsec::rsa_key_value(doc, ki)?.ok_or(Error::unsupported("KeyValue other than RSA"))?;
        return Ok(Confirmation::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(
            key,
        )));
    }
    Err(Error::unsupported("holder-of-key KeyInfo kind"))
}

/// When an EncryptedKey names its recipient in a form we know, it must name us.
pub(super) fn check_recipient(
    doc: &Document,
    ek: &EncryptedKey,
    service: ServiceKey<'_>,
) -> Result<(), Error> {
    let Some(ki) = ek.key_info else {
        return Ok(());
    };
    let other = Error::Confirmation {
        what: "key encrypted for another recipient",
    };
    for c in doc.child_elements(ki) {
        if doc.is(c, ns::WSSE, "SecurityTokenReference") {
            for k in doc.children_named(c, ns::WSSE, "KeyIdentifier") {
                let value = xmlsec::base64_decode(doc.text(k).trim());
                let ours = match doc.attribute(k, "", "ValueType").map(str::trim) {
                    Some(uri::VALUE_TYPE_THUMBPRINT_SHA1) => {
                        service.certificate.thumbprint_sha1().to_vec()
                    }
                    Some(uri::VALUE_TYPE_X509_SKI) => service.certificate.subject_key_id(),
                    _ => continue,
                };
                if !value.is_some_and(|v| crypto::ct_eq(&v, &ours)) {
                    return Err(other);
                }
            }
        } else if doc.is(c, ns::DS, "X509Data") {
            for der in xmlsec::x509_certificates(doc, ki)? {
                if der != service.certificate.der() {
                    return Err(other);
                }
            }
        }
    }
    Ok(())
}

fn same_key(a: &Confirmation, b: &Confirmation) -> bool {
    match (a, b) {
        (Confirmation::Bearer, Confirmation::Bearer) => true,
        (
            Confirmation::HolderOfKeySymmetric { key: x },
            Confirmation::HolderOfKeySymmetric { key: y },
        ) => crypto::ct_eq(x.expose(), y.expose()),
        (Confirmation::HolderOfKeyPublic(x), Confirmation::HolderOfKeyPublic(y)) => {
            let spki = |k: &PublicKeyInfo| match k {
                PublicKeyInfo::Certificate(c) => c.public_key().spki_der(),
                PublicKeyInfo::RsaKeyValue(k) => k.spki_der(),
            };
            spki(x) == spki(y)
        }
        _ => false,
    }
}

fn read_name_id(doc: &Document, n: NodeId) -> Result<NameId, Error> {
    let value = simple_text(doc, n, "name identifier content")?;
    if value.is_empty() {
        return Err(Error::malformed("empty name identifier"));
    }
    Ok(NameId {
        value,
        format: doc.attribute(n, "", "Format").map(|f| f.trim().to_owned()),
        qualifier: doc
            .attribute(n, "", "NameQualifier")
            .map(|q| q.trim().to_owned()),
    })
}

/// SAML 2.0 `Subject`: one `NameID` and one `SubjectConfirmation`.
fn read_subject_v20(
    doc: &Document,
    subject: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<(NameId, Confirmation), Error> {
    let s = ns::SAML2;
    let mut name = None;
    let mut confirmations = Vec::new();
    for k in element_children(doc, subject)? {
        match doc.name(k) {
            n if n.is(s, "NameID") && name.is_none() => name = Some(read_name_id(doc, k)?),
            n if n.is(s, "SubjectConfirmation") => confirmations.push(k),
            n if n.is(s, "BaseID") || n.is(s, "EncryptedID") => {
                return Err(Error::unsupported("subject identifier other than NameID"))
            }
            _ => return Err(Error::malformed("Subject content")),
        }
    }
    let name = name.ok_or(Error::malformed("Subject without NameID"))?;
    let sc = match confirmations.as_slice() {
        [] => {
            return Err(Error::Confirmation {
                what: "no subject confirmation",
            })
        }
        [one] => *one,
        _ => return Err(Error::unsupported("several subject confirmations")),
    };
    let method = doc.attribute(sc, "", "Method").map(str::trim);
    let data = element_children(doc, sc)?;
    let data = match data.as_slice() {
        [] => None,
        [d] if doc.is(*d, s, "SubjectConfirmationData") => Some(*d),
        _ => return Err(Error::unsupported("SubjectConfirmation content")),
    };
    let confirmation = match method {
        Some(uri::CM_BEARER_2) => {
            if let Some(d) = data {
                if let Some(noa) = time_attr(doc, d, "NotOnOrAfter")? {
                    if policy.now_ms.saturating_sub(policy.skew_ms.max(0)) >= noa {
                        return Err(Error::Expired);
                    }
                }
            }
            Confirmation::Bearer
        }
        Some(uri::CM_HOLDER_OF_KEY_2) => {
            let d = data.ok_or(Error::Confirmation {
                what: "holder of key without SubjectConfirmationData",
            })?;
            let kis = element_children(doc, d)?;
            let [ki] = kis.as_slice() else {
                return Err(Error::unsupported(
                    "holder-of-key data with other than one KeyInfo",
                ));
            };
            if !doc.is(*ki, ns::DS, "KeyInfo") {
                return Err(Error::malformed("holder-of-key data without KeyInfo"));
            }
            read_key_info(doc, *ki, policy)?
        }
        _ => return Err(Error::unsupported("subject confirmation method")),
    };
    Ok((name, confirmation))
}

fn read_attribute_values(doc: &Document, attr: NodeId, s: &str) -> Result<Vec<String>, Error> {
    let mut values = Vec::new();
    for v in element_children(doc, attr)? {
        if !doc.is(v, s, "AttributeValue") {
            return Err(Error::malformed("Attribute content"));
        }
        values.push(simple_text(doc, v, "structured attribute value")?);
    }
    Ok(values)
}

/// Adds an attribute: the actor goes aside (one, with one value), the rest are claims.
fn add_attribute(
    claims: &mut Vec<Claim>,
    actor: &mut Option<String>,
    uri_: String,
    values: Vec<String>,
) -> Result<(), Error> {
    if uri_ == uri::ACTOR_CLAIM {
        let [value] = <[String; 1]>::try_from(values)
            .map_err(|_| Error::malformed("actor attribute with other than one value"))?;
        if actor.replace(value).is_some() {
            return Err(Error::malformed("two actor attributes"));
        }
        return Ok(());
    }
    claims.push(Claim { uri: uri_, values });
    Ok(())
}

pub(super) fn read_v20(
    doc: &Document,
    a: NodeId,
    children: &[NodeId],
    policy: &ValidationPolicy<'_>,
) -> Result<Parts, Error> {
    let s = ns::SAML2;
    let issue_instant_ms = required_time(doc, a, "IssueInstant", "assertion without IssueInstant")?;
    let mut it = children.iter().copied().peekable();
    let issuer_node = it
        .next()
        .filter(|n| doc.is(*n, s, "Issuer"))
        .ok_or(Error::malformed("Issuer must come first"))?;
    if doc
        .attribute(issuer_node, "", "Format")
        .is_some_and(|f| f.trim() != uri::NAMEID_ENTITY)
    {
        return Err(Error::unsupported("issuer format other than entity"));
    }
    let issuer = simple_text(doc, issuer_node, "Issuer content")?;
    it.next(); // the signature, checked by the caller to be here
    let mut subject = None;
    let mut conditions = None;
    let mut authn = None;
    let mut claims = Vec::new();
    let mut actor = None;
    // Schema order: Subject?, Conditions?, Advice?, statements*.
    let mut stage = 0;
    for k in it {
        match in_schema_order(doc, k, s, &["Subject", "Conditions", "Advice"], &mut stage)? {
            "Subject" => subject = Some(read_subject_v20(doc, k, policy)?),
            "Conditions" => conditions = Some(read_conditions(doc, k, SamlVersion::V20)?),
            "Advice" => {}
            "AuthnStatement" => {
                if authn.is_some() {
                    return Err(Error::unsupported("several authentication statements"));
                }
                let instant_ms = required_time(
                    doc,
                    k,
                    "AuthnInstant",
                    "AuthnStatement without AuthnInstant",
                )?;
                let method = match doc.child(k, s, "AuthnContext") {
                    Some(ctx) => match doc.child(ctx, s, "AuthnContextClassRef") {
                        Some(r) => AuthnMethod::from_uri(
                            SamlVersion::V20,
                            &simple_text(doc, r, "AuthnContextClassRef content")?,
                        ),
                        None => AuthnMethod::Unspecified,
                    },
                    None => return Err(Error::malformed("AuthnStatement without AuthnContext")),
                };
                authn = Some(AuthnStatement { method, instant_ms });
            }
            "AttributeStatement" => {
                for at in element_children(doc, k)? {
                    if doc.is(at, s, "EncryptedAttribute") {
                        return Err(Error::unsupported("encrypted attribute"));
                    }
                    if !doc.is(at, s, "Attribute") {
                        return Err(Error::malformed("AttributeStatement content"));
                    }
                    let name = doc
                        .attribute(at, "", "Name")
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .ok_or(Error::malformed("Attribute without Name"))?;
                    let values = read_attribute_values(doc, at, s)?;
                    add_attribute(&mut claims, &mut actor, name, values)?;
                }
            }
            _ => return Err(Error::unsupported("statement kind")),
        }
    }
    Parts::assemble(
        issuer,
        issue_instant_ms,
        subject,
        conditions,
        authn,
        claims,
        actor,
    )
}

/// SAML 1.1 `Subject` of a subject statement.
fn read_subject_v11(
    doc: &Document,
    subject: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<(NameId, Confirmation), Error> {
    let s = ns::SAML1;
    let kids = element_children(doc, subject)?;
    let (name, sc) = match kids.as_slice() {
        [n, c] if doc.is(*n, s, "NameIdentifier") && doc.is(*c, s, "SubjectConfirmation") => {
            (*n, *c)
        }
        [n] if doc.is(*n, s, "NameIdentifier") => {
            return Err(Error::Confirmation {
                what: "no subject confirmation",
            })
        }
        _ => return Err(Error::malformed("Subject content")),
    };
    let name = read_name_id(doc, name)?;
    let parts = element_children(doc, sc)?;
    let mut methods = Vec::new();
    let mut key_info = None;
    for p in parts {
        match doc.name(p) {
            n if n.is(s, "ConfirmationMethod") => {
                methods.push(simple_text(doc, p, "ConfirmationMethod content")?)
            }
            n if n.is(ns::DS, "KeyInfo") && key_info.is_none() => key_info = Some(p),
            n if n.is(s, "SubjectConfirmationData") => {
                return Err(Error::unsupported("SubjectConfirmationData"))
            }
            _ => return Err(Error::malformed("SubjectConfirmation content")),
        }
    }
    let confirmation = match methods.as_slice() {
        [m] if m == uri::CM_BEARER_1 => Confirmation::Bearer,
        [m] if m == uri::CM_HOLDER_OF_KEY_1 => {
            let ki = key_info.ok_or(Error::Confirmation {
                what: "holder of key without KeyInfo",
            })?;
            read_key_info(doc, ki, policy)?
        }
        [_] => return Err(Error::unsupported("subject confirmation method")),
        _ => return Err(Error::unsupported("other than one confirmation method")),
    };
    Ok((name, confirmation))
}

pub(super) fn read_v11(
    doc: &Document,
    a: NodeId,
    children: &[NodeId],
    policy: &ValidationPolicy<'_>,
) -> Result<Parts, Error> {
    let s = ns::SAML1;
    let issue_instant_ms = required_time(doc, a, "IssueInstant", "assertion without IssueInstant")?;
    let issuer = doc
        .attribute(a, "", "Issuer")
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .ok_or(Error::malformed("assertion without Issuer"))?;
    let body = children
        .split_last()
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let mut subject: Option<(NameId, Confirmation)> = None;
    let mut conditions = None;
    let mut authn = None;
    let mut claims = Vec::new();
    let mut actor = None;
    let mut statements = 0usize;
    let mut stage = 0;
    for k in body.iter().copied() {
        let statement_subject =
            match in_schema_order(doc, k, s, &["Conditions", "Advice"], &mut stage)? {
                "Conditions" => {
                    conditions = Some(read_conditions(doc, k, SamlVersion::V11)?);
                    None
                }
                "Advice" => None,
                "AuthenticationStatement" => {
                    if authn.is_some() {
                        return Err(Error::unsupported("several authentication statements"));
                    }
                    let method = doc
                        .attribute(k, "", "AuthenticationMethod")
                        .map(str::trim)
                        .ok_or(Error::malformed("AuthenticationStatement without method"))?;
                    let instant_ms = required_time(
                        doc,
                        k,
                        "AuthenticationInstant",
                        "AuthenticationStatement without instant",
                    )?;
                    authn = Some(AuthnStatement {
                        method: AuthnMethod::from_uri(SamlVersion::V11, method),
                        instant_ms,
                    });
                    let mut kids = element_children(doc, k)?.into_iter();
                    let subj = kids
                        .next()
                        .filter(|c| doc.is(*c, s, "Subject"))
                        .ok_or(Error::malformed("AuthenticationStatement without Subject"))?;
                    for rest in kids {
                        if !(doc.is(rest, s, "SubjectLocality")
                            || doc.is(rest, s, "AuthorityBinding"))
                        {
                            return Err(Error::malformed("AuthenticationStatement content"));
                        }
                    }
                    Some(subj)
                }
                "AttributeStatement" => {
                    let mut kids = element_children(doc, k)?.into_iter();
                    let subj = kids
                        .next()
                        .filter(|c| doc.is(*c, s, "Subject"))
                        .ok_or(Error::malformed("AttributeStatement without Subject"))?;
                    for at in kids {
                        if !doc.is(at, s, "Attribute") {
                            return Err(Error::malformed("AttributeStatement content"));
                        }
                        let part = |name: &str| {
                            doc.attribute(at, "", name)
                                .map(str::trim)
                                .filter(|v| !v.is_empty())
                                .ok_or(Error::malformed("Attribute without name or namespace"))
                        };
                        let full =
                            join_claim_uri(part("AttributeNamespace")?, part("AttributeName")?);
                        let values = read_attribute_values(doc, at, s)?;
                        add_attribute(&mut claims, &mut actor, full, values)?;
                    }
                    Some(subj)
                }
                _ => return Err(Error::unsupported("statement kind")),
            };
        if let Some(subj) = statement_subject {
            statements += 1;
            let (name, confirmation) = read_subject_v11(doc, subj, policy)?;
            match &subject {
                None => subject = Some((name, confirmation)),
                Some((n0, c0)) => {
                    if *n0 != name || !same_key(c0, &confirmation) {
                        return Err(Error::unsupported("statements about different subjects"));
                    }
                }
            }
        }
    }
    if statements == 0 {
        return Err(Error::malformed("assertion without statements"));
    }
    Parts::assemble(
        issuer,
        issue_instant_ms,
        subject,
        conditions,
        authn,
        claims,
        actor,
    )
}
