//! Stock REST routes with realistic responders.
//!
//! Each responder answers what Discord would: a full object serenity can deserialize, built from
//! the request body (content, embeds, components are echoed) and kept in the [`super::Store`] so later
//! edits, thread archiving and event updates see earlier writes. Unknown ids get Discord's 404
//! error codes.

use serde_json::{Value, json};

use super::fixtures::{self, MessageSpec};
use super::{Reply, Responder, RestCall};

/// A stock route; [`super::FakeDiscord::allow`] registers it with its default responder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET /gateway` → the fake's websocket URL (no query string).
    Gateway,
    /// `GET /gateway/bot` (autosharding only).
    GatewayBot,
    /// `GET /oauth2/applications/@me` (poise reads the owners at startup).
    CurrentApplication,
    /// `GET /users/@me`.
    CurrentUser,
    /// `PUT /applications/{app}/commands` (global registration).
    SetGlobalCommands,
    /// `PUT /applications/{app}/guilds/{guild}/commands` (guild registration).
    SetGuildCommands,
    /// `POST /channels/{channel}/messages`.
    CreateMessage,
    /// `PATCH /channels/{channel}/messages/{message}`.
    EditMessage,
    /// `DELETE /channels/{channel}/messages/{message}`.
    DeleteMessage,
    /// `GET /channels/{channel}/messages/{message}`.
    GetMessage,
    /// `PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me`.
    CreateReaction,
    /// `POST /interactions/{id}/{token}/callback` → 204.
    InteractionCallback,
    /// `GET /webhooks/{app}/{token}/messages/@original`.
    GetOriginalResponse,
    /// `PATCH /webhooks/{app}/{token}/messages/@original`.
    EditOriginalResponse,
    /// `DELETE /webhooks/{app}/{token}/messages/@original`.
    DeleteOriginalResponse,
    /// `POST /webhooks/{app}/{token}` (follow-up message).
    CreateFollowup,
    /// `POST /users/@me/channels` (open a DM).
    CreateDm,
    /// `POST /channels/{channel}/threads` (forum post or thread without a message).
    CreateThread,
    /// `POST /channels/{channel}/messages/{message}/threads`.
    CreateThreadFromMessage,
    /// `GET /channels/{channel}`.
    GetChannel,
    /// `PATCH /channels/{channel}` (rename, archive, lock).
    EditChannel,
    /// `POST /guilds/{guild}/scheduled-events`.
    CreateScheduledEvent,
    /// `PATCH /guilds/{guild}/scheduled-events/{event}`.
    EditScheduledEvent,
    /// `DELETE /guilds/{guild}/scheduled-events/{event}`.
    DeleteScheduledEvent,
    /// `GET /guilds/{guild}/members/{user}`.
    GetMember,
}

