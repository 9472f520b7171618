//! One storage trait, two backends. [`SqliteStore`] (WAL, create-if-missing)
//! is the zero-setup default; [`PostgresStore`] serves several bot
//! instances. The backend is chosen by the URL scheme in [`connect`].
//!
//! Both backends share one SQL implementation (see `sql.rs`) and mirrored,
//! numbered migrations in `migrations/sqlite/` and `migrations/postgres/`.
//! Invariant: no table holds message text, snippets or identifiers — only
//! ids, kinds, counts, statuses and timestamps. Timestamps are stored as
//! UTC milliseconds (`i64`) so both backends behave identically.

mod journal_club;
mod postgres;
mod sql;
mod sqlite;

pub use journal_club::*;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::Policy;
use crate::domain::{ChannelId, MessageId, Platform, Scope, UserId};
use crate::phi::{Kind, Severity};
use anyhow::{Result, bail};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;

/// Status of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertStatus {
    Open,
    Claimed,
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Claimed => "claimed",
            AlertStatus::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<AlertStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Some(AlertStatus::Open),
            "claimed" => Some(AlertStatus::Claimed),
            "resolved" => Some(AlertStatus::Resolved),
            _ => None,
        }
    }
}

/// How a moderator (or an edit) closed an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    TruePositive,
    FalsePositive,
    Consented,
    AnonymisedEnough,
    Removed,
    /// The author edited the identifiers away.
    EditedClean,
}

impl Outcome {
    /// Outcomes a moderator can choose (`edited_clean` is set by the bot).
    pub const MODERATOR_CHOICES: [Outcome; 5] = [
        Outcome::TruePositive,
        Outcome::FalsePositive,
        Outcome::Consented,
        Outcome::AnonymisedEnough,
        Outcome::Removed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::TruePositive => "true_positive",
            Outcome::FalsePositive => "false_positive",
            Outcome::Consented => "consented",
            Outcome::AnonymisedEnough => "anonymised_enough",
            Outcome::Removed => "removed",
            Outcome::EditedClean => "edited_clean",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match s.as_str() {
            "true_positive" | "tp" => Some(Outcome::TruePositive),
            "false_positive" | "fp" => Some(Outcome::FalsePositive),
            "consented" | "consent" => Some(Outcome::Consented),
            "anonymised_enough" | "anonymized_enough" => Some(Outcome::AnonymisedEnough),
            "removed" => Some(Outcome::Removed),
            "edited_clean" => Some(Outcome::EditedClean),
            _ => None,
        }
    }
}

/// Per-community settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildSettings {
    pub mod_channel: Option<ChannelId>,
    pub default_policy: Option<Policy>,
}

/// A channel's own guard setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelPolicy {
    /// `None` = use the community default.
    pub policy: Option<Policy>,
    pub exempt: bool,
}

/// An alert as stored: ids, kinds, counts, status — never text.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    pub id: i64,
    pub scope: Scope,
    pub channel: ChannelId,
    pub message: MessageId,
    pub author: UserId,
    /// Finding kinds with counts, sorted by kind.
    pub kinds: Vec<(Kind, u32)>,
    pub severity: Severity,
    pub status: AlertStatus,
    pub outcome: Option<Outcome>,
    pub claimed_by: Option<UserId>,
    pub resolved_by: Option<UserId>,
    pub hidden: bool,
    /// The platform id of the alert message in the moderators' channel.
    pub mod_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What a new alert starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub scope: Scope,
    pub channel: ChannelId,
    pub message: MessageId,
    pub author: UserId,
    pub kinds: Vec<(Kind, u32)>,
    pub severity: Severity,
    pub hidden: bool,
    pub at: DateTime<Utc>,
}

/// Filter for listing alerts.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub status: Option<AlertStatus>,
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

/// The storage contract. Every method is tested against both backends
/// (`tests/it/store_contract.rs`).
#[async_trait]
pub trait Store: JournalClubStore + Send + Sync {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Apply pending migrations.
    async fn migrate(&self) -> Result<()>;

    /// Names of the tables this store holds (for privacy tests and `rounds migrate`).
    async fn table_names(&self) -> Result<Vec<String>>;

    /// Every value of every row of `table`, rendered as text (privacy tests).
    async fn dump_table(&self, table: &str) -> Result<Vec<String>>;

