//! The slash commands (poise). Each builds the neutral
//! [`Command`](crate::commands::Command) and an [`Invocation`] with the
//! member's powers, asks the core, and carries out the answer: private
//! replies are ephemeral, public ones are posted in the channel.
//!
//! The `///` docs below are what members see in Discord (first line: the
//! command's description, at most 100 characters). Moderator and admin
//! commands carry `default_member_permissions` so Discord hides them from
//! members, and the core still refuses anyone without the powers computed in
//! [`super::access`]. Slow commands (a paper lookup, an export) defer first.

use super::access::powers;
use super::actions::{Exec, Origin};
use super::events::display_name;
use super::render::{allowed_mentions, button_rows, text_chunks};
use super::{Core, Data, Error};
use crate::commands::{
    AlertCommand, Command, GuardCommand, GuidanceCommand, JcCommand, PhiCommand,
};
use crate::domain::{self, BotAction, Invocation, Visibility};
use crate::guidance::Jurisdiction;
use crate::store::Outcome;
use chrono::Utc;
use poise::CreateReply;
use serenity::all::{
    AutocompleteChoice, ChannelId, CreateAllowedMentions, CreateAutocompleteResponse, GuildId,
};
use tracing::{error, warn};

type Ctx<'a> = poise::Context<'a, Data, Error>;

/// Discord shows at most 25 autocomplete choices.
const MAX_CHOICES: usize = 25;

/// Every command, as registered.
pub(crate) fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        help(),
        guidance(),
        ask(),
        phi(),
        modlog(),
        alert(),
        guard(),
        jc(),
    ]
}

/// poise options: our commands, no mentions by default, our own error replies.
pub(crate) fn framework_options() -> poise::FrameworkOptions<Data, Error> {
    poise::FrameworkOptions {
        commands: all(),
        on_error: |e| Box::pin(on_error(e)),
        allowed_mentions: Some(CreateAllowedMentions::new()),
        ..Default::default()
    }
}

/// Register the commands in every configured guild (instant; a no-op when
/// none are configured — use `rounds discord register` for global ones).
pub(crate) async fn register_in_served_guilds(
    ctx: &serenity::all::Context,
    framework: &poise::Framework<Data, Error>,
    core: &Core,
) {
    let create = poise::builtins::create_application_commands(&framework.options().commands);
    for id in core
        .bot
        .settings
        .discord
        .guild_ids
        .iter()
        .filter_map(|g| super::render::snowflake(g))
    {
        if let Err(e) = GuildId::new(id)
            .set_commands(&ctx.http, create.clone())
            .await
        {
            warn!(guild = id, error = %super::actions::describe(&e), "registering slash commands failed");
        }
    }
}

// ---- running a command ---------------------------------------------------------------------

/// The invocation of a slash command in a served guild.
fn invocation(ctx: Ctx<'_>) -> Option<Invocation> {
    let poise::Context::Application(actx) = ctx else {
        return None;
    };
    let i = actx.interaction;
    let guild = i.guild_id?;
    let core = ctx.data();
    if !core.serves(guild) {
        return None;
    }
    let member = i.member.as_ref()?;
    let p = powers(
        &member.roles,
        member.permissions,
        &core.bot.settings.discord,
    );
    Some(Invocation {
        scope: Core::scope(guild),
        channel: domain::ChannelId::new(i.channel_id.get().to_string()),
        user: domain::UserId::new(i.user.id.get().to_string()),
        user_name: member.nick.clone().unwrap_or_else(|| display_name(&i.user)),
        is_moderator: p.is_moderator,
        is_admin: p.is_admin,
        at: Utc::now(),
    })
}

fn private(text: impl Into<String>) -> CreateReply {
    CreateReply::default()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new())
}

async fn run(ctx: Ctx<'_>, cmd: Command) -> Result<(), Error> {
    run_with(ctx, cmd, false).await
}

