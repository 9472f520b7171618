//! Carrying out [`BotAction`]s on Discord.
//!
//! - Alerts are embeds with buttons in the moderators' channel (configured
//!   `discord.mod_channel_id`, else the community's stored one); the posted
//!   message is remembered as `channel/message` through [`Bot::alert_posted`].
//! - Alert updates edit that embed, keeping the masked snippet shown before
//!   when the update carries none, and drop the buttons once resolved.
//! - DMs fall back, when the member's DMs are closed (Discord error 50007),
//!   to a short mention in the channel of origin — never with the DM's text.
//! - Threads: a forum post in a forum channel, else a message plus a thread
//!   from it; scheduled events are External events mapped to their key via
//!   [`Bot::thread_opened`] under `event:<key>`.
//!
//! Invariant: errors are logged with the action kind, ids and Discord's
//! status and error code only — never bodies or message text.

use super::render::{
    self, alert_embed, alert_rows, allowed_mentions, existing_snippet, snowflake, text_chunks,
    truncate, user_id,
};
use crate::bot::Bot;
use crate::domain::{
    self, AlertCard, BotAction, EventSpec, MessageBody, Platform, Scope, Visibility,
};
use anyhow::{Result, anyhow};
use serenity::all::{
    Cache, ChannelId, ChannelType, CreateAllowedMentions, CreateForumPost, CreateMessage,
    CreateScheduledEvent, CreateThread, EditMessage, EditScheduledEvent, EditThread, GuildId, Http,
    HttpError, Message, MessageId, ScheduledEventId, ScheduledEventType, Timestamp,
};
use std::time::Instant;
use tracing::{debug, instrument, warn};

/// Discord error code: cannot send messages to this user (DMs closed).
pub const DMS_CLOSED: isize = 50007;
/// Discord error code: unknown guild scheduled event.
const UNKNOWN_EVENT: isize = 10070;
/// Discord's limit on a thread or event name.
const NAME_LIMIT: usize = 100;
/// Discord's limit on an event's location.
const LOCATION_LIMIT: usize = 100;
/// Discord's limit on an event's description.
const EVENT_DESCRIPTION_LIMIT: usize = 1000;

/// Where the actions came from: the channel of the message or command (for
/// public replies and the closed-DM fallback) and when the event arrived.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Origin {
    pub channel: Option<ChannelId>,
    pub received: Option<Instant>,
}

/// A short, content-free description of a serenity error for logs and
/// internal error chains: HTTP status and Discord code, or the error kind.
pub(crate) fn describe(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => format!(
            "Discord answered HTTP {} (code {})",
            r.status_code.as_u16(),
            r.error.code
        ),
        serenity::Error::Http(_) => "HTTP transport error".into(),
        serenity::Error::Gateway(g) => format!("gateway error: {g}"),
        serenity::Error::Json(_) => "unexpected JSON from Discord".into(),
        serenity::Error::Model(m) => format!("rejected before sending: {m}"),
        _ => "Discord client error".into(),
    }
}

/// Discord's JSON error code of a failed request, if it was one.
pub(crate) fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

fn api(what: &'static str) -> impl FnOnce(serenity::Error) -> anyhow::Error {
    move |e| anyhow!("{what}: {}", describe(&e))
}

/// `channel/message`, the alert's platform reference.
pub(crate) fn mod_ref(channel: ChannelId, message: MessageId) -> String {
    format!("{}/{}", channel.get(), message.get())
}

/// The channel and message of a stored `channel/message` reference.
pub(crate) fn parse_mod_ref(s: &str) -> Option<(ChannelId, MessageId)> {
    let (c, m) = s.split_once('/')?;
    Some((ChannelId::new(snowflake(c)?), MessageId::new(snowflake(m)?)))
}

/// The guild of a Discord scope.
pub(crate) fn guild_of(scope: &Scope) -> Option<GuildId> {
    (scope.platform == Platform::Discord)
        .then(|| snowflake(scope.guild.as_str()))
        .flatten()
        .map(GuildId::new)
}