impl Route {
    /// Routes every serenity/poise bot calls while starting; registered by default.
    pub const STARTUP: &'static [Route] = &[
        Route::Gateway,
        Route::GatewayBot,
        Route::CurrentApplication,
        Route::CurrentUser,
        Route::SetGlobalCommands,
        Route::SetGuildCommands,
    ];

    /// Everything a bot that replies, alerts, opens threads, DMs and schedules events uses.
    pub const BOT_ACTIONS: &'static [Route] = &[
        Route::CreateMessage,
        Route::EditMessage,
        Route::DeleteMessage,
        Route::GetMessage,
        Route::CreateReaction,
        Route::InteractionCallback,
        Route::GetOriginalResponse,
        Route::EditOriginalResponse,
        Route::DeleteOriginalResponse,
        Route::CreateFollowup,
        Route::CreateDm,
        Route::CreateThread,
        Route::CreateThreadFromMessage,
        Route::GetChannel,
        Route::EditChannel,
        Route::CreateScheduledEvent,
        Route::EditScheduledEvent,
        Route::DeleteScheduledEvent,
        Route::GetMember,
    ];

    /// HTTP method.
    pub fn method(self) -> &'static str {
        use Route::*;
        match self {
            Gateway | GatewayBot | CurrentApplication | CurrentUser | GetMessage
            | GetOriginalResponse | GetChannel | GetMember => "GET",
            SetGlobalCommands | SetGuildCommands | CreateReaction => "PUT",
            CreateMessage
            | InteractionCallback
            | CreateFollowup
            | CreateDm
            | CreateThread
            | CreateThreadFromMessage
            | CreateScheduledEvent => "POST",
            EditMessage | EditOriginalResponse | EditChannel | EditScheduledEvent => "PATCH",
            DeleteMessage | DeleteOriginalResponse | DeleteScheduledEvent => "DELETE",
        }
    }

    /// Path pattern (without `/api/v10`).
    pub fn pattern(self) -> &'static str {
        use Route::*;
        match self {
            Gateway => "/gateway",
            GatewayBot => "/gateway/bot",
            CurrentApplication => "/oauth2/applications/@me",
            CurrentUser => "/users/@me",
            SetGlobalCommands => "/applications/{app}/commands",
            SetGuildCommands => "/applications/{app}/guilds/{guild}/commands",
            CreateMessage => "/channels/{channel}/messages",
            EditMessage | DeleteMessage | GetMessage => "/channels/{channel}/messages/{message}",
            CreateReaction => "/channels/{channel}/messages/{message}/reactions/{emoji}/@me",
            InteractionCallback => "/interactions/{id}/{token}/callback",
            GetOriginalResponse | EditOriginalResponse | DeleteOriginalResponse => {
                "/webhooks/{app}/{token}/messages/@original"
            }
            CreateFollowup => "/webhooks/{app}/{token}",
            CreateDm => "/users/@me/channels",
            CreateThread => "/channels/{channel}/threads",
            CreateThreadFromMessage => "/channels/{channel}/messages/{message}/threads",
            GetChannel | EditChannel => "/channels/{channel}",
            CreateScheduledEvent => "/guilds/{guild}/scheduled-events",
            EditScheduledEvent | DeleteScheduledEvent => "/guilds/{guild}/scheduled-events/{event}",
            GetMember => "/guilds/{guild}/members/{user}",
        }
    }

    /// Answers `method path` with this route's default responder outside the server (for
    /// fixture tests); `None` if the path does not match the route's pattern.
    pub fn answer(
        self,
        world: &super::World,
        store: &mut super::Store,
        path: &str,
        body: Option<Value>,
    ) -> Option<Reply> {
        let params = super::rest::match_path(self.pattern(), path)?;
        let request = super::RecordedRequest {
            index: 0,
            method: self.method().to_owned(),
            path: path.to_owned(),
            query: None,
            body_text: body.as_ref().map(Value::to_string).unwrap_or_default(),
            body,
            route: Some(self.pattern().to_owned()),
            status: 0,
        };
        let mut call = RestCall {
            request: &request,
            params: &params,
            world,
            store,
            gateway_url: "ws://127.0.0.1:9/gateway",
        };
        Some(self.responder().respond(&mut call))
    }

    /// The default responder.
    pub fn responder(self) -> Responder {
        use Route::*;
        match self {
            Gateway => Responder::from_fn(|c| Reply::json(json!({ "url": c.gateway_url }))),
            GatewayBot => Responder::from_fn(|c| {
                Reply::json(json!({
                    "url": c.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1
                    },
                }))
            }),
            CurrentApplication => {
                Responder::from_fn(|c| Reply::json(fixtures::application_info(c.world)))
            }
            CurrentUser => Responder::from_fn(|c| Reply::json(fixtures::current_user(c.world))),
            SetGlobalCommands => Responder::from_fn(|c| register_commands(c, None)),
            SetGuildCommands => Responder::from_fn(|c| {
                let guild = c.id("guild");
                register_commands(c, guild)
            }),
            CreateMessage => Responder::from_fn(create_message),
            EditMessage => Responder::from_fn(edit_message),
            DeleteMessage => Responder::from_fn(|c| {
                let id = c.id("message").unwrap_or(0);
                c.store.messages.remove(&id);
                Reply::no_content()
            }),
            GetMessage => Responder::from_fn(|c| {
                let id = c.id("message").unwrap_or(0);
                c.store
                    .messages
                    .get(&id)
                    .cloned()
                    .map_or_else(unknown_message, Reply::json)
            }),
            CreateReaction => Responder::no_content(),
            InteractionCallback => Responder::from_fn(interaction_callback),
            GetOriginalResponse => Responder::from_fn(|c| {
                let token = c.params.get("token").cloned().unwrap_or_default();
                c.store
                    .originals
                    .get(&token)
                    .cloned()
                    .map_or_else(unknown_message, Reply::json)
            }),
            EditOriginalResponse => Responder::from_fn(edit_original),
            DeleteOriginalResponse => Responder::from_fn(|c| {
                let token = c.params.get("token").cloned().unwrap_or_default();
                c.store.originals.remove(&token);
                Reply::no_content()
            }),
            CreateFollowup => Responder::from_fn(create_followup),
            CreateDm => Responder::from_fn(create_dm),
            CreateThread => Responder::from_fn(create_thread),
            CreateThreadFromMessage => Responder::from_fn(create_thread_from_message),
            GetChannel => Responder::from_fn(|c| {
                let id = c.id("channel").unwrap_or(0);
                c.store
                    .channels
                    .get(&id)
                    .cloned()
                    .map_or_else(unknown_channel, Reply::json)
            }),
            EditChannel => Responder::from_fn(edit_channel),
            CreateScheduledEvent => Responder::from_fn(|c| {
                let id = c.store.next_id();
                let body = c.request.body.clone().unwrap_or(Value::Null);
                let event = fixtures::scheduled_event(c.world, id, &body);
                c.store.scheduled_events.insert(id, event.clone());
                Reply::json(event)
            }),
            EditScheduledEvent => Responder::from_fn(|c| {
                let id = c.id("event").unwrap_or(0);
                let body = c.request.body.clone().unwrap_or(Value::Null);
                match c.store.scheduled_events.get_mut(&id) {
                    Some(event) => {
                        merge(event, &body);
                        Reply::json(event.clone())
                    }
                    None => Reply::error(404, 10070, "Unknown Guild Scheduled Event"),
                }
            }),
            DeleteScheduledEvent => Responder::from_fn(|c| {
                let id = c.id("event").unwrap_or(0);
                match c.store.scheduled_events.remove(&id) {
                    Some(_) => Reply::no_content(),
                    None => Reply::error(404, 10070, "Unknown Guild Scheduled Event"),
                }
            }),
            GetMember => Responder::from_fn(|c| {
                let id = c.id("user").unwrap_or(0);
                match c
                    .world
                    .users
                    .iter()
                    .chain(std::iter::once(&c.world.bot))
                    .find(|u| u.id == id)
                {
                    Some(u) => Reply::json(fixtures::member(c.world, u)),
                    None => Reply::error(404, 10007, "Unknown Member"),
                }
            }),
        }
    }
}

