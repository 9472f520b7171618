//! The journal club's commands and queries: `/jc …`, message counting in session threads,
//! thread-key mappings for adapters, the calendar feed and the occurrences report.
//!
//! Job: turn a [`JcCommand`] from any platform into [`BotAction`]s, using the store for state,
//! [`MetadataClient`] for paper details and the pure building blocks (paper ids, schedule,
//! render, ics). The clock-driven part lives in [`super::scheduler`].
//!
//! Invariants:
//! - A club is created on first use in a community, with the default schedule and the
//!   configured discussion channel (else the channel of that first command).
//! - Errors a member caused are [`BotError::User`] with safe text; everything else is internal.
//! - Tracing records ids and counts only: never message text, paper notes ("why") or titles.
//! - Votes count for the *voting session*: the first upcoming session not yet announced. One
//!   vote per member per session; voting again moves it.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use tracing::{info, instrument};

use super::ics::{self, IcsSession};
use super::metadata::{MetadataClient, MetadataConfig, PaperMeta};
use super::paper::PaperId;
use super::render::{self, TimeStyle};
use super::schedule::{self, ClubSchedule, Occurrence, Step};
use crate::commands::JcCommand;
use crate::config::Settings;
use crate::domain::{
    BotAction, ChannelId, IncomingMessage, Invocation, MessageBody, Platform, Scope, UserId,
};
use crate::error::{BotError, UserError};
use crate::store::{
    ClubRecord, NewPaper, PaperRecord, PaperStatus, QueuedPaper, SessionRecord, SessionStatus,
    SharedStore,
};

/// The club's display name in posts.
pub const CLUB_NAME: &str = "Journal club";
/// The console's default discussion channel.
pub const CONSOLE_CHANNEL: &str = "journal-club";
/// Longest "why" note kept, in characters.
pub const MAX_WHY_CHARS: usize = 500;
/// How many upcoming sessions the calendar feed lists.
pub const CALENDAR_SESSIONS: usize = 8;

/// What the journal club needs: the store, the paper lookup client and the settings.
#[derive(Clone)]
pub struct JcContext {
    /// Storage (both backends).
    pub store: SharedStore,
    /// Paper lookups (Crossref / PubMed), with the configured timeout.
    pub metadata: MetadataClient,
    /// The bot's settings.
    pub settings: Arc<Settings>,
}

impl JcContext {
    /// Builds the context from the settings (metadata endpoints, timeout, contact address).
    pub fn new(store: SharedStore, settings: &Settings) -> anyhow::Result<JcContext> {
        let jc = &settings.journal_club;
        let config = MetadataConfig {
            crossref_base_url: jc.crossref_base_url.clone(),
            eutils_base_url: jc.eutils_base_url.clone(),
            timeout: std::time::Duration::from_secs(jc.lookup_timeout_secs.max(1)),
            ..MetadataConfig::new(settings.bot.contact_email.clone())
        };
        Ok(JcContext {
            store,
            metadata: MetadataClient::new(config)?,
            settings: Arc::new(settings.clone()),
        })
    }

    /// Builds the context from parts (tests pass a client pointed at a local fake server).
    pub fn with_metadata(
        store: SharedStore,
        settings: Arc<Settings>,
        metadata: MetadataClient,
    ) -> JcContext {
        JcContext {
            store,
            metadata,
            settings,
        }
    }
}

// ---- shared helpers (also used by the scheduler) ----