fn channel_of(id: &domain::ChannelId) -> Result<ChannelId> {
    snowflake(id.as_str())
        .map(ChannelId::new)
        .ok_or_else(|| anyhow!("not a Discord channel id"))
}

/// The platform a scoped action is meant for (`None` for replies).
fn platform_of(action: &BotAction) -> Option<Platform> {
    match action {
        BotAction::Reply { .. } => None,
        BotAction::AlertModerators { card } | BotAction::UpdateAlert { card } => {
            Some(card.scope.platform)
        }
        BotAction::Post { scope, .. }
        | BotAction::DirectMessage { scope, .. }
        | BotAction::HideMessage { scope, .. }
        | BotAction::OpenThread { scope, .. }
        | BotAction::PostInThread { scope, .. }
        | BotAction::CloseThread { scope, .. }
        | BotAction::ScheduleEvent { scope, .. }
        | BotAction::CancelEvent { scope, .. } => Some(scope.platform),
    }
}

/// Does actions with one HTTP client.
pub(crate) struct Exec<'a> {
    http: &'a Http,
    cache: &'a Cache,
    bot: &'a Bot,
}

impl<'a> Exec<'a> {
    pub fn new(http: &'a Http, cache: &'a Cache, bot: &'a Bot) -> Exec<'a> {
        Exec { http, cache, bot }
    }

    /// Do every action in order; a failure is logged and the rest still run.
    #[instrument(skip_all, fields(actions = actions.len()))]
    pub async fn run(&self, actions: Vec<BotAction>, origin: Origin) {
        for action in actions {
            if platform_of(&action).is_some_and(|p| p != Platform::Discord) {
                continue;
            }
            let kind = action.kind();
            if let Err(e) = self.one(action, origin).await {
                warn!(action = kind, error = %e, "a Discord action failed");
            }
        }
    }

    async fn one(&self, action: BotAction, origin: Origin) -> Result<()> {
        match action {
            BotAction::Reply { visibility, body } => match (visibility, origin.channel) {
                (Visibility::Public, Some(channel)) => self.post(channel, &body).await.map(|_| ()),
                _ => {
                    warn!("a private reply outside an interaction was dropped");
                    Ok(())
                }
            },
            BotAction::Post {
                scope,
                channel,
                body,
            } => {
                let target = channel_of(&channel)?;
                // A forum channel takes posts, not messages: announcements and
                // reminders there become forum posts titled by their first line.
                if self.channel_kind(guild_of(&scope), target).await? == ChannelType::Forum {
                    let title = post_title(&body.text);
                    let key = format!(
                        "post:{}:{}",
                        channel.as_str(),
                        chrono::Utc::now().timestamp_millis()
                    );
                    return self
                        .open_thread(&scope, &channel, &key, &title, &body)
                        .await;
                }
                self.post(target, &body).await.map(|_| ())
            }
            BotAction::AlertModerators { card } => self.post_alert(&card, origin).await,
            BotAction::UpdateAlert { card } => self.update_alert(&card).await,
            BotAction::DirectMessage { user, body, .. } => {
                self.direct_message(&user, &body, origin).await
            }
            BotAction::HideMessage {
                channel, message, ..
            } => {
                let message = snowflake(message.as_str())
                    .map(MessageId::new)
                    .ok_or_else(|| anyhow!("not a Discord message id"))?;
                channel_of(&channel)?
                    .delete_message(self.http, message)
                    .await
                    .map_err(api("deleting the message (needs Manage Messages)"))
            }
            BotAction::OpenThread {
                scope,
                channel,
                key,
                title,
                body,
            } => {
                self.open_thread(&scope, &channel, &key, &title, &body)
                    .await
            }
            BotAction::PostInThread { scope, key, body } => {
                let thread = self.thread(&scope, &key).await?;
                self.post(thread, &body).await.map(|_| ())
            }
            BotAction::CloseThread { scope, key, lock } => {
                let thread = self.thread(&scope, &key).await?;
                thread
                    .edit_thread(self.http, EditThread::new().archived(true).locked(lock))
                    .await
                    .map(|_| ())
                    .map_err(api("archiving the thread (needs Manage Threads)"))
            }
            BotAction::ScheduleEvent { scope, event } => self.schedule_event(&scope, &event).await,
            BotAction::CancelEvent { scope, key } => self.cancel_event(&scope, &key).await,
        }
    }

    /// Post a body (split at the length limit; buttons on the last part).
    pub async fn post(&self, channel: ChannelId, body: &MessageBody) -> Result<Message> {
        self.post_raw(channel, body)
            .await
            .map_err(api("posting a message"))
    }

    async fn post_raw(
        &self,
        channel: ChannelId,
        body: &MessageBody,
    ) -> Result<Message, serenity::Error> {
        let chunks = text_chunks(body);
        let last = chunks.len().saturating_sub(1);
        let mut posted = None;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let mut msg = CreateMessage::new()
                .content(chunk)
                .allowed_mentions(allowed_mentions(&body.mentions));
            if i == last && !body.buttons.is_empty() {
                msg = msg.components(render::button_rows(&body.buttons));
            }
            posted = Some(channel.send_message(self.http, msg).await?);
        }
        posted.ok_or(serenity::Error::Other("nothing to post"))
    }

