//! The metadata documents `inspect` explains: a WS-MetadataExchange / WSDL document (endpoints,
//! bindings, the policies in words, and the endpoint a client such as MSAL would pick) and
//! WS-Federation (SAML 2.0) metadata (entity, roles, signing certificates, endpoints). Read from
//! the tree as it stands; no `MetadataReference` is fetched.
use crate::pki::Certificate;
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec;

use super::documents::{all, certificate_lines, explain_signature_element};
use super::{clean, short, InspectKeys, Report};

pub(super) const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const WSDL_SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
pub(super) const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const FED: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
const WST13_ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
const WST2005_ISSUE: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue";

// --- WS-MetadataExchange / WSDL -----------------------------------------------------------

/// What a `wsp:Policy` asks for, in words, and the kind of client authentication it means.
fn describe_policy(doc: &Document, p: NodeId) -> (String, &'static str) {
    let names: Vec<&str> = doc
        .descendants_or_self(p)
        .filter(|n| doc.is_element(*n))
        .map(|n| doc.name(n).local)
        .collect();
    let has = |l: &str| names.contains(&l);
    let mut parts = Vec::new();
    for (b, label) in [
        ("TransportBinding", "transport binding"),
        ("SymmetricBinding", "symmetric binding"),
        ("AsymmetricBinding", "asymmetric binding"),
    ] {
        if has(b) {
            let mut s = label.to_owned();
            if b == "TransportBinding" && has("HttpsToken") {
                s.push_str(" (HTTPS)");
            }
            parts.push(s);
        }
    }
    for n in doc.descendants_or_self(p).filter(|n| doc.is_element(*n)) {
        let local = doc.name(n).local;
        if local.ends_with("SupportingTokens") {
            let tokens: Vec<String> = doc
                .child_elements(n)
                .flat_map(|pol| doc.child_elements(pol).collect::<Vec<_>>())
                .filter(|t| doc.name(*t).local.ends_with("Token"))
                .map(|t| {
                    let optional = doc.attribute(t, ns::WSP, "Optional") == Some("true");
                    format!(
                        "{}{}",
                        doc.name(t).local,
                        if optional { " (optional)" } else { "" }
                    )
                })
                .collect();
            parts.push(format!("{local}: {}", tokens.join(", ")));
        }
    }
    if has("NegotiateAuthentication") {
        parts.push("HTTP Negotiate (Kerberos/NTLM)".into());
    }
    let kind =
        if has("NegotiateAuthentication") || has("KerberosToken") || has("SpnegoContextToken") {
            "Windows integrated (Kerberos)"
        } else if has("IssuedToken") {
            "issued token"
        } else if has("UsernameToken") {
            "username and password"
        } else if has("X509Token") {
            "client certificate"
        } else {
            "other"
        };
    if parts.is_empty() {
        parts.push("no security assertions".into());
    }
    (parts.join("; "), kind)
}

pub(super) fn explain_mex(r: &mut Report, doc: &Document, top: NodeId) {
    if doc.is(top, ns::MEX, "Metadata") {
        r.line(0, "WS-MetadataExchange Metadata");
        for s in doc.children_named(top, ns::MEX, "MetadataSection") {
            let dialect = doc.attribute(s, "", "Dialect").map_or("?", short);
            let reference = all(doc, s, ns::MEX, "MetadataReference")
                .first()
                .and_then(|m| {
                    doc.descendants_or_self(*m)
                        .find(|a| doc.name(*a).local == "Address")
                })
                .map(|a| format!(", reference to {} (not fetched)", clean(&doc.text(a))))
                .or_else(|| {
                    doc.child(s, ns::MEX, "Location")
                        .map(|l| format!(", location {} (not fetched)", clean(&doc.text(l))))
                })
                .unwrap_or_default();
            r.line(
                1,
                format!(
                    "section: dialect {}{}{reference}",
                    clean(dialect),
                    doc.attribute(s, "", "Identifier")
                        .map(|i| format!(", identifier {}", clean(i)))
                        .unwrap_or_default()
                ),
            );
        }
    }
    for defs in all(doc, top, WSDL, "definitions") {
        explain_wsdl(r, doc, defs);
    }
}

