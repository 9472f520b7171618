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
    /// Discord administration (needs DISCORD_TOKEN).
    #[command(subcommand)]
    Discord(DiscordCmd),
    /// Scan text for patient-identifiable details (redacted output unless --show).
    ///
    /// Exit status: 0 when nothing was flagged, 1 when something was, 2 on error.
    Scan {
        /// A file to scan, or `-` / nothing for stdin.
        file: Option<PathBuf>,
        /// Input is JSON lines with `id` and `text`; prints one JSON line per input
        /// with UTF-8 byte spans: {"id", "flagged", "severity", "spans": [[start, end, "KIND"], …]}.
        #[arg(long)]
        jsonl: bool,
        /// Print the raw matched text (for checking your own text locally only).
        #[arg(long)]
        show: bool,
        /// Print messages/s and MB/s to stderr (detector construction excluded).
        #[arg(long)]
        stats: bool,
    },
    /// Guidance topics: list, show, validate, ask.
    #[command(subcommand)]
    Guidance(GuidanceCmd),
    /// Journal club: upcoming sessions and the calendar feed.
    #[command(subcommand)]
    Jc(JcCmd),
}

#[derive(Debug, Subcommand)]
enum JcCmd {
    /// Print upcoming session starts in UTC and local time.
    Occurrences {
        /// Club id (default: the default schedule, Sunday 20:00 Europe/London).
        #[arg(long)]
        club: Option<i64>,
        /// First day to list (YYYY-MM-DD, in the club's timezone).
        #[arg(long, value_parser = parse_date)]
        from: chrono::NaiveDate,
        /// How many sessions.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=200))]
        count: u16,
    },
    /// Write the iCalendar feed (RFC 5545) of upcoming sessions.
    Ics {
        /// Community as PLATFORM:ID, e.g. discord:123456789 or console:local.
        #[arg(long, default_value = "console:local")]
        community: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date like 2026-03-22"))
}

#[derive(Debug, Subcommand)]
enum GuidanceCmd {
    /// List the topics.
    List,
    /// Show one topic as members see it.
    Show {
        /// Topic slug, e.g. confidentiality.
        slug: String,
        /// uk, us, ca, au or ie.
        #[arg(long)]
        jurisdiction: Option<String>,
    },
    /// Validate every topic file (exit non-zero with reasons).
    Check {
        /// Directory of topic files (default: guidance.dir from the config, else the built-in content).
        dir: Option<PathBuf>,
    },
    /// Answer a question the way /ask does.
    Ask {
        /// The question.
        question: String,
        /// Print {"topic": slug|null, "confidence": x, "alternatives": [slug, …]}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DiscordCmd {
    /// Register the slash commands: in one guild (instant) or globally (may take up to an hour).
    Register {
        /// Guild (server) id; omit to register globally.
        #[arg(long, value_name = "ID")]
        guild: Option<u64>,
    },
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
            spawn_http(&config, &bot);
            run_console(bot).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Run => {
            let bot = build_bot(&config).await?;
            spawn_http(&config, &bot);
            if !config.env.discord_enabled() && !config.env.matrix_enabled() {
                tracing::info!("no Discord or Matrix credentials set: starting the local console");
                eprintln!(
                    "No DISCORD_TOKEN or MATRIX_* credentials are set, so Rounds starts the local console. Type /help."
                );
                run_console(bot).await?;
                return Ok(std::process::ExitCode::SUCCESS);
            }
            run_platforms(&config, bot).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Scan {
            file,
            jsonl,
            show,
            stats,
        } => {
            let detector = match &config.settings.guard.rules_dir {
                Some(dir) => rounds::phi::Detector::from_dir(dir)
                    .map_err(|e| anyhow::anyhow!("detector rules in {}: {e}", dir.display()))?,
                None => rounds::phi::Detector::builtin(),
            };
            let opts = rounds::cli::ScanOptions { show, jsonl, stats };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let flagged = rounds::cli::scan(&detector, file.as_deref(), &opts, &mut out)?;
            std::io::Write::flush(&mut out)?;
            Ok(if flagged {
                std::process::ExitCode::from(1)
            } else {
                std::process::ExitCode::SUCCESS
            })
        }
        Cmd::Jc(JcCmd::Occurrences { club, from, count }) => {
            let report = match club {
                None => rounds::journal_club::service::render_occurrences(
                    &rounds::journal_club::schedule::ClubSchedule::default(),
                    from,
                    usize::from(count),
                ),
                Some(_) => {
                    let bot = build_bot(&config).await?;
                    rounds::journal_club::service::occurrences_report(
                        &bot.jc,
                        club,
                        from,
                        usize::from(count),
                    )
                    .await?
                }
            };
            print!("{report}");
            if !report.ends_with('\n') {
                println!();
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Jc(JcCmd::Ics { community, output }) => {
            let Some((platform, guild)) = community
                .split_once(':')
                .and_then(|(p, g)| Some((rounds::domain::Platform::parse(p)?, g)))
            else {
                anyhow::bail!(
                    "--community must look like discord:123456789, matrix:my-community or console:local"
                );
            };
            let bot = build_bot(&config).await?;
            let scope = rounds::domain::Scope::new(platform, guild);
            let ics = rounds::journal_club::service::calendar(&bot.jc, &scope).await?;
            match output {
                Some(path) => std::fs::write(&path, ics)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{ics}"),
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Guidance(cmd) => {
            let dir = config.settings.guidance.dir.as_deref();
            let mut out = std::io::stdout().lock();
            match cmd {
                GuidanceCmd::List => {
                    let lib = rounds::cli::guidance_library(dir)?;
                    for t in lib.topics() {
                        println!("{:<26} {}", t.slug, t.title);
                    }
                }
                GuidanceCmd::Show { slug, jurisdiction } => {
                    let lib = rounds::cli::guidance_library(dir)?;
                    println!(
                        "{}",
                        rounds::cli::guidance_show(&lib, &slug, jurisdiction.as_deref())?
                    );
                }
                GuidanceCmd::Check { dir: explicit } => {
                    rounds::cli::guidance_check(explicit.as_deref().or(dir), &mut out)?;
                }
                GuidanceCmd::Ask { question, json } => {
                    let lib = rounds::cli::guidance_library(dir)?;
                    println!("{}", rounds::cli::guidance_ask(&lib, &question, json)?);
                }
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Cmd::Discord(DiscordCmd::Register { guild }) => {
            let token = config
                .env
                .discord_token
                .as_ref()
                .context("DISCORD_TOKEN is not set")?;
            let n =
                rounds::adapters::discord::register_commands(token.expose(), guild, None).await?;
            match guild {
                Some(g) => println!("registered {n} slash commands in guild {g}"),
                None => println!(
                    "registered {n} slash commands globally (Discord may take up to an hour to show them)"
                ),
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

/// The running platforms, for the scheduler to hand its actions to.
#[derive(Clone, Default)]
struct Platforms {
    discord: Option<rounds::adapters::discord::DiscordExecutor>,
    matrix: Option<rounds::adapters::matrix::MatrixExecutor>,
}

impl Platforms {
    /// Route each action by its scope's platform (replies have no scope and
    /// never come from the scheduler); each adapter also skips foreign scopes.
    async fn execute(&self, actions: Vec<rounds::domain::BotAction>) {
        use rounds::domain::Platform;
        let (matrix, discord): (Vec<_>, Vec<_>) = actions
            .into_iter()
            .partition(|a| action_platform(a) == Some(Platform::Matrix));
        if let Some(d) = &self.discord
            && !discord.is_empty()
        {
            d.execute(discord).await;
        }
        if let Some(m) = &self.matrix
            && !matrix.is_empty()
        {
            m.execute(matrix).await;
        }
    }
}

/// The platform an action is for, from its scope.
fn action_platform(action: &rounds::domain::BotAction) -> Option<rounds::domain::Platform> {
    use rounds::domain::BotAction as A;
    match action {
        A::Reply { .. } => None,
        A::AlertModerators { card } | A::UpdateAlert { card } => Some(card.scope.platform),
        A::Post { scope, .. }
        | A::DirectMessage { scope, .. }
        | A::HideMessage { scope, .. }
        | A::OpenThread { scope, .. }
        | A::PostInThread { scope, .. }
        | A::CloseThread { scope, .. }
        | A::ScheduleEvent { scope, .. }
        | A::CancelEvent { scope, .. } => Some(scope.platform),
    }
}

/// Start every platform with credentials on one shared [`Bot`], run the
/// scheduler once for all of them, and stop cleanly on SIGINT/SIGTERM.
async fn run_platforms(config: &Config, bot: Bot) -> Result<()> {
    // ring and aws-lc-rs are both compiled in: rustls needs one chosen (a second install is a no-op).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut platforms = Platforms::default();
    let mut discord = None;
    if let Some(token) = &config.env.discord_token {
        let handle =
            rounds::adapters::discord::DiscordAdapter::start(bot.clone(), token.expose(), None)
                .await?;
        platforms.discord = Some(handle.executor());
        discord = Some(handle);
    }
    let mut matrix = None;
    if let Some(login) = rounds::adapters::matrix::MatrixLogin::from_env(
        &config.env,
        config.settings.bot.data_dir.clone(),
    ) {
        let handle = rounds::adapters::matrix::MatrixAdapter::start(bot.clone(), login)
            .await
            .context("starting the Matrix adapter")?;
        platforms.matrix = Some(handle.executor());
        matrix = Some(handle);
    }
    if discord.is_none() && matrix.is_none() {
        anyhow::bail!("no platform adapter could be started");
    }
    let scheduler = tokio::spawn(scheduler_loop(bot.clone(), platforms));
    let discord_stopped = async {
        match discord.as_mut() {
            Some(d) => d.stopped().await,
            None => std::future::pending().await,
        }
    };
    let matrix_stopped = async {
        match matrix.as_mut() {
            Some(m) => m.stopped().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        signal = shutdown_signal() => {
            signal?;
            tracing::info!("shutting down");
        }
        () = discord_stopped => tracing::error!("the Discord client stopped; shutting down"),
        () = matrix_stopped => tracing::error!("the Matrix client stopped; shutting down"),
    }
    scheduler.abort();
    if let Some(d) = discord {
        d.shutdown().await;
    }
    if let Some(m) = matrix {
        m.shutdown().await;
    }
    Ok(())
}

/// Periodic work: `Bot::tick` every `journal_club.tick_secs`, actions to every platform.
async fn scheduler_loop(bot: Bot, platforms: Platforms) {
    let every = std::time::Duration::from_secs(bot.settings.journal_club.tick_secs);
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let actions = bot.tick(chrono::Utc::now()).await;
        if !actions.is_empty() {
            platforms.execute(actions).await;
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() -> Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
            _ = term.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")
    }
}

async fn build_bot(config: &Config) -> Result<Bot> {
    let store = rounds::store::connect(config.env.database_url.expose())
        .await
        .context("opening the database")?;
    tracing::info!(backend = store.backend(), "store ready");
    Bot::new(config.settings.clone(), store)
}

/// Start the HTTP endpoint (`/health`, `/calendar.ics`) when `[http] enabled = true`.
fn spawn_http(config: &Config, bot: &Bot) {
    if config.settings.http.enabled {
        let bind = config.settings.http.bind.clone();
        let bot = bot.clone();
        tokio::spawn(async move {
            if let Err(e) = rounds::http::serve(bot, &bind, std::future::pending()).await {
                tracing::error!(error = format!("{e:#}"), "the HTTP endpoint stopped");
            }
        });
    }
}

async fn run_console(bot: Bot) -> Result<()> {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut console = rounds::adapters::console::Console::new(bot, std::io::stdout());
    console.run(stdin).await
}
