//! The core dispatcher: turns a [`Command`] from any platform, or an
//! [`IncomingMessage`], into the [`BotAction`]s the adapter carries out.
//! It owns no platform types and does no platform I/O; everything it knows
//! about the outside comes through the store and the injected clock.

use crate::commands::{self, Command};
use crate::config::Settings;
use crate::domain::{BotAction, IncomingMessage, Invocation};
use crate::error::BotError;
use crate::store::SharedStore;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tracing::instrument;

/// Everything a handler needs, shared by all adapters of one process.
#[derive(Clone)]
pub struct Bot {
    pub settings: Arc<Settings>,
    pub store: SharedStore,
}

impl Bot {
    pub fn new(settings: Settings, store: SharedStore) -> Bot {
        Bot {
            settings: Arc::new(settings),
            store,
        }
    }

    /// Run one command. Errors become a private reply: user errors verbatim,
    /// internal ones as a generic line with an error id.
    #[instrument(skip_all, fields(platform = %inv.scope.platform, command = command_name(&cmd)))]
    pub async fn handle_command(&self, inv: &Invocation, cmd: Command) -> Vec<BotAction> {
        match self.dispatch(inv, cmd).await {
            Ok(actions) => actions,
            Err(e) => vec![BotAction::private(e.user_text())],
        }
    }

    async fn dispatch(&self, _inv: &Invocation, cmd: Command) -> Result<Vec<BotAction>, BotError> {
        match cmd {
            Command::Help { command } => {
                Ok(vec![BotAction::private(commands::help(command.as_deref()))])
            }
            other => crate::error::user_err(format!(
                "`{}` is not available in this build yet.",
                command_name(&other)
            )),
        }
    }

    /// Handle a chat message (new or edited).
    #[instrument(skip_all, fields(platform = %msg.scope.platform, edited = msg.edited))]
    pub async fn handle_message(&self, msg: &IncomingMessage) -> Vec<BotAction> {
        let _ = msg;
        Vec::new()
    }

    /// Periodic work (journal-club steps, retention purge, digests), driven by the given clock.
    pub async fn tick(&self, now: DateTime<Utc>) -> Vec<BotAction> {
        let _ = now;
        Vec::new()
    }
}

/// The command's name for logs (never its arguments).
pub fn command_name(cmd: &Command) -> &'static str {
    use commands::*;
    match cmd {
        Command::Help { .. } => "help",
        Command::Guidance(GuidanceCommand::Show { .. }) => "guidance show",
        Command::Guidance(GuidanceCommand::List) => "guidance list",
        Command::Guidance(GuidanceCommand::Reload) => "guidance reload",
        Command::Ask { .. } => "ask",
        Command::Phi(PhiCommand::Check { .. }) => "phi check",
        Command::Modlog { .. } => "modlog",
        Command::Alert(AlertCommand::Claim { .. }) => "alert claim",
        Command::Alert(AlertCommand::Resolve { .. }) => "alert resolve",
        Command::Guard(GuardCommand::Policy { .. }) => "guard policy",
        Command::Guard(GuardCommand::Exempt { .. }) => "guard exempt",
        Command::Guard(GuardCommand::Modchannel { .. }) => "guard modchannel",
        Command::Guard(GuardCommand::Status) => "guard status",
        Command::Guard(GuardCommand::Export) => "guard export",
        Command::Jc(JcCommand::Suggest { .. }) => "jc suggest",
        Command::Jc(JcCommand::Queue) => "jc queue",
        Command::Jc(JcCommand::Vote { .. }) => "jc vote",
        Command::Jc(JcCommand::Withdraw { .. }) => "jc withdraw",
        Command::Jc(JcCommand::Join) => "jc join",
        Command::Jc(JcCommand::Leave) => "jc leave",
        Command::Jc(JcCommand::Next) => "jc next",
        Command::Jc(JcCommand::Skip) => "jc skip",
        Command::Jc(JcCommand::Schedule { .. }) => "jc schedule",
        Command::Jc(JcCommand::Attendance) => "jc attendance",
    }
}
