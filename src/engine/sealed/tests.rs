//! Tests of sealing and opening context state (wire format, strictness, rotation).

use proptest::prelude::*;

use super::*;

fn state() -> ContextState {
    ContextState {
        principal: "alice@example.org".into(),
        act_as: Some("bob".into()),
        claims: vec![
            ("role".into(), "admin".into()),
            ("email".into(), "alice@example.org".into()),
        ],
        key: SecretBytes::from_slice(&[0x42; 32]),
        created_ms: 1_714_557_600_000,
        expires_ms: 1_714_561_200_000,
        renew_until_ms: 1_714_600_800_000,
        instance: 3,
        audience: "https://service.example.org/orders/v1".into(),
        serial: 0x0102_0304_0506_0708,
        authority: Some("partner-sts".into()),
    }
}

fn assert_same(a: &ContextState, b: &ContextState) {
    assert_eq!(a.principal, b.principal);
    assert_eq!(a.act_as, b.act_as);
    assert_eq!(a.claims, b.claims);
    assert!(crypto::ct_eq(a.key.expose(), b.key.expose()));
    assert_eq!(
        (a.created_ms, a.expires_ms, a.renew_until_ms),
        (b.created_ms, b.expires_ms, b.renew_until_ms)
    );
    assert_eq!((a.instance, a.serial), (b.instance, b.serial));
    assert_eq!(a.audience, b.audience);
    assert_eq!(a.authority, b.authority);
}

#[test]
fn the_authority_is_optional_and_strict() {
    let local = ContextState {
        authority: None,
        ..state()
    };
    let plain = encode(&header(0), &local).unwrap();
    let federated = encode(&header(0), &state()).unwrap();
    // A local principal's state is the format without the field (as sealed before it).
    assert_eq!(&federated[..plain.len()], &plain[..]);
    assert_eq!(decode(&plain[HEADER_LEN..]).unwrap().authority, None);
    assert_eq!(
        decode(&federated[HEADER_LEN..])
            .unwrap()
            .authority
            .as_deref(),
        Some("partner-sts")
    );
    // Anything else after the serial is refused.
    for tail in [&[0u8][..], &[0, 0, 0], &[2, 0, 0], &[1], &[1, 0, 5, b'a']] {
        let mut t = plain[HEADER_LEN..].to_vec();
        t.extend_from_slice(tail);
        assert!(decode(&t).is_none(), "{tail:?}");
    }
    let mut t = federated[HEADER_LEN..].to_vec();
    t.push(0);
    assert!(decode(&t).is_none());
}

#[test]
fn round_trip() {
    let keys = TokenKeys::generate().unwrap();
    let s = state();
    let blob = seal(&keys, &s).unwrap();
    assert_eq!(blob[0], MAGIC);
    assert_eq!(blob[1], VERSION);
    assert_eq!(blob[2..6], keys.current_id().to_be_bytes());
    assert_same(&open(&keys, &blob).unwrap(), &s);
    // Two seals of the same state differ (random IV).
    assert_ne!(seal(&keys, &s).unwrap(), blob);
    // Edge values.
    let edge = ContextState {
        principal: String::new(),
        act_as: None,
        claims: Vec::new(),
        key: SecretBytes::default(),
        created_ms: i64::MIN,
        expires_ms: i64::MAX,
        renew_until_ms: -1,
        instance: u64::MAX,
        audience: "ünïcødé ✓".into(),
        serial: 0,
        authority: None,
    };
    assert_same(&open(&keys, &seal(&keys, &edge).unwrap()).unwrap(), &edge);
}

#[test]
fn identifiers_carry_the_state() {
    let keys = TokenKeys::generate().unwrap();
    let s = state();
    let blob = seal(&keys, &s).unwrap();
    let id = identifier(&blob);
    assert!(id.starts_with(IDENTIFIER_PREFIX));
    assert!(id[IDENTIFIER_PREFIX.len()..]
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert!(id.len() < 600, "{} characters", id.len());
    assert_same(&from_identifier(&keys, &id).unwrap(), &s);
    for bad in [
        String::new(),
        IDENTIFIER_PREFIX.to_owned(),
        id.replacen("urn:wstrust:sct:", "urn:wstrust:sct2:", 1),
        format!(" {id}"),
        format!("{id}="),
        format!("{id}A"),
        id.replace('_', "/"),
        format!("{id}{}", "A".repeat(MAX_IDENTIFIER_LEN)),
    ] {
        if bad != id {
            assert_eq!(
                from_identifier(&keys, &bad).err(),
                Some(Error::Open),
                "{bad}"
            );
        }
    }
}

#[test]
fn typical_identifier_size() {
    let keys = TokenKeys::generate().unwrap();
    let typical = ContextState {
        principal: "alice.smith@corp.test".into(),
        act_as: None,
        claims: vec![
            ("role".into(), "user".into()),
            ("tier".into(), "gold".into()),
        ],
        key: SecretBytes::from_slice(&[1; 32]),
        audience: "https://service.example.org/api/orders".into(),
        ..state()
    };
    let id = identifier(&seal(&keys, &typical).unwrap());
    assert!((250..320).contains(&id.len()), "{}", id.len());
}

#[test]
fn any_single_byte_change_fails() {
    let keys = TokenKeys::generate().unwrap();
    let blob = seal(&keys, &state()).unwrap();
    for i in 0..blob.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut t = blob.clone();
            t[i] ^= flip;
            assert_eq!(
                open(&keys, &t).err(),
                Some(Error::Open),
                "byte {i} ^ {flip}"
            );
        }
    }
    for n in 0..blob.len() {
        assert_eq!(
            open(&keys, &blob[..n]).err(),
            Some(Error::Open),
            "cut at {n}"
        );
    }
    let mut longer = blob;
    longer.push(0);
    assert_eq!(open(&keys, &longer).err(), Some(Error::Open));
}

