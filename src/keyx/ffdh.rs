//! Finite-field Diffie-Hellman in the RFC 7919 groups `ffdhe2048` and `ffdhe3072`, in
//! constant time with `crypto-bigint` (Montgomery-form modular exponentiation). aws-lc-rs
//! offers no finite-field DH, so the arithmetic lives here; everything else (randomness,
//! hashing) goes through [`crate::crypto`].
//!
//! Public values are checked fully: 1 < y < p − 1 and y^q = 1 (q = (p − 1)/2), so a peer can
//! neither force a degenerate secret nor confine it to the order-2 subgroup. Private
//! exponents are [`EXPONENT_BITS`] random bits with the top bit set (RFC 7919 §5.2 asks for
//! at least 225 bits in ffdhe2048 and 275 in ffdhe3072); the exponentiation takes the same
//! time for every exponent of that length.

use crypto_bigint::modular::{MontyForm, MontyParams};
use crypto_bigint::{Odd, Uint, Word, U2048, U3072};
use zeroize::Zeroize;

use crate::crypto::{random_secret, SecretBytes};

use super::error::{err, ErrorCode, Result};

/// Bits of a private exponent.
pub(crate) const EXPONENT_BITS: u32 = 512;

/// The RFC 7919 ffdhe2048 prime.
pub(crate) const FFDHE2048_P: U2048 = U2048::from_be_hex(concat!(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695",
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A",
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935",
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A",
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4",
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61",
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005",
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF",
));

/// The RFC 7919 ffdhe3072 prime.
pub(crate) const FFDHE3072_P: U3072 = U3072::from_be_hex(concat!(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695",
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A",
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935",
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A",
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4",
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61",
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005",
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B",
    "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C",
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF",
    "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E",
    "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF",
));

/// The generator of both groups.
pub(crate) const GENERATOR: u64 = 2;

/// One finite-field group: its prime as a fixed-width integer.
pub(crate) trait Group<const L: usize> {
    /// The prime p.
    const P: Uint<L>;
}

/// ffdhe2048.
pub(crate) struct Ffdhe2048;
/// ffdhe3072.
pub(crate) struct Ffdhe3072;

impl Group<{ U2048::LIMBS }> for Ffdhe2048 {
    const P: Uint<{ U2048::LIMBS }> = FFDHE2048_P;
}

impl Group<{ U3072::LIMBS }> for Ffdhe3072 {
    const P: Uint<{ U3072::LIMBS }> = FFDHE3072_P;
}

fn params<const L: usize>(p: &Uint<L>) -> Result<MontyParams<L>> {
    let odd: Option<Odd<Uint<L>>> = Odd::new(*p).into();
    odd.map(MontyParams::new_vartime)
        .ok_or_else(|| super::error::KeyxError::new(ErrorCode::Internal, "even dh modulus"))
}

/// `base^exp mod p`, constant time for `exp` below 2^`exp_bits`.
pub(crate) fn mod_pow<const L: usize>(
    p: &Uint<L>,
    base: &Uint<L>,
    exp: &Uint<L>,
    exp_bits: u32,
) -> Result<Uint<L>> {
    let params = params(p)?;
    Ok(MontyForm::new(base, params)
        .pow_bounded_exp(exp, exp_bits)
        .retrieve())
}

/// Big-endian bytes of `x`, `L` limbs wide.
pub(crate) fn to_be<const L: usize>(x: &Uint<L>) -> Vec<u8> {
    x.as_words()
        .iter()
        .rev()
        .flat_map(|w: &Word| w.to_be_bytes())
        .collect()
}

/// Reads big-endian `bytes` (at most `L` limbs wide after leading zeros are dropped).
pub(crate) fn from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    let width = Uint::<L>::BYTES;
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = bytes.get(start..)?;
    if digits.len() > width {
        return None;
    }
    let mut buf = vec![0u8; width];
    buf.get_mut(width - digits.len()..)?.copy_from_slice(digits);
    let x = Uint::<L>::from_be_slice(&buf);
    buf.zeroize();
    Some(x)
}

/// MSL's wire form of a non-negative integer (`correctNullBytes(BigInteger.toByteArray())`):
/// exactly one leading zero byte, then the magnitude without leading zeros.
pub(crate) fn msl_bytes(be: &[u8]) -> Vec<u8> {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let mut out = Vec::with_capacity(be.len() - start + 1);
    out.push(0);
    out.extend_from_slice(be.get(start..).unwrap_or_default());
    out
}

/// A private exponent of group `G`.
pub(crate) struct PrivateExponent(SecretBytes);

