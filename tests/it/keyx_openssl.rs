//! Independent peers: OpenSSL agrees with our ffdhe2048 and X25519 arithmetic (and with our
//! SHA-384 session key derivation over MSL's one-leading-zero secret), its ffdhe2048 prime is
//! ours, and xmllint validates our XML elements against `schemas/wstrust-ext.xsd`.

use std::path::{Path, PathBuf};
use std::process::Command;

use wstrust::crypto::SecretBytes;
use wstrust::keyx::client::{AsymmetricWrappedRequest, DhRequest};
use wstrust::keyx::dh::{derive_session_keys, DhGroup, DhPrivateKey};
use wstrust::keyx::server::Sts;
use wstrust::keyx::xml as kx;
use wstrust::store::MemoryStore;
use wstrust::xml::Writer;

use crate::keyx_support::{client_key, now, policy, token_keys};
use crate::support::require_tool;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wstrust-keyx-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One DER TLV at the start of `der`: (tag, content, rest).
fn tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, head) = if der[1] < 0x80 {
        (der[1] as usize, 2)
    } else {
        let n = (der[1] & 0x7f) as usize;
        let len = der[2..2 + n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, 2 + n)
    };
    (tag, &der[head..head + len], &der[head + len..])
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// A DER INTEGER of an unsigned magnitude.
fn der_uint(magnitude: &[u8]) -> Vec<u8> {
    let m = strip_zeros(magnitude);
    let mut c = Vec::new();
    if m.first().is_some_and(|b| b & 0x80 != 0) {
        c.push(0);
    }
    c.extend_from_slice(m);
    der(0x02, &c)
}

