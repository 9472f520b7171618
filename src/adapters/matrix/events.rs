//! Matrix events → the core: invites (allow-list), messages and edits
//! (commands or the confidentiality guard), reactions on alerts.
//!
//! Invariants:
//! - The bot's own events are ignored; so are events in rooms it has not joined.
//! - Command lines (`!cmd`) are commands, never scanned as chat; edits of a
//!   message are never commands. An edit is scanned with its NEW content and
//!   reported as the ORIGINAL event (so the existing alert is updated).
//! - Guard scope: `matrix.rooms` when set; else every joined room except the
//!   moderators' room and direct chats with the bot.
//! - A reaction counts only from a member whose power level in the
//!   moderators' room reaches `moderator_power_level`; others are ignored
//!   (debug log, no reply).
//! - Logs carry ids, kinds and counts only (`#[instrument(skip_all)]`).

use super::Core;
use super::actions::{self, Origin, ReplyTarget};
use super::render;
use crate::commands::{self, Command, PhiCommand};
use crate::domain::{
    BotAction, ChannelId, IncomingMessage, Invocation, MessageId, UserId, Visibility,
};
use chrono::{DateTime, Utc};
use matrix_sdk::event_handler::Ctx;
use matrix_sdk::ruma::events::reaction::OriginalSyncReactionEvent;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation,
};
use matrix_sdk::ruma::{EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, UserId as MxUserId};
use matrix_sdk::{Client, Room, RoomState};
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, info, instrument, warn};

/// Invites are handled from the first (catch-up) sync on, so invites that
/// arrived while the bot was offline are answered.
pub(super) fn register_invite_handler(client: &Client) {
    client.add_event_handler(
        |ev: StrippedRoomMemberEvent, room: Room, Ctx(core): Ctx<Arc<Core>>| async move {
            on_invite(ev, room, core).await;
        },
    );
}

/// Messages and reactions: registered after the catch-up sync.
pub(super) fn register_message_handlers(client: &Client) {
    client.add_event_handler(
        |ev: OriginalSyncRoomMessageEvent,
         room: Room,
         client: Client,
         Ctx(core): Ctx<Arc<Core>>| async move {
            on_message(ev, room, client, core).await;
        },
    );
    client.add_event_handler(
        |ev: OriginalSyncReactionEvent, room: Room, client: Client, Ctx(core): Ctx<Arc<Core>>| async move {
            on_reaction(ev, room, client, core).await;
        },
    );
}

#[instrument(skip_all, fields(room = %room.room_id()))]
async fn on_invite(ev: StrippedRoomMemberEvent, room: Room, core: Arc<Core>) {
    if ev.state_key != core.own_user
        || ev.content.membership != MembershipState::Invite
        || room.state() != RoomState::Invited
    {
        return;
    }
    if !render::invite_allowed(&ev.sender, &core.bot.settings.matrix.allowed_inviters) {
        info!("invite from a user not in matrix.allowed_inviters rejected");
        // Leaving an invited room rejects the invite.
        if let Err(e) = room.leave().await {
            warn!(error = %e, "could not reject an invite");
        }
        return;
    }
    // Join off the sync loop: Synapse can announce an invite before it accepts the join.
    tokio::spawn(async move {
        for delay_ms in [0u64, 200, 1000, 3000] {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            match room.join().await {
                Ok(_) => {
                    info!(room = %room.room_id(), "joined a room on invite");
                    return;
                }
                Err(e) => debug!(error = %e, "join failed; retrying"),
            }
        }
        warn!(room = %room.room_id(), "could not join a room the bot was invited to");
    });
}

/// The text of a message or of an edit's new content, and whether it is a notice.
struct Text {
    body: String,
    /// The event the text belongs to: the original for an edit.
    message: OwnedEventId,
    edited: bool,
    notice: bool,
}

fn text_of(ev: &OriginalSyncRoomMessageEvent) -> Option<Text> {
    let (msgtype, message, edited) = match &ev.content.relates_to {
        Some(Relation::Replacement(r)) => (&r.new_content.msgtype, r.event_id.clone(), true),
        _ => (&ev.content.msgtype, ev.event_id.clone(), false),
    };
    let (body, notice) = match msgtype {
        MessageType::Text(t) => (t.body.clone(), false),
        MessageType::Emote(t) => (t.body.clone(), false),
        MessageType::Notice(t) => (t.body.clone(), true),
        _ => return None,
    };
    Some(Text {
        body,
        message,
        edited,
        notice,
    })
}

fn time_of(ts: MilliSecondsSinceUnixEpoch) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::from(ts.get())).unwrap_or_else(Utc::now)
}

#[instrument(skip_all, fields(room = %room.room_id(), event = %ev.event_id))]
async fn on_message(ev: OriginalSyncRoomMessageEvent, room: Room, client: Client, core: Arc<Core>) {
    if ev.sender == core.own_user || room.state() != RoomState::Joined {
        return;
    }
    let Some(text) = text_of(&ev) else {
        return;
    };
    let origin = Origin {
        room: Some(room.clone()),
        reply_to: Some(ReplyTarget {
            event: ev.event_id.clone(),
            sender: ev.sender.clone(),
            thread: match &ev.content.relates_to {
                Some(Relation::Thread(t)) => Some(t.clone()),
                _ => None,
            },
        }),
        user: Some(ev.sender.clone()),
    };
    if !text.edited && !text.notice && commands::is_command(&text.body) {
        on_command(&core, &client, &room, &ev, &text.body, &origin).await;
        return;
    }
    if !in_guard_scope(&core, &room).await {
        return;
    }
    let msg = IncomingMessage {
        scope: core.scope.clone(),
        channel: ChannelId::new(room.room_id().as_str()),
        channel_name: room_name(&room),
        thread: match &ev.content.relates_to {
            Some(Relation::Thread(t)) => Some(ChannelId::new(t.event_id.as_str())),
            _ => None,
        },
        message: MessageId::new(text.message.as_str()),
        author: UserId::new(ev.sender.as_str()),
        author_name: member_name(&room, &ev.sender).await,
        author_is_bot: text.notice,
        link: Some(render::permalink(room.room_id(), &text.message)),
        edited: text.edited,
        text: text.body,
        at: time_of(ev.origin_server_ts),
    };
    let actions = core.bot.handle_message(&msg).await;
    debug!(
        actions = actions.len(),
        edited = msg.edited,
        "message scanned"
    );
    actions::run(&core, &client, actions, &origin).await;
}