/// For commands that may take more than a second: defer (privately) first.
async fn run_slow(ctx: Ctx<'_>, cmd: Command) -> Result<(), Error> {
    run_with(ctx, cmd, true).await
}

async fn run_with(ctx: Ctx<'_>, cmd: Command, slow: bool) -> Result<(), Error> {
    let Some(inv) = invocation(ctx) else {
        ctx.send(private(
            "Rounds works inside the servers it serves — use this command in one of their channels.",
        ))
        .await?;
        return Ok(());
    };
    if slow {
        ctx.defer_ephemeral().await?;
    }
    let core = ctx.data();
    let actions = core.bot.handle_command(&inv, cmd).await;
    let (replies, rest): (Vec<BotAction>, Vec<BotAction>) = actions
        .into_iter()
        .partition(|a| matches!(a, BotAction::Reply { .. }));
    let exec = Exec::new(
        &ctx.serenity_context().http,
        &ctx.serenity_context().cache,
        &core.bot,
    );
    let channel = ctx.channel_id();
    let mut answered = false;
    for reply in replies {
        let BotAction::Reply { visibility, body } = reply else {
            continue;
        };
        if slow && visibility == Visibility::Public {
            // An ephemeral deferral cannot turn public: post in the channel instead.
            exec.post(channel, &body).await?;
            if !answered {
                ctx.send(private("Posted in the channel.")).await?;
                answered = true;
            }
            continue;
        }
        let chunks = text_chunks(&body);
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let mut reply = CreateReply::default()
                .content(chunk)
                .ephemeral(visibility == Visibility::Private)
                .allowed_mentions(allowed_mentions(&body.mentions));
            if i == last && !body.buttons.is_empty() {
                reply = reply.components(button_rows(&body.buttons));
            }
            ctx.send(reply).await?;
            answered = true;
        }
    }
    if !answered {
        ctx.send(private("Done.")).await?;
    }
    let origin = Origin {
        channel: Some(channel),
        received: None,
    };
    exec.run(rest, origin).await;
    Ok(())
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as F;
    let text = match &error {
        F::Command { error: e, ctx, .. } => {
            let id = format!("{:x}", Utc::now().timestamp_micros() & 0xff_ffff);
            let cause = match e.downcast_ref::<serenity::Error>() {
                Some(se) => super::actions::describe(se),
                None => format!("{e:#}"),
            };
            error!(error_id = %id, command = %ctx.command().qualified_name, error = %cause, "command failed");
            format!("Something went wrong on our side (error id {id}). Please try again later.")
        }
        F::ArgumentParse { .. } | F::CommandStructureMismatch { .. } => {
            "That option was not understood — please pick the options Discord offers.".into()
        }
        F::GuildOnly { .. } => "Use this command in a server channel.".into(),
        F::MissingUserPermissions { .. } | F::CommandCheckFailed { .. } | F::NotAnOwner { .. } => {
            "You do not have permission to use this command.".into()
        }
        F::MissingBotPermissions {
            missing_permissions,
            ..
        } => format!(
            "I need these permissions here first: {}.",
            missing_permissions.get_permission_names().join(", ")
        ),
        F::CooldownHit { .. } => "Please wait a moment before using this again.".into(),
        F::Setup { .. } | F::EventHandler { .. } => {
            error!("the Discord framework failed during setup or an event");
            return;
        }
        _ => {
            warn!("a Discord framework error occurred");
            return;
        }
    };
    if let Some(ctx) = error.ctx()
        && let Err(e) = ctx.send(private(text)).await
    {
        warn!(error = %super::actions::describe(&e), "answering an error failed");
    }
}

// ---- autocomplete --------------------------------------------------------------------------

fn choices<I: IntoIterator<Item = (String, serde_json::Value)>>(
    items: I,
) -> CreateAutocompleteResponse {
    let list = items
        .into_iter()
        .take(MAX_CHOICES)
        .map(|(name, value)| AutocompleteChoice::new(super::render::truncate(&name, 100), value))
        .collect();
    CreateAutocompleteResponse::new().set_choices(list)
}