/// The stable key of an occurrence: `jc:<club>:<start, RFC 3339 UTC>`. Used for threads and
/// scheduled events.
pub fn occurrence_key(club_id: i64, start: DateTime<Utc>) -> String {
    format!("jc:{club_id}:{}", start.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// How times are shown on a platform.
pub(crate) fn time_style(platform: Platform) -> TimeStyle {
    match platform {
        Platform::Discord => TimeStyle::DiscordTimestamps,
        Platform::Matrix | Platform::Console => TimeStyle::ClubZone,
    }
}

/// A member mention as text; the adapter allows exactly the ids in `MessageBody::mentions`.
pub(crate) fn mention_text(platform: Platform, user: &UserId) -> String {
    match platform {
        Platform::Discord => format!("<@{}>", user.as_str()),
        Platform::Matrix => user.as_str().to_owned(),
        Platform::Console => format!("@{}", user.as_str()),
    }
}

/// The command prefix members type on a platform.
pub(crate) fn command_prefix(platform: Platform) -> &'static str {
    match platform {
        Platform::Matrix => "!",
        Platform::Discord | Platform::Console => "/",
    }
}

/// The title of a paper, or its identifier when the lookup failed.
pub(crate) fn paper_label(paper: &PaperRecord) -> String {
    let title = paper.meta.title.trim();
    if title.is_empty() {
        paper.paper.to_string()
    } else {
        title.to_owned()
    }
}

/// The card shown for a paper (title, authors, journal, links).
pub(crate) fn paper_card(paper: &PaperRecord) -> String {
    render::paper_card(Some(&paper.meta), &paper.paper)
}

/// The configured discussion channel for a community, else `fallback`.
pub fn default_channel(settings: &Settings, scope: &Scope, fallback: &ChannelId) -> ChannelId {
    let configured = match scope.platform {
        Platform::Discord => settings.discord.journal_club_channel_id.clone(),
        Platform::Matrix => settings.matrix.journal_club_room.clone(),
        Platform::Console => Some(CONSOLE_CHANNEL.to_owned()),
    };
    configured
        .filter(|c| !c.trim().is_empty())
        .map(ChannelId)
        .unwrap_or_else(|| fallback.clone())
}

/// The community's club, created with the defaults on first use.
pub async fn ensure_club(
    ctx: &JcContext,
    scope: &Scope,
    fallback_channel: &ChannelId,
    now: DateTime<Utc>,
) -> anyhow::Result<ClubRecord> {
    let defaults = ClubRecord {
        id: 0,
        scope: scope.clone(),
        schedule: ClubSchedule::default(),
        channel: default_channel(&ctx.settings, scope, fallback_channel),
        questions: Vec::new(),
        active_since: now,
    };
    ctx.store.jc_ensure_club(scope, &defaults, now).await
}

/// Whether the session of an occurrence was skipped.
pub(crate) async fn is_skipped(
    ctx: &JcContext,
    club: &ClubRecord,
    occ: &Occurrence,
) -> anyhow::Result<bool> {
    Ok(ctx
        .store
        .jc_session(club.id, occ.start_utc)
        .await?
        .is_some_and(|s| s.status == SessionStatus::Skipped))
}

/// The next session members can join: the running one, else the next not skipped.
pub(crate) async fn next_session(
    ctx: &JcContext,
    club: &ClubRecord,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Occurrence>> {
    let from = now - club.schedule.duration;
    for occ in club.schedule.occurrences_from(from, 12) {
        if occ.end_utc <= now {
            continue;
        }
        if !is_skipped(ctx, club, &occ).await? {
            return Ok(Some(occ));
        }
    }
    Ok(None)
}

/// The session votes count for: the first upcoming one whose announcement is not claimed.
pub(crate) async fn voting_session(
    ctx: &JcContext,
    club: &ClubRecord,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Occurrence>> {
    for occ in club.schedule.occurrences_from(now, 12) {
        let announce = ctx
            .store
            .jc_step_status(club.id, occ.start_utc, &Step::Announce.key())
            .await?;
        if announce.is_none() {
            return Ok(Some(occ));
        }
    }
    Ok(None)
}

fn no_session() -> BotError {
    BotError::User(UserError::new(
        "I couldn't find an upcoming session in the next few months. An admin can check the \
         schedule with `jc schedule`.",
    ))
}

// ---- commands ----

/// Runs one `/jc …` command.
#[instrument(skip_all, fields(platform = %inv.scope.platform))]
pub async fn handle_command(
    ctx: &JcContext,
    inv: &Invocation,
    cmd: JcCommand,
) -> Result<Vec<BotAction>, BotError> {
    let club = ensure_club(ctx, &inv.scope, &inv.channel, inv.at).await?;
    match cmd {
        JcCommand::Suggest { paper, why } => suggest(ctx, inv, &club, &paper, &why).await,
        JcCommand::Queue => queue(ctx, inv, &club).await,
        JcCommand::Vote { paper } => vote(ctx, inv, &club, &paper).await,
        JcCommand::Withdraw { paper } => withdraw(ctx, inv, &club, &paper).await,
        JcCommand::Join => join(ctx, inv, &club).await,
        JcCommand::Leave => leave(ctx, inv, &club).await,
        JcCommand::Next => next(ctx, inv, &club).await,
        JcCommand::Skip => skip(ctx, inv, &club).await,
        JcCommand::Schedule {
            day,
            time,
            tz,
            duration,
            channel,
            announce,
            reminders,
            archive_after,
            questions,
        } => {
            let change = ScheduleChange {
                day,
                time,
                tz,
                duration,
                channel,
                announce,
                reminders,
                archive_after,
                questions: questions.map(|words| words.join(" ")),
            };
            set_schedule(ctx, inv, club, change).await
        }
        JcCommand::Attendance => attendance(ctx, inv, &club).await,
    }
}

async fn suggest(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
    input: &str,
    why: &[String],
) -> Result<Vec<BotAction>, BotError> {
    let id = PaperId::parse(input).map_err(|e| BotError::User(UserError::new(e.to_string())))?;
    if let Some(existing) = ctx.store.jc_paper_by_key(club.id, &id.key()).await? {
        return Ok(vec![BotAction::private(
            already_suggested(ctx, inv, club, &existing).await?,
        )]);
    }
    let (meta, found, note) = match ctx.metadata.fetch(&id).await {
        Ok(meta) => (meta, true, None),
        Err(e) => {
            info!(
                paper_kind = id_kind(&id),
                "paper lookup failed; keeping the suggestion"
            );
            let meta = PaperMeta {
                doi: match &id {
                    PaperId::Doi(d) => Some(d.clone()),
                    PaperId::Pmid(_) => None,
                },
                pmid: match &id {
                    PaperId::Pmid(p) => Some(*p),
                    PaperId::Doi(_) => None,
                },
                ..PaperMeta::default()
            };
            (meta, false, Some(e.to_string()))
        }
    };
    let why: String = why.join(" ").trim().chars().take(MAX_WHY_CHARS).collect();
    let new = NewPaper {
        club_id: club.id,
        paper: id.clone(),
        meta,
        meta_found: found,
        suggested_by: inv.user.clone(),
        why: (!why.is_empty()).then_some(why),
        at: inv.at,
    };
    let Some(paper) = ctx.store.jc_insert_paper(&new).await? else {
        // Someone suggested the same paper while we were looking it up.
        let existing = ctx
            .store
            .jc_paper_by_key(club.id, &id.key())
            .await?
            .context("paper vanished after a duplicate insert")?;
        return Ok(vec![BotAction::private(
            already_suggested(ctx, inv, club, &existing).await?,
        )]);
    };
    let voting = voting_session(ctx, club, inv.at).await?;
    let position = match voting {
        Some(occ) => ctx
            .store
            .jc_queue(club.id, occ.start_utc)
            .await?
            .iter()
            .position(|q| q.paper.id == paper.id)
            .map(|i| i + 1),
        None => None,
    };
    info!(club = club.id, paper = paper.id, found, "paper suggested");
    let prefix = command_prefix(inv.scope.platform);
    let mut text = format!(
        "📄 New suggestion for the journal club:\n{}",
        paper_card(&paper)
    );
    if let Some(n) = position {
        text.push_str(&format!(
            "\n\nIt's number {n} in the queue: vote for it with `{prefix}jc vote {n}`."
        ));
    }
    if let Some(note) = note {
        text.push_str(&format!(
            "\n\n{note} I've kept the suggestion with the identifier you gave."
        ));
    }
    Ok(vec![BotAction::public(text)])
}

fn id_kind(id: &PaperId) -> &'static str {
    match id {
        PaperId::Doi(_) => "doi",
        PaperId::Pmid(_) => "pmid",
    }
}

async fn already_suggested(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
    paper: &PaperRecord,
) -> anyhow::Result<String> {
    let label = render::escape_inline(&paper_label(paper));
    let tz = club.schedule.timezone;
    let date = |t: DateTime<Utc>| t.with_timezone(&tz).format("%-d %b %Y").to_string();
    Ok(match (paper.status, paper.session_start) {
        (PaperStatus::Discussed, Some(at)) => {
            format!(
                "**{label}** was already discussed at the session on {}.",
                date(at)
            )
        }
        (PaperStatus::Chosen, Some(at)) => format!(
            "**{label}** is already the paper for the session on {}.",
            render::render_time(at, tz, time_style(inv.scope.platform))
        ),
        _ => {
            let number = match voting_session(ctx, club, inv.at).await? {
                Some(occ) => ctx
                    .store
                    .jc_queue(club.id, occ.start_utc)
                    .await?
                    .iter()
                    .position(|q| q.paper.id == paper.id)
                    .map(|i| i + 1),
                None => None,
            };
            match number {
                Some(n) => format!(
                    "**{label}** is already in the queue (number {n}, suggested {}). You can vote \
                     for it with `{}jc vote {n}`.",
                    date(paper.suggested_at),
                    command_prefix(inv.scope.platform)
                ),
                None => format!("**{label}** has already been suggested."),
            }
        }
    })
}

async fn queue(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
) -> Result<Vec<BotAction>, BotError> {
    let prefix = command_prefix(inv.scope.platform);
    let voting = voting_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let queued = ctx.store.jc_queue(club.id, voting.start_utc).await?;
    let mut text = String::new();
    if let Some(occ) = next_session(ctx, club, inv.at).await?
        && occ.start_utc != voting.start_utc
        && let Some(session) = ctx.store.jc_session(club.id, occ.start_utc).await?
    {
        let when = render::render_time(
            occ.start_utc,
            club.schedule.timezone,
            time_style(inv.scope.platform),
        );
        match session.paper_id {
            Some(id) => {
                if let Some(p) = ctx.store.jc_paper(id).await? {
                    text.push_str(&format!(
                        "Chosen for {when}: **{}**\n\n",
                        render::escape_inline(&paper_label(&p))
                    ));
                }
            }
            None => text.push_str(&format!("{when}: open discussion.\n\n")),
        }
    }
    if queued.is_empty() {
        text.push_str(&format!(
            "The queue is empty. Suggest a paper with `{prefix}jc suggest <DOI or PMID> [why]`."
        ));
        return Ok(vec![BotAction::private(text)]);
    }
    let choose_at = voting.start_utc - club.schedule.announce_lead;
    if choose_at > inv.at {
        let when = render::render_time(
            choose_at,
            club.schedule.timezone,
            time_style(inv.scope.platform),
        );
        text.push_str(&format!(
            "Suggested papers (votes count until the paper is chosen on {when}):\n"
        ));
    } else {
        text.push_str("Suggested papers (the paper for the next session is chosen at the next scheduler step):\n");
    }
    text.push_str(&render_queue(&queued));
    text.push_str(&format!(
        "\n\nVote with `{prefix}jc vote <number>`; the top-voted paper (ties: earliest \
         suggestion) is announced."
    ));
    Ok(vec![BotAction::private(text)])
}

/// Numbered queue lines: `1. **Title** — DOI link — 2 votes`.
pub(crate) fn render_queue(queued: &[QueuedPaper]) -> String {
    queued
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let votes = if q.votes == 1 {
                "1 vote".to_owned()
            } else {
                format!("{} votes", q.votes)
            };
            format!(
                "{}. **{}** — {} — {votes}",
                i + 1,
                render::escape_inline(&paper_label(&q.paper)),
                render::link(&q.paper.paper.to_string(), &q.paper.paper.link()),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Finds a queued paper by queue number, DOI or PMID.
///
/// A number no larger than the queue is a queue number; other numbers are PMIDs.
fn resolve_queued<'a>(queued: &'a [QueuedPaper], input: &str) -> Result<&'a QueuedPaper, BotError> {
    let text = input.trim().trim_start_matches('#');
    if let Ok(n) = text.parse::<usize>()
        && n >= 1
        && n <= queued.len()
    {
        return Ok(&queued[n - 1]);
    }
    let id = PaperId::parse(input).map_err(|_| {
        BotError::User(UserError::new(
            "Give the paper's number in the queue (see `jc queue`), its DOI or its PMID.",
        ))
    })?;
    let key = id.key();
    queued
        .iter()
        .find(|q| q.paper.paper.key() == key)
        .ok_or_else(|| {
            BotError::User(UserError::new(
                "That paper isn't in the queue. See `jc queue` for the suggested papers.",
            ))
        })
}

async fn vote(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
    input: &str,
) -> Result<Vec<BotAction>, BotError> {
    let voting = voting_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let queued = ctx.store.jc_queue(club.id, voting.start_utc).await?;
    if queued.is_empty() {
        return crate::error::user_err(
            "There's nothing to vote for yet: the queue is empty. Suggest a paper with `jc suggest`.",
        );
    }
    let target = resolve_queued(&queued, input)?;
    let label = render::escape_inline(&paper_label(&target.paper));
    let before = ctx
        .store
        .jc_cast_vote(
            club.id,
            voting.start_utc,
            &inv.user,
            target.paper.id,
            inv.at,
        )
        .await?;
    info!(
        club = club.id,
        paper = target.paper.id,
        moved = before.is_some(),
        "vote cast"
    );
    let text = match before {
        Some(prev) if prev == target.paper.id => {
            format!("You've already voted for **{label}**.")
        }
        Some(prev) => {
            let from = ctx
                .store
                .jc_paper(prev)
                .await?
                .map(|p| render::escape_inline(&paper_label(&p)))
                .unwrap_or_else(|| "your earlier choice".to_owned());
            format!("Moved your vote from **{from}** to **{label}**.")
        }
        None => format!("Vote recorded for **{label}**."),
    };
    Ok(vec![BotAction::private(text)])
}

async fn withdraw(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
    input: &str,
) -> Result<Vec<BotAction>, BotError> {
    let voting = voting_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let queued = ctx.store.jc_queue(club.id, voting.start_utc).await?;
    let target = match resolve_queued(&queued, input) {
        Ok(t) => t,
        Err(e) => {
            // A chosen or discussed paper can't be withdrawn; say so rather than "not queued".
            if let Ok(id) = PaperId::parse(input)
                && let Some(p) = ctx.store.jc_paper_by_key(club.id, &id.key()).await?
                && p.status != PaperStatus::Queued
            {
                return crate::error::user_err(
                    "That paper has already been chosen for a session, so it can't be withdrawn. \
                     An admin can skip the session instead.",
                );
            }
            return Err(e);
        }
    };
    if target.paper.suggested_by != inv.user && !inv.is_moderator && !inv.is_admin {
        return crate::error::user_err(
            "Only the member who suggested a paper (or a moderator) can withdraw it.",
        );
    }
    ctx.store.jc_delete_paper(target.paper.id).await?;
    info!(club = club.id, paper = target.paper.id, "paper withdrawn");
    Ok(vec![BotAction::private(format!(
        "Withdrawn: **{}**. Its votes were removed.",
        render::escape_inline(&paper_label(&target.paper))
    ))])
}

async fn join(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
) -> Result<Vec<BotAction>, BotError> {
    let occ = next_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let new = ctx
        .store
        .jc_join(club.id, occ.start_utc, &inv.user, inv.at)
        .await?;
    let when = render::render_time(
        occ.start_utc,
        club.schedule.timezone,
        time_style(inv.scope.platform),
    );
    let text = if new {
        let leads: Vec<String> = club
            .schedule
            .reminder_leads
            .iter()
            .map(|d| render::humanize_duration(*d))
            .collect();
        let reminders = if leads.is_empty() {
            String::new()
        } else {
            format!(
                " I'll mention you in the reminders ({} before).",
                leads.join(" and ")
            )
        };
        format!("You're in for the session on {when}.{reminders}")
    } else {
        format!("You've already joined the session on {when}.")
    };
    Ok(vec![BotAction::private(text)])
}

async fn leave(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
) -> Result<Vec<BotAction>, BotError> {
    let occ = next_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let removed = ctx
        .store
        .jc_leave(club.id, occ.start_utc, &inv.user)
        .await?;
    let text = if removed {
        "Your RSVP is cancelled; you won't be mentioned in the reminders."
    } else {
        "You hadn't joined the next session."
    };
    Ok(vec![BotAction::private(text)])
}

async fn next(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
) -> Result<Vec<BotAction>, BotError> {
    let occ = next_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let tz = club.schedule.timezone;
    let style = time_style(inv.scope.platform);
    let prefix = command_prefix(inv.scope.platform);
    let mut text = format!(
        "📚 Next journal club: {} for {}",
        render::render_time(occ.start_utc, tz, style),
        render::humanize_duration(club.schedule.duration)
    );
    if occ.start_utc <= inv.at {
        text.push_str(" (happening now)");
    }
    text.push_str(&format!(
        ", in {}.\n\n",
        channel_ref(inv.scope.platform, &club.channel)
    ));
    match ctx.store.jc_session(club.id, occ.start_utc).await? {
        Some(SessionRecord {
            paper_id: Some(id), ..
        }) => match ctx.store.jc_paper(id).await? {
            Some(p) => {
                text.push_str("Paper:\n");
                text.push_str(&paper_card(&p));
            }
            None => text.push_str("Paper: (no longer available)"),
        },
        Some(_) => text.push_str(
            "No paper was suggested, so it's an open discussion: bring a paper or a question \
             from practice.",
        ),
        None if occ.start_utc - club.schedule.announce_lead > inv.at => text.push_str(&format!(
            "The paper will be chosen on {}: the top-voted suggestion in `{prefix}jc queue`.",
            render::render_time(occ.start_utc - club.schedule.announce_lead, tz, style)
        )),
        None => text.push_str(&format!(
            "The paper will be chosen shortly: the top-voted suggestion in `{prefix}jc queue`."
        )),
    }
    let rsvps = ctx.store.jc_rsvps(club.id, occ.start_utc).await?;
    let joined = rsvps.contains(&inv.user);
    text.push_str(&format!(
        "\n\n{} joined so far{}",
        match rsvps.len() {
            1 => "1 member has".to_owned(),
            n => format!("{n} members have"),
        },
        if joined {
            ", including you.".to_owned()
        } else {
            format!(". Join with `{prefix}jc join`.")
        }
    ));
    Ok(vec![BotAction::private(text)])
}

/// The English name of a weekday (`Sunday`).
pub(crate) fn weekday_name(day: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match day {
        Mon => "Monday",
        Tue => "Tuesday",
        Wed => "Wednesday",
        Thu => "Thursday",
        Fri => "Friday",
        Sat => "Saturday",
        Sun => "Sunday",
    }
}

/// How a channel is referred to in text on a platform.
pub(crate) fn channel_ref(platform: Platform, channel: &ChannelId) -> String {
    match platform {
        Platform::Discord => format!("<#{}>", channel.as_str()),
        Platform::Matrix => channel.as_str().to_owned(),
        Platform::Console => format!("#{}", channel.as_str()),
    }
}

async fn skip(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
) -> Result<Vec<BotAction>, BotError> {
    if !inv.is_admin {
        return crate::error::user_err("Only admins can skip a journal-club session.");
    }
    let occ = next_session(ctx, club, inv.at)
        .await?
        .ok_or_else(no_session)?;
    let open = ctx
        .store
        .jc_step_status(club.id, occ.start_utc, &Step::Open.key())
        .await?;
    if open.as_deref() == Some("done") || open.as_deref() == Some("running") {
        return crate::error::user_err(
            "The next session has already started, so it can't be skipped.",
        );
    }
    let mut skipped_steps = 0;
    for (step, _) in club.schedule.steps_for(&occ) {
        if ctx
            .store
            .jc_claim_step(club.id, occ.start_utc, &step.key(), "skipped", inv.at)
            .await?
        {
            skipped_steps += 1;
        }
    }
    let session = SessionRecord {
        club_id: club.id,
        start: occ.start_utc,
        end: occ.end_utc,
        paper_id: None,
        status: SessionStatus::Skipped,
    };
    if !ctx.store.jc_insert_session(&session, inv.at).await? {
        let existing = ctx.store.jc_session(club.id, occ.start_utc).await?;
        if let Some(paper_id) = existing.and_then(|s| s.paper_id) {
            // The chosen paper goes back to the queue for a later session.
            ctx.store
                .jc_set_paper_status(paper_id, PaperStatus::Queued, None)
                .await?;
            ctx.store
                .jc_set_session_paper(club.id, occ.start_utc, None)
                .await?;
        }
        ctx.store
            .jc_set_session_status(club.id, occ.start_utc, SessionStatus::Skipped)
            .await?;
    }
    info!(club = club.id, skipped_steps, "session skipped");
    let tz = club.schedule.timezone;
    let when = render::render_time(occ.start_utc, tz, time_style(inv.scope.platform));
    let after = next_session(ctx, club, inv.at).await?;
    let mut notice = format!("🚫 The journal club on {when} is cancelled.");
    if let Some(n) = after {
        notice.push_str(&format!(
            " The next session is on {}.",
            render::render_time(n.start_utc, tz, time_style(inv.scope.platform))
        ));
    }
    Ok(vec![
        BotAction::CancelEvent {
            scope: inv.scope.clone(),
            key: occurrence_key(club.id, occ.start_utc),
        },
        BotAction::Post {
            scope: inv.scope.clone(),
            channel: club.channel.clone(),
            body: MessageBody::text(notice),
        },
        BotAction::private(format!("Skipped the session on {when}.")),
    ])
}

/// The fields of `/jc schedule` an admin may change.
struct ScheduleChange {
    day: Option<String>,
    time: Option<String>,
    tz: Option<String>,
    duration: Option<String>,
    channel: Option<String>,
    announce: Option<String>,
    reminders: Option<String>,
    archive_after: Option<String>,
    questions: Option<String>,
}

/// Longest custom question template, in questions and characters per question.
const MAX_QUESTIONS: usize = 10;
const MAX_QUESTION_CHARS: usize = 300;

fn user_schedule_err(e: schedule::ScheduleError) -> BotError {
    BotError::User(UserError::new(e.to_string()))
}

/// Reads a channel argument: an id, `#name` or Discord's `<#id>`.
fn parse_channel(input: &str) -> Result<ChannelId, BotError> {
    let t = input.trim();
    let t = t
        .strip_prefix("<#")
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(t);
    let t = t.trim_start_matches('#');
    if t.is_empty() || t.len() > 200 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return crate::error::user_err(
            "That isn't a channel I can use: give the channel's id or name, without spaces.",
        );
    }
    Ok(ChannelId::new(t))
}

async fn set_schedule(
    ctx: &JcContext,
    inv: &Invocation,
    mut club: ClubRecord,
    change: ScheduleChange,
) -> Result<Vec<BotAction>, BotError> {
    if !inv.is_admin {
        return crate::error::user_err("Only admins can change the journal-club schedule.");
    }
    let mut s = club.schedule.clone();
    if let Some(day) = &change.day {
        s.weekday = schedule::parse_weekday(day).map_err(user_schedule_err)?;
    }
    if let Some(time) = &change.time {
        s.local_time = schedule::parse_time(time).map_err(user_schedule_err)?;
    }
    if let Some(tz) = &change.tz {
        s.timezone = schedule::parse_timezone(tz).map_err(user_schedule_err)?;
    }
    if let Some(d) = &change.duration {
        s.duration = schedule::parse_duration(d).map_err(user_schedule_err)?;
    }
    if let Some(a) = &change.announce {
        s.announce_lead = schedule::parse_lead(a).map_err(user_schedule_err)?;
    }
    if let Some(r) = &change.reminders {
        s.reminder_leads = if r.trim().eq_ignore_ascii_case("none") {
            Vec::new()
        } else {
            let mut leads = r
                .split(',')
                .map(|x| schedule::parse_lead(x.trim()).map_err(user_schedule_err))
                .collect::<Result<Vec<_>, _>>()?;
            leads.sort_by(|a, b| b.cmp(a));
            leads.dedup();
            leads
        };
    }
    if let Some(a) = &change.archive_after {
        s.archive_after = schedule::parse_lead(a).map_err(user_schedule_err)?;
    }
    let questions_changed = match &change.questions {
        None => false,
        Some(q) if q.trim().eq_ignore_ascii_case("default") => {
            club.questions = Vec::new();
            true
        }
        Some(q) => {
            let list: Vec<String> = q
                .split('|')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect();
            if list.is_empty()
                || list.len() > MAX_QUESTIONS
                || list.iter().any(|x| x.chars().count() > MAX_QUESTION_CHARS)
            {
                return crate::error::user_err(format!(
                    "Give 1–{MAX_QUESTIONS} questions separated by `|`, each at most {MAX_QUESTION_CHARS} characters (or `default`)."
                ));
            }
            club.questions = list;
            true
        }
    };
    s.validate().map_err(user_schedule_err)?;
    let channel = match &change.channel {
        Some(c) => parse_channel(c)?,
        None => club.channel.clone(),
    };
    let changed = s != club.schedule || channel != club.channel || questions_changed;
    if changed {
        if s != club.schedule {
            club.active_since = inv.at;
        }
        club.schedule = s;
        club.channel = channel;
        ctx.store.jc_update_club(&club, inv.at).await?;
        info!(club = club.id, "schedule changed");
    }
    let style = time_style(inv.scope.platform);
    let mut text = format!(
        "{}Journal club: {}s at {} ({}), {}, announced {} ahead, in {}.",
        if changed { "Saved. " } else { "" },
        weekday_name(club.schedule.weekday),
        club.schedule.local_time.format("%H:%M"),
        club.schedule.timezone.name(),
        render::humanize_duration(club.schedule.duration),
        render::humanize_duration(club.schedule.announce_lead),
        channel_ref(inv.scope.platform, &club.channel)
    );
    text.push_str(&format!(
        "\nReminders: {}; archived {} after the end; {} discussion questions.",
        if club.schedule.reminder_leads.is_empty() {
            "none".to_string()
        } else {
            club.schedule
                .reminder_leads
                .iter()
                .map(|d| format!("{} before", render::humanize_duration(*d)))
                .collect::<Vec<_>>()
                .join(" and ")
        },
        render::humanize_duration(club.schedule.archive_after),
        if club.questions.is_empty() {
            "the standard five".to_string()
        } else {
            club.questions.len().to_string()
        },
    ));
    if let Some(occ) = next_session(ctx, &club, inv.at).await? {
        text.push_str(&format!(
            "\nNext session: {}.",
            render::render_time(occ.start_utc, club.schedule.timezone, style)
        ));
    }
    Ok(vec![BotAction::private(text)])
}

async fn attendance(
    ctx: &JcContext,
    inv: &Invocation,
    club: &ClubRecord,
) -> Result<Vec<BotAction>, BotError> {
    let records = ctx.store.jc_attendance(club.id, &inv.user).await?;
    if records.is_empty() {
        return Ok(vec![BotAction::private(
            "You have no journal-club sessions on record yet: sessions count once you joined \
             (`jc join`) or posted in the discussion thread.",
        )]);
    }
    let tz = club.schedule.timezone;
    let mut text = format!(
        "Your journal-club record ({} sessions) — for CPD / appraisal:\n",
        records.len()
    );
    for r in &records {
        let date = r.session_start.with_timezone(&tz).format("%a %-d %b %Y");
        let paper = match &r.paper {
            Some(p) => format!(
                "**{}** — {}",
                render::escape_inline(&paper_label(p)),
                render::link(&p.paper.to_string(), &p.paper.link())
            ),
            None => "open discussion".to_owned(),
        };
        let what = match (r.joined, r.messages) {
            (true, 0) => "joined".to_owned(),
            (true, 1) => "joined, 1 message".to_owned(),
            (true, n) => format!("joined, {n} messages"),
            (false, 1) => "1 message".to_owned(),
            (false, n) => format!("{n} messages"),
        };
        text.push_str(&format!(
            "• {date} ({} min) — {paper} — {what}\n",
            club.schedule.duration.num_minutes()
        ));
    }
    Ok(vec![BotAction::private(text.trim_end().to_owned())])
}

// ---- adapters' hooks ----

/// Counts a member's message in an open session thread (ids and counts only, never text).
#[instrument(skip_all, fields(platform = %msg.scope.platform))]
pub async fn on_message(ctx: &JcContext, msg: &IncomingMessage) -> anyhow::Result<()> {
    if msg.author_is_bot || msg.edited {
        return Ok(());
    }
    // Matrix threads live inside the room: the thread root identifies the session.
    let thread_id = msg.thread.as_ref().unwrap_or(&msg.channel);
    let Some(thread) = ctx
        .store
        .jc_open_thread_by_id(&msg.scope, thread_id)
        .await?
    else {
        return Ok(());
    };
    if let (Some(club), Some(start)) = (thread.club_id, thread.session_start) {
        ctx.store.jc_count_message(club, start, &msg.author).await?;
        tracing::debug!(club, "journal-club message counted");
    }
    Ok(())
}

/// Records the platform id of a thread (or any keyed object, e.g. a scheduled event) that an
/// adapter created for `key`.
pub async fn thread_opened(
    ctx: &JcContext,
    scope: &Scope,
    key: &str,
    thread: &ChannelId,
) -> anyhow::Result<()> {
    ctx.store.jc_set_thread_id(scope, key, thread).await
}

/// The platform id recorded for `key`. On the console, thread ids are the keys themselves.
pub async fn thread_for_key(
    ctx: &JcContext,
    scope: &Scope,
    key: &str,
) -> anyhow::Result<Option<ChannelId>> {
    let recorded = ctx
        .store
        .jc_thread_by_key(scope, key)
        .await?
        .and_then(|t| t.thread);
    Ok(match (recorded, scope.platform) {
        (Some(t), _) => Some(t),
        (None, Platform::Console) => Some(ChannelId::new(key)),
        (None, _) => None,
    })
}

/// Queued papers for autocompletion: `(paper key, "n. title (votes)")`, at most 25.
pub async fn queued_papers(
    ctx: &JcContext,
    scope: &Scope,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, String)>> {
    let Some(club) = ctx.store.jc_club(scope).await? else {
        return Ok(Vec::new());
    };
    let Some(voting) = voting_session(ctx, &club, now).await? else {
        return Ok(Vec::new());
    };
    let queued = ctx.store.jc_queue(club.id, voting.start_utc).await?;
    Ok(queued
        .iter()
        .take(25)
        .enumerate()
        .map(|(i, q)| {
            let label = format!("{}. {} ({} votes)", i + 1, paper_label(&q.paper), q.votes);
            let label = if label.chars().count() > 100 {
                let mut cut: String = label.chars().take(99).collect();
                cut.push('…');
                cut
            } else {
                label
            };
            (q.paper.paper.key(), label)
        })
        .collect())
}

// ---- calendar and reports ----

/// The iCalendar feed of a community's upcoming sessions (default schedule if no club yet).
pub async fn calendar(ctx: &JcContext, scope: &Scope) -> anyhow::Result<String> {
    calendar_at(ctx, scope, Utc::now()).await
}

/// [`calendar`] at an explicit instant (tests).
pub async fn calendar_at(
    ctx: &JcContext,
    scope: &Scope,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let club = ctx.store.jc_club(scope).await?;
    let (club_id, schedule) = match &club {
        Some(c) => (c.id, c.schedule.clone()),
        None => (0, ClubSchedule::default()),
    };
    let mut sessions = Vec::new();
    for occ in schedule.occurrences_from(now - schedule.duration, CALENDAR_SESSIONS + 4) {
        if sessions.len() >= CALENDAR_SESSIONS {
            break;
        }
        let stored = match &club {
            Some(c) => ctx.store.jc_session(c.id, occ.start_utc).await?,
            None => None,
        };
        if stored
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Skipped)
        {
            continue;
        }
        let paper = match stored.as_ref().and_then(|s| s.paper_id) {
            Some(id) => ctx.store.jc_paper(id).await?,
            None => None,
        };
        let (title, description, url) = match (&stored, &paper) {
            (_, Some(p)) => (
                format!("{CLUB_NAME}: {}", paper_label(p)),
                format!("Paper: {} ({})", paper_label(p), p.paper.link()),
                Some(p.paper.link()),
            ),
            (Some(_), None) => (
                format!("{CLUB_NAME}: open discussion"),
                "No paper was suggested: open discussion.".to_owned(),
                None,
            ),
            (None, None) => (
                CLUB_NAME.to_owned(),
                "The paper is chosen from the members' suggestions when the session is announced."
                    .to_owned(),
                None,
            ),
        };
        sessions.push(IcsSession {
            uid: format!(
                "jc-{}-{}-{club_id}-{}@rounds",
                scope.platform,
                scope.guild.as_str(),
                occ.start_utc.timestamp()
            ),
            start_utc: occ.start_utc,
            end_utc: occ.end_utc,
            title,
            description,
            url,
        });
    }
    Ok(ics::calendar_at(CLUB_NAME, &sessions, now))
}

