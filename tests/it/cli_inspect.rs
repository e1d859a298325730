//! `wstrust inspect` on the documents a user is likely to hold besides WS-Trust messages
//! (issue 17): a bare `xenc:EncryptedData` / `xenc:EncryptedKey` (xmlsec1's, decrypted only
//! with the recipient's key), the AD FS MEX documents recorded for ADAL and MSAL.NET, a signed
//! SAML assertion (verified only with the certificate given), and our own
//! `/adfs/services/trust/mex` and `/FederationMetadata/2007-06/FederationMetadata.xml`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use wstrust::pki::Certificate;

use crate::server_support::{data_dir, get, load, start};
use crate::support::{fixture_text, shared};

fn inspect(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .arg("inspect")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `inspect` must succeed and print every line fragment of `expect`.
fn explains(args: &[&str], expect: &[&str]) -> String {
    let (ok, out, err) = inspect(args);
    assert!(ok, "{args:?}: {err}");
    for e in expect {
        assert!(out.contains(e), "{args:?}: `{e}` missing in\n{out}");
    }
    out
}

fn fx(rel: &str) -> String {
    shared().join(rel).to_str().unwrap().to_owned()
}

fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "wstrust-cli-inspect-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn inspect_explains_a_bare_encrypted_data_and_decrypts_only_with_the_key() {
    let file = fx("clients/requests/xmlsec1-encrypteddata-for-rp.xml");
    let common = [
        "XML Encryption EncryptedData: an encrypted element",
        "content encryption: AES-256-CBC",
        "key info: an embedded EncryptedKey",
        "key transport: RSA-OAEP (MGF1 with SHA-1)",
        "cipher data: 256 bytes (for RSA: a 2048-bit key-encryption key)",
        "cipher data: 80 bytes of CipherValue (64 bytes of ciphertext besides the IV/tag)",
    ];
    let out = explains(&[&file], &common);
    assert!(
        out.contains("not decrypted (give the recipient's key with --key"),
        "{out}"
    );
    assert!(
        !out.contains("urn:envelope"),
        "nothing of the plaintext without a key"
    );

    // The recipient's key opens it; another key does not.
    let key = fx("clients/pki/rp.key");
    let out = explains(&[&file, "--key", &key], &common);
    assert!(
        out.contains("opened with --key #1: 32 bytes"),
        "the AES-256 content key: {out}"
    );
    assert!(
        out.contains(
            "decrypted with the EncryptedKey opened with --key #1: 48 bytes of plaintext, \
             an element {urn:envelope}Data"
        ),
        "{out}"
    );
    let other = fx("clients/pki/client.key");
    let out = explains(&[&file, "--key", &other], &common);
    assert!(out.contains("not decrypted with the keys given"), "{out}");
    assert!(out.contains("not opened with the keys given"), "{out}");

    // The EncryptedKey alone (as a user cuts it out of the message).
    let text = fixture_text("clients/requests/xmlsec1-encrypteddata-for-rp.xml");
    let start = text.find("<EncryptedKey").unwrap();
    let end = text.find("</EncryptedKey>").unwrap() + "</EncryptedKey>".len();
    let dir = scratch();
    let ek = dir.join("encrypted-key.xml");
    std::fs::write(&ek, &text[start..end]).unwrap();
    explains(
        &[s(&ek)],
        &[
            "XML Encryption EncryptedKey",
            "key transport: RSA-OAEP (MGF1 with SHA-1)",
            "key info: none (the recipient must know the key)",
            "cipher data: 256 bytes",
            "not opened (give the recipient's key with --key)",
        ],
    );
    explains(
        &[s(&ek), "--key", &key],
        &["opened with --key #1: 32 bytes"],
    );

    // Recipient hints, external references and attacker text: shown on one line each,
    // nothing fetched.
    let hostile = dir.join("hostile.xml");
    std::fs::write(
        &hostile,
        "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" \
         xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"k1\" \
         Recipient=\"rp&#10;  decrypted with --key #1: 999 bytes\">\
         <xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\">\
         <ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>\
         </xenc:EncryptionMethod>\
         <ds:KeyInfo><ds:KeyName>rp-2026</ds:KeyName>\
         <ds:RetrievalMethod URI=\"http://attacker.example/key\"/></ds:KeyInfo>\
         <xenc:CipherData><xenc:CipherReference URI=\"http://attacker.example/c\"/></xenc:CipherData>\
         <xenc:ReferenceList><xenc:DataReference URI=\"#ed1\"/></xenc:ReferenceList>\
         <xenc:CarriedKeyName>session</xenc:CarriedKeyName></xenc:EncryptedKey>",
    )
    .unwrap();
    let out = explains(
        &[s(&hostile)],
        &[
            "XML Encryption EncryptedKey #k1",
            "key transport: RSA-OAEP (MGF1 with SHA-1), digest SHA-1",
            "recipient hint: rp decrypted with --key #1: 999 bytes",
            "carried key name: session",
            "key info: KeyName rp-2026",
            "key info: RetrievalMethod http://attacker.example/key (never fetched)",
            "CipherReference http://attacker.example/c (external, never fetched)",
            "decrypts: #ed1",
        ],
    );
    assert!(
        !out.lines()
            .any(|l| l.trim_start().starts_with("decrypted with")),
        "a forged line: {out}"
    );
}

