//! Cryptographically secure random bytes from the system generator.

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};

use super::error::{Error, Result};
use super::secret::SecretBytes;

/// Returns `n` random bytes (nonces, IVs, identifiers).
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Random)?;
    Ok(out)
}

/// Returns `n` random bytes as a zeroizing secret (keys, entropy).
pub fn random_secret(n: usize) -> Result<SecretBytes> {
    let mut out = SecretBytes::zeroed(n);
    SystemRandom::new()
        .fill(out.expose_mut())
        .map_err(|_| Error::Random)?;
    Ok(out)
}

/// A random (version 4) UUID in its text form, e.g. for `wsa:MessageID` as `urn:uuid:…`.
pub fn random_uuid() -> Result<String> {
    let mut r = random_array::<16>()?;
    // Version 4, variant 10 (RFC 9562 §5.4).
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    let h = super::hex(&r);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Fills a fixed-size array with random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Random)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_variety() {
        assert!(random_bytes(0).unwrap().is_empty());
        let a = random_bytes(32).unwrap();
        let b = random_bytes(32).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b, "two 256-bit draws collided");
        let s = random_secret(24).unwrap();
        assert_eq!(s.len(), 24);
        assert!(s.expose().iter().any(|&x| x != 0));
        let arr: [u8; 16] = random_array().unwrap();
        assert_ne!(arr, [0u8; 16]);
    }
}
