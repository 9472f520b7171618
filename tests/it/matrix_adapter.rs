//! The real Matrix adapter against a real Synapse on loopback: commands,
//! the confidentiality guard (alerts, edits, hides, reactions), journal-club
//! threads, restarts with the same device and no replay, and an encrypted
//! room. Each test has its own homeserver, database and data directory, so
//! tests run in parallel. The "human" side is the harness's plain REST client,
//! except in the encrypted room, where it is a crypto-capable matrix-sdk client.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::room::create_room::v3::{
    Request as CreateRoomRequest, RoomPreset,
};
use matrix_sdk::ruma::events::InitialStateEvent;
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedUserId};
use rounds::adapters::matrix::{MatrixAdapter, MatrixHandle, MatrixLogin};
use rounds::bot::Bot;
use rounds::config::{Policy, Secret, Settings};
use rounds::domain::{BotAction, ChannelId, MessageBody, Platform, Scope, UserId};
use rounds::store::{AlertFilter, AlertStatus, Outcome};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::support::TestDb;
use crate::synapse::Synapse;

const WAIT: Duration = Duration::from_secs(20);
/// How long a test waits to be sure something did NOT happen.
const QUIET: Duration = Duration::from_millis(1500);
const COMMUNITY: &str = "test-community";
const PATIENT_MESSAGE: &str =
    "Saw Mrs Edith Thornbury, DOB 14/03/1938, in clinic today with chest pain";
const RAW_IDENTIFIERS: [&str; 3] = ["Thornbury", "14/03/1938", "943 476 5919"];

/// One homeserver with a moderator-admin, a member, the bot account, a general
/// room and a moderators' room (the bot invited to both).
struct World {
    hs: Synapse,
    db: TestDb,
    data: tempfile::TempDir,
    admin: String,
    admin_token: String,
    doc: String,
    doc_token: String,
    bot_id: String,
    general: String,
    mods: String,
}

impl World {
    async fn new() -> Result<World> {
        let hs = Synapse::start().await?;
        let (admin, admin_token) = hs.register_user("admin", false).await?;
        let (doc, doc_token) = hs.register_user("doc", false).await?;
        let (bot_id, _) = hs.register_user("rounds", false).await?;
        let general = hs.create_room(&admin_token, &[&bot_id, &doc]).await?;
        hs.join(&doc_token, &general).await?;
        let mods = hs.create_room(&admin_token, &[&bot_id, &doc]).await?;
        hs.join(&doc_token, &mods).await?;
        Ok(World {
            hs,
            db: TestDb::sqlite().await,
            data: tempfile::tempdir()?,
            admin,
            admin_token,
            doc,
            doc_token,
            bot_id,
            general,
            mods,
        })
    }

    fn scope(&self) -> Scope {
        Scope::new(Platform::Matrix, COMMUNITY)
    }

    /// Settings: invites from this homeserver, alerts to `mods`, replies in threads.
    fn settings(&self) -> Settings {
        let mut s = Settings::default();
        s.bot.data_dir = self.data.path().to_path_buf();
        s.matrix.community = COMMUNITY.into();
        s.matrix.allowed_inviters = vec![self.admin.clone()];
        s.matrix.mod_room = Some(self.mods.clone());
        s.matrix.private_replies_in_dm = false;
        s
    }

