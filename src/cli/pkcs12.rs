//! Reading a PKCS#12 (.pfx/.p12) file for `wstrust keys import` (the `p12-keystore`
//! crate): its private key and the certificate that belongs to it, as PEM texts.

use zeroize::Zeroizing;

use crate::crypto::{self, RsaPrivateKey};
use crate::pki::Certificate;

/// The key (PKCS#8 PEM) and its certificate (PEM) of the file's key entry.
pub(crate) fn pem_pair(
    der: &[u8],
    password: &str,
) -> Result<(Zeroizing<String>, Zeroizing<String>), String> {
    let store = p12_keystore::KeyStore::from_pkcs12(
        der,
        password,
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .map_err(|e| format!("the PKCS#12 file does not open (wrong password?): {e}"))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or("the PKCS#12 file holds no private key with its certificate")?;
    let key_der = Zeroizing::new(chain.key().as_der().to_vec());
    let key = RsaPrivateKey::from_pkcs8_der(&key_der)
        .map_err(|e| format!("the PKCS#12 key is not an RSA PKCS#8 key: {e}"))?;
    let cert = chain
        .certs()
        .iter()
        .filter_map(|c| Certificate::from_der(c.as_der()).ok())
        .find(|c| c.public_key() == &key.public_key())
        .ok_or("no certificate in the PKCS#12 file belongs to its key")?;
    Ok((
        Zeroizing::new(crypto::pem_encode("CERTIFICATE", cert.der())),
        Zeroizing::new(crypto::pem_encode("PRIVATE KEY", &key_der)),
    ))
}
