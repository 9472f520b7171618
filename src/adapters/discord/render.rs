//! Pure rendering of neutral values into serenity builders: alert embeds,
//! button rows, allowed mentions and message splitting. No I/O here, so the
//! rules below are unit-tested without a network.
//!
//! Invariants:
//! - Allowed mentions are empty unless a body names users; then exactly
//!   those users may be pinged, never roles or @everyone.
//! - At most five buttons per action row and five rows per message, as
//!   Discord requires; extra buttons are dropped (and counted in a warning)
//!   rather than failing the whole message.
//! - Message text is split at Discord's 2,000-character limit; embeds respect
//!   the field (1,024) and description (4,096) limits.

use crate::domain::{AlertCard, Button, ButtonStyle, MessageBody, UserId};
use crate::guidance::{DISCORD_MESSAGE_LIMIT, split_for_limit};
use crate::moderation::{alert_buttons, kinds_line, status_line};
use serenity::all::{
    ButtonStyle as DiscordButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateEmbed, CreateEmbedFooter, Embed,
};

/// Discord's limit on buttons in one action row.
pub const BUTTONS_PER_ROW: usize = 5;
/// Discord's limit on action rows in one message.
pub const ROWS_PER_MESSAGE: usize = 5;
/// Discord's limit on a button label.
const LABEL_LIMIT: usize = 80;
/// Discord's limit on one embed field value.
const FIELD_LIMIT: usize = 1024;
/// Name of the embed field that holds the masked snippet (kept across updates).
pub const SNIPPET_FIELD: &str = "Masked snippet";

/// Embed colours by alert state.
const COLOUR_OPEN: u32 = 0xD9_3F_3F;
const COLOUR_CLAIMED: u32 = 0xE6_A2_3C;
const COLOUR_RESOLVED: u32 = 0x4F_A3_6B;

/// Allowed mentions for a body: nobody, or exactly its `mentions`.
pub fn allowed_mentions(mentions: &[UserId]) -> CreateAllowedMentions {
    let users: Vec<serenity::all::UserId> = mentions.iter().filter_map(user_id).collect();
    if users.is_empty() {
        CreateAllowedMentions::new()
    } else {
        CreateAllowedMentions::new().users(users)
    }
}

/// Our user id as a Discord snowflake, when it is one.
pub fn user_id(user: &UserId) -> Option<serenity::all::UserId> {
    snowflake(user.as_str()).map(serenity::all::UserId::new)
}

/// A non-zero snowflake from text (Discord ids are non-zero `u64`s).
pub fn snowflake(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok().filter(|n| *n != 0)
}

/// Buttons laid out in rows of at most five (and at most five rows).
pub fn button_rows(buttons: &[Button]) -> Vec<CreateActionRow> {
    if buttons.len() > BUTTONS_PER_ROW * ROWS_PER_MESSAGE {
        tracing::warn!(
            buttons = buttons.len(),
            "more buttons than a Discord message holds; extra ones dropped"
        );
    }
    buttons
        .chunks(BUTTONS_PER_ROW)
        .take(ROWS_PER_MESSAGE)
        .map(|row| CreateActionRow::Buttons(row.iter().map(button).collect()))
        .collect()
}

fn button(b: &Button) -> CreateButton {
    let style = match b.style {
        ButtonStyle::Primary => DiscordButtonStyle::Primary,
        ButtonStyle::Secondary => DiscordButtonStyle::Secondary,
        ButtonStyle::Success => DiscordButtonStyle::Success,
        ButtonStyle::Danger => DiscordButtonStyle::Danger,
    };
    CreateButton::new(b.id.clone())
        .label(truncate(&b.label, LABEL_LIMIT))
        .style(style)
}

