//! The Discord adapter (serenity 0.12 + poise 0.7): the only place Discord
//! types appear. It turns gateway events and interactions into neutral
//! [`IncomingMessage`](crate::domain::IncomingMessage)s and
//! [`Command`](crate::commands::Command)s, asks the [`Bot`], and carries out
//! the returned [`BotAction`]s with Discord's REST API.
//!
//! Parts, one file each:
//! - [`commands`]: the slash commands (poise); their `///` docs are the help text.
//! - `events`: message create/edit → the confidentiality guard; button presses;
//!   the startup permission check when a served guild arrives.
//! - `actions`: how each [`BotAction`] is done on Discord (alerts as embeds, DMs
//!   with a channel fallback, hides, threads and forum posts, scheduled events).
//! - [`render`] and [`access`]: pure helpers (embeds, button rows, mentions; powers).
//! - `checks`: which permissions the bot lacks where.
//!
//! Invariants:
//! - Allowed mentions are empty everywhere unless a body names users.
//! - Member powers are computed here from roles and resolved permissions, and
//!   the core re-checks them; Discord's command visibility is only a first gate.
//! - Privacy: handlers are `#[instrument(skip_all)]`; logs carry ids, kinds,
//!   counts and Discord error codes — never message text or error bodies.
//! - Needs the privileged MESSAGE_CONTENT intent (enable it in the developer
//!   portal), or every message arrives empty and the guard sees nothing.

pub mod access;
mod actions;
mod checks;
pub mod commands;
mod events;
pub mod render;

use crate::bot::Bot;
use crate::domain::{BotAction, Platform, Scope};
use anyhow::{Context as _, Result};
use serenity::all::{
    Cache, ClientBuilder, GatewayIntents, GuildId, Http, HttpBuilder, ShardManager,
};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinHandle;

/// What the adapter shares between event handlers, commands and the scheduler.
pub(crate) struct Core {
    pub bot: Bot,
    /// Guilds whose startup check already ran in this process.
    checked: Mutex<HashSet<u64>>,
}

/// poise's user data.
pub(crate) type Data = Arc<Core>;
/// poise's error type: internal errors, logged with an id, never shown.
pub(crate) type Error = anyhow::Error;

impl Core {
    fn new(bot: Bot) -> Core {
        Core {
            bot,
            checked: Mutex::new(HashSet::new()),
        }
    }

    /// Whether this process serves `guild` (all guilds when none are configured).
    pub fn serves(&self, guild: GuildId) -> bool {
        let ids = &self.bot.settings.discord.guild_ids;
        ids.is_empty() || ids.iter().any(|g| g.trim() == guild.get().to_string())
    }

    /// The neutral scope of a guild.
    pub fn scope(guild: GuildId) -> Scope {
        Scope::new(Platform::Discord, guild.get().to_string())
    }

    /// `true` the first time it is called for `guild` (startup checks run once).
    fn first_check(&self, guild: GuildId) -> bool {
        self.checked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(guild.get())
    }
}

/// Both rustls back-ends end up compiled in, so rustls cannot pick one by
/// itself: name ring as the process default (a no-op if one is set already).
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Gateway intents Rounds needs. MESSAGE_CONTENT is privileged.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::GUILD_SCHEDULED_EVENTS
}

/// An HTTP client for the token; `proxy` (tests) rewrites every REST URL to
/// that base, which serenity only does with its rate limiter off.
pub fn http_client(token: &str, proxy: Option<&str>) -> Http {
    match proxy {
        Some(url) => HttpBuilder::new(token)
            .proxy(url)
            .ratelimiter_disabled(true)
            .build(),
        None => HttpBuilder::new(token).build(),
    }
}

/// Starts the Discord client.
pub struct DiscordAdapter;

