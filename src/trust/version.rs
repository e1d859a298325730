//! Protocol versions (which namespaces a message uses) and WS-Addressing action URIs.

use crate::xml::ns;

/// The WS-Trust version of a message.
///
/// The namespace of the message element decides between February 2005 and 1.3/1.4. 1.4 uses
/// the 1.3 (200512) namespace for every core element plus 200802 ([`ns::WST14`]) for its
/// additions (`ActAs`); a 200512 message is read as 1.4 when it has a 200802 child element.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum TrustVersion {
    /// `http://schemas.xmlsoap.org/ws/2005/02/trust` (WCF, AD FS `/trust/2005/...`).
    Feb2005,
    /// WS-Trust 1.3, `http://docs.oasis-open.org/ws-sx/ws-trust/200512`.
    #[default]
    V13,
    /// WS-Trust 1.4: the 1.3 namespace plus `http://docs.oasis-open.org/ws-sx/ws-trust/200802`.
    V14,
}

impl TrustVersion {
    /// The namespace of the core elements (`RequestSecurityToken`, `TokenType`, ...).
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Feb2005 => ns::WST_2005,
            Self::V13 | Self::V14 => ns::WST13,
        }
    }

    /// The version whose core namespace is `uri` (1.3 for the 200512 namespace).
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::WST_2005 => Some(Self::Feb2005),
            ns::WST13 => Some(Self::V13),
            _ => None,
        }
    }

    /// True for the February 2005 namespace.
    pub fn is_feb2005(self) -> bool {
        self == Self::Feb2005
    }

    /// The WS-SecureConversation version that goes with this WS-Trust version.
    pub fn secure_conversation(self) -> ScVersion {
        match self {
            Self::Feb2005 => ScVersion::Feb2005,
            Self::V13 | Self::V14 => ScVersion::V13,
        }
    }

    /// The WS-Addressing action of `action` in this version.
    pub fn action(self, action: Action) -> &'static str {
        action.uri(self)
    }
}

/// The WS-SecureConversation version of a token.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum ScVersion {
    /// `http://schemas.xmlsoap.org/ws/2005/02/sc`.
    Feb2005,
    /// WS-SecureConversation 1.3/1.4, `http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512`.
    #[default]
    V13,
}

impl ScVersion {
    /// The namespace of `SecurityContextToken`, `DerivedKeyToken` and their children.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Feb2005 => ns::WSC_2005,
            Self::V13 => ns::WSC13,
        }
    }

    /// The version whose namespace is `uri`.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::WSC_2005 => Some(Self::Feb2005),
            ns::WSC13 => Some(Self::V13),
            _ => None,
        }
    }

    /// The token type URI of a security context token (also the `ValueType` of references to
    /// it).
    pub fn sct_token_type(self) -> &'static str {
        match self {
            Self::Feb2005 => SCT_2005,
            Self::V13 => SCT_13,
        }
    }

    /// The `ValueType` of references to a derived key token.
    pub fn dk_value_type(self) -> &'static str {
        match self {
            Self::Feb2005 => "http://schemas.xmlsoap.org/ws/2005/02/sc/dk",
            Self::V13 => "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk",
        }
    }

    /// The default P_SHA1 key derivation algorithm URI of a `DerivedKeyToken`.
    pub fn dk_psha1_algorithm(self) -> &'static str {
        match self {
            Self::Feb2005 => "http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1",
            Self::V13 => "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1",
        }
    }
}

pub(crate) const SCT_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/sc/sct";
pub(crate) const SCT_13: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";

/// Which WS-Policy namespace an `AppliesTo` element is in.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum PolicyVersion {
    /// WS-Policy 2004/09 (`http://schemas.xmlsoap.org/ws/2004/09/policy`).
    #[default]
    V2004,
    /// WS-Policy 1.5 (`http://www.w3.org/ns/ws-policy`).
    V15,
}

impl PolicyVersion {
    /// The namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V2004 => ns::WSP,
            Self::V15 => ns::WSP15,
        }
    }

    /// The version whose namespace is `uri`.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::WSP => Some(Self::V2004),
            ns::WSP15 => Some(Self::V15),
            _ => None,
        }
    }
}

