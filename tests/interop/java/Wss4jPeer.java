// Apache WSS4J 1.6 (Debian libwss4j-java) on Apache Santuario 2.1 playing the requester against
// wstrust: it secures a WS-Trust request the way a CXF 2.x client does, and it checks our
// response the way that client would. tests/it/interop_wss4j.rs compiles and drives it.
//
//   request  PKI TEMPLATE OUT SIGALG ENC       secure an unsigned envelope (Timestamp, BST,
//                                              signature over Body + Timestamp, then the Body
//                                              content encrypted for sts.pem unless ENC=none);
//                                              prints signature-value=BASE64
//   response PKI REQUEST RESPONSE ENTROPY      process the response's security header (STS
//                                              signature, timestamp, SignatureConfirmation),
//                                              read the proof key (EncryptedKey for client.pem,
//                                              or CK/PSHA1 from ENTROPY and the server entropy);
//                                              prints facts as key=value lines
//   symmetric-request PKI TEMPLATE OUT ORDER DERIVED SIGALG
//                                              the WS-SecurityPolicy SymmetricBinding with an
//                                              X509 protection token, as CXF 2.x builds it on
//                                              WSS4J 1.6: a random key K in an EncryptedKey for
//                                              sts.pem, a UsernameToken (alice, PasswordText),
//                                              an HMAC signature (SIGALG hmac-sha1|hmac-sha256)
//                                              over Body, Timestamp, MessageID and the
//                                              UsernameToken, the Body content encrypted
//                                              (AES-256-CBC); with K itself (DERIVED=none) or
//                                              DerivedKeyTokens over the EncryptedKey
//                                              (DERIVED=sc13|sc2005); ORDER encrypt-then-sign or
//                                              sign-then-encrypt (the Signature encrypted too);
//                                              prints signature-value, key (K, base64), ek-sha1
//   symmetric-response PKI REQUEST RESPONSE KEY EKSHA1 SIGVALUE
//                                              process a reply signed and encrypted with K (or
//                                              a DerivedKeyToken over it), which WSS4J resolves
//                                              only for the EncryptedKeySHA1 EKSHA1; checks the
//                                              Body and SignatureConfirmation are signed, the
//                                              confirmation echoes the request's signature;
//                                              prints the proof key (BinarySecret) and the key
//                                              the service reads from the SCT
//
// PKI is the folder with ca.pem, client.pem/key, sts.pem, rp.pem/key (PEM, keys PKCS#8).
// Exit status 0 = every check passed; otherwise the failed check is printed on stderr.

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.apache.ws.security.WSConstants;
import org.apache.ws.security.WSDataRef;
import org.apache.ws.security.WSDocInfo;
import org.apache.ws.security.WSEncryptionPart;
import org.apache.ws.security.WSPasswordCallback;
import org.apache.ws.security.WSSConfig;
import org.apache.ws.security.WSSecurityEngine;
import org.apache.ws.security.WSSecurityEngineResult;
import org.apache.ws.security.components.crypto.Merlin;
import org.apache.ws.security.conversation.dkalgo.P_SHA1;
import org.apache.ws.security.handler.RequestData;
import org.apache.ws.security.message.WSSecEncrypt;
import org.apache.ws.security.message.WSSecEncryptedKey;
import org.apache.ws.security.message.WSSecUsernameToken;
import org.apache.ws.security.message.WSSecHeader;
import org.apache.ws.security.message.WSSecSignature;
import org.apache.ws.security.message.WSSecTimestamp;
import org.apache.ws.security.message.token.SignatureConfirmation;
import org.apache.ws.security.processor.EncryptedKeyProcessor;
import org.apache.xml.security.signature.XMLSignature;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