/// Upcoming starts of a club (or of the default schedule) in UTC and local time, for
/// `rounds jc occurrences [--club ID] --from DATE --count N`.
pub async fn occurrences_report(
    ctx: &JcContext,
    club: Option<i64>,
    from: NaiveDate,
    count: usize,
) -> anyhow::Result<String> {
    let schedule = match club {
        Some(id) => {
            ctx.store
                .jc_club_by_id(id)
                .await?
                .with_context(|| format!("there is no journal club with id {id}"))?
                .schedule
        }
        None => ClubSchedule::default(),
    };
    Ok(render_occurrences(&schedule, from, count))
}

/// The occurrences report for a schedule, from local midnight of `from` in the club's zone.
pub fn render_occurrences(schedule: &ClubSchedule, from: NaiveDate, count: usize) -> String {
    let tz = schedule.timezone;
    let start = tz
        .from_local_datetime(&from.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&from.and_time(chrono::NaiveTime::MIN)));
    let mut out = format!(
        "{}s at {} {} ({} long), from {from}:\n",
        weekday_name(schedule.weekday),
        schedule.local_time.format("%H:%M"),
        tz.name(),
        schedule::format_duration(schedule.duration)
    );
    for occ in schedule.occurrences_from(start, count) {
        out.push_str(&format!(
            "{}  |  {}\n",
            occ.start_utc.format("%a %Y-%m-%d %H:%M UTC"),
            render::render_time(occ.start_utc, tz, TimeStyle::ClubZone)
        ));
    }
    out
}

