//! The startup check: when a served guild arrives, work out which Discord
//! permissions the bot lacks where, and tell the admins exactly — a warning
//! per missing permission (channel id + permission name) and one message in
//! the moderators' channel when the bot can post there.
//!
//! What is needed:
//! - moderators' channel: View Channel, Send Messages, Embed Links;
//! - journal-club channel: those plus Create Public Threads, Manage Threads,
//!   Send Messages in Threads;
//! - channels whose guard policy is `hide` or `strict` (every scanned channel
//!   when that is the default): Manage Messages;
//! - the guild: Manage Events (journal-club scheduled events).
//!
//! The decision ([`missing`]) is pure; [`run`] gathers the inputs and reports.

use super::Core;
use super::actions::Exec;
use super::render::snowflake;
use crate::config::Policy;
use crate::domain::{self, Scope};
use serenity::all::{
    ChannelId, ChannelType, Context, CreateAllowedMentions, CreateMessage, Guild, Permissions,
};
use std::collections::BTreeSet;
use tracing::{info, warn};

/// One permission the bot needs, in a channel or guild-wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// `None` = guild-wide.
    pub channel: Option<ChannelId>,
    pub permissions: Permissions,
    /// Why, in a few words (shown to admins).
    pub why: &'static str,
}

/// A permission the bot lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub channel: Option<ChannelId>,
    /// Discord's name for it, e.g. `Manage Messages`; or `channel not found`.
    pub permission: String,
    pub why: &'static str,
}

/// What `have` (the bot's permissions in a channel or guild-wide; `None`
/// when the channel does not exist) lacks of `needs`.
pub fn missing(
    needs: &[Need],
    have: impl Fn(Option<ChannelId>) -> Option<Permissions>,
) -> Vec<Missing> {
    let mut out = Vec::new();
    for need in needs {
        match have(need.channel) {
            None => out.push(Missing {
                channel: need.channel,
                permission: "channel not found".into(),
                why: need.why,
            }),
            Some(perms) => {
                let lacking = need.permissions - perms;
                for name in lacking.get_permission_names() {
                    out.push(Missing {
                        channel: need.channel,
                        permission: name.to_string(),
                        why: need.why,
                    });
                }
            }
        }
    }
    out.dedup();
    out
}

/// The admins' notice listing what is missing.
pub fn notice(missing: &[Missing]) -> String {
    let mut text = String::from(
        "⚠️ **Rounds is missing Discord permissions** — some features will fail until an admin grants them (Server Settings → Roles → Rounds, or the channel's permission overwrites):",
    );
    for m in missing {
        let place = match m.channel {
            Some(c) => format!("in <#{}>", c.get()),
            None => "server-wide".into(),
        };
        text.push_str(&format!("\n• **{}** {place} — {}", m.permission, m.why));
    }
    text
}

const POST: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::EMBED_LINKS);

