//! SOAP faults for both versions, with the WS-Trust and WS-Security fault codes.
//!
//! A fault never echoes attacker input: its reason text is one of our own fixed strings.

use super::SoapVersion;
use crate::xml::{ns, Writer};

/// The SOAP fault class.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum FaultCode {
    /// The message could not be processed because of the sender (SOAP 1.1 `Client`).
    Sender,
    /// We failed for reasons not due to the message (SOAP 1.1 `Server`).
    Receiver,
    /// A mandatory header block was not understood.
    MustUnderstand,
    /// The envelope namespace is not one we speak.
    VersionMismatch,
}

/// The specific fault: a WS-Trust or WS-Security QName.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum FaultSubcode {
    /// `wst:InvalidRequest`: the request was invalid or malformed.
    InvalidRequest,
    /// `wst:FailedAuthentication`: authentication failed.
    FailedAuthentication,
    /// `wst:RequestFailed`: the specified request failed.
    RequestFailed,
    /// `wst:InvalidSecurityToken`: security token has been revoked.
    InvalidSecurityToken,
    /// `wst:AuthenticationBadElements`: insufficient digest elements.
    AuthenticationBadElements,
    /// `wst:BadRequest`: the request was not understood.
    BadRequest,
    /// `wst:ExpiredData`: the request data is out-of-date.
    ExpiredData,
    /// `wst:InvalidTimeRange`: the requested time range is invalid or unsupported.
    InvalidTimeRange,
    /// `wst:InvalidScope`: the request scope is invalid or unsupported.
    InvalidScope,
    /// `wst:RenewNeeded`: a renewable security token has expired.
    RenewNeeded,
    /// `wst:UnableToRenew`: the requested renewal failed.
    UnableToRenew,
    /// `wsse:UnsupportedSecurityToken`.
    UnsupportedSecurityToken,
    /// `wsse:UnsupportedAlgorithm`.
    UnsupportedAlgorithm,
    /// `wsse:InvalidSecurity`: an error was discovered processing the security header.
    InvalidSecurity,
    /// `wsse:InvalidSecurityToken` (WS-Security's own code).
    WsseInvalidSecurityToken,
    /// `wsse:FailedAuthentication` (WS-Security's own code).
    WsseFailedAuthentication,
    /// `wsse:FailedCheck`: the signature or decryption was invalid.
    FailedCheck,
    /// `wsse:SecurityTokenUnavailable`.
    SecurityTokenUnavailable,
    /// `wsse:MessageExpired`.
    MessageExpired,
}

impl FaultSubcode {
    /// Namespace, preferred prefix and local name; WS-Trust codes are in the namespace of
    /// the trust version in use (`trust_ns`).
    pub fn qname(self, trust_ns: &str) -> (&str, &'static str, &'static str) {
        let wst = |l| (trust_ns, "wst", l);
        let wsse = |l| (ns::WSSE, "wsse", l);
        match self {
            Self::InvalidRequest => wst("InvalidRequest"),
            Self::FailedAuthentication => wst("FailedAuthentication"),
            Self::RequestFailed => wst("RequestFailed"),
            Self::InvalidSecurityToken => wst("InvalidSecurityToken"),
            Self::AuthenticationBadElements => wst("AuthenticationBadElements"),
            Self::BadRequest => wst("BadRequest"),
            Self::ExpiredData => wst("ExpiredData"),
            Self::InvalidTimeRange => wst("InvalidTimeRange"),
            Self::InvalidScope => wst("InvalidScope"),
            Self::RenewNeeded => wst("RenewNeeded"),
            Self::UnableToRenew => wst("UnableToRenew"),
            Self::UnsupportedSecurityToken => wsse("UnsupportedSecurityToken"),
            Self::UnsupportedAlgorithm => wsse("UnsupportedAlgorithm"),
            Self::InvalidSecurity => wsse("InvalidSecurity"),
            Self::WsseInvalidSecurityToken => wsse("InvalidSecurityToken"),
            Self::WsseFailedAuthentication => wsse("FailedAuthentication"),
            Self::FailedCheck => wsse("FailedCheck"),
            Self::SecurityTokenUnavailable => wsse("SecurityTokenUnavailable"),
            Self::MessageExpired => wsse("MessageExpired"),
        }
    }

