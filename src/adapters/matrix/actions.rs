//! How each [`BotAction`] is done on Matrix.
//!
//! - Reply: public → a rich reply to the command (`make_reply_to`, staying in
//!   its thread); private → the member's DM room when
//!   `matrix.private_replies_in_dm`, else a reply in a thread rooted at the
//!   command. In a direct chat, every reply goes there.
//! - AlertModerators → a notice in the moderators' room, recorded with
//!   `Bot::alert_posted`; UpdateAlert → an edit (`m.replace`) of that notice.
//!   An update without a snippet re-shows the last snippet this run posted
//!   (kept in memory only; after a restart the update shows none).
//! - HideMessage → redacts every edit of the message (they repeat its text in
//!   `m.new_content`), then the message.
//! - DirectMessage → the member's DM room (created encrypted, then reused).
//! - OpenThread → a root notice in the room plus the card in an `m.thread`
//!   rooted at it (`Bot::thread_opened` with the root event id);
//!   PostInThread → a notice in that thread; CloseThread → a closing notice
//!   (Matrix threads cannot be archived or locked).
//! - ScheduleEvent / CancelEvent: Matrix has no scheduled events; skipped.
//!
//! Actions whose scope is another platform or community are skipped, so the
//! one scheduler can hand every action to every adapter. A failed action is
//! logged by kind and does not stop the others.

use super::render;
use super::{Core, PostedAlert};
use crate::domain::{AlertCard, BotAction, ChannelId, MessageBody, Scope, Visibility};
use anyhow::{Context, Result, bail};
use matrix_sdk::room::{IncludeRelations, RelationsOptions};
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::events::relation::{RelationType, Thread};
use matrix_sdk::ruma::events::room::message::{
    AddMentions, ForwardThread, ReplacementMetadata, ReplyMetadata, ReplyWithinThread,
    RoomMessageEventContent,
};
use matrix_sdk::ruma::{EventId, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UInt, UserId};
use matrix_sdk::{Client, Room, RoomState};
use tracing::{debug, info, instrument, warn};

/// Reason given on redactions (visible to room members; holds no content).
const HIDE_REASON: &str = "Removed by Rounds: it may identify a patient";

/// The event an action answers, if any.
#[derive(Debug, Clone)]
pub(super) struct ReplyTarget {
    pub event: OwnedEventId,
    pub sender: OwnedUserId,
    pub thread: Option<Thread>,
}

/// Where the actions came from: the room, the event to answer and the member.
#[derive(Debug, Clone, Default)]
pub(super) struct Origin {
    pub room: Option<Room>,
    pub reply_to: Option<ReplyTarget>,
    pub user: Option<OwnedUserId>,
}

/// Carry out `actions` in order; failures are logged by kind and skipped.
#[instrument(skip_all, fields(actions = actions.len()))]
pub(super) async fn run(core: &Core, client: &Client, actions: Vec<BotAction>, origin: &Origin) {
    for action in actions {
        let kind = action.kind();
        if let Some(scope) = scope_of(&action)
            && *scope != core.scope
        {
            continue;
        }
        match one(core, client, action, origin).await {
            Ok(()) => debug!(kind, "Matrix action done"),
            // Errors name requests, ids and HTTP statuses, never message text.
            Err(e) => warn!(kind, error = format!("{e:#}"), "Matrix action failed"),
        }
    }
}

fn scope_of(action: &BotAction) -> Option<&Scope> {
    match action {
        BotAction::Reply { .. } => None,
        BotAction::AlertModerators { card } | BotAction::UpdateAlert { card } => Some(&card.scope),
        BotAction::Post { scope, .. }
        | BotAction::DirectMessage { scope, .. }
        | BotAction::HideMessage { scope, .. }
        | BotAction::OpenThread { scope, .. }
        | BotAction::PostInThread { scope, .. }
        | BotAction::CloseThread { scope, .. }
        | BotAction::ScheduleEvent { scope, .. }
        | BotAction::CancelEvent { scope, .. } => Some(scope),
    }
}

