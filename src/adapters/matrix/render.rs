//! Pure helpers of the Matrix adapter: message bodies as `m.notice` content
//! (plain text, plus HTML pills when a body mentions users), buttons as the
//! equivalent text commands, permalinks, reaction → alert command, the
//! invite allow-list and power levels → moderator/admin. No I/O here, so all
//! of it is unit-tested without a homeserver.
//!
//! Invariants:
//! - `m.mentions` is always set and lists exactly the body's mentions (an
//!   empty set when there are none), so the bot never pings anyone by accident.
//! - Commands in core texts are written with `/` (Discord's slash commands);
//!   on Matrix, clients treat `/` as their own command prefix, so backquoted
//!   `/command`s are shown as `!command`.

use crate::commands::{AlertCommand, Command, GuidanceCommand, JcCommand, parse_button_id};
use crate::domain::{AlertCard, MessageBody};
use crate::moderation::render_alert_text;
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
use matrix_sdk::ruma::events::room::power_levels::UserPowerLevel;
use matrix_sdk::ruma::{EventId, OwnedUserId, RoomId, UserId};

/// Reaction keys moderators use on alert events, and the command each stands for.
pub const REACTIONS: [(&str, &str); 3] = [
    ("✅", "resolve as true_positive"),
    ("❌", "resolve as false_positive"),
    ("👀", "claim"),
];

/// `https://matrix.to/#/<room>/<event>`: a link that opens the event in any client.
pub fn permalink(room: &RoomId, event: &EventId) -> String {
    format!(
        "https://matrix.to/#/{}/{}",
        percent_encoding::utf8_percent_encode(room.as_str(), LINK_SET),
        percent_encoding::utf8_percent_encode(event.as_str(), LINK_SET)
    )
}

/// Characters escaped in matrix.to path segments (ids may hold `/`, `?`, `#` in theory).
const LINK_SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'/')
    .add(b'?')
    .add(b'#')
    .add(b'%');

