//! The Matrix adapter (matrix-sdk 0.18): the only place Matrix types appear.
//! It turns room events into neutral [`IncomingMessage`](crate::domain::IncomingMessage)s
//! and text [`Command`](crate::commands::Command)s, asks the [`Bot`], and
//! carries out the returned [`BotAction`]s as Matrix events.
//!
//! Parts, one file each:
//! - `session`: log in once, persist the session (0600) and the SQLite
//!   state/crypto store under `<data_dir>/matrix/`, restore the same device.
//! - `events`: invites (allow-list), messages and edits → commands or the
//!   confidentiality guard, reactions on alerts → alert commands.
//! - `actions`: how each [`BotAction`] is done on Matrix (alerts and their
//!   edits, redactions of a message and its edits, DMs, threads).
//! - [`render`]: pure helpers (notices with pills, button hints, permalinks,
//!   reaction mapping, invite allow-list, power levels).
//!
//! Invariants:
//! - History is never handled as new: a catch-up `sync_once` (timeout zero)
//!   runs before the message handlers are registered; only invites received
//!   while offline are answered.
//! - The bot ignores its own events.
//! - The sync loop is `sync_once` in a loop (no 1 s pause between bursts as in
//!   `Client::sync`), backs off on errors and stops cleanly on shutdown.
//! - Privacy: handlers are `#[instrument(skip_all)]`; logs carry room/event
//!   ids, action kinds and counts — never message text.

mod actions;
mod events;
pub mod render;
pub mod session;