impl PrivateExponent {
    /// A fresh random exponent of exactly [`EXPONENT_BITS`] bits.
    pub(crate) fn generate() -> Result<Self> {
        let mut x = random_secret(EXPONENT_BITS as usize / 8)
            .map_err(|_| super::error::KeyxError::new(ErrorCode::Internal, "rng failure"))?;
        // Top bit set: every exponent has exactly EXPONENT_BITS bits.
        if let Some(top) = x.expose_mut().first_mut() {
            *top |= 0x80;
        }
        Ok(Self(x))
    }

    fn value<const L: usize>(&self) -> Result<Uint<L>> {
        from_be::<L>(self.0.expose()).ok_or_else(|| {
            super::error::KeyxError::new(ErrorCode::Internal, "dh exponent too wide")
        })
    }

    /// y = g^x mod p as big-endian bytes of the group width.
    pub(crate) fn public_value<const L: usize, G: Group<L>>(&self) -> Result<Vec<u8>> {
        let mut x = self.value::<L>()?;
        let y = mod_pow(&G::P, &Uint::<L>::from_u64(GENERATOR), &x, EXPONENT_BITS);
        x.zeroize();
        Ok(to_be(&y?))
    }

    /// z = peer^x mod p after validating `peer` (see [`validate_public`]); returned as
    /// big-endian bytes of the group width.
    pub(crate) fn agree<const L: usize, G: Group<L>>(&self, peer: &[u8]) -> Result<SecretBytes> {
        let y = validate_public::<L, G>(peer)?;
        let mut x = self.value::<L>()?;
        let z = mod_pow(&G::P, &y, &x, EXPONENT_BITS);
        x.zeroize();
        let mut z = z?;
        if z <= Uint::<L>::ONE {
            z.zeroize();
            return err(ErrorCode::InvalidPublicKey, "degenerate dh shared secret");
        }
        let out = SecretBytes::new(to_be(&z));
        z.zeroize();
        Ok(out)
    }
}

