//! Algorithm suites per realm: which algorithms a request may use, checked once its realm is
//! known, and which ones the reply uses.
//!
//! The WS-Security header is processed before the Body says which realm the request is for,
//! so it is verified with the union of the suites configured ([`Engine::new`] sets
//! `inbound.xmlsec.suites`), and the security record reports every algorithm it used
//! ([`SecuredMessage::algorithms`](crate::wss::SecuredMessage::algorithms)). Each binding
//! holds the request to its realm's suite as soon as it has resolved the realm, before it
//! changes anything: Issue from the AppliesTo ([`Engine::scope`]), Renew, Cancel and Validate
//! from their target's realm, key exchange and direct key transfer to the STS's own realm. A
//! refusal is the generic authentication fault; the log names the algorithm, the suite and
//! the realm. [`Engine::respond`] refuses to answer a request no realm check has passed.
//!
//! Replies: signed by the STS's RSA key with RSA-SHA256 and SHA-256 digests, or stronger when
//! the request used a stronger hash (the requester evidently has it); signed with HMAC under
//! the requester's key (a security context or the request's random key: the symmetric
//! binding, where the requester's stack holds replies to its own algorithm suite, as WCF does)
//! with the strongest HMAC and digest the request used, SHA-1 included only when the realm's
//! suite admits it; encrypted with that key in AES-GCM, or AES-CBC when the request itself
//! encrypted with AES-CBC only and the suite admits it (a WCF `Basic256` peer has no GCM).
//! Never below the realm's suite.

use crate::crypto::{BlockCipher, DigestAlgorithm, HmacAlgorithm, OaepParams, SignatureAlgorithm};
use crate::xmlsec::suite::KeyTransportMethod;
use crate::xmlsec::{Algorithm, SignatureMethod, Suite, UsedAlgorithms};

use super::realm::Realm;
use super::request::ParsedRequest;
use super::state::Engine;
use super::Error;

/// One realm's suite, as the startup log reports it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RealmAlgorithms {
    /// The realm's name.
    pub realm: String,
    /// Its suite.
    pub suite: Suite,
    /// Whether the suite was set on the realm (`false`: the STS-level default).
    pub explicit: bool,
    /// What the suite admits beyond `modern` (empty for `modern`).
    pub legacy: Vec<Algorithm>,
}

impl RealmAlgorithms {
    /// The log line: the realm, its suite, and the legacy algorithms it accepts.
    pub fn log_line(&self) -> String {
        let from = if self.explicit {
            "set on the realm"
        } else {
            "the STS default"
        };
        if self.legacy.is_empty() {
            format!(
                "realm `{}`: algorithm suite `{}` ({from}): no legacy algorithms",
                self.realm, self.suite
            )
        } else {
            let names: Vec<&str> = self.legacy.iter().map(|a| a.name()).collect();
            format!(
                "realm `{}`: algorithm suite `{}` ({from}) ACCEPTS LEGACY ALGORITHMS: {}",
                self.realm,
                self.suite,
                names.join(", ")
            )
        }
    }
}

impl Engine {
    /// The algorithm suite of `realm`: its own, else the STS-level default.
    pub fn suite_of(&self, realm: &Realm) -> Suite {
        realm.algorithms.unwrap_or(self.cfg.algorithms)
    }

    /// Every realm (in configuration order, the STS's own last) with its suite.
    pub fn realm_algorithms(&self) -> Vec<RealmAlgorithms> {
        self.cfg
            .realms
            .iter()
            .map(|r| {
                let suite = self.suite_of(r);
                RealmAlgorithms {
                    realm: r.name.clone(),
                    suite,
                    explicit: r.algorithms.is_some(),
                    legacy: suite.legacy_algorithms(),
                }
            })
            .collect()
    }

    /// Logs one line per realm saying which suite it keeps to and whether that accepts
    /// legacy algorithms (a warning when it does). `wstrust serve` calls this at startup.
    pub fn log_algorithm_suites(&self) {
        for r in self.realm_algorithms() {
            if r.legacy.is_empty() {
                tracing::info!(realm = %r.realm, suite = %r.suite, legacy = false, "{}", r.log_line());
            } else {
                tracing::warn!(realm = %r.realm, suite = %r.suite, legacy = true, "{}", r.log_line());
            }
        }
    }