#[test]
fn inspect_explains_the_recorded_adfs_mex_documents() {
    for (name, host) in [
        (
            "wstrust/adfs-adal/common.mex.xml",
            "https://adfs.federatedtenant.com",
        ),
        (
            "wstrust/adfs-msal-dotnet/TestMex.xml",
            "https://msft.sts.microsoft.com",
        ),
    ] {
        explains(
            &[&fx(name)],
            &[
                "WSDL SecurityTokenService",
                "UserNameWSTrustBinding_IWSTrust13Async_policy: username and password: \
                 transport binding (HTTPS); SignedEncryptedSupportingTokens: UsernameToken",
                "CertificateWSTrustBinding_IWSTrust13Async_policy: client certificate: \
                 transport binding (HTTPS); EndorsingSupportingTokens: X509Token, \
                 KeyValueToken (optional)",
                "UserNameWSTrustBinding_IWSTrust13Async: SOAP 1.2, policy \
                 UserNameWSTrustBinding_IWSTrust13Async_policy, actions \
                 http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
                &format!(
                    "CustomBinding_IWSTrust13Async1: {host}/adfs/services/trust/13/windowstransport, \
                     Windows integrated (Kerberos), WS-Trust 1.3"
                ),
                &format!(
                    "{host}/adfs/services/trust/2005/certificatemixed, client certificate, \
                     WS-Trust 2005, SOAP 1.2"
                ),
                "issued token",
                &format!(
                    "MSAL/ADAL username/password would use: \
                     {host}/adfs/services/trust/13/usernamemixed (WS-Trust 1.3)"
                ),
            ],
        );
    }
    // MSAL.NET's third-party document: a WSDL inside an envelope of no SOAP version.
    explains(
        &[&fx("wstrust/adfs-msal-dotnet/TestMex3rdParty.xml")],
        &["WSDL SecurityTokenService", "endpoints:"],
    );
}

#[test]
fn inspect_explains_signed_documents_and_verifies_only_with_the_certificate_given() {
    use wstrust::crypto::RsaPrivateKey;
    use wstrust::xml::{Document, Writer};
    use wstrust::xmlsec::{self, SignReference, SignatureSpec, SigningKey};

    // A document signed by the recording PKI's STS key (RSA-2048), the certificate in
    // KeyInfo.
    let unsigned = "<r xmlns=\"urn:example\"><a Id=\"a1\">hello</a></r>";
    let doc = Document::parse(unsigned.as_bytes()).unwrap();
    let key = RsaPrivateKey::from_pem(&fixture_text("clients/pki/sts.key")).unwrap();
    let cert = Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap();
    let b64 = xmlsec::base64_encode(cert.der());
    let ki = |w: &mut Writer| {
        w.start(wstrust::xml::ns::DS, "X509Data");
        w.element_text(wstrust::xml::ns::DS, "X509Certificate", &b64);
        w.end();
    };
    let a = doc.element_by_id("a1").unwrap().unwrap();
    let refs = [SignReference {
        node: a,
        uri: "#a1".into(),
        enveloped: false,
        prefixes: None,
    }];
    let sig = xmlsec::sign(
        &doc,
        &refs,
        SignatureSpec::default(),
        SigningKey::Rsa(&key),
        Some(&ki),
    )
    .unwrap();
    let signed = unsigned.replace("</r>", &format!("{sig}</r>"));
    let dir = scratch();
    let file = dir.join("signed.xml");
    std::fs::write(&file, &signed).unwrap();
    let expect = [
        "a signed document (r, 1 signature)",
        "Signature (inside r)",
        "canonicalization: exclusive c14n",
        "signature method: RSA-SHA256",
        "signs element a #a1; transforms: exclusive c14n; digest SHA-256",
        "key info: certificate CN=interop-sts",
    ];
    let out = explains(&[s(&file)], &expect);
    assert!(
        out.contains("not verified (give the signer's certificate with --cert)"),
        "the certificate in KeyInfo alone proves nothing: {out}"
    );
    let sts = fx("clients/pki/sts.pem");
    let out = explains(&[s(&file), "--cert", &sts], &expect);
    assert!(out.contains("verified with --cert CN=interop-sts"), "{out}");
    assert!(!out.contains("NOT verify"), "{out}");
    let other = fx("clients/pki/client.pem");
    let out = explains(&[s(&file), "--cert", &other], &expect);
    assert!(out.contains("does NOT verify with the keys given"), "{out}");
    let tampered = dir.join("tampered.xml");
    std::fs::write(&tampered, signed.replace(">hello<", ">hellp<")).unwrap();
    let out = explains(&[s(&tampered), "--cert", &sts], &expect);
    assert!(
        out.contains("does NOT verify with the keys given (digest mismatch"),
        "{out}"
    );

    // Okta's SAML assertion: read and described; its 1024-bit key is one this library
    // refuses, which is said as such.
    let okta = fx("xmldsig/real-world-exc-c14n/signature_with_inclusivenamespaces.xml");
    let okta_cert = fx("xmldsig/real-world-exc-c14n/signature_with_inclusivenamespaces.pem");
    let expect = [
        "a signed document (Assertion, 1 signature)",
        "signature method: RSA-SHA1",
        "signs element Assertion #id8132302868541019755414121; transforms: enveloped \
         signature, exclusive c14n; digest SHA-1",
        "key info: certificate C=US, ST=California, L=San Francisco, O=Okta",
        "valid 2013-08-03T21:38:38Z to 2043-08-03T21:39:38Z",
    ];
    let out = explains(&[&okta, "--cert", &okta_cert], &expect);
    assert!(
        out.contains("not verified: the key given is refused by this library's policy"),
        "{out}"
    );
}

