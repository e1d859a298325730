//! `wstrust serve`: runs the STS. Without a configuration file it makes (or reuses) the
//! zero-config data directory and serves from it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{self, datadir};
use crate::engine::Engine;
use crate::server::{self, Server};

/// Arguments of `wstrust serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file. Default: `DATA_DIR/wstrust.toml`, made with everything it
    /// names when missing.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data directory for the zero-config start.
    #[arg(long, value_name = "DIR", default_value = datadir::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Listen on this address instead of the configured one (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Log format (to standard error).
    #[arg(long, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

/// How log lines look.
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event.
    Json,
}

/// The log layer: `RUST_LOG` (default `info`) to standard error, without the request spans
/// (those go to the OTLP layer only).
fn log_layer<S>(format: LogFormat) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::Layer as _;
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if let Ok(d) = format!("{}=off", server::trace::TARGET).parse() {
        filter = filter.add_directive(d);
    }
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    match format {
        LogFormat::Human => layer.with_filter(filter).boxed(),
        LogFormat::Json => layer.json().with_filter(filter).boxed(),
    }
}

/// Logs go to standard error while the configuration is read (this thread only), then to the
/// process-wide subscriber [`init_tracing`] installs.
fn early_logging(format: LogFormat) -> tracing::subscriber::DefaultGuard {
    use tracing_subscriber::layer::SubscriberExt as _;
    tracing::subscriber::set_default(tracing_subscriber::registry().with(log_layer(format)))
}

/// The process-wide subscriber: the log layer, and the OTLP layer when `[tracing]` is set.
fn init_tracing(format: LogFormat, otlp: Option<&super::otlp::Telemetry>) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(log_layer(format))
        .with(otlp.map(super::otlp::Telemetry::layer))
        .try_init();
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let early = early_logging(args.log_format);
    let mut credentials = None;
    let config_path = match &args.config {
        Some(p) => p.clone(),
        None => {
            let listen = args
                .listen
                .map_or_else(|| "127.0.0.1:8080".to_owned(), |a| a.to_string());
            let report = datadir::init(&args.data_dir, &listen).map_err(|e| e.to_string())?;
            if !report.created.is_empty() {
                super::init::print_report(&report);
            }
            credentials = report.credentials;
            report.config
        }
    };
    let mut loaded = config::load(&config_path).map_err(|e| e.to_string())?;
    if let Some(l) = args.listen {
        loaded.server.listen = l;
    }
    let keyx_on = loaded.server.keyx && loaded.engine.keyx.is_some();
    let adfs_mex: Vec<(&str, String)> = loaded
        .server
        .aliases
        .iter()
        .filter_map(|a| match a.endpoint {
            server::Endpoint::AdfsMex => Some(("AD FS metadata:", a.path.clone())),
            server::Endpoint::FederationMetadata => Some(("federation md:", a.path.clone())),
            _ => None,
        })
        .collect();
    let store = config::open_store(&loaded.store).map_err(|e| e.to_string())?;
    let server_then = loaded.server.clone();
    let store_then = loaded.store.clone();
    let rollover = loaded.rollover.clone();
    let store_for_keys = Arc::clone(&store);
    let audit_path = loaded.audit.clone();
    let tracing_then = format!("{:?}", loaded.tracing);
    let mut engine = Engine::new(loaded.engine, store);
    match config::open_audit(loaded.audit.as_deref()).map_err(|e| e.to_string())? {
        Some(sink) => engine = engine.with_audit(sink),
        None => tracing::warn!("no [audit] section: the audit trail is off"),
    }
    let engine = Arc::new(engine);
    engine.log_algorithm_suites();

    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The engine runs here; Argon2 takes 19 MiB per password check, so bound the pool.
        .max_blocking_threads((workers * 4).max(4))
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let otlp = match &loaded.tracing {
        Some(t) => Some(super::otlp::Telemetry::start(t, rt.handle().clone())?),
        None => None,
    };
    drop(early);
    init_tracing(args.log_format, otlp.as_ref());
    if let Some(t) = &loaded.tracing {
        tracing::info!(endpoint = %t.endpoint, "OTLP trace export on");
    }
    let served = rt.block_on(async move {
        let server = Server::bind(loaded.server, engine)
            .await
            .map_err(|e| e.to_string())?;
        let url = server.sts_url();
        println!("listening on {}", server.local_addr());
        println!("  STS endpoint: {url}");
        println!("  WSDL:         {url}?wsdl");
        println!("  metadata:     {url}/mex");
        // The base address (a public URL such as https://sts.example.com holds "/sts" too).
        let base = url.strip_suffix("/sts").unwrap_or(&url);
        println!("  liveness:     {base}/livez (also /healthz)");
        println!("  readiness:    {base}/readyz");
        println!("  metrics:      {base}/metrics");
        if keyx_on {
            println!("  key exchange: {base}/keyx (POST JSON)");
        }
        for (label, p) in &adfs_mex {
            println!("  {label} {base}{p}");
        }
        println!("  config:       {}", config_path.display());
        if let Some(p) = &audit_path {
            println!("  audit trail:  {}", p.display());
        }
        if let Some(c) = &credentials {
            println!("  demo user:    {} (username, password, applies_to)", c.display());
            let applies_to = datadir::read_credentials(c)
                .ok()
                .flatten()
                .map_or_else(|| datadir::DEMO_APPLIES_TO.to_owned(), |c| c.applies_to);
            println!("get a token:");
            // The STS certificate of the data directory: the client verifies every reply.
            let sts_pem = args.data_dir.join("pki").join("sts.pem");
            println!(
                "  wstrust request --url {url} --sts-cert {} --username {} --password-file {} --applies-to {applies_to}",
                sts_pem.display(),
                datadir::DEMO_USER,
                c.display()
            );
        }
        println!("stop with Ctrl-C (in-flight requests finish first); reload the configuration with SIGHUP");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let reloads = Arc::new(super::reload::Reloads {
            reloader: server.reloader(),
            path: config_path.clone(),
            listen: args.listen,
            server_then: super::reload::listener_text(&server_then),
            store_then,
            audit_then: audit_path.clone(),
            tracing_then,
            store: Arc::clone(&store_for_keys),
        });
        tokio::spawn(Arc::clone(&reloads).on_hangup());
        tokio::spawn(reloads.key_rollover(rollover));
        server
            .run(server::shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    });
    if let Some(t) = otlp {
        t.shutdown();
    }
    served
}
