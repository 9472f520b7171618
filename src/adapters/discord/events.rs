//! Gateway events: new and edited messages go through the confidentiality
//! guard; button presses become neutral commands; a served guild's arrival
//! triggers the startup permission check.
//!
//! Invariants: the bot never scans itself; bots and webhooks are skipped
//! unless `guard.scan_bots`; only guild channels (and their threads and forum
//! posts) of served guilds are scanned; edits use the new content the event
//! carries and fetch nothing. Buttons act with the presser's own powers.

use super::access::powers;
use super::actions::{Exec, Origin, parse_mod_ref};
use super::render::{self, alert_embed, alert_rows, existing_snippet};
use super::{Core, checks};
use crate::commands::parse_button_id;
use crate::domain::{self, BotAction, IncomingMessage, Invocation, Visibility};
use chrono::{DateTime, Utc};
use serenity::all::{
    Cache, ChannelId, ComponentInteraction, Context, CreateAllowedMentions,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    EventHandler, Guild, GuildId, Interaction, Message, MessageId, MessageUpdateEvent, Timestamp,
    User,
};
use std::sync::Arc;
use std::time::Instant;
use tracing::{debug, instrument, warn};

/// serenity's event handler.
pub(crate) struct Handler {
    core: Arc<Core>,
}

impl Handler {
    pub fn new(core: Arc<Core>) -> Handler {
        Handler { core }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        if self.core.serves(guild.id) && self.core.first_check(guild.id) {
            checks::run(&ctx, &self.core, &guild).await;
        }
    }

    #[instrument(skip_all)]
    async fn message(&self, ctx: Context, msg: Message) {
        let received = Instant::now();
        let Some(guild) = msg.guild_id else { return };
        let author_name = msg
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .unwrap_or_else(|| display_name(&msg.author));
        let seen = Seen {
            guild,
            channel: msg.channel_id,
            message: msg.id,
            author: &msg.author,
            author_name,
            is_webhook: msg.webhook_id.is_some(),
            text: &msg.content,
            edited: false,
            at: msg.timestamp,
        };
        self.scan(&ctx, seen, received).await;
    }

    #[instrument(skip_all)]
    async fn message_update(
        &self,
        ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let received = Instant::now();
        // Edits without content (embed unfurls) and DMs change nothing to scan.
        let (Some(guild), Some(text), Some(author)) = (
            event.guild_id,
            event.content.as_deref(),
            event.author.as_ref(),
        ) else {
            return;
        };
        let author_name = event
            .member
            .as_ref()
            .and_then(|m| m.as_ref())
            .and_then(|m| m.nick.clone())
            .unwrap_or_else(|| display_name(author));
        let seen = Seen {
            guild,
            channel: event.channel_id,
            message: event.id,
            author,
            author_name,
            is_webhook: event.webhook_id.flatten().is_some(),
            text,
            edited: true,
            at: event.edited_timestamp.unwrap_or_else(Timestamp::now),
        };
        self.scan(&ctx, seen, received).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        if let Interaction::Component(press) = interaction {
            on_button(&ctx, &self.core, &press).await;
        }
    }
}

/// What the guard needs from a created or edited message.
struct Seen<'a> {
    guild: GuildId,
    channel: ChannelId,
    message: MessageId,
    author: &'a User,
    author_name: String,
    is_webhook: bool,
    text: &'a str,
    edited: bool,
    at: Timestamp,
}

impl Handler {
    async fn scan(&self, ctx: &Context, seen: Seen<'_>, received: Instant) {
        let core = &self.core;
        if !core.serves(seen.guild) || seen.author.id == ctx.cache.current_user().id {
            return;
        }
        let is_bot = seen.author.bot || seen.is_webhook;
        if is_bot && !core.bot.settings.guard.scan_bots {
            return;
        }
        let msg = IncomingMessage {
            scope: Core::scope(seen.guild),
            channel: domain::ChannelId::new(seen.channel.get().to_string()),
            channel_name: channel_name(&ctx.cache, seen.guild, seen.channel),
            thread: None,
            message: domain::MessageId::new(seen.message.get().to_string()),
            author: domain::UserId::new(seen.author.id.get().to_string()),
            author_name: seen.author_name,
            author_is_bot: is_bot,
            text: seen.text.to_string(),
            edited: seen.edited,
            link: Some(format!(
                "https://discord.com/channels/{}/{}/{}",
                seen.guild.get(),
                seen.channel.get(),
                seen.message.get()
            )),
            at: to_utc(seen.at),
        };
        let actions = core.bot.handle_message(&msg).await;
        if actions.is_empty() {
            return;
        }
        debug!(
            edited = seen.edited,
            actions = actions.len(),
            "guard actions"
        );
        let origin = Origin {
            channel: Some(seen.channel),
            received: Some(received),
        };
        Exec::new(&ctx.http, &ctx.cache, &core.bot)
            .run(actions, origin)
            .await;
    }
}

/// `#name` of a channel or thread from the cache, else its mention.
pub(crate) fn channel_name(cache: &Cache, guild: GuildId, channel: ChannelId) -> String {
    let name = cache.guild(guild).and_then(|g| {
        g.channels
            .get(&channel)
            .map(|c| c.name.clone())
            .or_else(|| {
                g.threads
                    .iter()
                    .find(|t| t.id == channel)
                    .map(|t| t.name.clone())
            })
    });
    match name {
        Some(n) => format!("#{n}"),
        None => format!("<#{}>", channel.get()),
    }
}

