//! Journal-club storage: clubs, papers, votes, RSVPs, sessions, scheduler step claims, thread
//! mappings and per-member message counts.
//!
//! [`JournalClubStore`] is a supertrait of [`super::Store`]; [`impl_journal_club_store!`]
//! implements it with SQL that SQLite and PostgreSQL both accept (`$N` parameters,
//! `ON CONFLICT`, `RETURNING`), like `sql.rs`.
//!
//! Invariants:
//! - Timestamps are UTC milliseconds; an occurrence is identified by its start instant.
//! - A scheduler step is claimed by inserting `(club, occurrence start, step)` with
//!   `ON CONFLICT DO NOTHING`; [`JournalClubStore::jc_claim_step`] returns `true` for exactly one
//!   caller per key, across restarts and instances.
//! - No table holds chat message text: participation is a count per member. The one free-text
//!   column is a suggester's own note about a paper (`why`), which callers never log.

use crate::domain::{ChannelId, Scope, UserId};
use crate::journal_club::metadata::PaperMeta;
use crate::journal_club::paper::PaperId;
use crate::journal_club::schedule::ClubSchedule;
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A community's journal club and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClubRecord {
    /// Row id, used in keys (`jc:<id>:<start>`).
    pub id: i64,
    /// The community.
    pub scope: Scope,
    /// When and how long the club meets.
    pub schedule: ClubSchedule,
    /// Where announcements go and threads are opened.
    pub channel: ChannelId,
    /// Appraisal questions; empty means the defaults.
    pub questions: Vec<String>,
    /// Steps due before this instant (club creation or last schedule change) are neither run
    /// nor reported as missed.
    pub active_since: DateTime<Utc>,
}

/// Where a suggested paper stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperStatus {
    /// Waiting in the queue.
    Queued,
    /// Chosen for an upcoming or running session.
    Chosen,
    /// Discussed at a session that has closed.
    Discussed,
}

impl PaperStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PaperStatus::Queued => "queued",
            PaperStatus::Chosen => "chosen",
            PaperStatus::Discussed => "discussed",
        }
    }
    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<PaperStatus> {
        match s {
            "queued" => Some(PaperStatus::Queued),
            "chosen" => Some(PaperStatus::Chosen),
            "discussed" => Some(PaperStatus::Discussed),
            _ => None,
        }
    }
}

/// A suggested paper as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperRecord {
    /// Row id.
    pub id: i64,
    /// The club it was suggested to.
    pub club_id: i64,
    /// The identifier the member gave, canonical.
    pub paper: PaperId,
    /// Looked-up details (or only what the member gave).
    pub meta: PaperMeta,
    /// Whether the registry lookup succeeded.
    pub meta_found: bool,
    /// Who suggested it.
    pub suggested_by: UserId,
    /// The suggester's note. Free text: never log it.
    pub why: Option<String>,
    /// When it was suggested.
    pub suggested_at: DateTime<Utc>,
    /// Queue state.
    pub status: PaperStatus,
    /// The session it was chosen for / discussed at.
    pub session_start: Option<DateTime<Utc>>,
}

/// A paper to insert.
#[derive(Debug, Clone)]
pub struct NewPaper {
    /// Club.
    pub club_id: i64,
    /// Identifier.
    pub paper: PaperId,
    /// Details.
    pub meta: PaperMeta,
    /// Whether the lookup succeeded.
    pub meta_found: bool,
    /// Suggester.
    pub suggested_by: UserId,
    /// The suggester's note (free text, never logged).
    pub why: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A queued paper with its votes for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPaper {
    /// The paper.
    pub paper: PaperRecord,
    /// Votes cast for it for the session.
    pub votes: u32,
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Announced (paper chosen or open discussion), not yet started.
    Scheduled,
    /// The discussion thread is open.
    Open,
    /// The discussion has closed.
    Closed,
    /// Skipped by an admin.
    Skipped,
}

impl SessionStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Open => "open",
            SessionStatus::Closed => "closed",
            SessionStatus::Skipped => "skipped",
        }
    }
    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<SessionStatus> {
        match s {
            "scheduled" => Some(SessionStatus::Scheduled),
            "open" => Some(SessionStatus::Open),
            "closed" => Some(SessionStatus::Closed),
            "skipped" => Some(SessionStatus::Skipped),
            _ => None,
        }
    }
}

/// One session (a concrete occurrence the bot has acted on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Club.
    pub club_id: i64,
    /// Start instant (the occurrence's identity).
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// The paper, or `None` for an open discussion.
    pub paper_id: Option<i64>,
    /// State.
    pub status: SessionStatus,
}

