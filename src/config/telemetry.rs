//! `[tracing]`, resolved: where the OTLP exporter sends spans and how ([`Tracing`]).

use std::time::Duration;

use crate::pki::Certificate;

use super::file::TracingSection;
use super::{Builder, ConfigError};

/// The body encoding of OTLP/HTTP.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// `application/x-protobuf` (the OTLP default).
    Protobuf,
    /// `application/json`.
    Json,
}

/// OpenTelemetry trace export, as configured.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Tracing {
    /// The OTLP/HTTP traces URL.
    pub endpoint: String,
    /// The body encoding.
    pub protocol: OtlpProtocol,
    /// The trust anchor of an `https://` collector.
    pub ca: Option<Certificate>,
    /// `service.name`.
    pub service_name: String,
    /// The share of root traces recorded.
    pub sample_ratio: f64,
    /// How long finished spans wait to be sent in one batch.
    pub export_delay: Duration,
    /// How long one export may take.
    pub export_timeout: Duration,
}

impl Builder<'_> {
    pub(super) fn tracing(
        &self,
        t: Option<&TracingSection>,
    ) -> Result<Option<Tracing>, ConfigError> {
        let Some(t) = t else {
            return Ok(None);
        };
        let endpoint = t.otlp_endpoint.trim();
        let https = match endpoint.split_once("://") {
            Some(("http", rest)) if !rest.is_empty() => false,
            Some(("https", rest)) if !rest.is_empty() => true,
            _ => {
                return Err(self.invalid(
                    "tracing.otlp_endpoint",
                    "not an http:// or https:// URL",
                    "give the collector's traces URL, such as http://127.0.0.1:4318/v1/traces",
                ))
            }
        };
        if endpoint.parse::<hyper::Uri>().is_err() {
            return Err(self.invalid(
                "tracing.otlp_endpoint",
                "not a valid URL",
                "give the collector's traces URL, such as http://127.0.0.1:4318/v1/traces",
            ));
        }
        let protocol = match t.otlp_protocol.as_str() {
            "http/protobuf" => OtlpProtocol::Protobuf,
            "http/json" => OtlpProtocol::Json,
            _ => {
                return Err(self.invalid(
                    "tracing.otlp_protocol",
                    "neither `http/protobuf` nor `http/json`",
                    "use `http/protobuf` (or `http/json`)",
                ))
            }
        };
        let ca = match &t.otlp_ca {
            Some(p) => Some(self.cert("tracing.otlp_ca", p)?),
            None if https => {
                return Err(self.invalid(
                    "tracing.otlp_ca",
                    "an https:// collector needs the CA its certificate chains to",
                    "give `otlp_ca` (a PEM certificate), or use http:// to a local collector",
                ))
            }
            None => None,
        };
        if !(0.0..=1.0).contains(&t.sample_ratio) {
            return Err(self.invalid(
                "tracing.sample_ratio",
                "outside 0.0 to 1.0",
                "give a share such as 1.0 (every trace) or 0.1",
            ));
        }
        if t.service_name.trim().is_empty() {
            return Err(self.invalid(
                "tracing.service_name",
                "empty",
                "give a name, or leave it out for `wstrust`",
            ));
        }
        let ms = |setting: &str, v: u64| {
            if (1..=600_000).contains(&v) {
                Ok(Duration::from_millis(v))
            } else {
                Err(self.invalid(
                    setting,
                    "outside 1 to 600000 ms",
                    "give a number of milliseconds",
                ))
            }
        };
        Ok(Some(Tracing {
            endpoint: endpoint.to_owned(),
            protocol,
            ca,
            service_name: t.service_name.trim().to_owned(),
            sample_ratio: t.sample_ratio,
            export_delay: ms("tracing.export_delay_ms", t.export_delay_ms)?,
            export_timeout: ms("tracing.export_timeout_ms", t.export_timeout_ms)?,
        }))
    }
}
