//! The kinds of token a realm issues ([`TokenTypes`], by registry name), below the registry
//! and the configuration that both name them. `TokenTypes::all` (every built-in kind) is in
//! `tokens`, beside the registry it asks.

/// The name of the security context token kind.
pub const SCT: &str = "sct";

/// The kinds of token a realm issues, by registry name (`registry::names`: `sct`, `saml11`,
/// `saml20`, `jwt`, and any configured provider's).
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct TokenTypes {
    names: Vec<String>,
}

impl TokenTypes {
    /// Exactly the kinds named (registry names; unknown names are kept and never match).
    pub fn only<N: Into<String>>(names: impl IntoIterator<Item = N>) -> Self {
        let mut v: Vec<String> = Vec::new();
        for n in names {
            let n = n.into();
            if !v.contains(&n) {
                v.push(n);
            }
        }
        Self { names: v }
    }

    /// SAML 1.1 assertions only (what AD FS issues over WS-Trust).
    pub fn saml11_only() -> Self {
        Self::only(["saml11"])
    }

    /// Security context tokens only.
    pub fn sct_only() -> Self {
        Self::only([SCT])
    }

    /// These kinds and `name`.
    pub fn with(mut self, name: impl Into<String>) -> Self {
        let n = name.into();
        if !self.names.contains(&n) {
            self.names.push(n);
        }
        self
    }

    /// True when the kind named `name` is issued.
    pub fn allows(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The names, in configuration order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

impl Default for TokenTypes {
    /// Security context tokens, SAML 1.1 and SAML 2.0 (JWT only where a realm lists it).
    fn default() -> Self {
        Self::only([SCT, "saml11", "saml20"])
    }
}
