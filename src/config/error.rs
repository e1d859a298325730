//! Configuration errors: each one names the file or setting and says what to fix.

use std::path::PathBuf;

/// Why the configuration or the data directory could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read or written.
    #[error("`{path}`: {source} ({fix})")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
        /// What to do about it.
        fix: &'static str,
    },
    /// The TOML is malformed or has an unknown or mistyped setting.
    #[error("`{path}`: {message}(see the comments in a file written by `wstrust init` for every setting)")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A setting has a value that cannot be used.
    #[error("`{path}`: setting `{setting}`: {problem}; {fix}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The setting, e.g. `realms[0].cert`.
        setting: String,
        /// What is wrong.
        problem: String,
        /// What to do about it.
        fix: String,
    },
    /// Generating keys or certificates failed.
    #[error("generating {what}: {message}")]
    Generate {
        /// What was being generated.
        what: &'static str,
        /// The underlying error.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        fix: &'static str,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source, fix }
    }

    pub(crate) fn invalid(
        path: impl Into<PathBuf>,
        setting: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            path: path.into(),
            setting: setting.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}
