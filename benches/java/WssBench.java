// The Java peer of scripts/bench: Apache WSS4J 1.6 (Debian libwss4j-java) on Apache Santuario
// 2.1 (libxml-security-java) doing, in process on one thread, the WS-Security work of two of
// our workloads, after a JIT warm-up. This is the security core the Apache CXF STS runs on.
//
//   verify REQUEST.xml CERT.pem SECONDS
//       W-verify: parse (namespace-aware DOM, secure processing, no DTD) + WSSecurityEngine
//       processSecurityHeader (signature over Body and Timestamp, key from the X509Data or
//       BinarySecurityToken, trusted because the certificate is in the Merlin trust store;
//       Timestamp not validated (strictness off, and a no-op validator: WSS4J 1.6
//       refuses an expired Timestamp whatever the strictness, and the recorded one is); no
//       replay cache). Checked once first: one signature verified and the Body among its references.
//
//   sign-encrypt RSTR-TEMPLATE.xml STS_CERT.pem STS_KEY.pem CLIENT_CERT.pem SECONDS
//       the security part of the W-x509 reply: parse the unsigned RSTRC envelope, add a
//       Timestamp and a SignatureConfirmation, put a fresh 32-byte key encrypted for the client
//       certificate (xenc:EncryptedKey, RSA-OAEP-MGF1P/SHA-1, thumbprint key identifier, as our
//       proof token) into wst:RequestedProofToken, sign Body, Timestamp, the four WS-Addressing
//       reply headers and the SignatureConfirmation with RSA-SHA256 / exc-c14n / SHA-256 by the
//       STS key (BinarySecurityToken reference), serialize to bytes. Checked once first by
//       processing the result with WSS4J: the STS signature verifies over the 7 parts (Body
//       among them) and the proof token is an EncryptedKey (its decryption is not checked: the
//       harness is not given the client key).
//
// Each mode prints one JSON line with the keys benches/baseline/xmlsec_verify.py prints
// ({"file", "iterations", "seconds", "ops_per_sec", ...}). Exit status 0 = the first iteration
// passed its checks; otherwise the reason is on stderr and the status is 1.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.apache.ws.security.WSConstants;
import org.apache.ws.security.WSDataRef;
import org.apache.ws.security.WSEncryptionPart;
import org.apache.ws.security.WSPasswordCallback;
import org.apache.ws.security.WSSConfig;
import org.apache.ws.security.WSSecurityEngine;
import org.apache.ws.security.WSSecurityEngineResult;
import org.apache.ws.security.components.crypto.Merlin;
import org.apache.ws.security.message.WSSecEncryptedKey;
import org.apache.ws.security.message.WSSecHeader;
import org.apache.ws.security.message.WSSecSignature;
import org.apache.ws.security.message.WSSecSignatureConfirmation;
import org.apache.ws.security.message.WSSecTimestamp;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public final class WssBench {
    static final String PASSWORD = "bench";
    static final String WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    static final String WSA = "http://www.w3.org/2005/08/addressing";
    static final double WARMUP_SECONDS = 2.5;

    private WssBench() {}

    /** One iteration of a mode; returns normally when it did its work. */
    interface Op {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        WSSConfig.init();
        org.apache.xml.security.Init.init();
        try {
            String json;
            switch (args.length > 0 ? args[0] : "") {
                case "verify":
                    json = verify(new File(args[1]), new File(args[2]), Double.parseDouble(args[3]));
                    break;
                case "sign-encrypt":
                    json = signEncrypt(new File(args[1]), new File(args[2]), new File(args[3]),
                        new File(args[4]), Double.parseDouble(args[5]));
                    break;
                default:
                    throw new IllegalArgumentException(
                        "usage: verify REQUEST CERT SECONDS | sign-encrypt TEMPLATE STS_CERT STS_KEY CLIENT_CERT SECONDS");
            }
            System.out.println(json);
        } catch (Exception e) {
            System.err.println("FAILED: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    // ---- the loop -----------------------------------------------------------------------

    /** Warm-up (JIT) for WARMUP_SECONDS, then whole iterations for `seconds`. */
    static String measure(File file, Op op, double seconds, String mode) throws Exception {
        long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        long warm = 0;
        while (System.nanoTime() < warmEnd) {
            op.run();
            warm++;
        }
        long n = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now;
        while (true) {
            for (int i = 0; i < 20; i++) {
                op.run();
            }
            n += 20;
            now = System.nanoTime();
            if (now >= end) {
                break;
            }
        }
        double elapsed = (now - start) / 1e9;
        return String.format(java.util.Locale.ROOT,
            "{\"file\": \"%s\", \"mode\": \"%s\", \"iterations\": %d, \"seconds\": %.3f, "
                + "\"ops_per_sec\": %.1f, \"warmup_iterations\": %d, \"wss4j\": \"%s\", "
                + "\"santuario\": \"%s\", \"java\": \"%s\"}",
            file.getPath().replace("\\", "\\\\").replace("\"", "\\\""), mode, n, elapsed,
            n / elapsed, warm, version(WSSecurityEngine.class), version(org.apache.xml.security.Init.class),
            System.getProperty("java.vm.version"));
    }

    /** The version of the jar `c` came from (manifest Bundle-Version or
     * Implementation-Version, else its Maven pom.properties), or "?". */
    static String version(Class<?> c) {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(
                new File(c.getProtectionDomain().getCodeSource().getLocation().toURI()))) {
            java.util.jar.Attributes a = jar.getManifest().getMainAttributes();
            String v = a.getValue("Bundle-Version");
            if (v == null) {
                v = a.getValue("Implementation-Version");
            }
            // Debian's Santuario jar names its version only in the Maven properties.
            java.util.Enumeration<java.util.jar.JarEntry> e = jar.entries();
            while (v == null && e.hasMoreElements()) {
                java.util.jar.JarEntry j = e.nextElement();
                if (j.getName().startsWith("META-INF/maven/") && j.getName().endsWith("/pom.properties")) {
                    java.util.Properties p = new java.util.Properties();
                    p.load(jar.getInputStream(j));
                    v = p.getProperty("version");
                }
            }
            return v == null ? "?" : v;
        } catch (Exception e) {
            return "?";
        }
    }

    // ---- keys and XML -------------------------------------------------------------------

    static X509Certificate cert(File f) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(f.toPath())));
    }

    static PrivateKey key(File f) throws Exception {
        String pem = new String(Files.readAllBytes(f.toPath()), StandardCharsets.US_ASCII);
        check(pem.contains("BEGIN PRIVATE KEY"), f + " is PKCS#8");
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    static Merlin merlin(KeyStore ks) {
        Merlin m = new Merlin();
        m.setKeyStore(ks);
        m.setTrustStore(ks);
        return m;
    }

    static final CallbackHandler PASSWORDS = (Callback[] callbacks) -> {
        for (Callback c : callbacks) {
            if (c instanceof WSPasswordCallback) {
                ((WSPasswordCallback) c).setPassword(PASSWORD);
            }
        }
    };

    static DocumentBuilderFactory factory() throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return dbf;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("check failed: " + what);
        }
    }

    /** The local names of the elements `results` holds as signed (SIGN actions). */
    @SuppressWarnings("unchecked")
    static List<QName> signedParts(List<WSSecurityEngineResult> results) {
        List<QName> out = new ArrayList<>();
        if (results == null) {
            return out;
        }
        for (WSSecurityEngineResult r : results) {
            if ((Integer) r.get(WSSecurityEngineResult.TAG_ACTION) == WSConstants.SIGN) {
                for (WSDataRef d : (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS)) {
                    out.add(d.getName());
                }
            }
        }
        return out;
    }

    static boolean hasBody(List<QName> parts, String soapNs) {
        return parts.contains(new QName(soapNs, WSConstants.ELEM_BODY));
    }

    // ---- verify (W-verify) --------------------------------------------------------------

    static String verify(File request, File certFile, double seconds) throws Exception {
        byte[] bytes = Files.readAllBytes(request.toPath());
        KeyStore ks = KeyStore.getInstance("JKS");
        ks.load(null, null);
        ks.setCertificateEntry("client", cert(certFile));
        Merlin crypto = merlin(ks);
        WSSConfig config = WSSConfig.getNewInstance();
        config.setTimeStampStrict(false);
        // WSS4J 1.6 refuses an expired Timestamp whatever the strictness; the recorded
        // message's is long expired. Our W-verify and python-xmlsec check no Timestamp either.
        config.setValidator(WSSecurityEngine.TIMESTAMP, new org.apache.ws.security.validate.NoOpValidator());
        WSSecurityEngine engine = new WSSecurityEngine();
        engine.setWssConfig(config);
        DocumentBuilder db = factory().newDocumentBuilder();

        // Once, checked: a signature verified and the Body among what it covers.
        Document doc = db.parse(new ByteArrayInputStream(bytes));
        List<QName> signed = signedParts(engine.processSecurityHeader(doc, null, PASSWORDS, crypto));
        check(!signed.isEmpty(), "a signature was verified");
        check(hasBody(signed, doc.getDocumentElement().getNamespaceURI()), "the Body is signed");

        Op op = () -> {
            Document d = db.parse(new ByteArrayInputStream(bytes));
            List<WSSecurityEngineResult> r = engine.processSecurityHeader(d, null, PASSWORDS, crypto);
            if (r == null || r.isEmpty()) {
                throw new IllegalStateException("no security results");
            }
        };
        return measure(request, op, seconds, "verify");
    }

    // ---- sign-encrypt (the security part of the W-x509 reply) ---------------------------

    static String signEncrypt(File template, File stsCert, File stsKey, File clientCert, double seconds)
            throws Exception {
        byte[] bytes = Files.readAllBytes(template.toPath());
        KeyStore ks = KeyStore.getInstance("JKS");
        ks.load(null, null);
        X509Certificate sts = cert(stsCert);
        ks.setKeyEntry("sts", key(stsKey), PASSWORD.toCharArray(), new java.security.cert.Certificate[] {sts});
        ks.setCertificateEntry("client", cert(clientCert));
        Merlin crypto = merlin(ks);
        DocumentBuilder db = factory().newDocumentBuilder();
        Transformer out = TransformerFactory.newInstance().newTransformer();
        out.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
        // The request signature value the SignatureConfirmation echoes (any 256 bytes).
        byte[] requestSignature = new byte[256];
        new java.security.SecureRandom().nextBytes(requestSignature);

        java.util.function.Supplier<byte[]> once = () -> {
            try {
                Document doc = db.parse(new ByteArrayInputStream(bytes));
                String soapNs = doc.getDocumentElement().getNamespaceURI();
                WSSecHeader header = new WSSecHeader();
                header.setMustUnderstand(true);
                header.insertSecurityHeader(doc);

                WSSecTimestamp ts = new WSSecTimestamp();
                ts.setTimeToLive(300);
                ts.build(doc, header);

                WSSecSignatureConfirmation sc = new WSSecSignatureConfirmation();
                sc.build(doc, requestSignature, header);

                // The proof token: a fresh 32-byte key for the client certificate.
                WSSecEncryptedKey ek = new WSSecEncryptedKey();
                ek.setUserInfo("client");
                ek.setKeyIdentifierType(WSConstants.THUMBPRINT_IDENTIFIER);
                ek.setKeyEncAlgo(WSConstants.KEYTRANSPORT_RSAOEP);
                ek.setSymmetricEncAlgorithm(WSConstants.AES_256);
                ek.prepare(doc, crypto);
                check(ek.getEphemeralKey().length == 32, "a 32-byte proof key");
                NodeList proof = doc.getElementsByTagNameNS(WST, "RequestedProofToken");
                check(proof.getLength() == 1, "one RequestedProofToken in the template");
                // WSS4J builds the EncryptedKey for the Security header, which declares the
                // wsse prefix its SecurityTokenReference uses; declared here for the Body.
                Element encKey = ek.getEncryptedKeyElement();
                encKey.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:" + WSConstants.WSSE_PREFIX,
                    WSConstants.WSSE_NS);
                proof.item(0).appendChild(encKey);

                WSSecSignature sig = new WSSecSignature();
                sig.setUserInfo("sts", PASSWORD);
                sig.setKeyIdentifierType(WSConstants.BST_DIRECT_REFERENCE);
                sig.setSignatureAlgorithm("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
                sig.setDigestAlgo("http://www.w3.org/2001/04/xmlenc#sha256");
                sig.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
                List<WSEncryptionPart> parts = new ArrayList<>();
                parts.add(new WSEncryptionPart(WSConstants.ELEM_BODY, soapNs, ""));
                parts.add(new WSEncryptionPart("Timestamp", WSConstants.WSU_NS, ""));
                for (String h : new String[] {"Action", "MessageID", "RelatesTo", "To"}) {
                    parts.add(new WSEncryptionPart(h, WSA, ""));
                }
                parts.add(new WSEncryptionPart(sc.getId()));
                sig.setParts(parts);
                sig.build(doc, crypto, header);

                ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
                out.transform(new DOMSource(doc), new StreamResult(buf));
                return buf.toByteArray();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };

        // Once, checked: WSS4J processes the reply (STS signature valid over Body and the
        // rest, our Timestamp) and the EncryptedKey is where the proof token goes.
        byte[] reply = once.get();
        Document d = db.parse(new ByteArrayInputStream(reply));
        KeyStore trust = KeyStore.getInstance("JKS");
        trust.load(null, null);
        trust.setCertificateEntry("sts", sts);
        WSSecurityEngine engine = new WSSecurityEngine();
        List<QName> signed = signedParts(engine.processSecurityHeader(d, null, PASSWORDS, merlin(trust)));
        check(hasBody(signed, d.getDocumentElement().getNamespaceURI()), "the reply Body is signed");
        check(signed.size() == 7, "7 signed parts, got " + signed);
        Element proof = (Element) d.getElementsByTagNameNS(WST, "RequestedProofToken").item(0);
        check(proof.getElementsByTagNameNS(WSConstants.ENC_NS, "EncryptedKey").getLength() == 1,
            "the proof token is an EncryptedKey");

        return measure(template, () -> once.get(), seconds, "sign-encrypt");
    }
}
