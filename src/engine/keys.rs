//! Proof-key material for issued symmetric-key tokens (WS-Trust 1.3 §4.4.3 and §4.4.4).
//!
//! A requester may send `wst:Entropy`; the realm's [`KeyPolicy`] decides whether the issuer
//! generates the key alone ([`KeyMaterial::Server`]), takes the requester's entropy as the key
//! ([`KeyMaterial::Requester`]) or combines both into a computed key
//! ([`KeyMaterial::Computed`], `CK/PSHA1`: key = P_SHA1(requester entropy, issuer entropy)).
//! [`make_proof_key`] then produces the key and, for a computed key, the issuer entropy that
//! goes back in the RSTR.
//!
//! This file also holds the [`Error`] shared by the engine primitives ([`keys`](self),
//! [`users`](super::users), [`sealed`](super::sealed)).

use crate::crypto::{self, SecretBytes};
use crate::trust::ComputedKeyAlgorithm;

/// Smallest proof key (and key size request) accepted, in bits.
pub const MIN_KEY_BITS: u32 = 128;
/// Largest proof key (and key size request) accepted, in bits.
pub const MAX_KEY_BITS: u32 = 512;
/// The usual realm default key size, in bits.
pub const DEFAULT_KEY_BITS: u32 = 256;

/// Shortest requester entropy accepted for a computed key, in bytes (128 bits).
const MIN_COMPUTED_ENTROPY: usize = 16;
/// Longest requester entropy accepted for a computed key, in bytes.
const MAX_COMPUTED_ENTROPY: usize = 512;

