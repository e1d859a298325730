//! PEM armour (RFC 7468): decode the first block with a given label, encode
//! DER with 64-column base64.

use base64::Engine as _;
use zeroize::Zeroize;

use super::error::{Error, Result};

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Returns the DER bytes of the first PEM block labelled `label` in `text`.
///
/// Blocks with other labels are skipped. Encapsulated headers (the legacy
/// `Proc-Type: 4,ENCRYPTED` form) are refused, since encrypted PEM is not
/// supported. Whitespace inside the base64 body is ignored.
pub fn pem_decode(text: &str, label: &str) -> Result<Vec<u8>> {
    let begin = format!("{BEGIN}{label}{DASHES}");
    let end = format!("{END}{label}{DASHES}");
    let start = text
        .find(&begin)
        .ok_or(Error::Pem("no block with the expected label"))?
        + begin.len();
    let rest = &text[start..];
    let stop = rest.find(&end).ok_or(Error::Pem("missing end line"))?;
    let body = &rest[..stop];
    if body.contains(':') {
        return Err(Error::Pem("encapsulated headers are not supported"));
    }
    if body.contains(DASHES) {
        return Err(Error::Pem("malformed block"));
    }
    let mut compact: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let decoded = base64::engine::general_purpose::STANDARD.decode(&compact);
    // The body may be a private key: do not leave a copy behind.
    compact.zeroize();
    let der = decoded.map_err(|_| Error::Pem("invalid base64"))?;
    if der.is_empty() {
        return Err(Error::Pem("empty block"));
    }
    Ok(der)
}

/// Encodes `der` as a PEM block labelled `label`, base64 wrapped at 64
/// columns, with `\n` line endings and a trailing newline.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    let mut line = b64.as_str();
    while !line.is_empty() {
        let cut = line.len().min(64);
        // base64 output is ASCII, so every index is a char boundary.
        let (head, tail) = line.split_at(cut);
        out.push_str(head);
        out.push('\n');
        line = tail;
    }
    out.push_str(END);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_support::{openssl, read_fixture_str};

    #[test]
    fn round_trip_and_wrapping() {
        let der: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        let pem = pem_encode("TEST DATA", &der);
        assert!(pem.starts_with("-----BEGIN TEST DATA-----\n"));
        assert!(pem.ends_with("-----END TEST DATA-----\n"));
        for line in pem.lines() {
            assert!(line.len() <= 64, "{line}");
        }
        // 300 bytes -> 400 base64 chars -> 6 full lines + 1 of 16.
        assert_eq!(pem.lines().count(), 2 + 7);
        assert_eq!(pem_decode(&pem, "TEST DATA").unwrap(), der);
    }

    #[test]
    fn picks_block_by_label() {
        let text = format!(
            "junk\n{}{}trailer",
            pem_encode("CERTIFICATE", b"first"),
            pem_encode("PRIVATE KEY", b"second")
        );
        assert_eq!(pem_decode(&text, "PRIVATE KEY").unwrap(), b"second");
        assert_eq!(pem_decode(&text, "CERTIFICATE").unwrap(), b"first");
        assert_eq!(
            pem_decode(&text, "RSA PRIVATE KEY"),
            Err(Error::Pem("no block with the expected label"))
        );
    }

    #[test]
    fn crlf_and_errors() {
        let crlf = "-----BEGIN X-----\r\nAAEC\r\nAw==\r\n-----END X-----\r\n";
        assert_eq!(pem_decode(crlf, "X").unwrap(), vec![0, 1, 2, 3]);
        assert!(matches!(
            pem_decode("-----BEGIN X-----\nAAEC\n", "X"),
            Err(Error::Pem(_))
        ));
        assert!(matches!(
            pem_decode("-----BEGIN X-----\nA*EC\n-----END X-----\n", "X"),
            Err(Error::Pem(_))
        ));
        assert!(matches!(
            pem_decode(
                "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAEC\n-----END X-----\n",
                "X"
            ),
            Err(Error::Pem(_))
        ));
        assert!(matches!(
            pem_decode("-----BEGIN X-----\n-----END X-----\n", "X"),
            Err(Error::Pem(_))
        ));
    }

    #[test]
    fn decodes_fixture_certificate_like_openssl() {
        let text = read_fixture_str("clients/pki/sts.pem");
        let der = pem_decode(&text, "CERTIFICATE").unwrap();
        let expected = openssl(&["x509", "-outform", "DER"], text.as_bytes());
        assert_eq!(der, expected);
        // Our encoding is accepted by openssl and yields the same DER.
        let again = openssl(
            &["x509", "-outform", "DER"],
            pem_encode("CERTIFICATE", &der).as_bytes(),
        );
        assert_eq!(again, der);
    }
}
