//! Benches of the pieces a request goes through, one at a time: parse, exclusive c14n (of a
//! request Body and of a 111 KB envelope), digest, sign, verify, encrypt and decrypt (AES-GCM,
//! RSA-OAEP) and P_SHA-1. Names are `group/function`; `scripts/bench` reads them back.

#[path = "support/config.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tools/load/workloads.rs"]
mod workloads;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use wstrust::crypto::{
    self, digest, hmac_sign, hmac_verify, psha1, BlockCipher, DigestAlgorithm, DigestSink,
    HmacAlgorithm, OaepParams, SignatureAlgorithm,
};
use wstrust::xml::{canonicalize, ns, C14nOptions, Document, NodeId};
use wstrust::xmlsec::{
    sign, verify, NoResolver, Policy, SignReference, Signature, SignatureSpec, SigningKey,
    VerificationKey,
};

use workloads::{fixture, Pki};

fn find(doc: &Document, ns_: &str, local: &str) -> NodeId {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
        .expect("element in fixture")
}

fn request() -> Vec<u8> {
    fixture(workloads::VERIFY_FIXTURE).expect("W-verify fixture")
}

fn large() -> Vec<u8> {
    fixture(workloads::LARGE_C14N_FIXTURE).expect("large c14n fixture")
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, bytes) in [("request-4k", request()), ("soap-111k", large())] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| Document::parse(black_box(&bytes)).expect("parses"))
        });
    }
    g.finish();
}

fn c14n(c: &mut Criterion) {
    let mut g = c.benchmark_group("c14n");
    let req = request();
    let doc = Document::parse(&req).expect("parses");
    let body = find(&doc, ns::SOAP11, "Body");
    let opts = C14nOptions::exclusive();
    g.bench_function("exc-body", |b| {
        b.iter(|| canonicalize(&doc, black_box(body), &opts, std::io::sink()).expect("c14n"))
    });
    let big = large();
    let big_doc = Document::parse(&big).expect("parses");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("exc-soap-111k", |b| {
        b.iter(|| {
            canonicalize(&big_doc, black_box(big_doc.root()), &opts, std::io::sink()).expect("c14n")
        })
    });
    g.bench_function("exc-soap-111k-sha256", |b| {
        b.iter(|| {
            let mut sink = DigestSink::new(DigestAlgorithm::Sha256);
            canonicalize(&big_doc, black_box(big_doc.root()), &opts, &mut sink).expect("c14n");
            sink.finish()
        })
    });
    g.finish();
}

fn digests(c: &mut Criterion) {
    let mut g = c.benchmark_group("digest");
    let data = request();
    g.throughput(Throughput::Bytes(data.len() as u64));
    for (name, alg) in [
        ("sha1-4k", DigestAlgorithm::Sha1),
        ("sha256-4k", DigestAlgorithm::Sha256),
    ] {
        g.bench_function(name, |b| b.iter(|| digest(alg, black_box(&data))));
    }
    g.finish();
}

fn signatures(c: &mut Criterion) {
    let pki = Pki::recorded().expect("pki");
    let msg = vec![0x5au8; 600]; // a canonical SignedInfo is about this long
    let sig = pki
        .sts_key
        .sign(SignatureAlgorithm::RsaSha256, &msg)
        .expect("signs");
    let public = pki.sts_cert.public_key().clone();
    let mut g = c.benchmark_group("sign");
    g.bench_function("rsa2048-sha256", |b| {
        b.iter(|| {
            pki.sts_key
                .sign(SignatureAlgorithm::RsaSha256, black_box(&msg))
                .expect("signs")
        })
    });
    let hkey = [7u8; 32];
    g.bench_function("hmac-sha256", |b| {
        b.iter(|| hmac_sign(HmacAlgorithm::Sha256, &hkey, black_box(&msg)))
    });
    // An XML signature over a request Body (exc-c14n, SHA-256, RSA-SHA256), as the STS makes.
    let req = request();
    let doc = Document::parse(&req).expect("parses");
    let body = find(&doc, ns::SOAP11, "Body");
    let id = doc.id_of(body).expect("body id").to_owned();
    let refs = [SignReference {
        node: body,
        uri: format!("#{id}"),
        enveloped: false,
        prefixes: None,
    }];
    g.bench_function("xmldsig-body-rsa2048", |b| {
        b.iter(|| {
            sign(
                &doc,
                &refs,
                SignatureSpec::default(),
                SigningKey::Rsa(&pki.sts_key),
                None,
            )
            .expect("signs")
        })
    });
    g.finish();

    let mut g = c.benchmark_group("verify");
    g.bench_function("rsa2048-sha256", |b| {
        b.iter(|| {
            public
                .verify(SignatureAlgorithm::RsaSha256, black_box(&msg), &sig)
                .expect("verifies")
        })
    });
    let tag = hmac_sign(HmacAlgorithm::Sha256, &hkey, &msg);
    g.bench_function("hmac-sha256", |b| {
        b.iter(|| hmac_verify(HmacAlgorithm::Sha256, &hkey, black_box(&msg), &tag).expect("ok"))
    });
    // The XML part of W-verify alone: the document is parsed once, outside the loop.
    let sig_node = find(&doc, ns::DS, "Signature");
    let policy = Policy::default();
    let client = pki.client_cert.public_key().clone();
    g.bench_function("xmldsig-request-parsed", |b| {
        b.iter(|| {
            let s = Signature::read(&doc, sig_node, &policy).expect("reads");
            verify(
                &doc,
                &s,
                VerificationKey::Rsa(&client),
                &policy,
                &NoResolver,
            )
            .expect("ok")
        })
    });
    g.finish();
}

fn encryption(c: &mut Criterion) {
    let pki = Pki::recorded().expect("pki");
    let data = request();
    let key = [9u8; 32];
    let ct = crypto::encrypt(BlockCipher::Aes256Gcm, &key, &data).expect("encrypts");
    let mut g = c.benchmark_group("encrypt");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("aes256gcm-4k", |b| {
        b.iter(|| crypto::encrypt(BlockCipher::Aes256Gcm, &key, black_box(&data)).expect("ok"))
    });
    let service = pki.service_cert.public_key().clone();
    let oaep = OaepParams::sha1();
    g.bench_function("rsa2048-oaep-32", |b| {
        b.iter(|| service.oaep_encrypt(&oaep, black_box(&key)).expect("ok"))
    });
    g.finish();

    let mut g = c.benchmark_group("decrypt");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("aes256gcm-4k", |b| {
        b.iter(|| crypto::decrypt(BlockCipher::Aes256Gcm, &key, black_box(&ct)).expect("ok"))
    });
    let to_sts = pki
        .sts_cert
        .public_key()
        .oaep_encrypt(&oaep, &key)
        .expect("encrypts");
    g.bench_function("rsa2048-oaep-32", |b| {
        b.iter(|| {
            pki.sts_key
                .oaep_decrypt(&oaep, black_box(&to_sts))
                .expect("ok")
        })
    });
    g.finish();
}

fn kdf(c: &mut Criterion) {
    let secret = [1u8; 32];
    let mut seed = b"WS-SecureConversationWS-SecureConversation".to_vec();
    seed.extend_from_slice(&[2u8; 16]);
    let mut g = c.benchmark_group("psha1");
    g.bench_function("32-bytes", |b| {
        b.iter(|| psha1(&secret, black_box(&seed), 32).expect("ok"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = parse, c14n, digests, signatures, encryption, kdf
}
criterion_main!(benches);
