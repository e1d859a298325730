//! The proof-key table: every combination that leads somewhere different, with its outcome or
//! its fault; then a sweep over the whole product of the inputs checking what must hold of
//! every outcome, and that the table names every outcome the sweep meets.

use std::collections::BTreeSet;

use super::*;
use crate::engine::provider::{IssueContext, IssuedToken, TokenProvider};
use crate::engine::registry;
use crate::saml::SamlVersion;
use crate::trust::TokenType;

/// A provider binding bearer tokens only (what a configured provider may say).
struct BearerOnly;

impl TokenProvider for BearerOnly {
    fn name(&self) -> &str {
        "bearer-only"
    }
    fn handles(&self, _: &TokenType) -> bool {
        false
    }
    fn token_type(&self) -> TokenType {
        TokenType::Jwt
    }
    fn supports(&self, key_type: &KeyType) -> bool {
        *key_type == KeyType::Bearer
    }
    fn issue(&self, _: &IssueContext<'_>) -> Result<IssuedToken, Error> {
        Err(Error::Internal { what: "not used" })
    }
}

static BEARER_ONLY: BearerOnly = BearerOnly;
const ENTROPY: [u8; 600] = [7; 600];
const REALM_BITS: u32 = 256;

/// Runs the decision for a case written as words: the token kind (`sct`, `saml`, `jwt`,
/// `bearer-only`), `kt:sym|pub|bearer|other` (none: no KeyType), `e:N` (N bytes of entropy)
/// or `e:enc` (entropy not as a BinarySecret), `bits:N` (a KeySize), `cka:psha1|hash`,
/// `usekey`, `cert`, `conf`, `ctx`, and the realm policy `no-entropy` or `requester`.
fn run(case: &str) -> String {
    let (mut kind, mut key_type, mut entropy, mut bits, mut cka) =
        (None, None, Given::None, None, None);
    let (mut use_key, mut holder, mut policy) = (false, Holder::default(), KeyPolicy::default());
    for word in case.split_whitespace() {
        match word.split_once(':') {
            Some(("kt", t)) => {
                key_type = Some(match t {
                    "sym" => KeyType::SymmetricKey,
                    "pub" => KeyType::PublicKey,
                    "bearer" => KeyType::Bearer,
                    _ => KeyType::Unknown(format!("urn:other:{t}")),
                })
            }
            Some(("e", "enc")) => entropy = Given::Other,
            Some(("e", n)) => entropy = Given::Secret(&ENTROPY[..n.parse::<usize>().unwrap()]),
            Some(("bits", n)) => bits = Some(n.parse().unwrap()),
            Some(("cka", "psha1")) => cka = Some(ComputedKeyAlgorithm::PSha1),
            Some(("cka", _)) => cka = Some(ComputedKeyAlgorithm::Hash),
            _ => match word {
                "sct" => kind = Some(TokenKind::Sct),
                "saml" => kind = Some(TokenKind::Provider(registry::saml(SamlVersion::V20))),
                "jwt" => kind = Some(TokenKind::Provider(registry::jwt())),
                "bearer-only" => kind = Some(TokenKind::Provider(&BEARER_ONLY)),
                "usekey" => use_key = true,
                "cert" => holder.cert = true,
                "conf" => holder.confidential = true,
                "ctx" => holder.context_key = true,
                "no-entropy" => policy.allow_requester_entropy = false,
                "requester" => policy.require_server_entropy = false,
                other => panic!("unknown word {other:?} in case {case:?}"),
            },
        }
    }
    let req = KeyRequest {
        key_type: key_type.as_ref(),
        entropy,
        computed_key_algorithm: cka.as_ref(),
        key_size: bits,
        use_key,
    };
    let kind = kind.unwrap_or_else(|| panic!("no token kind in {case:?}"));
    describe(decide(&req, kind, holder, &policy, REALM_BITS))
}

fn describe(outcome: Result<ProofChoice, Error>) -> String {
    match outcome {
        Ok(ProofChoice::Bearer) => "bearer".into(),
        Ok(ProofChoice::PublicKey(PublicKeySource::UseKey)) => "public usekey".into(),
        Ok(ProofChoice::PublicKey(PublicKeySource::SigningCertificate)) => "public cert".into(),
        Ok(ProofChoice::Symmetric(s)) => {
            let material = match s.material {
                KeyMaterial::Server => "server",
                KeyMaterial::Requester => "requester",
                KeyMaterial::Computed => "computed",
            };
            let delivery = match s.delivery {
                Delivery::ForCertificate => "for-cert",
                Delivery::Confidential => "clear",
                Delivery::UnderContextKey => "under-context",
                Delivery::Nothing => "nothing",
            };
            format!("symmetric {material} {} {delivery}", s.bits)
        }
        Err(e) => format!("fault {e}"),
    }
}

