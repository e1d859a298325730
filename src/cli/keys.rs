//! `wstrust keys list | rotate | import`: the token-signing key ring of a configuration
//! (see [`crate::config::keyring`]). A running server picks up a rotated or imported key
//! at its next ring check or on `SIGHUP`.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::config;
use crate::config::keyring::{KeyState, NewKey};
use crate::xml::datetime;

/// Arguments of `wstrust keys`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file.
    #[command(flatten)]
    pub file: super::config_path::ConfigPath,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `keys` subcommands.
#[derive(Debug, clap::Subcommand)]
#[non_exhaustive]
pub enum Action {
    /// One line per key: thumbprint, state (primary, secondary, previous, expired, ...),
    /// validity, promotion time, subject.
    List,
    /// Make a new key with a self-signed certificate: published at once, primary after
    /// `[key_rollover] promote_after_days` (at once with --urgent).
    Rotate {
        /// Promote at once (a compromised primary): relying parties that have not read the
        /// metadata yet will refuse tokens until they do.
        #[arg(long)]
        urgent: bool,
    },
    /// Add a key pair from a CA: a PEM certificate and PKCS#8 key, or a PKCS#12 file.
    Import {
        /// The certificate (PEM).
        #[arg(long, value_name = "FILE", requires = "key", conflicts_with = "pkcs12")]
        cert: Option<PathBuf>,
        /// The private key (PKCS#8 PEM).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// A PKCS#12 (.pfx/.p12) file holding the key and its certificate.
        #[arg(long, value_name = "FILE")]
        pkcs12: Option<PathBuf>,
        /// The PKCS#12 password, in a file (its first line). Default: an empty password.
        #[arg(long, value_name = "FILE", requires = "pkcs12")]
        password_file: Option<PathBuf>,
        /// Promote at once instead of after `promote_after_days`.
        #[arg(long)]
        urgent: bool,
    },
}

fn read(p: &PathBuf) -> Result<Zeroizing<String>, String> {
    std::fs::read_to_string(p)
        .map(Zeroizing::new)
        .map_err(|e| format!("cannot read {}: {e}", p.display()))
}

fn time(secs: i64) -> String {
    if secs == i64::MIN {
        "-".into()
    } else {
        datetime::format(secs.saturating_mul(1000))
    }
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let path = args.file.path();
    let loaded = config::load(&path).map_err(|e| e.to_string())?;
    let now = crate::wss::Clock::now_ms(&crate::wss::SystemClock).div_euclid(1000);
    let policy = loaded.rollover.policy;
    let dir = &loaded.rollover.directory;
    let new = match &args.action {
        Action::List => {
            for (k, state) in loaded.ring.states(now) {
                println!(
                    "{}\t{}\t{} .. {}\tpromote {}\t{}{}",
                    k.id,
                    state.name(),
                    time(k.cert.not_before()),
                    time(k.cert.not_after()),
                    time(k.promote_at),
                    k.cert.subject(),
                    if k.configured { "\t[signing]" } else { "" }
                );
            }
            if !loaded
                .ring
                .states(now)
                .iter()
                .any(|(_, s)| *s == KeyState::Primary)
            {
                return Err(
                    "no valid token-signing key: run `wstrust keys rotate --urgent`".into(),
                );
            }
            return Ok(());
        }
        Action::Rotate { urgent } => {
            NewKey::generate(&policy, now, *urgent).map_err(|e| e.to_string())?
        }
        Action::Import {
            cert,
            key,
            pkcs12,
            password_file,
            urgent,
        } => {
            let (cert_pem, key_pem) = match (cert, key, pkcs12) {
                (Some(c), Some(k), None) => (read(c)?, read(k)?),
                (None, None, Some(p)) => {
                    let password = match password_file {
                        Some(f) => Zeroizing::new(read(f)?.lines().next().unwrap_or("").to_owned()),
                        None => Zeroizing::new(String::new()),
                    };
                    let der = std::fs::read(p)
                        .map(Zeroizing::new)
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                    super::pkcs12::pem_pair(&der, &password)?
                }
                _ => return Err("give --cert and --key, or --pkcs12".into()),
            };
            NewKey::import(&cert_pem, &key_pem, &policy, now, *urgent)?
        }
    };
    let id = new.write(dir).map_err(|e| e.to_string())?;
    println!("token-signing key {id} written to {}", dir.display());
    println!("a running server publishes it at its next key check or on SIGHUP (systemctl reload wstrust)");
    Ok(())
}