#[test]
fn inspect_explains_our_adfs_mex_and_signed_federation_metadata() {
    let dir = data_dir("inspect-md");
    let cfg = dir.path().join(wstrust::config::datadir::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "issuer = ",
        "public_url = \"https://sts.example.test\"\nissuer = ",
    );
    std::fs::write(&cfg, text).unwrap();
    let server = start(load(dir.path()));
    let work = scratch();

    let mex = work.join("mex.xml");
    let r = get(server.addr(), "/adfs/services/trust/mex");
    assert_eq!(r.status, 200);
    std::fs::write(&mex, &r.body).unwrap();
    let out = explains(
        &[s(&mex)],
        &[
            "endpoints: 4",
            "UserNameWSTrustBinding_IWSTrust13Async: \
             https://sts.example.test/adfs/services/trust/13/usernamemixed, username and \
             password, WS-Trust 1.3, SOAP 1.2",
            "CertificateWSTrustBinding_IWSTrust13Async: \
             https://sts.example.test/adfs/services/trust/13/certificatemixed, client \
             certificate, WS-Trust 1.3, SOAP 1.2",
            "CertificateWSTrustBinding_IWSTrustFeb2005Async: \
             https://sts.example.test/adfs/services/trust/2005/certificatemixed, client \
             certificate, WS-Trust 2005, SOAP 1.2",
            "MSAL/ADAL username/password would use: \
             https://sts.example.test/adfs/services/trust/13/usernamemixed (WS-Trust 1.3)",
        ],
    );
    assert!(
        !out.contains("Kerberos") && !out.contains("issued token"),
        "{out}"
    );

    let md = work.join("FederationMetadata.xml");
    let r = get(
        server.addr(),
        "/FederationMetadata/2007-06/FederationMetadata.xml",
    );
    assert_eq!(r.status, 200);
    std::fs::write(&md, &r.body).unwrap();
    let sts_pem = dir.path().join("pki/sts.pem");
    let sts = Certificate::from_pem(&std::fs::read_to_string(&sts_pem).unwrap()).unwrap();
    let thumb = format!("SHA-1 thumbprint {}", hex(sts.thumbprint_sha1()));
    let expect = [
        "federation metadata: entity urn:wstrust:dev-sts",
        "Signature (inside EntityDescriptor)",
        "signature method: RSA-SHA256",
        "transforms: enveloped signature, exclusive c14n; digest SHA-256",
        "role RoleDescriptor (SecurityTokenServiceType)",
        "key for signing: 1 certificate(s)",
        "certificate O=wstrust development, CN=wstrust STS",
        "issued by O=wstrust development, CN=wstrust development CA",
        &thumb,
        "token types offered: urn:oasis:names:tc:SAML:2.0:assertion, \
         urn:oasis:names:tc:SAML:1.0:assertion",
        "SecurityTokenServiceEndpoint: \
         https://sts.example.test/adfs/services/trust/2005/certificatemixed (metadata: \
         https://sts.example.test/adfs/services/trust/mex)",
        "SecurityTokenServiceEndpoint: https://sts.example.test/sts (metadata: \
         https://sts.example.test/sts/mex)",
    ];
    let out = explains(&[s(&md)], &expect);
    assert!(
        out.contains("not verified (give the signer's certificate"),
        "{out}"
    );
    let out = explains(&[s(&md), "--cert", s(&sts_pem)], &expect);
    assert!(
        out.contains("verified with --cert O=wstrust development, CN=wstrust STS"),
        "{out}"
    );
    // A tampered copy: explained, and said not to verify.
    let tampered = work.join("tampered.xml");
    std::fs::write(
        &tampered,
        r.text().replace(
            "https://sts.example.test/sts<",
            "https://attacker.example/sts<",
        ),
    )
    .unwrap();
    let out = explains(&[s(&tampered), "--cert", s(&sts_pem)], &expect[..4]);
    assert!(out.contains("does NOT verify with the keys given"), "{out}");
}

#[test]
fn inspect_refuses_what_it_does_not_know() {
    let dir = scratch();
    let f = dir.join("other.xml");
    std::fs::write(&f, "<html><body>hello</body></html>").unwrap();
    let (ok, _, err) = inspect(&[s(&f)]);
    assert!(!ok);
    assert!(err.contains("not a document inspect knows"), "{err}");
}