fn matches(partial: &str, hay: &[&str]) -> bool {
    let p = partial.trim().to_lowercase();
    p.is_empty() || hay.iter().any(|h| h.to_lowercase().contains(&p))
}

fn static_choices(partial: &str, options: &[&str]) -> CreateAutocompleteResponse {
    choices(
        options
            .iter()
            .filter(|o| matches(partial, &[o]))
            .map(|o| (o.to_string(), serde_json::Value::from(*o))),
    )
}

async fn ac_topic(ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    choices(
        ctx.data()
            .bot
            .guidance_topics()
            .into_iter()
            .filter(|(slug, title)| matches(partial, &[slug, title]))
            .map(|(slug, title)| (title, serde_json::Value::from(slug))),
    )
}

async fn ac_jurisdiction(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    choices(
        Jurisdiction::ALL
            .iter()
            .filter(|j| matches(partial, &[j.code(), j.label()]))
            .map(|j| (j.label().to_string(), serde_json::Value::from(j.code()))),
    )
}

async fn ac_command(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    static_choices(
        partial,
        &[
            "help", "guidance", "ask", "phi", "modlog", "alert", "guard", "jc",
        ],
    )
}

async fn ac_alert_id(ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    let Some(guild) = ctx.guild_id() else {
        return CreateAutocompleteResponse::new();
    };
    let ids = ctx
        .data()
        .bot
        .open_alert_ids(&Core::scope(guild))
        .await
        .unwrap_or_default();
    choices(
        ids.into_iter()
            .filter(|id| partial.trim().is_empty() || id.to_string().starts_with(partial.trim()))
            .map(|id| (format!("Alert #{id}"), serde_json::Value::from(id))),
    )
}

async fn ac_outcome(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    let names: Vec<&str> = Outcome::MODERATOR_CHOICES
        .iter()
        .map(|o| o.as_str())
        .collect();
    static_choices(partial, &names)
}

async fn ac_status(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    static_choices(partial, &["open", "claimed", "resolved"])
}

async fn ac_policy(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    static_choices(partial, &["off", "notify", "hide", "strict", "default"])
}

async fn ac_on_off(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    static_choices(partial, &["on", "off"])
}

async fn ac_weekday(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    static_choices(partial, &["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
}

async fn ac_paper(ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    let Some(guild) = ctx.guild_id() else {
        return CreateAutocompleteResponse::new();
    };
    let papers = ctx
        .data()
        .bot
        .queued_papers(&Core::scope(guild))
        .await
        .unwrap_or_default();
    choices(
        papers
            .into_iter()
            .filter(|(key, label)| matches(partial, &[key, label]))
            .map(|(key, label)| (label, serde_json::Value::from(key))),
    )
}

fn channel_arg(channel: Option<ChannelId>) -> Option<String> {
    channel.map(|c| c.get().to_string())
}

// ---- commands ------------------------------------------------------------------------------

/// List Rounds' commands, or show help for one command.
#[poise::command(slash_command, guild_only)]
pub(crate) async fn help(
    ctx: Ctx<'_>,
    #[description = "A command name, e.g. jc"]
    #[autocomplete = "ac_command"]
    command: Option<String>,
) -> Result<(), Error> {
    run(ctx, Command::Help { command }).await
}

/// Sourced guidance on doctors' use of social media.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("guidance_show", "guidance_list", "guidance_reload"),
    subcommand_required
)]
pub(crate) async fn guidance(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Show one guidance topic with its sources (only you see it unless you share).
#[poise::command(slash_command, rename = "show")]
async fn guidance_show(
    ctx: Ctx<'_>,
    #[description = "The topic (start typing to search)"]
    #[autocomplete = "ac_topic"]
    topic: String,
    #[description = "Show a jurisdiction's note: uk, us, ca, au or ie"]
    #[autocomplete = "ac_jurisdiction"]
    jurisdiction: Option<String>,
    #[description = "Post the answer in the channel instead of privately"] share: Option<bool>,
) -> Result<(), Error> {
    let cmd = Command::Guidance(GuidanceCommand::Show {
        topic,
        jurisdiction,
        share: share.unwrap_or(false),
    });
    run(ctx, cmd).await
}

/// List the guidance topics.
#[poise::command(slash_command, rename = "list")]
async fn guidance_list(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Guidance(GuidanceCommand::List)).await
}