/// Errors of the engine primitives.
///
/// Display texts are lower-case, have no trailing period and never contain key material,
/// passwords or token contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The requester sent entropy but the realm does not accept requester key material.
    #[error("requester entropy not accepted")]
    EntropyRefused,
    /// The requester's entropy is missing or has an unacceptable length.
    #[error("bad requester entropy: {0}")]
    BadEntropy(&'static str),
    /// The requested (or configured) key size is outside 128..=512 bits or not whole bytes.
    #[error("unsupported key size: {0} bits")]
    KeySize(u32),
    /// A computed key algorithm other than `CK/PSHA1` was asked for.
    #[error("unsupported computed key algorithm")]
    ComputedKeyAlgorithm,
    /// The requester could not be authenticated (unknown user, wrong password, method not
    /// available for the user: deliberately one variant).
    #[error("authentication failed")]
    AuthenticationFailed,
    /// The user store could not be built (duplicate or empty user name, unparsable hash).
    #[error("user store: {0}")]
    UserStore(&'static str),
    /// Password hashing failed (bad Argon2 parameters).
    #[error("password hashing: {0}")]
    PasswordHash(&'static str),
    /// The token sealing keys are unusable (wrong length, duplicate id, no current key).
    #[error("token keys: {0}")]
    TokenKeys(&'static str),
    /// A context state could not be sealed (a field or the whole state is too long).
    #[error("cannot seal context state: {0}")]
    Seal(&'static str),
    /// A sealed context state or identifier did not open: every cause (unknown key id,
    /// tampering, truncation, bad encoding) is this one variant.
    #[error("invalid security context token")]
    Open,
    /// A cryptographic primitive failed (random generator, key derivation).
    #[error("crypto: {0}")]
    Crypto(#[from] crypto::Error),
}

/// Where a symmetric proof key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyMaterial {
    /// The issuer generates the whole key (returned as `wst:BinarySecret`).
    Server,
    /// The requester's entropy is the key (nothing but a confirmation is returned).
    Requester,
    /// The key is computed from both parties' entropy (`wst:ComputedKey` `CK/PSHA1`, issuer
    /// entropy returned in `wst:Entropy`).
    Computed,
}

impl KeyMaterial {
    /// The `wst:ComputedKey` algorithm to announce in the RSTR, for [`Self::Computed`].
    pub fn computed_key_algorithm(self) -> Option<ComputedKeyAlgorithm> {
        match self {
            Self::Computed => Some(ComputedKeyAlgorithm::PSha1),
            Self::Server | Self::Requester => None,
        }
    }
}

/// A realm's rules for symmetric proof keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyPolicy {
    /// Accept `wst:Entropy` from the requester. When false, a request carrying entropy is
    /// refused with [`Error::EntropyRefused`] (rather than silently ignored). Default: true.
    pub allow_requester_entropy: bool,
    /// The issuer always contributes entropy: when the requester sends entropy the key is
    /// computed from both ([`KeyMaterial::Computed`]); when false the requester's entropy is
    /// used as the key itself ([`KeyMaterial::Requester`]). Default: true.
    pub require_server_entropy: bool,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        Self {
            allow_requester_entropy: true,
            require_server_entropy: true,
        }
    }
}

/// Decides where the proof key comes from, given the requester's entropy octets (the
/// decoded `wst:Entropy/wst:BinarySecret`, if any) and the realm's policy.
///
/// No entropy: [`KeyMaterial::Server`]. Entropy on a realm that refuses it:
/// [`Error::EntropyRefused`]. Otherwise [`KeyMaterial::Computed`], or
/// [`KeyMaterial::Requester`] when the policy does not require issuer entropy. Lengths are
/// checked by [`make_proof_key`], once the key size is known.
pub fn decide(requester_entropy: Option<&[u8]>, policy: &KeyPolicy) -> Result<KeyMaterial, Error> {
    match requester_entropy {
        None => Ok(KeyMaterial::Server),
        Some(_) if !policy.allow_requester_entropy => Err(Error::EntropyRefused),
        Some(_) if policy.require_server_entropy => Ok(KeyMaterial::Computed),
        Some(_) => Ok(KeyMaterial::Requester),
    }
}

/// Checks a requested `wst:ComputedKeyAlgorithm`: absent or `CK/PSHA1` is fine, anything else
/// (including `CK/HASH`, which WS-Trust leaves underspecified) is
/// [`Error::ComputedKeyAlgorithm`].
pub fn check_computed_key_algorithm(requested: Option<&ComputedKeyAlgorithm>) -> Result<(), Error> {
    match requested {
        None | Some(ComputedKeyAlgorithm::PSha1) => Ok(()),
        Some(_) => Err(Error::ComputedKeyAlgorithm),
    }
}

/// The proof key size in bits: the requester's `wst:KeySize` if given, else the realm's
/// default (usually [`DEFAULT_KEY_BITS`]). Sizes below [`MIN_KEY_BITS`], above
/// [`MAX_KEY_BITS`] or not a multiple of 8 are [`Error::KeySize`], whether requested or
/// configured.
pub fn key_size_bits(requested: Option<u32>, realm_default: u32) -> Result<u32, Error> {
    let bits = requested.unwrap_or(realm_default);
    check_bits(bits)?;
    Ok(bits)
}

fn check_bits(bits: u32) -> Result<usize, Error> {
    if (MIN_KEY_BITS..=MAX_KEY_BITS).contains(&bits) && bits % 8 == 0 {
        usize::try_from(bits / 8).map_err(|_| Error::KeySize(bits))
    } else {
        Err(Error::KeySize(bits))
    }
}

/// Checks the requester's entropy for a key of `material` and `bits` bits: none is needed for
/// [`KeyMaterial::Server`]; [`KeyMaterial::Requester`] entropy must be exactly `bits / 8`
/// bytes; [`KeyMaterial::Computed`] entropy 16 to 512 bytes.
pub fn check_entropy(
    material: KeyMaterial,
    requester_entropy: Option<&[u8]>,
    bits: u32,
) -> Result<(), Error> {
    let len = check_bits(bits)?;
    let Some(entropy) = requester_entropy else {
        return match material {
            KeyMaterial::Server => Ok(()),
            KeyMaterial::Requester | KeyMaterial::Computed => Err(Error::BadEntropy("missing")),
        };
    };
    match material {
        KeyMaterial::Server => Ok(()),
        KeyMaterial::Requester if entropy.len() != len => {
            Err(Error::BadEntropy("length differs from the key size"))
        }
        KeyMaterial::Requester => Ok(()),
        KeyMaterial::Computed if entropy.len() < MIN_COMPUTED_ENTROPY => {
            Err(Error::BadEntropy("shorter than 128 bits"))
        }
        KeyMaterial::Computed if entropy.len() > MAX_COMPUTED_ENTROPY => {
            Err(Error::BadEntropy("longer than 512 bytes"))
        }
        KeyMaterial::Computed => Ok(()),
    }
}

/// A symmetric proof key and what the RSTR needs to convey it.
#[derive(Debug, Clone)]
pub struct ProofKey {
    /// The proof key itself.
    pub key: SecretBytes,
    /// The issuer's entropy, for [`KeyMaterial::Computed`] (sent back in `wst:Entropy`).
    pub server_entropy: Option<SecretBytes>,
    /// True when the key was computed (`wst:ComputedKey` goes in the RSTR).
    pub computed: bool,
}

/// Produces the proof key of `bits` bits (already checked by [`key_size_bits`]; checked
/// again here).
///
/// * [`KeyMaterial::Server`]: a random key; the requester's entropy is not used.
/// * [`KeyMaterial::Requester`]: the requester's entropy, which must be exactly `bits / 8`
///   bytes long.
/// * [`KeyMaterial::Computed`]: random issuer entropy of `bits / 8` bytes and key =
///   P_SHA1(requester entropy, issuer entropy) truncated to `bits / 8` bytes. The requester's
///   entropy must be 16 to 512 bytes long.
pub fn make_proof_key(
    material: KeyMaterial,
    requester_entropy: Option<&[u8]>,
    bits: u32,
) -> Result<ProofKey, Error> {
    let len = check_bits(bits)?;
    match material {
        KeyMaterial::Server => Ok(ProofKey {
            key: crypto::random_secret(len)?,
            server_entropy: None,
            computed: false,
        }),
        KeyMaterial::Requester => {
            check_entropy(material, requester_entropy, bits)?;
            let entropy = requester_entropy.ok_or(Error::BadEntropy("missing"))?;
            Ok(ProofKey {
                key: SecretBytes::from_slice(entropy),
                server_entropy: None,
                computed: false,
            })
        }
        KeyMaterial::Computed => {
            check_entropy(material, requester_entropy, bits)?;
            let entropy = requester_entropy.ok_or(Error::BadEntropy("missing"))?;
            let server = crypto::random_secret(len)?;
            let key = computed_key(entropy, server.expose(), len)?;
            Ok(ProofKey {
                key,
                server_entropy: Some(server),
                computed: true,
            })
        }
    }
}

/// The WS-Trust `CK/PSHA1` computed key: the first `len` bytes of
/// P_SHA1(secret = requester entropy, seed = issuer entropy).
pub fn computed_key(
    requester_entropy: &[u8],
    server_entropy: &[u8],
    len: usize,
) -> Result<SecretBytes, Error> {
    Ok(crypto::psha1(requester_entropy, server_entropy, len)?)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use base64::Engine as _;

    use super::*;
    use crate::crypto::hex;

    fn fixture(rel: &str) -> String {
        let mut roots = Vec::new();
        if let Some(dir) = std::env::var_os("WSTRUST_SHARED") {
            roots.push(PathBuf::from(dir).join("fixtures"));
        }
        roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
        roots.push(PathBuf::from("/work/shared/fixtures"));
        let path = roots
            .iter()
            .map(|r| r.join(rel))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("fixture {rel} not found under {roots:?}"));
        std::fs::read_to_string(path).unwrap()
    }

    /// The base64 text of the first Nonce `BinarySecret` in `xml`, decoded.
    fn nonce(xml: &str) -> Vec<u8> {
        let open = "Type=\"http://schemas.xmlsoap.org/ws/2005/02/trust/Nonce\">";
        let start = xml.find(open).unwrap() + open.len();
        let end = start + xml[start..].find("</t:BinarySecret>").unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(xml[start..end].trim())
            .unwrap()
    }

    const DIR: &str = "wssc/corewcf-sct-psha1";

    #[test]
    fn corewcf_computed_key() {
        let client = nonce(&fixture(&format!(
            "{DIR}/01-rst-sct-issue.request.pretty.xml"
        )));
        let server = nonce(&fixture(&format!(
            "{DIR}/02-rstr-sct-issue.response.pretty.xml"
        )));
        let expected = fixture(&format!("{DIR}/expected/sct-key-psha1-32.hex"));
        assert_eq!((client.len(), server.len()), (32, 32));
        let key = computed_key(&client, &server, 32).unwrap();
        assert_eq!(hex(key.expose()), expected.trim());
        // Secret = requester entropy, seed = issuer entropy; swapping gives another key.
        let swapped = computed_key(&server, &client, 32).unwrap();
        assert_ne!(hex(swapped.expose()), expected.trim());
        // A shorter key is a prefix of the P_SHA1 stream.
        let short = computed_key(&client, &server, 16).unwrap();
        assert_eq!(short.expose(), &key.expose()[..16]);
    }

    #[test]
    fn decide_follows_the_policy() {
        let d = KeyPolicy::default();
        assert!(d.allow_requester_entropy && d.require_server_entropy);
        let e = [7u8; 32];
        assert_eq!(decide(None, &d), Ok(KeyMaterial::Server));
        assert_eq!(decide(Some(&e), &d), Ok(KeyMaterial::Computed));
        let requester_only = KeyPolicy {
            require_server_entropy: false,
            ..KeyPolicy::default()
        };
        assert_eq!(
            decide(Some(&e), &requester_only),
            Ok(KeyMaterial::Requester)
        );
        assert_eq!(decide(None, &requester_only), Ok(KeyMaterial::Server));
        let refuse = KeyPolicy {
            allow_requester_entropy: false,
            ..KeyPolicy::default()
        };
        assert_eq!(decide(Some(&e), &refuse), Err(Error::EntropyRefused));
        assert_eq!(decide(None, &refuse), Ok(KeyMaterial::Server));
        assert_eq!(
            KeyMaterial::Computed.computed_key_algorithm(),
            Some(ComputedKeyAlgorithm::PSha1)
        );
        assert_eq!(KeyMaterial::Server.computed_key_algorithm(), None);
    }

    #[test]
    fn computed_key_algorithms() {
        assert!(check_computed_key_algorithm(None).is_ok());
        assert!(check_computed_key_algorithm(Some(&ComputedKeyAlgorithm::PSha1)).is_ok());
        assert_eq!(
            check_computed_key_algorithm(Some(&ComputedKeyAlgorithm::Hash)),
            Err(Error::ComputedKeyAlgorithm)
        );
        assert_eq!(
            check_computed_key_algorithm(Some(&ComputedKeyAlgorithm::Unknown("urn:x".into()))),
            Err(Error::ComputedKeyAlgorithm)
        );
    }

    #[test]
    fn key_sizes() {
        assert_eq!(key_size_bits(None, DEFAULT_KEY_BITS), Ok(256));
        assert_eq!(key_size_bits(Some(128), 256), Ok(128));
        assert_eq!(key_size_bits(Some(512), 256), Ok(512));
        assert_eq!(key_size_bits(Some(192), 256), Ok(192));
        for bad in [0, 8, 64, 120, 127, 129, 130, 513, 520, 1024, u32::MAX] {
            assert_eq!(
                key_size_bits(Some(bad), 256),
                Err(Error::KeySize(bad)),
                "{bad}"
            );
        }
        assert_eq!(key_size_bits(None, 100), Err(Error::KeySize(100)));
    }

    #[test]
    fn server_keys_are_random() {
        let a = make_proof_key(KeyMaterial::Server, None, 256).unwrap();
        let b = make_proof_key(KeyMaterial::Server, Some(&[1u8; 32]), 256).unwrap();
        assert_eq!(a.key.len(), 32);
        assert!(!crypto::ct_eq(a.key.expose(), b.key.expose()));
        assert!(!crypto::ct_eq(b.key.expose(), &[1u8; 32]));
        assert!(a.server_entropy.is_none() && !a.computed);
        assert_eq!(
            make_proof_key(KeyMaterial::Server, None, 136)
                .unwrap()
                .key
                .len(),
            17
        );
    }

    #[test]
    fn requester_keys_must_match_the_size() {
        let e = [5u8; 16];
        let k = make_proof_key(KeyMaterial::Requester, Some(&e), 128).unwrap();
        assert!(crypto::ct_eq(k.key.expose(), &e));
        assert!(k.server_entropy.is_none() && !k.computed);
        assert!(matches!(
            make_proof_key(KeyMaterial::Requester, Some(&e), 256),
            Err(Error::BadEntropy(_))
        ));
        assert!(matches!(
            make_proof_key(KeyMaterial::Requester, None, 128),
            Err(Error::BadEntropy(_))
        ));
    }

    #[test]
    fn computed_keys_combine_both() {
        let e = [9u8; 32];
        let k = make_proof_key(KeyMaterial::Computed, Some(&e), 256).unwrap();
        assert!(k.computed);
        let server = k.server_entropy.as_ref().unwrap();
        assert_eq!(server.len(), 32);
        let again = computed_key(&e, server.expose(), 32).unwrap();
        assert!(crypto::ct_eq(k.key.expose(), again.expose()));
        let k2 = make_proof_key(KeyMaterial::Computed, Some(&e), 256).unwrap();
        assert!(!crypto::ct_eq(k.key.expose(), k2.key.expose()));
        // Entropy length is independent of the key size within bounds.
        let k3 = make_proof_key(KeyMaterial::Computed, Some(&[1u8; 16]), 512).unwrap();
        assert_eq!(k3.key.len(), 64);
        assert_eq!(k3.server_entropy.unwrap().len(), 64);
        for bad in [&[][..], &[1u8; 15][..], &[1u8; 513][..]] {
            assert!(matches!(
                make_proof_key(KeyMaterial::Computed, Some(bad), 256),
                Err(Error::BadEntropy(_))
            ));
        }
        assert!(matches!(
            make_proof_key(KeyMaterial::Computed, None, 256),
            Err(Error::BadEntropy(_))
        ));
        assert_eq!(
            make_proof_key(KeyMaterial::Computed, Some(&e), 100).err(),
            Some(Error::KeySize(100))
        );
    }

    #[test]
    fn display_texts_are_lower_case_and_secret_free() {
        let all = [
            Error::EntropyRefused,
            Error::BadEntropy("missing"),
            Error::KeySize(100),
            Error::ComputedKeyAlgorithm,
            Error::AuthenticationFailed,
            Error::UserStore("duplicate user name"),
            Error::PasswordHash("invalid argon2 parameters"),
            Error::TokenKeys("no current key"),
            Error::Seal("state too long"),
            Error::Open,
            Error::Crypto(crypto::Error::Random),
        ];
        for e in all {
            let s = e.to_string();
            assert_eq!(s, s.to_lowercase(), "{s}");
            assert!(!s.ends_with('.'), "{s}");
        }
    }
}