    /// The moderators' channel of a community: configured, else stored.
    pub async fn mod_channel(&self, scope: &Scope) -> Result<Option<ChannelId>> {
        if let Some(id) = self
            .bot
            .settings
            .discord
            .mod_channel_id
            .as_deref()
            .and_then(snowflake)
        {
            return Ok(Some(ChannelId::new(id)));
        }
        let stored = self.bot.store.guild_settings(scope).await?.mod_channel;
        Ok(stored
            .and_then(|c| snowflake(c.as_str()))
            .map(ChannelId::new))
    }

    #[instrument(skip_all, fields(alert = card.alert_id))]
    async fn post_alert(&self, card: &AlertCard, origin: Origin) -> Result<()> {
        let Some(channel) = self.mod_channel(&card.scope).await? else {
            warn!(
                alert = card.alert_id,
                "no moderators' channel: set discord.mod_channel_id or use /guard modchannel"
            );
            return Ok(());
        };
        let msg = CreateMessage::new()
            .embed(alert_embed(card, None))
            .components(alert_rows(card))
            .allowed_mentions(CreateAllowedMentions::new());
        let to_request = origin.received.map(|t| t.elapsed());
        let posted = channel
            .send_message(self.http, msg)
            .await
            .map_err(api("posting the alert"))?;
        if let Some(t) = origin.received {
            debug!(
                alert = card.alert_id,
                to_request_us = to_request.map_or(0, |d| d.as_micros() as u64),
                round_trip_us = t.elapsed().as_micros() as u64,
                "alert posted"
            );
        }
        self.bot
            .alert_posted(card.alert_id, mod_ref(channel, posted.id))
            .await
    }

    /// Edit the alert message to show `card`.
    #[instrument(skip_all, fields(alert = card.alert_id))]
    async fn update_alert(&self, card: &AlertCard) -> Result<()> {
        let Some((channel, message)) = self
            .bot
            .alert_mod_ref(card.alert_id)
            .await?
            .as_deref()
            .and_then(parse_mod_ref)
        else {
            warn!(
                alert = card.alert_id,
                "alert message unknown; update not shown"
            );
            return Ok(());
        };
        let kept = match card.snippet {
            Some(_) => None,
            None => {
                let old = self
                    .http
                    .get_message(channel, message)
                    .await
                    .map_err(api("reading the alert message"))?;
                existing_snippet(&old.embeds)
            }
        };
        let edit = EditMessage::new()
            .embed(alert_embed(card, kept.as_deref()))
            .components(alert_rows(card))
            .allowed_mentions(CreateAllowedMentions::new());
        channel
            .edit_message(self.http, message, edit)
            .await
            .map(|_| ())
            .map_err(api("editing the alert"))
    }