    /// Holds `req` to the suite of `realm`: every algorithm its security header used must be
    /// in it. Call once the realm is known and before anything changes.
    pub(crate) fn enforce_suite(&self, req: &ParsedRequest, realm: &Realm) -> Result<(), Error> {
        let suite = self.suite_of(realm);
        req.suite.held_to(&realm.name);
        if let Some(algorithm) = req.secured.algorithms().first_refused_by(suite) {
            return Err(Error::AlgorithmRefused {
                algorithm,
                suite,
                realm: realm.name.clone(),
            });
        }
        req.suite.narrow(suite);
        Ok(())
    }

    /// [`Self::enforce_suite`] for requests to the STS itself (key exchange, direct key
    /// transfer, targets of no known realm): the STS realm's suite.
    pub(crate) fn enforce_sts_suite(&self, req: &ParsedRequest) -> Result<(), Error> {
        let realm = self.cfg.sts_realm()?;
        self.enforce_suite(req, realm)
    }

    /// The inbound XML-DSig/Enc policy with only `realm`'s suite (for tokens verified once the
    /// realm is known, such as delegation tokens).
    pub(crate) fn realm_policy(&self, realm: &Realm) -> crate::xmlsec::Policy {
        let mut p = self.cfg.inbound.xmlsec.clone();
        p.suites = vec![self.suite_of(realm)];
        p
    }
}

fn rank(d: DigestAlgorithm) -> u8 {
    match d {
        DigestAlgorithm::Sha1 => 1,
        DigestAlgorithm::Sha256 => 2,
        DigestAlgorithm::Sha384 => 3,
        DigestAlgorithm::Sha512 => 4,
    }
}

fn stronger(a: DigestAlgorithm, b: DigestAlgorithm) -> DigestAlgorithm {
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

fn hmac_hash(h: HmacAlgorithm) -> DigestAlgorithm {
    match h {
        HmacAlgorithm::Sha1 => DigestAlgorithm::Sha1,
        HmacAlgorithm::Sha256 => DigestAlgorithm::Sha256,
        HmacAlgorithm::Sha384 => DigestAlgorithm::Sha384,
        HmacAlgorithm::Sha512 => DigestAlgorithm::Sha512,
    }
}

fn hmac_of(d: DigestAlgorithm) -> HmacAlgorithm {
    match d {
        DigestAlgorithm::Sha1 => HmacAlgorithm::Sha1,
        DigestAlgorithm::Sha256 => HmacAlgorithm::Sha256,
        DigestAlgorithm::Sha384 => HmacAlgorithm::Sha384,
        DigestAlgorithm::Sha512 => HmacAlgorithm::Sha512,
    }
}

fn rsa_of(d: DigestAlgorithm) -> SignatureAlgorithm {
    match d {
        DigestAlgorithm::Sha1 | DigestAlgorithm::Sha256 => SignatureAlgorithm::RsaSha256,
        DigestAlgorithm::Sha384 => SignatureAlgorithm::RsaSha384,
        DigestAlgorithm::Sha512 => SignatureAlgorithm::RsaSha512,
    }
}

fn strongest(it: impl Iterator<Item = DigestAlgorithm>) -> Option<DigestAlgorithm> {
    it.reduce(stronger)
}

/// The strongest digest the request's references used.
fn strongest_digest(used: &UsedAlgorithms) -> Option<DigestAlgorithm> {
    strongest(used.as_slice().iter().filter_map(|a| match a {
        Algorithm::Digest(d) => Some(*d),
        _ => None,
    }))
}

/// The signature method and digest of a reply.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct ReplySignature {
    /// The `SignatureMethod`.
    pub method: SignatureMethod,
    /// The references' `DigestMethod`.
    pub digest: DigestAlgorithm,
}