/// Rewrites backquoted `/command`s to `!command` (Matrix clients eat `/`).
pub fn bang_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("`/") {
        let after = &rest[i + 2..];
        out.push_str(&rest[..i]);
        if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push_str("`!");
        } else {
            out.push_str("`/");
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The text command a button stands for (Matrix has no buttons), e.g. `!alert delete 3`.
pub fn button_command(id: &str) -> Option<String> {
    Some(match parse_button_id(id)? {
        Command::Alert(AlertCommand::Claim { id }) => format!("!alert claim {id}"),
        Command::Alert(AlertCommand::Resolve { id, outcome }) => {
            format!("!alert resolve {id} {outcome}")
        }
        Command::Alert(AlertCommand::Delete { id }) => format!("!alert delete {id}"),
        Command::Guidance(GuidanceCommand::Show {
            topic,
            jurisdiction,
            ..
        }) => match jurisdiction {
            Some(j) => format!("!guidance show {topic} {j} --share"),
            None => format!("!guidance show {topic} --share"),
        },
        Command::Jc(JcCommand::Join) => "!jc join".to_string(),
        Command::Jc(JcCommand::Vote { paper }) => format!("!jc vote {paper}"),
        _ => return None,
    })
}

/// The body's text as Matrix shows it: `!` commands and buttons as a hint line.
pub fn body_text(body: &MessageBody) -> String {
    let mut text = bang_commands(&body.text);
    let hints: Vec<String> = body
        .buttons
        .iter()
        .filter_map(|b| button_command(&b.id).map(|c| format!("{} → `{c}`", b.label)))
        .collect();
    if !hints.is_empty() {
        text.push_str("\n\nType: ");
        text.push_str(&hints.join(" · "));
    }
    text
}

/// The users a body mentions that are valid Matrix user ids.
pub fn mentioned_users(body: &MessageBody) -> Vec<OwnedUserId> {
    body.mentions
        .iter()
        .filter_map(|u| UserId::parse(u.as_str()).ok())
        .collect()
}

/// An `m.notice` for `body`: plain text, HTML with pills for mentioned users,
/// and `m.mentions` naming exactly those users.
pub fn notice(body: &MessageBody) -> RoomMessageEventContent {
    let text = body_text(body);
    let users = mentioned_users(body);
    let mut content = if users.is_empty() {
        RoomMessageEventContent::notice_plain(text)
    } else {
        let html = html_with_pills(&text, &users);
        RoomMessageEventContent::notice_html(text, html)
    };
    content.mentions = Some(Mentions::with_user_ids(users));
    content
}

/// Escaped HTML of `text` with every mentioned user id turned into a pill.
pub fn html_with_pills(text: &str, users: &[OwnedUserId]) -> String {
    let mut html = escape_html(text);
    for user in users {
        let escaped = escape_html(user.as_str());
        let pill = format!(
            "<a href=\"https://matrix.to/#/{}\">{}</a>",
            percent_encoding::utf8_percent_encode(user.as_str(), LINK_SET),
            escaped
        );
        html = html.replace(&escaped, &pill);
    }
    html.replace('\n', "<br>")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The alert text as posted in the moderators' room, with the reaction hint.
pub fn alert_text(card: &AlertCard) -> String {
    let mut text = bang_commands(&render_alert_text(card));
    if card.status != "resolved" {
        let hint: Vec<String> = REACTIONS
            .iter()
            .filter(|(_, what)| card.status == "open" || *what != "claim")
            .map(|(key, what)| format!("{key} {what}"))
            .collect();
        text.push_str(&format!("\nOr react: {}.", hint.join(" · ")));
    }
    text
}

/// The alert number in the text of an alert event (`🚨 Alert #12 · …`).
pub fn alert_id_in_text(text: &str) -> Option<i64> {
    let rest = text.strip_prefix("🚨 Alert #")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The command a moderator's reaction on an alert stands for.
pub fn reaction_command(key: &str, alert_id: i64) -> Option<Command> {
    // Clients may add a variation selector (U+FE0F) to emoji.
    let key = key.trim_end_matches('\u{fe0f}');
    match key {
        "✅" | "✔" => Some(Command::Alert(AlertCommand::Resolve {
            id: alert_id,
            outcome: "true_positive".into(),
        })),
        "❌" | "✖" => Some(Command::Alert(AlertCommand::Resolve {
            id: alert_id,
            outcome: "false_positive".into(),
        })),
        "👀" => Some(Command::Alert(AlertCommand::Claim { id: alert_id })),
        _ => None,
    }
}

/// Whether an invite from `inviter` is accepted: `allowed` lists users
/// (`@a:hs`) and homeservers (`hs`).
pub fn invite_allowed(inviter: &UserId, allowed: &[String]) -> bool {
    allowed.iter().map(|a| a.trim()).any(|a| {
        if a.starts_with('@') {
            a == inviter.as_str()
        } else {
            !a.is_empty() && a.eq_ignore_ascii_case(inviter.server_name().as_str())
        }
    })
}

/// `(is_moderator, is_admin)` for a power level; room creators (infinite power) are admins.
pub fn powers(level: &UserPowerLevel, moderator_at: i64, admin_at: i64) -> (bool, bool) {
    match level {
        UserPowerLevel::Infinite => (true, true),
        UserPowerLevel::Int(n) => {
            let n = i64::from(*n);
            (n >= moderator_at || n >= admin_at, n >= admin_at)
        }
        _ => (false, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Button, ButtonStyle, ChannelId, MessageId, Platform, Scope, UserId};
    use matrix_sdk::ruma::{event_id, int, room_id, user_id};

    fn card(status: &str) -> AlertCard {
        AlertCard {
            alert_id: 7,
            scope: Scope::new(Platform::Matrix, "m"),
            channel: ChannelId::new("!r:hs"),
            channel_name: "General".into(),
            message: MessageId::new("$e"),
            author: UserId::new("@a:hs"),
            author_name: "Dr A".into(),
            link: None,
            kinds: vec![("NHS number".into(), 1)],
            severity: "high".into(),
            explanations: vec![],
            snippet: Some("NHS ▇▇▇".into()),
            status: status.into(),
            outcome: None,
            claimed_by: None,
            resolved_by: None,
            hidden: false,
        }
    }

    #[test]
    fn permalink_encodes_ids() {
        assert_eq!(
            permalink(room_id!("!abc:hs.org"), event_id!("$ev1")),
            "https://matrix.to/#/!abc:hs.org/$ev1"
        );
    }

    #[test]
    fn slash_commands_become_bang_commands() {
        assert_eq!(
            bang_commands("Use `/alert claim 3` or `/ ok` and /path"),
            "Use `!alert claim 3` or `/ ok` and /path"
        );
    }

    #[test]
    fn buttons_render_as_commands() {
        let body = MessageBody::text("hi").with_buttons(vec![
            Button {
                id: "alert:delete:4".into(),
                label: "Delete".into(),
                style: ButtonStyle::Danger,
            },
            Button {
                id: "guidance:share:confidentiality:uk".into(),
                label: "Share".into(),
                style: ButtonStyle::Secondary,
            },
            Button {
                id: "unknown:thing".into(),
                label: "Nope".into(),
                style: ButtonStyle::Secondary,
            },
        ]);
        assert_eq!(
            body_text(&body),
            "hi\n\nType: Delete → `!alert delete 4` · Share → `!guidance show confidentiality uk --share`"
        );
    }

    #[test]
    fn notice_mentions_exactly_the_named_users() {
        let body = MessageBody::text("Reminder @a:hs and @b:hs <3")
            .with_mentions(vec![UserId::new("@a:hs"), UserId::new("not a user")]);
        let content = notice(&body);
        let json = serde_json::to_value(&content).unwrap();
        assert_eq!(json["msgtype"], "m.notice");
        assert_eq!(json["m.mentions"]["user_ids"], serde_json::json!(["@a:hs"]));
        let html = json["formatted_body"].as_str().unwrap();
        assert!(html.contains("<a href=\"https://matrix.to/#/@a:hs\">@a:hs</a>"));
        assert!(!html.contains("#/@b:hs"));
        assert!(html.contains("&lt;3"));
        let plain = serde_json::to_value(notice(&MessageBody::text("x"))).unwrap();
        assert_eq!(plain["m.mentions"], serde_json::json!({}));
        assert!(plain.get("formatted_body").is_none());
    }

    #[test]
    fn alert_text_has_the_id_and_reaction_hint() {
        let open = alert_text(&card("open"));
        assert_eq!(alert_id_in_text(&open), Some(7));
        assert!(open.contains("`!alert claim 7`"), "{open}");
        assert!(open.contains("👀 claim"));
        let claimed = alert_text(&card("claimed"));
        assert!(claimed.contains("✅") && !claimed.contains("👀"));
        assert!(!alert_text(&card("resolved")).contains("Or react"));
        assert_eq!(alert_id_in_text("Alert #7"), None);
        assert_eq!(alert_id_in_text("🚨 Alert #x"), None);
    }

    #[test]
    fn reactions_map_to_alert_commands() {
        assert_eq!(
            reaction_command("✅\u{fe0f}", 3),
            Some(Command::Alert(AlertCommand::Resolve {
                id: 3,
                outcome: "true_positive".into()
            }))
        );
        assert_eq!(
            reaction_command("❌", 3),
            Some(Command::Alert(AlertCommand::Resolve {
                id: 3,
                outcome: "false_positive".into()
            }))
        );
        assert_eq!(
            reaction_command("👀", 3),
            Some(Command::Alert(AlertCommand::Claim { id: 3 }))
        );
        assert_eq!(reaction_command("👍", 3), None);
    }

    #[test]
    fn invites_from_listed_users_and_servers_only() {
        let allowed = vec!["@boss:hs.org".to_string(), "trusted.org".to_string()];
        assert!(invite_allowed(user_id!("@boss:hs.org"), &allowed));
        assert!(invite_allowed(user_id!("@anyone:trusted.org"), &allowed));
        assert!(invite_allowed(user_id!("@anyone:TRUSTED.org"), &allowed));
        assert!(!invite_allowed(user_id!("@other:hs.org"), &allowed));
        assert!(!invite_allowed(user_id!("@boss:evil.org"), &allowed));
        assert!(!invite_allowed(user_id!("@boss:hs.org"), &[]));
    }

    #[test]
    fn power_levels_to_powers() {
        assert_eq!(powers(&UserPowerLevel::Infinite, 50, 100), (true, true));
        assert_eq!(
            powers(&UserPowerLevel::Int(int!(100)), 50, 100),
            (true, true)
        );
        assert_eq!(
            powers(&UserPowerLevel::Int(int!(50)), 50, 100),
            (true, false)
        );
        assert_eq!(
            powers(&UserPowerLevel::Int(int!(0)), 50, 100),
            (false, false)
        );
    }
}
