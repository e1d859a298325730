//! The command-line front end: one file per subcommand.
//!
//! Responsibility: parse arguments, call the library, print results and errors that say what
//! to fix. May use: every other layer.

pub mod c14n;
pub mod cancel;
pub mod config;
mod config_path;
pub mod hash_password;
pub mod init;
pub mod inspect;
pub mod keys;
mod otlp;
mod pkcs12;
pub mod realms;
mod reload;
pub mod renew;
pub mod request;
pub mod serve;
pub mod users;
pub mod validate;
pub mod validate_token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `wstrust`: a WS-Trust security token service, its client and its token validator.
#[derive(Debug, Parser)]
#[command(name = "wstrust", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Print the canonical form of a document, or of the element with a given Id.
    C14n(c14n::Args),
    /// Check a configuration file, or print the configuration reference.
    Config(config::Args),
    /// Print the Argon2id hash of a password (read from standard input) for `[[users]]`.
    HashPassword(hash_password::Args),
    /// Write the zero-config data directory (dev CA, keys, demo realm and user) and exit.
    Init(init::Args),
    /// Run the security token service.
    Serve(serve::Args),
    /// Ask an STS for a token; print or save it with its proof key.
    Request(Box<request::Args>),
    /// Renew a security context token (signed with its proof key).
    Renew(Box<renew::Args>),
    /// Cancel a security context token (signed with its proof key).
    Cancel(Box<cancel::Args>),
    /// Ask the STS whether a security context token is valid (exit status 1 if not).
    Validate(Box<validate::Args>),
    /// Validate a token as a service does (SCT or SAML), with the service key and the STS
    /// certificate; print what it says (exit status 1 if it is not valid).
    ValidateToken(Box<validate_token::Args>),
    /// Add, change, lock, unlock, remove or list the users of `wstrust.toml` (in place,
    /// comments kept; a running server applies it on SIGHUP).
    Users(users::Args),
    /// List the realms of a configuration, or show one.
    Realms(realms::Args),
    /// List the token-signing keys (primary, secondary, previous), make a new one, or import
    /// one from a CA (PEM or PKCS#12).
    Keys(keys::Args),
    /// Explain an RST/RSTR (versions, binding, token, key material, who signed what), an
    /// EncryptedData/EncryptedKey, a signed document, MEX/WSDL or federation metadata.
    Inspect(inspect::Args),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::C14n(args) => c14n::run(&args),
        Command::Config(args) => config::run(&args),
        Command::HashPassword(args) => hash_password::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Request(args) => request::run(&args),
        Command::Renew(args) => renew::run(&args),
        Command::Cancel(args) => cancel::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::ValidateToken(args) => validate_token::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Users(args) => users::run(&args),
        Command::Realms(args) => realms::run(&args),
        Command::Keys(args) => keys::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
