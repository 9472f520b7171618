//! Helpers for the journal-club integration tests: a context whose paper lookups go to a local
//! fake server (or a closed local port), invocations with a fixed clock, and a driver that
//! ticks the scheduler at given instants.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use rounds::commands::JcCommand;
use rounds::config::Settings;
use rounds::domain::{BotAction, ChannelId, Invocation, MessageBody, Platform, Scope, UserId};
use rounds::error::BotError;
use rounds::journal_club::metadata::{MetadataClient, MetadataConfig};
use rounds::journal_club::{JcContext, handle_command, tick};
use rounds::store::SharedStore;

/// The Matrix room configured as the club's discussion room.
pub const JC_ROOM: &str = "!jc:example.org";

/// The test community.
pub fn scope() -> Scope {
    Scope::new(Platform::Matrix, "community")
}

/// A UTC instant from RFC 3339 text.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad instant {s}: {e}"))
}

/// Settings with the Matrix journal-club room set.
pub fn settings() -> Arc<Settings> {
    let mut s = Settings::default();
    s.matrix.journal_club_room = Some(JC_ROOM.to_owned());
    Arc::new(s)
}

/// A metadata client whose endpoints are `base` (a wiremock server or a closed port).
pub fn metadata(base: &str) -> MetadataClient {
    MetadataClient::new(MetadataConfig {
        crossref_base_url: base.to_owned(),
        eutils_base_url: format!("{base}/entrez/eutils"),
        timeout: StdDuration::from_secs(2),
        contact_email: "jc-tests@rounds.example".to_owned(),
        ncbi_tool: None,
        ncbi_email: None,
    })
    .expect("metadata client")
}

/// A context whose lookups fail fast (nothing listens on port 9 of the loopback address).
pub fn offline_ctx(store: SharedStore) -> JcContext {
    JcContext::with_metadata(store, settings(), metadata("http://127.0.0.1:9"))
}

/// An invocation by `user` in the community's general room at `now`.
pub fn inv(user: &str, admin: bool, now: DateTime<Utc>) -> Invocation {
    Invocation {
        scope: scope(),
        channel: ChannelId::new("!general:example.org"),
        user: UserId::new(user),
        user_name: user.to_owned(),
        is_moderator: admin,
        is_admin: admin,
        at: now,
    }
}

/// Runs a command and returns the text of its single reply (panics on anything else).
pub async fn reply(ctx: &JcContext, inv: &Invocation, cmd: JcCommand) -> String {
    let actions = handle_command(ctx, inv, cmd)
        .await
        .unwrap_or_else(|e| panic!("command failed: {}", e.user_text()));
    match actions.as_slice() {
        [BotAction::Reply { body, .. }] => body.text.clone(),
        other => panic!("expected one reply, got {other:?}"),
    }
}

/// Runs a command that must fail with a user error; returns its text.
pub async fn user_error(ctx: &JcContext, inv: &Invocation, cmd: JcCommand) -> String {
    match handle_command(ctx, inv, cmd).await {
        Err(BotError::User(e)) => e.0,
        Err(BotError::Internal(e)) => panic!("internal error: {e:#}"),
        Ok(actions) => panic!("expected a user error, got {actions:?}"),
    }
}

/// `/jc suggest <paper>`.
pub fn suggest(paper: &str) -> JcCommand {
    JcCommand::Suggest {
        paper: paper.to_owned(),
        why: vec!["practice-changing".to_owned()],
    }
}

/// `/jc vote <paper>`.
pub fn vote(paper: &str) -> JcCommand {
    JcCommand::Vote {
        paper: paper.to_owned(),
    }
}

/// Ticks and returns the actions.
pub async fn tick_at(ctx: &JcContext, now: &str) -> Vec<BotAction> {
    tick(ctx, at(now)).await.expect("tick")
}

/// The kinds of some actions, for compact assertions.
pub fn kinds(actions: &[BotAction]) -> Vec<&'static str> {
    actions.iter().map(BotAction::kind).collect()
}

/// The body of a `Post`, with its channel.
pub fn post(action: &BotAction) -> (&ChannelId, &MessageBody) {
    match action {
        BotAction::Post { channel, body, .. } => (channel, body),
        other => panic!("expected a post, got {other:?}"),
    }
}

/// A fixed instant helper for whole hours.
pub fn ymdh(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("valid instant")
}
