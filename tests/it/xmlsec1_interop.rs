//! Both ways with libxmlsec1 (`xmlsec1`): it verifies what we sign and decrypts what we
//! encrypt, and we verify and decrypt what it produces.

use std::path::PathBuf;
use std::process::Command;

use wstrust::crypto::{
    BlockCipher, DigestAlgorithm, HmacAlgorithm, OaepParams, RsaPrivateKey, SignatureAlgorithm,
};
use wstrust::pki::Certificate;
use wstrust::xml::{ns, Document, NodeId, Writer};
use wstrust::xmlsec::{
    decrypt_data, decrypt_key, sign, verify, write_encrypted_data, write_encrypted_key,
    EncryptedData, EncryptedKey, EncryptedType, KeyEncryptionKey, NoResolver, Policy,
    SignReference, Signature, SignatureMethod, SignatureSpec, SigningKey, VerificationKey,
};

use crate::support::{fixture, fixture_text, require_tool, shared};

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let d = std::env::temp_dir().join(format!(
            "wstrust-xmlsec1-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }
    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn xmlsec1(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (bool, Vec<u8>, String) {
    let mut c = Command::new("xmlsec1");
    for a in args {
        c.arg(a);
    }
    let out = c.output().expect("run xmlsec1");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pki(name: &str) -> PathBuf {
    shared().join("clients/pki").join(name)
}

const DOC: &str = concat!(
    "<Root xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">",
    "<Data wsu:Id=\"d1\">payload &amp; more <Inner xmlns=\"urn:inner\">x</Inner></Data>",
    "<Other Id=\"d2\" xml:lang=\"en\">second</Other>",
    "</Root>"
);

/// Our signature inserted before `</Root>`.
fn signed_by_us(method: SignatureMethod, digest: DigestAlgorithm, key: SigningKey<'_>) -> String {
    let doc = Document::parse(DOC.as_bytes()).unwrap();
    let d1 = doc.element_by_id("d1").unwrap().unwrap();
    let d2 = doc.element_by_id("d2").unwrap().unwrap();
    let refs = [
        SignReference {
            node: d1,
            uri: "#d1".into(),
            enveloped: false,
            prefixes: None,
        },
        SignReference {
            node: d2,
            uri: "#d2".into(),
            enveloped: false,
            prefixes: None,
        },
    ];
    let spec = SignatureSpec {
        method,
        digest,
        id: None,
    };
    let sig = sign(&doc, &refs, spec, key, None).unwrap();
    DOC.replace("</Root>", &format!("{sig}</Root>"))
}

#[test]
fn xmlsec1_verifies_our_rsa_signatures() {
    if !require_tool("xmlsec1") {
        return;
    }
    let key = RsaPrivateKey::from_pem(&fixture_text("clients/pki/client.key")).unwrap();
    for (alg, digest) in [
        (SignatureAlgorithm::RsaSha256, DigestAlgorithm::Sha256),
        (SignatureAlgorithm::RsaSha384, DigestAlgorithm::Sha384),
        (SignatureAlgorithm::RsaSha512, DigestAlgorithm::Sha512),
    ] {
        let xml = signed_by_us(SignatureMethod::Rsa(alg), digest, SigningKey::Rsa(&key));
        let s = Scratch::new("rsa");
        let f = s.file("signed.xml", xml.as_bytes());
        let (ok, _, err) = xmlsec1(&[
            &"--verify",
            &"--pubkey-cert-pem",
            &pki("client.pem"),
            &"--id-attr:Id",
            &"Data",
            &"--id-attr:Id",
            &"Other",
            &f,
        ]);
        assert!(ok, "{alg:?}: {err}\n{xml}");
        // And a tampered copy fails, so the check above can fail.
        let bad = s.file("bad.xml", xml.replace("second", "Second").as_bytes());
        let (ok, _, _) = xmlsec1(&[
            &"--verify",
            &"--pubkey-cert-pem",
            &pki("client.pem"),
            &"--id-attr:Id",
            &"Data",
            &"--id-attr:Id",
            &"Other",
            &bad,
        ]);
        assert!(!ok, "tampered document verified");
    }
}

#[test]
fn xmlsec1_verifies_our_hmac_signatures() {
    if !require_tool("xmlsec1") {
        return;
    }
    let key = [0x5au8; 32];
    for (alg, digest) in [
        (HmacAlgorithm::Sha1, DigestAlgorithm::Sha1),
        (HmacAlgorithm::Sha256, DigestAlgorithm::Sha256),
    ] {
        let xml = signed_by_us(SignatureMethod::Hmac(alg), digest, SigningKey::Hmac(&key));
        let s = Scratch::new("hmac");
        let k = s.file("key.bin", &key);
        let f = s.file("signed.xml", xml.as_bytes());
        let (ok, _, err) = xmlsec1(&[
            &"--verify",
            &"--hmackey",
            &k,
            &"--id-attr:Id",
            &"Data",
            &"--id-attr:Id",
            &"Other",
            &f,
        ]);
        assert!(ok, "{alg:?}: {err}");
        let wrong = s.file("wrong.bin", &[0x5bu8; 32]);
        let (ok, _, _) = xmlsec1(&[
            &"--verify",
            &"--hmackey",
            &wrong,
            &"--id-attr:Id",
            &"Data",
            &"--id-attr:Id",
            &"Other",
            &f,
        ]);
        assert!(!ok, "wrong hmac key verified");
    }
}

fn template(method_uri: &str, digest_uri: &str, key_info: &str) -> String {
    DOC.replace(
        "</Root>",
        &format!(
            concat!(
                "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                "<ds:SignatureMethod Algorithm=\"{m}\"/>",
                "<ds:Reference URI=\"#d1\"><ds:Transforms>",
                "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>",
                "<ds:DigestMethod Algorithm=\"{d}\"/><ds:DigestValue/></ds:Reference>",
                "<ds:Reference URI=\"#d2\"><ds:DigestMethod Algorithm=\"{d}\"/><ds:DigestValue/></ds:Reference>",
                "</ds:SignedInfo><ds:SignatureValue/>{k}</ds:Signature></Root>"
            ),
            m = method_uri,
            d = digest_uri,
            k = key_info
        ),
    )
}

fn verify_ours(xml: &[u8], key: VerificationKey<'_>) -> Vec<NodeId> {
    let doc = Document::parse(xml).unwrap();
    let sig_node = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::DS, "Signature"))
        .unwrap();
    let sig = Signature::read(&doc, sig_node, &Policy::default()).unwrap();
    let v = verify(&doc, &sig, key, &Policy::default(), &NoResolver).unwrap();
    v.signed_nodes().iter().map(|s| s.node()).collect()
}

#[test]
fn we_verify_xmlsec1_rsa_and_hmac_signatures() {
    if !require_tool("xmlsec1") {
        return;
    }
    let s = Scratch::new("theirs");
    let t = s.file(
        "rsa.xml",
        template(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>",
        )
        .as_bytes(),
    );
    let key_and_cert = format!(
        "{},{}",
        pki("client.key").display(),
        pki("client.pem").display()
    );
    let (ok, out, err) = xmlsec1(&[
        &"--sign",
        &"--privkey-pem",
        &key_and_cert,
        &"--id-attr:Id",
        &"Data",
        &"--id-attr:Id",
        &"Other",
        &t,
    ]);
    assert!(ok, "{err}");
    let cert = Certificate::from_pem(&fixture_text("clients/pki/client.pem")).unwrap();
    let covered = verify_ours(&out, VerificationKey::Rsa(cert.public_key()));
    assert_eq!(covered.len(), 2);

    let key = [0x11u8; 32];
    let k = s.file("key.bin", &key);
    let t = s.file(
        "hmac.xml",
        template(
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            "http://www.w3.org/2000/09/xmldsig#sha1",
            "",
        )
        .as_bytes(),
    );
    let (ok, out, err) = xmlsec1(&[
        &"--sign",
        &"--hmackey",
        &k,
        &"--id-attr:Id",
        &"Data",
        &"--id-attr:Id",
        &"Other",
        &t,
    ]);
    assert!(ok, "{err}");
    assert_eq!(verify_ours(&out, VerificationKey::Hmac(&key)).len(), 2);
}

/// An EncryptedData (element type) with an EncryptedKey for `rp` inside its KeyInfo.
fn encrypted_by_us(cipher: BlockCipher) -> (String, Vec<u8>) {
    let rp = Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap();
    let plaintext = b"<Secret xmlns=\"urn:s\">top &amp; secret</Secret>".to_vec();
    let content_key = wstrust::crypto::random_bytes(cipher.key_len()).unwrap();
    let mut w = Writer::new();
    let ki = |w: &mut Writer| {
        write_encrypted_key(
            w,
            None,
            &content_key,
            rp.public_key(),
            &OaepParams::sha1(),
            None,
            &[],
        )
        .unwrap();
    };
    write_encrypted_data(
        &mut w,
        Some("ed1"),
        EncryptedType::Element,
        cipher,
        &content_key,
        &plaintext,
        Some(&ki),
    )
    .unwrap();
    (w.finish().unwrap(), plaintext)
}

#[test]
fn xmlsec1_decrypts_what_we_encrypt_cbc_and_gcm() {
    if !require_tool("xmlsec1") {
        return;
    }
    for cipher in [
        BlockCipher::Aes128Cbc,
        BlockCipher::Aes256Cbc,
        BlockCipher::Aes128Gcm,
        BlockCipher::Aes256Gcm,
    ] {
        let (xml, plaintext) = encrypted_by_us(cipher);
        let s = Scratch::new("dec");
        let f = s.file("enc.xml", format!("<Doc>{xml}</Doc>").as_bytes());
        let (ok, out, err) = xmlsec1(&[&"--decrypt", &"--privkey-pem", &pki("rp.key"), &f]);
        assert!(ok, "{cipher:?}: {err}");
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains(std::str::from_utf8(&plaintext).unwrap()),
            "{cipher:?}: {out}"
        );
    }
}

fn decrypt_ours(xml: &[u8], key: &RsaPrivateKey) -> Vec<u8> {
    let doc = Document::parse(xml).unwrap();
    let find = |local: &str| {
        doc.descendants_or_self(doc.root())
            .find(|n| doc.is(*n, ns::XENC, local))
            .unwrap()
    };
    let ed = EncryptedData::read(&doc, find("EncryptedData")).unwrap();
    let ek = EncryptedKey::read(&doc, find("EncryptedKey")).unwrap();
    let k = decrypt_key(&ek, KeyEncryptionKey::Rsa(key), &Policy::default()).unwrap();
    decrypt_data(&ed, k.expose(), &Policy::default())
        .unwrap()
        .expose()
        .to_vec()
}

#[test]
fn we_decrypt_what_xmlsec1_encrypts() {
    let rp = RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap();
    // The recorded one (xmlsec1 1.2.37, AES-256-CBC + RSA-OAEP).
    let plain = decrypt_ours(
        &fixture("clients/requests/xmlsec1-encrypteddata-for-rp.xml"),
        &rp,
    );
    assert!(!plain.is_empty());
    if !require_tool("xmlsec1") {
        return;
    }
    // Fresh ones, CBC and GCM.
    for method in [
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        "http://www.w3.org/2009/xmlenc11#aes128-gcm",
        "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    ] {
        let s = Scratch::new("enc");
        let tmpl = format!(
            concat!(
                "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Type=\"http://www.w3.org/2001/04/xmlenc#Content\">",
                "<xenc:EncryptionMethod Algorithm=\"{m}\"/>",
                "<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><xenc:EncryptedKey>",
                "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"/>",
                "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>",
                "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"
            ),
            m = method
        );
        let t = s.file("tmpl.xml", tmpl.as_bytes());
        let data = s.file("data.txt", b"binary payload \x00\x01\x02 end");
        let size = if method.contains("128") {
            "aes-128"
        } else {
            "aes-256"
        };
        let (ok, out, err) = xmlsec1(&[
            &"--encrypt",
            &"--pubkey-cert-pem",
            &pki("rp.pem"),
            &"--session-key",
            &size,
            &"--binary-data",
            &data,
            &t,
        ]);
        assert!(ok, "{method}: {err}");
        assert_eq!(
            decrypt_ours(&out, &rp),
            b"binary payload \x00\x01\x02 end",
            "{method}"
        );
    }
}

#[test]
fn our_own_round_trip_is_not_enough_but_holds() {
    // Sanity: what we encrypt we decrypt (the xmlsec1 tests above are the real proof).
    let rp = RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap();
    let (xml, plaintext) = encrypted_by_us(BlockCipher::Aes256Gcm);
    assert_eq!(decrypt_ours(xml.as_bytes(), &rp), plaintext);
}