    async fn direct_message(
        &self,
        user: &domain::UserId,
        body: &MessageBody,
        origin: Origin,
    ) -> Result<()> {
        let uid = user_id(user).ok_or_else(|| anyhow!("not a Discord user id"))?;
        let result = match uid.create_dm_channel(self.http).await {
            Ok(dm) => self.post_raw(dm.id, body).await.map(|_| ()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) if discord_code(&e) == Some(DMS_CLOSED) => {}
            Err(e) => return Err(api("sending a DM")(e)),
        }
        let Some(channel) = origin.channel else {
            warn!("member's DMs are closed and there is no channel to point them to");
            return Ok(());
        };
        debug!("member's DMs are closed; leaving a short mention in the channel");
        let text = format!(
            "<@{uid}> I tried to send you a private note, but your direct messages are closed. \
             Please allow DMs from server members (Privacy Settings) so I can reach you privately."
        );
        channel
            .send_message(
                self.http,
                CreateMessage::new()
                    .content(text)
                    .allowed_mentions(CreateAllowedMentions::new().users([uid])),
            )
            .await
            .map(|_| ())
            .map_err(api("posting the closed-DM notice"))
    }

    async fn channel_kind(
        &self,
        guild: Option<GuildId>,
        channel: ChannelId,
    ) -> Result<ChannelType> {
        let cached = guild.and_then(|g| {
            self.cache
                .guild(g)
                .and_then(|g| g.channels.get(&channel).map(|c| c.kind))
        });
        if let Some(kind) = cached {
            return Ok(kind);
        }
        let fetched = self
            .http
            .get_channel(channel)
            .await
            .map_err(api("reading the channel"))?;
        Ok(fetched.guild().map_or(ChannelType::Text, |c| c.kind))
    }

    #[instrument(skip_all)]
    async fn open_thread(
        &self,
        scope: &Scope,
        channel: &domain::ChannelId,
        key: &str,
        title: &str,
        body: &MessageBody,
    ) -> Result<()> {
        let parent = channel_of(channel)?;
        let title = truncate(title, NAME_LIMIT);
        let chunks = text_chunks(body);
        let mut first = CreateMessage::new()
            .content(chunks[0].clone())
            .allowed_mentions(allowed_mentions(&body.mentions));
        if !body.buttons.is_empty() {
            first = first.components(render::button_rows(&body.buttons));
        }
        let thread = match self.channel_kind(guild_of(scope), parent).await? {
            ChannelType::Forum => parent
                .create_forum_post(self.http, CreateForumPost::new(title, first))
                .await
                .map_err(api("creating the forum post"))?,
            _ => {
                let starter = parent
                    .send_message(self.http, first)
                    .await
                    .map_err(api("posting the thread's first message"))?;
                parent
                    .create_thread_from_message(self.http, starter.id, CreateThread::new(title))
                    .await
                    .map_err(api("creating the thread (needs Create Public Threads)"))?
            }
        };
        for chunk in chunks.into_iter().skip(1) {
            self.post(thread.id, &MessageBody::text(chunk)).await?;
        }
        self.bot
            .thread_opened(
                scope,
                key,
                &domain::ChannelId::new(thread.id.get().to_string()),
            )
            .await
    }

    async fn thread(&self, scope: &Scope, key: &str) -> Result<ChannelId> {
        let thread = self
            .bot
            .thread_for_key(scope, key)
            .await?
            .ok_or_else(|| anyhow!("no thread was opened for this key"))?;
        channel_of(&thread)
    }

