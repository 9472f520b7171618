//! The Discord adapter end to end: the real serenity/poise client against the strict fake.
//! Each test has its own SQLite store and its own fake, and fails on any request it did not
//! allow (`assert_no_unexpected`).

use chrono::{Duration, TimeZone, Utc};
use rounds::domain::{
    BotAction, Button, ButtonStyle, ChannelId, EventSpec, MessageBody, Platform, Scope,
};
use rounds::store::{AlertStatus, Outcome};
use serde_json::Value;

use crate::discord_harness::{Harness, custom_ids, field, flagged_text, id_of, settings};
use crate::fake_discord::fixtures::{string_option, subcommand};
use crate::fake_discord::{
    DEFAULT_WAIT, FakeDiscord, Overwrite, OverwriteTarget, Route, ids, perms,
};

fn mod_channel_path() -> String {
    format!("/channels/{}/messages", ids::MODERATORS_CHANNEL)
}

#[tokio::test]
async fn discord_guidance_and_ask_answer_privately_with_sources() {
    let fake = FakeDiscord::start().await.expect("fake");
    fake.allow_all(&[Route::InteractionCallback, Route::CreateFollowup]);
    let h = Harness::start(fake, settings()).await;

    // Registration: every command, moderator ones hidden from members by default.
    let put = h
        .fake
        .requests_matching("PUT", "/applications/{app}/guilds/{guild}/commands")
        .remove(0);
    let cmds = put.body.clone().expect("commands body");
    let names: Vec<&str> = cmds
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "help", "guidance", "ask", "phi", "modlog", "alert", "guard", "jc"
        ]
    );
    let modlog = cmds
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "modlog"))
        .expect("modlog");
    assert_eq!(
        modlog["default_member_permissions"], "8192",
        "MANAGE_MESSAGES"
    );

    let inter = h
        .fake
        .run_command(
            ids::MEMBER_USER,
            ids::GENERAL_CHANNEL,
            "guidance",
            vec![subcommand(
                "show",
                vec![string_option("topic", "confidentiality")],
            )],
        )
        .await
        .expect("dispatched");
    let text = private_answer(&h, &inter).await;
    assert!(text.contains("**Sources**"), "{text}");
    assert!(text.contains("https://"), "sources carry links: {text}");

    let inter = h
        .fake
        .run_command(
            ids::MEMBER_USER,
            ids::GENERAL_CHANNEL,
            "ask",
            vec![string_option(
                "question",
                "can I accept a friend request from a patient on facebook?",
            )],
        )
        .await
        .expect("dispatched");
    let answer = private_answer(&h, &inter).await;
    assert!(answer.contains("https://"), "{answer}");

    h.fake.assert_no_unexpected();
    h.stop().await;
}

/// The whole private answer to an interaction: the ephemeral callback plus its ephemeral
/// follow-ups (long answers are split at Discord's 2,000-character limit).
async fn private_answer(h: &Harness, inter: &crate::fake_discord::InteractionRef) -> String {
    let cb = h
        .fake
        .wait_for_request(|r| r.path == inter.callback_path(), DEFAULT_WAIT)
        .await
        .expect("callback");
    assert_eq!(cb.pointer("/type").and_then(Value::as_u64), Some(4));
    assert_eq!(
        cb.pointer("/data/flags").and_then(Value::as_u64),
        Some(64),
        "ephemeral"
    );
    assert_eq!(
        cb.pointer("/data/allowed_mentions/parse"),
        Some(&serde_json::json!([])),
        "no mentions"
    );
    let mut text = cb
        .pointer("/data/content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    assert!(text.chars().count() <= 2000);
    // These answers are longer than one message: wait for the first follow-up, give any
    // further ones a moment, then read them all.
    let followup = format!("/webhooks/{}/{}", ids::APPLICATION, inter.token);
    h.fake
        .wait_for_request(|r| r.method == "POST" && r.path == followup, DEFAULT_WAIT)
        .await
        .expect("follow-up");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for f in h
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == followup)
    {
        assert_eq!(
            f.pointer("/flags").and_then(Value::as_u64),
            Some(64),
            "ephemeral follow-up"
        );
        text.push_str(f.pointer("/content").and_then(Value::as_str).unwrap_or(""));
    }
    text
}

