//! The confidentiality guard's decisions: detector findings + channel policy
//! → alerts, nudges and hides. Platform-free; adapters render the actions.
//!
//! Invariants: one alert per message (duplicate deliveries never make a
//! second); the store receives ids, kinds, counts and statuses only; every
//! text that leaves this module shows identifiers masked by `phi::redact` —
//! except the `hide` policy's private copy of the author's own text.

mod guard;
mod render;

pub use guard::{
    Decision, Effective, Guard, SNIPPET_CHARS, decide, kind_counts, parse_since, require_admin,
    require_moderator, stats_csv,
};
pub use render::{alert_buttons, kinds_line, render_alert_text, status_line};