const NO_SCT: &str = "fault invalid request: a security context needs a symmetric key";
const NO_WAY: &str = "fault invalid request: no way to deliver the proof key confidentially";
const NO_PUBLIC: &str =
    "fault invalid request: a public key token needs UseKey or an X.509 signature";
const UNSUPPORTED: &str = "fault invalid request: key type not supported for this token type";

/// Case → outcome. Grouped by what decides: the key type, then where a symmetric key comes
/// from, its size, and how it travels.
const TABLE: &[(&str, &str)] = &[
    // Key type against token kind.
    ("sct cert", "symmetric server 256 for-cert"),
    ("sct kt:sym cert", "symmetric server 256 for-cert"),
    ("sct kt:pub cert", NO_SCT),
    ("sct kt:pub usekey cert", NO_SCT),
    ("sct kt:bearer conf", NO_SCT),
    ("sct kt:other conf", NO_SCT),
    (
        "saml kt:other conf",
        "fault invalid request: unknown key type",
    ),
    ("saml kt:bearer", "bearer"),
    ("saml kt:bearer e:32 bits:64 cka:hash", "bearer"),
    ("jwt kt:bearer", "bearer"),
    ("saml kt:pub usekey", "public usekey"),
    ("saml kt:pub usekey cert", "public usekey"),
    ("saml kt:pub cert", "public cert"),
    ("jwt kt:pub cert", "public cert"),
    ("saml kt:pub conf ctx", NO_PUBLIC),
    ("saml kt:pub e:32 bits:64", NO_PUBLIC),
    ("bearer-only kt:bearer", "bearer"),
    ("bearer-only kt:pub usekey", UNSUPPORTED),
    ("bearer-only cert", UNSUPPORTED),
    ("bearer-only kt:sym cert", UNSUPPORTED),
    (
        "bearer-only kt:other",
        "fault invalid request: unknown key type",
    ),
    // Where a symmetric key comes from: the realm's policy and the requester's entropy.
    ("saml cert", "symmetric server 256 for-cert"),
    ("saml kt:sym conf", "symmetric server 256 clear"),
    ("sct cert e:16", "symmetric computed 256 for-cert"),
    ("sct cert e:32 cka:psha1", "symmetric computed 256 for-cert"),
    ("saml cert e:512", "symmetric computed 256 for-cert"),
    (
        "sct cert e:8",
        "fault keys: bad requester entropy: shorter than 128 bits",
    ),
    (
        "saml cert e:600",
        "fault keys: bad requester entropy: longer than 512 bytes",
    ),
    (
        "sct cert e:enc",
        "fault invalid request: encrypted requester entropy is not supported",
    ),
    (
        "sct cert e:32 no-entropy",
        "fault keys: requester entropy not accepted",
    ),
    (
        "saml conf e:32 no-entropy",
        "fault keys: requester entropy not accepted",
    ),
    ("sct cert no-entropy", "symmetric server 256 for-cert"),
    (
        "sct cert e:32 requester",
        "symmetric requester 256 for-cert",
    ),
    (
        "sct cert e:16 requester",
        "fault keys: bad requester entropy: length differs from the key size",
    ),
    (
        "sct cert e:16 bits:128 requester",
        "symmetric requester 128 for-cert",
    ),
    ("sct cert requester", "symmetric server 256 for-cert"),
    (
        "sct cert cka:hash",
        "fault keys: unsupported computed key algorithm",
    ),
    (
        "sct cert e:32 cka:hash",
        "fault keys: unsupported computed key algorithm",
    ),
    // Key size.
    ("sct cert bits:128", "symmetric server 128 for-cert"),
    ("saml cert bits:512", "symmetric server 512 for-cert"),
    (
        "sct cert bits:64",
        "fault keys: unsupported key size: 64 bits",
    ),
    (
        "sct cert bits:1024",
        "fault keys: unsupported key size: 1024 bits",
    ),
    (
        "saml cert bits:260",
        "fault keys: unsupported key size: 260 bits",
    ),
    ("sct cert e:16 bits:192", "symmetric computed 192 for-cert"),
    // How the requester's copy travels.
    ("sct cert conf ctx", "symmetric server 256 for-cert"),
    ("sct conf ctx", "symmetric server 256 clear"),
    ("sct conf e:16", "symmetric computed 256 clear"),
    ("saml conf e:32 requester", "symmetric requester 256 clear"),
    ("sct ctx", "symmetric server 256 under-context"),
    ("sct ctx e:32", "symmetric computed 256 under-context"),
    (
        "sct ctx e:32 requester",
        "symmetric requester 256 under-context",
    ),
    ("saml ctx", NO_WAY),
    ("jwt kt:sym ctx", NO_WAY),
    ("sct", NO_WAY),
    ("sct e:32", NO_WAY),
    ("saml e:32", NO_WAY),
    ("sct e:32 requester", "symmetric requester 256 nothing"),
    ("saml e:32 requester", "symmetric requester 256 nothing"),
    (
        "saml e:16 requester",
        "fault keys: bad requester entropy: length differs from the key size",
    ),
];

