//! Two kinds of error. A [`UserError`] carries text that is safe to show in a
//! channel. Everything else is internal: logged with an error id (and never
//! its text, which might hold message content) and shown to users only as a
//! generic line naming that id.

use std::fmt;

/// An error whose message is safe to show to the member who caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError(pub String);

impl UserError {
    pub fn new(msg: impl Into<String>) -> Self {
        UserError(msg.into())
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// The error type of command and message handlers.
#[derive(Debug)]
pub enum BotError {
    /// Safe to show as is.
    User(UserError),
    /// Internal: shown only as a generic line with an error id.
    Internal(anyhow::Error),
}

impl From<UserError> for BotError {
    fn from(e: UserError) -> Self {
        BotError::User(e)
    }
}

impl From<anyhow::Error> for BotError {
    fn from(e: anyhow::Error) -> Self {
        BotError::Internal(e)
    }
}

/// Shorthand for returning a user-facing error.
pub fn user_err<T>(msg: impl Into<String>) -> Result<T, BotError> {
    Err(BotError::User(UserError::new(msg)))
}

impl BotError {
    /// The text to show to the user. Internal errors are logged here with a
    /// fresh error id; only the id and the error's *chain length* reach the
    /// log, because the chain may quote message content.
    pub fn user_text(&self) -> String {
        match self {
            BotError::User(e) => e.0.clone(),
            BotError::Internal(e) => {
                let id = error_id();
                // Errors from the database, HTTP and I/O layers are technical
                // text (our code never puts message content into them);
                // anything else may quote content, so only its kind is logged.
                match internal_kind(e) {
                    "other" => tracing::error!(error_id = %id, kind = "other", "internal error"),
                    kind => {
                        tracing::error!(error_id = %id, kind, error = format!("{e:#}"), "internal error")
                    }
                }
                format!(
                    "Something went wrong on our side (error id {id}). The moderators can look it up in the bot's logs."
                )
            }
        }
    }
}

/// A classification of an internal error that never includes its text.
fn internal_kind(e: &anyhow::Error) -> &'static str {
    if e.downcast_ref::<sqlx::Error>().is_some() {
        "database"
    } else if e.downcast_ref::<reqwest::Error>().is_some() {
        "http"
    } else if e.downcast_ref::<std::io::Error>().is_some() {
        "io"
    } else {
        "other"
    }
}

fn error_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = chrono::Utc::now().timestamp_millis() as u64;
    format!("E{:x}{:03x}", t & 0xff_ffff, n & 0xfff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_show_their_text() {
        let e = BotError::Internal(anyhow::anyhow!("secret 943 476 5919"));
        let shown = e.user_text();
        assert!(!shown.contains("943"), "{shown}");
        assert!(shown.contains("error id E"));
    }

    #[test]
    fn user_errors_show_their_text() {
        let e = BotError::User(UserError::new("Unknown topic `x`."));
        assert_eq!(e.user_text(), "Unknown topic `x`.");
    }
}