/// Which WS-Addressing namespace an endpoint reference is in.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum AddressingVersion {
    /// WS-Addressing 1.0 (`http://www.w3.org/2005/08/addressing`).
    #[default]
    V10,
    /// The August 2004 member submission (`http://schemas.xmlsoap.org/ws/2004/08/addressing`).
    Aug2004,
}

impl AddressingVersion {
    /// The namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V10 => ns::WSA,
            Self::Aug2004 => ns::WSA_2004,
        }
    }

    /// The version whose namespace is `uri`.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::WSA => Some(Self::V10),
            ns::WSA_2004 => Some(Self::Aug2004),
            _ => None,
        }
    }
}

/// A WS-Trust / WS-SecureConversation binding (the kind of exchange).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Binding {
    /// Issuance (`RST/Issue`).
    Issue,
    /// Renewal (`RST/Renew`).
    Renew,
    /// Cancellation (`RST/Cancel`).
    Cancel,
    /// Validation (`RST/Validate`).
    Validate,
    /// Key exchange token request (`RST/KET`).
    KeyExchangeToken,
    /// Issuance of a security context token (`RST/SCT`).
    SctIssue,
    /// Renewal of a security context token (`RST/SCT/Renew`).
    SctRenew,
    /// Cancellation of a security context token (`RST/SCT/Cancel`).
    SctCancel,
    /// Amendment of a security context token (`RST/SCT/Amend`).
    SctAmend,
}

/// A WS-Addressing action of WS-Trust / WS-SecureConversation.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Action {
    /// The request (`.../RST/...`).
    Request(Binding),
    /// An intermediate or (February 2005) final response (`.../RSTR/...`).
    Response(Binding),
    /// The final response of 1.3/1.4 (`RSTRC/IssueFinal`, `RSTR/RenewFinal`, ...). In
    /// February 2005 and for WS-SecureConversation bindings it is the same URI as
    /// [`Action::Response`].
    FinalResponse(Binding),
}

const T05: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
const T13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