/// (admins) Re-read the guidance files; the old content stays if the new is invalid.
#[poise::command(slash_command, rename = "reload")]
async fn guidance_reload(ctx: Ctx<'_>) -> Result<(), Error> {
    run_slow(ctx, Command::Guidance(GuidanceCommand::Reload)).await
}

/// Ask a question in your own words; Rounds finds the best guidance topic.
#[poise::command(slash_command, guild_only)]
pub(crate) async fn ask(
    ctx: Ctx<'_>,
    #[description = "Your question, e.g. can I accept a friend request from a patient?"]
    question: String,
    #[description = "Post the answer in the channel instead of privately"] share: Option<bool>,
) -> Result<(), Error> {
    let cmd = Command::Ask {
        share: share.unwrap_or(false),
        question: vec![question],
    };
    run(ctx, cmd).await
}

/// Check a draft privately for patient-identifiable details before posting.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("phi_check"),
    subcommand_required
)]
pub(crate) async fn phi(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Check a draft privately; it is never stored or logged.
#[poise::command(slash_command, rename = "check")]
async fn phi_check(
    ctx: Ctx<'_>,
    #[description = "The draft text"] draft: String,
) -> Result<(), Error> {
    run(ctx, Command::Phi(PhiCommand::Check { draft: vec![draft] })).await
}

/// (moderators) List confidentiality alerts.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES"
)]
pub(crate) async fn modlog(
    ctx: Ctx<'_>,
    #[description = "open, claimed or resolved"]
    #[autocomplete = "ac_status"]
    status: Option<String>,
    #[description = "Only alerts since a date (YYYY-MM-DD) or period (7d, 24h)"] since: Option<
        String,
    >,
) -> Result<(), Error> {
    run(ctx, Command::Modlog { status, since }).await
}

