//! The `wstrust` command line.

use std::process::Command;

use crate::support::shared;

fn wstrust(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn c14n_of_an_element_by_id_matches_the_corewcf_digest_input() {
    let dir = shared().join("wssc/corewcf-sct-psha1");
    let msg = dir.join("01-rst-sct-issue.request.compact.xml");
    let (ok, out, err) = wstrust(&["c14n", "--id", "_1", msg.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        std::fs::read_to_string(dir.join("expected/01-c14n-ref-_1-to.txt")).unwrap()
    );
}

#[test]
fn c14n_prefix_list_and_comments() {
    let dir = shared().join("c14n/merlin-exc-c14n-one");
    let f = dir.join("exc-signature.xml");
    let (ok, out, err) = wstrust(&[
        "c14n",
        "--with-comments",
        "--prefixes",
        "bar #default",
        "--id",
        "to-be-signed",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        std::fs::read_to_string(dir.join("c14n-3.txt")).unwrap()
    );
}

#[test]
fn c14n_errors_say_what_to_fix() {
    let f = shared().join("c14n/merlin-exc-c14n-one/exc-signature.xml");
    let (ok, _, err) = wstrust(&["c14n", "--id", "nope", f.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("no element has id"), "{err}");
    let (ok, _, err) = wstrust(&[
        "c14n",
        "--inclusive",
        "--prefixes",
        "a",
        f.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("--prefixes"), "{err}");
    let dtd = shared().join("c14n/w3c-c14n10-spec-examples/35_input.xml");
    let (ok, _, err) = wstrust(&["c14n", dtd.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("document type declaration"), "{err}");
}

#[test]
fn hash_password_prints_a_hash_the_user_store_accepts() {
    use std::io::Write as _;
    use wstrust::crypto::SecretBytes;
    use wstrust::engine::users::{Argon2Params, PasswordRecord, UserStore};
    use wstrust::wss::UsernameTokenInfo;

    let mut child = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .arg("hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let phc = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(!phc.contains("correct horse"));
    let users = UserStore::new(
        [("ann".to_owned(), PasswordRecord::Argon2(phc))],
        &Argon2Params::default(),
    )
    .unwrap();
    let ut = |pw: &[u8]| UsernameTokenInfo {
        username: "ann".into(),
        password: Some(SecretBytes::from_slice(pw)),
        digest: false,
        nonce: None,
        created: None,
    };
    assert!(users.authenticate(&ut(b"correct horse")).is_ok());
    assert!(users.authenticate(&ut(b"correct horse!")).is_err());
    // An empty password is refused with a reason.
    let (ok, _, err) = wstrust(&["hash-password", "--password-file", "/dev/null"]);
    assert!(!ok && err.contains("empty"), "{err}");
}