/// Gather what this guild needs, check it, and report.
pub(crate) async fn run(ctx: &Context, core: &Core, guild: &Guild) {
    let me = ctx.cache.current_user().id;
    let Some(member) = guild.members.get(&me) else {
        warn!(
            guild = guild.id.get(),
            "the bot's own member is missing from the guild data; permission check skipped"
        );
        return;
    };
    let scope = Core::scope(guild.id);
    let exec = Exec::new(&ctx.http, &ctx.cache, &core.bot);
    let mod_channel = match exec.mod_channel(&scope).await {
        Ok(c) => c,
        Err(e) => {
            warn!(error = %e, "reading the moderators' channel failed");
            None
        }
    };
    let settings = &core.bot.settings;
    // The guard exempts the stored moderators' channel; remember the configured one there.
    if let Some(c) = mod_channel
        && core
            .bot
            .store
            .guild_settings(&scope)
            .await
            .is_ok_and(|s| s.mod_channel.is_none())
        && let Err(e) = core
            .bot
            .store
            .set_mod_channel(&scope, &domain::ChannelId::new(c.get().to_string()))
            .await
    {
        warn!(error = %e, "storing the moderators' channel failed");
    }

    let mut needs = Vec::new();
    match mod_channel {
        Some(c) => needs.push(Need {
            channel: Some(c),
            permissions: POST,
            why: "to post confidentiality alerts for moderators",
        }),
        None => warn!(
            guild = guild.id.get(),
            "no moderators' channel: set discord.mod_channel_id or run /guard modchannel"
        ),
    }
    if let Some(c) = settings
        .discord
        .journal_club_channel_id
        .as_deref()
        .and_then(snowflake)
    {
        needs.push(Need {
            channel: Some(ChannelId::new(c)),
            permissions: POST
                | Permissions::CREATE_PUBLIC_THREADS
                | Permissions::MANAGE_THREADS
                | Permissions::SEND_MESSAGES_IN_THREADS,
            why: "to open and close journal-club threads",
        });
    }
    for channel in hiding_channels(core, &scope, guild, mod_channel).await {
        needs.push(Need {
            channel: Some(channel),
            permissions: Permissions::MANAGE_MESSAGES,
            why: "to remove messages under the hide/strict guard policy",
        });
    }
    needs.push(Need {
        channel: None,
        permissions: Permissions::MANAGE_EVENTS,
        why: "to create journal-club scheduled events",
    });

    let lacking = missing(&needs, |channel| match channel {
        None => Some(guild.member_permissions(member)),
        Some(id) => guild
            .channels
            .get(&id)
            .map(|c| guild.user_permissions_in(c, member)),
    });
    if lacking.is_empty() {
        info!(
            guild = guild.id.get(),
            checks = needs.len(),
            "Discord permissions OK"
        );
        return;
    }
    for m in &lacking {
        warn!(
            guild = guild.id.get(),
            channel = m.channel.map_or(0, |c| c.get()),
            permission = %m.permission,
            "Rounds lacks a Discord permission"
        );
    }
    let Some(mod_channel) = mod_channel else {
        return;
    };
    let can_post = guild.channels.get(&mod_channel).is_some_and(|c| {
        let p = guild.user_permissions_in(c, member);
        p.view_channel() && p.send_messages()
    });
    if !can_post {
        warn!(
            channel = mod_channel.get(),
            "cannot tell the moderators: no permission to post in their channel"
        );
        return;
    }
    let msg = CreateMessage::new()
        .content(super::render::truncate(
            &notice(&lacking),
            crate::guidance::DISCORD_MESSAGE_LIMIT,
        ))
        .allowed_mentions(CreateAllowedMentions::new());
    if let Err(e) = mod_channel.send_message(&ctx.http, msg).await {
        warn!(error = %super::actions::describe(&e), "posting the permission notice failed");
    }
}

/// Channels where the guard may hide messages.
async fn hiding_channels(
    core: &Core,
    scope: &Scope,
    guild: &Guild,
    mod_channel: Option<ChannelId>,
) -> Vec<ChannelId> {
    let g = &core.bot.settings.guard;
    let hides = |p: Policy| matches!(p, Policy::Hide | Policy::Strict);
    let stored = core
        .bot
        .store
        .list_channel_policies(scope)
        .await
        .unwrap_or_default();
    let community_default = core
        .bot
        .store
        .guild_settings(scope)
        .await
        .ok()
        .and_then(|s| s.default_policy)
        .unwrap_or(g.default_policy);
    let by_name = |name: &str, id: ChannelId| {
        g.channels
            .get(&id.get().to_string())
            .or_else(|| g.channels.get(name))
            .or_else(|| g.channels.get(&format!("#{name}")))
            .copied()
    };
    let exempt = |name: &str, id: ChannelId| {
        g.exempt_channels
            .iter()
            .any(|c| c == &id.get().to_string() || c.trim_start_matches('#') == name)
    };
    let mut out = BTreeSet::new();
    for (id, channel) in &guild.channels {
        if !matches!(
            channel.kind,
            ChannelType::Text | ChannelType::News | ChannelType::Forum
        ) || Some(*id) == mod_channel
            || exempt(&channel.name, *id)
        {
            continue;
        }
        let own = stored
            .iter()
            .find(|(c, _)| c.as_str() == id.get().to_string())
            .map(|(_, p)| *p);
        if own.is_some_and(|p| p.exempt) {
            continue;
        }
        let policy = own
            .and_then(|p| p.policy)
            .or_else(|| by_name(&channel.name, *id))
            .unwrap_or(community_default);
        if hides(policy) {
            out.insert(*id);
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_missing_permission_and_place() {
        let needs = vec![
            Need {
                channel: Some(ChannelId::new(5)),
                permissions: POST,
                why: "alerts",
            },
            Need {
                channel: Some(ChannelId::new(6)),
                permissions: Permissions::MANAGE_MESSAGES,
                why: "hide",
            },
            Need {
                channel: None,
                permissions: Permissions::MANAGE_EVENTS,
                why: "events",
            },
        ];
        let got = missing(&needs, |c| match c.map(|c| c.get()) {
            Some(5) => Some(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES),
            Some(_) => None,
            None => Some(Permissions::MANAGE_EVENTS),
        });
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].permission, "Embed Links");
        assert_eq!(got[0].channel, Some(ChannelId::new(5)));
        assert_eq!(got[1].permission, "channel not found");
        let text = notice(&got);
        assert!(text.contains("**Embed Links** in <#5>"), "{text}");
        assert!(missing(&needs[2..], |_| Some(Permissions::all())).is_empty());
    }
}