/// Decodes and validates a peer's public value: at most one byte longer than p (MSL's
/// leading zero), read as an unsigned big-endian integer, 1 < y < p − 1, and y^q = 1.
pub(crate) fn validate_public<const L: usize, G: Group<L>>(peer: &[u8]) -> Result<Uint<L>> {
    if peer.is_empty() || peer.len() > Uint::<L>::BYTES + 1 {
        return err(
            ErrorCode::InvalidPublicKey,
            "dh public value of the wrong length",
        );
    }
    let Some(y) = from_be::<L>(peer) else {
        return err(ErrorCode::InvalidPublicKey, "dh public value out of range");
    };
    let p_minus_1 = G::P.wrapping_sub(&Uint::<L>::ONE);
    if y <= Uint::<L>::ONE || y >= p_minus_1 {
        return err(ErrorCode::InvalidPublicKey, "dh public value not in 2..p-2");
    }
    let q = p_minus_1.shr_vartime(1);
    if mod_pow(&G::P, &y, &q, Uint::<L>::BITS)? != Uint::<L>::ONE {
        return err(
            ErrorCode::InvalidPublicKey,
            "dh public value outside the prime-order subgroup",
        );
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::{Limb, NonZero};

    type L2048 = Ffdhe2048;
    const N2: usize = U2048::LIMBS;
    const N3: usize = U3072::LIMBS;

    /// floor(2^shift · e), from the series Σ 1/k! with 64 guard bits.
    fn floor_e_shifted<const L: usize>(shift: u32) -> Uint<L> {
        let mut term = Uint::<L>::ONE.shl_vartime(shift + 64);
        let mut acc = Uint::<L>::ZERO;
        let mut k: u64 = 0;
        while term != Uint::<L>::ZERO {
            acc = acc.wrapping_add(&term);
            k += 1;
            let d = NonZero::new(Limb::from(k as Word)).unwrap();
            term = term.div_rem_limb(d).0;
        }
        acc.shr_vartime(64)
    }

    /// p = 2^b − 2^(b−64) + (floor(2^(b−130) · e) + c) · 2^64 − 1, in a width one limb
    /// wider than the prime so that 2^b fits.
    fn rfc7919_formula<const L: usize>(bits: u32, c: u64) -> Uint<L> {
        let e = floor_e_shifted::<L>(bits - 130);
        let mid = e.wrapping_add(&Uint::<L>::from_u64(c)).shl_vartime(64);
        let top = Uint::<L>::ONE.shl_vartime(bits - 64);
        let modulus = Uint::<L>::ONE.shl_vartime(bits);
        modulus
            .wrapping_add(&mid)
            .wrapping_sub(&top)
            .wrapping_sub(&Uint::<L>::ONE)
    }

    fn widen<const A: usize, const B: usize>(x: &Uint<A>) -> Uint<B> {
        from_be::<B>(&to_be(x)).unwrap()
    }

    #[test]
    fn primes_match_the_rfc7919_formula() {
        let p2: Uint<{ N2 + 1 }> = rfc7919_formula(2048, 560_316);
        assert_eq!(p2, widen::<N2, { N2 + 1 }>(&FFDHE2048_P));
        let p3: Uint<{ N3 + 1 }> = rfc7919_formula(3072, 2_625_351);
        assert_eq!(p3, widen::<N3, { N3 + 1 }>(&FFDHE3072_P));
    }

    fn probable_safe_prime<const L: usize>(p: &Uint<L>) {
        let one = Uint::<L>::ONE;
        let p1 = p.wrapping_sub(&one);
        let q = p1.shr_vartime(1);
        for base in [2u64, 3, 5, 7] {
            let b = Uint::<L>::from_u64(base);
            assert_eq!(
                mod_pow(p, &b, &p1, Uint::<L>::BITS).unwrap(),
                one,
                "p, base {base}"
            );
            assert_eq!(
                mod_pow(&q, &b, &q.wrapping_sub(&one), Uint::<L>::BITS).unwrap(),
                one,
                "q, base {base}"
            );
        }
        // A composite fails the same test (the test can fail).
        let c = p.wrapping_sub(&Uint::<L>::from_u64(2));
        let p1c = c.wrapping_sub(&one);
        assert_ne!(
            mod_pow(&c, &Uint::<L>::from_u64(2), &p1c, Uint::<L>::BITS).unwrap(),
            one
        );
    }

    #[test]
    fn primes_are_probable_safe_primes() {
        probable_safe_prime(&FFDHE2048_P);
        probable_safe_prime(&FFDHE3072_P);
    }

    #[test]
    fn agreement_is_symmetric_and_checked() {
        let a = PrivateExponent::generate().unwrap();
        let b = PrivateExponent::generate().unwrap();
        let ya = a.public_value::<N2, L2048>().unwrap();
        let yb = b.public_value::<N2, L2048>().unwrap();
        assert_eq!(ya.len(), 256);
        let zab = a.agree::<N2, L2048>(&yb).unwrap();
        let zba = b.agree::<N2, L2048>(&ya).unwrap();
        assert_eq!(zab.expose(), zba.expose());
        // (g^a)^b computed a second way: exponent product a·b in double width.
        let ea: Uint<{ 2 * N2 }> = from_be(a.0.expose()).unwrap();
        let eb: Uint<{ 2 * N2 }> = from_be(b.0.expose()).unwrap();
        let ab = ea.wrapping_mul(&eb);
        let p_wide: Uint<{ 2 * N2 }> = widen::<N2, { 2 * N2 }>(&FFDHE2048_P);
        let direct = mod_pow(&p_wide, &Uint::from_u64(2), &ab, 2 * EXPONENT_BITS).unwrap();
        assert_eq!(to_be(&direct)[256..], zab.expose()[..]);
        // MSL wire form and its decoding.
        let wire = msl_bytes(&ya);
        assert_eq!(wire[0], 0);
        assert_ne!(wire[1], 0);
        assert_eq!(
            validate_public::<N2, L2048>(&wire).unwrap(),
            validate_public::<N2, L2048>(&ya).unwrap()
        );
    }

    #[test]
    fn invalid_public_values_refused() {
        let p = to_be(&FFDHE2048_P);
        let p1 = to_be(&FFDHE2048_P.wrapping_sub(&Uint::ONE));
        let p_plus = to_be(
            &Uint::<{ N2 + 1 }>::from_be_slice(&{
                let mut v = vec![0u8; 8];
                v.extend_from_slice(&p);
                v
            })
            .wrapping_add(&Uint::ONE),
        );
        let order2_generator_not_in_subgroup = {
            // p − 1 has order 2; 3 and other non-residues have order 2q: test one non-residue.
            let mut found = None;
            for c in 3u64..50 {
                let y = Uint::<N2>::from_u64(c);
                let q = FFDHE2048_P.wrapping_sub(&Uint::ONE).shr_vartime(1);
                if mod_pow(&FFDHE2048_P, &y, &q, 2048).unwrap() != Uint::ONE {
                    found = Some(to_be(&y));
                    break;
                }
            }
            found.unwrap()
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty"),
            (vec![0], "zero"),
            (vec![0; 256], "zero padded"),
            (vec![1], "one"),
            (p1, "p-1"),
            (p, "p"),
            (p_plus, "p+1 (wider)"),
            (vec![0xff; 256], "2^2048-1 > p"),
            (vec![0x01; 258], "too long"),
            (order2_generator_not_in_subgroup, "non-residue"),
        ];
        for (bytes, what) in cases {
            let e = validate_public::<N2, L2048>(&bytes).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidPublicKey, "{what}");
        }
        // 257 bytes with the MSL leading zero is fine; 2 is the generator itself.
        let mut two = vec![0u8; 257];
        two[256] = 2;
        assert!(validate_public::<N2, L2048>(&two).is_ok());
    }
}