/// (moderators) Claim, resolve or delete a confidentiality alert.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES",
    subcommands("alert_claim", "alert_resolve", "alert_delete"),
    subcommand_required
)]
pub(crate) async fn alert(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Claim an alert so other moderators know you are on it.
#[poise::command(slash_command, rename = "claim")]
async fn alert_claim(
    ctx: Ctx<'_>,
    #[description = "The alert number"]
    #[autocomplete = "ac_alert_id"]
    id: i64,
) -> Result<(), Error> {
    run(ctx, Command::Alert(AlertCommand::Claim { id })).await
}

/// Resolve an alert with an outcome.
#[poise::command(slash_command, rename = "resolve")]
async fn alert_resolve(
    ctx: Ctx<'_>,
    #[description = "The alert number"]
    #[autocomplete = "ac_alert_id"]
    id: i64,
    #[description = "true_positive, false_positive, consented, anonymised_enough or removed"]
    #[autocomplete = "ac_outcome"]
    outcome: String,
) -> Result<(), Error> {
    run(ctx, Command::Alert(AlertCommand::Resolve { id, outcome })).await
}

/// Remove the flagged message and resolve the alert as removed.
#[poise::command(slash_command, rename = "delete")]
async fn alert_delete(
    ctx: Ctx<'_>,
    #[description = "The alert number"]
    #[autocomplete = "ac_alert_id"]
    id: i64,
) -> Result<(), Error> {
    run(ctx, Command::Alert(AlertCommand::Delete { id })).await
}

/// (moderators/admins) Confidentiality-guard settings and statistics.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES",
    subcommands(
        "guard_policy",
        "guard_exempt",
        "guard_modchannel",
        "guard_status",
        "guard_export"
    ),
    subcommand_required
)]
pub(crate) async fn guard(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// (admins) Set a channel's policy: off, notify, hide, strict or default.
#[poise::command(slash_command, rename = "policy")]
async fn guard_policy(
    ctx: Ctx<'_>,
    #[description = "off, notify, hide, strict or default"]
    #[autocomplete = "ac_policy"]
    policy: String,
    #[description = "The channel (this one when omitted)"] channel: Option<ChannelId>,
) -> Result<(), Error> {
    let channel = channel_arg(channel);
    run(
        ctx,
        Command::Guard(GuardCommand::Policy { policy, channel }),
    )
    .await
}

/// (admins) Exempt a channel from scanning (on) or scan it again (off).
#[poise::command(slash_command, rename = "exempt")]
async fn guard_exempt(
    ctx: Ctx<'_>,
    #[description = "on or off"]
    #[autocomplete = "ac_on_off"]
    state: String,
    #[description = "The channel (this one when omitted)"] channel: Option<ChannelId>,
) -> Result<(), Error> {
    let channel = channel_arg(channel);
    run(ctx, Command::Guard(GuardCommand::Exempt { state, channel })).await
}

/// (admins) Make this (or the given) channel the moderators' channel.
#[poise::command(slash_command, rename = "modchannel")]
async fn guard_modchannel(
    ctx: Ctx<'_>,
    #[description = "The channel (this one when omitted)"] channel: Option<ChannelId>,
) -> Result<(), Error> {
    let channel = channel_arg(channel);
    run(ctx, Command::Guard(GuardCommand::Modchannel { channel })).await
}

/// (moderators) Show the guard's settings for this server.
#[poise::command(slash_command, rename = "status")]
async fn guard_status(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Guard(GuardCommand::Status)).await
}

/// (moderators) Export alert statistics as CSV (counts only, no content).
#[poise::command(slash_command, rename = "export")]
async fn guard_export(ctx: Ctx<'_>) -> Result<(), Error> {
    run_slow(ctx, Command::Guard(GuardCommand::Export)).await
}

/// The weekly journal club.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "jc_suggest",
        "jc_queue",
        "jc_vote",
        "jc_withdraw",
        "jc_join",
        "jc_leave",
        "jc_next",
        "jc_skip",
        "jc_schedule",
        "jc_attendance"
    ),
    subcommand_required
)]
pub(crate) async fn jc(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Suggest a paper by DOI, PMID or link.
#[poise::command(slash_command, rename = "suggest")]
async fn jc_suggest(
    ctx: Ctx<'_>,
    #[description = "DOI (10.xxxx/…), PMID, or a doi.org / PubMed link"] paper: String,
    #[description = "Why the club should read it"] why: Option<String>,
) -> Result<(), Error> {
    let why = why.map(|w| vec![w]).unwrap_or_default();
    run_slow(ctx, Command::Jc(JcCommand::Suggest { paper, why })).await
}

/// List suggested papers with their votes.
#[poise::command(slash_command, rename = "queue")]
async fn jc_queue(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Queue)).await
}

/// Vote for a suggested paper (voting again moves your vote).
#[poise::command(slash_command, rename = "vote")]
async fn jc_vote(
    ctx: Ctx<'_>,
    #[description = "The paper (start typing to pick from the queue)"]
    #[autocomplete = "ac_paper"]
    paper: String,
) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Vote { paper })).await
}

/// Withdraw your suggestion.
#[poise::command(slash_command, rename = "withdraw")]
async fn jc_withdraw(
    ctx: Ctx<'_>,
    #[description = "The paper (start typing to pick from the queue)"]
    #[autocomplete = "ac_paper"]
    paper: String,
) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Withdraw { paper })).await
}