#[test]
fn header_is_bound_even_with_the_same_key_under_two_ids() {
    // The same key material under two ids: changing the id in the header must still fail.
    let k = SecretBytes::from_slice(&[7; 32]);
    let keys = TokenKeys::from_keys(vec![(1, k.clone()), (2, k)], 1).unwrap();
    let mut blob = seal(&keys, &state()).unwrap();
    blob[5] = 2;
    assert_eq!(open(&keys, &blob).err(), Some(Error::Open));
}

#[test]
fn unknown_key_id_fails() {
    let a = TokenKeys::generate().unwrap();
    let b = TokenKeys::from_keys(
        vec![(a.current_id().wrapping_add(1), sk(1))],
        a.current_id().wrapping_add(1),
    )
    .unwrap();
    let blob = seal(&a, &state()).unwrap();
    assert_eq!(open(&b, &blob).err(), Some(Error::Open));
    // Same id, other key material.
    let c = TokenKeys::from_keys(vec![(a.current_id(), sk(9))], a.current_id()).unwrap();
    assert_eq!(open(&c, &blob).err(), Some(Error::Open));
}

fn sk(b: u8) -> SecretBytes {
    SecretBytes::from_slice(&[b; 32])
}

#[test]
fn rotation() {
    let mut keys = TokenKeys::from_keys(vec![(10, sk(1))], 10).unwrap();
    let old = seal(&keys, &state()).unwrap();
    let new_id = keys.rotate().unwrap();
    assert_ne!(new_id, 10);
    assert_eq!(keys.current_id(), new_id);
    assert_eq!(keys.key_ids(), vec![10, new_id]);
    let new = seal(&keys, &state()).unwrap();
    assert_eq!(new[2..6], new_id.to_be_bytes());
    assert_same(&open(&keys, &old).unwrap(), &state());
    assert_same(&open(&keys, &new).unwrap(), &state());
    assert!(keys.retire(new_id).is_err());
    keys.retire(10).unwrap();
    assert!(keys.retire(10).is_err());
    assert_eq!(open(&keys, &old).err(), Some(Error::Open));
    assert!(open(&keys, &new).is_ok());

    // The same through configuration: another node configured with both keys, the new
    // one current.
    let node_a = TokenKeys::from_keys(vec![(1, sk(1))], 1).unwrap();
    let sealed_by_a = seal(&node_a, &state()).unwrap();
    let node_b = TokenKeys::from_keys(vec![(1, sk(1)), (2, sk(2))], 2).unwrap();
    assert_same(&open(&node_b, &sealed_by_a).unwrap(), &state());
    assert_eq!(seal(&node_b, &state()).unwrap()[2..6], [0, 0, 0, 2]);
}

#[test]
fn bad_key_sets() {
    assert!(TokenKeys::from_keys(Vec::new(), 1).is_err());
    assert!(TokenKeys::from_keys(vec![(1, sk(1))], 2).is_err());
    assert!(TokenKeys::from_keys(vec![(1, sk(1)), (1, sk(2))], 1).is_err());
    let short = SecretBytes::from_slice(&[1; 16]);
    assert!(TokenKeys::from_keys(vec![(1, short)], 1).is_err());
    let keys = TokenKeys::from_keys(vec![(1, sk(1))], 1).unwrap();
    assert!(!format!("{keys:?}").contains("SecretBytes"));
}

#[test]
fn oversize_states_are_refused() {
    let keys = TokenKeys::generate().unwrap();
    let mut s = state();
    s.principal = "x".repeat(70_000);
    assert!(matches!(seal(&keys, &s), Err(Error::Seal(_))));
    let mut s = state();
    s.claims = (0..20_000)
        .map(|i| (i.to_string(), String::new()))
        .collect();
    assert!(matches!(seal(&keys, &s), Err(Error::Seal(_))));
    // Just under the limit still works.
    let mut s = state();
    let fixed = encoded_len(&s).unwrap() - s.audience.len();
    s.audience = "a".repeat(MAX_STATE_LEN - fixed);
    assert_eq!(encoded_len(&s), Some(MAX_STATE_LEN));
    assert_same(&open(&keys, &seal(&keys, &s).unwrap()).unwrap(), &s);
    s.audience.push('a');
    assert!(matches!(seal(&keys, &s), Err(Error::Seal(_))));
}