/// A thread opened for a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    /// The key given in `OpenThread`.
    pub key: String,
    /// Club, for session threads (`None` for other keys adapters record).
    pub club_id: Option<i64>,
    /// The session's start, for session threads.
    pub session_start: Option<DateTime<Utc>>,
    /// The platform's thread id, once the adapter reported it.
    pub thread: Option<ChannelId>,
    /// Whether the session has closed (messages no longer count).
    pub closed: bool,
}

/// One line of a member's attendance record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRecord {
    /// Session start.
    pub session_start: DateTime<Utc>,
    /// Session paper, if any.
    pub paper: Option<PaperRecord>,
    /// Whether the member RSVP'd.
    pub joined: bool,
    /// Messages the member posted in the thread.
    pub messages: u32,
}

/// Journal-club storage, implemented by both backends.
#[async_trait]
pub trait JournalClubStore: Send + Sync {
    // ---- clubs ----
    /// Creates the club with these settings unless one exists; returns the stored club.
    async fn jc_ensure_club(
        &self,
        scope: &Scope,
        defaults: &ClubRecord,
        at: DateTime<Utc>,
    ) -> Result<ClubRecord>;
    /// The club of a community.
    async fn jc_club(&self, scope: &Scope) -> Result<Option<ClubRecord>>;
    /// A club by id.
    async fn jc_club_by_id(&self, id: i64) -> Result<Option<ClubRecord>>;
    /// Every club (for the scheduler).
    async fn jc_clubs(&self) -> Result<Vec<ClubRecord>>;
    /// Overwrites a club's settings (schedule, channel, questions, active_since).
    async fn jc_update_club(&self, club: &ClubRecord, at: DateTime<Utc>) -> Result<()>;

    // ---- papers ----
    /// Inserts a suggestion; `None` when the club already has this paper.
    async fn jc_insert_paper(&self, paper: &NewPaper) -> Result<Option<PaperRecord>>;
    /// A paper by id.
    async fn jc_paper(&self, id: i64) -> Result<Option<PaperRecord>>;
    /// A paper of a club by its canonical key.
    async fn jc_paper_by_key(&self, club_id: i64, key: &str) -> Result<Option<PaperRecord>>;
    /// Queued papers with their votes for `session_start`: most votes first, then earliest
    /// suggestion.
    async fn jc_queue(
        &self,
        club_id: i64,
        session_start: DateTime<Utc>,
    ) -> Result<Vec<QueuedPaper>>;
    /// Deletes a paper and its votes.
    async fn jc_delete_paper(&self, id: i64) -> Result<()>;
    /// Sets a paper's status and session.
    async fn jc_set_paper_status(
        &self,
        id: i64,
        status: PaperStatus,
        session_start: Option<DateTime<Utc>>,
    ) -> Result<()>;

