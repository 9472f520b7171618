//! Every payload the fake Discord sends, deserialized into the concrete serenity 0.12.5 type.
//!
//! Why: serenity's `Event` has an untagged `Unknown` variant, so a gateway payload missing one
//! field does not fail — the bot just never sees the event. Each test here deserializes a
//! fixture with `serde_path_to_error` (a failure names the JSON path) and, for gateway payloads,
//! also runs the whole frame through serenity's own `GatewayEvent` parser and checks the event
//! is the expected variant, not `Unknown`. REST answers are produced by the fake's real
//! responders from bodies serialized by serenity's own builders.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::all::{
    ButtonStyle, ChannelType, CommandDataOptionValue, CommandInteraction, ComponentInteraction,
    ComponentInteractionDataKind, CreateActionRow, CreateButton, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateForumPost, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateScheduledEvent, CreateThread,
    CurrentApplicationInfo, CurrentUser, EditThread, Guild, GuildChannel, Interaction, Member,
    Message, Permissions, PrivateChannel, Ready, ScheduledEvent, ScheduledEventType, Timestamp,
};
use serenity::model::application::Command;
use serenity::model::event::{Event, GatewayEvent, GuildCreateEvent, MessageUpdateEvent};

use crate::fake_discord::{Route, Store, World, fixtures, ids, perms};

/// Deserializes `value` into `T`, panicking with the failing JSON path.
#[track_caller]
fn parse<T: DeserializeOwned>(what: &str, value: &Value) -> T {
    let text = value.to_string();
    let mut de = serde_json::Deserializer::from_str(&text);
    match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => panic!(
            "{what}: cannot deserialize at `{}`: {}",
            e.path(),
            e.inner()
        ),
    }
}

/// Runs a dispatch frame through serenity's gateway parser; panics on `Unknown`.
#[track_caller]
fn gateway_event(name: &str, data: &Value) -> Event {
    let frame = json!({ "op": 0, "s": 7, "t": name, "d": data });
    let event: GatewayEvent = parse(name, &frame);
    match event {
        GatewayEvent::Dispatch(7, Event::Unknown(u)) => {
            panic!("{name} became Event::Unknown ({})", u.kind)
        }
        GatewayEvent::Dispatch(7, event) => event,
        other => panic!("{name}: not a dispatch: {other:?}"),
    }
}

/// Answers a stock route through the fake's real responder and returns the JSON body.
#[track_caller]
fn answer(
    route: Route,
    store: &mut Store,
    world: &World,
    path: &str,
    body: Option<Value>,
) -> Value {
    let reply = route
        .answer(world, store, path, body)
        .unwrap_or_else(|| panic!("{path} does not match {route:?}"));
    assert!(
        (200..300).contains(&reply.status),
        "{route:?} answered {}",
        reply.status
    );
    reply
        .body
        .unwrap_or_else(|| panic!("{route:?} answered no body"))
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("serenity builders serialize")
}

/// An alert like the adapter posts: an embed and a row of buttons.
fn alert_message() -> CreateMessage {
    CreateMessage::new()
        .content("alert")
        .embed(
            CreateEmbed::new()
                .title("Possible patient data")
                .description("kinds: phone number")
                .field("channel", "<#1>", true)
                .timestamp(Timestamp::now()),
        )
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new("rounds:resolve:1")
                .label("Resolve")
                .style(ButtonStyle::Success),
            CreateButton::new_link("https://example.invalid/x").label("Jump"),
        ])])
}

#[test]
fn ready_is_a_ready_event() {
    let world = World::default();
    let data = fixtures::ready(&world, "s1", "ws://127.0.0.1:1/gateway");
    let ready: Ready = parse("READY", &data);
    assert_eq!(ready.user.id.get(), ids::BOT_USER);
    assert_eq!(ready.application.id.get(), ids::APPLICATION);
    assert!(matches!(gateway_event("READY", &data), Event::Ready(_)));
    let user: CurrentUser = parse("GET /users/@me", &fixtures::current_user(&world));
    assert!(user.bot);
}