fn unknown_message() -> Reply {
    Reply::error(404, 10008, "Unknown Message")
}

fn unknown_channel() -> Reply {
    Reply::error(404, 10003, "Unknown Channel")
}

/// Shallow-merges the keys of `patch` into `target`.
fn merge(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

fn body(c: &RestCall<'_>) -> Value {
    c.request.body.clone().unwrap_or_else(|| json!({}))
}

/// A message by the bot built from a create/edit body.
fn bot_message(c: &mut RestCall<'_>, id: u64, channel_id: u64, body: &Value) -> Value {
    let world = c.world;
    let spec = MessageSpec {
        id,
        channel_id,
        author: &world.bot,
        content: body.get("content").and_then(Value::as_str).unwrap_or(""),
        embeds: body
            .get("embeds")
            .cloned()
            .filter(Value::is_array)
            .unwrap_or_else(|| json!([])),
        components: body
            .get("components")
            .cloned()
            .filter(Value::is_array)
            .unwrap_or_else(|| json!([])),
        flags: body.get("flags").and_then(Value::as_u64).unwrap_or(0),
        in_guild: false,
    };
    let mut msg = fixtures::message(world, &spec);
    if let Some(reference) = body.get("message_reference").filter(|r| r.is_object()) {
        msg["message_reference"] = reference.clone();
        msg["type"] = json!(19); // reply
    }
    msg
}

fn create_message(c: &mut RestCall<'_>) -> Reply {
    let channel_id = c.id("channel").unwrap_or(0);
    if !c.store.channels.contains_key(&channel_id) {
        return unknown_channel();
    }
    let id = c.store.next_id();
    let body = body(c);
    let msg = bot_message(c, id, channel_id, &body);
    c.store.messages.insert(id, msg.clone());
    Reply::json(msg)
}

fn edit_message(c: &mut RestCall<'_>) -> Reply {
    let id = c.id("message").unwrap_or(0);
    let body = body(c);
    let Some(existing) = c.store.messages.get_mut(&id) else {
        return unknown_message();
    };
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(v) = body.get(key) {
            existing[key] = v.clone();
        }
    }
    existing["edited_timestamp"] = json!(fixtures::now());
    Reply::json(existing.clone())
}

