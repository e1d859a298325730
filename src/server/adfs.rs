//! The AD FS-style metadata document: a WSDL shaped like the one AD FS serves at
//! `/adfs/services/trust/mex`, advertising the STS aliases that carry an [`AdfsPolicy`].
//!
//! MSAL and ADAL read it this way: every `wsp:Policy` (WS-Policy 2004/09) with a `wsu:Id`
//! whose `sp:TransportBinding` asks for HTTPS and whose `sp:SignedEncryptedSupportingTokens`
//! (WS-SecurityPolicy 1.2) or `sp:SignedSupportingTokens` (2005/07) hold a
//! `sp:UsernameToken` with `sp:WssUsernameToken10` is a username policy; a `wsdl:binding`
//! referring to it by `wsp:PolicyReference` and declaring `soap12:binding` is usable, its
//! `soap12:operation soapAction` says the WS-Trust version; the `wsdl:port` of that binding
//! gives the address in `soap12:address location`. The `certificatemixed` endpoints carry
//! AD FS's X.509 policy instead: the same transport binding with an
//! `sp:EndorsingSupportingTokens` `sp:X509Token`; the `issuedtokenmixed*` endpoints an
//! endorsing `sp:IssuedToken` whose `sp:RequestSecurityTokenTemplate` asks for a public
//! (`asymmetricbasic256`) or a 256-bit symmetric (`symmetricbasic256`) proof key, as AD FS
//! writes them (binding names `IssuedTokenWSTrustBinding_…Async` and `…Async1`).
//!
//! The document lists exactly the advertised aliases: AD FS's `windowstransport` (Kerberos)
//! is never offered.

use crate::xml::Writer;

use super::metadata::MetadataError;
use super::settings::{AdfsPolicy, Alias, Endpoint};

const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
const WSP: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const WSAW: &str = "http://www.w3.org/2006/05/addressing/wsdl";
const WSA10: &str = "http://www.w3.org/2005/08/addressing";
const SP12: &str = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
const SP2005: &str = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy";
const WST13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
const WST2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// Microsoft's WS-SecurityPolicy extensions (`mssp:RsaToken`).
const MSSP: &str = "http://schemas.microsoft.com/ws/2005/07/securitypolicy";
const HTTP_TRANSPORT: &str = "http://schemas.xmlsoap.org/soap/http";
/// The target namespace AD FS uses.
const TNS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice";

/// The WS-Trust version of a binding.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Trust {
    V13,
    Feb2005,
}

/// How the requester authenticates on a binding.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Auth {
    Username,
    Certificate,
    /// An issued token with a symmetric (true) or public (false) proof key.
    IssuedToken {
        symmetric: bool,
    },
}

/// What one advertised binding is: AD FS's names and namespaces for it.
struct Flavour {
    trust: Trust,
    auth: Auth,
}

impl Flavour {
    fn of(p: AdfsPolicy) -> Self {
        let (auth, trust) = match p {
            AdfsPolicy::Username2005 => (Auth::Username, Trust::Feb2005),
            AdfsPolicy::Certificate13 => (Auth::Certificate, Trust::V13),
            AdfsPolicy::Certificate2005 => (Auth::Certificate, Trust::Feb2005),
            AdfsPolicy::IssuedTokenSymmetric13 => {
                (Auth::IssuedToken { symmetric: true }, Trust::V13)
            }
            AdfsPolicy::IssuedTokenAsymmetric13 => {
                (Auth::IssuedToken { symmetric: false }, Trust::V13)
            }
            AdfsPolicy::IssuedTokenSymmetric2005 => {
                (Auth::IssuedToken { symmetric: true }, Trust::Feb2005)
            }
            AdfsPolicy::IssuedTokenAsymmetric2005 => {
                (Auth::IssuedToken { symmetric: false }, Trust::Feb2005)
            }
            // Username13 and any later policy.
            _ => (Auth::Username, Trust::V13),
        };
        Self { trust, auth }
    }

