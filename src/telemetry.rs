//! Tracing setup: `RUST_LOG`-style filtering, pretty or JSON lines on stderr.
//!
//! Invariant (enforced by review and by the canary tests): no log line or
//! span field carries message text, matched spans or identifiers — only ids,
//! kinds, counts and rule ids. Handlers use `#[instrument(skip_all)]`.

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

/// Output format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Install the global subscriber. `RUST_LOG` wins over the default filter.
pub fn init(format: LogFormat) {
    // matrix-sdk logs ordinary 404s (missing account data) as errors; keep them quiet by default.
    let default = "info,matrix_sdk=warn,matrix_sdk_crypto=warn,matrix_sdk_base=warn,serenity=warn,sqlx=warn,hyper=warn,reqwest=warn";
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true);
    let result = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
