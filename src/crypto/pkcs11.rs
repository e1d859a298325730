//! RSA keys that never leave a PKCS#11 token (an HSM, or SoftHSM2 in tests), named by an
//! RFC 7512 PKCS#11 URI:
//!
//! ```text
//! pkcs11:token=wstrust;object=sts-signing?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/etc/wstrust/hsm-pin
//! ```
//!
//! Path attributes: `token` (the token label, required), `object` (the key label) and/or
//! `id` (the key's CKA_ID, percent-encoded bytes); query attributes: `module-path` (the
//! PKCS#11 library, required), `pin-source` (a file whose first line is the user PIN,
//! `file:` prefix allowed) or `pin-value`. Values are percent-decoded.
//!
//! The key must be a private RSA key with `CKA_SENSITIVE` true and `CKA_EXTRACTABLE` false
//! (it cannot be read out of the token); a key that could leave it is refused. Signing
//! (`CKM_SHA256_RSA_PKCS` and the SHA-384/512 variants) and RSA-OAEP decryption
//! (`CKM_RSA_PKCS_OAEP`) run in the token over one logged-in session, one operation at a
//! time.

use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use super::digest::DigestAlgorithm;
use super::error::{Error, Result};
use super::secret::SecretBytes;
use super::signature::{RsaPublicKey, SignatureAlgorithm};

/// A parsed PKCS#11 URI (what this crate uses of RFC 7512).
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `module-path`.
    pub module: String,
    /// `token`.
    pub token: String,
    /// `object`.
    pub object: Option<String>,
    /// `id`.
    pub id: Option<Vec<u8>>,
    pin: Option<Zeroizing<String>>,
    pin_source: Option<String>,
}

impl std::fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Uri")
            .field("module", &self.module)
            .field("token", &self.token)
            .field("object", &self.object)
            .field("pin_source", &self.pin_source)
            .finish_non_exhaustive()
    }
}

fn bad(what: &str) -> Error {
    Error::Pkcs11(format!("uri: {what}"))
}

fn percent_decode(s: &str) -> Result<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .ok_or_else(|| bad("a % without two hex digits"))?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad("bad percent escape"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad("bad percent escape"))?);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn text(s: &str) -> Result<String> {
    String::from_utf8(percent_decode(s)?).map_err(|_| bad("a value is not UTF-8"))
}

impl Pkcs11Uri {
    /// True when `s` is a PKCS#11 URI (starts with `pkcs11:`).
    pub fn is_uri(s: &str) -> bool {
        s.trim_start().starts_with("pkcs11:")
    }

    /// Parses `s`.
    pub fn parse(s: &str) -> Result<Self> {
        let rest = s
            .trim()
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad("not a pkcs11: uri"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (mut token, mut object, mut id) = (None, None, None);
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad("a path attribute without ="))?;
            match k {
                "token" => token = Some(text(v)?),
                "object" => object = Some(text(v)?),
                "id" => id = Some(percent_decode(v)?),
                "type" if v == "private" => {}
                "type" => return Err(bad("type must be private")),
                // Other attributes (manufacturer, serial, ...) do not select more here.
                _ => {}
            }
        }
        let (mut module, mut pin, mut pin_source) = (None, None, None);
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad("a query attribute without ="))?;
            match k {
                "module-path" => module = Some(text(v)?),
                "pin-value" => pin = Some(Zeroizing::new(text(v)?)),
                "pin-source" => {
                    let p = text(v)?;
                    pin_source = Some(p.strip_prefix("file:").unwrap_or(&p).to_owned());
                }
                _ => {}
            }
        }
        if object.is_none() && id.is_none() {
            return Err(bad("name the key by object= or id="));
        }
        Ok(Self {
            module: module.ok_or_else(|| bad("module-path= is required"))?,
            token: token.ok_or_else(|| bad("token= is required"))?,
            object,
            id,
            pin,
            pin_source,
        })
    }

    fn pin(&self) -> Result<Option<Zeroizing<String>>> {
        if let Some(p) = &self.pin {
            return Ok(Some(p.clone()));
        }
        match &self.pin_source {
            None => Ok(None),
            Some(file) => {
                let t = Zeroizing::new(
                    std::fs::read_to_string(file)
                        .map_err(|e| Error::Pkcs11(format!("pin-source {file}: {e}")))?,
                );
                Ok(Some(Zeroizing::new(
                    t.lines().next().unwrap_or("").to_owned(),
                )))
            }
        }
    }
}

/// An RSA key inside a token.
pub(super) struct TokenKey {
    session: Mutex<Session>,
    key: ObjectHandle,
    pub(super) public: RsaPublicKey,
    /// Keeps the library loaded and initialized for as long as the key lives.
    _context: Pkcs11,
}

fn p11(what: &str) -> impl Fn(cryptoki::error::Error) -> Error + '_ {
    move |e| Error::Pkcs11(format!("{what}: {e}"))
}

