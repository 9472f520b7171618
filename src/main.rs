//! Startup only: telemetry → config → store (+migrate) → adapters and
//! scheduler → wait for a signal. Subcommands for admins live here too;
//! each delegates to the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use rounds::bot::Bot;
use rounds::config::{Config, Env};
use rounds::telemetry::{self, LogFormat};
use std::path::PathBuf;

/// Rounds — sourced guidance, a weekly journal club and a confidentiality
/// guard for private doctors' communities on Discord and Matrix.
#[derive(Debug, Parser)]
#[command(name = "rounds", version, propagate_version = true)]
struct Cli {
    /// Config file (default: config/rounds.toml if present, else built-in defaults).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "pretty")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Start every platform whose credentials are set (DISCORD_TOKEN, MATRIX_*);
    /// with none set, start the local console. This is the default.
    Run,
    /// Chat with Rounds in the terminal as a local community (reads stdin).
    Console,
    /// Apply database migrations to DATABASE_URL and list the tables.
    Migrate,
    /// Validate the configuration and print the effective settings (secrets redacted).
    CheckConfig,
}

fn main() -> std::process::ExitCode {
    // .env is optional; a malformed one is reported, not ignored.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: .env could not be read: {e}");
        return std::process::ExitCode::from(2);
    }
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let config = Config::load(cli.config.as_deref(), Env::from_env())?;
    match cli.command.unwrap_or(Cmd::Run) {
        Cmd::CheckConfig => {
            print!("{}", config.render()?);
            println!("\n# configuration OK");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Migrate => {
            let store = rounds::store::connect(config.env.database_url.expose()).await?;
            println!(
                "migrations applied ({}); tables: {}",
                store.backend(),
                store.table_names().await?.join(", ")
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Console => {
            let bot = build_bot(&config).await?;
            run_console(bot).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Run => {
            let bot = build_bot(&config).await?;
            if !config.env.discord_enabled() && !config.env.matrix_enabled() {
                tracing::info!("no Discord or Matrix credentials set: starting the local console");
                eprintln!(
                    "No DISCORD_TOKEN or MATRIX_* credentials are set, so Rounds starts the local console. Type /help."
                );
                run_console(bot).await?;
                return Ok(std::process::ExitCode::SUCCESS);
            }
            anyhow::bail!("platform adapters are not built into this version yet")
        }
    }
}

async fn build_bot(config: &Config) -> Result<Bot> {
    let store = rounds::store::connect(config.env.database_url.expose())
        .await
        .context("opening the database")?;
    tracing::info!(backend = store.backend(), "store ready");
    Ok(Bot::new(config.settings.clone(), store))
}

async fn run_console(bot: Bot) -> Result<()> {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut console = rounds::adapters::console::Console::new(bot, std::io::stdout());
    console.run(stdin).await
}