#[test]
fn guild_create_carries_roles_channels_and_members() {
    let world = World::default();
    let data = fixtures::guild_create(&world);
    let guild: Guild = parse("GUILD_CREATE as Guild", &data);
    assert_eq!(guild.roles.len(), 3);
    assert_eq!(guild.channels.len(), 3);
    let forum = guild
        .channels
        .values()
        .find(|c| c.id.get() == ids::FORUM_CHANNEL)
        .expect("forum channel");
    assert_eq!(forum.kind, ChannelType::Forum);
    assert!(
        guild.members.contains_key(&ids::BOT_USER.into()),
        "the bot's own member is present"
    );
    let Event::GuildCreate(event) = gateway_event("GUILD_CREATE", &data) else {
        panic!("GUILD_CREATE is not Event::GuildCreate");
    };
    let _: GuildCreateEvent = parse("GUILD_CREATE", &data);
    // Permission computation the adapter relies on: the bot can post in the moderators'
    // channel, a plain member cannot see it.
    let g = &event.guild;
    let mods = g
        .channels
        .get(&ids::MODERATORS_CHANNEL.into())
        .expect("moderators channel");
    let bot = g.members.get(&ids::BOT_USER.into()).expect("bot member");
    let member = g.members.get(&ids::MEMBER_USER.into()).expect("member");
    assert!(g.user_permissions_in(mods, bot).send_messages());
    assert!(!g.user_permissions_in(mods, member).view_channel());
    assert!(
        g.member_permissions(g.members.get(&ids::MODERATOR_USER.into()).expect("mod"))
            .manage_messages()
    );
}

#[test]
fn guild_create_reflects_missing_bot_permissions() {
    let mut world = World::default();
    for role in &mut world.roles {
        if role.id == ids::BOT_ROLE {
            role.permissions = perms::VIEW_CHANNEL;
        }
    }
    let Event::GuildCreate(event) = gateway_event("GUILD_CREATE", &fixtures::guild_create(&world))
    else {
        panic!("GUILD_CREATE is not Event::GuildCreate");
    };
    let g = &event.guild;
    let general = g
        .channels
        .get(&ids::GENERAL_CHANNEL.into())
        .expect("general");
    let bot = g.members.get(&ids::BOT_USER.into()).expect("bot member");
    let perms = g.user_permissions_in(general, bot);
    assert!(
        perms.contains(Permissions::SEND_MESSAGES),
        "@everyone still grants sending"
    );
    assert!(
        !perms.contains(Permissions::MANAGE_MESSAGES),
        "the bot role lost MANAGE_MESSAGES"
    );
}

#[test]
fn message_create_and_update_are_message_events() {
    let world = World::default();
    let data = fixtures::message(
        &world,
        &fixtures::MessageSpec {
            id: 42,
            channel_id: ids::GENERAL_CHANNEL,
            author: world.member(),
            content: "hello",
            embeds: json!([]),
            components: json!([]),
            flags: 0,
            in_guild: true,
        },
    );
    let msg: Message = parse("MESSAGE_CREATE", &data);
    assert_eq!(msg.guild_id.map(|g| g.get()), Some(ids::GUILD));
    assert!(matches!(
        gateway_event("MESSAGE_CREATE", &data),
        Event::MessageCreate(_)
    ));

    let update =
        fixtures::message_update(&world, 42, ids::GENERAL_CHANNEL, world.member(), "edited");
    let ev: MessageUpdateEvent = parse("MESSAGE_UPDATE", &update);
    assert_eq!(ev.content.as_deref(), Some("edited"));
    let _: Message = parse("MESSAGE_UPDATE as Message", &update);
    assert!(matches!(
        gateway_event("MESSAGE_UPDATE", &update),
        Event::MessageUpdate(_)
    ));
}

#[test]
fn slash_command_and_autocomplete_are_interactions() {
    let world = World::default();
    let options = json!([
        fixtures::string_option("topic", "consent"),
        fixtures::integer_option("n", 3)
    ]);
    let data = fixtures::command_interaction(
        &world,
        7,
        "tok",
        9,
        world.moderator(),
        ids::GENERAL_CHANNEL,
        "guide",
        options,
        false,
    );
    let cmd: CommandInteraction = parse("INTERACTION_CREATE command", &data);
    assert_eq!(cmd.data.name, "guide");
    assert_eq!(cmd.user.id.get(), ids::MODERATOR_USER);
    assert!(matches!(
        cmd.data.options[1].value,
        CommandDataOptionValue::Integer(3)
    ));
    assert!(
        cmd.member
            .as_ref()
            .is_some_and(|m| m.roles.iter().any(|r| r.get() == ids::MODERATOR_ROLE))
    );
    let Event::InteractionCreate(ev) = gateway_event("INTERACTION_CREATE", &data) else {
        panic!("not an interaction");
    };
    assert!(matches!(ev.interaction, Interaction::Command(_)));

    let sub = json!([fixtures::subcommand(
        "join",
        vec![fixtures::focused(fixtures::string_option("paper", "cardi"))]
    )]);
    let data = fixtures::command_interaction(
        &world,
        8,
        "tok2",
        9,
        world.member(),
        ids::GENERAL_CHANNEL,
        "journal",
        sub,
        true,
    );
    let _: CommandInteraction = parse("INTERACTION_CREATE autocomplete", &data);
    let Event::InteractionCreate(ev) = gateway_event("INTERACTION_CREATE", &data) else {
        panic!("not an interaction");
    };
    let Interaction::Autocomplete(ac) = ev.interaction else {
        panic!("not autocomplete");
    };
    assert_eq!(ac.data.autocomplete().map(|f| f.value), Some("cardi"));
}