    /// Binding and policy name stem, as AD FS names them (its symmetric issued-token binding
    /// is the second of that stem: `…Async1`).
    fn name(&self) -> String {
        let (stem, suffix) = match self.auth {
            Auth::Username => ("UserNameWSTrustBinding", ""),
            Auth::Certificate => ("CertificateWSTrustBinding", ""),
            Auth::IssuedToken { symmetric: false } => ("IssuedTokenWSTrustBinding", ""),
            Auth::IssuedToken { symmetric: true } => ("IssuedTokenWSTrustBinding", "1"),
        };
        format!("{stem}_{}{suffix}", port_type(self.trust))
    }
}

fn port_type(t: Trust) -> &'static str {
    match t {
        Trust::V13 => "IWSTrust13Async",
        Trust::Feb2005 => "IWSTrustFeb2005Async",
    }
}

fn operation(t: Trust) -> &'static str {
    match t {
        Trust::V13 => "Trust13IssueAsync",
        Trust::Feb2005 => "TrustFeb2005IssueAsync",
    }
}

fn sp(t: Trust) -> &'static str {
    match t {
        Trust::V13 => SP12,
        Trust::Feb2005 => SP2005,
    }
}

fn issue_action(t: Trust) -> &'static str {
    match t {
        Trust::V13 => "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        Trust::Feb2005 => "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue",
    }
}

fn response_action(t: Trust) -> &'static str {
    match t {
        Trust::V13 => "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal",
        Trust::Feb2005 => "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue",
    }
}

/// The trust namespace, its prefix in the document, and the response element.
fn trust_names(t: Trust) -> (&'static str, &'static str, &'static str) {
    match t {
        Trust::V13 => (WST13, "trust", "RequestSecurityTokenResponseCollection"),
        Trust::Feb2005 => (WST2005, "t", "RequestSecurityTokenResponse"),
    }
}

/// One advertised endpoint: the alias path and its policy.
pub(super) struct Advertised<'a> {
    /// The path.
    pub(super) path: &'a str,
    /// The policy.
    pub(super) policy: AdfsPolicy,
}

/// The STS aliases of `aliases` that the AD FS-style WSDL advertises, in order.
pub(super) fn advertised(aliases: &[Alias]) -> Vec<Advertised<'_>> {
    aliases
        .iter()
        .filter(|a| a.endpoint == Endpoint::Sts)
        .filter_map(|a| {
            a.advertise.map(|policy| Advertised {
                path: a.path.as_str(),
                policy,
            })
        })
        .collect()
}

/// The AD FS-style WSDL for a server reached at `base` (`scheme://host:port`), advertising
/// each STS alias of `aliases` that has a policy, at `base` + its path.
pub(super) fn wsdl(base: &str, aliases: &[Alias]) -> Result<String, MetadataError> {
    let advertised = advertised(aliases);
    let mut kinds: Vec<AdfsPolicy> = Vec::new();
    for a in &advertised {
        if !kinds.contains(&a.policy) {
            kinds.push(a.policy);
        }
    }
    let mut trusts: Vec<Trust> = Vec::new();
    for p in &kinds {
        let t = Flavour::of(*p).trust;
        if !trusts.contains(&t) {
            trusts.push(t);
        }
    }
    let mut w = Writer::new();
    w.start_prefixed(WSDL, "definitions", Some("wsdl"))
        .declare("wsdl", WSDL)
        .declare("xsd", XSD)
        .declare("soap12", SOAP12)
        .declare("wsp", WSP)
        .declare("wsu", WSU)
        .declare("wsaw", WSAW)
        .declare("wsa10", WSA10)
        .declare("tns", TNS)
        .declare("t", WST2005)
        .declare("trust", WST13)
        .attr("", "name", "SecurityTokenService")
        .attr("", "targetNamespace", TNS);
    for p in &kinds {
        policy(&mut w, &Flavour::of(*p));
    }
    types(&mut w, &trusts);
    for t in &trusts {
        messages(&mut w, *t);
    }
    for t in &trusts {
        write_port_type(&mut w, *t);
    }
    for p in &kinds {
        binding(&mut w, &Flavour::of(*p));
    }
    w.start_prefixed(WSDL, "service", Some("wsdl"))
        .attr("", "name", "SecurityTokenService");
    for (i, a) in advertised.iter().enumerate() {
        let f = Flavour::of(a.policy);
        let address = format!("{base}{}", a.path);
        // Port names are unique: the first port of a kind carries the binding's name, as
        // in AD FS; further ones get a number.
        let name = if advertised.iter().position(|b| b.policy == a.policy) == Some(i) {
            f.name()
        } else {
            format!("{}{i}", f.name())
        };
        w.start_prefixed(WSDL, "port", Some("wsdl"))
            .attr("", "name", &name)
            .attr("", "binding", &format!("tns:{}", f.name()));
        w.start_prefixed(SOAP12, "address", Some("soap12"))
            .attr("", "location", &address)
            .end();
        w.start_prefixed(WSA10, "EndpointReference", Some("wsa10"));
        w.start_prefixed(WSA10, "Address", Some("wsa10"))
            .text(&address)
            .end();
        w.end();
        w.end();
    }
    w.end();
    w.end();
    w.finish()
        .map_err(|e| MetadataError(format!("writing the AD FS WSDL: {e}")))
}

