//! The fixed world of the stateful fuzz targets: the recorded test PKI, read once from
//! `$WSTRUST_SHARED/fixtures/clients/pki/` (default: `../shared` beside the checkout).

use std::path::PathBuf;
use std::sync::OnceLock;

use wstrust::fuzzing::{Fixture, FixturePem};

fn shared() -> PathBuf {
    std::env::var_os("WSTRUST_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
}

fn pem(name: &str) -> String {
    let path = shared().join("fixtures/clients/pki").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set WSTRUST_SHARED)", path.display()))
}

/// The fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (sts_key, sts_cert, client_cert, ca_cert, rp_cert) = (
            pem("sts.key"),
            pem("sts.pem"),
            pem("client.pem"),
            pem("ca.pem"),
            pem("rp.pem"),
        );
        Fixture::new(&FixturePem {
            sts_key: &sts_key,
            sts_cert: &sts_cert,
            client_cert: &client_cert,
            ca_cert: &ca_cert,
            rp_cert: &rp_cert,
        })
        .unwrap_or_else(|e| panic!("fuzz fixture: {e}"))
    })
}