    fn login(&self, data_dir: &Path) -> MatrixLogin {
        MatrixLogin {
            homeserver_url: self.hs.base_url().to_string(),
            user: "rounds".into(),
            password: Some(Secret::new(Synapse::password_for("rounds"))),
            access_token: None,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Starts the real adapter and waits until it has joined both rooms.
    async fn start_bot(&self, settings: Settings) -> Result<(Bot, MatrixHandle)> {
        let data_dir = settings.bot.data_dir.clone();
        let bot = Bot::new(settings, self.db.store.clone())?;
        let handle = MatrixAdapter::start(bot.clone(), self.login(&data_dir)).await?;
        for room in [&self.general, &self.mods] {
            self.hs
                .wait_for_event(
                    &self.admin_token,
                    room,
                    |e| is_member(e, &self.bot_id, "join"),
                    WAIT,
                )
                .await?;
        }
        Ok((bot, handle))
    }

    /// A bot event in `room` for which `pred` holds.
    async fn bot_event(&self, room: &str, pred: impl Fn(&Value) -> bool) -> Result<Value> {
        let bot = self.bot_id.clone();
        self.hs
            .wait_for_event(
                &self.admin_token,
                room,
                |e| e["sender"] == bot.as_str() && pred(e),
                WAIT,
            )
            .await
    }

    /// The bot's access token, read from the session it saved.
    fn bot_token(&self) -> Result<String> {
        let raw = std::fs::read(self.data.path().join("matrix/session.json"))?;
        let v: Value = serde_json::from_slice(&raw)?;
        Ok(v["access_token"]
            .as_str()
            .context("no access token")?
            .to_owned())
    }

    /// Every event the bot sent, in every room it is in (as the server stores them).
    async fn all_bot_events(&self) -> Result<Vec<Value>> {
        let token = self.bot_token()?;
        let mut out = Vec::new();
        for room in self.hs.joined_rooms(&token).await? {
            for e in self.hs.room_messages(&token, &room).await? {
                if e["sender"] == self.bot_id.as_str() {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }
}

fn is_member(e: &Value, user: &str, membership: &str) -> bool {
    e["type"] == "m.room.member"
        && e["state_key"] == user
        && e["content"]["membership"] == membership
}

fn body(e: &Value) -> &str {
    e["content"]["body"].as_str().unwrap_or_default()
}

fn is_alert(e: &Value) -> bool {
    e["type"] == "m.room.message"
        && body(e).starts_with("🚨 Alert #")
        && e["content"]["m.relates_to"].is_null()
}

fn edits_of(e: &Value, target: &str) -> bool {
    e["content"]["m.relates_to"]["rel_type"] == "m.replace"
        && e["content"]["m.relates_to"]["event_id"] == target
}

fn redacts(e: &Value, target: &str) -> bool {
    e["type"] == "m.room.redaction" && (e["redacts"] == target || e["content"]["redacts"] == target)
}

/// No bot event anywhere holds a raw identifier; encrypted DMs are opaque on the server.
async fn assert_no_raw_identifier(w: &World) -> Result<()> {
    let events = w.all_bot_events().await?;
    ensure!(!events.is_empty(), "the bot sent nothing");
    for e in &events {
        let json = e.to_string();
        for raw in RAW_IDENTIFIERS {
            ensure!(
                !json.contains(raw),
                "a bot event of type {} holds a raw identifier",
                e["type"]
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn guidance_command_gets_a_threaded_reply_with_sources() -> Result<()> {
    let started = Instant::now();
    let w = World::new().await?;
    let (_bot, handle) = w.start_bot(w.settings()).await?;
    let t0 = Instant::now();
    let cmd =
        w.hs.send_text(&w.doc_token, &w.general, "!guidance confidentiality")
            .await?;
    let reply = w
        .bot_event(&w.general, |e| {
            e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == cmd.as_str()
        })
        .await?;
    eprintln!("timing: !guidance -> reply {:?}", t0.elapsed());
    assert_eq!(reply["content"]["msgtype"], "m.notice");
    assert_eq!(reply["content"]["m.relates_to"]["rel_type"], "m.thread");
    assert_eq!(reply["content"]["m.relates_to"]["event_id"], cmd.as_str());
    let text = body(&reply);
    assert!(text.contains("Sources"), "no sources in the answer");
    assert!(text.contains("GMC"), "the GMC source is missing");
    // Only the asker is notified.
    assert_eq!(
        reply["content"]["m.mentions"]["user_ids"],
        serde_json::json!([w.doc])
    );

    // A parse error is answered privately with the parser's message.
    let bad = w.hs.send_text(&w.doc_token, &w.general, "!alert").await?;
    let err = w
        .bot_event(&w.general, |e| {
            e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == bad.as_str()
        })
        .await?;
    let expected = rounds::commands::parse("!alert")
        .err()
        .context("`!alert` alone should not parse")?;
    assert_eq!(
        body(&err),
        rounds::adapters::matrix::render::bang_commands(&expected.0)
    );
    assert_eq!(err["content"]["m.relates_to"]["rel_type"], "m.thread");
    handle.shutdown().await;
    eprintln!("timing: guidance test total {:?}", started.elapsed());
    Ok(())
}

#[tokio::test]
async fn private_answers_go_to_an_encrypted_dm_when_configured() -> Result<()> {
    let w = World::new().await?;
    let mut settings = w.settings();
    settings.matrix.private_replies_in_dm = true;
    let (_bot, handle) = w.start_bot(settings).await?;
    w.hs.send_text(&w.doc_token, &w.general, "!help").await?;
    let dm = w.hs.wait_for_invite(&w.doc_token, WAIT).await?;
    w.hs.join(&w.doc_token, &dm).await?;
    let answer =
        w.hs.wait_for_event(
            &w.doc_token,
            &dm,
            |e| e["sender"] == w.bot_id.as_str() && e["type"] == "m.room.encrypted",
            WAIT,
        )
        .await?;
    assert_eq!(answer["content"]["algorithm"], "m.megolm.v1.aes-sha2");
    // Nothing was answered in the shared room.
    let in_room =
        w.hs.wait_for_event(
            &w.doc_token,
            &w.general,
            |e| e["sender"] == w.bot_id.as_str() && e["type"] == "m.room.message",
            QUIET,
        )
        .await;
    assert!(in_room.is_err(), "a private answer appeared in the room");
    handle.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn patient_details_raise_a_masked_alert_and_reactions_resolve_it() -> Result<()> {
    let started = Instant::now();
    let w = World::new().await?;
    let (bot, handle) = w.start_bot(w.settings()).await?;
    let t0 = Instant::now();
    let msg =
        w.hs.send_text(&w.doc_token, &w.general, PATIENT_MESSAGE)
            .await?;
    let alert = w.bot_event(&w.mods, is_alert).await?;
    eprintln!("timing: message -> alert {:?}", t0.elapsed());
    let text = body(&alert);
    assert!(text.contains("Masked snippet"), "no snippet in the alert");
    let link = format!("https://matrix.to/#/{}/{}", w.general, msg);
    assert!(text.contains(&link), "no permalink to the message");
    let alert_event = alert["event_id"].as_str().context("event id")?.to_owned();

    let alerts = bot
        .store
        .list_alerts(&w.scope(), &AlertFilter::default())
        .await?;
    assert_eq!(alerts.len(), 1);
    let id = alerts[0].id;
    assert_eq!(alerts[0].message.as_str(), msg);
    assert_eq!(alerts[0].mod_ref.as_deref(), Some(alert_event.as_str()));

    // A member without the moderator power level: nothing happens, no reply.
    w.hs.send_reaction(&w.doc_token, &w.mods, &alert_event, "✅")
        .await?;
    tokio::time::sleep(QUIET).await;
    let a = bot.store.alert(id).await?.context("alert")?;
    assert_eq!(a.status, AlertStatus::Open, "a non-moderator resolved it");

    // The room creator (a moderator): resolved as a true positive, the alert edited.
    w.hs.send_reaction(&w.admin_token, &w.mods, &alert_event, "✅")
        .await?;
    let edit = w.bot_event(&w.mods, |e| edits_of(e, &alert_event)).await?;
    assert!(
        edit["content"]["m.new_content"]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("resolved (true_positive)"),
        "the alert edit does not show the outcome"
    );
    assert!(
        edit["content"]["m.new_content"]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Masked snippet"),
        "the update lost the snippet line"
    );
    let a = bot.store.alert(id).await?.context("alert")?;
    assert_eq!(a.status, AlertStatus::Resolved);
    assert_eq!(a.outcome, Some(Outcome::TruePositive));
    assert_eq!(
        a.resolved_by.as_ref().map(|u| u.as_str()),
        Some(w.admin.as_str())
    );

    // The author was nudged in a DM that is encrypted on the server.
    let dm = w.hs.wait_for_invite(&w.doc_token, WAIT).await?;
    w.hs.join(&w.doc_token, &dm).await?;
    w.hs.wait_for_event(
        &w.doc_token,
        &dm,
        |e| e["sender"] == w.bot_id.as_str() && e["type"] == "m.room.encrypted",
        WAIT,
    )
    .await?;
    assert_no_raw_identifier(&w).await?;
    handle.shutdown().await;
    eprintln!("timing: alert test total {:?}", started.elapsed());
    Ok(())
}

#[tokio::test]
async fn an_edit_adding_an_nhs_number_raises_an_alert() -> Result<()> {
    let w = World::new().await?;
    let (bot, handle) = w.start_bot(w.settings()).await?;
    let msg =
        w.hs.send_text(
            &w.doc_token,
            &w.general,
            "Interesting case in clinic this morning",
        )
        .await?;
    w.hs.send_edit(
        &w.doc_token,
        &w.general,
        &msg,
        "Interesting case in clinic this morning, NHS number 943 476 5919",
    )
    .await?;
    let alert = w.bot_event(&w.mods, is_alert).await?;
    assert!(body(&alert).contains("NHS number"), "kind not named");
    let alerts = bot
        .store
        .list_alerts(&w.scope(), &AlertFilter::default())
        .await?;
    assert_eq!(alerts.len(), 1);
    // The alert is about the original event, so later edits update it.
    assert_eq!(alerts[0].message.as_str(), msg);
    assert_no_raw_identifier(&w).await?;
    handle.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn hide_policy_redacts_the_message_and_its_edits() -> Result<()> {
    let w = World::new().await?;
    w.hs.set_power_level(&w.admin_token, &w.general, &w.bot_id, 50)
        .await?;
    let mut settings = w.settings();
    settings
        .guard
        .channels
        .insert(w.general.clone(), Policy::Hide);
    let (bot, handle) = w.start_bot(settings).await?;
    let msg =
        w.hs.send_text(&w.doc_token, &w.general, "Clinic was busy today")
            .await?;
    let edit1 =
        w.hs.send_edit(&w.doc_token, &w.general, &msg, "Clinic was busy today!")
            .await?;
    let edit2 =
        w.hs.send_edit(&w.doc_token, &w.general, &msg, PATIENT_MESSAGE)
            .await?;
    for target in [&msg, &edit1, &edit2] {
        let redaction =
            w.hs.wait_for_event(&w.admin_token, &w.general, |e| redacts(e, target), WAIT)
                .await?;
        assert_eq!(redaction["sender"], w.bot_id.as_str());
    }
    let alert = w.bot_event(&w.mods, is_alert).await?;
    assert!(
        body(&alert).contains("removed"),
        "the alert does not say it was hidden"
    );
    let alerts = bot
        .store
        .list_alerts(&w.scope(), &AlertFilter::default())
        .await?;
    assert!(alerts[0].hidden);
    handle.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn journal_club_open_step_creates_a_thread_with_mentions() -> Result<()> {
    let w = World::new().await?;
    let (bot, handle) = w.start_bot(w.settings()).await?;
    let scope = w.scope();
    let key = "jc:1:2026-11-29T20:00:00Z";
    handle
        .execute(vec![BotAction::OpenThread {
            scope: scope.clone(),
            channel: ChannelId::new(w.general.clone()),
            key: key.into(),
            title: "Journal club — 29 Nov".into(),
            body: MessageBody::text(format!("The session is open. {} welcome!", w.doc))
                .with_mentions(vec![UserId::new(w.doc.clone())]),
        }])
        .await;
    let root = w
        .bot_event(&w.general, |e| body(e) == "🧵 Journal club — 29 Nov")
        .await?;
    let root_id = root["event_id"].as_str().context("root id")?.to_owned();
    let card = w
        .bot_event(&w.general, |e| {
            e["content"]["m.relates_to"]["rel_type"] == "m.thread"
                && e["content"]["m.relates_to"]["event_id"] == root_id.as_str()
        })
        .await?;
    assert!(body(&card).starts_with("The session is open."));
    assert_eq!(
        card["content"]["m.mentions"]["user_ids"],
        serde_json::json!([w.doc])
    );
    assert!(
        card["content"]["formatted_body"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("https://matrix.to/#/{}", w.doc)),
        "no pill for the mentioned member"
    );
    assert_eq!(
        bot.thread_for_key(&scope, key).await?.map(|c| c.0),
        Some(root_id.clone())
    );
    // Posting in and closing the thread; Discord-scoped actions are skipped.
    handle
        .execute(vec![
            BotAction::PostInThread {
                scope: Scope::new(Platform::Discord, "1"),
                key: key.into(),
                body: MessageBody::text("not for Matrix"),
            },
            BotAction::PostInThread {
                scope: scope.clone(),
                key: key.into(),
                body: MessageBody::text("Ten minutes left"),
            },
            BotAction::CloseThread {
                scope: scope.clone(),
                key: key.into(),
                lock: true,
            },
        ])
        .await;
    let in_thread = |e: &Value| {
        e["content"]["m.relates_to"]["rel_type"] == "m.thread"
            && e["content"]["m.relates_to"]["event_id"] == root_id.as_str()
    };
    w.bot_event(&w.general, |e| {
        in_thread(e) && body(e) == "Ten minutes left"
    })
    .await?;
    w.bot_event(&w.general, |e| {
        in_thread(e) && body(e).contains("session is now closed")
    })
    .await?;
    let events = w.hs.room_messages(&w.admin_token, &w.general).await?;
    assert!(
        !events.iter().any(|e| body(e) == "not for Matrix"),
        "a Discord action was carried out on Matrix"
    );
    handle.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn restart_keeps_the_device_and_does_not_replay_commands() -> Result<()> {
    let started = Instant::now();
    let w = World::new().await?;
    let (_bot, handle) = w.start_bot(w.settings()).await?;
    let device = handle.device_id().to_owned();
    let meta = std::fs::metadata(w.data.path().join("matrix/session.json"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    handle.shutdown().await;

    let offline = w.hs.send_text(&w.doc_token, &w.general, "!help").await?;
    let (_bot, handle) = w.start_bot(w.settings()).await?;
    assert_eq!(handle.device_id(), device, "a restart made a new device");
    let live = w.hs.send_text(&w.doc_token, &w.general, "!help").await?;
    w.bot_event(&w.general, |e| {
        e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == live.as_str()
    })
    .await?;
    let events = w.hs.room_messages(&w.admin_token, &w.general).await?;
    assert!(
        !events
            .iter()
            .any(|e| e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == offline.as_str()),
        "a command sent while the bot was down was answered"
    );
    handle.shutdown().await;
    eprintln!("timing: restart test total {:?}", started.elapsed());
    Ok(())
}

#[tokio::test]
async fn the_bot_answers_in_an_encrypted_room() -> Result<()> {
    let started = Instant::now();
    let w = World::new().await?;
    let (_bot, handle) = w.start_bot(w.settings()).await?;
    let bot_id: OwnedUserId = w.bot_id.parse()?;

    // The human: a crypto-capable client logged in as the admin (an allowed inviter).
    let human_dir = tempfile::tempdir()?;
    let human = matrix_sdk::Client::builder()
        .homeserver_url(w.hs.base_url())
        .sqlite_store(human_dir.path(), None)
        .build()
        .await?;
    human
        .matrix_auth()
        .login_username("admin", &Synapse::password_for("admin"))
        .await?;
    let first = human
        .sync_once(SyncSettings::default().timeout(Duration::ZERO))
        .await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<OriginalSyncRoomMessageEvent>();
    human.add_event_handler(move |ev: OriginalSyncRoomMessageEvent| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(ev);
        }
    });
    let sync_client = human.clone();
    let human_sync = tokio::spawn(async move {
        let mut settings = SyncSettings::default().token(first.next_batch);
        loop {
            match sync_client.sync_once(settings.clone()).await {
                Ok(r) => settings = settings.token(r.next_batch),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    });

    let mut request = CreateRoomRequest::new();
    request.invite = vec![bot_id.clone()];
    request.preset = Some(RoomPreset::PrivateChat);
    request.initial_state = vec![
        InitialStateEvent::with_empty_state_key(
            RoomEncryptionEventContent::with_recommended_defaults(),
        )
        .to_raw_any(),
    ];
    let room = human.create_room(request).await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let joined = room.get_member_no_sync(&bot_id).await?.is_some_and(|m| {
            *m.membership() == matrix_sdk::ruma::events::room::member::MembershipState::Join
        });
        if joined {
            break;
        }
        if Instant::now() > deadline {
            bail!("the bot never joined the encrypted room");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let t0 = Instant::now();
    let cmd: OwnedEventId = room
        .send(RoomMessageEventContent::text_plain(
            "!guidance confidentiality",
        ))
        .await?
        .response
        .event_id;
    let deadline = tokio::time::Instant::now() + WAIT;
    let reply = loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .context("no answer in the encrypted room")?
            .context("human channel closed")?;
        let answers_cmd = matches!(
            &ev.content.relates_to,
            Some(Relation::Thread(t)) if t.event_id == cmd
        );
        if ev.sender == bot_id && answers_cmd {
            break ev;
        }
    };
    eprintln!("timing: encrypted command -> answer {:?}", t0.elapsed());
    assert!(
        matches!(&reply.content.msgtype, MessageType::Notice(n) if n.body.contains("Sources")),
        "the answer is not the guidance"
    );
    // On the server, the answer is ciphertext.
    let raw =
        w.hs.wait_for_event(
            &w.admin_token,
            room.room_id().as_str(),
            |e| e["event_id"] == reply.event_id.as_str(),
            WAIT,
        )
        .await?;
    assert_eq!(raw["type"], "m.room.encrypted");
    human_sync.abort();
    handle.shutdown().await;
    eprintln!("timing: encrypted test total {:?}", started.elapsed());
    Ok(())
}

#[tokio::test]
async fn invites_from_others_are_rejected() -> Result<()> {
    let w = World::new().await?;
    let (_bot, handle) = w.start_bot(w.settings()).await?;
    let stranger_room = w.hs.create_room(&w.doc_token, &[&w.bot_id]).await?;
    w.hs.wait_for_event(
        &w.doc_token,
        &stranger_room,
        |e| is_member(e, &w.bot_id, "leave"),
        WAIT,
    )
    .await?;
    handle.shutdown().await;
    Ok(())
}
