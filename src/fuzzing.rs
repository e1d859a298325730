//! Harness functions for the fuzz targets in `fuzz/` and for the replay of their saved inputs
//! in `tests/it/fuzz_regressions.rs`. Not API: nothing here is stable.
//!
//! Every function takes arbitrary bytes, runs one entry point on them and panics only when a
//! property the library promises is broken (a round trip that does not come back, a response
//! without a log reason). An `Err` from the code under test is the expected outcome for
//! almost every input and is not a failure.

use std::sync::Arc;

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::engine::config::{AppliesToMatch, EngineConfig, Realm};
use crate::engine::keyx::KeyxSettings;
use crate::engine::request::Incoming;
use crate::engine::resolve::{EngineKeys, StoreReplay};
use crate::engine::sealed::TokenKeys;
use crate::engine::users::{hash_password, Argon2Params, PasswordRecord, UserStore};
use crate::engine::{Engine, Transport};
use crate::keyx::server::Policy as KeyxPolicy;
use crate::keyx::MasterTokenKeys;
use crate::pki::{Certificate, TrustStore};
use crate::saml::{TrustedIssuer, ValidationPolicy};
use crate::soap::{Envelope, SoapVersion};
use crate::store::MemoryStore;
use crate::trust::{FromElement, ToXml, TrustMessage};
use crate::wss::{self, Environment, FixedClock, InboundConfig};
use crate::xml::{canonicalize, ns, C14nOptions, Document, Error as XmlError, NodeId, Writer};

/// The time every harness runs at (2027-01-15, inside the recorded test PKI's validity).
pub const NOW_MS: i64 = 1_800_000_000_000;
/// The audience SAML assertions are validated for, and the realm of the engine.
pub const AUDIENCE: &str = "https://rp.example.com/service";
/// The issuer name of the engine.
pub const ISSUER: &str = "https://sts.example.com/sts";

/// The fixed world of the stateful harnesses: an engine with one realm, users `alice` and
/// `bob` (password `secret`), key exchange on, trusting the given client PKI.
pub struct Fixture {
    engine: Engine,
    sts_cert: Certificate,
    issuers: Vec<TrustedIssuer>,
}

/// The PEM texts a [`Fixture`] is built from (the recorded PKI in
/// `fixtures/clients/pki/`: `sts.key`, `sts.pem`, `client.pem`, `ca.pem`, `rp.pem`).
pub struct FixturePem<'a> {
    /// The STS private key.
    pub sts_key: &'a str,
    /// The STS certificate.
    pub sts_cert: &'a str,
    /// A pinned client certificate.
    pub client_cert: &'a str,
    /// The trust anchor of client certificates.
    pub ca_cert: &'a str,
    /// The relying party's encryption certificate.
    pub rp_cert: &'a str,
}

impl Fixture {
    /// Builds the fixture; the error names what did not load.
    pub fn new(pem: &FixturePem<'_>) -> Result<Self, String> {
        let cert =
            |what: &str, p: &str| Certificate::from_pem(p).map_err(|e| format!("{what}: {e}"));
        let sts_key = RsaPrivateKey::from_pem(pem.sts_key).map_err(|e| format!("sts key: {e}"))?;
        let sts_cert = cert("sts cert", pem.sts_cert)?;
        let client = cert("client cert", pem.client_cert)?;
        let ca = cert("ca cert", pem.ca_cert)?;
        let rp = cert("rp cert", pem.rp_cert)?;
        let params = Argon2Params {
            m_cost_kib: 256,
            t_cost: 1,
            p_cost: 1,
        };
        let record = |p: &[u8]| {
            hash_password(p, &params)
                .map(PasswordRecord::Argon2)
                .map_err(|e| format!("password hash: {e}"))
        };
        let users = UserStore::new(
            [
                ("alice".to_owned(), record(b"secret")?),
                ("bob".to_owned(), record(b"secret")?),
            ],
            &params,
        )
        .map_err(|e| format!("users: {e}"))?;
        let mut realm = Realm::new(
            "rp",
            AppliesToMatch::Prefix("https://rp.example.com/".into()),
            rp,
        );
        realm.claims = vec!["urn:right:read".into()];
        let token_keys = TokenKeys::generate().map_err(|e| format!("token keys: {e}"))?;
        let mut cfg = EngineConfig::new(
            ISSUER,
            sts_key,
            sts_cert.clone(),
            token_keys,
            vec![realm],
            users,
        );
        let mut trust = TrustStore::new();
        trust.add_anchor(&ca);
        trust.pin(&client);
        trust.pin(&sts_cert);
        cfg.client_trust = trust;
        cfg.known_certs = vec![client, sts_cert.clone()];
        let master = MasterTokenKeys::single(1, SecretBytes::new(vec![0x5a; 32]))
            .map_err(|e| format!("master token keys: {e}"))?;
        cfg.keyx = Some(KeyxSettings::new(master, KeyxPolicy::new("sts.example")));
        let issuers = vec![TrustedIssuer::new(sts_cert.clone())];
        Ok(Self {
            engine: Engine::new(cfg, Arc::new(MemoryStore::new())),
            sts_cert,
            issuers,
        })
    }