use crate::bot::Bot;
use crate::config::{Env, Secret};
use crate::domain::{BotAction, ChannelId, Platform, Scope};
use anyhow::{Context as _, Result};
use matrix_sdk::Client;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::{OwnedDeviceId, OwnedEventId, OwnedRoomId, OwnedUserId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// Long-poll timeout of one `/sync` request.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// First and longest wait after a failed sync.
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// How to reach and log in to the homeserver, and where to keep the session.
#[derive(Debug, Clone)]
pub struct MatrixLogin {
    /// e.g. `https://matrix.example.org` (the client-server API base).
    pub homeserver_url: String,
    /// `@bot:example.org` or the localpart `bot`.
    pub user: String,
    pub password: Option<Secret>,
    pub access_token: Option<Secret>,
    /// `bot.data_dir`; the session and store live in `<data_dir>/matrix/`.
    pub data_dir: PathBuf,
}

impl MatrixLogin {
    /// From the environment (`MATRIX_*`) and `bot.data_dir`; `None` unless
    /// [`Env::matrix_enabled`].
    pub fn from_env(env: &Env, data_dir: PathBuf) -> Option<MatrixLogin> {
        if !env.matrix_enabled() {
            return None;
        }
        Some(MatrixLogin {
            homeserver_url: env.matrix_homeserver_url.clone()?,
            user: env.matrix_user.clone()?,
            password: env.matrix_password.clone(),
            access_token: env.matrix_access_token.clone(),
            data_dir,
        })
    }
}

/// An alert the bot posted in the moderators' room during this run.
#[derive(Debug, Clone)]
struct PostedAlert {
    room: OwnedRoomId,
    event: OwnedEventId,
    /// The last masked snippet shown, re-shown by updates that carry none.
    /// In memory only; after a restart updates are rendered without it.
    snippet: Option<String>,
}

/// What handlers and the executor remember during one run (never persisted).
#[derive(Default)]
struct Memory {
    alerts: HashMap<i64, PostedAlert>,
    alert_by_event: HashMap<OwnedEventId, i64>,
    /// Journal-club thread key → (room, root event).
    threads: HashMap<String, (OwnedRoomId, OwnedEventId)>,
    /// DM rooms created or found for members.
    dms: HashMap<OwnedUserId, OwnedRoomId>,
}

/// Shared by event handlers and the executor. It holds no [`Client`]: the
/// client holds it (as handler context), and a cycle would keep both alive.
pub(crate) struct Core {
    bot: Bot,
    scope: Scope,
    own_user: OwnedUserId,
    memory: Mutex<Memory>,
    /// Serialises DM-room creation so one member never gets two DM rooms.
    dm_lock: tokio::sync::Mutex<()>,
}

impl Core {
    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The moderators' room: `matrix.mod_room`, else the community's stored mod channel.
    async fn mod_room(&self) -> Result<Option<OwnedRoomId>> {
        let id = match &self.bot.settings.matrix.mod_room {
            Some(room) => Some(room.clone()),
            None => self
                .bot
                .store
                .guild_settings(&self.scope)
                .await?
                .mod_channel
                .map(|c| c.0),
        };
        Ok(id.and_then(|id| OwnedRoomId::try_from(id).ok()))
    }
}

/// Starts the Matrix client.
pub struct MatrixAdapter;

impl MatrixAdapter {
    /// Log in (or restore the saved session), catch up without handling
    /// history, then serve events in the background until shut down.
    pub async fn start(bot: Bot, login: MatrixLogin) -> Result<MatrixHandle> {
        // Both ring and aws-lc-rs are compiled in; rustls needs one chosen.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = session::connect(&login).await?;
        let own_user = client
            .user_id()
            .context("the Matrix client has no user id")?
            .to_owned();
        let device = client
            .device_id()
            .context("the Matrix client has no device id")?
            .to_owned();
        let scope = Scope::new(Platform::Matrix, bot.settings.matrix.community.clone());
        remember_mod_room(&bot, &scope).await?;
        let core = Arc::new(Core {
            bot,
            scope,
            own_user: own_user.clone(),
            memory: Mutex::new(Memory::default()),
            dm_lock: tokio::sync::Mutex::new(()),
        });

        client.add_event_handler_context(Arc::clone(&core));
        events::register_invite_handler(&client);
        let catch_up = client
            .sync_once(SyncSettings::default().timeout(Duration::ZERO))
            .await
            .context("first Matrix sync")?;
        // Handlers registered only now: the history of the catch-up is not replayed.
        events::register_message_handlers(&client);

        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(sync_loop(client.clone(), catch_up.next_batch, stopped));
        // Public values, logged so admins can verify the bot's device by hand.
        let identity_key = client.encryption().ed25519_key().await.unwrap_or_default();
        info!(user = %own_user, device = %device, ed25519 = %identity_key, "Matrix client started");
        Ok(MatrixHandle {
            core,
            client,
            device,
            stop,
            task: Some(task),
        })
    }
}

/// Writes `matrix.mod_room` into the store when the community has no mod
/// channel yet, so the guard exempts it and digests find it.
async fn remember_mod_room(bot: &Bot, scope: &Scope) -> Result<()> {
    if let Some(room) = &bot.settings.matrix.mod_room
        && bot.store.guild_settings(scope).await?.mod_channel.is_none()
    {
        bot.store
            .set_mod_channel(scope, &ChannelId::new(room.clone()))
            .await?;
    }
    Ok(())
}

/// Endless `sync_once` with error backoff; ends when `stop` turns true.
async fn sync_loop(client: Client, token: String, mut stop: watch::Receiver<bool>) {
    let mut settings = SyncSettings::default().timeout(SYNC_TIMEOUT).token(token);
    let mut backoff = BACKOFF_MIN;
    loop {
        let result = tokio::select! {
            r = client.sync_once(settings.clone()) => r,
            _ = stop.changed() => return,
        };
        match result {
            Ok(response) => {
                settings = settings.token(response.next_batch);
                backoff = BACKOFF_MIN;
            }
            Err(e) => {
                // The error names the request kind and HTTP status, never content.
                warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "Matrix sync failed");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// A running Matrix client.
pub struct MatrixHandle {
    core: Arc<Core>,
    client: Client,
    device: OwnedDeviceId,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Carries out actions that did not come from a Matrix event (the
/// scheduler's); cheap to clone into other tasks.
#[derive(Clone)]
pub struct MatrixExecutor {
    core: Arc<Core>,
    client: Client,
}

impl MatrixExecutor {
    /// Do the actions meant for this Matrix community; other scopes are skipped.
    pub async fn execute(&self, actions: Vec<BotAction>) {
        actions::run(
            &self.core,
            &self.client,
            actions,
            &actions::Origin::default(),
        )
        .await;
    }
}

impl MatrixHandle {
    /// An executor for actions from outside Matrix events (the scheduler).
    pub fn executor(&self) -> MatrixExecutor {
        MatrixExecutor {
            core: Arc::clone(&self.core),
            client: self.client.clone(),
        }
    }

    /// Carry out actions that did not come from a Matrix event.
    pub async fn execute(&self, actions: Vec<BotAction>) {
        self.executor().execute(actions).await;
    }

    /// The bot's user id.
    pub fn user_id(&self) -> &str {
        self.core.own_user.as_str()
    }

    /// The device this run uses (the same after a restart with the saved session).
    pub fn device_id(&self) -> &str {
        self.device.as_str()
    }

    /// Resolves when the sync loop has stopped on its own (it only stops on shutdown).
    pub async fn stopped(&mut self) {
        match self.task.as_mut() {
            Some(task) => {
                let _ = task.await;
                self.task = None;
            }
            None => std::future::pending().await,
        }
    }

    /// Stop syncing and wait (bounded) for the loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        info!("Matrix client stopped");
    }
}

impl Drop for MatrixHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