/// `wsdl:types`: the request and response elements of each trust version, with open
/// content. AD FS imports its schemas from `mex?xsd=…`; inline ones let WSDL readers such as
/// zeep bind the operations without a second fetch.
fn types(w: &mut Writer, trusts: &[Trust]) {
    if trusts.is_empty() {
        return;
    }
    w.start_prefixed(WSDL, "types", Some("wsdl"));
    for t in trusts {
        let (trust_ns, _, response) = trust_names(*t);
        w.start_prefixed(XSD, "schema", Some("xsd"))
            .attr("", "targetNamespace", trust_ns)
            .attr("", "elementFormDefault", "qualified");
        for element in ["RequestSecurityToken", response] {
            w.start_prefixed(XSD, "element", Some("xsd"))
                .attr("", "name", element);
            w.start_prefixed(XSD, "complexType", Some("xsd"));
            w.start_prefixed(XSD, "sequence", Some("xsd"));
            w.start_prefixed(XSD, "any", Some("xsd"))
                .attr("", "namespace", "##any")
                .attr("", "processContents", "lax")
                .attr("", "minOccurs", "0")
                .attr("", "maxOccurs", "unbounded")
                .end();
            w.end();
            w.start_prefixed(XSD, "anyAttribute", Some("xsd"))
                .attr("", "namespace", "##other")
                .attr("", "processContents", "lax")
                .end();
            w.end().end();
        }
        w.end();
    }
    w.end();
}

fn wsp_policy(w: &mut Writer, inner: impl FnOnce(&mut Writer)) {
    w.start_prefixed(WSP, "Policy", Some("wsp"));
    inner(w);
    w.end();
}

fn policy(w: &mut Writer, f: &Flavour) {
    let sp = sp(f.trust);
    w.start_prefixed(WSP, "Policy", Some("wsp"))
        .attr(WSU, "Id", &format!("{}_policy", f.name()));
    w.start_prefixed(WSP, "ExactlyOne", Some("wsp"));
    w.start_prefixed(WSP, "All", Some("wsp"));
    w.start_prefixed(sp, "TransportBinding", Some("sp"));
    wsp_policy(w, |w| {
        w.start_prefixed(sp, "TransportToken", Some("sp"));
        wsp_policy(w, |w| {
            w.start_prefixed(sp, "HttpsToken", Some("sp"));
            if sp == SP2005 {
                w.attr("", "RequireClientCertificate", "false");
            }
            w.end();
        });
        w.end();
        w.start_prefixed(sp, "AlgorithmSuite", Some("sp"));
        wsp_policy(w, |w| {
            w.start_prefixed(sp, "Basic256", Some("sp")).end();
        });
        w.end();
        w.start_prefixed(sp, "Layout", Some("sp"));
        wsp_policy(w, |w| {
            w.start_prefixed(sp, "Strict", Some("sp")).end();
        });
        w.end();
        w.start_prefixed(sp, "IncludeTimestamp", Some("sp")).end();
    });
    w.end();
    if f.auth == Auth::Username {
        username_tokens(w, sp);
    }
    endorsing_tokens(w, f);
    w.start_prefixed(sp, "Wss11", Some("sp"));
    wsp_policy(w, |w| {
        for a in [
            "MustSupportRefKeyIdentifier",
            "MustSupportRefIssuerSerial",
            "MustSupportRefThumbprint",
            "MustSupportRefEncryptedKey",
        ] {
            w.start_prefixed(sp, a, Some("sp")).end();
        }
    });
    w.end();
    let trust = if sp == SP2005 { "Trust10" } else { "Trust13" };
    w.start_prefixed(sp, trust, Some("sp"));
    wsp_policy(w, |w| {
        for a in [
            "MustSupportIssuedTokens",
            "RequireClientEntropy",
            "RequireServerEntropy",
        ] {
            w.start_prefixed(sp, a, Some("sp")).end();
        }
    });
    w.end();
    w.start_prefixed(WSAW, "UsingAddressing", Some("wsaw"))
        .end();
    w.end().end().end();
}