/// Posts the flagged message and returns (the member's message id, the alert request body,
/// the alert message id).
async fn raise_alert(h: &Harness) -> (u64, Value, u64) {
    let from = h.mark();
    let msg = h
        .fake
        .send_message(ids::MEMBER_USER, ids::GENERAL_CHANNEL, &flagged_text())
        .await
        .expect("dispatched");
    let alert = h
        .fake
        .wait_for_route("POST", &mod_channel_path(), from, DEFAULT_WAIT)
        .await
        .expect("alert posted in the moderators' channel");
    let body = alert.body.clone().expect("alert body");
    let mod_channel = ids::MODERATORS_CHANNEL.to_string();
    let alert_msg = h
        .fake
        .with_store(|s| {
            s.messages
                .iter()
                .filter(|(_, m)| m["channel_id"] == mod_channel)
                .map(|(id, _)| *id)
                .max()
        })
        .expect("stored alert message");
    (id_of(&msg), body, alert_msg)
}

#[tokio::test]
async fn discord_alert_masks_dms_author_and_follows_an_edit() {
    let fake = FakeDiscord::start().await.expect("fake");
    fake.allow_all(&[
        Route::CreateMessage,
        Route::EditMessage,
        Route::GetMessage,
        Route::CreateDm,
    ]);
    let h = Harness::start(fake, settings()).await;
    let from = h.mark();
    let (member_msg, alert, alert_msg) = raise_alert(&h).await;

    // The embed: author, channel, jump link, kinds, severity, masked snippet, status, buttons.
    let title = alert
        .pointer("/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(
        title.contains("Alert #") && title.contains("HIGH"),
        "{title}"
    );
    let link = format!(
        "https://discord.com/channels/{}/{}/{member_msg}",
        ids::GUILD,
        ids::GENERAL_CHANNEL
    );
    assert_eq!(
        alert.pointer("/embeds/0/url").and_then(Value::as_str),
        Some(link.as_str())
    );
    assert!(field(&alert, "Author").is_some_and(|a| a.contains(&ids::MEMBER_USER.to_string())));
    assert_eq!(
        field(&alert, "Channel"),
        Some(format!("<#{}>", ids::GENERAL_CHANNEL).as_str())
    );
    assert!(field(&alert, "Spotted").is_some_and(|s| s.contains("NHS number")));
    assert_eq!(field(&alert, "Status"), Some("open"));
    let snippet = field(&alert, "Masked snippet").expect("snippet");
    assert!(snippet.contains("***"), "masked: {snippet}");
    let buttons = custom_ids(&alert);
    let alert_id = h.only_alert().await.id;
    assert!(buttons.contains(&format!("alert:claim:{alert_id}")));
    assert!(buttons.contains(&format!("alert:resolve:{alert_id}:false_positive")));
    assert!(buttons.contains(&format!("alert:delete:{alert_id}")));
    let rows = alert["components"].as_array().expect("rows");
    assert!(
        rows.iter()
            .all(|r| r["components"].as_array().is_some_and(|c| c.len() <= 5))
    );
    assert_eq!(
        alert.pointer("/allowed_mentions/parse"),
        Some(&serde_json::json!([]))
    );

    // The author's nudge: a DM with a "Delete my message" button.
    let dm = h.next(from, "POST", "/users/@me/channels").await;
    assert_eq!(
        dm.pointer("/recipient_id").and_then(Value::as_str),
        Some(ids::MEMBER_USER.to_string().as_str())
    );
    let dm_channel = h.fake.with_store(|s| {
        s.channels
            .iter()
            .find(|(_, c)| c["type"] == 1)
            .map(|(id, _)| *id)
    });
    let dm_channel = dm_channel.expect("DM channel");
    let nudge = h
        .next(from, "POST", &format!("/channels/{dm_channel}/messages"))
        .await;
    assert!(
        custom_ids(nudge.body.as_ref().expect("body"))
            .contains(&format!("alert:delete:{alert_id}"))
    );
    // The store remembers where the alert was posted (done before the DM is sent).
    assert_eq!(
        h.only_alert().await.mod_ref,
        Some(format!("{}/{alert_msg}", ids::MODERATORS_CHANNEL))
    );

    // An edit that removes the number resolves the alert as edited-clean and drops the buttons,
    // keeping the snippet shown before.
    let from = h.mark();
    h.fake
        .edit_message(
            ids::MEMBER_USER,
            ids::GENERAL_CHANNEL,
            member_msg,
            "Saw my patient in bay 4 today, query sepsis",
        )
        .await
        .expect("dispatched");
    let edit = h
        .next(
            from,
            "PATCH",
            &format!("{}/{alert_msg}", mod_channel_path()),
        )
        .await;
    let body = edit.body.clone().expect("edit body");
    assert!(
        field(&body, "Status").is_some_and(|s| s.contains("resolved (edited_clean)")),
        "{body}"
    );
    assert_eq!(field(&body, "Masked snippet"), Some(snippet));
    assert_eq!(body["components"], serde_json::json!([]), "buttons dropped");
    let a = h.only_alert().await;
    assert_eq!(
        (a.status, a.outcome),
        (AlertStatus::Resolved, Some(Outcome::EditedClean))
    );

    h.assert_number_never_sent();
    h.fake.assert_no_unexpected();
    h.stop().await;
}

