//! JSON builders for every object the fake sends: gateway payloads (READY, GUILD_CREATE,
//! MESSAGE_CREATE, MESSAGE_UPDATE, INTERACTION_CREATE) and REST answers (messages, channels,
//! threads, scheduled events, application info, commands).
//!
//! Invariant: every builder produces an object that deserializes into the matching serenity
//! 0.12.5 type. serenity turns a gateway event with one missing field into `Event::Unknown`
//! without an error, so `tests/it/discord_fixtures.rs` deserializes each builder's output into
//! the concrete type. Snowflakes are strings, permissions are decimal strings, as on Discord.

use serde_json::{Value, json};

use super::world::{ChannelKind, FakeChannel, FakeRole, FakeUser, OverwriteTarget, World};

/// Largest upload a non-boosted guild accepts; interactions must carry it.
const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

/// The current time as Discord writes it (RFC 3339, milliseconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A user object.
pub fn user(u: &FakeUser) -> Value {
    json!({
        "id": u.id.to_string(),
        "username": u.username,
        "discriminator": "0",
        "global_name": if u.bot { Value::Null } else { json!(u.username) },
        "avatar": null,
        "bot": u.bot,
        "system": false,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    })
}

/// The current user (`GET /users/@me`, READY's `user`).
pub fn current_user(world: &World) -> Value {
    let mut u = user(&world.bot);
    u["verified"] = json!(true);
    u["mfa_enabled"] = json!(false);
    u["email"] = Value::Null;
    u["locale"] = json!("en-US");
    u["premium_type"] = json!(0);
    u
}

/// A guild member object (GUILD_CREATE members, `GET /guilds/{id}/members/{id}`).
pub fn member(world: &World, u: &FakeUser) -> Value {
    let _ = world;
    json!({
        "user": user(u),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": u.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": "2024-01-01T00:00:00.000Z",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
        "avatar_decoration_data": null,
    })
}

/// A member as carried by an interaction: adds the channel permissions.
pub fn interaction_member(world: &World, u: &FakeUser, channel_id: u64) -> Value {
    let mut m = member(world, u);
    m["permissions"] = json!(world.channel_permissions(u, channel_id).to_string());
    m
}

/// A role object. `colors` is required by serenity 0.12.5: without it the whole GUILD_CREATE
/// silently becomes `Event::Unknown`.
pub fn role(r: &FakeRole) -> Value {
    let tags = if r.managed {
        json!({ "bot_id": super::world::ids::BOT_USER.to_string() })
    } else {
        json!({})
    };
    json!({
        "id": r.id.to_string(),
        "name": r.name,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": r.position,
        "permissions": r.permissions.to_string(),
        "managed": r.managed,
        "mentionable": false,
        "flags": 0,
        "tags": tags,
    })
}

/// A guild channel object.
pub fn channel(world: &World, c: &FakeChannel) -> Value {
    let overwrites: Vec<Value> = c
        .overwrites
        .iter()
        .map(|o| {
            let (id, kind) = match o.target {
                OverwriteTarget::Role(id) => (id, 0),
                OverwriteTarget::Member(id) => (id, 1),
            };
            json!({
                "id": id.to_string(),
                "type": kind,
                "allow": o.allow.to_string(),
                "deny": o.deny.to_string(),
            })
        })
        .collect();
    let mut v = json!({
        "id": c.id.to_string(),
        "type": c.kind.code(),
        "guild_id": world.guild_id.to_string(),
        "name": c.name,
        "position": 0,
        "permission_overwrites": overwrites,
        "parent_id": c.parent_id.map(|p| p.to_string()),
        "nsfw": false,
        "flags": 0,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "topic": null,
    });
    if c.kind == ChannelKind::Forum {
        v["available_tags"] = json!([]);
        v["default_reaction_emoji"] = Value::Null;
        v["default_sort_order"] = Value::Null;
        v["default_forum_layout"] = json!(0);
        v["default_thread_rate_limit_per_user"] = json!(0);
    }
    v
}

/// A thread channel object (type 11) as returned by the thread-creating routes.
pub fn thread(world: &World, id: u64, parent_id: u64, name: &str, archive_minutes: u64) -> Value {
    let ts = now();
    json!({
        "id": id.to_string(),
        "type": ChannelKind::PublicThread.code(),
        "guild_id": world.guild_id.to_string(),
        "parent_id": parent_id.to_string(),
        "owner_id": world.bot.id.to_string(),
        "name": name,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": archive_minutes,
            "archive_timestamp": ts,
            "locked": false,
            "create_timestamp": ts,
        },
        "member": {
            "id": id.to_string(),
            "user_id": world.bot.id.to_string(),
            "join_timestamp": ts,
            "flags": 1,
        },
    })
}

/// A DM channel object (`POST /users/@me/channels`).
pub fn private_channel(id: u64, recipient: &FakeUser) -> Value {
    json!({
        "id": id.to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [user(recipient)],
    })
}

