//! `listen`, `public_url`, `[tls]`, `[limits]`, `[rate_limit]` and `[[aliases]]`: the
//! transport's [`ServerSettings`].

use std::net::SocketAddr;
use std::time::Duration;

use crate::server::{AdfsPolicy, Alias, Endpoint, Limits, RateLimit, ServerSettings, TlsFiles};
use crate::trust::TokenType;

use super::file::FileConfig;
use super::{Builder, ConfigError};

impl Builder<'_> {
    pub(super) fn server(&self, f: &FileConfig) -> Result<ServerSettings, ConfigError> {
        let listen_text = f.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            self.invalid(
                "listen",
                format!("`{listen_text}` is not a socket address"),
                "write an IP address and port, e.g. \"127.0.0.1:8080\" or \"[::]:8443\"",
            )
        })?;
        let mut s = ServerSettings::new(listen);
        if let Some(u) = &f.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://"))
                || u.contains(['"', '<', '>', '&', ' '])
            {
                return Err(self.invalid(
                    "public_url",
                    format!("`{u}`"),
                    "write the scheme, host and port clients use, e.g. \"https://sts.example.com\"",
                ));
            }
            s.public_url = Some(u.trim_end_matches('/').to_owned());
        }
        s.tls = f
            .tls
            .as_ref()
            .map(|t| TlsFiles::new(self.file(&t.cert), self.file(&t.key)));
        s.loopback_is_confidential = f.loopback_is_confidential;
        s.allow_plain_http_nonloopback = f.allow_plain_http_nonloopback;
        let l = &f.limits;
        let positive = |name: &str, v: u64| {
            if v == 0 {
                Err(self.invalid(&format!("limits.{name}"), "zero", "use a positive number"))
            } else {
                Ok(v)
            }
        };
        s.limits = Limits {
            max_body_bytes: usize::try_from(positive(
                "max_body_bytes",
                u64::try_from(l.max_body_bytes).unwrap_or(u64::MAX),
            )?)
            .unwrap_or(usize::MAX),
            header_timeout: Duration::from_secs(positive(
                "header_timeout_secs",
                l.header_timeout_secs,
            )?),
            request_timeout: Duration::from_secs(positive(
                "request_timeout_secs",
                l.request_timeout_secs,
            )?),
            max_connections: usize::try_from(positive(
                "max_connections",
                u64::try_from(l.max_connections).unwrap_or(u64::MAX),
            )?)
            .unwrap_or(usize::MAX),
            max_connections_per_source: usize::try_from(positive(
                "max_connections_per_source",
                u64::try_from(l.max_connections_per_source).unwrap_or(u64::MAX),
            )?)
            .unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(l.shutdown_grace_secs),
            drain: Duration::from_secs(l.drain_secs),
        };
        for (i, a) in f.aliases.iter().enumerate() {
            let endpoint = match a.endpoint.as_str() {
                "sts" => Endpoint::Sts,
                "mex" => Endpoint::Mex,
                "adfs-mex" => Endpoint::AdfsMex,
                "federation-metadata" => Endpoint::FederationMetadata,
                other => {
                    return Err(self.invalid(
                        &format!("aliases[{i}].endpoint"),
                        format!("`{other}`"),
                        "use \"sts\", \"mex\", \"adfs-mex\" or \"federation-metadata\"",
                    ));
                }
            };
            if endpoint != Endpoint::Sts
                && (a.default_token_type.is_some() || a.advertise.is_some())
            {
                return Err(self.invalid(
                    &format!("aliases[{i}]"),
                    "`default_token_type` and `advertise` apply to \"sts\" aliases only",
                    "remove them, or make the alias's endpoint \"sts\"",
                ));
            }
            if !a.path.starts_with('/') || a.path.contains(['?', '#']) {
                return Err(self.invalid(
                    &format!("aliases[{i}].path"),
                    format!("`{}`", a.path),
                    "give a URL path starting with `/`, without query or fragment",
                ));
            }
            if s.aliases.iter().any(|x| x.path == a.path)
                || ["/sts", "/sts/mex", "/keyx", "/healthz", "/metrics"].contains(&a.path.as_str())
            {
                return Err(self.invalid(
                    &format!("aliases[{i}].path"),
                    format!("`{}` is already served", a.path),
                    "give each alias its own path, not one of the built-in ones",
                ));
            }
            let mut alias = Alias::new(a.path.clone(), endpoint);
            if let Some(t) = &a.default_token_type {
                let tt = TokenType::from_uri(t);
                if !(tt.is_saml11() || tt.is_saml20() || tt.is_sct()) {
                    return Err(self.invalid(
                        &format!("aliases[{i}].default_token_type"),
                        format!("`{t}` is not a token type we issue"),
                        "use urn:oasis:names:tc:SAML:1.0:assertion, urn:oasis:names:tc:SAML:2.0:assertion \
                         or a security context token type URI",
                    ));
                }
                alias = alias.with_default_token_type(tt);
            }
            match a.advertise.as_deref() {
                None => {}
                Some(name) => match AdfsPolicy::from_config_name(name) {
                    Some(p) => alias = alias.advertised(p),
                    None => {
                        return Err(self.invalid(
                            &format!("aliases[{i}].advertise"),
                            format!("`{name}`"),
                            "use \"username-13\", \"username-2005\", \"certificate-13\" or \
                             \"certificate-2005\"",
                        ));
                    }
                },
            }
            s.aliases.push(alias);
        }
        if let Some(r) = &f.rate_limit {
            let rps = r.requests_per_second;
            if !(rps.is_finite() && rps > 0.0) {
                return Err(self.invalid(
                    "rate_limit.requests_per_second",
                    format!("{rps}"),
                    "use a positive number",
                ));
            }
            // Twice the rate by default: a client may catch up after a short pause.
            let default_burst = (rps * 2.0).ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
            let burst = r.burst.unwrap_or(default_burst);
            if burst == 0 {
                return Err(self.invalid("rate_limit.burst", "zero", "use a positive number"));
            }
            s.rate_limit = Some(RateLimit::new(rps, burst));
        }
        Ok(s)
    }
}
