//! `wstrust hash-password`: the Argon2id PHC string to put in a `[[users]]` entry of
//! `wstrust.toml`, made with the engine's default cost.

use std::io::Read as _;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::engine::users::{hash_password, Argon2Params};

/// Arguments of `wstrust hash-password`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read the password from this file (its first line) instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// Runs the command: reads one password, prints its hash.
pub fn run(args: &Args) -> Result<(), String> {
    let password = read_password(args.password_file.as_ref())?;
    let phc = hash_password(password.as_bytes(), &Argon2Params::default())
        .map_err(|e| format!("hashing failed: {e}"))?;
    println!("{phc}");
    Ok(())
}

/// One password: the first line of `file`, else of standard input; never empty.
pub(crate) fn read_password(file: Option<&PathBuf>) -> Result<Zeroizing<String>, String> {
    let mut text = Zeroizing::new(String::new());
    match file {
        Some(p) => {
            *text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        }
        None => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        }
    }
    let first = Zeroizing::new(text.lines().next().unwrap_or("").to_owned());
    if first.is_empty() {
        return Err(
            "the password is empty: give it on standard input or in --password-file".into(),
        );
    }
    Ok(first)
}
