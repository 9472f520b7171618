//! The local console: a terminal chat for trying Rounds with no account.
//!
//! Lines typed are messages from a local member in `#general`; lines starting
//! with `/` or `!` are commands. `:as NAME`, `:channel NAME`, `:mod` (toggle
//! moderator powers), `:edit N TEXT` (edit your message N) and `:quit` are
//! console controls. Alerts print as the moderators' channel would show them.
//! It reads any `AsyncBufRead`, so `printf '/help\n' | rounds console` works
//! in scripts and tests; it exits at end of input.

use crate::bot::Bot;
use crate::commands;
use crate::domain::{
    AlertCard, BotAction, ChannelId, IncomingMessage, Invocation, MessageBody, MessageId, Platform,
    Scope, UserId, Visibility,
};
use anyhow::Result;
use chrono::Utc;
use std::collections::HashMap;
use std::io::Write;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The console's community key.
pub const CONSOLE_GUILD: &str = "local";

/// The community an action is addressed to, when it names one.
fn action_scope(action: &BotAction) -> Option<&Scope> {
    match action {
        BotAction::Post { scope, .. }
        | BotAction::DirectMessage { scope, .. }
        | BotAction::HideMessage { scope, .. }
        | BotAction::OpenThread { scope, .. }
        | BotAction::PostInThread { scope, .. }
        | BotAction::CloseThread { scope, .. }
        | BotAction::ScheduleEvent { scope, .. }
        | BotAction::CancelEvent { scope, .. } => Some(scope),
        BotAction::AlertModerators { card } | BotAction::UpdateAlert { card } => Some(&card.scope),
        BotAction::Reply { .. } => None,
    }
}

/// State of one console session.
pub struct Console<W: Write> {
    bot: Bot,
    scope: Scope,
    user: String,
    channel: String,
    is_mod: bool,
    out: W,
    next_message: u64,
    run_id: i64,
    /// Your messages this session, for `:edit` (kept in memory only, for this session).
    sent: HashMap<u64, (String, String)>,
}

impl<W: Write> Console<W> {
    pub fn new(bot: Bot, out: W) -> Console<W> {
        let user = bot.settings.console.user.clone();
        let channel = bot.settings.console.channel.clone();
        Console {
            bot,
            scope: Scope::new(Platform::Console, CONSOLE_GUILD),
            user,
            channel,
            is_mod: false,
            out,
            next_message: 1,
            run_id: Utc::now().timestamp_millis(),
            sent: HashMap::new(),
        }
    }