/// `(1.3?, action, uri)`; responses come before final responses so that a URI shared by
/// both reads as a response.
const ACTIONS: &[(bool, Action, &str)] = {
    use Action::{FinalResponse as F, Request as Q, Response as R};
    use Binding::*;
    &[
        (
            false,
            Q(Issue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue",
        ),
        (
            false,
            R(Issue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue",
        ),
        (
            false,
            F(Issue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue",
        ),
        (
            false,
            Q(Renew),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Renew",
        ),
        (
            false,
            R(Renew),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Renew",
        ),
        (
            false,
            F(Renew),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Renew",
        ),
        (
            false,
            Q(Cancel),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Cancel",
        ),
        (
            false,
            R(Cancel),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Cancel",
        ),
        (
            false,
            F(Cancel),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Cancel",
        ),
        (
            false,
            Q(Validate),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Validate",
        ),
        (
            false,
            R(Validate),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Validate",
        ),
        (
            false,
            F(Validate),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Validate",
        ),
        (
            false,
            Q(KeyExchangeToken),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/KET",
        ),
        (
            false,
            R(KeyExchangeToken),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/KET",
        ),
        (
            false,
            F(KeyExchangeToken),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/KET",
        ),
        (
            false,
            Q(SctIssue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT",
        ),
        (
            false,
            R(SctIssue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT",
        ),
        (
            false,
            F(SctIssue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT",
        ),
        (
            false,
            Q(SctRenew),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Renew",
        ),
        (
            false,
            R(SctRenew),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Renew",
        ),
        (
            false,
            F(SctRenew),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Renew",
        ),
        (
            false,
            Q(SctCancel),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Cancel",
        ),
        (
            false,
            R(SctCancel),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Cancel",
        ),
        (
            false,
            F(SctCancel),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Cancel",
        ),
        (
            false,
            Q(SctAmend),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Amend",
        ),
        (
            false,
            R(SctAmend),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Amend",
        ),
        (
            false,
            F(SctAmend),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Amend",
        ),
        (
            true,
            Q(Issue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        ),
        (
            true,
            R(Issue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Issue",
        ),
        (
            true,
            F(Issue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal",
        ),
        (
            true,
            Q(Renew),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Renew",
        ),
        (
            true,
            R(Renew),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Renew",
        ),
        (
            true,
            F(Renew),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/RenewFinal",
        ),
        (
            true,
            Q(Cancel),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Cancel",
        ),
        (
            true,
            R(Cancel),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Cancel",
        ),
        (
            true,
            F(Cancel),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/CancelFinal",
        ),
        (
            true,
            Q(Validate),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Validate",
        ),
        (
            true,
            R(Validate),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Validate",
        ),
        (
            true,
            F(Validate),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/ValidateFinal",
        ),
        (
            true,
            Q(KeyExchangeToken),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/KET",
        ),
        (
            true,
            R(KeyExchangeToken),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/KET",
        ),
        (
            true,
            F(KeyExchangeToken),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/KETFinal",
        ),
        (
            true,
            Q(SctIssue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT",
        ),
        (
            true,
            R(SctIssue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT",
        ),
        (
            true,
            F(SctIssue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT",
        ),
        (
            true,
            Q(SctRenew),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Renew",
        ),
        (
            true,
            R(SctRenew),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Renew",
        ),
        (
            true,
            F(SctRenew),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Renew",
        ),
        (
            true,
            Q(SctCancel),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Cancel",
        ),
        (
            true,
            R(SctCancel),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Cancel",
        ),
        (
            true,
            F(SctCancel),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Cancel",
        ),
        (
            true,
            Q(SctAmend),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Amend",
        ),
        (
            true,
            R(SctAmend),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Amend",
        ),
        (
            true,
            F(SctAmend),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Amend",
        ),
    ]
};

impl Action {
    /// The action URI in `version` (1.4 uses the 1.3 URIs).
    pub fn uri(self, version: TrustVersion) -> &'static str {
        let v13 = !version.is_feb2005();
        ACTIONS
            .iter()
            .find(|(is13, a, _)| *is13 == v13 && *a == self)
            .map_or("", |(_, _, uri)| uri)
    }

    /// The action and version of an action URI (white space around it ignored). 200512 URIs
    /// read as [`TrustVersion::V13`].
    pub fn from_uri(uri: &str) -> Option<(TrustVersion, Self)> {
        let uri = super::codec::trim_xml(uri);
        ACTIONS
            .iter()
            .find(|(_, _, u)| *u == uri)
            .map(|(is13, a, _)| {
                let v = if *is13 {
                    TrustVersion::V13
                } else {
                    TrustVersion::Feb2005
                };
                (v, *a)
            })
    }

    /// The binding of this action.
    pub fn binding(self) -> Binding {
        match self {
            Self::Request(b) | Self::Response(b) | Self::FinalResponse(b) => b,
        }
    }
}

/// The base of the URIs of `version` (`.../2005/02/trust` or `.../ws-trust/200512`), used to
/// build its RequestType and other enumerated URIs.
pub(crate) fn trust_base(version: TrustVersion) -> &'static str {
    if version.is_feb2005() {
        T05
    } else {
        T13
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_uri_in_both_versions_and_reads_back() {
        let bindings = [
            Binding::Issue,
            Binding::Renew,
            Binding::Cancel,
            Binding::Validate,
            Binding::KeyExchangeToken,
            Binding::SctIssue,
            Binding::SctRenew,
            Binding::SctCancel,
            Binding::SctAmend,
        ];
        for v in [TrustVersion::Feb2005, TrustVersion::V13, TrustVersion::V14] {
            for b in bindings {
                for a in [
                    Action::Request(b),
                    Action::Response(b),
                    Action::FinalResponse(b),
                ] {
                    let uri = a.uri(v);
                    assert!(uri.starts_with(trust_base(v)), "{a:?} {v:?}");
                    let (rv, ra) = Action::from_uri(uri).unwrap_or_else(|| panic!("{uri}"));
                    assert_eq!(rv.is_feb2005(), v.is_feb2005());
                    assert_eq!(ra.binding(), b);
                }
            }
        }
        assert_eq!(
            TrustVersion::V13.action(Action::FinalResponse(Binding::Issue)),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal"
        );
        assert_eq!(
            TrustVersion::Feb2005.action(Action::Request(Binding::SctCancel)),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Cancel"
        );
        assert_eq!(Action::from_uri("urn:other"), None);
    }
}