#[test]
fn button_press_is_a_component_interaction() {
    let world = World::default();
    let mut store = Store::for_world(&world);
    let path = format!("/channels/{}/messages", ids::MODERATORS_CHANNEL);
    let posted = answer(
        Route::CreateMessage,
        &mut store,
        &world,
        &path,
        Some(to_value(&alert_message())),
    );
    let data = fixtures::component_interaction(
        &world,
        11,
        "tok3",
        world.moderator(),
        ids::MODERATORS_CHANNEL,
        "rounds:resolve:1",
        posted,
    );
    let ci: ComponentInteraction = parse("INTERACTION_CREATE component", &data);
    assert_eq!(ci.data.custom_id, "rounds:resolve:1");
    assert!(matches!(ci.data.kind, ComponentInteractionDataKind::Button));
    assert_eq!(ci.message.components.len(), 1);
    let Event::InteractionCreate(ev) = gateway_event("INTERACTION_CREATE", &data) else {
        panic!("not an interaction");
    };
    assert!(matches!(ev.interaction, Interaction::Component(_)));
}

#[test]
fn rest_message_answers_echo_serenity_builders() {
    let world = World::default();
    let mut store = Store::for_world(&world);
    let path = format!("/channels/{}/messages", ids::MODERATORS_CHANNEL);
    let body = answer(
        Route::CreateMessage,
        &mut store,
        &world,
        &path,
        Some(to_value(&alert_message())),
    );
    let msg: Message = parse("POST /channels/{id}/messages", &body);
    assert_eq!(
        msg.embeds[0].title.as_deref(),
        Some("Possible patient data")
    );
    assert_eq!(msg.author.id.get(), ids::BOT_USER);

    let edit_path = format!("{path}/{}", msg.id);
    let edited = answer(
        Route::EditMessage,
        &mut store,
        &world,
        &edit_path,
        Some(json!({ "content": "resolved" })),
    );
    let edited: Message = parse("PATCH message", &edited);
    assert_eq!(edited.content, "resolved");
    assert_eq!(
        answer(Route::GetMessage, &mut store, &world, &edit_path, None)["content"],
        "resolved"
    );

    // Interaction reply, then @original edit and a follow-up.
    let reply = CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content("pong")
            .ephemeral(true),
    );
    let cb = Route::InteractionCallback.answer(
        &world,
        &mut store,
        "/interactions/1/tok/callback",
        Some(to_value(&reply)),
    );
    assert_eq!(cb.map(|r| r.status), Some(204));
    let app = ids::APPLICATION;
    let original = answer(
        Route::GetOriginalResponse,
        &mut store,
        &world,
        &format!("/webhooks/{app}/tok/messages/@original"),
        None,
    );
    let original: Message = parse("GET @original", &original);
    assert_eq!(original.content, "pong");
    let patched = answer(
        Route::EditOriginalResponse,
        &mut store,
        &world,
        &format!("/webhooks/{app}/tok/messages/@original"),
        Some(json!({ "content": "pong!" })),
    );
    let _: Message = parse("PATCH @original", &patched);
    let followup = answer(
        Route::CreateFollowup,
        &mut store,
        &world,
        &format!("/webhooks/{app}/tok"),
        Some(json!({ "content": "more" })),
    );
    let _: Message = parse("POST follow-up", &followup);
}

