//! The AD FS-style metadata document: a WSDL shaped like the one AD FS serves at
//! `/adfs/services/trust/mex`, advertising the STS aliases that carry an [`AdfsPolicy`].
//!
//! MSAL and ADAL read it this way: every `wsp:Policy` (WS-Policy 2004/09) with a `wsu:Id`
//! whose `sp:TransportBinding` asks for HTTPS and whose `sp:SignedEncryptedSupportingTokens`
//! (WS-SecurityPolicy 1.2) or `sp:SignedSupportingTokens` (2005/07) hold a
//! `sp:UsernameToken` with `sp:WssUsernameToken10` is a username policy; a `wsdl:binding`
//! referring to it by `wsp:PolicyReference` and declaring `soap12:binding` is usable, its
//! `soap12:operation soapAction` says the WS-Trust version; the `wsdl:port` of that binding
//! gives the address in `soap12:address location`.

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
const HTTP_TRANSPORT: &str = "http://schemas.xmlsoap.org/soap/http";
/// The target namespace AD FS uses.
const TNS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice";

struct Flavour {
    /// Binding and policy name stem.
    name: &'static str,
    port_type: &'static str,
    sp: &'static str,
    supporting: &'static str,
    trust: &'static str,
    issue_action: &'static str,
    response_action: &'static str,
    response_element: &'static str,
}

fn flavour(p: AdfsPolicy) -> Flavour {
    match p {
        AdfsPolicy::Username2005 => Flavour {
            name: "UserNameWSTrustBinding_IWSTrustFeb2005Async",
            port_type: "IWSTrustFeb2005Async",
            sp: SP2005,
            supporting: "SignedSupportingTokens",
            trust: WST2005,
            issue_action: "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue",
            response_action: "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue",
            response_element: "RequestSecurityTokenResponse",
        },
        // Username13 and any later policy.
        _ => Flavour {
            name: "UserNameWSTrustBinding_IWSTrust13Async",
            port_type: "IWSTrust13Async",
            sp: SP12,
            supporting: "SignedEncryptedSupportingTokens",
            trust: WST13,
            issue_action: "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
            response_action: "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal",
            response_element: "RequestSecurityTokenResponseCollection",
        },
    }
}

/// The AD FS-style WSDL for a server reached at `base` (`scheme://host:port`), advertising
/// each STS alias of `aliases` that has a policy, at `base` + its path.
pub(super) fn wsdl(base: &str, aliases: &[Alias]) -> Result<String, MetadataError> {
    let advertised: Vec<(&str, AdfsPolicy)> = aliases
        .iter()
        .filter(|a| a.endpoint == Endpoint::Sts)
        .filter_map(|a| a.advertise.map(|p| (a.path.as_str(), p)))
        .collect();
    let mut kinds: Vec<AdfsPolicy> = Vec::new();
    for (_, p) in &advertised {
        if !kinds.contains(p) {
            kinds.push(*p);
        }
    }
    let mut w = Writer::new();
    w.start_prefixed(WSDL, "definitions", Some("wsdl"))
        .declare("wsdl", WSDL)
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
        policy(&mut w, &flavour(*p));
    }
    for p in &kinds {
        messages(&mut w, &flavour(*p));
    }
    for p in &kinds {
        port_type(&mut w, &flavour(*p));
    }
    for p in &kinds {
        binding(&mut w, &flavour(*p));
    }
    w.start_prefixed(WSDL, "service", Some("wsdl"))
        .attr("", "name", "SecurityTokenService");
    for (i, (path, p)) in advertised.iter().enumerate() {
        let f = flavour(*p);
        let address = format!("{base}{path}");
        // Port names are unique: the first port of a kind carries the binding's name, as
        // in AD FS; further ones get a number.
        let name = if advertised.iter().position(|(_, q)| q == p) == Some(i) {
            f.name.to_owned()
        } else {
            format!("{}{i}", f.name)
        };
        w.start_prefixed(WSDL, "port", Some("wsdl"))
            .attr("", "name", &name)
            .attr("", "binding", &format!("tns:{}", f.name));
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

fn wsp_policy(w: &mut Writer, inner: impl FnOnce(&mut Writer)) {
    w.start_prefixed(WSP, "Policy", Some("wsp"));
    inner(w);
    w.end();
}

fn policy(w: &mut Writer, f: &Flavour) {
    let sp = f.sp;
    w.start_prefixed(WSP, "Policy", Some("wsp"))
        .attr(WSU, "Id", &format!("{}_policy", f.name));
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
    w.start_prefixed(sp, f.supporting, Some("sp"));
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

fn messages(w: &mut Writer, f: &Flavour) {
    for (suffix, element) in [
        ("Request", "RequestSecurityToken"),
        ("Response", f.response_element),
    ] {
        w.start_prefixed(WSDL, "message", Some("wsdl")).attr(
            "",
            "name",
            &format!("{}_{suffix}", f.port_type),
        );
        let prefix = if f.trust == WST13 { "trust" } else { "t" };
        w.start_prefixed(WSDL, "part", Some("wsdl"))
            .attr("", "name", suffix)
            .attr("", "element", &format!("{prefix}:{element}"))
            .end();
        w.end();
    }
}

fn port_type(w: &mut Writer, f: &Flavour) {
    w.start_prefixed(WSDL, "portType", Some("wsdl"))
        .attr("", "name", f.port_type);
    w.start_prefixed(WSDL, "operation", Some("wsdl"))
        .attr("", "name", "IssueAsync");
    w.start_prefixed(WSDL, "input", Some("wsdl"))
        .attr(WSAW, "Action", f.issue_action)
        .attr("", "message", &format!("tns:{}_Request", f.port_type))
        .end();
    w.start_prefixed(WSDL, "output", Some("wsdl"))
        .attr(WSAW, "Action", f.response_action)
        .attr("", "message", &format!("tns:{}_Response", f.port_type))
        .end();
    w.end().end();
}

fn binding(w: &mut Writer, f: &Flavour) {
    w.start_prefixed(WSDL, "binding", Some("wsdl"))
        .attr("", "name", f.name)
        .attr("", "type", &format!("tns:{}", f.port_type));
    w.start_prefixed(WSP, "PolicyReference", Some("wsp"))
        .attr("", "URI", &format!("#{}_policy", f.name))
        .end();
    w.start_prefixed(SOAP12, "binding", Some("soap12"))
        .attr("", "transport", HTTP_TRANSPORT)
        .end();
    w.start_prefixed(WSDL, "operation", Some("wsdl"))
        .attr("", "name", "IssueAsync");
    w.start_prefixed(SOAP12, "operation", Some("soap12"))
        .attr("", "soapAction", f.issue_action)
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