async fn one(core: &Core, client: &Client, action: BotAction, origin: &Origin) -> Result<()> {
    match action {
        BotAction::Reply { visibility, body } => {
            reply(core, client, visibility, &body, origin).await
        }
        BotAction::Post { channel, body, .. } => {
            joined_room(client, channel.as_str())?
                .send(render::notice(&body))
                .await
                .context("posting")?;
            Ok(())
        }
        BotAction::AlertModerators { card } => post_alert(core, client, card).await,
        BotAction::UpdateAlert { card } => update_alert(core, client, card).await,
        BotAction::DirectMessage { user, body, .. } => {
            let user = UserId::parse(user.as_str()).context("not a Matrix user id")?;
            dm_room(core, client, &user)
                .await?
                .send(render::notice(&body))
                .await
                .context("sending a direct message")?;
            Ok(())
        }
        BotAction::HideMessage {
            channel, message, ..
        } => {
            let room = joined_room(client, channel.as_str())?;
            let event = EventId::parse(message.as_str()).context("not a Matrix event id")?;
            hide_with_edits(&room, &event).await
        }
        BotAction::OpenThread {
            scope,
            channel,
            key,
            title,
            body,
        } => open_thread(core, client, &scope, &channel, &key, &title, &body).await,
        BotAction::PostInThread { scope, key, body } => {
            let (room, root) = thread_location(core, client, &scope, &key).await?;
            room.send(in_thread(render::notice(&body), &root, &core.own_user))
                .await
                .context("posting in a thread")?;
            Ok(())
        }
        BotAction::CloseThread { scope, key, .. } => {
            let (room, root) = thread_location(core, client, &scope, &key).await?;
            let body = MessageBody::text(
                "🔒 This session is now closed — thank you for taking part. (Matrix cannot lock threads; messages posted here from now on are not part of the session.)",
            );
            room.send(in_thread(render::notice(&body), &root, &core.own_user))
                .await
                .context("closing a thread")?;
            Ok(())
        }
        BotAction::ScheduleEvent { .. } | BotAction::CancelEvent { .. } => {
            debug!("Matrix has no scheduled events; skipped");
            Ok(())
        }
    }
}

fn joined_room(client: &Client, room_id: &str) -> Result<Room> {
    let id = RoomId::parse(room_id).context("not a Matrix room id")?;
    let room = client
        .get_room(&id)
        .with_context(|| format!("the bot is not in room {id}"))?;
    if room.state() != RoomState::Joined {
        bail!("the bot has not joined room {id}");
    }
    Ok(room)
}

async fn reply(
    core: &Core,
    client: &Client,
    visibility: Visibility,
    body: &MessageBody,
    origin: &Origin,
) -> Result<()> {
    let content = render::notice(body);
    let in_direct_chat = match &origin.room {
        Some(room) => room.is_direct().await.unwrap_or(false),
        None => false,
    };
    if visibility == Visibility::Private
        && core.bot.settings.matrix.private_replies_in_dm
        && !in_direct_chat
        && let Some(user) = &origin.user
    {
        dm_room(core, client, user)
            .await?
            .send(content)
            .await
            .context("sending a private reply")?;
        return Ok(());
    }
    let room = origin.room.as_ref().context("a reply without a room")?;
    let content = match &origin.reply_to {
        None => content,
        Some(t) => {
            let meta = ReplyMetadata::new(&t.event, &t.sender, t.thread.as_ref());
            if visibility == Visibility::Private && !in_direct_chat {
                content.make_for_thread(meta, ReplyWithinThread::Yes, AddMentions::Yes)
            } else {
                content.make_reply_to(meta, ForwardThread::Yes, AddMentions::Yes)
            }
        }
    };
    room.send(content).await.context("replying")?;
    Ok(())
}

/// The member's DM room: remembered, else found through `m.direct`, else created.
async fn dm_room(core: &Core, client: &Client, user: &UserId) -> Result<Room> {
    let _one_at_a_time = core.dm_lock.lock().await;
    let remembered = core.memory().dms.get(user).cloned();
    if let Some(room) = remembered.and_then(|id| client.get_room(&id))
        && room.state() != RoomState::Left
    {
        return Ok(room);
    }
    let room = match client.get_dm_room(user) {
        Some(room) => room,
        None => {
            info!("creating a direct chat with a member");
            client.create_dm(user).await.context("creating a DM room")?
        }
    };
    core.memory()
        .dms
        .insert(user.to_owned(), room.room_id().to_owned());
    Ok(room)
}

#[instrument(skip_all, fields(alert = card.alert_id))]
async fn post_alert(core: &Core, client: &Client, card: AlertCard) -> Result<()> {
    let room_id = core
        .mod_room()
        .await?
        .context("no moderators' room: set matrix.mod_room or use `!guard modchannel`")?;
    let room = joined_room(client, room_id.as_str())?;
    let content = alert_content(&card);
    let event = room
        .send(content)
        .await
        .context("posting an alert")?
        .response
        .event_id;
    core.memory().alerts.insert(
        card.alert_id,
        PostedAlert {
            room: room_id,
            event: event.clone(),
            snippet: card.snippet.clone(),
        },
    );
    core.memory()
        .alert_by_event
        .insert(event.clone(), card.alert_id);
    core.bot
        .alert_posted(card.alert_id, event.to_string())
        .await
        .context("recording the alert's event")?;
    info!("alert posted");
    Ok(())
}