/// RSVP for the next session.
#[poise::command(slash_command, rename = "join")]
async fn jc_join(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Join)).await
}

/// Cancel your RSVP.
#[poise::command(slash_command, rename = "leave")]
async fn jc_leave(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Leave)).await
}

/// When the next session is, and its paper.
#[poise::command(slash_command, rename = "next")]
async fn jc_next(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Next)).await
}

/// (admins) Skip the next session.
#[poise::command(slash_command, rename = "skip")]
async fn jc_skip(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Skip)).await
}

/// (admins) Change the schedule: day, time, timezone, length, channel, leads or questions.
#[poise::command(slash_command, rename = "schedule")]
// poise turns each parameter into a slash-command option, so the options are the arguments.
#[allow(clippy::too_many_arguments)]
async fn jc_schedule(
    ctx: Ctx<'_>,
    #[description = "Weekday (mon … sun)"]
    #[autocomplete = "ac_weekday"]
    day: Option<String>,
    #[description = "Local start time, e.g. 20:00"] time: Option<String>,
    #[description = "IANA timezone, e.g. Europe/London"] tz: Option<String>,
    #[description = "Length, e.g. 60m or 1h30m"] duration: Option<String>,
    #[description = "Discussion channel (forum or text)"] channel: Option<ChannelId>,
    #[description = "Announce this long before the start, e.g. 48h"] announce: Option<String>,
    #[description = "Reminder leads, e.g. 24h,1h (or none)"] reminders: Option<String>,
    #[description = "Archive this long after the end, e.g. 24h"] archive_after: Option<String>,
    #[description = "Discussion questions separated by | (or default)"] questions: Option<String>,
) -> Result<(), Error> {
    let channel = channel_arg(channel);
    let cmd = Command::Jc(JcCommand::Schedule {
        day,
        time,
        tz,
        duration,
        channel,
        announce,
        reminders,
        archive_after,
        questions: questions.map(|q| vec![q]),
    });
    run(ctx, cmd).await
}

/// Privately list the sessions you joined and posted in (for CPD / appraisal).
#[poise::command(slash_command, rename = "attendance")]
async fn jc_attendance(ctx: Ctx<'_>) -> Result<(), Error> {
    run(ctx, Command::Jc(JcCommand::Attendance)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_neutral_command_has_a_slash_command_with_valid_texts() {
        let commands = all();
        let names: Vec<&str> = commands.iter().map(|c| c.name.as_ref()).collect();
        for name in [
            "help", "guidance", "ask", "phi", "modlog", "alert", "guard", "jc",
        ] {
            assert!(names.contains(&name), "/{name} missing");
        }
        let jc = commands.iter().find(|c| c.name == "jc").expect("jc");
        assert_eq!(jc.subcommands.len(), 10);
        fn walk(c: &poise::Command<Data, Error>) {
            let d = c.description.as_deref().unwrap_or("");
            assert!(
                !d.is_empty() && d.chars().count() <= 100,
                "/{}: {d}",
                c.qualified_name
            );
            for p in &c.parameters {
                let d = p.description.as_deref().unwrap_or("");
                assert!(
                    !d.is_empty() && d.chars().count() <= 100,
                    "/{} {}: {d}",
                    c.name,
                    p.name
                );
            }
            c.subcommands.iter().for_each(walk);
        }
        commands.iter().for_each(walk);
    }

    #[test]
    fn moderator_commands_are_hidden_from_members_by_default() {
        let commands = all();
        for name in ["modlog", "alert", "guard"] {
            let c = commands.iter().find(|c| c.name == name).expect(name);
            assert!(
                c.default_member_permissions
                    .contains(serenity::all::Permissions::MANAGE_MESSAGES),
                "/{name}"
            );
        }
        let jc = commands.iter().find(|c| c.name == "jc").expect("jc");
        assert!(jc.default_member_permissions.is_empty());
    }
}
