//! The token-type registry: every kind of token the engine issues, by the name a realm's
//! `token_types` lists it by.
//!
//! * `sct`: security context tokens, the engine's own kind (see [`super::provider`]);
//! * [`BUILT_IN`] providers: `saml11`, `saml20` ([`super::saml_provider`]), `jwt`
//!   ([`super::jwt_provider`]);
//! * then the configuration's own ([`EngineConfig::providers`]).
//!
//! Adding a token type is one file implementing [`TokenProvider`] and one line in
//! [`BUILT_IN`].

use crate::saml::SamlVersion;
use crate::trust::TokenType;

use super::config::EngineConfig;
use super::jwt_provider::JwtProvider;
use super::provider::TokenProvider;
use super::saml_provider::SamlProvider;

pub use super::token_types::SCT;

static SAML11: SamlProvider = SamlProvider(SamlVersion::V11);
static SAML20: SamlProvider = SamlProvider(SamlVersion::V20);
static JWT: JwtProvider = JwtProvider;

/// The providers every engine has, in lookup order.
pub static BUILT_IN: &[&dyn TokenProvider] = &[&SAML11, &SAML20, &JWT];

/// Every name a realm may list: `sct` and the built-in providers'.
pub fn names() -> Vec<&'static str> {
    let mut v = vec![SCT];
    v.extend(BUILT_IN.iter().map(|p| p.name()));
    v
}

/// Every provider of `cfg`: the built-in ones, then the configured ones.
pub(crate) fn providers(cfg: &EngineConfig) -> impl Iterator<Item = &dyn TokenProvider> {
    BUILT_IN
        .iter()
        .copied()
        .chain(cfg.providers.iter().map(|p| &**p))
}

/// The provider issuing `token_type`, if any.
pub(crate) fn for_type<'c>(cfg: &'c EngineConfig, t: &TokenType) -> Option<&'c dyn TokenProvider> {
    providers(cfg).find(|p| p.handles(t))
}

/// The provider named `name`, if any.
pub(crate) fn named<'c>(cfg: &'c EngineConfig, name: &str) -> Option<&'c dyn TokenProvider> {
    providers(cfg).find(|p| p.name() == name)
}

/// The built-in SAML provider of `version`.
pub(crate) fn saml(version: SamlVersion) -> &'static dyn TokenProvider {
    match version {
        SamlVersion::V11 => &SAML11,
        SamlVersion::V20 => &SAML20,
    }
}

/// The built-in JWT provider.
pub(crate) fn jwt() -> &'static dyn TokenProvider {
    &JWT
}