/// A reply signed with the STS's RSA key: RSA-SHA256 and SHA-256, or the stronger hash the
/// request's signatures and digests used. Never SHA-1 (we never sign with it).
pub fn asymmetric_reply(used: &UsedAlgorithms) -> ReplySignature {
    let sig_hash = strongest(used.as_slice().iter().filter_map(|a| match a {
        Algorithm::Signature(SignatureMethod::Rsa(r)) => Some(r.digest()),
        Algorithm::Signature(SignatureMethod::Hmac(h)) => Some(hmac_hash(*h)),
        _ => None,
    }))
    .map_or(DigestAlgorithm::Sha256, |d| {
        stronger(DigestAlgorithm::Sha256, d)
    });
    let digest = strongest_digest(used).map_or(DigestAlgorithm::Sha256, |d| {
        stronger(DigestAlgorithm::Sha256, d)
    });
    ReplySignature {
        method: SignatureMethod::Rsa(rsa_of(sig_hash)),
        digest,
    }
}

/// A reply signed with HMAC under the requester's own key (the symmetric binding): the
/// strongest HMAC and digest the request used (HMAC-SHA256 and SHA-256 when it used none),
/// each only when `suite` admits it, else HMAC-SHA256 / SHA-256.
pub fn symmetric_reply(suite: Suite, used: &UsedAlgorithms) -> ReplySignature {
    let hmac = strongest(used.as_slice().iter().filter_map(|a| match a {
        Algorithm::Signature(SignatureMethod::Hmac(h)) => Some(hmac_hash(*h)),
        _ => None,
    }))
    .map(hmac_of)
    .filter(|h| suite.admits(Algorithm::Signature(SignatureMethod::Hmac(*h))))
    .unwrap_or(HmacAlgorithm::Sha256);
    let digest = strongest_digest(used)
        .filter(|d| suite.admits(Algorithm::Digest(*d)))
        .unwrap_or(DigestAlgorithm::Sha256);
    ReplySignature {
        method: SignatureMethod::Hmac(hmac),
        digest,
    }
}

/// The content encryption of a reply under a key of `key_len` bytes the requester holds:
/// AES-GCM, or AES-CBC when the request encrypted with AES-CBC and never with AES-GCM and
/// `suite` admits it.
pub fn reply_cipher(
    suite: Suite,
    used: &UsedAlgorithms,
    key_len: usize,
) -> Result<BlockCipher, Error> {
    let (gcm, cbc) = match key_len {
        16 => (BlockCipher::Aes128Gcm, BlockCipher::Aes128Cbc),
        24 => (BlockCipher::Aes192Gcm, BlockCipher::Aes192Cbc),
        32 => (BlockCipher::Aes256Gcm, BlockCipher::Aes256Cbc),
        _ => {
            return Err(Error::InvalidRequest {
                what: "the reply key is not an AES key size (128, 192 or 256 bits)",
            })
        }
    };
    let ciphers = || {
        used.as_slice().iter().filter_map(|a| match a {
            Algorithm::DataEncryption(c) => Some(*c),
            _ => None,
        })
    };
    let only_cbc = ciphers().next().is_some() && ciphers().all(|c| !c.is_aead());
    if only_cbc && suite.admits(Algorithm::DataEncryption(cbc)) {
        Ok(cbc)
    } else {
        Ok(gcm)
    }
}

/// RSA-OAEP for a key the reply encrypts for the requester's certificate: the strongest OAEP
/// hash the request's own EncryptedKeys used, else SHA-1 (`rsa-oaep-mgf1p`, which every WS-*
/// stack reads and every suite admits).
pub fn reply_oaep(used: &UsedAlgorithms) -> OaepParams {
    let d = strongest(used.as_slice().iter().filter_map(|a| match a {
        Algorithm::KeyTransport(KeyTransportMethod::RsaOaep { digest, mgf1 }) if digest == mgf1 => {
            Some(*digest)
        }
        _ => None,
    }));
    match d {
        None | Some(DigestAlgorithm::Sha1) => OaepParams::sha1(),
        Some(d) => OaepParams {
            digest: d,
            mgf1: d,
            label: None,
        },
    }
}
