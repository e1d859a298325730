//! Reading key material that `ds:KeyInfo` carries by value. Whether such a key may be
//! trusted is the caller's decision (WS-Security refuses bare keys unless configured).

use crate::crypto::RsaPublicKey;
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::{base64, Error};

/// `ds:KeyValue/ds:RSAKeyValue` of a KeyInfo.
pub fn rsa_key_value(doc: &Document, key_info: NodeId) -> Result<Option<RsaPublicKey>, Error> {
    let Some(kv) = doc.child(key_info, ns::DS, "KeyValue") else {
        return Ok(None);
    };
    let Some(rsa) = doc.child(kv, ns::DS, "RSAKeyValue") else {
        return Ok(None);
    };
    let part = |name: &'static str| -> Result<Vec<u8>, Error> {
        let n = doc.child(rsa, ns::DS, name).ok_or(Error::Malformed {
            what: "RSAKeyValue",
        })?;
        base64::decode(&doc.text(n)).ok_or(Error::Malformed {
            what: "RSAKeyValue",
        })
    };
    let key = RsaPublicKey::from_components(&part("Modulus")?, &part("Exponent")?)?;
    Ok(Some(key))
}

/// The DER certificates in `ds:X509Data/ds:X509Certificate` of a KeyInfo.
pub fn x509_certificates(doc: &Document, key_info: NodeId) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    for data in doc.children_named(key_info, ns::DS, "X509Data") {
        for c in doc.children_named(data, ns::DS, "X509Certificate") {
            out.push(base64::decode(&doc.text(c)).ok_or(Error::Malformed {
                what: "X509Certificate",
            })?);
        }
    }
    Ok(out)
}
