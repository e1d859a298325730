//! The SAML 1.1 and 2.0 providers: the assertion for what the engine decided
//! ([`super::saml_token`] says how the subject confirmation follows `wst:KeyType`).
//!
//! The assertion says who authenticated (the UsernameToken name, or the subject of the
//! certificate whose signature covered the Body, with the X.509 name format), how, for whom
//! (`AudienceRestriction`), for how long and with which claims; it is signed by the STS. A
//! realm with `encrypt_assertion` gets a SAML 2.0 `saml:EncryptedAssertion` for its
//! certificate (SAML 1.1 is then refused). Both references are the assertion's SAML key
//! identifier.

use crate::saml::{
    self, uri as saml_uri, AssertionSpec, AuthnStatement, ConfirmationSpec, NameId,
    RecipientReference, SamlVersion, SigningCredentials,
};
use crate::trust::{Fragment, RequestedReference, TokenType};

use super::provider::{IssueContext, IssuedToken, KeyBinding, TokenProvider};
use super::realm::Realm;
use super::Error;

/// Issues SAML assertions of one version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SamlProvider(pub(crate) SamlVersion);

impl TokenProvider for SamlProvider {
    fn name(&self) -> &str {
        match self.0 {
            SamlVersion::V11 => "saml11",
            SamlVersion::V20 => "saml20",
        }
    }

    fn handles(&self, token_type: &TokenType) -> bool {
        match self.0 {
            SamlVersion::V11 => token_type.is_saml11(),
            SamlVersion::V20 => token_type.is_saml20(),
        }
    }

    fn token_type(&self) -> TokenType {
        match self.0 {
            SamlVersion::V11 => TokenType::Saml11Profile,
            SamlVersion::V20 => TokenType::Saml20Profile,
        }
    }

    fn admits(&self, realm: &Realm) -> Result<(), Error> {
        if realm.encrypt_assertion && self.0 != SamlVersion::V20 {
            return Err(Error::InvalidRequest {
                what: "the realm takes encrypted assertions, which SAML 1.1 cannot be",
            });
        }
        Ok(())
    }

    fn issue(&self, ctx: &IssueContext<'_>) -> Result<IssuedToken, Error> {
        let realm = ctx.realm;
        let confirmation = match ctx.binding {
            KeyBinding::Bearer => ConfirmationSpec::Bearer,
            KeyBinding::PublicKey(k) => ConfirmationSpec::HolderOfKeyPublic(k.clone()),
            KeyBinding::Symmetric(key) => ConfirmationSpec::HolderOfKeySymmetric {
                key: key.clone(),
                recipient: realm.encryption_cert.clone(),
                reference: RecipientReference::ThumbprintSha1,
            },
        };
        let subject = match ctx.requester_cert {
            Some(c) => NameId::with_format(c.subject(), saml_uri::NAMEID_X509_SUBJECT),
            None => NameId::with_format(ctx.principal, saml_uri::NAMEID_UNSPECIFIED),
        }
        .qualified(ctx.authority.map(str::to_owned));
        let mut spec = AssertionSpec::new(
            self.0,
            ctx.issuer,
            subject,
            confirmation,
            ctx.not_before_ms,
            ctx.expires_ms.saturating_sub(ctx.not_before_ms),
        );
        spec.audiences = vec![ctx.audience.to_owned()];
        spec.authn = Some(AuthnStatement {
            method: ctx.authn.clone(),
            instant_ms: ctx.not_before_ms,
        });
        spec.claims = ctx.claims.to_vec();
        spec.actor = ctx.act_as.map(str::to_owned);
        let assertion = saml::issue(
            &spec,
            SigningCredentials {
                certificate: ctx.signing_cert,
                key: ctx.signing_key,
            },
        )?;
        let token_xml = if realm.encrypt_assertion {
            saml::encrypt(
                &assertion,
                &realm.encryption_cert,
                RecipientReference::ThumbprintSha1,
            )?
        } else {
            assertion.xml.clone()
        };
        let reference = RequestedReference {
            security_token_reference: Fragment::build(|w| assertion.write_key_identifier(w))?,
        };
        // Both forms were written just above by `saml::issue` / `saml::encrypt`.
        Ok(IssuedToken::new(
            Fragment::from_own_output(token_xml),
            Some(reference.clone()),
            Some(reference),
        ))
    }
}