    /// Read lines until end of input or `:quit`.
    pub async fn run<R: AsyncBufRead + Unpin>(&mut self, input: R) -> Result<()> {
        self.ensure_mod_channel().await?;
        writeln!(
            self.out,
            "Rounds console — a local community ({} store). Type /help for commands; :as NAME, :channel NAME, :mod, :edit N TEXT, :quit.",
            self.bot.store.backend()
        )?;
        let mut lines = input.lines();
        // The scheduler (journal club, digests, purges) ticks in the background
        // of the chat; the first tick comes one period after start.
        let every = std::time::Duration::from_secs(self.bot.settings.journal_club.tick_secs.max(1));
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                line = lines.next_line() => {
                    let Some(line) = line? else { break };
                    let line = line.trim_end();
                    if line.trim().is_empty() {
                        continue;
                    }
                    if !self.handle_line(line).await? {
                        break;
                    }
                }
                _ = ticks.tick() => {
                    let actions: Vec<BotAction> = self
                        .bot
                        .tick(Utc::now())
                        .await
                        .into_iter()
                        .filter(|a| action_scope(a).is_none_or(|s| s.platform == Platform::Console))
                        .collect();
                    self.render(&actions)?;
                    self.out.flush()?;
                }
            }
        }
        self.out.flush()?;
        Ok(())
    }

    async fn ensure_mod_channel(&self) -> Result<()> {
        let settings = self.bot.store.guild_settings(&self.scope).await?;
        if settings.mod_channel.is_none() {
            let mod_channel = ChannelId::new(self.bot.settings.console.mod_channel.clone());
            self.bot
                .store
                .set_mod_channel(&self.scope, &mod_channel)
                .await?;
        }
        Ok(())
    }

    /// Handle one line; `false` means quit.
    pub async fn handle_line(&mut self, line: &str) -> Result<bool> {
        if let Some(ctl) = line.strip_prefix(':') {
            return self.control(ctl).await;
        }
        if commands::is_command(line) {
            let actions = match commands::parse(line) {
                Ok(cmd) => self.bot.handle_command(&self.invocation(), cmd).await,
                Err(e) => vec![BotAction::private(e.0)],
            };
            self.render(&actions)?;
            return Ok(true);
        }
        let id = self.next_message;
        self.next_message += 1;
        self.sent
            .insert(id, (self.channel.clone(), line.to_string()));
        writeln!(
            self.out,
            "#{} <{}> [msg {id}] {line}",
            self.channel, self.user
        )?;
        let msg = self.message(id, line, false);
        let actions = self.bot.handle_message(&msg).await;
        self.render(&actions)?;
        Ok(true)
    }

    async fn control(&mut self, ctl: &str) -> Result<bool> {
        let (cmd, rest) = ctl.split_once(' ').unwrap_or((ctl, ""));
        let rest = rest.trim();
        match cmd {
            "as" if !rest.is_empty() => {
                self.user = rest.to_string();
                writeln!(self.out, "(you are now {})", self.user)?;
            }
            "channel" if !rest.is_empty() => {
                self.channel = rest.trim_start_matches('#').to_string();
                writeln!(self.out, "(you are now in #{})", self.channel)?;
            }
            "mod" => {
                self.is_mod = !self.is_mod;
                writeln!(
                    self.out,
                    "({} moderator powers for {})",
                    if self.is_mod { "granted" } else { "removed" },
                    self.user
                )?;
            }
            "edit" => {
                let (n, text) = rest.split_once(' ').unwrap_or((rest, ""));
                match n
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| self.sent.get(&n).cloned().map(|m| (n, m)))
                {
                    Some((n, (channel, _))) if !text.trim().is_empty() => {
                        self.sent.insert(n, (channel.clone(), text.to_string()));
                        writeln!(
                            self.out,
                            "#{channel} <{}> [msg {n}, edited] {text}",
                            self.user
                        )?;
                        let saved = std::mem::replace(&mut self.channel, channel);
                        let msg = self.message(n, text, true);
                        self.channel = saved;
                        let actions = self.bot.handle_message(&msg).await;
                        self.render(&actions)?;
                    }
                    _ => writeln!(
                        self.out,
                        "(usage: :edit N NEW TEXT, where N is one of your message numbers)"
                    )?,
                }
            }
            "quit" | "q" | "exit" => return Ok(false),
            _ => writeln!(
                self.out,
                "(console controls: :as NAME, :channel NAME, :mod, :edit N TEXT, :quit)"
            )?,
        }
        Ok(true)
    }

    fn invocation(&self) -> Invocation {
        Invocation {
            scope: self.scope.clone(),
            channel: ChannelId::new(self.channel.clone()),
            user: UserId::new(self.user.clone()),
            user_name: self.user.clone(),
            is_moderator: self.is_mod,
            is_admin: self.is_mod,
            at: Utc::now(),
        }
    }

    fn message(&self, n: u64, text: &str, edited: bool) -> IncomingMessage {
        IncomingMessage {
            scope: self.scope.clone(),
            channel: ChannelId::new(self.channel.clone()),
            channel_name: format!("#{}", self.channel),
            thread: None,
            message: MessageId::new(format!("{}-{n}", self.run_id)),
            author: UserId::new(self.user.clone()),
            author_name: self.user.clone(),
            author_is_bot: false,
            text: text.to_string(),
            edited,
            link: Some(format!("console://#{}/{n}", self.channel)),
            at: Utc::now(),
        }
    }

    /// Print actions the way each audience would see them.
    pub fn render(&mut self, actions: &[BotAction]) -> Result<()> {
        let bot = self.bot.settings.bot.name.clone();
        let mod_channel = self.bot.settings.console.mod_channel.clone();
        for action in actions {
            match action {
                BotAction::Reply { visibility, body } => match visibility {
                    Visibility::Private => {
                        writeln!(self.out, "[only {} can see] {bot}:", self.user)?;
                        self.body(body)?;
                    }
                    Visibility::Public => {
                        writeln!(self.out, "#{} {bot}:", self.channel)?;
                        self.body(body)?;
                    }
                },
                BotAction::Post { channel, body, .. } => {
                    writeln!(self.out, "#{channel} {bot}:")?;
                    self.body(body)?;
                }
                BotAction::AlertModerators { card } => {
                    writeln!(self.out, "── #{mod_channel} ── {bot}: new alert")?;
                    self.card(card)?;
                }
                BotAction::UpdateAlert { card } => {
                    writeln!(
                        self.out,
                        "── #{mod_channel} ── {bot}: alert #{} updated",
                        card.alert_id
                    )?;
                    self.card(card)?;
                }
                BotAction::DirectMessage { user, body, .. } => {
                    writeln!(self.out, "[DM to {user}] {bot}:")?;
                    self.body(body)?;
                }
                BotAction::HideMessage {
                    channel, message, ..
                } => {
                    let n = message
                        .as_str()
                        .rsplit('-')
                        .next()
                        .unwrap_or(message.as_str());
                    writeln!(self.out, "[#{channel}: message {n} was removed by {bot}]")?;
                }
                BotAction::OpenThread {
                    channel,
                    key,
                    title,
                    body,
                    ..
                } => {
                    writeln!(
                        self.out,
                        "#{channel} {bot} opened thread “{title}” ({key}):"
                    )?;
                    self.body(body)?;
                }
                BotAction::PostInThread { key, body, .. } => {
                    writeln!(self.out, "[thread {key}] {bot}:")?;
                    self.body(body)?;
                }
                BotAction::CloseThread { key, lock, .. } => {
                    writeln!(
                        self.out,
                        "[thread {key} archived{}]",
                        if *lock { " and locked" } else { "" }
                    )?;
                }
                BotAction::ScheduleEvent { event, .. } => {
                    writeln!(
                        self.out,
                        "[event “{}” scheduled {} – {}]",
                        event.title,
                        event.start.format("%Y-%m-%d %H:%M UTC"),
                        event.end.format("%H:%M UTC")
                    )?;
                }
                BotAction::CancelEvent { key, .. } => {
                    writeln!(self.out, "[event {key} cancelled]")?
                }
            }
        }
        Ok(())
    }

    fn body(&mut self, body: &MessageBody) -> Result<()> {
        for line in body.text.lines() {
            writeln!(self.out, "  {line}")?;
        }
        if !body.buttons.is_empty() {
            let labels: Vec<String> = body
                .buttons
                .iter()
                .map(|b| format!("[{}]", b.label))
                .collect();
            writeln!(self.out, "  {}", labels.join(" "))?;
        }
        Ok(())
    }

    fn card(&mut self, card: &AlertCard) -> Result<()> {
        let text = crate::moderation::render_alert_text(card);
        for line in text.lines() {
            writeln!(self.out, "  {line}")?;
        }
        Ok(())
    }

    /// The writer (tests read what was printed).
    pub fn into_output(self) -> W {
        self.out
    }
}