fn mechanism_digest(d: DigestAlgorithm) -> Result<(MechanismType, PkcsMgfType)> {
    match d {
        DigestAlgorithm::Sha1 => Ok((MechanismType::SHA1, PkcsMgfType::MGF1_SHA1)),
        DigestAlgorithm::Sha256 => Ok((MechanismType::SHA256, PkcsMgfType::MGF1_SHA256)),
        DigestAlgorithm::Sha384 => Ok((MechanismType::SHA384, PkcsMgfType::MGF1_SHA384)),
        DigestAlgorithm::Sha512 => Ok((MechanismType::SHA512, PkcsMgfType::MGF1_SHA512)),
    }
}

impl TokenKey {
    /// Opens the token of `uri`, logs in and finds the key.
    pub(super) fn open(uri: &Pkcs11Uri) -> Result<Self> {
        let ctx = Pkcs11::new(&uri.module).map_err(p11("loading the module"))?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(())
            | Err(cryptoki::error::Error::Pkcs11(
                cryptoki::error::RvError::CryptokiAlreadyInitialized,
                _,
            )) => {}
            Err(e) => return Err(p11("initializing the module")(e)),
        }
        let slot = ctx
            .get_slots_with_token()
            .map_err(p11("listing slots"))?
            .into_iter()
            .find(|s| {
                ctx.get_token_info(*s)
                    .is_ok_and(|t| t.label().trim_end() == uri.token)
            })
            .ok_or_else(|| Error::Pkcs11(format!("no token labelled {:?}", uri.token)))?;
        let session = ctx
            .open_ro_session(slot)
            .map_err(p11("opening a session"))?;
        if let Some(pin) = uri.pin()? {
            let pin = AuthPin::from(pin.as_str());
            match session.login(UserType::User, Some(&pin)) {
                Ok(())
                | Err(cryptoki::error::Error::Pkcs11(
                    cryptoki::error::RvError::UserAlreadyLoggedIn,
                    _,
                )) => {}
                Err(e) => return Err(p11("logging in")(e)),
            }
        }
        let mut template = vec![
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::RSA),
        ];
        if let Some(l) = &uri.object {
            template.push(Attribute::Label(l.as_bytes().to_vec()));
        }
        if let Some(id) = &uri.id {
            template.push(Attribute::Id(id.clone()));
        }
        let found = session
            .find_objects(&template)
            .map_err(p11("finding the key"))?;
        let key = match found.as_slice() {
            [one] => *one,
            [] => return Err(Error::Pkcs11("no such private RSA key on the token".into())),
            _ => {
                return Err(Error::Pkcs11(
                    "more than one key matches: name it by id=".into(),
                ))
            }
        };
        let attrs = session
            .get_attributes(
                key,
                &[
                    AttributeType::Modulus,
                    AttributeType::PublicExponent,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                ],
            )
            .map_err(p11("reading the key's attributes"))?;
        let (mut n, mut e, mut sensitive, mut extractable) = (None, None, false, true);
        for a in attrs {
            match a {
                Attribute::Modulus(v) => n = Some(v),
                Attribute::PublicExponent(v) => e = Some(v),
                Attribute::Sensitive(v) => sensitive = v,
                Attribute::Extractable(v) => extractable = v,
                _ => {}
            }
        }
        if !sensitive || extractable {
            return Err(Error::Pkcs11(
                "the key could leave the token (CKA_SENSITIVE false or CKA_EXTRACTABLE true): make it non-extractable".into(),
            ));
        }
        let (n, e) = n
            .zip(e)
            .ok_or_else(|| Error::Pkcs11("the key has no modulus".into()))?;
        let public = RsaPublicKey::from_components(&n, &e)?;
        Ok(Self {
            session: Mutex::new(session),
            key,
            public,
            _context: ctx,
        })
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn sign(&self, alg: SignatureAlgorithm, msg: &[u8]) -> Result<Vec<u8>> {
        let mechanism = match alg {
            SignatureAlgorithm::RsaSha1 => return Err(Error::Unsupported("rsa-sha1 signing")),
            SignatureAlgorithm::RsaSha256 => Mechanism::Sha256RsaPkcs,
            SignatureAlgorithm::RsaSha384 => Mechanism::Sha384RsaPkcs,
            SignatureAlgorithm::RsaSha512 => Mechanism::Sha512RsaPkcs,
        };
        self.session()
            .sign(&mechanism, self.key, msg)
            .map_err(p11("signing"))
    }

    pub(super) fn oaep_decrypt(
        &self,
        digest: DigestAlgorithm,
        mgf1: DigestAlgorithm,
        label: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes> {
        let (hash, _) = mechanism_digest(digest)?;
        let (_, mgf) = mechanism_digest(mgf1)?;
        let source = if label.is_empty() {
            PkcsOaepSource::empty()
        } else {
            PkcsOaepSource::data_specified(label)
        };
        let mechanism = Mechanism::RsaPkcsOaep(PkcsOaepParams::new(hash, mgf, source));
        // Every failure is the one decryption error (no oracle), as for software keys.
        self.session()
            .decrypt(&mechanism, self.key, ciphertext)
            .map(SecretBytes::new)
            .map_err(|e| {
                tracing::debug!(error = %e, "pkcs#11 rsa-oaep decryption failed");
                Error::Decrypt
            })
    }
}