/// A signed (1.3: signed encrypted) supporting UsernameToken 1.0.
fn username_tokens(w: &mut Writer, sp: &str) {
    let supporting = if sp == SP2005 {
        "SignedSupportingTokens"
    } else {
        "SignedEncryptedSupportingTokens"
    };
    w.start_prefixed(sp, supporting, Some("sp"));
    wsp_policy(w, |w| {
        w.start_prefixed(sp, "UsernameToken", Some("sp")).attr(
            sp,
            "IncludeToken",
            &format!("{sp}/IncludeToken/AlwaysToRecipient"),
        );
        wsp_policy(w, |w| {
            w.start_prefixed(sp, "WssUsernameToken10", Some("sp")).end();
        });
        w.end();
    });
    w.end();
}

/// The endorsing supporting tokens, which also sign `wsa:To`: for certificatemixed an X.509
/// v3 token sent with the message (AD FS's certificate policy), for issuedtokenmixed an issued
/// token; on every policy, as AD FS writes it, an optional bare RSA key
/// (`sp:KeyValueToken`, 2005: `mssp:RsaToken`).
fn endorsing_tokens(w: &mut Writer, f: &Flavour) {
    let sp = sp(f.trust);
    w.start_prefixed(sp, "EndorsingSupportingTokens", Some("sp"));
    wsp_policy(w, |w| {
        if let Auth::IssuedToken { symmetric } = f.auth {
            issued_token(w, f.trust, symmetric);
        }
        if f.auth == Auth::Certificate {
            w.start_prefixed(sp, "X509Token", Some("sp")).attr(
                sp,
                "IncludeToken",
                &format!("{sp}/IncludeToken/AlwaysToRecipient"),
            );
            wsp_policy(w, |w| {
                w.start_prefixed(sp, "RequireThumbprintReference", Some("sp"))
                    .end();
                w.start_prefixed(sp, "WssX509V3Token10", Some("sp")).end();
            });
            w.end();
        }
        let never = format!("{sp}/IncludeToken/Never");
        if sp == SP2005 {
            w.start_prefixed(MSSP, "RsaToken", Some("mssp"))
                .attr(sp, "IncludeToken", &never)
                .attr(WSP, "Optional", "true")
                .end();
        } else {
            w.start_prefixed(sp, "KeyValueToken", Some("sp"))
                .attr(sp, "IncludeToken", &never)
                .attr(WSP, "Optional", "true")
                .end();
        }
        w.start_prefixed(sp, "SignedParts", Some("sp"));
        w.start_prefixed(sp, "Header", Some("sp"))
            .attr("", "Name", "To")
            .attr("", "Namespace", WSA10)
            .end();
        w.end();
    });
    w.end();
}