public final class Wss4jPeer {
    static final String PASSWORD = "interop";
    static final String DS = "http://www.w3.org/2000/09/xmldsig#";
    static final String XENC = "http://www.w3.org/2001/04/xmlenc#";
    static final String WSU = WSConstants.WSU_NS;
    static final String WSC13 = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512";
    static final String WSX = "urn:wstrust:ext:2026";
    static final String[] TRUST = {
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
        "http://schemas.xmlsoap.org/ws/2005/02/trust",
    };

    private Wss4jPeer() {}

    public static void main(String[] args) throws Exception {
        WSSConfig.init();
        org.apache.xml.security.Init.init();
        try {
            switch (args[0]) {
                case "request":
                    request(new File(args[1]), new File(args[2]), new File(args[3]), args[4], args[5]);
                    break;
                case "symmetric-request":
                    symmetricRequest(new File(args[1]), new File(args[2]), new File(args[3]), args[4],
                        args[5], args[6]);
                    break;
                case "symmetric-response":
                    symmetricResponse(new File(args[1]), new File(args[2]), new File(args[3]),
                        Base64.getDecoder().decode(args[4]), args[5], Base64.getDecoder().decode(args[6]));
                    break;
                case "response":
                    response(new File(args[1]), new File(args[2]), new File(args[3]), args[4],
                        args.length > 5 ? args[5] : "");
                    break;
                default:
                    throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } catch (Exception e) {
            System.err.println("FAILED: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    // ---- keys ---------------------------------------------------------------------------

    static X509Certificate cert(File pki, String name) throws Exception {
        byte[] pem = Files.readAllBytes(new File(pki, name + ".pem").toPath());
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem));
    }

    static PrivateKey key(File pki, String name) throws Exception {
        String pem = new String(Files.readAllBytes(new File(pki, name + ".key").toPath()),
            StandardCharsets.US_ASCII);
        if (!pem.contains("BEGIN PRIVATE KEY")) {
            throw new IllegalStateException(name + ".key is not PKCS#8");
        }
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    /** A crypto holding `owner`'s private key (if any) and trusting ca, sts, client and rp. */
    static Merlin crypto(File pki, String owner) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (String c : new String[] {"ca", "sts", "client", "rp"}) {
            if (!c.equals(owner)) {
                ks.setCertificateEntry(c, cert(pki, c));
            }
        }
        if (owner != null) {
            ks.setKeyEntry(owner, key(pki, owner), PASSWORD.toCharArray(),
                new java.security.cert.Certificate[] {cert(pki, owner)});
        }
        Merlin m = new Merlin();
        m.setKeyStore(ks);
        m.setTrustStore(ks);
        return m;
    }

    static final CallbackHandler PASSWORDS = secrets(null);

    /** Key-store passwords, and the request's ephemeral key for a reply encrypted under it
     * (named by EncryptedKeySHA1, which WSS4J resolves through this callback). */
    static CallbackHandler secrets(byte[] ephemeral) {
        return (Callback[] callbacks) -> {
            for (Callback c : callbacks) {
                if (c instanceof WSPasswordCallback) {
                    WSPasswordCallback pc = (WSPasswordCallback) c;
                    pc.setPassword(PASSWORD);
                    if (ephemeral != null) {
                        pc.setKey(ephemeral);
                    }
                }
            }
        };
    }

    // ---- XML ----------------------------------------------------------------------------

    static Document parse(File f) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return dbf.newDocumentBuilder().parse(f);
    }

    static void write(Document d, File f) throws Exception {
        javax.xml.transform.Transformer t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(javax.xml.transform.OutputKeys.OMIT_XML_DECLARATION, "yes");
        try (OutputStream out = new FileOutputStream(f)) {
            t.transform(new DOMSource(d), new StreamResult(out));
        }
    }

    static List<Element> all(Node root, String ns, String local) {
        List<Element> out = new ArrayList<>();
        NodeList l = root instanceof Document
            ? ((Document) root).getElementsByTagNameNS(ns, local)
            : ((Element) root).getElementsByTagNameNS(ns, local);
        for (int i = 0; i < l.getLength(); i++) {
            out.add((Element) l.item(i));
        }
        return out;
    }

    static Element one(Node root, String ns, String local) {
        List<Element> l = all(root, ns, local);
        if (l.size() != 1) {
            throw new IllegalStateException("expected one {" + ns + "}" + local + ", found " + l.size());
        }
        return l.get(0);
    }

    static Element oneTrust(Node root, String local) {
        for (String ns : TRUST) {
            List<Element> l = all(root, ns, local);
            if (l.size() == 1) {
                return l.get(0);
            }
        }
        return null;
    }

    static Element child(Element parent, String ns, String local) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && ns.equals(n.getNamespaceURI()) && local.equals(n.getLocalName())) {
                return (Element) n;
            }
        }
        return null;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("check failed: " + what);
        }
    }

    // ---- request ------------------------------------------------------------------------

    static void request(File pki, File template, File out, String sigAlg, String enc) throws Exception {
        Document doc = parse(template);
        Merlin client = crypto(pki, "client");
        String soapNs = doc.getDocumentElement().getNamespaceURI();

        WSSecHeader header = new WSSecHeader();
        header.setMustUnderstand(true);
        header.insertSecurityHeader(doc);

        WSSecTimestamp ts = new WSSecTimestamp();
        ts.setTimeToLive(300);
        ts.build(doc, header);

        WSSecSignature sig = new WSSecSignature();
        sig.setUserInfo("client", PASSWORD);
        sig.setKeyIdentifierType(WSConstants.BST_DIRECT_REFERENCE);
        if (sigAlg.equals("rsa-sha256")) {
            sig.setSignatureAlgorithm("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
            sig.setDigestAlgo("http://www.w3.org/2001/04/xmlenc#sha256");
        } else {
            sig.setSignatureAlgorithm("http://www.w3.org/2000/09/xmldsig#rsa-sha1");
            sig.setDigestAlgo("http://www.w3.org/2000/09/xmldsig#sha1");
        }
        List<WSEncryptionPart> parts = new ArrayList<>();
        parts.add(new WSEncryptionPart(WSConstants.ELEM_BODY, soapNs, ""));
        parts.add(new WSEncryptionPart("Timestamp", WSU, ""));
        sig.setParts(parts);
        sig.build(doc, client, header);

        if (!enc.equals("none")) {
            WSSecEncrypt e = new WSSecEncrypt();
            e.setUserInfo("sts");
            e.setKeyIdentifierType(WSConstants.ISSUER_SERIAL);
            e.setKeyEnc(WSConstants.KEYTRANSPORT_RSAOEP);
            e.setSymmetricEncAlgorithm(enc.equals("aes128") ? WSConstants.AES_128 : WSConstants.AES_256);
            List<WSEncryptionPart> encParts = new ArrayList<>();
            encParts.add(new WSEncryptionPart(WSConstants.ELEM_BODY, soapNs, "Content"));
            e.setParts(encParts);
            e.build(doc, client, header);
            System.out.println("ephemeral-key=" + Base64.getEncoder().encodeToString(e.getEphemeralKey()));
        }
        write(doc, out);
        System.out.println("signature-value=" + Base64.getEncoder().encodeToString(sig.getSignatureValue()));
    }

    // ---- the symmetric binding (X509 protection token) ------------------------------------

    static final String USER = "alice";
    static final String USER_PASSWORD = "secret";

    static void symmetricRequest(File pki, File template, File out, String order, String derived,
            String sigAlg) throws Exception {
        Document doc = parse(template);
        Merlin crypto = crypto(pki, null);
        String soapNs = doc.getDocumentElement().getNamespaceURI();
        boolean signFirst = order.equals("sign-then-encrypt");
        check(signFirst || order.equals("encrypt-then-sign"), "ORDER is known");
        check(Arrays.asList("none", "sc13", "sc2005").contains(derived), "DERIVED is known");
        final int wsc = derived.equals("sc13")
            ? org.apache.ws.security.conversation.ConversationConstants.VERSION_05_12
            : derived.equals("sc2005")
                ? org.apache.ws.security.conversation.ConversationConstants.VERSION_05_02
                : 0;
        String hmac = sigAlg.equals("hmac-sha256")
            ? "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
            : WSConstants.HMAC_SHA1;
        String digest = sigAlg.equals("hmac-sha256")
            ? "http://www.w3.org/2001/04/xmlenc#sha256"
            : "http://www.w3.org/2000/09/xmldsig#sha1";

        WSSecHeader header = new WSSecHeader();
        header.setMustUnderstand(true);
        header.insertSecurityHeader(doc);
        Element sec = header.getSecurityHeader();

        WSSecTimestamp ts = new WSSecTimestamp();
        ts.setTimeToLive(300);
        ts.build(doc, header);

        // The protection token: K (AES-256 sized, Basic256) for the STS certificate, as
        // CXF's SymmetricBindingHandler makes it for an X509Token protection token.
        WSSecEncryptedKey ek = new WSSecEncryptedKey();
        ek.setUserInfo("sts");
        ek.setKeyIdentifierType(WSConstants.ISSUER_SERIAL);
        ek.setKeyEncAlgo(WSConstants.KEYTRANSPORT_RSAOEP);
        ek.setSymmetricEncAlgorithm(WSConstants.AES_256);
        ek.prepare(doc, crypto);
        ek.appendToHeader(header);
        byte[] k = ek.getEphemeralKey();
        String ekId = ek.getId();

        // The signed supporting token.
        WSSecUsernameToken ut = new WSSecUsernameToken();
        ut.setPasswordType(WSConstants.PASSWORD_TEXT);
        ut.setUserInfo(USER, USER_PASSWORD);
        ut.addNonce();
        ut.addCreated();
        ut.prepare(doc);
        ut.appendToHeader(header);

        List<WSEncryptionPart> sigParts = new ArrayList<>();
        sigParts.add(new WSEncryptionPart(WSConstants.ELEM_BODY, soapNs, ""));
        sigParts.add(new WSEncryptionPart("Timestamp", WSU, ""));
        sigParts.add(new WSEncryptionPart("MessageID", "http://www.w3.org/2005/08/addressing", ""));
        sigParts.add(new WSEncryptionPart(ut.getId()));

        List<Element> dkts = new ArrayList<>();
        Element[] sigEl = new Element[1];
        byte[][] sigValue = new byte[1][];
        // The signature: K itself, KeyInfo -> STR -> Reference #EK (ValueType EncryptedKey),
        // or a DerivedKeyToken over the EncryptedKey.
        Runnable sign = () -> {
            try {
                if (wsc == 0) {
                    WSSecSignature sig = new WSSecSignature();
                    sig.setKeyIdentifierType(WSConstants.CUSTOM_SYMM_SIGNING);
                    sig.setCustomTokenId(ekId);
                    sig.setCustomTokenValueType(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
                    sig.setSecretKey(k);
                    sig.setSignatureAlgorithm(hmac);
                    sig.setDigestAlgo(digest);
                    sig.prepare(doc, crypto, header);
                    List<javax.xml.crypto.dsig.Reference> refs = sig.addReferencesToSign(sigParts, header);
                    sig.computeSignature(refs, false, null);
                    sigEl[0] = sig.getSignatureElement();
                    sigValue[0] = sig.getSignatureValue();
                } else {
                    org.apache.ws.security.message.WSSecDKSign sig =
                        new org.apache.ws.security.message.WSSecDKSign();
                    sig.setWscVersion(wsc);
                    sig.setExternalKey(k, ekId);
                    sig.setCustomValueType(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
                    sig.setSignatureAlgorithm(hmac);
                    sig.setDigestAlgorithm(digest);
                    sig.setDerivedKeyLength(sigAlg.equals("hmac-sha256") ? 32 : 24);
                    sig.prepare(doc, header);
                    sig.setParts(sigParts);
                    List<javax.xml.crypto.dsig.Reference> refs = sig.addReferencesToSign(sigParts, header);
                    sig.computeSignature(refs, false, null);
                    sig.appendDKElementToHeader(header);
                    dkts.add(sig.getdktElement());
                    sigEl[0] = sig.getSignatureElement();
                    sigValue[0] = sig.getSignatureValue();
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
        // The encryption: Body content (and, signed first, the Signature) with K or a
        // DerivedKeyToken over the EncryptedKey; the ReferenceList in the header.
        java.util.function.Function<List<WSEncryptionPart>, Element> encrypt = parts -> {
            try {
                if (wsc == 0) {
                    WSSecEncrypt enc = new WSSecEncrypt();
                    enc.setEncKeyId(ekId);
                    enc.setEphemeralKey(k);
                    enc.setEncryptSymmKey(false);
                    enc.setSymmetricEncAlgorithm(WSConstants.AES_256);
                    enc.setCustomReferenceValue(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
                    enc.prepare(doc, crypto);
                    return enc.encryptForRef(null, parts);
                }
                org.apache.ws.security.message.WSSecDKEncrypt enc =
                    new org.apache.ws.security.message.WSSecDKEncrypt();
                enc.setWscVersion(wsc);
                enc.setExternalKey(k, ekId);
                enc.setCustomValueType(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
                enc.setSymmetricEncAlgorithm(WSConstants.AES_256);
                enc.setDerivedKeyLength(32);
                enc.prepare(doc);
                Element refList = enc.encryptForExternalRef(null, parts);
                enc.appendDKElementToHeader(header);
                dkts.add(enc.getdktElement());
                return refList;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
        List<WSEncryptionPart> encParts = new ArrayList<>();
        encParts.add(new WSEncryptionPart(WSConstants.ELEM_BODY, soapNs, "Content"));
        Element refList;
        Element last;
        if (signFirst) {
            sign.run();
            String sigId = sigEl[0].getAttributeNS(null, "Id");
            check(!sigId.isEmpty(), "the Signature has an Id");
            encParts.add(new WSEncryptionPart(sigId, "Element"));
            refList = encrypt.apply(encParts);
            // The Signature, encrypted in place: its EncryptedData.
            last = (Element) all(sec, XENC, "EncryptedData").get(0);
        } else {
            refList = encrypt.apply(encParts);
            sign.run();
            last = sigEl[0];
        }
        // The header in processing order, as CXF lays it out: Timestamp, the protection token,
        // the derived keys, the supporting token, then the last protection applied before
        // the first (encrypt-then-sign: Signature, ReferenceList; sign-then-encrypt:
        // ReferenceList, the encrypted Signature).
        List<Element> layout = new ArrayList<>();
        layout.add(one(sec, WSU, "Timestamp"));
        layout.add(ek.getEncryptedKeyElement());
        layout.addAll(dkts);
        layout.add(ut.getUsernameTokenElement());
        if (signFirst) {
            layout.add(refList);
            layout.add(last);
        } else {
            layout.add(last);
            layout.add(refList);
        }
        for (Element e : layout) {
            sec.appendChild(e);
        }
        check(sec.getChildNodes().getLength() == layout.size(), "nothing else in the header");
        write(doc, out);
        byte[] wrapped = ek.getEncryptedEphemeralKey();
        System.out.println("key=" + Base64.getEncoder().encodeToString(k));
        System.out.println("ek-sha1=" + Base64.getEncoder().encodeToString(
            java.security.MessageDigest.getInstance("SHA-1").digest(wrapped)));
        System.out.println("signature-value=" + Base64.getEncoder().encodeToString(sigValue[0]));
    }

    /** `sentSignature` is the request's SignatureValue as symmetric-request printed it (in
     * the sign-then-encrypt order it travelled encrypted). */
    static void symmetricResponse(File pki, File requestFile, File responseFile, byte[] k,
            String ekSha1, byte[] sentSignature) throws Exception {
        check(sentSignature.length > 0, "the request's signature value is known");
        Document doc = parse(responseFile);
        Merlin crypto = crypto(pki, null);
        int[] asked = {0};
        // K only for the identifier of the EncryptedKey this requester sent.
        CallbackHandler keys = (Callback[] callbacks) -> {
            for (Callback c : callbacks) {
                if (c instanceof WSPasswordCallback) {
                    WSPasswordCallback pc = (WSPasswordCallback) c;
                    asked[0]++;
                    if (ekSha1.equals(pc.getIdentifier())) {
                        pc.setKey(k);
                    } else {
                        System.out.println("asked-for=" + pc.getIdentifier());
                    }
                }
            }
        };
        WSSecurityEngine engine = new WSSecurityEngine();
        List<WSSecurityEngineResult> results = engine.processSecurityHeader(doc, null, keys, crypto, crypto);
        write(doc, new File(responseFile.getPath() + ".plain.xml"));
        check(results != null && !results.isEmpty(), "a security header was processed");
        check(asked[0] > 0, "the reply's key was resolved through its EncryptedKeySHA1");

        boolean confirmed = false;
        boolean decrypted = false;
        boolean derivedKey = false;
        List<String> signed = new ArrayList<>();
        for (WSSecurityEngineResult r : results) {
            int action = (Integer) r.get(WSSecurityEngineResult.TAG_ACTION);
            if (action == WSConstants.SC) {
                SignatureConfirmation sc =
                    (SignatureConfirmation) r.get(WSSecurityEngineResult.TAG_SIGNATURE_CONFIRMATION);
                check(Arrays.equals(sc.getSignatureValue(), sentSignature),
                    "SignatureConfirmation echoes the request's SignatureValue");
                confirmed = true;
            } else if (action == WSConstants.DKT) {
                derivedKey = true;
            } else if (action == WSConstants.ENCR) {
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                for (WSDataRef ref : refs) {
                    if (ref.getName().getLocalPart().equals("Body")) {
                        decrypted = true;
                    }
                }
            } else if (action == WSConstants.SIGN) {
                check(r.get(WSSecurityEngineResult.TAG_X509_CERTIFICATE) == null,
                    "the reply is signed with a secret key, not a certificate");
                System.out.println("signature-method=" + r.get(WSSecurityEngineResult.TAG_SIGNATURE_METHOD));
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                for (WSDataRef ref : refs) {
                    signed.add(ref.getName().getLocalPart());
                }
            }
        }
        check(confirmed, "a SignatureConfirmation was processed");
        check(decrypted, "the Body was decrypted");
        check(signed.contains("Body"), "the Body is signed");
        check(signed.contains("SignatureConfirmation"), "the SignatureConfirmation is signed");
        java.util.Collections.sort(signed);
        System.out.println("signed=" + String.join(",", signed));
        System.out.println("derived-key=" + derivedKey);

        Element rstr = oneTrust(doc, "RequestSecurityTokenResponse");
        check(rstr != null, "one RequestSecurityTokenResponse");
        String trust = rstr.getNamespaceURI();
        Element proof = child(rstr, trust, "RequestedProofToken");
        check(proof != null, "a RequestedProofToken");
        Element bs = child(proof, trust, "BinarySecret");
        check(bs != null, "the proof key travels as a BinarySecret in the encrypted reply");
        byte[] key = Base64.getMimeDecoder().decode(bs.getTextContent().trim());
        System.out.println("proof=binary-secret");
        System.out.println("key=" + hex(key));
        Element tok = child(rstr, trust, "RequestedSecurityToken");
        check(tok != null && tok.getTextContent().length() > 0, "a RequestedSecurityToken");
        checkSct(doc, pki, key);
        System.out.println("ok");
    }

    // ---- response -----------------------------------------------------------------------

    static void response(File pki, File requestFile, File responseFile, String clientEntropyB64,
            String ephemeralB64) throws Exception {
        byte[] ephemeral = ephemeralB64.isEmpty() ? null : Base64.getDecoder().decode(ephemeralB64);
        Document req = parse(requestFile);
        byte[] sentSignature = Base64.getMimeDecoder().decode(
            one(req, DS, "SignatureValue").getTextContent().trim());

        Document doc = parse(responseFile);
        Merlin client = crypto(pki, "client");
        WSSecurityEngine engine = new WSSecurityEngine();
        List<WSSecurityEngineResult> results = engine.processSecurityHeader(doc, null, secrets(ephemeral), client, client);
        // What WSS4J read, decrypted in place, for the caller's own checks.
        write(doc, new File(responseFile.getPath() + ".plain.xml"));
        check(results != null && !results.isEmpty(), "a security header was processed");

        boolean timestamp = false;
        boolean confirmed = false;
        List<String> signed = new ArrayList<>();
        for (WSSecurityEngineResult r : results) {
            int action = (Integer) r.get(WSSecurityEngineResult.TAG_ACTION);
            if (action == WSConstants.TS) {
                timestamp = true;
            } else if (action == WSConstants.SC) {
                SignatureConfirmation sc =
                    (SignatureConfirmation) r.get(WSSecurityEngineResult.TAG_SIGNATURE_CONFIRMATION);
                check(Arrays.equals(sc.getSignatureValue(), sentSignature),
                    "SignatureConfirmation echoes the request's SignatureValue");
                confirmed = true;
            } else if (action == WSConstants.SIGN) {
                X509Certificate signer = (X509Certificate) r.get(WSSecurityEngineResult.TAG_X509_CERTIFICATE);
                check(signer != null && signer.equals(cert(pki, "sts")), "the response is signed by sts.pem");
                System.out.println("signer=" + signer.getSubjectX500Principal().getName());
                System.out.println("signature-method=" + r.get(WSSecurityEngineResult.TAG_SIGNATURE_METHOD));
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                for (WSDataRef ref : refs) {
                    QName n = ref.getName();
                    signed.add(n.getLocalPart());
                }
            }
        }
        check(timestamp, "a Timestamp was processed");
        check(confirmed, "a SignatureConfirmation was processed");
        check(signed.contains("Body"), "the Body is signed");
        check(signed.contains("Timestamp"), "the Timestamp is signed");
        check(signed.contains("SignatureConfirmation"), "the SignatureConfirmation is signed");
        java.util.Collections.sort(signed);
        System.out.println("signed=" + String.join(",", signed));

        Element rstr = oneTrust(doc, "RequestSecurityTokenResponse");
        check(rstr != null, "one RequestSecurityTokenResponse");
        String trust = rstr.getNamespaceURI();
        Element keySize = child(rstr, trust, "KeySize");
        int bytes = keySize == null ? 32 : Integer.parseInt(keySize.getTextContent().trim()) / 8;
        Element proof = child(rstr, trust, "RequestedProofToken");
        check(proof != null, "a RequestedProofToken");
        byte[] key;
        Element computed = child(proof, trust, "ComputedKey");
        if (computed != null) {
            check(computed.getTextContent().trim().endsWith("/CK/PSHA1"), "ComputedKey is PSHA1");
            Element entropy = child(rstr, trust, "Entropy");
            check(entropy != null, "server Entropy");
            byte[] server;
            Element ek = child(entropy, XENC, "EncryptedKey");
            if (ek != null) {
                server = wss4jDecryptKey(ek, doc, client);
                System.out.println("server-entropy=encrypted-key");
            } else {
                Element bs = child(entropy, trust, "BinarySecret");
                server = Base64.getMimeDecoder().decode(bs.getTextContent().trim());
                System.out.println("server-entropy=binary-secret");
            }
            byte[] mine = Base64.getDecoder().decode(clientEntropyB64);
            // WS-Trust 1.3 section 4.4.4: key = P_SHA1(EntREQ, EntRES).
            key = new P_SHA1().createKey(mine, server, 0, bytes);
            System.out.println("proof=computed-key");
        } else {
            Element ek = child(proof, XENC, "EncryptedKey");
            check(ek != null, "an EncryptedKey proof token");
            key = wss4jDecryptKey(ek, doc, client);
            System.out.println("proof=encrypted-key");
        }
        System.out.println("key=" + hex(key));

        checkSct(doc, pki, key);
        System.out.println("ok");
    }

    /** The SCT as the target service sees it, when the reply carries one; its key must be
     * `key`. */
    static void checkSct(Document doc, File pki, byte[] key) throws Exception {
        // The SCT as the target service sees it (Santuario for the signatures, JCE RSA-OAEP for
        // the keys, since WSS4J 1.6 cannot resolve an SKI of a v1 certificate): the STS's
        // enveloped RSA signature on the issuer key, checked as the document of its own it was
        // signed as (URI=""); the issuer key decrypted with rp.key; the SCT's enveloped
        // HMAC-SHA256 signature under it; the token's key decrypted with rp.key.
        List<Element> scts = all(doc, WSC13, "SecurityContextToken");
        if (scts.size() == 1) {
            Element sct = scts.get(0);
            sct.setIdAttributeNS(WSU, "Id", true);
            Element ik = child(sct, WSX, "IssuerKey");
            check(ik != null, "the SCT carries an issuer key");
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(true);
            Document ikDoc = dbf.newDocumentBuilder().newDocument();
            ikDoc.appendChild(ikDoc.importNode(ik, true));
            Element ikSig = child(ikDoc.getDocumentElement(), DS, "Signature");
            check(ikSig != null, "the issuer key carries an enveloped signature");
            check(new XMLSignature(ikSig, "").checkSignatureValue(cert(pki, "sts")),
                "the issuer key signature verifies with sts.pem (Santuario)");
            System.out.println("issuer-key-signature=valid");
            byte[] issuerKey = rsaOaepDecrypt(child(ikDoc.getDocumentElement(), XENC, "EncryptedKey"), pki);
            check(issuerKey.length == 32, "a 256-bit issuer key");
            Element sigEl = child(sct, DS, "Signature");
            check(sigEl != null, "the SCT carries an enveloped signature");
            XMLSignature xs = new XMLSignature(sigEl, "");
            check(xs.checkSignatureValue(new SecretKeySpec(issuerKey, "HmacSHA256")),
                "the SCT signature verifies with the issuer key (Santuario)");
            System.out.println("sct-signature=valid");
            byte[] service = rsaOaepDecrypt(child(sct, XENC, "EncryptedKey"), pki);
            System.out.println("service-key=" + hex(service));
            check(Arrays.equals(service, key), "requester and service hold one key");
        }
    }

    /** Decrypts an RSA-OAEP (SHA-1) EncryptedKey with rp.key (JCE). */
    static byte[] rsaOaepDecrypt(Element ek, File pki) throws Exception {
        String cipher = one(ek, XENC, "CipherValue").getTextContent().trim();
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, key(pki, "rp"),
            new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        return c.doFinal(Base64.getMimeDecoder().decode(cipher));
    }

    /** Decrypts an EncryptedKey with WSS4J's own EncryptedKeyProcessor and the client key. */
    static byte[] wss4jDecryptKey(Element ek, Document doc, Merlin client) throws Exception {
        RequestData data = new RequestData();
        data.setDecCrypto(client);
        data.setSigCrypto(client);
        data.setCallbackHandler(PASSWORDS);
        data.setWssConfig(WSSConfig.getNewInstance());
        List<WSSecurityEngineResult> r = new EncryptedKeyProcessor().handleToken(ek, data, new WSDocInfo(doc));
        return (byte[]) r.get(0).get(WSSecurityEngineResult.TAG_SECRET);
    }
}