    #[instrument(skip_all)]
    async fn schedule_event(&self, scope: &Scope, event: &EventSpec) -> Result<()> {
        let guild = guild_of(scope).ok_or_else(|| anyhow!("not a Discord guild"))?;
        let key = format!("event:{}", event.key);
        let start = timestamp(event.start)?;
        let end = timestamp(event.end)?;
        let name = truncate(&event.title, NAME_LIMIT);
        let description = truncate(&event.description, EVENT_DESCRIPTION_LIMIT);
        let location = truncate(&location(guild, &event.location), LOCATION_LIMIT);
        let existing = self
            .bot
            .thread_for_key(scope, &key)
            .await?
            .and_then(|id| snowflake(id.as_str()))
            .map(ScheduledEventId::new);
        if let Some(id) = existing {
            let edit = EditScheduledEvent::new()
                .name(name.clone())
                .description(description.clone())
                .start_time(start)
                .end_time(end)
                .location(location.clone());
            match guild.edit_scheduled_event(self.http, id, edit).await {
                Ok(_) => return Ok(()),
                // Deleted on Discord meanwhile: create it again.
                Err(e) if discord_code(&e) == Some(UNKNOWN_EVENT) => {}
                Err(e) => return Err(api("updating the scheduled event (needs Manage Events)")(e)),
            }
        }
        let create = CreateScheduledEvent::new(ScheduledEventType::External, name, start)
            .end_time(end)
            .description(description)
            .location(location);
        let created = guild
            .create_scheduled_event(self.http, create)
            .await
            .map_err(api("creating the scheduled event (needs Manage Events)"))?;
        self.bot
            .thread_opened(
                scope,
                &key,
                &domain::ChannelId::new(created.id.get().to_string()),
            )
            .await
    }

    async fn cancel_event(&self, scope: &Scope, key: &str) -> Result<()> {
        let guild = guild_of(scope).ok_or_else(|| anyhow!("not a Discord guild"))?;
        let Some(id) = self
            .bot
            .thread_for_key(scope, &format!("event:{key}"))
            .await?
            .and_then(|id| snowflake(id.as_str()))
        else {
            debug!("no scheduled event to cancel");
            return Ok(());
        };
        match guild
            .delete_scheduled_event(self.http, ScheduledEventId::new(id))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if discord_code(&e) == Some(UNKNOWN_EVENT) => Ok(()),
            Err(e) => Err(api("cancelling the scheduled event")(e)),
        }
    }
}

fn timestamp(t: chrono::DateTime<chrono::Utc>) -> Result<Timestamp> {
    Timestamp::from_unix_timestamp(t.timestamp()).map_err(|_| anyhow!("time out of range"))
}

/// An event location: links stay; a bare channel id becomes that channel's link.
fn location(guild: GuildId, location: &str) -> String {
    match snowflake(location.trim_start_matches("<#").trim_end_matches('>')) {
        Some(id) => format!("https://discord.com/channels/{}/{id}", guild.get()),
        None if location.trim().is_empty() => "Discord".to_string(),
        None => location.to_string(),
    }
}

/// A forum post's title from a message: its first non-empty line without Markdown marks.
fn post_title(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Journal club");
    let plain: String = line
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '#' | '>'))
        .collect();
    let plain = plain.trim();
    truncate(
        if plain.is_empty() {
            "Journal club"
        } else {
            plain
        },
        NAME_LIMIT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod_refs_round_trip() {
        let r = mod_ref(ChannelId::new(3), MessageId::new(9));
        assert_eq!(r, "3/9");
        assert_eq!(
            parse_mod_ref(&r),
            Some((ChannelId::new(3), MessageId::new(9)))
        );
        assert_eq!(parse_mod_ref("9"), None);
        assert_eq!(parse_mod_ref("0/9"), None);
    }

    #[test]
    fn event_locations() {
        let g = GuildId::new(1);
        assert_eq!(location(g, "42"), "https://discord.com/channels/1/42");
        assert_eq!(location(g, "<#42>"), "https://discord.com/channels/1/42");
        assert_eq!(location(g, "https://x.test/t"), "https://x.test/t");
        assert_eq!(location(g, " "), "Discord");
    }

    #[test]
    fn only_discord_scopes_map_to_guilds() {
        assert_eq!(
            guild_of(&Scope::new(Platform::Discord, "5")),
            Some(GuildId::new(5))
        );
        assert_eq!(guild_of(&Scope::new(Platform::Matrix, "5")), None);
        assert_eq!(guild_of(&Scope::new(Platform::Discord, "x")), None);
    }

    #[test]
    fn forum_post_titles_come_from_the_first_line() {
        assert_eq!(
            super::post_title("\n**📚 Journal club — Sun 29 Nov**\nmore"),
            "📚 Journal club — Sun 29 Nov"
        );
        assert_eq!(super::post_title("   "), "Journal club");
        assert!(super::post_title(&"x".repeat(300)).chars().count() <= 100);
    }
}
