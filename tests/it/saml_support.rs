//! Shared pieces of the SAML tests: the test PKI, a fixed clock, assertion specs for every
//! variant and the matching validation policy.

use std::sync::OnceLock;

use wstrust::crypto::{RsaPrivateKey, SecretBytes};
use wstrust::pki::Certificate;
use wstrust::saml::{
    uri, AssertionSpec, AuthnMethod, AuthnStatement, Claim, ConfirmationSpec, NameId,
    PublicKeyInfo, RecipientReference, SamlVersion, ServiceKey, SigningCredentials, TrustedIssuer,
    ValidationPolicy,
};
use wstrust::xml::datetime;

use crate::support::fixture_text;

/// The STS, the relying party (service) and the requester, from the shared test PKI.
pub struct Pki {
    pub sts: Certificate,
    pub sts_key: RsaPrivateKey,
    pub rp: Certificate,
    pub rp_key: RsaPrivateKey,
    pub client: Certificate,
    pub client_key: RsaPrivateKey,
    pub trusted: Vec<TrustedIssuer>,
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let cert = |n: &str| {
            Certificate::from_pem(&fixture_text(&format!("clients/pki/{n}.pem"))).unwrap()
        };
        let key = |n: &str| {
            RsaPrivateKey::from_pem(&fixture_text(&format!("clients/pki/{n}.key"))).unwrap()
        };
        let sts = cert("sts");
        Pki {
            trusted: vec![TrustedIssuer::named(sts.clone(), ISSUER)],
            sts,
            sts_key: key("sts"),
            rp: cert("rp"),
            rp_key: key("rp"),
            client: cert("client"),
            client_key: key("client"),
        }
    })
}

impl Pki {
    pub fn signer(&self) -> SigningCredentials<'_> {
        SigningCredentials {
            certificate: &self.sts,
            key: &self.sts_key,
        }
    }

    pub fn service(&self) -> ServiceKey<'_> {
        ServiceKey {
            certificate: &self.rp,
            key: &self.rp_key,
        }
    }

    /// The service's policy at [`now`], with its key.
    pub fn policy(&self) -> ValidationPolicy<'_> {
        let mut p = ValidationPolicy::new(&self.trusted, [AUDIENCE], now());
        p.service = Some(self.service());
        p
    }
}

pub const ISSUER: &str = "https://sts.example.org/trust";
pub const AUDIENCE: &str = "https://rp.example.org/service";
pub const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
pub const ROLE: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
pub const OID_CN: &str = "urn:oid:2.5.4.3";
pub const ONE_HOUR: i64 = 3_600_000;

/// A fixed "now" inside the validity of the test certificates.
pub fn now() -> i64 {
    datetime::parse("2026-12-01T10:00:00Z").unwrap()
}

/// The subject confirmations tested.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Kind {
    Bearer,
    SymmetricThumbprint,
    SymmetricSki,
    PublicCertificate,
    PublicKeyValue,
}

pub const KINDS: [Kind; 5] = [
    Kind::Bearer,
    Kind::SymmetricThumbprint,
    Kind::SymmetricSki,
    Kind::PublicCertificate,
    Kind::PublicKeyValue,
];

/// The proof key of the symmetric variants.
pub const PROOF_KEY: [u8; 32] = [
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
];

pub fn confirmation(kind: Kind, pki: &Pki) -> ConfirmationSpec {
    match kind {
        Kind::Bearer => ConfirmationSpec::Bearer,
        Kind::SymmetricThumbprint | Kind::SymmetricSki => ConfirmationSpec::HolderOfKeySymmetric {
            key: SecretBytes::from_slice(&PROOF_KEY),
            recipient: pki.rp.clone(),
            reference: if kind == Kind::SymmetricSki {
                RecipientReference::SubjectKeyIdentifier
            } else {
                RecipientReference::ThumbprintSha1
            },
        },
        Kind::PublicCertificate => {
            ConfirmationSpec::HolderOfKeyPublic(PublicKeyInfo::Certificate(pki.client.clone()))
        }
        Kind::PublicKeyValue => ConfirmationSpec::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(
            pki.client.public_key().clone(),
        )),
    }
}

/// A full spec: subject with format, authentication, three claims, optional actor.
pub fn spec(version: SamlVersion, kind: Kind, actor: bool) -> AssertionSpec {
    let pki = pki();
    let mut s = AssertionSpec::new(
        version,
        ISSUER,
        NameId::with_format("alice@example.org", uri::NAMEID_EMAIL),
        confirmation(kind, pki),
        now() - 60_000,
        ONE_HOUR,
    );
    s.audiences = vec![AUDIENCE.into(), "urn:other:audience".into()];
    s.authn = Some(AuthnStatement {
        method: AuthnMethod::PasswordProtectedTransport,
        instant_ms: now() - 120_000,
    });
    s.claims = vec![
        Claim::new(EMAIL, ["alice@example.org"]),
        Claim::new(ROLE, ["admin", "user & <friends>"]),
        Claim::new(OID_CN, ["Alice"]),
    ];
    if actor {
        s.actor = Some("service-a@example.org".into());
    }
    s
}
