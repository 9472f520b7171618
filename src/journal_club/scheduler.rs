//! The journal club's clock-driven step: announce, remind, open, close and archive sessions.
//!
//! Job: [`tick`] takes the current instant, works out for every club which steps are due
//! ([`ClubSchedule::due_steps`]), claims each one in the store and returns the actions to carry
//! out. Steps missed by more than the grace window are claimed as `missed` and reported to the
//! community's moderators instead of being posted late.
//!
//! Invariants:
//! - A step is acted on only after [`crate::store::JournalClubStore::jc_claim_step`] returned
//!   `true` for `(club, occurrence start, step)`: restarts and concurrent instances sharing one
//!   database never emit the same step twice. A step whose work fails is released so that a
//!   later tick retries it.
//! - The paper of a session is chosen once, by whichever step of that occurrence runs first
//!   (normally the announcement): the top-voted queued paper, ties to the earliest suggestion;
//!   no suggestions means an open discussion.
//! - Steps due before a club's `active_since` (creation or last schedule change) are ignored;
//!   a Close or Archive whose session never opened does nothing.
//! - Logs carry club ids, step keys and counts only.

use chrono::{DateTime, Duration, Utc};
use tracing::{info, instrument, warn};

use super::render;
use super::schedule::{Occurrence, Step};
use super::service::{
    CLUB_NAME, JcContext, channel_ref, command_prefix, mention_text, occurrence_key, paper_card,
    paper_label, time_style,
};
use crate::domain::{BotAction, EventSpec, MessageBody, Platform, UserId};
use crate::store::{ClubRecord, PaperRecord, PaperStatus, SessionRecord, SessionStatus};

/// Step status after its actions were produced.
const DONE: &str = "done";
/// Step status while its actions are being produced.
const RUNNING: &str = "running";
/// Step status of a step found too late.
const MISSED: &str = "missed";
/// Step status of a Close/Archive with nothing to do (the session never opened).
const NOT_NEEDED: &str = "not_needed";

/// Runs every due journal-club step of every club at `now`; returns the actions to carry out.
///
/// A failure in one club is logged and does not stop the others.
#[instrument(skip_all)]
pub async fn tick(ctx: &JcContext, now: DateTime<Utc>) -> anyhow::Result<Vec<BotAction>> {
    let clubs = ctx.store.jc_clubs().await?;
    let mut actions = Vec::new();
    for club in &clubs {
        match tick_club(ctx, club, now).await {
            Ok(mut a) => actions.append(&mut a),
            Err(e) => {
                // Internal errors may quote database text but never message content.
                warn!(
                    club = club.id,
                    error = format!("{e:#}"),
                    "journal-club tick failed"
                );
            }
        }
    }
    Ok(actions)
}