/// Interaction callbacks answer 204; a callback that carries a message (types
/// 4 and 7) is kept as the "original" so `@original` routes can read and edit it.
fn interaction_callback(c: &mut RestCall<'_>) -> Reply {
    if let (Some(token), Some(body)) = (c.params.get("token").cloned(), c.request.body.clone()) {
        let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
        let channel_id = interaction_channel(c, &token);
        if matches!(kind, 4 | 5 | 7) {
            let id = c.store.next_id();
            let data = body.get("data").cloned().unwrap_or_else(|| json!({}));
            let msg = bot_message(c, id, channel_id, &data);
            c.store.originals.insert(token, msg);
        }
    }
    Reply::no_content()
}

fn edit_original(c: &mut RestCall<'_>) -> Reply {
    let token = c.params.get("token").cloned().unwrap_or_default();
    let body = body(c);
    if !c.store.originals.contains_key(&token) {
        let id = c.store.next_id();
        let channel_id = interaction_channel(c, &token);
        let msg = bot_message(c, id, channel_id, &json!({}));
        c.store.originals.insert(token.clone(), msg);
    }
    let Some(existing) = c.store.originals.get_mut(&token) else {
        return unknown_message();
    };
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(v) = body.get(key) {
            existing[key] = v.clone();
        }
    }
    existing["edited_timestamp"] = json!(fixtures::now());
    Reply::json(existing.clone())
}

/// The channel an interaction happened in (the first world channel if the fake did not send it).
fn interaction_channel(c: &RestCall<'_>, token: &str) -> u64 {
    c.store
        .interaction_channels
        .get(token)
        .copied()
        .unwrap_or_else(|| c.world.channels.first().map_or(0, |ch| ch.id))
}

fn create_followup(c: &mut RestCall<'_>) -> Reply {
    let id = c.store.next_id();
    let token = c.params.get("token").cloned().unwrap_or_default();
    let channel_id = interaction_channel(c, &token);
    let body = body(c);
    let msg = bot_message(c, id, channel_id, &body);
    c.store.messages.insert(id, msg.clone());
    Reply::json(msg)
}