#[test]
fn rest_channel_answers_are_channels() {
    let world = World::default();
    let mut store = Store::for_world(&world);
    let dm = answer(
        Route::CreateDm,
        &mut store,
        &world,
        "/users/@me/channels",
        Some(json!({ "recipient_id": ids::MEMBER_USER.to_string() })),
    );
    let dm: PrivateChannel = parse("POST /users/@me/channels", &dm);
    assert_eq!(dm.recipient.id.get(), ids::MEMBER_USER);

    let post = CreateForumPost::new(
        "Journal club: week 1",
        CreateMessage::new().content("paper"),
    );
    let forum = answer(
        Route::CreateThread,
        &mut store,
        &world,
        &format!("/channels/{}/threads", ids::FORUM_CHANNEL),
        Some(to_value(&post)),
    );
    let thread: GuildChannel = parse("POST forum thread", &forum);
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id.map(|p| p.get()), Some(ids::FORUM_CHANNEL));
    let _: Message = parse("forum starter message", &forum["message"]);

    let path = format!("/channels/{}/messages/77/threads", ids::GENERAL_CHANNEL);
    let from_msg = answer(
        Route::CreateThreadFromMessage,
        &mut store,
        &world,
        &path,
        Some(to_value(&CreateThread::new("discussion"))),
    );
    let from_msg: GuildChannel = parse("POST thread from message", &from_msg);
    assert_eq!(from_msg.id.get(), 77);

    let edit = EditThread::new().archived(true).locked(true);
    let edited = answer(
        Route::EditChannel,
        &mut store,
        &world,
        &format!("/channels/{}", thread.id),
        Some(to_value(&edit)),
    );
    let edited: GuildChannel = parse("PATCH thread", &edited);
    let meta = edited.thread_metadata.expect("thread metadata");
    assert!(meta.archived && meta.locked);

    let general = answer(
        Route::GetChannel,
        &mut store,
        &world,
        &format!("/channels/{}", ids::GENERAL_CHANNEL),
        None,
    );
    let _: GuildChannel = parse("GET channel", &general);
}

#[test]
fn rest_scheduled_event_answers_are_events() {
    let world = World::default();
    let mut store = Store::for_world(&world);
    let start = Timestamp::from_unix_timestamp(1_900_000_000).expect("valid time");
    let end = Timestamp::from_unix_timestamp(1_900_003_600).expect("valid time");
    let create = CreateScheduledEvent::new(ScheduledEventType::External, "Journal club", start)
        .end_time(end)
        .location("Forum thread")
        .description("Week 1");
    let path = format!("/guilds/{}/scheduled-events", ids::GUILD);
    let created = answer(
        Route::CreateScheduledEvent,
        &mut store,
        &world,
        &path,
        Some(to_value(&create)),
    );
    let event: ScheduledEvent = parse("POST scheduled event", &created);
    assert_eq!(event.name, "Journal club");
    let edit_path = format!("{path}/{}", event.id);
    let edited = answer(
        Route::EditScheduledEvent,
        &mut store,
        &world,
        &edit_path,
        Some(json!({ "description": "moved" })),
    );
    let edited: ScheduledEvent = parse("PATCH scheduled event", &edited);
    assert_eq!(edited.description.as_deref(), Some("moved"));
    let deleted = Route::DeleteScheduledEvent.answer(&world, &mut store, &edit_path, None);
    assert_eq!(deleted.map(|r| r.status), Some(204));
}

#[test]
fn rest_startup_answers_parse() {
    let world = World::default();
    let mut store = Store::for_world(&world);
    let info = answer(
        Route::CurrentApplication,
        &mut store,
        &world,
        "/oauth2/applications/@me",
        None,
    );
    let info: CurrentApplicationInfo = parse("GET /oauth2/applications/@me", &info);
    assert_eq!(info.owner.map(|o| o.id.get()), Some(ids::MODERATOR_USER));

    let commands = vec![
        CreateCommand::new("ping").description("Replies pong"),
        CreateCommand::new("guide")
            .description("Guidance")
            .add_option(
                CreateCommandOption::new(
                    serenity::all::CommandOptionType::String,
                    "topic",
                    "Topic",
                )
                .required(true)
                .set_autocomplete(true),
            ),
    ];
    let path = format!(
        "/applications/{}/guilds/{}/commands",
        ids::APPLICATION,
        ids::GUILD
    );
    let registered = answer(
        Route::SetGuildCommands,
        &mut store,
        &world,
        &path,
        Some(to_value(&commands)),
    );
    let registered: Vec<Command> = parse("PUT guild commands", &registered);
    assert_eq!(registered.len(), 2);
    assert_eq!(registered[1].options[0].name, "topic");

    let member = answer(
        Route::GetMember,
        &mut store,
        &world,
        &format!("/guilds/{}/members/{}", ids::GUILD, ids::MODERATOR_USER),
        None,
    );
    let member: Member = parse("GET member", &member);
    assert_eq!(member.roles.len(), 1);
    let unknown = Route::GetMember.answer(
        &world,
        &mut store,
        &format!("/guilds/{}/members/1", ids::GUILD),
        None,
    );
    assert_eq!(unknown.map(|r| r.status), Some(404));
}