async fn tick_club(
    ctx: &JcContext,
    club: &ClubRecord,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<BotAction>> {
    let schedule = &club.schedule;
    let due = schedule.due_steps(now);
    let mut actions = Vec::new();
    for d in &due {
        if d.due_at < club.active_since && !matches!(d.step, Step::Close | Step::Archive) {
            continue;
        }
        let key = d.step.key();
        if !ctx
            .store
            .jc_claim_step(club.id, d.occurrence.start_utc, &key, RUNNING, now)
            .await?
        {
            continue;
        }
        match run_step(ctx, club, &d.occurrence, d.step, now).await {
            Ok(Some(mut a)) => {
                ctx.store
                    .jc_set_step_status(club.id, d.occurrence.start_utc, &key, DONE)
                    .await?;
                info!(club = club.id, step = %key, actions = a.len(), "journal-club step done");
                actions.append(&mut a);
            }
            Ok(None) => {
                ctx.store
                    .jc_set_step_status(club.id, d.occurrence.start_utc, &key, NOT_NEEDED)
                    .await?;
            }
            Err(e) => {
                ctx.store
                    .jc_release_step(club.id, d.occurrence.start_utc, &key)
                    .await?;
                return Err(e.context("running a journal-club step"));
            }
        }
    }
    actions.extend(report_missed(ctx, club, now, &due).await?);
    Ok(actions)
}

/// Claims steps that fell outside the grace window as missed and reports them to moderators.
async fn report_missed(
    ctx: &JcContext,
    club: &ClubRecord,
    now: DateTime<Utc>,
    due: &[super::schedule::DueStep],
) -> anyhow::Result<Vec<BotAction>> {
    let s = &club.schedule;
    let lookback = s.duration + s.archive_after + s.grace + Duration::days(7);
    let from = (now - lookback).max(club.active_since - s.announce_lead - Duration::days(1));
    let mut missed: Vec<(Occurrence, Step)> = Vec::new();
    for occ in s.occurrences_from(from, 4) {
        for (step, due_at) in s.steps_for(&occ) {
            if due_at > now || due_at < club.active_since {
                continue;
            }
            if due
                .iter()
                .any(|d| d.occurrence.start_utc == occ.start_utc && d.step == step)
            {
                continue;
            }
            if !ctx
                .store
                .jc_claim_step(club.id, occ.start_utc, &step.key(), MISSED, now)
                .await?
            {
                continue;
            }
            if matches!(step, Step::Close | Step::Archive) && !opened(ctx, club, &occ).await? {
                ctx.store
                    .jc_set_step_status(club.id, occ.start_utc, &step.key(), NOT_NEEDED)
                    .await?;
                continue;
            }
            missed.push((occ, step));
        }
    }
    if missed.is_empty() {
        return Ok(Vec::new());
    }
    warn!(
        club = club.id,
        missed = missed.len(),
        "journal-club steps missed beyond grace"
    );
    let Some(mod_channel) = ctx.store.guild_settings(&club.scope).await?.mod_channel else {
        warn!(
            club = club.id,
            "no moderators' channel set; missed steps not reported"
        );
        return Ok(Vec::new());
    };
    let tz = s.timezone;
    let lines: Vec<String> = missed
        .iter()
        .map(|(occ, step)| {
            format!(
                "• {} of the session on {}",
                step_name(*step),
                render::render_time(occ.start_utc, tz, time_style(club.scope.platform))
            )
        })
        .collect();
    let text = format!(
        "⚠️ Journal club: the bot was not running when these steps were due, and they are now \
         more than {} late, so they were not posted:\n{}\nPlease post anything members still \
         need by hand.",
        render::humanize_duration(s.grace),
        lines.join("\n")
    );
    Ok(vec![BotAction::Post {
        scope: club.scope.clone(),
        channel: mod_channel,
        body: MessageBody::text(text),
    }])
}

fn step_name(step: Step) -> String {
    match step {
        Step::Announce => "The announcement".to_owned(),
        Step::Remind(i) => format!("Reminder {}", i + 1),
        Step::Open => "The opening of the discussion thread".to_owned(),
        Step::Close => "The wrap-up and closing of the thread".to_owned(),
        Step::Archive => "The archiving".to_owned(),
    }
}

async fn opened(ctx: &JcContext, club: &ClubRecord, occ: &Occurrence) -> anyhow::Result<bool> {
    Ok(ctx
        .store
        .jc_step_status(club.id, occ.start_utc, &Step::Open.key())
        .await?
        .as_deref()
        == Some(DONE))
}

/// The session of an occurrence, choosing its paper if this is the first step to need it.
async fn ensure_session(
    ctx: &JcContext,
    club: &ClubRecord,
    occ: &Occurrence,
    now: DateTime<Utc>,
) -> anyhow::Result<(SessionRecord, Option<PaperRecord>)> {
    let session = match ctx.store.jc_session(club.id, occ.start_utc).await? {
        Some(s) => s,
        None => {
            let queue = ctx.store.jc_queue(club.id, occ.start_utc).await?;
            let chosen = queue.first().map(|q| q.paper.id);
            let new = SessionRecord {
                club_id: club.id,
                start: occ.start_utc,
                end: occ.end_utc,
                paper_id: chosen,
                status: SessionStatus::Scheduled,
            };
            if ctx.store.jc_insert_session(&new, now).await?
                && let Some(id) = chosen
            {
                ctx.store
                    .jc_set_paper_status(id, PaperStatus::Chosen, Some(occ.start_utc))
                    .await?;
                info!(club = club.id, paper = id, "paper chosen for session");
            }
            ctx.store
                .jc_session(club.id, occ.start_utc)
                .await?
                .ok_or_else(|| anyhow::anyhow!("session row missing after insert"))?
        }
    };
    let paper = match session.paper_id {
        Some(id) => ctx.store.jc_paper(id).await?,
        None => None,
    };
    Ok((session, paper))
}

const OPEN_DISCUSSION_CARD: &str = "**Open discussion** — no paper was suggested this time. \
Bring a paper you read recently, a new guideline, or a question from practice.";

/// Produces a step's actions; `None` when there is nothing to do.
async fn run_step(
    ctx: &JcContext,
    club: &ClubRecord,
    occ: &Occurrence,
    step: Step,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Vec<BotAction>>> {
    let scope = &club.scope;
    let platform = scope.platform;
    let tz = club.schedule.timezone;
    let style = time_style(platform);
    let key = occurrence_key(club.id, occ.start_utc);
    let questions = render::appraisal_questions(&club.questions);
    match step {
        Step::Announce => {
            let (_, paper) = ensure_session(ctx, club, occ, now).await?;
            let card = paper
                .as_ref()
                .map(paper_card)
                .unwrap_or_else(|| OPEN_DISCUSSION_CARD.to_owned());
            let start = render::render_time(occ.start_utc, tz, style);
            let hint = format!(
                "Use `{}jc join` to RSVP: I'll mention you in the reminders.",
                command_prefix(platform)
            );
            let text = render::announcement(&render::Announcement {
                club_name: CLUB_NAME,
                paper_card: &card,
                questions: &questions,
                start: &start,
                duration: club.schedule.duration,
                host_mention: None,
                join_hint: Some(&hint),
            });
            let short = paper
                .as_ref()
                .map(paper_label)
                .unwrap_or_else(|| "Open discussion".to_owned());
            let description = match &paper {
                Some(p) => format!("Paper: {} — {}", paper_label(p), p.paper.link()),
                None => "Open discussion: no paper was suggested.".to_owned(),
            };
            Ok(Some(vec![
                BotAction::Post {
                    scope: scope.clone(),
                    channel: club.channel.clone(),
                    body: MessageBody::text(text),
                },
                BotAction::ScheduleEvent {
                    scope: scope.clone(),
                    event: EventSpec {
                        key,
                        title: render::thread_title(occ.start_local.date_naive(), &short),
                        description,
                        start: occ.start_utc,
                        end: occ.end_utc,
                        location: channel_ref(platform, &club.channel),
                    },
                },
            ]))
        }
        Step::Remind(i) => {
            let Some(lead) = club.schedule.reminder_leads.get(i).copied() else {
                return Ok(None);
            };
            let (_, paper) = ensure_session(ctx, club, occ, now).await?;
            let members = ctx.store.jc_rsvps(club.id, occ.start_utc).await?;
            let mentions = mention_texts(platform, &members);
            let start = render::render_time(occ.start_utc, tz, style);
            let text = match &paper {
                Some(p) => {
                    let link = p.paper.link();
                    let title = paper_label(p);
                    render::reminder(&render::Reminder {
                        club_name: CLUB_NAME,
                        paper_title: &title,
                        paper_link: &link,
                        start: &start,
                        lead,
                        mentions: &mentions,
                    })
                }
                None => {
                    let mut t = format!(
                        "⏰ **{CLUB_NAME}** starts in {} — {start}.\nThis time it's an open \
                         discussion: bring a paper or a question from practice.",
                        render::humanize_duration(lead)
                    );
                    if !mentions.is_empty() {
                        t.push('\n');
                        t.push_str(&mentions.join(" "));
                    }
                    t
                }
            };
            Ok(Some(vec![BotAction::Post {
                scope: scope.clone(),
                channel: club.channel.clone(),
                body: MessageBody::text(text).with_mentions(members),
            }]))
        }
        Step::Open => {
            let (_, paper) = ensure_session(ctx, club, occ, now).await?;
            let members = ctx.store.jc_rsvps(club.id, occ.start_utc).await?;
            let mentions = mention_texts(platform, &members);
            let card = paper
                .as_ref()
                .map(paper_card)
                .unwrap_or_else(|| OPEN_DISCUSSION_CARD.to_owned());
            let end = render::render_time(occ.end_utc, tz, style);
            let text = render::opening(&render::Opening {
                club_name: CLUB_NAME,
                paper_card: &card,
                questions: &questions,
                end: &end,
                host_mention: None,
                mentions: &mentions,
            });
            let short = paper
                .as_ref()
                .map(paper_label)
                .unwrap_or_else(|| "Open discussion".to_owned());
            ctx.store
                .jc_insert_thread(scope, &key, club.id, occ.start_utc)
                .await?;
            if platform == Platform::Console {
                // The console has no thread ids of its own: the key is the thread.
                ctx.store
                    .jc_set_thread_id(scope, &key, &crate::domain::ChannelId::new(key.clone()))
                    .await?;
            }
            ctx.store
                .jc_set_session_status(club.id, occ.start_utc, SessionStatus::Open)
                .await?;
            Ok(Some(vec![BotAction::OpenThread {
                scope: scope.clone(),
                channel: club.channel.clone(),
                key,
                title: render::thread_title(occ.start_local.date_naive(), &short),
                body: MessageBody::text(text).with_mentions(members),
            }]))
        }
        Step::Close => {
            if !opened(ctx, club, occ).await? {
                return Ok(None);
            }
            let (_, paper) = ensure_session(ctx, club, occ, now).await?;
            let (participants, messages) =
                ctx.store.jc_participation(club.id, occ.start_utc).await?;
            let text = match &paper {
                Some(p) => {
                    let link = p.paper.link();
                    let title = paper_label(p);
                    render::wrap_up(&render::WrapUp {
                        club_name: CLUB_NAME,
                        participants: participants as usize,
                        messages: messages as usize,
                        paper_title: &title,
                        paper_link: &link,
                        archive_at: None,
                    })
                }
                None => format!(
                    "🏁 That's time for **{CLUB_NAME}** — thank you all! {} shared {} in the \
                     open discussion.",
                    plural(participants, "member", "members"),
                    plural(messages, "message", "messages"),
                ),
            };
            ctx.store.jc_close_thread(scope, &key).await?;
            ctx.store
                .jc_set_session_status(club.id, occ.start_utc, SessionStatus::Closed)
                .await?;
            if let Some(p) = &paper {
                ctx.store
                    .jc_set_paper_status(p.id, PaperStatus::Discussed, Some(occ.start_utc))
                    .await?;
            }
            info!(club = club.id, participants, messages, "session closed");
            Ok(Some(vec![
                BotAction::PostInThread {
                    scope: scope.clone(),
                    key: key.clone(),
                    body: MessageBody::text(text),
                },
                BotAction::CloseThread {
                    scope: scope.clone(),
                    key,
                    lock: true,
                },
            ]))
        }
        // The thread was locked at the close; archiving only ends the session's bookkeeping
        // window, so there is nothing to post.
        Step::Archive => Ok(None),
    }
}

fn mention_texts(platform: Platform, users: &[UserId]) -> Vec<String> {
    users.iter().map(|u| mention_text(platform, u)).collect()
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