impl DiscordAdapter {
    /// Connect with `token` (REST through `proxy` when given, for tests) and
    /// run in the background. serenity reconnects and resumes on its own.
    /// Slash commands are registered in the configured guilds at READY.
    pub async fn start(bot: Bot, token: &str, proxy: Option<&str>) -> Result<DiscordHandle> {
        install_crypto_provider();
        let core = Arc::new(Core::new(bot));
        let http = http_client(token, proxy);
        let setup_core = Arc::clone(&core);
        let framework = poise::Framework::builder()
            .options(commands::framework_options())
            .initialize_owners(false)
            .setup(move |ctx, _ready, framework| {
                Box::pin(async move {
                    commands::register_in_served_guilds(ctx, framework, &setup_core).await;
                    Ok(setup_core)
                })
            })
            .build();
        let client = ClientBuilder::new_with_http(http, intents())
            .framework(framework)
            .event_handler(events::Handler::new(Arc::clone(&core)))
            .await
            .context("building the Discord client")?;
        let shard_manager = Arc::clone(&client.shard_manager);
        let http = Arc::clone(&client.http);
        let cache = Arc::clone(&client.cache);
        let task = tokio::spawn(run_client(client));
        tracing::info!("Discord client started");
        Ok(DiscordHandle {
            core,
            http,
            cache,
            shard_manager,
            task: Some(task),
        })
    }
}

async fn run_client(mut client: serenity::Client) {
    if let Err(e) = client.start().await {
        tracing::error!(
            error = %actions::describe(&e),
            "the Discord client stopped with an error"
        );
    }
}

/// A running Discord client.
pub struct DiscordHandle {
    core: Arc<Core>,
    http: Arc<Http>,
    cache: Arc<Cache>,
    shard_manager: Arc<ShardManager>,
    task: Option<JoinHandle<()>>,
}

/// Carries out actions that did not come from a Discord event (the
/// scheduler's); cheap to clone into other tasks.
#[derive(Clone)]
pub struct DiscordExecutor {
    core: Arc<Core>,
    http: Arc<Http>,
    cache: Arc<Cache>,
}

impl DiscordExecutor {
    /// Do the actions meant for Discord; other platforms' are skipped.
    pub async fn execute(&self, actions: Vec<BotAction>) {
        let exec = actions::Exec::new(&self.http, &self.cache, &self.core.bot);
        exec.run(actions, actions::Origin::default()).await;
    }
}

impl DiscordHandle {
    /// An executor for actions from outside Discord events (the scheduler).
    pub fn executor(&self) -> DiscordExecutor {
        DiscordExecutor {
            core: Arc::clone(&self.core),
            http: Arc::clone(&self.http),
            cache: Arc::clone(&self.cache),
        }
    }

    /// Carry out actions that did not come from a Discord event.
    pub async fn execute(&self, actions: Vec<BotAction>) {
        self.executor().execute(actions).await;
    }

    /// Resolves when the client has stopped on its own (e.g. a rejected token).
    pub async fn stopped(&mut self) {
        match self.task.as_mut() {
            Some(task) => {
                let _ = task.await;
                self.task = None;
            }
            None => std::future::pending::<()>().await,
        }
    }

    /// Close every shard and wait (up to 10 s) for the client to finish.
    pub async fn shutdown(mut self) {
        self.shard_manager.shutdown_all().await;
        if let Some(task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
        {
            tracing::warn!("the Discord client did not stop within 10 s");
        }
        tracing::info!("Discord client stopped");
    }
}

/// Register the slash commands: in one guild (instant) or globally (Discord
/// may take up to an hour to show them). Returns how many were registered.
pub async fn register_commands(
    token: &str,
    guild: Option<u64>,
    proxy: Option<&str>,
) -> Result<usize> {
    if guild == Some(0) {
        anyhow::bail!("--guild must be a Discord id (digits, not 0)");
    }
    install_crypto_provider();
    let http = http_client(token, proxy);
    let app = http
        .get_current_application_info()
        .await
        .map_err(|e| anyhow::anyhow!("reading the application: {}", actions::describe(&e)))?;
    http.set_application_id(app.id);
    let commands = commands::all();
    let create = poise::builtins::create_application_commands(&commands);
    let count = create.len();
    match guild {
        Some(id) => GuildId::new(id)
            .set_commands(&http, create)
            .await
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("registering in guild {id}: {}", actions::describe(&e)))?,
        None => serenity::all::Command::set_global_commands(&http, create)
            .await
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("registering globally: {}", actions::describe(&e)))?,
    }
    Ok(count)
}