fn alert_content(card: &AlertCard) -> RoomMessageEventContent {
    let mut content = RoomMessageEventContent::notice_plain(render::alert_text(card));
    content.mentions = Some(Mentions::new());
    content
}

#[instrument(skip_all, fields(alert = card.alert_id))]
async fn update_alert(core: &Core, client: &Client, mut card: AlertCard) -> Result<()> {
    let remembered = core.memory().alerts.get(&card.alert_id).cloned();
    let (room_id, event, snippet) = match remembered {
        Some(p) => (p.room, p.event, p.snippet),
        None => {
            let room = core.mod_room().await?.context("no moderators' room")?;
            let event = core
                .bot
                .alert_mod_ref(card.alert_id)
                .await?
                .context("the alert was never posted")?;
            let event = OwnedEventId::try_from(event).context("stored alert ref")?;
            (room, event, None)
        }
    };
    match &card.snippet {
        None => card.snippet = snippet,
        Some(new) => {
            if let Some(p) = core.memory().alerts.get_mut(&card.alert_id) {
                p.snippet = Some(new.clone());
            }
        }
    }
    let room = joined_room(client, room_id.as_str())?;
    let content = alert_content(&card).make_replacement(ReplacementMetadata::new(event, None));
    room.send(content).await.context("editing an alert")?;
    info!("alert updated");
    Ok(())
}

/// Redacts every edit of `original`, then `original` itself.
#[instrument(skip_all)]
async fn hide_with_edits(room: &Room, original: &EventId) -> Result<()> {
    let mut from = None;
    let mut edits = 0u32;
    loop {
        let opts = RelationsOptions {
            include_relations: IncludeRelations::RelationsOfType(RelationType::Replacement),
            limit: Some(UInt::from(50u32)),
            from,
            ..Default::default()
        };
        let page = room
            .relations(original.to_owned(), opts)
            .await
            .context("listing the message's edits")?;
        for edit in &page.chunk {
            if let Some(id) = edit.event_id() {
                room.redact(&id, Some(HIDE_REASON), None)
                    .await
                    .context("redacting an edit")?;
                edits += 1;
            }
        }
        match page.next_batch_token {
            Some(token) => from = Some(token),
            None => break,
        }
    }
    room.redact(original, Some(HIDE_REASON), None)
        .await
        .context("redacting the message")?;
    info!(edits, "message and its edits redacted");
    Ok(())
}

/// `content` as a message in the thread rooted at `root` (posted by the bot).
fn in_thread(
    content: RoomMessageEventContent,
    root: &EventId,
    own_user: &UserId,
) -> RoomMessageEventContent {
    content.make_for_thread(
        ReplyMetadata::new(root, own_user, None),
        ReplyWithinThread::No,
        AddMentions::No,
    )
}

async fn open_thread(
    core: &Core,
    client: &Client,
    scope: &Scope,
    channel: &ChannelId,
    key: &str,
    title: &str,
    body: &MessageBody,
) -> Result<()> {
    let room = joined_room(client, channel.as_str())?;
    let root = room
        .send(render::notice(&MessageBody::text(format!("🧵 {title}"))))
        .await
        .context("posting a thread root")?
        .response
        .event_id;
    core.memory()
        .threads
        .insert(key.to_string(), (room.room_id().to_owned(), root.clone()));
    room.send(in_thread(render::notice(body), &root, &core.own_user))
        .await
        .context("posting the first message of a thread")?;
    core.bot
        .thread_opened(scope, key, &ChannelId::new(root.as_str()))
        .await
        .context("recording the thread")?;
    info!("thread opened");
    Ok(())
}

/// The room and root event of the thread behind `key`: this run's memory,
/// else the stored root in `matrix.journal_club_room`, else in any joined
/// room that has that event.
async fn thread_location(
    core: &Core,
    client: &Client,
    scope: &Scope,
    key: &str,
) -> Result<(Room, OwnedEventId)> {
    let remembered = core.memory().threads.get(key).cloned();
    if let Some((room, root)) = remembered {
        return Ok((joined_room(client, room.as_str())?, root));
    }
    let root = core
        .bot
        .thread_for_key(scope, key)
        .await?
        .context("no thread was opened for this key")?;
    let root = OwnedEventId::try_from(root.0).context("stored thread ref")?;
    let mut candidates: Vec<Room> = Vec::new();
    if let Some(club) = &core.bot.settings.matrix.journal_club_room
        && let Ok(room) = joined_room(client, club)
    {
        candidates.push(room);
    }
    candidates.extend(client.joined_rooms());
    for room in candidates {
        if room.event(&root, None).await.is_ok() {
            let room_id: OwnedRoomId = room.room_id().to_owned();
            core.memory()
                .threads
                .insert(key.to_string(), (room_id, root.clone()));
            return Ok((room, root));
        }
    }
    bail!("the thread's root event is in no joined room")
}