fn create_dm(c: &mut RestCall<'_>) -> Reply {
    let recipient = c
        .request
        .body
        .as_ref()
        .and_then(|b| b.get("recipient_id"))
        .and_then(|v| {
            v.as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .or_else(|| v.as_u64())
        });
    let Some(user) = recipient.and_then(|id| c.world.user(id)) else {
        return Reply::error(400, 50033, "Invalid Recipient(s)");
    };
    let existing = c.store.channels.iter().find_map(|(id, ch)| {
        (ch["type"] == json!(1)
            && ch.pointer("/recipients/0/id") == Some(&json!(user.id.to_string())))
        .then_some(*id)
    });
    let id = match existing {
        Some(id) => id,
        None => c.store.next_id(),
    };
    let channel = fixtures::private_channel(id, user);
    c.store.channels.insert(id, channel.clone());
    Reply::json(channel)
}

fn archive_minutes(body: &Value) -> u64 {
    body.get("auto_archive_duration")
        .and_then(Value::as_u64)
        .unwrap_or(1440)
}

fn create_thread(c: &mut RestCall<'_>) -> Reply {
    let parent = c.id("channel").unwrap_or(0);
    let Some(parent_channel) = c.store.channels.get(&parent).cloned() else {
        return unknown_channel();
    };
    let body = body(c);
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("thread")
        .to_owned();
    let id = c.store.next_id();
    let mut thread = fixtures::thread(c.world, id, parent, &name, archive_minutes(&body));
    if parent_channel["type"] == json!(15) {
        // Forum post: the thread's starter message has the thread's id.
        let message_body = body.get("message").cloned().unwrap_or_else(|| json!({}));
        let starter = bot_message(c, id, id, &message_body);
        c.store.messages.insert(id, starter.clone());
        thread["message"] = starter;
        thread["message_count"] = json!(1);
        thread["applied_tags"] = body
            .get("applied_tags")
            .cloned()
            .unwrap_or_else(|| json!([]));
    } else if let Some(kind) = body.get("type").and_then(Value::as_u64) {
        thread["type"] = json!(kind);
    }
    c.store.channels.insert(id, thread.clone());
    Reply::json(thread)
}

fn create_thread_from_message(c: &mut RestCall<'_>) -> Reply {
    let parent = c.id("channel").unwrap_or(0);
    let message = c.id("message").unwrap_or(0);
    if !c.store.channels.contains_key(&parent) {
        return unknown_channel();
    }
    let body = body(c);
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("thread")
        .to_owned();
    // Discord gives the thread the starter message's id.
    let thread = fixtures::thread(c.world, message, parent, &name, archive_minutes(&body));
    c.store.channels.insert(message, thread.clone());
    Reply::json(thread)
}

fn edit_channel(c: &mut RestCall<'_>) -> Reply {
    let id = c.id("channel").unwrap_or(0);
    let body = body(c);
    let Some(channel) = c.store.channels.get_mut(&id) else {
        return unknown_channel();
    };
    if let Some(obj) = body.as_object() {
        for (k, v) in obj {
            match k.as_str() {
                "archived" | "locked" | "auto_archive_duration" | "invitable"
                    if channel.get("thread_metadata").is_some() =>
                {
                    channel["thread_metadata"][k] = v.clone();
                    if k == "archived" {
                        channel["thread_metadata"]["archive_timestamp"] = json!(fixtures::now());
                    }
                }
                _ => channel[k] = v.clone(),
            }
        }
    }
    Reply::json(channel.clone())
}

fn register_commands(c: &mut RestCall<'_>, guild: Option<u64>) -> Reply {
    let posted = c
        .request
        .body
        .clone()
        .and_then(|b| b.as_array().cloned())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(posted.len());
    for cmd in &posted {
        let name = cmd
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let id = match c.store.commands.get(&name) {
            Some(id) => *id,
            None => c.store.next_id(),
        };
        c.store.commands.insert(name, id);
        out.push(fixtures::command(c.world, id, guild, cmd));
    }
    Reply::json(Value::Array(out))
}