/// The GUILD_CREATE payload: roles, channels, members (including the bot's own member).
pub fn guild_create(world: &World) -> Value {
    let mut members: Vec<Value> = world.users.iter().map(|u| member(world, u)).collect();
    members.push(member(world, &world.bot));
    // Two halves: one `json!` this size exceeds the default macro recursion limit.
    let mut guild = json!({
        "id": world.guild_id.to_string(),
        "name": world.guild_name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": world.owner_id.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": world.roles.iter().map(role).collect::<Vec<_>>(),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
    });
    let rest = json!({
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
        "joined_at": "2024-01-01T00:00:00.000Z",
        "large": false,
        "unavailable": false,
        "member_count": members.len(),
        "voice_states": [],
        "members": members,
        "channels": world.channels.iter().filter(|c| c.kind != ChannelKind::PublicThread)
            .map(|c| channel(world, c)).collect::<Vec<_>>(),
        "threads": world.channels.iter().filter(|c| c.kind == ChannelKind::PublicThread)
            .map(|c| channel(world, c)).collect::<Vec<_>>(),
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    });
    merge_into(&mut guild, rest);
    guild
}

/// Moves every key of `extra` into `target` (both objects).
fn merge_into(target: &mut Value, extra: Value) {
    if let (Some(t), Value::Object(e)) = (target.as_object_mut(), extra) {
        t.extend(e);
    }
}

/// The READY payload.
pub fn ready(world: &World, session_id: &str, resume_gateway_url: &str) -> Value {
    json!({
        "v": 10,
        "user": current_user(world),
        "guilds": [{ "id": world.guild_id.to_string(), "unavailable": true }],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "shard": [0, 1],
        "application": { "id": world.application_id.to_string(), "flags": 0 },
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "auth": {},
        "_trace": [],
    })
}

/// The application info (`GET /oauth2/applications/@me`); the guild owner owns the app.
pub fn application_info(world: &World) -> Value {
    let owner = world.user(world.owner_id).unwrap_or(&world.bot);
    json!({
        "id": world.application_id.to_string(),
        "name": world.bot.username,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "owner": user(owner),
        "team": null,
        "flags": 0,
        "hook": true,
        "is_monetized": false,
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "tags": [],
        "integration_types_config": { "0": {} },
        "approximate_guild_count": 1,
        "bot": user(&world.bot),
    })
}

/// A message object. `guild` adds the gateway-only `guild_id` and `member` fields.
pub struct MessageSpec<'a> {
    /// Message id.
    pub id: u64,
    /// Channel the message is in.
    pub channel_id: u64,
    /// Author.
    pub author: &'a FakeUser,
    /// Text.
    pub content: &'a str,
    /// Embeds (already Discord JSON).
    pub embeds: Value,
    /// Component rows (already Discord JSON).
    pub components: Value,
    /// Message flags.
    pub flags: u64,
    /// Add `guild_id` and `member` (MESSAGE_CREATE in a guild channel).
    pub in_guild: bool,
}

/// Builds a full message object.
pub fn message(world: &World, spec: &MessageSpec<'_>) -> Value {
    let mut v = json!({
        "id": spec.id.to_string(),
        "channel_id": spec.channel_id.to_string(),
        "author": user(spec.author),
        "content": spec.content,
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": spec.embeds,
        "reactions": [],
        "pinned": false,
        "webhook_id": null,
        "type": 0,
        "flags": spec.flags,
        "components": spec.components,
        "sticker_items": [],
        "application_id": null,
        "message_reference": null,
        "referenced_message": null,
    });
    if spec.author.bot && spec.author.id == world.bot.id {
        v["application_id"] = json!(world.application_id.to_string());
    }
    if spec.in_guild {
        v["guild_id"] = json!(world.guild_id.to_string());
        let mut m = member(world, spec.author);
        if let Some(obj) = m.as_object_mut() {
            obj.remove("user");
        }
        v["member"] = m;
    }
    v
}

/// A MESSAGE_UPDATE payload for an edit of `id` (Discord sends the full edited message).
pub fn message_update(
    world: &World,
    id: u64,
    channel_id: u64,
    author: &FakeUser,
    content: &str,
) -> Value {
    let mut v = message(
        world,
        &MessageSpec {
            id,
            channel_id,
            author,
            content,
            embeds: json!([]),
            components: json!([]),
            flags: 0,
            in_guild: true,
        },
    );
    v["edited_timestamp"] = json!(now());
    v
}

