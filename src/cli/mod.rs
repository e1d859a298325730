//! The command-line front end: one file per subcommand.
//!
//! Responsibility: parse arguments, call the library, print results and errors that say what
//! to fix. May use: every other layer.

pub mod c14n;
pub mod init;
pub mod serve;

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
    /// Write the zero-config data directory (dev CA, keys, demo realm and user) and exit.
    Init(init::Args),
    /// Run the security token service.
    Serve(serve::Args),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::C14n(args) => c14n::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
