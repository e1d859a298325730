//! The OTLP/HTTP trace exporter of `wstrust serve` (`[tracing]`): an OpenTelemetry tracer
//! provider whose batch processor sends the `wstrust.request` spans of
//! [`server::trace`](crate::server::trace) to the collector, over our own HTTP client
//! (rustls trusting only `otlp_ca` for `https://`).
//!
//! The batch processor runs on its own thread; each export is a task on the server's
//! runtime, bounded by `export_timeout`.

use std::time::Duration;

use bytes::Bytes;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider,
};
use opentelemetry_sdk::Resource;
use tokio::runtime::Handle;

use crate::client::http::{post_once, Endpoint};
use crate::config::telemetry::{OtlpProtocol, Tracing};

/// Sends one OTLP request on the server's runtime.
struct Sender {
    endpoint: Endpoint,
    runtime: Handle,
    timeout: Duration,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("endpoint", &self.endpoint.url)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl HttpClient for Sender {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let content_type = request
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-protobuf")
            .to_owned();
        let body = request.into_body();
        let endpoint = self.endpoint.clone();
        let timeout = self.timeout;
        // The exporter's thread has no runtime of its own: the request runs as a task.
        let task = self.runtime.spawn(async move {
            tokio::time::timeout(timeout, post_once(&endpoint, body, &content_type))
                .await
                .map_err(|_| format!("{}: no answer within {timeout:?}", endpoint.url))?
        });
        let answer = task.await.map_err(|e| e.to_string())??;
        Ok(Response::builder()
            .status(answer.status)
            .body(Bytes::from(answer.body))?)
    }
}

/// The running exporter; [`Telemetry::shutdown`] sends what is still queued.
pub(super) struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    /// Starts the exporter for `cfg`, its exports running on `runtime`.
    pub(super) fn start(cfg: &Tracing, runtime: Handle) -> Result<Self, String> {
        let endpoint = Endpoint::new(&cfg.endpoint, cfg.ca.as_ref())
            .map_err(|e| format!("[tracing] otlp_endpoint: {e}"))?;
        let sender = Sender {
            endpoint,
            runtime,
            timeout: cfg.export_timeout,
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(sender)
            .with_endpoint(cfg.endpoint.clone())
            .with_protocol(match cfg.protocol {
                OtlpProtocol::Protobuf => Protocol::HttpBinary,
                OtlpProtocol::Json => Protocol::HttpJson,
            })
            .with_timeout(cfg.export_timeout)
            .build()
            .map_err(|e| format!("[tracing]: the OTLP exporter: {e}"))?;
        let batch = BatchConfigBuilder::default()
            .with_scheduled_delay(cfg.export_delay)
            .build();
        let processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(batch)
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                cfg.sample_ratio,
            ))))
            .with_resource(
                Resource::builder()
                    .with_service_name(cfg.service_name.clone())
                    .with_attribute(opentelemetry::KeyValue::new(
                        "service.version",
                        env!("CARGO_PKG_VERSION"),
                    ))
                    .build(),
            )
            .build();
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        Ok(Self { provider })
    }

    /// The tracing layer that turns request spans into OpenTelemetry spans.
    pub(super) fn layer<S>(&self) -> impl tracing_subscriber::Layer<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        use tracing_subscriber::Layer as _;
        let only_requests = tracing_subscriber::filter::Targets::new()
            .with_target(crate::server::trace::TARGET, tracing::Level::INFO);
        tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer("wstrust"))
            .with_filter(only_requests)
    }

    /// Sends the spans still queued and stops the exporter (at shutdown).
    pub(super) fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!("OTLP trace export at shutdown: {e}");
        }
    }
}