/// The parts common to every interaction.
fn interaction_base(
    world: &World,
    kind: u8,
    id: u64,
    token: &str,
    u: &FakeUser,
    channel_id: u64,
) -> Value {
    let channel_type = world.channel(channel_id).map_or(0, |c| c.kind.code());
    json!({
        "id": id.to_string(),
        "application_id": world.application_id.to_string(),
        "type": kind,
        "guild_id": world.guild_id.to_string(),
        "guild": { "id": world.guild_id.to_string(), "locale": "en-US", "features": [] },
        "channel_id": channel_id.to_string(),
        "channel": {
            "id": channel_id.to_string(),
            "type": channel_type,
            "name": world.channel(channel_id).map(|c| c.name.clone()),
            "guild_id": world.guild_id.to_string(),
            "permissions": world.channel_permissions(u, channel_id).to_string(),
            "flags": 0,
        },
        "member": interaction_member(world, u, channel_id),
        "token": token,
        "version": 1,
        "app_permissions": world.channel_permissions(&world.bot, channel_id).to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": world.guild_id.to_string() },
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    })
}

/// An INTERACTION_CREATE for a chat-input (slash) command (`autocomplete == false`, type 2) or
/// an autocomplete request (type 4; mark the focused option with [`focused`]).
#[allow(clippy::too_many_arguments)]
pub fn command_interaction(
    world: &World,
    id: u64,
    token: &str,
    command_id: u64,
    u: &FakeUser,
    channel_id: u64,
    name: &str,
    options: Value,
    autocomplete: bool,
) -> Value {
    let mut v = interaction_base(
        world,
        if autocomplete { 4 } else { 2 },
        id,
        token,
        u,
        channel_id,
    );
    v["data"] = json!({
        "id": command_id.to_string(),
        "name": name,
        "type": 1,
        "options": options,
        "guild_id": world.guild_id.to_string(),
    });
    v
}

/// An INTERACTION_CREATE for a button press on `message` (a full message object).
pub fn component_interaction(
    world: &World,
    id: u64,
    token: &str,
    u: &FakeUser,
    channel_id: u64,
    custom_id: &str,
    message: Value,
) -> Value {
    let mut v = interaction_base(world, 3, id, token, u, channel_id);
    v["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
    v["message"] = message;
    v
}

/// A string option of a slash command.
pub fn string_option(name: &str, value: &str) -> Value {
    json!({ "name": name, "type": 3, "value": value })
}

/// An integer option of a slash command.
pub fn integer_option(name: &str, value: i64) -> Value {
    json!({ "name": name, "type": 4, "value": value })
}

/// A boolean option of a slash command.
pub fn boolean_option(name: &str, value: bool) -> Value {
    json!({ "name": name, "type": 5, "value": value })
}

/// A user option of a slash command (the id as a string, as Discord sends it).
pub fn user_option(name: &str, user_id: u64) -> Value {
    json!({ "name": name, "type": 6, "value": user_id.to_string() })
}

/// A subcommand (type 1) wrapping its own options.
pub fn subcommand(name: &str, options: Vec<Value>) -> Value {
    json!({ "name": name, "type": 1, "options": options })
}

/// Marks an option as the one being typed (for autocomplete).
pub fn focused(mut option: Value) -> Value {
    option["focused"] = json!(true);
    option
}

/// A registered application command, as `PUT .../commands` answers, from the posted one.
pub fn command(world: &World, id: u64, guild_id: Option<u64>, posted: &Value) -> Value {
    let mut v = posted.clone();
    if !v.is_object() {
        v = json!({});
    }
    v["id"] = json!(id.to_string());
    v["application_id"] = json!(world.application_id.to_string());
    v["guild_id"] = json!(guild_id.map(|g| g.to_string()));
    v["version"] = json!(id.to_string());
    if v.get("type").is_none_or(Value::is_null) {
        v["type"] = json!(1);
    }
    if v.get("description").is_none_or(Value::is_null) {
        v["description"] = json!("");
    }
    if v.get("default_member_permissions").is_none() {
        v["default_member_permissions"] = Value::Null;
    }
    if v.get("nsfw").is_none_or(Value::is_null) {
        v["nsfw"] = json!(false);
    }
    v
}

/// A guild scheduled event from a create request body.
pub fn scheduled_event(world: &World, id: u64, body: &Value) -> Value {
    let get = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": id.to_string(),
        "guild_id": world.guild_id.to_string(),
        "channel_id": get("channel_id"),
        "creator_id": world.bot.id.to_string(),
        "creator": user(&world.bot),
        "name": body.get("name").cloned().unwrap_or(json!("")),
        "description": get("description"),
        "scheduled_start_time": body.get("scheduled_start_time").cloned().unwrap_or_else(|| json!(now())),
        "scheduled_end_time": get("scheduled_end_time"),
        "privacy_level": body.get("privacy_level").cloned().unwrap_or(json!(2)),
        "status": 1,
        "entity_type": body.get("entity_type").cloned().unwrap_or(json!(3)),
        "entity_id": null,
        "entity_metadata": get("entity_metadata"),
        "user_count": 0,
        "image": null,
        "recurrence_rule": null,
    })
}