    // ---- community settings ----
    async fn guild_settings(&self, scope: &Scope) -> Result<GuildSettings>;
    async fn set_mod_channel(&self, scope: &Scope, channel: &ChannelId) -> Result<()>;
    async fn set_default_policy(&self, scope: &Scope, policy: Policy) -> Result<()>;
    async fn channel_policy(
        &self,
        scope: &Scope,
        channel: &ChannelId,
    ) -> Result<Option<ChannelPolicy>>;
    async fn set_channel_policy(
        &self,
        scope: &Scope,
        channel: &ChannelId,
        policy: ChannelPolicy,
    ) -> Result<()>;
    async fn list_channel_policies(&self, scope: &Scope)
    -> Result<Vec<(ChannelId, ChannelPolicy)>>;

    /// Every community the store knows (has settings or alerts for).
    async fn list_communities(&self) -> Result<Vec<Scope>>;

    // ---- alerts ----
    /// Insert unless an alert for the same message exists; `None` means it did (duplicate delivery).
    async fn create_alert(&self, alert: &NewAlert) -> Result<Option<AlertRecord>>;
    async fn alert(&self, id: i64) -> Result<Option<AlertRecord>>;
    async fn alert_for_message(
        &self,
        scope: &Scope,
        channel: &ChannelId,
        message: &MessageId,
    ) -> Result<Option<AlertRecord>>;
    /// Overwrite the mutable fields of an alert (kinds, severity, status, outcome, who, when).
    async fn save_alert(&self, alert: &AlertRecord) -> Result<()>;
    /// Record where the alert was posted, touching nothing else (it may race with a moderator's action).
    async fn set_alert_mod_ref(&self, id: i64, mod_ref: &str) -> Result<()>;
    /// Alerts of a community, newest first.
    async fn list_alerts(&self, scope: &Scope, filter: &AlertFilter) -> Result<Vec<AlertRecord>>;
    /// Delete resolved alerts resolved before `cutoff`; returns how many.
    async fn purge_resolved_alerts(&self, cutoff: DateTime<Utc>) -> Result<u64>;

    // ---- nudges (rate limiting) ----
    async fn record_nudge(
        &self,
        platform: Platform,
        user: &UserId,
        at: DateTime<Utc>,
    ) -> Result<()>;
    async fn count_nudges_since(
        &self,
        platform: Platform,
        user: &UserId,
        since: DateTime<Utc>,
    ) -> Result<u32>;
    async fn purge_nudges(&self, cutoff: DateTime<Utc>) -> Result<u64>;

    // ---- platform references ----
    /// Remember the platform id behind one of our keys (thread, scheduled event…).
    async fn set_platform_ref(&self, scope: &Scope, key: &str, value: &str) -> Result<()>;
    async fn platform_ref(&self, scope: &Scope, key: &str) -> Result<Option<String>>;

    // ---- once-only jobs ----
    /// Claim a job key (insert-or-skip). `true` exactly once per key, across instances.
    async fn claim_job(&self, key: &str, at: DateTime<Utc>) -> Result<bool>;
}

/// A shared store handle.
pub type SharedStore = Arc<dyn Store>;

/// Open (creating if needed) the store named by `url` and run migrations.
/// `sqlite://path` (or `sqlite::memory:`) and `postgres://…` are understood.
pub async fn connect(url: &str) -> Result<SharedStore> {
    let store: SharedStore = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PostgresStore::connect(url).await?)
    } else {
        bail!("DATABASE_URL must start with sqlite:// or postgres:// (got an unsupported scheme)");
    };
    store.migrate().await?;
    Ok(store)
}

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `NHS_NUMBER:1,PERSON:2` — kinds and counts only.
pub(crate) fn encode_kinds(kinds: &[(Kind, u32)]) -> String {
    kinds
        .iter()
        .map(|(k, n)| format!("{}:{n}", k.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn decode_kinds(s: &str) -> Vec<(Kind, u32)> {
    s.split(',')
        .filter_map(|part| {
            let (k, n) = part.split_once(':')?;
            Some((Kind::parse(k)?, n.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_roundtrip() {
        let k = vec![(Kind::NhsNumber, 1), (Kind::Person, 2)];
        assert_eq!(decode_kinds(&encode_kinds(&k)), k);
        assert!(decode_kinds("").is_empty());
    }

    #[test]
    fn outcome_parse() {
        assert_eq!(Outcome::parse("true-positive"), Some(Outcome::TruePositive));
        assert_eq!(Outcome::parse("FP"), Some(Outcome::FalsePositive));
        assert_eq!(Outcome::parse("nope"), None);
    }
}