#[test]
fn ffdhe2048_agrees_with_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = scratch("ffdhe");
    let peer = dir.join("peer.pem");
    let p = |x: &Path| x.to_str().unwrap().to_owned();
    run(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "group:ffdhe2048",
            "-out",
            &p(&peer),
        ],
    );
    let spki = run(
        "openssl",
        &["pkey", "-in", &p(&peer), "-pubout", "-outform", "DER"],
    );
    // SubjectPublicKeyInfo { AlgorithmIdentifier { dhKeyAgreement, DHParameter { p, g } },
    //                        BIT STRING { INTEGER y } }
    let (_, body, _) = tlv(&spki);
    let (_, alg_content, rest) = tlv(body);
    let alg = der(0x30, alg_content);
    let (_, params, _) = tlv(tlv(alg_content).2);
    let (_, openssl_p, rest_params) = tlv(params);
    let (_, g, _) = tlv(rest_params);
    assert_eq!(
        strip_zeros(openssl_p),
        &DhGroup::Ffdhe2048.prime().unwrap()[..],
        "openssl's ffdhe2048 prime is ours"
    );
    assert_eq!(g, [2]);
    let (_, bits, _) = tlv(rest);
    let (_, peer_y, _) = tlv(&bits[1..]);

    // Our side: a fresh key, the MSL form of its public value, and the agreement.
    let ours = DhPrivateKey::generate(DhGroup::Ffdhe2048).unwrap();
    let our_y = ours.public_value().unwrap();
    assert_eq!(our_y[0], 0);
    let mut peer_msl = vec![0u8];
    peer_msl.extend_from_slice(strip_zeros(peer_y));
    let z_ours = ours.agree(&peer_msl).unwrap();

    // OpenSSL's side, from our public value in an SPKI it reads.
    let mut bit_string = vec![0u8];
    bit_string.extend_from_slice(&der_uint(&our_y));
    let mut our_spki = alg;
    our_spki.extend_from_slice(&der(0x03, &bit_string));
    let our_spki = der(0x30, &our_spki);
    let our_der = dir.join("ours.der");
    std::fs::write(&our_der, &our_spki).unwrap();
    let z_openssl = run(
        "openssl",
        &[
            "pkeyutl",
            "-derive",
            "-inkey",
            &p(&peer),
            "-peerkey",
            &p(&our_der),
            "-peerform",
            "DER",
        ],
    );
    assert!(z_openssl.len() >= 200, "{} bytes", z_openssl.len());
    assert_eq!(z_ours.expose()[0], 0, "msl form: one leading zero");
    assert_eq!(strip_zeros(z_ours.expose()), strip_zeros(&z_openssl));

    // Session keys: SHA-384 (by openssl) over 0x00 || magnitude.
    let mut msl_secret = vec![0u8];
    msl_secret.extend_from_slice(strip_zeros(&z_openssl));
    let secret_file = dir.join("z.bin");
    std::fs::write(&secret_file, &msl_secret).unwrap();
    let hash = run("openssl", &["dgst", "-sha384", "-binary", &p(&secret_file)]);
    let keys = derive_session_keys(&SecretBytes::new(msl_secret)).unwrap();
    assert_eq!(keys.encryption.expose(), &hash[..16]);
    assert_eq!(keys.hmac.expose(), &hash[16..48]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn x25519_agrees_with_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = scratch("x25519");
    let peer = dir.join("peer.pem");
    let p = |x: &Path| x.to_str().unwrap().to_owned();
    run(
        "openssl",
        &["genpkey", "-algorithm", "X25519", "-out", &p(&peer)],
    );
    let spki = run(
        "openssl",
        &["pkey", "-in", &p(&peer), "-pubout", "-outform", "DER"],
    );
    assert_eq!(spki.len(), 44);
    let ours = DhPrivateKey::generate(DhGroup::X25519).unwrap();
    let mut our_spki = spki[..12].to_vec();
    our_spki.extend_from_slice(&ours.public_value().unwrap());
    let our_der = dir.join("ours.der");
    std::fs::write(&our_der, &our_spki).unwrap();
    let z_openssl = run(
        "openssl",
        &[
            "pkeyutl",
            "-derive",
            "-inkey",
            &p(&peer),
            "-peerkey",
            &p(&our_der),
            "-peerform",
            "DER",
        ],
    );
    let z_ours = ours.agree(&spki[12..]).unwrap();
    assert_eq!(z_ours.expose(), &z_openssl[..]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn our_xml_elements_validate_against_the_schema() {
    if !require_tool("xmllint") {
        return;
    }
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/wstrust-ext.xsd");
    let keys = token_keys(1, 3);
    let policy = policy();
    let store = MemoryStore::new();
    let sts = Sts {
        keys: &keys,
        policy: &policy,
        store: &store,
    };
    let dir = scratch("xsd");
    let mut docs: Vec<String> = Vec::new();
    let (aw, _) = AsymmetricWrappedRequest::with_key("kp 1", client_key()).unwrap();
    let (dh, _) = DhRequest::new(DhGroup::Ffdhe2048).unwrap();
    for req in [aw, dh] {
        let mut w = Writer::new();
        kx::write_key_request_data(&mut w, &req.data);
        docs.push(w.finish().unwrap());
        let resp = sts.respond(&req, "device", now()).unwrap();
        let mut w = Writer::new();
        kx::write_key_response_data(&mut w, &resp.data);
        docs.push(w.finish().unwrap());
        let mut w = Writer::new();
        kx::write_master_token(&mut w, &resp.master_token, Some("mt-1"));
        docs.push(w.finish().unwrap());
    }
    // A document the schema must refuse (so the check can fail).
    docs.push(
        r#"<wsx:KeyRequestData xmlns:wsx="urn:wstrust:ext:2026"><wsx:Scheme>DH</wsx:Scheme></wsx:KeyRequestData>"#
            .to_owned(),
    );
    for (i, doc) in docs.iter().enumerate() {
        let file = dir.join(format!("{i}.xml"));
        std::fs::write(&file, doc).unwrap();
        let out = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&xsd)
            .arg(&file)
            .output()
            .unwrap();
        let ok = out.status.success();
        let invalid_case = i == docs.len() - 1;
        assert_eq!(
            ok,
            !invalid_case,
            "{doc}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(dir).ok();
}