async fn on_command(
    core: &Core,
    client: &Client,
    room: &Room,
    ev: &OriginalSyncRoomMessageEvent,
    line: &str,
    origin: &Origin,
) {
    let actions = match commands::parse(line) {
        Ok(cmd) => {
            let draft_in_shared_room = matches!(cmd, Command::Phi(PhiCommand::Check { .. }))
                && !room.is_direct().await.unwrap_or(false);
            let inv = invocation(core, room, &ev.sender, time_of(ev.origin_server_ts)).await;
            let mut actions = core.bot.handle_command(&inv, cmd).await;
            if draft_in_shared_room {
                actions.push(BotAction::private(
                    "Tip: everyone in that room can read what you typed after `!phi check`. Next time, send the check to me in a direct chat.",
                ));
            }
            actions
        }
        Err(e) => vec![BotAction::Reply {
            visibility: Visibility::Private,
            body: crate::domain::MessageBody::text(e.0),
        }],
    };
    debug!(actions = actions.len(), "command handled");
    actions::run(core, client, actions, origin).await;
}

/// Who invokes, with powers from the room's power levels.
async fn invocation(core: &Core, room: &Room, user: &MxUserId, at: DateTime<Utc>) -> Invocation {
    let m = &core.bot.settings.matrix;
    let (is_moderator, is_admin) = match room.get_user_power_level(user).await {
        Ok(level) => render::powers(&level, m.moderator_power_level, m.admin_power_level),
        Err(e) => {
            warn!(error = %e, "power levels unavailable; treating the member as a member");
            (false, false)
        }
    };
    Invocation {
        scope: core.scope.clone(),
        channel: ChannelId::new(room.room_id().as_str()),
        user: UserId::new(user.as_str()),
        user_name: member_name(room, user).await,
        is_moderator,
        is_admin,
        at,
    }
}

async fn in_guard_scope(core: &Core, room: &Room) -> bool {
    let rooms = &core.bot.settings.matrix.rooms;
    if !rooms.is_empty() {
        return rooms.iter().any(|r| r.trim() == room.room_id().as_str());
    }
    match core.mod_room().await {
        Ok(Some(mod_room)) if mod_room == room.room_id() => return false,
        Ok(_) => {}
        Err(e) => warn!(error = %e, "could not read the moderators' room"),
    }
    !room.is_direct().await.unwrap_or(false)
}

fn room_name(room: &Room) -> String {
    room.name()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| room.canonical_alias().map(|a| a.to_string()))
        .unwrap_or_else(|| room.room_id().to_string())
}

async fn member_name(room: &Room, user: &MxUserId) -> String {
    match room.get_member_no_sync(user).await {
        Ok(Some(member)) => member.name().to_string(),
        _ => user.localpart().to_string(),
    }
}

#[instrument(skip_all, fields(room = %room.room_id(), event = %ev.event_id))]
async fn on_reaction(ev: OriginalSyncReactionEvent, room: Room, client: Client, core: Arc<Core>) {
    if ev.sender == core.own_user || room.state() != RoomState::Joined {
        return;
    }
    match core.mod_room().await {
        Ok(Some(mod_room)) if mod_room == room.room_id() => {}
        _ => return,
    }
    let target = ev.content.relates_to.event_id.clone();
    let Some(alert_id) = alert_for_event(&core, &room, &target).await else {
        debug!("reaction on an event that is not an alert");
        return;
    };
    let Some(cmd) = render::reaction_command(&ev.content.relates_to.key, alert_id) else {
        debug!(alert = alert_id, "reaction without a meaning");
        return;
    };
    let inv = invocation(&core, &room, &ev.sender, time_of(ev.origin_server_ts)).await;
    if !inv.is_moderator {
        debug!(alert = alert_id, "reaction by a non-moderator ignored");
        return;
    }
    let actions = core.bot.handle_command(&inv, cmd).await;
    info!(
        alert = alert_id,
        actions = actions.len(),
        "alert reaction handled"
    );
    let origin = Origin {
        room: Some(room.clone()),
        reply_to: Some(ReplyTarget {
            event: target,
            sender: core.own_user.clone(),
            thread: None,
        }),
        user: Some(ev.sender.clone()),
    };
    actions::run(&core, &client, actions, &origin).await;
}

/// The alert posted as `event`: from this run's memory, else (after a
/// restart) from the event's own text, confirmed by the stored mod ref.
async fn alert_for_event(core: &Core, room: &Room, event: &EventId) -> Option<i64> {
    if let Some(id) = core.memory().alert_by_event.get(event).copied() {
        return Some(id);
    }
    let timeline_event = room.event(event, None).await.ok()?;
    let raw = timeline_event.raw();
    let sender: String = raw.get_field("sender").ok()??;
    if sender != core.own_user.as_str() {
        return None;
    }
    let content: serde_json::Value = raw.get_field("content").ok()??;
    let id = render::alert_id_in_text(content["body"].as_str()?)?;
    let stored = core.bot.alert_mod_ref(id).await.ok()??;
    (stored == event.as_str()).then_some(id)
}