    // ---- votes ----
    /// Casts or moves a member's vote for a session; returns the paper id voted for before.
    async fn jc_cast_vote(
        &self,
        club_id: i64,
        session_start: DateTime<Utc>,
        user: &UserId,
        paper_id: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    // ---- RSVPs ----
    /// Records an RSVP; `false` if the member had already joined.
    async fn jc_join(
        &self,
        club_id: i64,
        session_start: DateTime<Utc>,
        user: &UserId,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Removes an RSVP; `false` if there was none.
    async fn jc_leave(
        &self,
        club_id: i64,
        session_start: DateTime<Utc>,
        user: &UserId,
    ) -> Result<bool>;
    /// Members who joined a session, in the order they joined.
    async fn jc_rsvps(&self, club_id: i64, session_start: DateTime<Utc>) -> Result<Vec<UserId>>;

    // ---- sessions ----
    /// Inserts a session unless it exists; `true` if this call inserted it.
    async fn jc_insert_session(&self, session: &SessionRecord, at: DateTime<Utc>) -> Result<bool>;
    /// A session by its start.
    async fn jc_session(&self, club_id: i64, start: DateTime<Utc>)
    -> Result<Option<SessionRecord>>;
    /// Sessions starting in `[from, to)`, in order.
    async fn jc_sessions_between(
        &self,
        club_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SessionRecord>>;
    /// Sets a session's status.
    async fn jc_set_session_status(
        &self,
        club_id: i64,
        start: DateTime<Utc>,
        status: SessionStatus,
    ) -> Result<()>;
    /// Sets (or clears) a session's paper.
    async fn jc_set_session_paper(
        &self,
        club_id: i64,
        start: DateTime<Utc>,
        paper_id: Option<i64>,
    ) -> Result<()>;

    // ---- scheduler steps ----
    /// Claims a step (insert-or-skip) with an initial status; `true` exactly once per key.
    async fn jc_claim_step(
        &self,
        club_id: i64,
        occurrence_start: DateTime<Utc>,
        step: &str,
        status: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Releases a claim (after a failure, so the step is retried).
    async fn jc_release_step(
        &self,
        club_id: i64,
        occurrence_start: DateTime<Utc>,
        step: &str,
    ) -> Result<()>;
    /// Sets the status of a claimed step.
    async fn jc_set_step_status(
        &self,
        club_id: i64,
        occurrence_start: DateTime<Utc>,
        step: &str,
        status: &str,
    ) -> Result<()>;
    /// The status of a step, `None` when unclaimed.
    async fn jc_step_status(
        &self,
        club_id: i64,
        occurrence_start: DateTime<Utc>,
        step: &str,
    ) -> Result<Option<String>>;

    // ---- threads and participation ----
    /// Records the thread key of a session (before the adapter opens it).
    async fn jc_insert_thread(
        &self,
        scope: &Scope,
        key: &str,
        club_id: i64,
        session_start: DateTime<Utc>,
    ) -> Result<()>;
    /// Records the platform id for a key (a session thread, or any key an adapter maps).
    async fn jc_set_thread_id(&self, scope: &Scope, key: &str, thread: &ChannelId) -> Result<()>;
    /// A thread by key.
    async fn jc_thread_by_key(&self, scope: &Scope, key: &str) -> Result<Option<ThreadRecord>>;
    /// An open (not closed) thread by its platform id.
    async fn jc_open_thread_by_id(
        &self,
        scope: &Scope,
        thread: &ChannelId,
    ) -> Result<Option<ThreadRecord>>;
    /// Marks a thread closed.
    async fn jc_close_thread(&self, scope: &Scope, key: &str) -> Result<()>;
    /// Adds one to a member's message count for a session.
    async fn jc_count_message(
        &self,
        club_id: i64,
        session_start: DateTime<Utc>,
        user: &UserId,
    ) -> Result<()>;
    /// `(distinct members, messages)` counted for a session.
    async fn jc_participation(
        &self,
        club_id: i64,
        session_start: DateTime<Utc>,
    ) -> Result<(u32, u32)>;
    /// Held sessions (open or closed) a member joined or posted in, newest first.
    async fn jc_attendance(&self, club_id: i64, user: &UserId) -> Result<Vec<AttendanceRecord>>;
}

/// Columns of `jc_clubs` in the order [`club_from_parts`] reads them.
macro_rules! jc_club_columns {
    () => {
        "id, platform, guild_id, weekday, local_time, timezone, duration_min, announce_lead_min, reminder_leads_min, archive_after_min, grace_min, channel_id, questions, active_since"
    };
}
pub(crate) use jc_club_columns;

/// Columns of `jc_papers` in the order [`paper_from_parts`] reads them.
macro_rules! jc_paper_columns {
    () => {
        "id, club_id, paper_key, title, authors, journal, year, doi, pmid, open_access_url, meta_found, suggested_by, why, suggested_at, status, session_start"
    };
}
pub(crate) use jc_paper_columns;

/// Raw `jc_clubs` values, decoded by [`club_from_parts`].
pub(crate) struct ClubRow {
    pub id: i64,
    pub platform: String,
    pub guild: String,
    pub weekday: i64,
    pub local_time: String,
    pub timezone: String,
    pub duration_min: i64,
    pub announce_lead_min: i64,
    pub reminder_leads_min: String,
    pub archive_after_min: i64,
    pub grace_min: i64,
    pub channel: String,
    pub questions: Option<String>,
    pub active_since: i64,
}

/// Stored form of a club's settings: `(weekday, local_time, tz, reminders, questions)`.
pub(crate) fn club_to_parts(club: &ClubRecord) -> (i64, String, String, String, Option<String>) {
    let s = &club.schedule;
    let reminders = s
        .reminder_leads
        .iter()
        .map(|d| d.num_minutes().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let questions = if club.questions.is_empty() {
        None
    } else {
        Some(club.questions.join("\n"))
    };
    (
        i64::from(s.weekday.num_days_from_monday()),
        s.local_time.format("%H:%M").to_string(),
        s.timezone.name().to_owned(),
        reminders,
        questions,
    )
}

pub(crate) fn club_from_parts(r: ClubRow) -> Result<ClubRecord> {
    use anyhow::Context as _;
    use chrono::Duration;
    let platform = crate::domain::Platform::parse(&r.platform)
        .context("jc_clubs.platform holds an unknown platform")?;
    let weekday = u8::try_from(r.weekday)
        .ok()
        .and_then(|n| chrono::Weekday::try_from(n).ok())
        .context("jc_clubs.weekday out of range")?;
    let local_time = chrono::NaiveTime::parse_from_str(&r.local_time, "%H:%M")
        .context("jc_clubs.local_time unreadable")?;
    let timezone: chrono_tz::Tz = r
        .timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("jc_clubs.timezone unknown"))?;
    let mut reminder_leads = Vec::new();
    for part in r.reminder_leads_min.split(',').filter(|p| !p.is_empty()) {
        let n: i64 = part
            .parse()
            .context("jc_clubs.reminder_leads_min unreadable")?;
        reminder_leads.push(Duration::minutes(n));
    }
    Ok(ClubRecord {
        id: r.id,
        scope: Scope {
            platform,
            guild: crate::domain::GuildId(r.guild),
        },
        schedule: ClubSchedule {
            weekday,
            local_time,
            timezone,
            duration: Duration::minutes(r.duration_min),
            announce_lead: Duration::minutes(r.announce_lead_min),
            reminder_leads,
            archive_after: Duration::minutes(r.archive_after_min),
            grace: Duration::minutes(r.grace_min),
        },
        channel: ChannelId(r.channel),
        questions: r
            .questions
            .map(|q| q.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        active_since: super::from_millis(r.active_since),
    })
}

/// Raw `jc_papers` values, decoded by [`paper_from_parts`].
pub(crate) struct PaperRow {
    pub id: i64,
    pub club_id: i64,
    pub key: String,
    pub title: String,
    pub authors: String,
    pub journal: Option<String>,
    pub year: Option<i64>,
    pub doi: Option<String>,
    pub pmid: Option<i64>,
    pub open_access_url: Option<String>,
    pub meta_found: bool,
    pub suggested_by: String,
    pub why: Option<String>,
    pub suggested_at: i64,
    pub status: String,
    pub session_start: Option<i64>,
}

pub(crate) fn paper_from_parts(r: PaperRow) -> Result<PaperRecord> {
    use anyhow::Context as _;
    let paper =
        PaperId::parse(&r.key).map_err(|_| anyhow::anyhow!("jc_papers.paper_key unreadable"))?;
    Ok(PaperRecord {
        id: r.id,
        club_id: r.club_id,
        paper,
        meta: PaperMeta {
            title: r.title,
            authors: r
                .authors
                .lines()
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
            journal: r.journal,
            year: r.year.and_then(|y| i32::try_from(y).ok()),
            doi: r.doi,
            pmid: r.pmid.and_then(|p| u64::try_from(p).ok()),
            open_access_url: r.open_access_url,
        },
        meta_found: r.meta_found,
        suggested_by: UserId(r.suggested_by),
        why: r.why,
        suggested_at: super::from_millis(r.suggested_at),
        status: PaperStatus::parse(&r.status).context("jc_papers.status unknown")?,
        session_start: r.session_start.map(super::from_millis),
    })
}

pub(crate) fn session_from_parts(
    club_id: i64,
    start: i64,
    end: i64,
    paper_id: Option<i64>,
    status: &str,
) -> Result<SessionRecord> {
    Ok(SessionRecord {
        club_id,
        start: super::from_millis(start),
        end: super::from_millis(end),
        paper_id,
        status: SessionStatus::parse(status)
            .ok_or_else(|| anyhow::anyhow!("jc_sessions.status unknown"))?,
    })
}

/// Implements [`JournalClubStore`] for a struct with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_journal_club_store {
    ($ty:ty, $db:ty) => {
        impl $ty {
            fn jc_read_club(row: &<$db as sqlx::Database>::Row) -> anyhow::Result<$crate::store::ClubRecord> {
                use sqlx::Row as _;
                $crate::store::journal_club::club_from_parts($crate::store::journal_club::ClubRow {
                    id: row.try_get(0)?,
                    platform: row.try_get(1)?,
                    guild: row.try_get(2)?,
                    weekday: row.try_get(3)?,
                    local_time: row.try_get(4)?,
                    timezone: row.try_get(5)?,
                    duration_min: row.try_get(6)?,
                    announce_lead_min: row.try_get(7)?,
                    reminder_leads_min: row.try_get(8)?,
                    archive_after_min: row.try_get(9)?,
                    grace_min: row.try_get(10)?,
                    channel: row.try_get(11)?,
                    questions: row.try_get(12)?,
                    active_since: row.try_get(13)?,
                })
            }

            fn jc_read_paper(
                row: &<$db as sqlx::Database>::Row,
                offset: usize,
            ) -> anyhow::Result<$crate::store::PaperRecord> {
                use sqlx::Row as _;
                let o = offset;
                $crate::store::journal_club::paper_from_parts($crate::store::journal_club::PaperRow {
                    id: row.try_get(o)?,
                    club_id: row.try_get(o + 1)?,
                    key: row.try_get(o + 2)?,
                    title: row.try_get(o + 3)?,
                    authors: row.try_get(o + 4)?,
                    journal: row.try_get(o + 5)?,
                    year: row.try_get(o + 6)?,
                    doi: row.try_get(o + 7)?,
                    pmid: row.try_get(o + 8)?,
                    open_access_url: row.try_get(o + 9)?,
                    meta_found: row.try_get(o + 10)?,
                    suggested_by: row.try_get(o + 11)?,
                    why: row.try_get(o + 12)?,
                    suggested_at: row.try_get(o + 13)?,
                    status: row.try_get(o + 14)?,
                    session_start: row.try_get(o + 15)?,
                })
            }

            fn jc_read_session(row: &<$db as sqlx::Database>::Row) -> anyhow::Result<$crate::store::SessionRecord> {
                use sqlx::Row as _;
                let status: String = row.try_get(4)?;
                $crate::store::journal_club::session_from_parts(
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    &status,
                )
            }

            fn jc_read_thread(row: &<$db as sqlx::Database>::Row) -> anyhow::Result<$crate::store::ThreadRecord> {
                use sqlx::Row as _;
                Ok($crate::store::ThreadRecord {
                    key: row.try_get(0)?,
                    club_id: row.try_get(1)?,
                    session_start: row.try_get::<Option<i64>, _>(2)?.map($crate::store::from_millis),
                    thread: row.try_get::<Option<String>, _>(3)?.map($crate::domain::ChannelId),
                    closed: row.try_get(4)?,
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::JournalClubStore for $ty {
            async fn jc_ensure_club(
                &self,
                scope: &$crate::domain::Scope,
                defaults: &$crate::store::ClubRecord,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<$crate::store::ClubRecord> {
                let (weekday, local_time, tz, reminders, questions) =
                    $crate::store::journal_club::club_to_parts(defaults);
                let s = &defaults.schedule;
                let now = $crate::store::to_millis(at);
                sqlx::query(
                    "INSERT INTO jc_clubs (platform, guild_id, weekday, local_time, timezone, duration_min, announce_lead_min,
                     reminder_leads_min, archive_after_min, grace_min, channel_id, questions, active_since, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13)
                     ON CONFLICT (platform, guild_id) DO NOTHING",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(weekday)
                .bind(local_time)
                .bind(tz)
                .bind(s.duration.num_minutes())
                .bind(s.announce_lead.num_minutes())
                .bind(reminders)
                .bind(s.archive_after.num_minutes())
                .bind(s.grace.num_minutes())
                .bind(defaults.channel.as_str())
                .bind(questions)
                .bind(now)
                .execute(&self.pool)
                .await?;
                self.jc_club(scope)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("journal club row missing after insert"))
            }

            async fn jc_club(
                &self,
                scope: &$crate::domain::Scope,
            ) -> anyhow::Result<Option<$crate::store::ClubRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::journal_club::jc_club_columns!(),
                    " FROM jc_clubs WHERE platform = $1 AND guild_id = $2"
                ))
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::jc_read_club).transpose()
            }

            async fn jc_club_by_id(&self, id: i64) -> anyhow::Result<Option<$crate::store::ClubRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::journal_club::jc_club_columns!(),
                    " FROM jc_clubs WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::jc_read_club).transpose()
            }

            async fn jc_clubs(&self) -> anyhow::Result<Vec<$crate::store::ClubRecord>> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::journal_club::jc_club_columns!(),
                    " FROM jc_clubs ORDER BY id"
                ))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::jc_read_club).collect()
            }

            async fn jc_update_club(
                &self,
                club: &$crate::store::ClubRecord,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                let (weekday, local_time, tz, reminders, questions) =
                    $crate::store::journal_club::club_to_parts(club);
                let s = &club.schedule;
                sqlx::query(
                    "UPDATE jc_clubs SET weekday = $1, local_time = $2, timezone = $3, duration_min = $4,
                     announce_lead_min = $5, reminder_leads_min = $6, archive_after_min = $7, grace_min = $8,
                     channel_id = $9, questions = $10, active_since = $11, updated_at = $12 WHERE id = $13",
                )
                .bind(weekday)
                .bind(local_time)
                .bind(tz)
                .bind(s.duration.num_minutes())
                .bind(s.announce_lead.num_minutes())
                .bind(reminders)
                .bind(s.archive_after.num_minutes())
                .bind(s.grace.num_minutes())
                .bind(club.channel.as_str())
                .bind(questions)
                .bind($crate::store::to_millis(club.active_since))
                .bind($crate::store::to_millis(at))
                .bind(club.id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn jc_insert_paper(
                &self,
                p: &$crate::store::NewPaper,
            ) -> anyhow::Result<Option<$crate::store::PaperRecord>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "INSERT INTO jc_papers (club_id, paper_key, title, authors, journal, year, doi, pmid, open_access_url,
                     meta_found, suggested_by, why, suggested_at, status)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'queued')
                     ON CONFLICT (club_id, paper_key) DO NOTHING RETURNING id",
                )
                .bind(p.club_id)
                .bind(p.paper.key())
                .bind(p.meta.title.as_str())
                .bind(p.meta.authors.join("\n"))
                .bind(p.meta.journal.as_deref())
                .bind(p.meta.year.map(i64::from))
                .bind(p.meta.doi.as_deref())
                .bind(p.meta.pmid.and_then(|n| i64::try_from(n).ok()))
                .bind(p.meta.open_access_url.as_deref())
                .bind(p.meta_found)
                .bind(p.suggested_by.as_str())
                .bind(p.why.as_deref())
                .bind($crate::store::to_millis(p.at))
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => {
                        let id: i64 = row.try_get(0)?;
                        self.jc_paper(id).await
                    }
                }
            }

            async fn jc_paper(&self, id: i64) -> anyhow::Result<Option<$crate::store::PaperRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::journal_club::jc_paper_columns!(),
                    " FROM jc_papers WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(|r| Self::jc_read_paper(r, 0)).transpose()
            }

            async fn jc_paper_by_key(
                &self,
                club_id: i64,
                key: &str,
            ) -> anyhow::Result<Option<$crate::store::PaperRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::journal_club::jc_paper_columns!(),
                    " FROM jc_papers WHERE club_id = $1 AND paper_key = $2"
                ))
                .bind(club_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(|r| Self::jc_read_paper(r, 0)).transpose()
            }

            async fn jc_queue(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Vec<$crate::store::QueuedPaper>> {
                use sqlx::Row as _;
                let rows = sqlx::query(concat!(
                    "SELECT (SELECT COUNT(*) FROM jc_votes v WHERE v.paper_id = jc_papers.id AND v.session_start = $2) AS votes, ",
                    $crate::store::journal_club::jc_paper_columns!(),
                    " FROM jc_papers WHERE club_id = $1 AND status = 'queued'
                     ORDER BY votes DESC, suggested_at ASC, id ASC"
                ))
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let votes: i64 = row.try_get(0)?;
                    out.push($crate::store::QueuedPaper {
                        paper: Self::jc_read_paper(row, 1)?,
                        votes: u32::try_from(votes).unwrap_or(u32::MAX),
                    });
                }
                Ok(out)
            }

            async fn jc_delete_paper(&self, id: i64) -> anyhow::Result<()> {
                sqlx::query("DELETE FROM jc_votes WHERE paper_id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                sqlx::query("DELETE FROM jc_papers WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn jc_set_paper_status(
                &self,
                id: i64,
                status: $crate::store::PaperStatus,
                session_start: Option<chrono::DateTime<chrono::Utc>>,
            ) -> anyhow::Result<()> {
                sqlx::query("UPDATE jc_papers SET status = $1, session_start = $2 WHERE id = $3")
                    .bind(status.as_str())
                    .bind(session_start.map($crate::store::to_millis))
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn jc_cast_vote(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
                user: &$crate::domain::UserId,
                paper_id: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Option<i64>> {
                use sqlx::Row as _;
                let start = $crate::store::to_millis(session_start);
                let before = sqlx::query(
                    "SELECT paper_id FROM jc_votes WHERE club_id = $1 AND session_start = $2 AND user_id = $3",
                )
                .bind(club_id)
                .bind(start)
                .bind(user.as_str())
                .fetch_optional(&self.pool)
                .await?;
                let before: Option<i64> = match before {
                    Some(row) => Some(row.try_get(0)?),
                    None => None,
                };
                sqlx::query(
                    "INSERT INTO jc_votes (club_id, session_start, user_id, paper_id, voted_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (club_id, session_start, user_id) DO UPDATE SET paper_id = excluded.paper_id, voted_at = excluded.voted_at",
                )
                .bind(club_id)
                .bind(start)
                .bind(user.as_str())
                .bind(paper_id)
                .bind($crate::store::to_millis(at))
                .execute(&self.pool)
                .await?;
                Ok(before)
            }

            async fn jc_join(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
                user: &$crate::domain::UserId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<bool> {
                let res = sqlx::query(
                    "INSERT INTO jc_rsvps (club_id, session_start, user_id, joined_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (club_id, session_start, user_id) DO NOTHING",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .bind(user.as_str())
                .bind($crate::store::to_millis(at))
                .execute(&self.pool)
                .await?;
                Ok(res.rows_affected() == 1)
            }

            async fn jc_leave(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
                user: &$crate::domain::UserId,
            ) -> anyhow::Result<bool> {
                let res = sqlx::query(
                    "DELETE FROM jc_rsvps WHERE club_id = $1 AND session_start = $2 AND user_id = $3",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .bind(user.as_str())
                .execute(&self.pool)
                .await?;
                Ok(res.rows_affected() > 0)
            }

            async fn jc_rsvps(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Vec<$crate::domain::UserId>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT user_id FROM jc_rsvps WHERE club_id = $1 AND session_start = $2 ORDER BY joined_at, user_id",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok($crate::domain::UserId(r.try_get(0)?)))
                    .collect()
            }

            async fn jc_insert_session(
                &self,
                s: &$crate::store::SessionRecord,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<bool> {
                let res = sqlx::query(
                    "INSERT INTO jc_sessions (club_id, start_at, end_at, paper_id, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (club_id, start_at) DO NOTHING",
                )
                .bind(s.club_id)
                .bind($crate::store::to_millis(s.start))
                .bind($crate::store::to_millis(s.end))
                .bind(s.paper_id)
                .bind(s.status.as_str())
                .bind($crate::store::to_millis(at))
                .execute(&self.pool)
                .await?;
                Ok(res.rows_affected() == 1)
            }

            async fn jc_session(
                &self,
                club_id: i64,
                start: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Option<$crate::store::SessionRecord>> {
                let row = sqlx::query(
                    "SELECT club_id, start_at, end_at, paper_id, status FROM jc_sessions WHERE club_id = $1 AND start_at = $2",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(start))
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::jc_read_session).transpose()
            }

            async fn jc_sessions_between(
                &self,
                club_id: i64,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Vec<$crate::store::SessionRecord>> {
                let rows = sqlx::query(
                    "SELECT club_id, start_at, end_at, paper_id, status FROM jc_sessions
                     WHERE club_id = $1 AND start_at >= $2 AND start_at < $3 ORDER BY start_at",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(from))
                .bind($crate::store::to_millis(to))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::jc_read_session).collect()
            }

            async fn jc_set_session_status(
                &self,
                club_id: i64,
                start: chrono::DateTime<chrono::Utc>,
                status: $crate::store::SessionStatus,
            ) -> anyhow::Result<()> {
                sqlx::query("UPDATE jc_sessions SET status = $1 WHERE club_id = $2 AND start_at = $3")
                    .bind(status.as_str())
                    .bind(club_id)
                    .bind($crate::store::to_millis(start))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn jc_set_session_paper(
                &self,
                club_id: i64,
                start: chrono::DateTime<chrono::Utc>,
                paper_id: Option<i64>,
            ) -> anyhow::Result<()> {
                sqlx::query("UPDATE jc_sessions SET paper_id = $1 WHERE club_id = $2 AND start_at = $3")
                    .bind(paper_id)
                    .bind(club_id)
                    .bind($crate::store::to_millis(start))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn jc_claim_step(
                &self,
                club_id: i64,
                occurrence_start: chrono::DateTime<chrono::Utc>,
                step: &str,
                status: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<bool> {
                let res = sqlx::query(
                    "INSERT INTO jc_steps (club_id, occurrence_start, step, status, claimed_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (club_id, occurrence_start, step) DO NOTHING",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(occurrence_start))
                .bind(step)
                .bind(status)
                .bind($crate::store::to_millis(at))
                .execute(&self.pool)
                .await?;
                Ok(res.rows_affected() == 1)
            }

            async fn jc_release_step(
                &self,
                club_id: i64,
                occurrence_start: chrono::DateTime<chrono::Utc>,
                step: &str,
            ) -> anyhow::Result<()> {
                sqlx::query("DELETE FROM jc_steps WHERE club_id = $1 AND occurrence_start = $2 AND step = $3")
                    .bind(club_id)
                    .bind($crate::store::to_millis(occurrence_start))
                    .bind(step)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn jc_set_step_status(
                &self,
                club_id: i64,
                occurrence_start: chrono::DateTime<chrono::Utc>,
                step: &str,
                status: &str,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "UPDATE jc_steps SET status = $1 WHERE club_id = $2 AND occurrence_start = $3 AND step = $4",
                )
                .bind(status)
                .bind(club_id)
                .bind($crate::store::to_millis(occurrence_start))
                .bind(step)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn jc_step_status(
                &self,
                club_id: i64,
                occurrence_start: chrono::DateTime<chrono::Utc>,
                step: &str,
            ) -> anyhow::Result<Option<String>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT status FROM jc_steps WHERE club_id = $1 AND occurrence_start = $2 AND step = $3",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(occurrence_start))
                .bind(step)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get(0)?),
                    None => None,
                })
            }

            async fn jc_insert_thread(
                &self,
                scope: &$crate::domain::Scope,
                key: &str,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO jc_threads (platform, guild_id, thread_key, club_id, session_start, closed)
                     VALUES ($1, $2, $3, $4, $5, FALSE)
                     ON CONFLICT (platform, guild_id, thread_key) DO UPDATE SET club_id = excluded.club_id, session_start = excluded.session_start",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(key)
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn jc_set_thread_id(
                &self,
                scope: &$crate::domain::Scope,
                key: &str,
                thread: &$crate::domain::ChannelId,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO jc_threads (platform, guild_id, thread_key, thread_id, closed) VALUES ($1, $2, $3, $4, FALSE)
                     ON CONFLICT (platform, guild_id, thread_key) DO UPDATE SET thread_id = excluded.thread_id",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(key)
                .bind(thread.as_str())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn jc_thread_by_key(
                &self,
                scope: &$crate::domain::Scope,
                key: &str,
            ) -> anyhow::Result<Option<$crate::store::ThreadRecord>> {
                let row = sqlx::query(
                    "SELECT thread_key, club_id, session_start, thread_id, closed FROM jc_threads
                     WHERE platform = $1 AND guild_id = $2 AND thread_key = $3",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::jc_read_thread).transpose()
            }

            async fn jc_open_thread_by_id(
                &self,
                scope: &$crate::domain::Scope,
                thread: &$crate::domain::ChannelId,
            ) -> anyhow::Result<Option<$crate::store::ThreadRecord>> {
                let row = sqlx::query(
                    "SELECT thread_key, club_id, session_start, thread_id, closed FROM jc_threads
                     WHERE platform = $1 AND guild_id = $2 AND thread_id = $3 AND closed = FALSE AND club_id IS NOT NULL",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(thread.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::jc_read_thread).transpose()
            }

            async fn jc_close_thread(&self, scope: &$crate::domain::Scope, key: &str) -> anyhow::Result<()> {
                sqlx::query(
                    "UPDATE jc_threads SET closed = TRUE WHERE platform = $1 AND guild_id = $2 AND thread_key = $3",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(key)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn jc_count_message(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
                user: &$crate::domain::UserId,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO jc_participation (club_id, session_start, user_id, messages) VALUES ($1, $2, $3, 1)
                     ON CONFLICT (club_id, session_start, user_id) DO UPDATE SET messages = jc_participation.messages + 1",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .bind(user.as_str())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn jc_participation(
                &self,
                club_id: i64,
                session_start: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<(u32, u32)> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM jc_participation WHERE club_id = $1 AND session_start = $2",
                )
                .bind(club_id)
                .bind($crate::store::to_millis(session_start))
                .fetch_one(&self.pool)
                .await?;
                let members: i64 = row.try_get(0)?;
                let messages: i64 = row.try_get(1)?;
                Ok((
                    u32::try_from(members).unwrap_or(u32::MAX),
                    u32::try_from(messages).unwrap_or(u32::MAX),
                ))
            }

            async fn jc_attendance(
                &self,
                club_id: i64,
                user: &$crate::domain::UserId,
            ) -> anyhow::Result<Vec<$crate::store::AttendanceRecord>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT s.start_at, s.paper_id,
                       (SELECT COUNT(*) FROM jc_rsvps r WHERE r.club_id = s.club_id AND r.session_start = s.start_at AND r.user_id = $2),
                       (SELECT COALESCE(MAX(m.messages), 0) FROM jc_participation m
                          WHERE m.club_id = s.club_id AND m.session_start = s.start_at AND m.user_id = $2)
                     FROM jc_sessions s
                     WHERE s.club_id = $1 AND s.status IN ('open', 'closed')
                     ORDER BY s.start_at DESC",
                )
                .bind(club_id)
                .bind(user.as_str())
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for row in &rows {
                    let joined: i64 = row.try_get(2)?;
                    let messages: i64 = row.try_get(3)?;
                    if joined == 0 && messages == 0 {
                        continue;
                    }
                    let paper_id: Option<i64> = row.try_get(1)?;
                    let paper = match paper_id {
                        Some(id) => self.jc_paper(id).await?,
                        None => None,
                    };
                    out.push($crate::store::AttendanceRecord {
                        session_start: $crate::store::from_millis(row.try_get(0)?),
                        paper,
                        joined: joined > 0,
                        messages: u32::try_from(messages).unwrap_or(u32::MAX),
                    });
                }
                Ok(out)
            }
        }
    };
}

pub(crate) use impl_journal_club_store;
