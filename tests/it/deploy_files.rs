//! The operator files in `deploy/` (issue 19 item 3): the Prometheus alert rules pass
//! `promtool check rules` and their unit tests (`promtool test rules`), every Grafana
//! dashboard query is valid PromQL (checked by promtool as a recording rule), and every
//! `wstrust_*` series either names is one the server exports on `/metrics`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::server_support::{data_dir, get, load, start};
use crate::support::require_tool;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

fn promtool(args: &[&str], dir: &Path) -> String {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?}: {text}");
    text
}

/// The `wstrust_…` series names in `text` (a histogram's as exported: `_bucket`).
fn series_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("wstrust_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        // `wstrust_*` in a comment names no series.
        if name.len() > "wstrust_".len() {
            names.insert(name);
        }
    }
    names
}

/// The dashboard's queries.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(deploy().join("grafana/wstrust-dashboard.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for p in d["panels"].as_array().expect("panels") {
        for t in p["targets"].as_array().expect("targets") {
            out.push(t["expr"].as_str().expect("expr").to_owned());
        }
    }
    assert!(out.len() >= 10, "every panel has its query");
    out
}

#[test]
fn alert_rules_pass_promtool_and_their_unit_tests() {
    if !require_tool("promtool") {
        return;
    }
    let dir = deploy().join("prometheus");
    let check = promtool(&["check", "rules", "wstrust-alerts.yml"], &dir);
    assert!(check.contains("SUCCESS: 10 rules found"), "{check}");
    let test = promtool(&["test", "rules", "wstrust-alerts.test.yml"], &dir);
    assert!(test.contains("SUCCESS"), "{test}");
}

#[test]
fn dashboard_queries_are_valid_promql() {
    if !require_tool("promtool") {
        return;
    }
    let tmp = crate::server_support::TempDir::new("dashboard-promql");
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, q) in dashboard_queries().iter().enumerate() {
        // Grafana's template variables are not PromQL: put a value in their place.
        let q = q.replace("$instance", ".*");
        rules.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {}\n",
            serde_json::to_string(&q).unwrap()
        ));
    }
    std::fs::write(tmp.path().join("dashboard.yml"), rules).unwrap();
    promtool(&["check", "rules", "dashboard.yml"], tmp.path());
}

#[test]
fn every_series_named_is_exported() {
    let dir = data_dir("deploy-metrics");
    let server = start(load(dir.path()));
    // One request of each kind the counters need to show up with their labels.
    assert_eq!(get(server.addr(), "/readyz").status, 200);
    let metrics = get(server.addr(), "/metrics").text();
    let exported = series_names(&metrics);
    for expected in [
        "wstrust_ready",
        "wstrust_readiness_check",
        "wstrust_signing_certificate_not_after_seconds",
    ] {
        assert!(exported.contains(expected), "{expected} not in:\n{metrics}");
    }
    let rules = std::fs::read_to_string(deploy().join("prometheus/wstrust-alerts.yml")).unwrap();
    let tests =
        std::fs::read_to_string(deploy().join("prometheus/wstrust-alerts.test.yml")).unwrap();
    let named: BTreeSet<String> = series_names(&rules)
        .into_iter()
        .chain(series_names(&tests))
        .chain(dashboard_queries().iter().flat_map(|q| series_names(q)))
        .collect();
    assert!(named.len() >= 10, "{named:?}");
    for n in &named {
        assert!(
            exported.contains(n),
            "{n} is named in deploy/ but not exported"
        );
    }
    // The certificate gauge is the signing certificate's end of validity.
    let line = metrics
        .lines()
        .find(|l| l.starts_with("wstrust_signing_certificate_not_after_seconds "))
        .unwrap();
    let cert = std::fs::read_to_string(dir.path().join("pki/sts.pem")).unwrap();
    let cert = wstrust::pki::Certificate::from_pem(&cert).unwrap();
    assert_eq!(
        line.split(' ').nth(1),
        Some(cert.not_after().to_string().as_str())
    );
    assert!(metrics.contains("wstrust_ready 1\n"));
}
