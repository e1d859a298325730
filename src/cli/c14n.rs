//! `wstrust c14n`: the tool people reach for when two stacks disagree on a digest.

use std::io::{Read, Write};
use std::path::PathBuf;

use crate::xml::{canonicalize, C14nMethod, C14nOptions, Document};

/// Arguments of `wstrust c14n`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Canonical XML 1.0 (inclusive) instead of exclusive c14n.
    #[arg(long)]
    pub inclusive: bool,
    /// Keep comments.
    #[arg(long)]
    pub with_comments: bool,
    /// InclusiveNamespaces PrefixList for exclusive c14n, e.g. "soap #default".
    #[arg(long, value_name = "LIST")]
    pub prefixes: Option<String>,
    /// Canonicalize only the element with this Id (wsu:Id, Id, ID or AssertionID).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The document, or `-` for standard input.
    pub file: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let mut input = Vec::new();
    if args.file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut input)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
    } else {
        input = std::fs::read(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    }
    let doc = Document::parse(&input).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let node = match &args.id {
        None => doc.document_node(),
        Some(id) => doc
            .element_by_id(id)
            .map_err(|_| format!("id {id:?} appears on more than one element"))?
            .ok_or_else(|| format!("no element has id {id:?} (wsu:Id, Id, ID or AssertionID)"))?,
    };
    let mut opts = C14nOptions::exclusive().with_comments(args.with_comments);
    if args.inclusive {
        if args.prefixes.is_some() {
            return Err("--prefixes applies to exclusive c14n only; drop --inclusive".into());
        }
        opts.method = C14nMethod::Inclusive;
    }
    if let Some(list) = &args.prefixes {
        opts = opts.with_prefix_list(list);
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    canonicalize(&doc, node, &opts, &mut lock).map_err(|e| e.to_string())?;
    lock.flush().map_err(|e| e.to_string())
}
