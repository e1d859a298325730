//! `wstrust realms list | show NAME`: the realms (relying parties) a configuration defines,
//! loaded as `serve` loads them.

use crate::config;
use crate::engine::config::{AppliesToMatch, Realm};
use crate::xml::datetime;

/// Arguments of `wstrust realms`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file.
    #[command(flatten)]
    pub file: super::config_path::ConfigPath,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `realms` subcommands.
#[derive(Debug, clap::Subcommand)]
#[non_exhaustive]
pub enum Action {
    /// One line per realm: name, AppliesTo match, token types.
    List,
    /// Every setting of one realm.
    Show {
        /// The realm's name.
        name: String,
    },
}

fn applies_to(m: &AppliesToMatch) -> String {
    match m {
        AppliesToMatch::Exact(u) => format!("exact {u}"),
        AppliesToMatch::Prefix(u) => format!("prefix {u}"),
    }
}

fn show(r: &Realm, default_suite: crate::xmlsec::Suite) {
    let cert = &r.encryption_cert;
    println!("name:                {}", r.name);
    println!("applies_to:          {}", applies_to(&r.applies_to));
    println!("token types:         {}", r.token_types.names().join(", "));
    if let Some(t) = &r.default_token_type {
        println!("default token type:  {}", t.uri());
    }
    println!(
        "encryption cert:     {} (not after {})",
        cert.subject(),
        datetime::format(cert.not_after().saturating_mul(1000))
    );
    println!("key size:            {} bits", r.key_size_bits);
    println!("lifetime:            {} s", r.lifetime_secs);
    println!("renewal window:      {} s", r.renewal_window_secs);
    println!("owner renewal:       {}", r.owner_renewal);
    println!("stateful contexts:   {}", r.stateful);
    println!("rekey on renew:      {}", r.rekey_on_renew);
    println!("encrypt assertion:   {}", r.encrypt_assertion);
    println!(
        "algorithms:          {}",
        r.algorithms.unwrap_or(default_suite)
    );
    if !r.claims.is_empty() {
        println!("claims:              {}", r.claims.join(", "));
    }
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let path = args.file.path();
    let loaded = config::load(&path).map_err(|e| e.to_string())?;
    let e = &loaded.engine;
    match &args.action {
        Action::List => {
            for r in &e.realms {
                println!(
                    "{}\t{}\t{}",
                    r.name,
                    applies_to(&r.applies_to),
                    r.token_types.names().join(",")
                );
            }
            Ok(())
        }
        Action::Show { name } => {
            let r = e.realms.iter().find(|r| r.name == *name).ok_or_else(|| {
                format!(
                    "no realm {:?} in {}",
                    name.escape_debug().to_string(),
                    path.display()
                )
            })?;
            show(r, e.algorithms);
            Ok(())
        }
    }
}
