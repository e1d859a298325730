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

// ---- Inside `engine`: its modules form a DAG, and it reads no XML itself. ----
//
// The scanner below works on tokens of the source with comments, strings and character
// literals removed, so intra-doc links (`[`audit`](super::audit)`) are not edges: they name a
// module for the reader, the compiler does not resolve them as a use.

/// The tokens of `text`: identifiers (and numbers), `::`, and single punctuation characters;
/// comments, string and character literals dropped.
fn tokens(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == 'r' && (next == Some('"') || next == Some('#')) && {
            let hashes = c[i + 1..].iter().take_while(|x| **x == '#').count();
            c.get(i + 1 + hashes) == Some(&'"')
        } {
            let hashes = c[i + 1..].iter().take_while(|x| **x == '#').count();
            i += hashes + 2;
            while i < c.len() {
                if c[i] == '"'
                    && c[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|x| **x == '#')
                        .count()
                        == hashes
                {
                    i += hashes + 1;
                    break;
                }
                i += 1;
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if ch == '\'' && next == Some('\\') {
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if ch == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3; // a character literal; otherwise a lifetime, whose name is an identifier
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(c[start..i].iter().collect());
        } else if ch == ':' && next == Some(':') {
            out.push("::".to_owned());
            i += 2;
        } else {
            if !ch.is_whitespace() {
                out.push(ch.to_string());
            }
            i += 1;
        }
    }
    out
}

/// The first segment of each path that starts at `t[at]` (just after `prefix::`): one name,
/// or the first name of each item of a `{ .. }` group (nested groups and `self` included).
fn path_heads(t: &[String], at: usize) -> Vec<String> {
    match t.get(at).map(String::as_str) {
        Some("{") => {
            let (mut heads, mut depth, mut item_start) = (Vec::new(), 0, true);
            for tok in &t[at..] {
                match tok.as_str() {
                    "{" => depth += 1,
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    "," if depth == 1 => item_start = true,
                    _ if item_start && depth == 1 => {
                        heads.push(tok.clone());
                        item_start = false;
                    }
                    _ => {}
                }
            }
            heads
        }
        Some(name) => vec![name.to_owned()],
        None => Vec::new(),
    }
}

/// What a file of `engine` names of its sibling modules: the first segment of every path
/// `crate::engine::X` or `super::X` (with as many `super` as the file is deep in `engine`,
/// counting inline `mod x { .. }` blocks such as `mod tests`).
fn engine_names(text: &str, file_depth: usize) -> Vec<String> {
    let t = tokens(text);
    let (mut names, mut braces, mut mods) = (Vec::new(), 0usize, Vec::<usize>::new());
    let mut i = 0;
    while i < t.len() {
        match t[i].as_str() {
            "{" => {
                if i >= 2 && t[i - 2] == "mod" {
                    mods.push(braces);
                }
                braces += 1;
            }
            "}" => {
                braces -= 1;
                if mods.last() == Some(&braces) {
                    mods.pop();
                }
            }
            "crate"
                if t.get(i + 1..i + 4)
                    .is_some_and(|s| s[0] == "::" && s[1] == "engine" && s[2] == "::") =>
            {
                names.extend(path_heads(&t, i + 4));
            }
            "super" if i == 0 || t[i - 1] != "::" => {
                let mut supers = 0;
                while t.get(i + 2 * supers) == Some(&"super".to_owned())
                    && t.get(i + 2 * supers + 1) == Some(&"::".to_owned())
                {
                    supers += 1;
                }
                if supers == file_depth + mods.len() + 1 {
                    names.extend(path_heads(&t, i + 2 * supers));
                }
                i += 2 * supers.max(1) - 1;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// The modules `engine/mod.rs` declares, and the names it re-exports (`pub use m::{A, B}`)
/// with the module each comes from.
fn engine_facade(text: &str) -> (Vec<String>, Vec<(String, String)>) {
    let t = tokens(text);
    let (mut modules, mut exports) = (Vec::new(), Vec::new());
    for i in 0..t.len() {
        if t[i] == "mod" && t.get(i + 2).map(String::as_str) == Some(";") {
            modules.push(t[i + 1].clone());
        }
        if t[i] == "use" && t.get(i + 2).map(String::as_str) == Some("::") {
            let from = t[i + 1].clone();
            let mut j = i + 3;
            while j < t.len() && t[j] != ";" {
                let last_of_item =
                    matches!(t.get(j + 1).map(String::as_str), Some("," | "}" | ";"));
                if last_of_item && t[j] != "}" {
                    exports.push((t[j].clone(), from.clone()));
                }
                j += 1;
            }
        }
    }
    (modules, exports)
}

/// The edges between `engine`'s modules, by module; `mod.rs` is the root (it declares the
/// modules and re-exports a few names: a use of a re-export is an edge to the module the name
/// comes from, not to the facade), so it is not a node.
fn engine_graph(
    engine: &Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let (modules, exports) =
        engine_facade(&std::fs::read_to_string(engine.join("mod.rs")).unwrap());
    let mut graph = std::collections::BTreeMap::new();
    let mut files = Vec::new();
    sources(engine, &mut files);
    for f in files {
        let rel = f.strip_prefix(engine).unwrap();
        if rel == Path::new("mod.rs") {
            continue;
        }
        let parts: Vec<_> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let node = parts[0].trim_end_matches(".rs").to_owned();
        assert!(
            modules.contains(&node),
            "{}: not declared in engine/mod.rs",
            f.display()
        );
        let depth =
            parts.len() - 1 - usize::from(parts.len() > 1 && parts[parts.len() - 1] == "mod.rs");
        let edges: &mut std::collections::BTreeSet<String> = graph.entry(node.clone()).or_default();
        for name in engine_names(&std::fs::read_to_string(&f).unwrap(), depth) {
            let to = if modules.contains(&name) {
                name
            } else if let Some((_, m)) = exports.iter().find(|(n, _)| *n == name) {
                m.clone()
            } else {
                panic!(
                    "{}: `{name}` is neither a module of engine nor re-exported by it",
                    f.display()
                );
            };
            if to != node {
                edges.insert(to);
            }
        }
    }
    graph
}

/// Every cycle's path, one per strongly connected component (`a → b → a`).
fn cycles(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<String> {
    let reach = |from: &str| {
        let (mut seen, mut todo) = (std::collections::BTreeSet::new(), vec![from.to_owned()]);
        while let Some(n) = todo.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let mut done = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for start in graph.keys() {
        if done.contains(start) || !reach(start).contains(start) {
            continue;
        }
        // The component: nodes that reach `start` and that `start` reaches.
        let component: Vec<String> = reach(start)
            .into_iter()
            .filter(|n| reach(n).contains(start))
            .collect();
        done.extend(component.iter().cloned());
        // The shortest way back to `start`, breadth first.
        let mut back: std::collections::BTreeMap<String, String> =
            std::collections::BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        'search: while let Some(n) = queue.pop_front() {
            for m in &graph[&n] {
                if m == start {
                    let mut path = vec![n.clone()];
                    while let Some(p) = back.get(path.last().unwrap()) {
                        path.push(p.clone());
                    }
                    path.reverse();
                    path.push(start.clone());
                    out.push(format!(
                        "engine: {} (component: {})",
                        path.join(" → "),
                        component.join(", ")
                    ));
                    break 'search;
                }
                if !back.contains_key(m) && m != start {
                    back.insert(m.clone(), n.clone());
                    queue.push_back(m.clone());
                }
            }
        }
    }
    out
}

#[test]
fn the_scanner_sees_grouped_and_multiline_uses() {
    let text = "use super::{\n    config::{Realm, EngineConfig},\n    sts::Engine, Error,\n};\n\
        // use super::audit;\nfn f() { let _ = \"super::users\"; super::keys::make(); crate::engine::tokens::x(); }\n\
        mod tests { use super::*; use super::super::lockout; }\n";
    assert_eq!(
        engine_names(text, 0),
        ["config", "sts", "Error", "keys", "tokens", "lockout"]
    );
    assert_eq!(engine_names("use super::super::{a, b::C};", 1), ["a", "b"]);
    let (modules, exports) =
        engine_facade("mod a;\npub mod b;\npub use a::{X, Y};\npub use b::Z;\n");
    assert_eq!(modules, ["a", "b"]);
    assert_eq!(
        exports,
        [
            ("X".into(), "a".into()),
            ("Y".into(), "a".into()),
            ("Z".into(), "b".into())
        ]
    );
    let graph = [
        ("a", &["b"][..]),
        ("b", &["c"]),
        ("c", &["a"]),
        ("d", &["a"]),
    ]
    .into_iter()
    .map(|(n, e)| (n.to_owned(), e.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(
        cycles(&graph),
        ["engine: a → b → c → a (component: a, b, c)"]
    );
}

#[test]
fn engine_modules_form_no_cycle() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let graph = engine_graph(&engine);
    let edges: usize = graph.values().map(|e| e.len()).sum();
    assert!(
        graph.len() > 20 && edges > 40,
        "only {} modules, {edges} edges seen",
        graph.len()
    );
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "cycles between engine's modules:\n{}",
        found.join("\n")
    );
}

/// What `engine` may name of `xml`: namespace constants, dates, limits, the writer (replies),
/// what it captures while writing (the canonical form of our own output, to sign it) and its
/// error. Reading (parsing, walking a `Document`) belongs to the layer that owns the
/// XML (trust, wss, saml, keyx), which hands the engine typed values.
const ENGINE_XML_ALLOWED: &[&str] = &["ns", "datetime", "Limits", "Writer", "CaptureKind", "Error"];

/// Methods of `xml::Document` that walk or read the tree.
const TREE_WALKS: &[&str] = &[
    "children_named",
    "child_elements",
    "children",
    "child",
    "descendants_or_self",
    "attribute",
    "attributes",
    "text",
    "root",
    "parent",
    "parent_element",
    "element_by_id",
    "id_of",
    "lookup_namespace",
    "namespace_declarations",
    "content_span",
    "document_node",
];

/// Where `engine` still reads XML itself: `(file, what it uses, why it is still there)`. The
/// list only shrinks: anything else fails the test, and so does an entry whose use is gone.
const ENGINE_XML_EXCEPTIONS: &[(&str, &[&str], &str)] = &[
    ("resolve.rs", &["xml::Document", "Document", "xml::NodeId", "NodeId"], "implements wss::KeyResolver, whose assertion method takes (doc, node); it only passes them on to issued_token"),
    ("issued_token.rs", &["xml::Document", "Document", "xml::NodeId", "NodeId"], "validates another STS's assertion, which wss hands over as (doc, node), through saml (is_assertion, assertion_id, validate); no walking"),
    ("saml_lifecycle.rs", &["xml::Document", "Document", "xml::NodeId", "NodeId"], "hands the Renew/Validate target assertion (found by saml::assertion_by_id) to saml::validate as (doc, node), which is saml's API; no walking"),
    ("saml_token.rs", &[".text("], "reads the certificate of a wst:UseKey BinarySecurityToken (the KeyInfo forms go through xmlsec); trust may not use pki, so this belongs in a saml or wss reader"),
    ("delegation.rs", &[".children_named("], "counts the ds:Signature children of a delegation token; to move into the service layer's Delegation reader"),
];

/// Every use of the XML reading API in one engine source, as `what` strings.
fn xml_reads(text: &str) -> Vec<String> {
    let t = tokens(text);
    let mut out = Vec::new();
    for i in 0..t.len() {
        let at = |k: usize| t.get(i + k).map(String::as_str);
        let path_start = i == 0 || t[i - 1] != "::";
        if t[i] == "crate" && at(1) == Some("::") && at(2) == Some("xml") && at(3) == Some("::") {
            for head in path_heads(&t, i + 4) {
                if !ENGINE_XML_ALLOWED.contains(&head.as_str()) {
                    out.push(format!("xml::{head}"));
                }
            }
        } else if path_start && t[i] == "xml" && at(1) == Some("::") {
            // `xml::X` after `use crate::xml;` (not `keyx::xml::`, the keyx layer's reader).
            if !(i >= 2 && t[i - 1] == "::" || i >= 1 && t[i - 1] == "crate") {
                for head in path_heads(&t, i + 2) {
                    if !ENGINE_XML_ALLOWED.contains(&head.as_str()) {
                        out.push(format!("xml::{head}"));
                    }
                }
            }
        } else if ["Document", "NodeId", "NodeKind"].contains(&t[i].as_str()) {
            out.push(t[i].clone());
        } else if t[i] == "." && at(2) == Some("(") {
            let m = at(1).unwrap();
            // `d.is(node, ns::X, ..)` (the tree's) and `name.is(ns::X, ..)` (a name's).
            let name_test =
                m == "is" && (at(3) == Some("ns") || at(4) == Some(",") && at(5) == Some("ns"));
            if TREE_WALKS.contains(&m) || name_test {
                out.push(format!(".{m}("));
            }
        }
    }
    out
}

#[test]
fn engine_reads_no_xml_itself() {
    assert_eq!(
        xml_reads(
            "use crate::xml::{ns, Document, Writer};\nfn f(d: &X) { d.is(e, ns::WSX, \"Mac\"); \
             d.children_named(e, ns::DS, \"S\"); who.is(&p, None); }\n"
        ),
        ["xml::Document", "Document", ".is(", ".children_named("]
    );
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut files = Vec::new();
    sources(&engine, &mut files);
    let (mut found, mut unused) = (Vec::new(), Vec::new());
    for (file, whats, _why) in ENGINE_XML_EXCEPTIONS {
        unused.extend(whats.iter().map(|w| format!("engine/{file}: {w}")));
    }
    for f in files {
        let rel = f
            .strip_prefix(&engine)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let allowed = ENGINE_XML_EXCEPTIONS
            .iter()
            .find(|(file, _, _)| *file == rel)
            .map_or(&[][..], |(_, whats, _)| whats);
        for what in xml_reads(&std::fs::read_to_string(&f).unwrap()) {
            let at = format!("engine/{rel}: {what}");
            unused.retain(|u| *u != at);
            if !allowed.contains(&what.as_str()) {
                found.push(at);
            }
        }
    }
    assert!(
        found.is_empty(),
        "engine reads XML itself:\n{}",
        found.join("\n")
    );
    assert!(
        unused.is_empty(),
        "exceptions no longer needed (remove them): {unused:?}"
    );
}
