//! Text rendering of alert cards and nudges (Markdown that reads well on the
//! console and Matrix; Discord renders the same card as an embed).

use crate::domain::{AlertCard, Button, ButtonStyle};

/// The alert as plain Markdown text.
pub fn render_alert_text(card: &AlertCard) -> String {
    let mut out = format!(
        "🚨 Alert #{} · severity {} · {}",
        card.alert_id,
        card.severity.to_uppercase(),
        status_line(card)
    );
    out.push_str(&format!(
        "\nAuthor: {} · Channel: {}",
        card.author_name, card.channel_name
    ));
    if let Some(link) = &card.link {
        out.push_str(&format!(" · {link}"));
    }
    out.push_str(&format!("\nSpotted: {}", kinds_line(&card.kinds)));
    for why in &card.explanations {
        out.push_str(&format!("\n• {why}"));
    }
    if let Some(snippet) = &card.snippet {
        out.push_str(&format!("\nMasked snippet: “{snippet}”"));
    }
    if card.hidden {
        out.push_str("\nThe message was removed under this channel's policy; the author has their text back privately.");
    }
    if card.status != "resolved" {
        out.push_str(&format!(
            "\nResolve with `/alert claim {id}` or `/alert resolve {id} <true_positive|false_positive|consented|anonymised_enough|removed>`.",
            id = card.alert_id
        ));
    }
    out
}

/// `open`, `claimed by X`, `resolved (false_positive) by X`.
pub fn status_line(card: &AlertCard) -> String {
    match card.status.as_str() {
        "claimed" => format!(
            "claimed by {}",
            card.claimed_by.as_deref().unwrap_or("a moderator")
        ),
        "resolved" => format!(
            "resolved ({}){}",
            card.outcome.as_deref().unwrap_or("unknown"),
            card.resolved_by
                .as_deref()
                .map(|u| format!(" by {u}"))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

/// `NHS number ×1, patient name ×2`.
pub fn kinds_line(kinds: &[(String, u32)]) -> String {
    if kinds.is_empty() {
        return "nothing any more".into();
    }
    kinds
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Buttons under an alert: Claim · Resolve ▸ outcomes · Delete message.
pub fn alert_buttons(card: &AlertCard) -> Vec<Button> {
    if card.status == "resolved" {
        return Vec::new();
    }
    let id = card.alert_id;
    let mut b = Vec::new();
    if card.status == "open" {
        b.push(Button {
            id: format!("alert:claim:{id}"),
            label: "Claim".into(),
            style: ButtonStyle::Primary,
        });
    }
    for (outcome, label, style) in [
        (
            "true_positive",
            "Resolve ▸ true positive",
            ButtonStyle::Success,
        ),
        (
            "false_positive",
            "Resolve ▸ false positive",
            ButtonStyle::Secondary,
        ),
        ("consented", "Resolve ▸ consented", ButtonStyle::Secondary),
        (
            "anonymised_enough",
            "Resolve ▸ anonymised enough",
            ButtonStyle::Secondary,
        ),
    ] {
        b.push(Button {
            id: format!("alert:resolve:{id}:{outcome}"),
            label: label.into(),
            style,
        });
    }
    if !card.hidden {
        b.push(Button {
            id: format!("alert:delete:{id}"),
            label: "Delete message".into(),
            style: ButtonStyle::Danger,
        });
    }
    b
}
