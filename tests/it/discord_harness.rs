//! Shared setup for the Discord adapter tests: a fresh SQLite store, a fresh
//! strict fake Discord, and the real adapter (serenity + poise) pointed at it.

#![allow(dead_code)] // Each test module uses a different part.

use std::time::Duration;

use rounds::adapters::discord::{DiscordAdapter, DiscordHandle};
use rounds::bot::Bot;
use rounds::config::Settings;
use rounds::store::AlertRecord;
use serde_json::Value;

use crate::fake_discord::{DEFAULT_WAIT, FakeDiscord, RecordedRequest, TOKEN, ids};
use crate::support::TestDb;

/// The NHS number used by the tests (valid mod-11 check digit).
pub const NHS: &str = "943 476 5919";

/// A member message with patient context and the NHS number.
pub fn flagged_text() -> String {
    format!("Saw my patient in bay 4 today, NHS number {NHS}, query sepsis")
}

/// Settings for the fake guild: its moderator role, moderators' and journal-club channels.
pub fn settings() -> Settings {
    let mut s = Settings::default();
    s.discord.guild_ids = vec![ids::GUILD.to_string()];
    s.discord.mod_channel_id = Some(ids::MODERATORS_CHANNEL.to_string());
    s.discord.moderator_role_ids = vec![ids::MODERATOR_ROLE.to_string()];
    s.discord.journal_club_channel_id = Some(ids::FORUM_CHANNEL.to_string());
    s
}

/// A running adapter against a fake.
pub struct Harness {
    pub fake: FakeDiscord,
    pub db: TestDb,
    pub bot: Bot,
    handle: Option<DiscordHandle>,
}

impl Harness {
    /// Starts the adapter with `settings` and waits until it registered its commands.
    pub async fn start(fake: FakeDiscord, settings: Settings) -> Harness {
        let db = TestDb::sqlite().await;
        let bot = Bot::new(settings, db.store.clone()).expect("bot");
        let handle = DiscordAdapter::start(bot.clone(), TOKEN, Some(fake.proxy_url()))
            .await
            .expect("adapter starts");
        fake.wait_for_session(DEFAULT_WAIT).await.expect("session");
        fake.wait_for_route(
            "PUT",
            "/applications/{app}/guilds/{guild}/commands",
            0,
            DEFAULT_WAIT,
        )
        .await
        .expect("commands registered in the configured guild");
        // The startup check stores the configured moderators' channel once GUILD_CREATE is
        // handled: from then on the guild is in the client's cache.
        let scope =
            rounds::domain::Scope::new(rounds::domain::Platform::Discord, ids::GUILD.to_string());
        let deadline = std::time::Instant::now() + DEFAULT_WAIT;
        while db
            .store
            .guild_settings(&scope)
            .await
            .expect("guild settings")
            .mod_channel
            .is_none()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "GUILD_CREATE was not handled in time"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Harness {
            fake,
            db,
            bot,
            handle: Some(handle),
        }
    }

    /// The adapter handle.
    pub fn handle(&self) -> &DiscordHandle {
        self.handle.as_ref().expect("running")
    }

    /// Stops the client (shard shutdown) and checks it stopped.
    pub async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(15), h.shutdown())
                .await
                .expect("the client shuts down");
        }
    }

    /// Waits for the next request to `method pattern` from the current end of the log.
    pub async fn next(&self, from: usize, method: &str, pattern: &str) -> RecordedRequest {
        self.fake
            .wait_for_route(method, pattern, from, DEFAULT_WAIT)
            .await
            .unwrap_or_else(|e| panic!("{method} {pattern}: {e}"))
    }

    /// How many requests the fake has recorded.
    pub fn mark(&self) -> usize {
        self.fake.requests().len()
    }

    /// The only alert in the store.
    pub async fn only_alert(&self) -> AlertRecord {
        let scope =
            rounds::domain::Scope::new(rounds::domain::Platform::Discord, ids::GUILD.to_string());
        let alerts = self
            .db
            .store
            .list_alerts(&scope, &Default::default())
            .await
            .expect("list alerts");
        assert_eq!(alerts.len(), 1, "exactly one alert");
        alerts.into_iter().next().expect("one")
    }

    /// A message the fake stored (the bot's posts), by id.
    pub fn stored_message(&self, id: u64) -> Value {
        self.fake
            .with_store(|s| s.messages.get(&id).cloned())
            .expect("message stored by the fake")
    }

    /// Asserts the NHS number never left the bot, with or without spaces.
    pub fn assert_number_never_sent(&self) {
        let all = self.fake.requests_text();
        assert!(!all.contains(NHS), "the raw NHS number was sent to Discord");
        assert!(
            !all.contains(&NHS.replace(' ', "")),
            "the raw NHS number (no spaces) was sent to Discord"
        );
        let bodies = self.fake.requests_body_text();
        assert!(!bodies.contains(NHS) && !bodies.contains(&NHS.replace(' ', "")));
    }
}

/// The id of a JSON object (`"id": "123"`).
pub fn id_of(v: &Value) -> u64 {
    v["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("snowflake id")
}

/// Names of the fields of the first embed of a request body.
pub fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.pointer("/embeds/0/fields")?
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)?
        .get("value")?
        .as_str()
}

/// Every custom id in a body's component rows.
pub fn custom_ids(body: &Value) -> Vec<String> {
    body.get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}
