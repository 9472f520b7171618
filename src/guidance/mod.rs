//! Guidance answers about doctors' use of social media.
//!
//! Job: hold the thirteen reviewed guidance topics (one Markdown file with TOML front matter per
//! topic under `config/guidance/`), find the topic that answers a member's question, and render
//! the answer as plain Markdown that both Discord and Matrix display.
//!
//! Invariants:
//! - A [`Library`] always holds exactly the thirteen topics in [`TOPIC_SLUGS`], each validated
//!   (2–3 sentence answer, 5–8 key points, at least one source with publisher and URL,
//!   `review_by` after `reviewed`). Invalid content never replaces valid content:
//!   [`GuidanceHandle::reload_from`] keeps the last good library in force on error.
//! - Everything here is pure and platform-free: no serenity, poise or matrix-sdk types, no I/O
//!   except reading the guidance directory in [`Library::load_dir`].
//! - Nothing here logs or stores the text of a member's question.
//!
//! Search ([`SearchIndex`]) is a small field-weighted BM25 over stemmed tokens and word pairs,
//! with chat-spelling expansion and edit-distance typo tolerance; below a confidence threshold it
//! declines to pick a topic so the bot can say it is not sure and list the closest three.

mod library;
mod render;
mod search;
mod topic;

pub use library::{GuidanceError, GuidanceHandle, Library, ReloadReport, overdue};
pub use render::{
    DISCLAIMER, DISCORD_EMBED_DESCRIPTION_LIMIT, DISCORD_MESSAGE_LIMIT, render_list,
    render_not_sure, render_topic, split_for_limit,
};
pub use search::{CONFIDENCE_THRESHOLD, SearchIndex, SearchResult, tokenize};
pub use topic::{Jurisdiction, ParseJurisdictionError, Source, TOPIC_SLUGS, Topic};
