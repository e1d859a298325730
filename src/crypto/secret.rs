//! Zeroizing byte buffers and the constant-time comparison helper.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// Secret bytes (keys, derived keys, decrypted plaintext) that are wiped from
/// memory when dropped.
///
/// The type deliberately has no `PartialEq`: compare secrets with [`ct_eq`].
/// Its `Debug` output shows only the length.
#[derive(Clone, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes`; they are zeroized when the value drops.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret buffer.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// Borrows the secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no bytes are held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A zero-filled secret buffer of `len` bytes, to be written in place.
    pub(crate) fn zeroed(len: usize) -> Self {
        Self(vec![0; len])
    }

    /// Mutable access for in-place operations inside this module.
    pub(crate) fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Shortens the buffer. The cut-off tail stays in the allocation and is
    /// wiped with the rest on drop (zeroize clears the spare capacity too).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted {} bytes>)", self.0.len())
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

/// Compares two byte strings in constant time (for equal lengths).
///
/// Slices of different lengths compare unequal; the length itself is not
/// treated as secret. This is the only comparison helper the crate should use
/// for MACs, digests of secrets and similar values.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretBytes::from_slice(b"hunter2-very-secret");
        let d = format!("{s:?}");
        assert_eq!(d, "SecretBytes(<redacted 19 bytes>)");
        assert!(!d.contains("hunter2"));
        let nested = format!("{:?}", Some(s));
        assert!(!nested.contains("hunter2"));
    }

    #[test]
    fn accessors() {
        let s = SecretBytes::new(vec![1, 2, 3]);
        assert_eq!(s.expose(), &[1, 2, 3]);
        assert_eq!(s.len(), 3);
        assert!(!s.is_empty());
        assert!(SecretBytes::new(Vec::new()).is_empty());
        let c = s.clone();
        assert_eq!(c.expose(), s.expose());
    }

    #[test]
    fn truncate_keeps_prefix() {
        let mut s = SecretBytes::from_slice(&[9, 8, 7, 6]);
        s.truncate(2);
        assert_eq!(s.expose(), &[9, 8]);
    }

    #[test]
    fn ct_eq_semantics() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"ab", b"abc"));
    }
}
