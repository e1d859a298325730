//! `wstrust config check | reference`: load a configuration file and say what it would serve,
//! or print the configuration reference (`docs/config.md`).

use std::path::PathBuf;

use crate::config;

/// Arguments of `wstrust config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `config` subcommands.
#[derive(Debug, clap::Subcommand)]
#[non_exhaustive]
pub enum Action {
    /// Load the file as `serve` would (keys, certificates, realms, store setting) and print a
    /// summary; exit status 1 with what to fix when it would not start.
    Check {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Print the configuration reference (every key, its type and its default) as Markdown.
    Reference,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.action {
        Action::Reference => {
            print!("{}", config::reference::markdown());
            Ok(())
        }
        Action::Check { config: path } => {
            let loaded = config::load(path).map_err(|e| e.to_string())?;
            let e = &loaded.engine;
            println!("{}: ok", path.display());
            println!("issuer: {}", e.issuer);
            println!("listen: {}", loaded.server.listen);
            println!("store: {:?}", loaded.store);
            println!(
                "signing certificate: {} (not after {})",
                e.signing_cert.subject(),
                crate::xml::datetime::format(e.signing_cert.not_after().saturating_mul(1000))
            );
            println!("algorithms (default): {}", e.algorithms);
            for r in &e.realms {
                println!(
                    "realm {}: algorithms {}",
                    r.name,
                    r.algorithms.unwrap_or(e.algorithms)
                );
            }
            Ok(())
        }
    }
}