/// `sp:IssuedToken` with AD FS's request template: the proof key kind and the Basic256
/// algorithms (1.3 also names the key wrap algorithm of a public key).
fn issued_token(w: &mut Writer, t: Trust, symmetric: bool) {
    const OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    const AES256: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    let sp = sp(t);
    let (trust_ns, prefix, _) = trust_names(t);
    w.start_prefixed(sp, "IssuedToken", Some("sp")).attr(
        sp,
        "IncludeToken",
        &format!("{sp}/IncludeToken/AlwaysToRecipient"),
    );
    w.start_prefixed(sp, "RequestSecurityTokenTemplate", Some("sp"));
    let el = |w: &mut Writer, local: &str, text: &str| {
        w.start_prefixed(trust_ns, local, Some(prefix))
            .text(text)
            .end();
    };
    let key_type = if symmetric {
        "SymmetricKey"
    } else {
        "PublicKey"
    };
    el(w, "KeyType", &format!("{trust_ns}/{key_type}"));
    if symmetric {
        el(w, "KeySize", "256");
    }
    if t == Trust::V13 {
        el(w, "KeyWrapAlgorithm", OAEP);
    }
    el(w, "EncryptWith", if symmetric { AES256 } else { OAEP });
    el(
        w,
        "SignatureAlgorithm",
        if symmetric {
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
        } else {
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
        },
    );
    el(
        w,
        "CanonicalizationAlgorithm",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    );
    el(w, "EncryptionAlgorithm", AES256);
    w.end();
    wsp_policy(w, |w| {
        w.start_prefixed(sp, "RequireInternalReference", Some("sp"))
            .end();
    });
    w.end();
}

fn messages(w: &mut Writer, t: Trust) {
    let (_, prefix, response) = trust_names(t);
    let op = operation(t);
    for (suffix, part, element) in [
        ("InputMessage", "request".to_owned(), "RequestSecurityToken"),
        ("OutputMessage", format!("{op}Result"), response),
    ] {
        w.start_prefixed(WSDL, "message", Some("wsdl")).attr(
            "",
            "name",
            &format!("{}_{op}_{suffix}", port_type(t)),
        );
        w.start_prefixed(WSDL, "part", Some("wsdl"))
            .attr("", "name", &part)
            .attr("", "element", &format!("{prefix}:{element}"))
            .end();
        w.end();
    }
}

fn write_port_type(w: &mut Writer, t: Trust) {
    let (pt, op) = (port_type(t), operation(t));
    w.start_prefixed(WSDL, "portType", Some("wsdl"))
        .attr("", "name", pt);
    w.start_prefixed(WSDL, "operation", Some("wsdl"))
        .attr("", "name", op);
    w.start_prefixed(WSDL, "input", Some("wsdl"))
        .attr(WSAW, "Action", issue_action(t))
        .attr("", "message", &format!("tns:{pt}_{op}_InputMessage"))
        .end();
    w.start_prefixed(WSDL, "output", Some("wsdl"))
        .attr(WSAW, "Action", response_action(t))
        .attr("", "message", &format!("tns:{pt}_{op}_OutputMessage"))
        .end();
    w.end().end();
}

fn binding(w: &mut Writer, f: &Flavour) {
    let name = f.name();
    w.start_prefixed(WSDL, "binding", Some("wsdl"))
        .attr("", "name", &name)
        .attr("", "type", &format!("tns:{}", port_type(f.trust)));
    w.start_prefixed(WSP, "PolicyReference", Some("wsp"))
        .attr("", "URI", &format!("#{name}_policy"))
        .end();
    w.start_prefixed(SOAP12, "binding", Some("soap12"))
        .attr("", "transport", HTTP_TRANSPORT)
        .end();
    w.start_prefixed(WSDL, "operation", Some("wsdl"))
        .attr("", "name", operation(f.trust));
    w.start_prefixed(SOAP12, "operation", Some("soap12"))
        .attr("", "soapAction", issue_action(f.trust))
        .attr("", "style", "document")
        .end();
    for dir in ["input", "output"] {
        w.start_prefixed(WSDL, dir, Some("wsdl"));
        w.start_prefixed(SOAP12, "body", Some("soap12"))
            .attr("", "use", "literal")
            .end();
        w.end();
    }
    w.end().end();
}
