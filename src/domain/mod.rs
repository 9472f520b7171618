//! Our own vocabulary, free of any platform type: ids, the incoming message,
//! who is invoking a command, and the [`BotAction`]s that features return and
//! adapters carry out.
//!
//! Invariant: nothing here prints message text through `Debug`. The text of
//! an [`IncomingMessage`] is only reachable through its field, so an
//! accidental `?msg` in a log line shows ids, never content.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The chat platform a message or command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Discord,
    Matrix,
    Console,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Discord => "discord",
            Platform::Matrix => "matrix",
            Platform::Console => "console",
        }
    }
    pub fn parse(s: &str) -> Option<Platform> {
        match s {
            "discord" => Some(Platform::Discord),
            "matrix" => Some(Platform::Matrix),
            "console" => Some(Platform::Console),
            _ => None,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A community: a Discord guild, a Matrix community (configured key), or the console's `local`.
    GuildId
);
id_type!(
    /// A channel, thread or Matrix room.
    ChannelId
);
id_type!(
    /// A member: Discord user snowflake, Matrix user id, or console name.
    UserId
);
id_type!(
    /// A platform message id (Discord snowflake, Matrix event id, console counter).
    MessageId
);

/// Where something happens: platform + community.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub platform: Platform,
    pub guild: GuildId,
}

impl Scope {
    pub fn new(platform: Platform, guild: impl Into<String>) -> Self {
        Scope {
            platform,
            guild: GuildId::new(guild),
        }
    }
}

/// A chat message (new or edited) as every adapter reports it.
#[derive(Clone)]
pub struct IncomingMessage {
    pub scope: Scope,
    pub channel: ChannelId,
    /// Human-readable channel name for alerts (e.g. `#general`).
    pub channel_name: String,
    /// The thread the message belongs to, on platforms where threads live
    /// inside a channel (Matrix: the thread root's event id). `None` elsewhere:
    /// a Discord thread is its own channel.
    pub thread: Option<ChannelId>,
    pub message: MessageId,
    pub author: UserId,
    /// Display name of the author (a doctor, not a patient).
    pub author_name: String,
    pub author_is_bot: bool,
    /// The raw text. Never log it, store it, or put it in an error.
    pub text: String,
    /// True when this event is an edit of an earlier message.
    pub edited: bool,
    /// A link that opens the message on its platform, when it has one.
    pub link: Option<String>,
    pub at: DateTime<Utc>,
}

impl fmt::Debug for IncomingMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingMessage")
            .field("scope", &self.scope)
            .field("channel", &self.channel)
            .field("message", &self.message)
            .field("author", &self.author)
            .field("edited", &self.edited)
            .field("text_len", &self.text.len())
            .finish_non_exhaustive()
    }
}

/// Who is running a command, and with which powers (decided by the adapter
/// from platform roles / power levels, re-checked server-side).
#[derive(Debug, Clone)]
pub struct Invocation {
    pub scope: Scope,
    pub channel: ChannelId,
    pub user: UserId,
    pub user_name: String,
    pub is_moderator: bool,
    pub is_admin: bool,
    /// When the command was issued (adapters pass the event time; tests pass a fixed clock).
    pub at: DateTime<Utc>,
}

/// Whether a reply is seen only by the asker or by the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Visibility {
    /// Only the asker sees it (Discord ephemeral; Matrix DM or thread, per config).
    Private,
    /// Everyone in the channel sees it.
    Public,
}

/// A button the platform can render; `id` comes back in [`crate::commands::Command`] form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// Stable custom id, e.g. `alert:claim:12`.
    pub id: String,
    pub label: String,
    pub style: ButtonStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ButtonStyle {
    Primary,
    Secondary,
    Success,
    Danger,
}

/// A message body in platform-neutral Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody {
    pub text: String,
    /// Users to notify. Adapters allow mentions of exactly these and nobody else.
    pub mentions: Vec<UserId>,
    pub buttons: Vec<Button>,
}

impl MessageBody {
    pub fn text(text: impl Into<String>) -> Self {
        MessageBody {
            text: text.into(),
            ..Default::default()
        }
    }
    pub fn with_buttons(mut self, buttons: Vec<Button>) -> Self {
        self.buttons = buttons;
        self
    }
    pub fn with_mentions(mut self, mentions: Vec<UserId>) -> Self {
        self.mentions = mentions;
        self
    }
}