/// Seals raw plaintext (header copy included by the caller) to test the decoder through
/// the real opening path.
fn seal_raw(keys: &TokenKeys, plaintext: &[u8]) -> Vec<u8> {
    let h = header(keys.current_id());
    let key = keys.key(keys.current_id()).unwrap();
    let mut blob = h.to_vec();
    blob.extend(crypto::encrypt(BlockCipher::Aes256Gcm, key.expose(), plaintext).unwrap());
    blob
}

#[test]
fn strict_decoding_of_authentic_plaintext() {
    let keys = TokenKeys::generate().unwrap();
    let h = header(keys.current_id());
    let good = encode(&h, &state()).unwrap();
    assert!(open(&keys, &seal_raw(&keys, &good)).is_ok());
    // Trailing byte.
    let mut t = good.to_vec();
    t.push(0);
    assert_eq!(open(&keys, &seal_raw(&keys, &t)).err(), Some(Error::Open));
    // Truncated.
    assert_eq!(
        open(&keys, &seal_raw(&keys, &good[..good.len() - 1])).err(),
        Some(Error::Open)
    );
    // Header copy differs (version byte).
    let mut t = good.to_vec();
    t[1] = 2;
    assert_eq!(open(&keys, &seal_raw(&keys, &t)).err(), Some(Error::Open));
    // Option tag 2.
    let tag_at = HEADER_LEN + 2 + state().principal.len();
    let mut t = good.to_vec();
    assert_eq!(t[tag_at], 1);
    t[tag_at] = 2;
    assert_eq!(open(&keys, &seal_raw(&keys, &t)).err(), Some(Error::Open));
    // Invalid UTF-8 in the principal.
    let mut t = good.to_vec();
    t[HEADER_LEN + 2] = 0xff;
    assert_eq!(open(&keys, &seal_raw(&keys, &t)).err(), Some(Error::Open));
    // Over-long authentic plaintext.
    let mut t = h.to_vec();
    t.extend(std::iter::repeat_n(0, MAX_STATE_LEN + 1));
    assert_eq!(open(&keys, &seal_raw(&keys, &t)).err(), Some(Error::Open));
    // Nothing after the header.
    assert_eq!(open(&keys, &seal_raw(&keys, &h)).err(), Some(Error::Open));
}

fn arb_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn garbage_never_opens(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let keys = TokenKeys::from_keys(vec![(1, sk(1))], 1).unwrap();
        prop_assert_eq!(open(&keys, &bytes).err(), Some(Error::Open));
        let mut with_header = header(1).to_vec();
        with_header.extend_from_slice(&bytes);
        prop_assert_eq!(open(&keys, &with_header).err(), Some(Error::Open));
        prop_assert_eq!(from_identifier(&keys, &identifier(&bytes)).err(), Some(Error::Open));
    }

    #[test]
    fn garbage_identifiers_never_open(text in ".{0,300}") {
        let keys = TokenKeys::from_keys(vec![(1, sk(1))], 1).unwrap();
        prop_assert!(from_identifier(&keys, &text).is_err());
        let prefixed = format!("{IDENTIFIER_PREFIX}{text}");
        prop_assert!(from_identifier(&keys, &prefixed).is_err());
    }

    #[test]
    fn decoding_is_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        // Never panics, and whatever decodes re-encodes to exactly the same bytes.
        if let Some(s) = decode(&bytes) {
            let again = encode(&header(0), &s).unwrap();
            prop_assert_eq!(&again[HEADER_LEN..], &bytes[..]);
        }
    }

    #[test]
    fn mutated_encodings_decode_canonically_or_not_at_all(
        at in any::<proptest::sample::Index>(),
        value in any::<u8>(),
        cut in any::<proptest::sample::Index>(),
    ) {
        let good = encode(&header(0), &state()).unwrap();
        let mut t = good[HEADER_LEN..].to_vec();
        let i = at.index(t.len());
        t[i] = value;
        t.truncate(t.len() - cut.index(3));
        if let Some(s) = decode(&t) {
            let again = encode(&header(0), &s).unwrap();
            prop_assert_eq!(&again[HEADER_LEN..], &t[..]);
        }
    }

    #[test]
    fn arbitrary_states_round_trip(
        principal in arb_string(),
        act_as in proptest::option::of(arb_string()),
        claims in proptest::collection::vec((arb_string(), arb_string()), 0..5),
        key in proptest::collection::vec(any::<u8>(), 0..80),
        times in any::<(i64, i64, i64)>(),
        instance in any::<u64>(),
        audience in arb_string(),
        serial in any::<u64>(),
        authority in proptest::option::of(arb_string()),
    ) {
        let keys = TokenKeys::from_keys(vec![(7, sk(7))], 7).unwrap();
        let s = ContextState {
            principal,
            act_as,
            claims,
            key: SecretBytes::new(key),
            created_ms: times.0,
            expires_ms: times.1,
            renew_until_ms: times.2,
            instance,
            audience,
            serial,
            authority,
        };
        let id = identifier(&seal(&keys, &s).unwrap());
        assert_same(&from_identifier(&keys, &id).unwrap(), &s);
    }
}