fn explain_wsdl(r: &mut Report, doc: &Document, defs: NodeId) {
    r.line(
        0,
        format!(
            "WSDL {}{}",
            clean(doc.attribute(defs, "", "name").unwrap_or("(unnamed)")),
            doc.attribute(defs, "", "targetNamespace")
                .map(|t| format!(", target namespace {}", clean(t)))
                .unwrap_or_default()
        ),
    );
    let policies: Vec<(String, NodeId)> = all(doc, defs, ns::WSP, "Policy")
        .into_iter()
        .filter_map(|p| doc.attribute(p, ns::WSU, "Id").map(|id| (id.to_owned(), p)))
        .collect();
    r.line(0, format!("policies: {}", policies.len()));
    for (id, p) in &policies {
        let (words, kind) = describe_policy(doc, *p);
        r.line(1, format!("{}: {kind}: {words}", clean(id)));
    }
    let bindings: Vec<NodeId> = doc.children_named(defs, WSDL, "binding").collect();
    r.line(0, format!("bindings: {}", bindings.len()));
    let binding_info = |b: NodeId| -> (String, Option<String>, String) {
        let soap = if doc.child(b, WSDL_SOAP12, "binding").is_some() {
            "SOAP 1.2"
        } else if doc.child(b, WSDL_SOAP11, "binding").is_some() {
            "SOAP 1.1"
        } else {
            "no SOAP binding"
        };
        let policy = doc
            .child(b, ns::WSP, "PolicyReference")
            .and_then(|p| doc.attribute(p, "", "URI"))
            .map(|u| u.trim_start_matches('#').to_owned());
        let actions: Vec<String> = doc
            .children_named(b, WSDL, "operation")
            .filter_map(|o| {
                let op = doc
                    .child(o, WSDL_SOAP12, "operation")
                    .or_else(|| doc.child(o, WSDL_SOAP11, "operation"))?;
                doc.attribute(op, "", "soapAction").map(str::to_owned)
            })
            .collect();
        (soap.to_owned(), policy, actions.join(", "))
    };
    for b in &bindings {
        let (soap, policy, actions) = binding_info(*b);
        r.line(
            1,
            format!(
                "{}: {soap}, policy {}, actions {}",
                clean(doc.attribute(*b, "", "name").unwrap_or("?")),
                policy.as_deref().map_or_else(|| "none".into(), clean),
                if actions.is_empty() {
                    "-".into()
                } else {
                    clean(&actions)
                }
            ),
        );
    }
    let ports = all(doc, defs, WSDL, "port");
    r.line(0, format!("endpoints: {}", ports.len()));
    let mut username: Vec<(String, String)> = Vec::new();
    for port in ports {
        let address = doc
            .child(port, WSDL_SOAP12, "address")
            .or_else(|| doc.child(port, WSDL_SOAP11, "address"))
            .and_then(|a| doc.attribute(a, "", "location"))
            .unwrap_or("?")
            .to_owned();
        let bname = doc
            .attribute(port, "", "binding")
            .unwrap_or_default()
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        let binding = bindings
            .iter()
            .find(|b| doc.attribute(**b, "", "name") == Some(bname.as_str()))
            .copied();
        let (soap, policy, actions) = binding
            .map(binding_info)
            .unwrap_or_else(|| ("an unknown binding".into(), None, String::new()));
        let (kind, version) = {
            let kind = policy
                .as_deref()
                .and_then(|id| policies.iter().find(|(pid, _)| pid == id))
                .map_or("no policy", |(_, p)| describe_policy(doc, *p).1);
            let version = if actions.contains(WST13_ISSUE) {
                "WS-Trust 1.3"
            } else if actions.contains(WST2005_ISSUE) {
                "WS-Trust 2005"
            } else {
                "not WS-Trust Issue"
            };
            (kind, version)
        };
        if kind == "username and password" && soap == "SOAP 1.2" && address.starts_with("https://")
        {
            username.push((address.clone(), version.to_owned()));
        }
        r.line(
            1,
            format!(
                "{}: {}, {kind}, {version}, {soap} (binding {})",
                clean(doc.attribute(port, "", "name").unwrap_or("?")),
                clean(&address),
                clean(&bname)
            ),
        );
    }
    let chosen = username
        .iter()
        .find(|(_, v)| v == "WS-Trust 1.3")
        .or_else(|| username.first());
    match chosen {
        Some((a, v)) => r.line(
            0,
            format!("MSAL/ADAL username/password would use: {} ({v})", clean(a)),
        ),
        None => r.line(0, "MSAL/ADAL username/password would find no endpoint here"),
    }
}

// --- WS-Federation metadata ---------------------------------------------------------------