/// Server nickname is handled by callers; this is the global name or username.
pub(crate) fn display_name(user: &User) -> String {
    user.global_name
        .clone()
        .unwrap_or_else(|| user.name.clone())
}

pub(crate) fn to_utc(t: Timestamp) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(t.unix_timestamp(), 0).unwrap_or_else(Utc::now)
}

/// The Invocation of a button press: the presser's powers in a guild; in a DM
/// (the author's "Delete my message"), the alert's community with no powers.
async fn button_invocation(
    core: &Core,
    press: &ComponentInteraction,
    cmd: &crate::commands::Command,
) -> Option<Invocation> {
    let user = &press.user;
    let (scope, p) = match (press.guild_id, press.member.as_ref()) {
        (Some(guild), Some(member)) => {
            if !core.serves(guild) {
                return None;
            }
            (
                Core::scope(guild),
                powers(
                    &member.roles,
                    member.permissions,
                    &core.bot.settings.discord,
                ),
            )
        }
        _ => {
            let crate::commands::Command::Alert(a) = cmd else {
                return None;
            };
            let id = match a {
                crate::commands::AlertCommand::Claim { id }
                | crate::commands::AlertCommand::Resolve { id, .. }
                | crate::commands::AlertCommand::Delete { id } => *id,
            };
            let alert = core.bot.store.alert(id).await.ok().flatten()?;
            (alert.scope, Default::default())
        }
    };
    Some(Invocation {
        scope,
        channel: domain::ChannelId::new(press.channel_id.get().to_string()),
        user: domain::UserId::new(user.id.get().to_string()),
        user_name: press
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .unwrap_or_else(|| display_name(user)),
        is_moderator: p.is_moderator,
        is_admin: p.is_admin,
        at: Utc::now(),
    })
}

/// A button press: run its command with the presser's powers; an update of
/// the alert the button sits on becomes the interaction's own response.
#[instrument(skip_all, fields(button = press.data.custom_id.split(':').take(2).collect::<Vec<_>>().join(":")))]
pub(crate) async fn on_button(ctx: &Context, core: &Core, press: &ComponentInteraction) {
    let cmd = parse_button_id(&press.data.custom_id);
    let inv = match &cmd {
        Some(cmd) => button_invocation(core, press, cmd).await,
        None => None,
    };
    let (Some(cmd), Some(inv)) = (cmd, inv) else {
        respond_private(ctx, press, "This button is no longer active.").await;
        return;
    };
    let actions = core.bot.handle_command(&inv, cmd).await;
    let here = Some(press.message.id);
    let mut update_here = None;
    let mut replies = Vec::new();
    let mut rest = Vec::new();
    for action in actions {
        match action {
            BotAction::UpdateAlert { card }
                if update_here.is_none() && alert_message(core, card.alert_id).await == here =>
            {
                update_here = Some(card)
            }
            BotAction::Reply { visibility, body } => replies.push((visibility, body)),
            other => rest.push(other),
        }
    }
    let mut responded = false;
    if let Some(card) = update_here {
        let kept = existing_snippet(&press.message.embeds);
        let update = CreateInteractionResponseMessage::new()
            .embed(alert_embed(&card, kept.as_deref()))
            .components(alert_rows(&card))
            .allowed_mentions(CreateAllowedMentions::new());
        match press
            .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
            .await
        {
            Ok(()) => responded = true,
            Err(e) => {
                warn!(error = %super::actions::describe(&e), "updating the alert from its button failed")
            }
        }
    }
    let origin = Origin {
        channel: Some(press.channel_id),
        received: None,
    };
    for (visibility, body) in replies {
        let ephemeral = visibility == Visibility::Private;
        for chunk in render::text_chunks(&body) {
            let result = if responded {
                press
                    .create_followup(
                        &ctx.http,
                        CreateInteractionResponseFollowup::new()
                            .content(chunk)
                            .ephemeral(ephemeral)
                            .components(render::button_rows(&body.buttons))
                            .allowed_mentions(render::allowed_mentions(&body.mentions)),
                    )
                    .await
                    .map(|_| ())
            } else {
                let msg = CreateInteractionResponseMessage::new()
                    .content(chunk)
                    .ephemeral(ephemeral)
                    .components(render::button_rows(&body.buttons))
                    .allowed_mentions(render::allowed_mentions(&body.mentions));
                press
                    .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                    .await
            };
            match result {
                Ok(()) => responded = true,
                Err(e) => warn!(error = %super::actions::describe(&e), "answering a button failed"),
            }
        }
    }
    if !responded
        && let Err(e) = press
            .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            .await
    {
        warn!(error = %super::actions::describe(&e), "acknowledging a button failed");
    }
    Exec::new(&ctx.http, &ctx.cache, &core.bot)
        .run(rest, origin)
        .await;
}

/// The message an alert was posted as, if known.
async fn alert_message(core: &Core, alert_id: i64) -> Option<MessageId> {
    let r = core.bot.alert_mod_ref(alert_id).await.ok().flatten()?;
    parse_mod_ref(&r).map(|(_, m)| m)
}

async fn respond_private(ctx: &Context, press: &ComponentInteraction, text: &str) {
    let msg = CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new());
    if let Err(e) = press
        .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
        .await
    {
        warn!(error = %super::actions::describe(&e), "answering a button failed");
    }
}
