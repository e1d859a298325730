//! Namespace URIs of the specifications we speak, grouped per specification.

/// `xml` prefix namespace (Namespaces in XML 1.0 §3), bound implicitly.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` declarations themselves (never declared).
pub const XMLNS: &str = "http://www.w3.org/2000/xmlns/";
/// XML Schema instance (`xsi:type`, `xsi:nil`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// XML Schema (`xs:string` in `xsi:type` values).
pub const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// SOAP 1.1 envelope (<https://www.w3.org/TR/2000/NOTE-SOAP-20000508/>).
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope (<https://www.w3.org/TR/soap12-part1/>).
pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

/// WS-Addressing 1.0 (<https://www.w3.org/TR/ws-addr-core/>).
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Addressing member submission, August 2004.
pub const WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";

/// WS-Security 1.0 secext.
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security 1.0 utility (`wsu:Id`, `wsu:Timestamp`).
pub const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// WS-Security 1.1 secext (`wsse11:SignatureConfirmation`, `wsse11:TokenType`).
pub const WSSE11: &str = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";

/// XML Signature (<https://www.w3.org/TR/xmldsig-core1/>).
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML Signature 1.1 additions.
pub const DS11: &str = "http://www.w3.org/2009/xmldsig11#";
/// XML Encryption (<https://www.w3.org/TR/xmlenc-core1/>).
pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML Encryption 1.1 additions.
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// Exclusive XML Canonicalization (`InclusiveNamespaces`).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// WS-Trust February 2005 (pre-OASIS, still sent by WCF and AD FS clients).
pub const WST_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
/// WS-Trust 1.3 (OASIS, 200512).
pub const WST13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
/// WS-Trust 1.4 additions (200802: ActAs, InvalidActAsFault, ...).
pub const WST14: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200802";
/// WS-SecureConversation February 2005.
pub const WSC_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/sc";
/// WS-SecureConversation 1.3/1.4 (OASIS, 200512).
pub const WSC13: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512";

/// WS-Policy 2004/09 (used by `wsp:AppliesTo`).
pub const WSP: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
/// WS-Policy 1.5.
pub const WSP15: &str = "http://www.w3.org/ns/ws-policy";
/// WS-SecurityPolicy 1.2.
pub const SP: &str = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
/// WS-MetadataExchange 2004/09.
pub const MEX: &str = "http://schemas.xmlsoap.org/ws/2004/09/mex";
/// Information Card / identity claims dialect (`ic:ClaimType`).
pub const IDENTITY: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity";

/// SAML 2.0 assertion.
pub const SAML2: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 1.x assertion.
pub const SAML1: &str = "urn:oasis:names:tc:SAML:1.0:assertion";

/// Our own extension namespace (`schemas/wstrust-ext.xsd`).
pub const WSX: &str = "urn:wstrust:ext:2026";

/// The prefix we prefer when writing an element or attribute of namespace `uri`.
pub fn preferred_prefix(uri: &str) -> Option<&'static str> {
    Some(match uri {
        SOAP11 | SOAP12 => "s",
        WSA | WSA_2004 => "wsa",
        WSSE => "wsse",
        WSU => "wsu",
        WSSE11 => "wsse11",
        DS => "ds",
        DS11 => "dsig11",
        XENC => "xenc",
        XENC11 => "xenc11",
        EXC_C14N => "ec",
        WST_2005 | WST13 => "wst",
        WST14 => "wst14",
        WSC_2005 | WSC13 => "wsc",
        WSP | WSP15 => "wsp",
        SP => "sp",
        MEX => "mex",
        IDENTITY => "ic",
        SAML2 => "saml",
        SAML1 => "saml1",
        XSI => "xsi",
        XS => "xs",
        WSX => "wsx",
        _ => return None,
    })
}
