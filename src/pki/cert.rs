//! A parsed X.509 certificate with the keys WS-Security uses to find it.

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::crypto::{self, DigestAlgorithm, RsaPublicKey};

/// Why a certificate was refused.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not a DER X.509 certificate.
    #[error("certificate does not parse")]
    Parse,
    /// The certificate's key is not an RSA key we accept.
    #[error("certificate key: {0}")]
    Key(crypto::Error),
    /// PEM armour is missing or broken.
    #[error("certificate pem: {0}")]
    Pem(crypto::Error),
}

/// A parsed certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    public_key: RsaPublicKey,
    thumbprint_sha1: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
    issuer: String,
    serial: String,
    subject: String,
    not_before: i64,
    not_after: i64,
}

impl Certificate {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|_| Error::Parse)?;
        if !rest.is_empty() {
            return Err(Error::Parse);
        }
        let spki = cert.tbs_certificate.subject_pki.raw;
        let public_key = RsaPublicKey::from_spki_der(spki).map_err(Error::Key)?;
        let subject_key_id = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                    Some(k.0.to_vec())
                }
                _ => None,
            });
        Ok(Self {
            der: der.to_vec(),
            public_key,
            thumbprint_sha1: crypto::digest(DigestAlgorithm::Sha1, der),
            subject_key_id,
            issuer: cert.issuer().to_string(),
            serial: cert.tbs_certificate.serial.to_str_radix(10),
            subject: cert.subject().to_string(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = crypto::pem_decode(pem, "CERTIFICATE").map_err(Error::Pem)?;
        Self::from_der(&der)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject's RSA public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }

    /// SHA-1 of the DER encoding (`ThumbprintSHA1` key identifiers).
    pub fn thumbprint_sha1(&self) -> &[u8] {
        &self.thumbprint_sha1
    }

    /// The SubjectKeyIdentifier extension, or for certificates without it (X.509 v1) the
    /// RFC 5280 §4.2.1.2 method 1 value: SHA-1 of the subjectPublicKey bits.
    pub fn subject_key_id(&self) -> Vec<u8> {
        if let Some(k) = &self.subject_key_id {
            return k.clone();
        }
        let key_bits = X509Certificate::from_der(&self.der)
            .map(|(_, c)| {
                c.tbs_certificate
                    .subject_pki
                    .subject_public_key
                    .data
                    .to_vec()
            })
            .unwrap_or_default();
        crypto::digest(DigestAlgorithm::Sha1, &key_bits)
    }

    /// The issuer distinguished name (RFC 4514 string).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// True when `dn` names this certificate's issuer. RDNs are compared as a set of
    /// trimmed `type=value` pairs with case-insensitive types, so both RFC 2253 order (Java,
    /// .NET) and ASN.1 order match.
    pub fn issuer_matches(&self, dn: &str) -> bool {
        fn rdns(s: &str) -> Vec<String> {
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut escaped = false;
            for c in s.chars() {
                match c {
                    '\\' if !escaped => {
                        escaped = true;
                        cur.push(c);
                        continue;
                    }
                    ',' | ';' if !escaped => out.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
                escaped = false;
            }
            out.push(cur);
            let mut v: Vec<String> = out
                .iter()
                .filter_map(|r| {
                    let (k, v) = r.split_once('=')?;
                    Some(format!("{}={}", k.trim().to_ascii_uppercase(), v.trim()))
                })
                .collect();
            v.sort();
            v
        }
        let mine = rdns(&self.issuer);
        !mine.is_empty() && mine == rdns(dn)
    }

    /// The serial number in decimal.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The subject distinguished name.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Validity start, seconds since the Unix epoch.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// Validity end, seconds since the Unix epoch.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }
}