/// The chunks a body's text is sent as (never empty: an empty body sends one
/// zero-width placeholder so buttons still have a message to sit on).
pub fn text_chunks(body: &MessageBody) -> Vec<String> {
    let chunks: Vec<String> = split_for_limit(&body.text, DISCORD_MESSAGE_LIMIT)
        .into_iter()
        .filter(|c| !c.trim().is_empty())
        .collect();
    if chunks.is_empty() {
        vec!["\u{200b}".to_string()]
    } else {
        chunks
    }
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The moderators' alert embed. `kept_snippet` is the snippet shown before,
/// used when the card carries none (an update that does not re-show it).
pub fn alert_embed(card: &AlertCard, kept_snippet: Option<&str>) -> CreateEmbed {
    let colour = match card.status.as_str() {
        "resolved" => COLOUR_RESOLVED,
        "claimed" => COLOUR_CLAIMED,
        _ => COLOUR_OPEN,
    };
    let mut embed = CreateEmbed::new()
        .title(truncate(
            &format!(
                "🚨 Alert #{} · severity {}",
                card.alert_id,
                card.severity.to_uppercase()
            ),
            256,
        ))
        .colour(colour)
        .field("Author", field(&mention_or_name(card)), true)
        .field("Channel", field(&channel_mention(card)), true)
        .field("Status", field(&status_line(card)), true)
        .field("Spotted", field(&kinds_line(&card.kinds)), false);
    if let Some(link) = &card.link {
        embed = embed.url(link.clone()).field(
            "Message",
            field(&format!("[Jump to message]({link})")),
            true,
        );
    }
    if !card.explanations.is_empty() {
        let why: Vec<String> = card.explanations.iter().map(|e| format!("• {e}")).collect();
        embed = embed.field("Why", field(&why.join("\n")), false);
    }
    let snippet = card.snippet.as_deref().or(kept_snippet);
    if let Some(snippet) = snippet {
        embed = embed.field(SNIPPET_FIELD, field(&format!("“{snippet}”")), false);
    }
    if card.hidden {
        embed = embed.field(
            "Removed",
            "The message was removed under this channel's policy; the author has their text back privately.",
            false,
        );
    }
    let footer = if card.status == "resolved" {
        "Resolved — no further action needed here.".to_string()
    } else {
        format!(
            "Use the buttons, or /alert claim {id} · /alert resolve {id} <outcome>",
            id = card.alert_id
        )
    };
    embed.footer(CreateEmbedFooter::new(footer))
}

/// The snippet field of an embed posted earlier (without its quotes).
pub fn existing_snippet(embeds: &[Embed]) -> Option<String> {
    embeds
        .iter()
        .flat_map(|e| e.fields.iter())
        .find(|f| f.name == SNIPPET_FIELD)
        .map(|f| {
            f.value
                .trim_start_matches('“')
                .trim_end_matches('”')
                .to_string()
        })
}

/// The rows under an alert (none once it is resolved).
pub fn alert_rows(card: &AlertCard) -> Vec<CreateActionRow> {
    button_rows(&alert_buttons(card))
}

fn mention_or_name(card: &AlertCard) -> String {
    match user_id(&card.author) {
        // A mention inside an embed never pings; it renders the member's name.
        Some(id) => format!("<@{id}> ({})", card.author_name),
        None => card.author_name.clone(),
    }
}

fn channel_mention(card: &AlertCard) -> String {
    match snowflake(card.channel.as_str()) {
        Some(id) => format!("<#{id}>"),
        None => card.channel_name.clone(),
    }
}

fn field(value: &str) -> String {
    if value.trim().is_empty() {
        "—".to_string()
    } else {
        truncate(value, FIELD_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChannelId, MessageId, Platform, Scope};

    fn card(status: &str) -> AlertCard {
        AlertCard {
            alert_id: 7,
            scope: Scope::new(Platform::Discord, "1"),
            channel: ChannelId::new("300"),
            channel_name: "#general".into(),
            message: MessageId::new("55"),
            author: UserId::new("500"),
            author_name: "dr_member".into(),
            link: Some("https://discord.com/channels/1/300/55".into()),
            kinds: vec![("NHS number".into(), 1)],
            severity: "high".into(),
            explanations: vec!["A valid NHS number identifies one patient.".into()],
            snippet: Some("NHS no ▇▇▇ ▇▇▇ ▇▇▇▇".into()),
            status: status.into(),
            outcome: None,
            claimed_by: None,
            resolved_by: None,
            hidden: false,
        }
    }

    fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
        serde_json::to_value(v).expect("serializes")
    }

    #[test]
    fn no_mentions_by_default_and_exactly_the_named_users() {
        let none = json(&allowed_mentions(&[]));
        assert_eq!(none["parse"], serde_json::json!([]));
        assert_eq!(none["users"], serde_json::json!([]));
        let some = json(&allowed_mentions(&[
            UserId::new("42"),
            UserId::new("not-a-snowflake"),
        ]));
        assert_eq!(some["parse"], serde_json::json!([]));
        assert_eq!(some["users"], serde_json::json!(["42"]));
        assert_eq!(some["roles"], serde_json::json!([]));
    }

    #[test]
    fn buttons_are_laid_out_five_per_row() {
        let buttons: Vec<Button> = (0..7)
            .map(|i| Button {
                id: format!("b:{i}"),
                label: format!("B{i}"),
                style: ButtonStyle::Primary,
            })
            .collect();
        let rows = json(&button_rows(&buttons));
        assert_eq!(rows.as_array().map(Vec::len), Some(2));
        assert_eq!(rows[0]["components"].as_array().map(Vec::len), Some(5));
        assert_eq!(rows[1]["components"].as_array().map(Vec::len), Some(2));
        // The alert's six buttons (claim, 4 resolve outcomes, delete) need two rows.
        let alert = json(&alert_rows(&card("open")));
        assert_eq!(alert.as_array().map(Vec::len), Some(2));
        assert!(alert_rows(&card("resolved")).is_empty());
    }

    #[test]
    fn embed_keeps_the_old_snippet_when_the_card_has_none() {
        let mut c = card("resolved");
        c.snippet = None;
        let e = json(&alert_embed(&c, Some("kept ▇▇▇")));
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        let snippet = fields
            .iter()
            .find(|f| f["name"] == SNIPPET_FIELD)
            .expect("snippet field");
        assert_eq!(snippet["value"], "“kept ▇▇▇”");
        let status = fields
            .iter()
            .find(|f| f["name"] == "Status")
            .expect("status");
        assert!(status["value"].as_str().unwrap_or("").contains("resolved"));
        let without = json(&alert_embed(&c, None));
        assert!(
            !without["fields"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .any(|f| f["name"] == SNIPPET_FIELD)
        );
    }

    #[test]
    fn long_text_is_split_and_empty_text_still_sends() {
        let body = MessageBody::text("word ".repeat(900));
        let chunks = text_chunks(&body);
        assert!(chunks.len() >= 3);
        assert!(
            chunks
                .iter()
                .all(|c| c.chars().count() <= DISCORD_MESSAGE_LIMIT)
        );
        assert_eq!(text_chunks(&MessageBody::default()).len(), 1);
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