#[tokio::test]
async fn discord_buttons_act_with_the_pressers_powers() {
    let fake = FakeDiscord::start().await.expect("fake");
    fake.allow_all(&[
        Route::CreateMessage,
        Route::CreateDm,
        Route::InteractionCallback,
        Route::EditMessage,
        Route::CreateFollowup,
    ]);
    let h = Harness::start(fake, settings()).await;
    let (_, _, alert_msg) = raise_alert(&h).await;
    let alert_id = h.only_alert().await.id;
    let resolve = format!("alert:resolve:{alert_id}:false_positive");

    // A member's press is refused privately; the alert does not change.
    let from = h.mark();
    let press = h
        .fake
        .press_button(
            ids::MEMBER_USER,
            ids::MODERATORS_CHANNEL,
            &resolve,
            h.stored_message(alert_msg),
        )
        .await
        .expect("dispatched");
    let cb = h
        .fake
        .wait_for_request(|r| r.path == press.callback_path(), DEFAULT_WAIT)
        .await
        .expect("refusal");
    assert_eq!(cb.pointer("/type").and_then(Value::as_u64), Some(4));
    assert_eq!(cb.pointer("/data/flags").and_then(Value::as_u64), Some(64));
    let refusal = cb
        .pointer("/data/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(refusal.to_lowercase().contains("moderator"), "{refusal}");
    let a = h.only_alert().await;
    assert_eq!((a.status, a.outcome), (AlertStatus::Open, None));
    assert!(
        h.fake.requests()[from..]
            .iter()
            .all(|r| r.method != "PATCH"),
        "no alert edit after a refused press"
    );

    // A moderator's press updates the alert message through the interaction and the store.
    let press = h
        .fake
        .press_button(
            ids::MODERATOR_USER,
            ids::MODERATORS_CHANNEL,
            &resolve,
            h.stored_message(alert_msg),
        )
        .await
        .expect("dispatched");
    let cb = h
        .fake
        .wait_for_request(|r| r.path == press.callback_path(), DEFAULT_WAIT)
        .await
        .expect("update");
    assert_eq!(
        cb.pointer("/type").and_then(Value::as_u64),
        Some(7),
        "UpdateMessage"
    );
    let data = cb.pointer("/data").cloned().expect("data");
    assert!(
        field(&data, "Status").is_some_and(|s| s.contains("resolved (false_positive)")),
        "{data}"
    );
    assert!(
        field(&data, "Masked snippet").is_some(),
        "snippet kept from the message"
    );
    assert_eq!(data["components"], serde_json::json!([]));
    let a = h.only_alert().await;
    assert_eq!(a.status, AlertStatus::Resolved);
    assert_eq!(a.outcome, Some(Outcome::FalsePositive));
    assert_eq!(
        a.resolved_by.map(|u| u.to_string()),
        Some(ids::MODERATOR_USER.to_string())
    );

    h.assert_number_never_sent();
    h.fake.assert_no_unexpected();
    h.stop().await;
}

#[tokio::test]
async fn discord_missing_permission_is_reported_to_moderators() {
    let fake = FakeDiscord::builder()
        .overwrite(
            ids::FORUM_CHANNEL,
            Overwrite {
                target: OverwriteTarget::Role(ids::BOT_ROLE),
                allow: 0,
                deny: perms::MANAGE_THREADS,
            },
        )
        .start()
        .await
        .expect("fake");
    fake.allow(Route::CreateMessage);
    let h = Harness::start(fake, settings()).await;
    let notice = h.next(0, "POST", &mod_channel_path()).await;
    let text = notice
        .pointer("/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(text.contains("Manage Threads"), "{text}");
    assert!(
        text.contains(&format!("<#{}>", ids::FORUM_CHANNEL)),
        "{text}"
    );
    assert!(
        !text.contains("Embed Links"),
        "only what is missing: {text}"
    );
    assert_eq!(
        notice.pointer("/allowed_mentions/parse"),
        Some(&serde_json::json!([]))
    );
    h.fake.assert_no_unexpected();
    h.stop().await;
}

#[tokio::test]
async fn discord_journal_club_thread_card_and_event() {
    let fake = FakeDiscord::start().await.expect("fake");
    fake.allow_all(&[
        Route::CreateThread,
        Route::CreateMessage,
        Route::EditChannel,
        Route::CreateScheduledEvent,
        Route::EditScheduledEvent,
        Route::DeleteScheduledEvent,
    ]);
    let h = Harness::start(fake, settings()).await;
    let scope = Scope::new(Platform::Discord, ids::GUILD.to_string());
    let start = Utc
        .with_ymd_and_hms(2030, 3, 3, 20, 0, 0)
        .single()
        .expect("time");
    let key = "jc:1:2030-03-03T20:00:00Z".to_string();
    let card = MessageBody::text("📄 **This week's paper** — <t:1898366400:F> (<t:1898366400:R>)")
        .with_buttons(vec![Button {
            id: "jc:join".into(),
            label: "I'll join".into(),
            style: ButtonStyle::Primary,
        }]);
    let event = EventSpec {
        key: key.clone(),
        title: "Journal club".into(),
        description: "Weekly journal club".into(),
        start,
        end: start + Duration::minutes(60),
        location: ids::FORUM_CHANNEL.to_string(),
    };
    h.handle()
        .execute(vec![
            BotAction::OpenThread {
                scope: scope.clone(),
                channel: ChannelId::new(ids::FORUM_CHANNEL.to_string()),
                key: key.clone(),
                title: "2030-03-03 · A trial".into(),
                body: card,
            },
            BotAction::ScheduleEvent {
                scope: scope.clone(),
                event: event.clone(),
            },
        ])
        .await;

    // A forum post with the card and its RSVP button; the thread is remembered under the key.
    let post = h
        .next(
            0,
            "POST",
            &format!("/channels/{}/threads", ids::FORUM_CHANNEL),
        )
        .await;
    assert_eq!(
        post.pointer("/name").and_then(Value::as_str),
        Some("2030-03-03 · A trial")
    );
    assert!(
        post.pointer("/message/content")
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("<t:1898366400:F>"))
    );
    let rsvp = post.pointer("/message").cloned().expect("message");
    assert_eq!(custom_ids(&rsvp), ["jc:join"]);
    let thread = h
        .bot
        .thread_for_key(&scope, &key)
        .await
        .expect("lookup")
        .expect("thread remembered");

    // An External scheduled event at the session time, located at the channel.
    let ev = h.next(0, "POST", "/guilds/{guild}/scheduled-events").await;
    assert_eq!(ev.pointer("/entity_type").and_then(Value::as_u64), Some(3));
    assert_eq!(
        ev.pointer("/scheduled_start_time")
            .and_then(Value::as_str)
            .map(|s| &s[..19]),
        Some("2030-03-03T20:00:00")
    );
    assert_eq!(
        ev.pointer("/entity_metadata/location")
            .and_then(Value::as_str),
        Some(
            format!(
                "https://discord.com/channels/{}/{}",
                ids::GUILD,
                ids::FORUM_CHANNEL
            )
            .as_str()
        )
    );

    // Scheduling again updates the same event; posting, closing and cancelling follow the keys.
    let from = h.mark();
    h.handle()
        .execute(vec![
            BotAction::ScheduleEvent {
                scope: scope.clone(),
                event: EventSpec {
                    title: "Journal club (moved)".into(),
                    ..event
                },
            },
            BotAction::PostInThread {
                scope: scope.clone(),
                key: key.clone(),
                body: MessageBody::text("Wrap-up"),
            },
            BotAction::CloseThread {
                scope: scope.clone(),
                key: key.clone(),
                lock: true,
            },
            BotAction::CancelEvent {
                scope: scope.clone(),
                key: key.clone(),
            },
        ])
        .await;
    let edit = h
        .next(from, "PATCH", "/guilds/{guild}/scheduled-events/{event}")
        .await;
    assert_eq!(
        edit.pointer("/name").and_then(Value::as_str),
        Some("Journal club (moved)")
    );
    h.next(from, "POST", &format!("/channels/{thread}/messages"))
        .await;
    let close = h.next(from, "PATCH", &format!("/channels/{thread}")).await;
    assert_eq!(close.pointer("/archived"), Some(&Value::Bool(true)));
    assert_eq!(close.pointer("/locked"), Some(&Value::Bool(true)));
    h.next(from, "DELETE", "/guilds/{guild}/scheduled-events/{event}")
        .await;
    assert!(h.fake.with_store(|s| s.scheduled_events.is_empty()));

    h.fake.assert_no_unexpected();
    h.stop().await;
}

#[tokio::test]
async fn discord_journal_club_open_step_driven_by_the_scheduler_clock() {
    let fake = FakeDiscord::start().await.expect("fake");
    fake.allow_all(&[
        Route::CreateMessage,
        Route::CreateThread,
        Route::CreateScheduledEvent,
        Route::EditScheduledEvent,
        Route::EditChannel,
    ]);
    let h = Harness::start(fake, settings()).await;
    let scope = Scope::new(Platform::Discord, ids::GUILD.to_string());
    // The club starts on first use (default schedule: Sundays 20:00 Europe/London).
    let now = Utc::now();
    let inv = rounds::domain::Invocation {
        scope: scope.clone(),
        channel: ChannelId::new(ids::FORUM_CHANNEL.to_string()),
        user: rounds::domain::UserId::new(ids::MEMBER_USER.to_string()),
        user_name: "dr_member".into(),
        is_moderator: false,
        is_admin: false,
        at: now,
    };
    h.bot
        .handle_command(
            &inv,
            rounds::commands::Command::Jc(rounds::commands::JcCommand::Next),
        )
        .await;
    // Drive the scheduler's clock hour by hour until the open step has fired.
    let forum_threads = format!("/channels/{}/threads", ids::FORUM_CHANNEL);
    let mut t = now;
    let mut opened = false;
    for _ in 0..(9 * 24) {
        t += Duration::hours(1);
        let actions = h.bot.tick(t).await;
        h.handle().execute(actions).await;
        if !h.fake.requests_matching("POST", &forum_threads).is_empty() {
            opened = true;
            break;
        }
    }
    assert!(opened, "the open step created a forum post within 9 days");
    let post = h.next(0, "POST", &forum_threads).await;
    assert!(
        post.pointer("/message/content")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.trim().is_empty()),
        "the thread's first message carries the card"
    );
    // The next session is announced on time: its announcement mirrors it as a
    // Guild Scheduled Event (external, at the club's channel).
    let events = format!("/guilds/{}/scheduled-events", ids::GUILD);
    let mut event = None;
    for _ in 0..(8 * 24) {
        t += Duration::hours(1);
        let actions = h.bot.tick(t).await;
        h.handle().execute(actions).await;
        if let Some(r) = h.fake.requests_matching("POST", &events).into_iter().next() {
            event = Some(r);
            break;
        }
    }
    let event = event.expect("the announcement created a scheduled event within 8 days");
    let body = event.body.clone().unwrap_or_default();
    assert_eq!(
        body.pointer("/entity_type").and_then(Value::as_u64),
        Some(3),
        "{body}"
    );
    assert!(body.pointer("/scheduled_start_time").is_some(), "{body}");
    h.fake.assert_no_unexpected();
    h.stop().await;
}
