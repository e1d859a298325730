//! `wstrust users add | passwd | lock | unlock | remove | list`: the `[[users]]` of
//! `wstrust.toml` changed in place (comments kept, validated before the file is replaced;
//! see [`crate::config::edit`]). A running server applies the change on `SIGHUP`.

use std::path::PathBuf;

use crate::config::edit::{ConfigEdit, PasswordKind};
use crate::config::phc_params;
use crate::engine::users::{hash_password, Argon2Params};

/// Arguments of `wstrust users`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file.
    #[command(flatten)]
    pub file: super::config_path::ConfigPath,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `users` subcommands.
#[derive(Debug, clap::Subcommand)]
#[non_exhaustive]
pub enum Action {
    /// Add a user; the password is read from standard input (its first line) or a file.
    Add {
        /// The user name (exact, case-sensitive).
        name: String,
        /// Read the password from this file (its first line).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Set a user's password (read as for `add`).
    Passwd {
        /// The user name.
        name: String,
        /// Read the password from this file (its first line).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Refuse a user from now on (like a wrong password); the entry stays.
    Lock {
        /// The user name.
        name: String,
    },
    /// Accept a locked user again.
    Unlock {
        /// The user name.
        name: String,
    },
    /// Remove a user.
    Remove {
        /// The user name.
        name: String,
    },
    /// List the users (names, how the password is kept, locked or not; never a hash).
    List,
}

/// The hash of a new password, with the cost of the file's other users.
fn new_hash(edit: &ConfigEdit, file: Option<&PathBuf>) -> Result<String, String> {
    let params = edit
        .any_password_hash()
        .map_err(|e| e.to_string())?
        .and_then(|h| phc_params(&h))
        .unwrap_or_else(Argon2Params::default);
    let password = super::hash_password::read_password(file)?;
    hash_password(password.as_bytes(), &params).map_err(|e| format!("hashing failed: {e}"))
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let path = args.file.path();
    let mut edit = ConfigEdit::open(&path).map_err(|e| e.to_string())?;
    let done = match &args.action {
        Action::List => {
            for u in edit.users().map_err(|e| e.to_string())? {
                let kind = match u.password {
                    PasswordKind::Argon2 => "argon2id",
                    PasswordKind::DigestFile => "digest-file",
                    _ => "none",
                };
                let state = if u.locked { "locked" } else { "active" };
                println!("{}\t{kind}\t{state}", u.name.escape_debug());
            }
            return Ok(());
        }
        Action::Add {
            name,
            password_file,
        } => {
            let phc = new_hash(&edit, password_file.as_ref())?;
            edit.add_user(name, &phc).map_err(|e| e.to_string())?;
            "added"
        }
        Action::Passwd {
            name,
            password_file,
        } => {
            let phc = new_hash(&edit, password_file.as_ref())?;
            edit.set_password(name, &phc).map_err(|e| e.to_string())?;
            "password changed for"
        }
        Action::Lock { name } => {
            edit.set_locked(name, true).map_err(|e| e.to_string())?;
            "locked"
        }
        Action::Unlock { name } => {
            edit.set_locked(name, false).map_err(|e| e.to_string())?;
            "unlocked"
        }
        Action::Remove { name } => {
            edit.remove_user(name).map_err(|e| e.to_string())?;
            "removed"
        }
    };
    let name = match &args.action {
        Action::Add { name, .. }
        | Action::Passwd { name, .. }
        | Action::Lock { name }
        | Action::Unlock { name }
        | Action::Remove { name } => name.clone(),
        _ => String::new(),
    };
    edit.save().map_err(|e| e.to_string())?;
    println!(
        "{done} {:?} in {}",
        name.escape_debug().to_string(),
        path.display()
    );
    println!("a running server applies it on SIGHUP (systemctl reload wstrust)");
    Ok(())
}
