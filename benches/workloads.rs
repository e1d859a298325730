//! One bench per workload, in process (names shared with the load tool and
//! `docs/performance.md`):
//!
//! - `W-verify/*`: parse + exclusive c14n + digest + RSA verify of the recorded 4.4 KB zeep
//!   X.509-signed request (RSA-SHA256, and the client's RSA-SHA1 request), the work the
//!   python-xmlsec baseline does on the same file.
//! - `W-x509/engine-issue`, `W-sct/engine-issue`, `W-password/engine-issue`: one full
//!   `Engine::handle` (parse, WS-Security, decisions, SCT, RSTR signed by the STS). Each
//!   iteration gets a fresh request made with real keys outside the timed part (the engine
//!   refuses replays).
//! - `W-password/argon2-verify`: the password check alone, with the same Argon2id parameters,
//!   so the engine's overhead beyond the hash can be stated.

#[path = "support/config.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tools/load/workloads.rs"]
mod workloads;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use wstrust::crypto::SecretBytes;
use wstrust::engine::users::{hash_password, Argon2Params, PasswordRecord, UserStore};
use wstrust::pki::Certificate;
use wstrust::wss::{Clock, SystemClock, UsernameTokenInfo};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{verify, NoResolver, Policy, Signature, VerificationKey};

use workloads::{Credentials, Pki, Request, Workload};

fn w_verify(c: &mut Criterion) {
    let pki = Pki::recorded().expect("pki");
    let cert: Certificate = pki.client_cert;
    let policy = Policy::default();
    let mut g = c.benchmark_group("W-verify");
    for (name, rel) in [
        ("rsa-sha256", workloads::VERIFY_FIXTURE),
        ("rsa-sha1", workloads::VERIFY_FIXTURE_SHA1),
    ] {
        let bytes = workloads::fixture(rel).expect("fixture");
        g.bench_function(name, |b| {
            b.iter(|| {
                let doc = Document::parse(&bytes).expect("parses");
                let node = doc
                    .descendants_or_self(doc.root())
                    .find(|n| doc.is(*n, ns::DS, "Signature"))
                    .expect("signature");
                let sig = Signature::read(&doc, node, &policy).expect("reads");
                verify(
                    &doc,
                    &sig,
                    VerificationKey::Rsa(cert.public_key()),
                    &policy,
                    &NoResolver,
                )
                .expect("verifies");
            })
        });
    }
    g.finish();
}

fn issue(
    c: &mut Criterion,
    workload: Workload,
    engine: &wstrust::engine::Engine,
    make: &dyn Fn(i64) -> Request,
) {
    let mut g = c.benchmark_group(workload.name());
    g.bench_function("engine-issue", |b| {
        b.iter_batched(
            || make(SystemClock.now_ms()),
            |req| {
                let (status, body) = workloads::handle(engine, &req, workload);
                assert!(
                    workloads::is_success(status, body.as_bytes()),
                    "{} answered {status}: {body}",
                    workload.name()
                );
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn w_x509(c: &mut Criterion) {
    let pki = Pki::recorded().expect("pki");
    let creds = Credentials::default();
    let engine = workloads::engine(&pki, &creds, &Argon2Params::default()).expect("engine");
    issue(c, Workload::X509, &engine, &|t| {
        workloads::x509_request(&pki, &creds, t).expect("request")
    });
}

fn w_sct(c: &mut Criterion) {
    let pki = Pki::recorded().expect("pki");
    let creds = Credentials::default();
    let engine = workloads::engine(&pki, &creds, &Argon2Params::default()).expect("engine");
    let session = workloads::sct_session_in_process(&engine, &pki, &creds, SystemClock.now_ms())
        .expect("sct session");
    issue(c, Workload::Sct, &engine, &|t| {
        workloads::sct_request(&session, &creds, t).expect("request")
    });
}

fn w_password(c: &mut Criterion) {
    let pki = Pki::recorded().expect("pki");
    let creds = Credentials::default();
    let params = Argon2Params::default();
    let engine = workloads::engine(&pki, &creds, &params).expect("engine");
    issue(c, Workload::Password, &engine, &|t| {
        workloads::password_request(&creds, t).expect("request")
    });
    // The hash alone: the same user store check the engine makes, same parameters.
    let hash = hash_password(creds.password.as_bytes(), &params).expect("hash");
    let users = UserStore::new(
        [(creds.username.clone(), PasswordRecord::Argon2(hash))],
        &params,
    )
    .expect("users");
    let ut = UsernameTokenInfo {
        username: creds.username.clone(),
        password: Some(SecretBytes::from_slice(creds.password.as_bytes())),
        digest: false,
        nonce: None,
        created: None,
    };
    let mut g = c.benchmark_group(Workload::Password.name());
    g.bench_function("argon2-verify", |b| {
        b.iter(|| users.authenticate(&ut).expect("authenticates"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = w_verify, w_x509, w_sct, w_password
}
criterion_main!(benches);