    /// The fault string the specifications give for this code (fixed text, safe to send).
    pub fn reason(self) -> &'static str {
        match self {
            Self::InvalidRequest => "The request was invalid or malformed",
            Self::FailedAuthentication | Self::WsseFailedAuthentication => "Authentication failed",
            Self::RequestFailed => "The specified request failed",
            Self::InvalidSecurityToken => "Security token has been revoked",
            Self::AuthenticationBadElements => "Insufficient Digest Elements",
            Self::BadRequest => "The specified RequestSecurityToken is not understood",
            Self::ExpiredData => "The request data is out-of-date",
            Self::InvalidTimeRange => "The requested time range is invalid or unsupported",
            Self::InvalidScope => "The request scope is invalid or unsupported",
            Self::RenewNeeded => "A renewable security token has expired",
            Self::UnableToRenew => "The requested renewal failed",
            Self::UnsupportedSecurityToken => "An unsupported token was provided",
            Self::UnsupportedAlgorithm => {
                "An unsupported signature or encryption algorithm was used"
            }
            Self::InvalidSecurity => {
                "An error was discovered processing the <wsse:Security> header"
            }
            Self::WsseInvalidSecurityToken => "An invalid security token was provided",
            Self::FailedCheck => "The signature or decryption was invalid",
            Self::SecurityTokenUnavailable => "Referenced security token could not be retrieved",
            Self::MessageExpired => "The message has expired",
        }
    }
}

/// A SOAP fault.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Fault {
    /// The class.
    pub code: FaultCode,
    /// The specific code, if any.
    pub subcode: Option<FaultSubcode>,
    /// Namespace for WS-Trust subcodes (the request's trust version). Default: WS-Trust 1.3.
    pub trust_ns: &'static str,
    /// Fixed reason text (never input text).
    pub reason: &'static str,
}

impl Fault {
    /// A sender fault with a WS-Trust/WS-Security subcode and its standard reason.
    pub fn sender(subcode: FaultSubcode) -> Self {
        Self {
            code: FaultCode::Sender,
            subcode: Some(subcode),
            trust_ns: ns::WST13,
            reason: subcode.reason(),
        }
    }

    /// A receiver fault (our own failure) without details.
    pub fn receiver() -> Self {
        Self {
            code: FaultCode::Receiver,
            subcode: Some(FaultSubcode::RequestFailed),
            trust_ns: ns::WST13,
            reason: FaultSubcode::RequestFailed.reason(),
        }
    }

    /// The same fault with WS-Trust subcodes in namespace `trust_ns`.
    pub fn in_trust_namespace(mut self, trust_ns: &'static str) -> Self {
        self.trust_ns = trust_ns;
        self
    }

    /// HTTP status for this fault. SOAP 1.1 (§6.2) requires 500 for every fault. For SOAP 1.2
    /// the HTTP binding (§7.5.2.2) suggests 400 for sender faults, but deployed WS-Trust
    /// clients (ADAL, MSAL, WCF) expect 500 for every fault, so 500 is returned throughout.
    pub fn http_status(&self) -> u16 {
        500
    }

    /// Writes the `Fault` element (inside a `Body`). SOAP 1.2 faults have AD FS's shape:
    /// `s:Code/s:Value` (`s:Sender` or `s:Receiver`), `s:Subcode/s:Value` holding the
    /// WS-Trust or WS-Security QName (its prefix declared on that `s:Value`), and
    /// `s:Reason/s:Text xml:lang="en-US"`.
    pub fn write(&self, w: &mut Writer, version: SoapVersion) {
        let env = version.namespace();
        w.start_prefixed(env, "Fault", Some("s"));
        match version {
            SoapVersion::V11 => {
                // SOAP 1.1 puts the specific QName in faultcode itself (WS-Trust §11).
                let (code_ns, prefix, local) = match self.subcode {
                    Some(sc) => sc.qname(self.trust_ns),
                    None => (env, "s", self.code_local_11()),
                };
                w.start("", "faultcode").declare(prefix, code_ns);
                w.text(&format!("{prefix}:{local}")).end();
                // The SOAP 1.1 schema allows no attributes on faultstring.
                w.element_text("", "faultstring", self.reason);
            }
            SoapVersion::V12 => {
                w.start_prefixed(env, "Code", Some("s"));
                w.start_prefixed(env, "Value", Some("s"))
                    .text(&format!("s:{}", self.code_local_12()))
                    .end();
                if let Some(sc) = self.subcode {
                    let (code_ns, prefix, local) = sc.qname(self.trust_ns);
                    w.start_prefixed(env, "Subcode", Some("s"));
                    w.start_prefixed(env, "Value", Some("s"))
                        .declare(prefix, code_ns);
                    w.text(&format!("{prefix}:{local}")).end();
                    w.end();
                }
                w.end();
                w.start_prefixed(env, "Reason", Some("s"));
                w.start_prefixed(env, "Text", Some("s"))
                    .attr(ns::XML, "lang", "en-US")
                    .text(self.reason)
                    .end();
                w.end();
            }
        }
        w.end();
    }

    fn code_local_11(&self) -> &'static str {
        match self.code {
            FaultCode::Sender => "Client",
            FaultCode::Receiver => "Server",
            FaultCode::MustUnderstand => "MustUnderstand",
            FaultCode::VersionMismatch => "VersionMismatch",
        }
    }

    fn code_local_12(&self) -> &'static str {
        match self.code {
            FaultCode::Sender => "Sender",
            FaultCode::Receiver => "Receiver",
            FaultCode::MustUnderstand => "MustUnderstand",
            FaultCode::VersionMismatch => "VersionMismatch",
        }
    }
}