    /// The STS certificate (SAML assertions signed by it are trusted).
    pub fn sts_cert(&self) -> &Certificate {
        &self.sts_cert
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// The XML parser: whatever parses is written out again by the writer, and the written form
/// parses and writes out identically.
pub fn xml_parser(data: &[u8]) {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let first = write_copy(&doc, doc.root());
    let again = Document::parse(first.as_bytes())
        .unwrap_or_else(|e| panic!("the writer's copy does not parse: {e}\n{first}"));
    let second = write_copy(&again, again.root());
    assert_eq!(first, second, "writer copy is not a fixed point");
}

fn write_copy(doc: &Document, node: NodeId) -> String {
    let mut w = Writer::new();
    w.copy(doc, node);
    w.finish()
        .unwrap_or_else(|e| panic!("the writer refuses a copy of a parsed tree: {e}"))
}

/// Exclusive c14n (with and without comments) and inclusive c14n of the document element:
/// the canonical form parses, and canonicalizing it again changes nothing. The streamed
/// output written one byte at a time equals the buffered one.
pub fn c14n(data: &[u8]) {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    for opts in [
        C14nOptions::exclusive(),
        C14nOptions::exclusive().with_comments(true),
        C14nOptions::inclusive(),
        C14nOptions::exclusive().with_prefix_list("#default xsi"),
    ] {
        let Some(first) = canonical(&doc, doc.root(), &opts) else {
            continue;
        };
        let mut trickle = OneByte(Vec::new());
        if canonicalize(&doc, doc.root(), &opts, &mut trickle).is_ok() {
            assert_eq!(trickle.0, first, "streamed output differs from buffered");
        }
        let again = match Document::parse(&first) {
            Ok(d) => d,
            Err(XmlError::Limit { .. }) => continue,
            Err(e) => panic!(
                "canonical form does not parse: {e}\n{}",
                String::from_utf8_lossy(&first)
            ),
        };
        let second = canonical(&again, again.root(), &opts)
            .unwrap_or_else(|| panic!("canonical form cannot be canonicalized"));
        assert_eq!(
            String::from_utf8_lossy(&first),
            String::from_utf8_lossy(&second),
            "c14n is not a fixed point ({opts:?})"
        );
    }
}

fn canonical(doc: &Document, node: NodeId, opts: &C14nOptions) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    canonicalize(doc, node, opts, &mut out).ok().map(|()| out)
}

/// A sink that takes one byte per write call.
struct OneByte(Vec<u8>);

impl std::io::Write for OneByte {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match buf.first() {
            Some(b) => {
                self.0.push(*b);
                Ok(1)
            }
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn soap_version(doc: &Document) -> SoapVersion {
    if doc.name(doc.root()).ns == ns::SOAP12 {
        SoapVersion::V12
    } else {
        SoapVersion::V11
    }
}

/// The WS-Security header reader: `wss::process` on the parsed envelope with the fixture's
/// keys, a fresh replay memory and the default inbound configuration; whatever it accepts
/// is then checked against the Body + Timestamp requirements.
pub fn wss_header(fx: &Fixture, data: &[u8]) {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let version = soap_version(&doc);
    let store = MemoryStore::new();
    let keys = EngineKeys::new(fx.engine.config(), &store);
    let replay = StoreReplay(&store);
    let clock = FixedClock(NOW_MS);
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    if let Ok(msg) = wss::process(doc, version, &InboundConfig::default(), env) {
        let req = wss::Requirements {
            body_signed: true,
            timestamp_signed: true,
            ..wss::Requirements::default()
        };
        let _ = req.check(&msg);
        if let Ok(env) = msg.envelope() {
            let _ = msg.signature_over(env.body());
        }
    }
}

/// The WS-Trust model: the message in a SOAP Body (or the document element) is read, written
/// and read again; both readings are equal and both writings identical.
pub fn rst(data: &[u8]) {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let el = match Envelope::read(&doc, None) {
        Ok(env) => match env.body_element() {
            Some(el) => el,
            None => return,
        },
        Err(_) => doc.root(),
    };
    let Ok(first) = TrustMessage::read(&doc, el) else {
        return;
    };
    let written = write_message(&first);
    let again = Document::parse(written.as_bytes())
        .unwrap_or_else(|e| panic!("a written trust message does not parse: {e}\n{written}"));
    let second = TrustMessage::read(&again, again.root())
        .unwrap_or_else(|e| panic!("a written trust message does not read: {e}\n{written}"));
    assert_eq!(
        first, second,
        "read-write-read changes the message\n{written}"
    );
    assert_eq!(written, write_message(&second), "writing is not stable");
}

fn write_message(m: &TrustMessage) -> String {
    let mut w = Writer::new();
    m.write(&mut w);
    w.finish()
        .unwrap_or_else(|e| panic!("the writer refuses a trust message: {e}"))
}

/// SAML validation: the first assertion (1.1, 2.0 or encrypted) in document order is
/// validated for the fixture's audience, trusting the STS certificate.
pub fn saml(fx: &Fixture, data: &[u8]) {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let found = doc.descendants_or_self(doc.root()).find(|&n| {
        doc.is(n, ns::SAML2, "Assertion")
            || doc.is(n, ns::SAML1, "Assertion")
            || doc.is(n, ns::SAML2, "EncryptedAssertion")
    });
    let Some(el) = found else {
        return;
    };
    let policy = ValidationPolicy::new(&fx.issuers, [AUDIENCE], NOW_MS);
    let _ = crate::saml::validate(&doc, el, &policy);
}

/// The `/keyx` JSON: a request that parses writes out and parses to the same text again; the
/// engine answers every body with JSON.
pub fn keyx_json(fx: &Fixture, data: &[u8]) {
    if let Ok(req) = crate::keyx::json::parse_request(data) {
        let written = crate::keyx::json::write_request(&req);
        let again = crate::keyx::json::parse_request(written.as_bytes())
            .unwrap_or_else(|e| panic!("a written key request does not parse: {e}\n{written}"));
        assert_eq!(
            written,
            crate::keyx::json::write_request(&again),
            "writing a key request is not stable"
        );
    }
    let r = fx.engine.handle_keyx_json(
        data,
        Transport {
            confidential: true,
            peer: None,
        },
        &FixedClock(NOW_MS),
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&r.body).is_ok(),
        "keyx answer is not JSON: {}",
        r.body
    );
    if r.status != 200 {
        assert!(r.log.is_some(), "a refusal without a log reason");
    }
}

/// The whole engine on a request body: every answer is a SOAP envelope, and every refusal
/// carries a log reason.
pub fn engine(fx: &Fixture, data: &[u8]) {
    for content_type in [
        "application/soap+xml; charset=utf-8",
        "text/xml; charset=utf-8",
    ] {
        let r = fx.engine.handle(
            Incoming {
                body: data,
                content_type: Some(content_type),
                soap_action: None,
            },
            Transport {
                confidential: true,
                peer: None,
            },
            &FixedClock(NOW_MS),
        );
        let doc = Document::parse(r.body.as_bytes())
            .unwrap_or_else(|e| panic!("the engine's answer does not parse: {e}\n{}", r.body));
        assert!(
            Envelope::read(&doc, None).is_ok(),
            "the answer is not an envelope"
        );
        if r.status != 200 {
            assert!(r.log.is_some(), "a fault without a log reason");
        }
    }
}