/// What moderators see about one alert. Carries a masked snippet only; the
/// store never holds it (see `moderation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertCard {
    pub alert_id: i64,
    pub scope: Scope,
    pub channel: ChannelId,
    pub channel_name: String,
    pub message: MessageId,
    pub author: UserId,
    pub author_name: String,
    pub link: Option<String>,
    /// `(kind label, count)`, e.g. `("NHS number", 1)`.
    pub kinds: Vec<(String, u32)>,
    pub severity: String,
    pub explanations: Vec<String>,
    /// Masked snippet; `None` on updates that do not re-show it.
    pub snippet: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    pub claimed_by: Option<String>,
    pub resolved_by: Option<String>,
    pub hidden: bool,
}

/// A scheduled event mirrored on a platform (Discord Guild Scheduled Event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSpec {
    /// Stable key, e.g. `jc:3:2026-11-29T20:00:00Z`.
    pub key: String,
    pub title: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// External location: the thread link when known, else the channel.
    pub location: String,
}

/// What the core asks an adapter to do. Features return these; adapters
/// render them in their platform's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum BotAction {
    /// Answer the invocation that caused this.
    Reply {
        visibility: Visibility,
        body: MessageBody,
    },
    /// Post a message in a channel of the scope.
    Post {
        scope: Scope,
        channel: ChannelId,
        body: MessageBody,
    },
    /// Post a new alert to the scope's moderators' channel.
    AlertModerators { card: AlertCard },
    /// Update an alert already posted (status, outcome, rescan).
    UpdateAlert { card: AlertCard },
    /// Direct-message a member privately.
    DirectMessage {
        scope: Scope,
        user: UserId,
        body: MessageBody,
    },
    /// Remove a message (hide policy) from its channel.
    HideMessage {
        scope: Scope,
        channel: ChannelId,
        message: MessageId,
    },
    /// Open a thread (or forum post) keyed by `key`, with a first message.
    OpenThread {
        scope: Scope,
        channel: ChannelId,
        key: String,
        title: String,
        body: MessageBody,
    },
    /// Post into a thread opened earlier by `OpenThread` with the same key.
    PostInThread {
        scope: Scope,
        key: String,
        body: MessageBody,
    },
    /// Archive (and lock) a thread opened earlier.
    CloseThread {
        scope: Scope,
        key: String,
        lock: bool,
    },
    /// Create or update a platform scheduled event.
    ScheduleEvent { scope: Scope, event: EventSpec },
    /// Cancel a platform scheduled event.
    CancelEvent { scope: Scope, key: String },
}

impl BotAction {
    /// Shorthand for a private reply.
    pub fn private(text: impl Into<String>) -> Self {
        BotAction::Reply {
            visibility: Visibility::Private,
            body: MessageBody::text(text),
        }
    }
    /// Shorthand for a public reply.
    pub fn public(text: impl Into<String>) -> Self {
        BotAction::Reply {
            visibility: Visibility::Public,
            body: MessageBody::text(text),
        }
    }
    /// A short name for logs: the action kind, never its content.
    pub fn kind(&self) -> &'static str {
        match self {
            BotAction::Reply { .. } => "reply",
            BotAction::Post { .. } => "post",
            BotAction::AlertModerators { .. } => "alert_moderators",
            BotAction::UpdateAlert { .. } => "update_alert",
            BotAction::DirectMessage { .. } => "direct_message",
            BotAction::HideMessage { .. } => "hide_message",
            BotAction::OpenThread { .. } => "open_thread",
            BotAction::PostInThread { .. } => "post_in_thread",
            BotAction::CloseThread { .. } => "close_thread",
            BotAction::ScheduleEvent { .. } => "schedule_event",
            BotAction::CancelEvent { .. } => "cancel_event",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incoming_message_debug_hides_text() {
        let msg = IncomingMessage {
            scope: Scope::new(Platform::Console, "local"),
            channel: ChannelId::new("general"),
            channel_name: "#general".into(),
            thread: None,
            message: MessageId::new("1"),
            author: UserId::new("amy"),
            author_name: "amy".into(),
            author_is_bot: false,
            text: "CANARY-TEXT 943 476 5919".into(),
            edited: false,
            link: None,
            at: Utc::now(),
        };
        let dbg = format!("{msg:?}");
        assert!(!dbg.contains("CANARY"), "{dbg}");
        assert!(dbg.contains("text_len"));
    }
}