pub(super) fn explain_federation(r: &mut Report, doc: &Document, root: NodeId, keys: &InspectKeys) {
    let entities: Vec<NodeId> = if doc.is(root, MD, "EntitiesDescriptor") {
        r.line(0, "SAML 2.0 metadata: a group of entities");
        doc.children_named(root, MD, "EntityDescriptor").collect()
    } else {
        vec![root]
    };
    if let Some(s) = doc.child(root, ns::DS, "Signature") {
        if root != entities.first().copied().unwrap_or(root) {
            explain_signature_element(r, doc, s, 1, keys);
        }
    }
    for e in entities {
        r.line(
            0,
            format!(
                "federation metadata: entity {}",
                clean(doc.attribute(e, "", "entityID").unwrap_or("?"))
            ),
        );
        for (attr, label) in [
            ("ID", "id"),
            ("validUntil", "valid until"),
            ("cacheDuration", "cache duration"),
        ] {
            if let Some(v) = doc.attribute(e, "", attr) {
                r.line(1, format!("{label}: {}", clean(v)));
            }
        }
        match doc.child(e, ns::DS, "Signature") {
            Some(s) => explain_signature_element(r, doc, s, 1, keys),
            None => r.line(1, "not signed"),
        }
        for role in doc.child_elements(e) {
            let local = doc.name(role).local;
            if !(local.ends_with("Descriptor")) || local == "Signature" {
                continue;
            }
            let kind = doc
                .attribute(role, ns::XSI, "type")
                .map(|t| {
                    let local_t = t.rsplit(':').next().unwrap_or(t);
                    format!(" ({})", clean(local_t))
                })
                .unwrap_or_default();
            r.line(1, format!("role {}{kind}", clean(local)));
            if let Some(p) = doc.attribute(role, "", "protocolSupportEnumeration") {
                r.line(2, format!("protocols: {}", clean(p)));
            }
            if let Some(n) = doc.attribute(role, "", "ServiceDisplayName") {
                r.line(2, format!("display name: {}", clean(n)));
            }
            for kd in doc.children_named(role, MD, "KeyDescriptor") {
                let usage = doc
                    .attribute(kd, "", "use")
                    .unwrap_or("signing and encryption");
                let certs = doc
                    .child(kd, ns::DS, "KeyInfo")
                    .and_then(|ki| xmlsec::x509_certificates(doc, ki).ok())
                    .unwrap_or_default();
                r.line(
                    2,
                    format!("key for {}: {} certificate(s)", clean(usage), certs.len()),
                );
                for der in certs {
                    match Certificate::from_der(&der) {
                        Ok(c) => certificate_lines(r, &c, 3),
                        Err(_) => r.line(3, "an unreadable certificate"),
                    }
                }
            }
            let offered: Vec<String> = all(doc, role, FED, "TokenType")
                .into_iter()
                .filter_map(|t| doc.attribute(t, "", "Uri").map(clean))
                .collect();
            if !offered.is_empty() {
                r.line(2, format!("token types offered: {}", offered.join(", ")));
            }
            let claims = all(
                doc,
                role,
                "http://docs.oasis-open.org/wsfed/authorization/200706",
                "ClaimType",
            )
            .len();
            if claims > 0 {
                r.line(2, format!("claim types: {claims}"));
            }
            for c in doc.child_elements(role) {
                let name = doc.name(c);
                if name.ns == FED && name.local.ends_with("Endpoint")
                    || name.local == "TargetScopes"
                {
                    for epr in all(doc, c, ns::WSA, "EndpointReference") {
                        let address = doc
                            .child(epr, ns::WSA, "Address")
                            .map(|a| clean(&doc.text(a)))
                            .unwrap_or_else(|| "?".into());
                        let mex = all(doc, epr, ns::MEX, "MetadataReference")
                            .first()
                            .and_then(|m| doc.child(*m, ns::WSA, "Address"))
                            .map(|a| format!(" (metadata: {})", clean(&doc.text(a))))
                            .unwrap_or_default();
                        r.line(2, format!("{}: {address}{mex}", clean(name.local)));
                    }
                } else if name.ns == MD && name.local.ends_with("Service") {
                    r.line(
                        2,
                        format!(
                            "{}: {} ({})",
                            clean(name.local),
                            clean(doc.attribute(c, "", "Location").unwrap_or("?")),
                            doc.attribute(c, "", "Binding").map_or("?", short)
                        ),
                    );
                }
            }
        }
    }
}
