//! `[store]`: where the token store lives ([`StoreSetting`]) and opening it once at start
//! ([`open_store`]).

use std::path::PathBuf;
use std::sync::Arc;

use crate::store::{MemoryStore, RedbStore, RedisStore, TokenStore};

use super::file::FileConfig;
use super::{Builder, ConfigError};

/// Where the token store lives.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum StoreSetting {
    /// In process memory.
    Memory,
    /// A redb file.
    Redb(PathBuf),
    /// A Redis server.
    Redis {
        /// `redis://` URL.
        url: String,
        /// Key prefix.
        namespace: String,
    },
}

/// Opens the store once, at start.
pub fn open_store(s: &StoreSetting) -> Result<Arc<dyn TokenStore>, ConfigError> {
    let fix = "check the `[store] url` setting and that the store is reachable";
    Ok(match s {
        StoreSetting::Memory => Arc::new(MemoryStore::new()),
        StoreSetting::Redb(p) => Arc::new(
            RedbStore::open(p)
                .map_err(|e| ConfigError::invalid(p, "[store] url", e.to_string(), fix))?,
        ),
        StoreSetting::Redis { url, namespace } => {
            Arc::new(RedisStore::open(url, namespace).map_err(|e| {
                ConfigError::invalid(redact_url(url), "[store] url", e.to_string(), fix)
            })?)
        }
    })
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

impl Builder<'_> {
    pub(super) fn store(&self, f: &FileConfig) -> Result<StoreSetting, ConfigError> {
        let url = f.store.url.trim();
        Ok(match url {
            "memory" => StoreSetting::Memory,
            "redb" => StoreSetting::Redb(self.file("store.redb")),
            u if u.starts_with("redb:") => StoreSetting::Redb(self.file(&u[5..])),
            u if u.starts_with("redis://")
                || u.starts_with("rediss://")
                || u.starts_with("redis+unix://") =>
            {
                StoreSetting::Redis {
                    url: u.to_owned(),
                    namespace: f.store.namespace.clone(),
                }
            }
            other => {
                return Err(self.invalid(
                    "store.url",
                    format!("`{}` is not a store", redact_url(other)),
                    "use \"redb\", \"redb:PATH\", \"memory\" or a \"redis://host:port/db\" URL",
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_passwords_are_not_repeated() {
        assert_eq!(redact_url("redis://u:secret@h:1/0"), "redis://***@h:1/0");
        assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
    }
}
