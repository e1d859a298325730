//! The layers point one way: each `src/<layer>` may `use crate::` only the layers below it.

use std::path::Path;

const ALLOWED: &[(&str, &[&str])] = &[
    ("crypto", &[]),
    ("pki", &["crypto"]),
    ("xml", &[]),
    ("store", &[]),
    ("keyx", &["crypto", "pki", "xml", "store"]),
    ("xmlsec", &["crypto", "pki", "xml"]),
    ("soap", &["xml"]),
    ("saml", &["crypto", "pki", "xml", "xmlsec"]),
    ("wss", &["crypto", "pki", "xml", "xmlsec", "soap", "saml"]),
    ("trust", &["crypto", "xml", "xmlsec", "soap", "saml", "wss"]),
    (
        "service",
        &[
            "crypto", "pki", "xml", "xmlsec", "soap", "saml", "wss", "trust", "store",
        ],
    ),
    (
        "client",
        &[
            "crypto", "pki", "xml", "xmlsec", "soap", "wss", "trust", "keyx",
        ],
    ),
    (
        "engine",
        &[
            "crypto", "pki", "xml", "xmlsec", "soap", "saml", "wss", "trust", "store", "keyx",
            "service",
        ],
    ),
    (
        "server",
        &["crypto", "xml", "xmlsec", "soap", "wss", "trust", "engine"],
    ),
    (
        "config",
        &[
            "crypto", "pki", "xmlsec", "store", "wss", "trust", "keyx", "engine", "server",
        ],
    ),
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn lower_layers_never_name_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for (layer, allowed) in ALLOWED {
        let mut files = Vec::new();
        sources(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources for {layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(at) = rest.find("crate::") {
                    let after = &rest[at + 7..];
                    let name: String = after
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    assert!(
                        name == *layer || allowed.contains(&name.as_str()),
                        "{}:{}: layer `{layer}` uses `crate::{name}`",
                        f.display(),
                        i + 1
                    );
                    rest = after;
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} crate paths seen");
}