/// The first session start at or after `now` that is not skipped (for status displays).
pub async fn next_start(
    ctx: &JcContext,
    scope: &Scope,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let Some(club) = ctx.store.jc_club(scope).await? else {
        return Ok(ClubSchedule::default()
            .occurrences_from(now, 1)
            .first()
            .map(|o| o.start_utc));
    };
    Ok(next_session(ctx, &club, now).await?.map(|o| o.start_utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrence_keys_are_stable() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 20, 0, 0).single();
        let t = t.unwrap_or_default();
        assert_eq!(occurrence_key(3, t), "jc:3:2026-11-29T20:00:00Z");
    }

    #[test]
    fn channels_parse_and_default() {
        assert!(matches!(parse_channel("<#123>"), Ok(c) if c.as_str() == "123"));
        assert!(matches!(parse_channel("#journal-club"), Ok(c) if c.as_str() == "journal-club"));
        assert!(parse_channel("two words").is_err());
        assert!(parse_channel("  ").is_err());
        let settings = Settings::default();
        let fallback = ChannelId::new("general");
        assert_eq!(
            default_channel(
                &settings,
                &Scope::new(Platform::Console, "local"),
                &fallback
            ),
            ChannelId::new(CONSOLE_CHANNEL)
        );
        assert_eq!(
            default_channel(&settings, &Scope::new(Platform::Discord, "1"), &fallback),
            fallback
        );
    }

    #[test]
    fn occurrences_report_shows_utc_and_local() {
        let report = render_occurrences(
            &ClubSchedule::default(),
            NaiveDate::from_ymd_opt(2026, 3, 22).unwrap_or_default(),
            2,
        );
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 3, "{report}");
        assert_eq!(
            lines[1],
            "Sun 2026-03-22 20:00 UTC  |  Sun 22 Mar 2026, 20:00 GMT (UTC+00:00)"
        );
        assert_eq!(
            lines[2],
            "Sun 2026-03-29 19:00 UTC  |  Sun 29 Mar 2026, 20:00 BST (UTC+01:00)"
        );
    }

    #[test]
    fn mentions_per_platform() {
        let u = UserId::new("42");
        assert_eq!(mention_text(Platform::Discord, &u), "<@42>");
        assert_eq!(mention_text(Platform::Console, &u), "@42");
    }
}