#[test]
fn every_row_of_the_table() {
    let mut wrong = Vec::new();
    for (case, want) in TABLE {
        let got = run(case);
        if got != *want {
            wrong.push(format!("{case:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every combination of the inputs (5 kinds of token request, 5 key types, 6 entropies, 4
/// sizes, 3 computed key algorithms, UseKey, certificate, confidential channel, context key,
/// 3 policies): what must hold of each outcome, and that each outcome is one the table names.
#[test]
fn sweep_of_every_combination() {
    let named: BTreeSet<&str> = TABLE.iter().map(|(_, want)| *want).collect();
    let mut unnamed = std::collections::BTreeMap::new();
    let mut count = 0;
    for kind in ["sct", "saml", "jwt", "bearer-only"] {
        for kt in ["", "kt:sym", "kt:pub", "kt:bearer", "kt:other"] {
            for e in ["", "e:8", "e:16", "e:32", "e:600", "e:enc"] {
                for bits in ["", "bits:128", "bits:64", "bits:512"] {
                    for cka in ["", "cka:psha1", "cka:hash"] {
                        for flags in 0..16u8 {
                            for pol in ["", "no-entropy", "requester"] {
                                let f = |bit: u8, w: &'static str| {
                                    if flags & bit != 0 {
                                        w
                                    } else {
                                        ""
                                    }
                                };
                                let words = [
                                    kind,
                                    kt,
                                    e,
                                    bits,
                                    cka,
                                    f(1, "usekey"),
                                    f(2, "cert"),
                                    f(4, "conf"),
                                    f(8, "ctx"),
                                    pol,
                                ];
                                let case = words.join(" ");
                                let got = run(&case);
                                check(&case, &got);
                                if kt.is_empty() {
                                    let explicit =
                                        run(&case.replacen(kind, &format!("{kind} kt:sym"), 1));
                                    assert_eq!(got, explicit, "{case}: no KeyType is SymmetricKey");
                                }
                                if !named.contains(got.as_str()) {
                                    unnamed.entry(got).or_insert(case);
                                }
                                count += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(count, 4 * 5 * 6 * 4 * 3 * 16 * 3);
    let allowed_unnamed = |s: &str| s.starts_with("symmetric") && !s.contains(" 256 ");
    let unnamed: Vec<_> = unnamed
        .into_iter()
        .filter(|(got, _)| !allowed_unnamed(got))
        .map(|(got, case)| format!("{got}  (e.g. {case:?})"))
        .collect::<Vec<_>>();
    assert!(
        unnamed.is_empty(),
        "outcomes the table does not name:\n{}",
        unnamed.join("\n")
    );
}

/// What must hold of one outcome of the sweep.
fn check(case: &str, got: &str) {
    let has = |w: &str| case.split_whitespace().any(|x| x == w);
    let sct = has("sct");
    if got.starts_with("fault") {
        return;
    }
    assert!(
        !sct || got.starts_with("symmetric"),
        "{case}: an SCT is always symmetric: {got}"
    );
    if got == "bearer" {
        assert!(has("kt:bearer"), "{case}: bearer only when asked: {got}");
    }
    if got == "public usekey" {
        assert!(has("kt:pub") && has("usekey"), "{case}: {got}");
    }
    if got == "public cert" {
        assert!(
            has("kt:pub") && has("cert") && !has("usekey"),
            "{case}: {got}"
        );
    }
    if got.starts_with("symmetric") {
        assert!(!has("kt:pub") && !has("kt:bearer"), "{case}: {got}");
        let delivery = got.rsplit(' ').next().unwrap();
        match delivery {
            "for-cert" => assert!(has("cert"), "{case}: {got}"),
            "clear" => assert!(
                has("conf") && !has("cert"),
                "{case}: the key in the clear only when confidential: {got}"
            ),
            "under-context" => assert!(
                sct && has("ctx") && !has("cert") && !has("conf"),
                "{case}: {got}"
            ),
            "nothing" => assert!(got.contains("requester"), "{case}: {got}"),
            other => panic!("{case}: delivery {other}"),
        }
        if got.contains("computed") || got.contains("requester") {
            assert!(
                has("e:16") || has("e:32") || has("e:8") || has("e:600"),
                "{case}: {got}"
            );
            assert!(!has("no-entropy"), "{case}: {got}");
        }
        if got.contains("requester") {
            assert!(
                has("requester"),
                "{case}: requester material only by policy: {got}"
            );
        }
    }
}
