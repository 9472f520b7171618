//! # Rounds
//!
//! A bot for private doctors' communities on Discord and Matrix. It answers
//! questions about doctors' use of social media with sourced guidance, runs a
//! weekly journal club, and guards confidentiality by scanning every message
//! (and edit) for patient-identifiable data.
//!
//! ## Architecture in one screen
//!
//! ```text
//!  adapters/{discord,matrix,console}   platform events ──► domain::IncomingMessage / commands::Command
//!            ▲                                                   │
//!            │ BotAction (reply, alert, DM, hide, thread, event)  ▼
//!            └──────────────────────────────────────────────  bot::Bot ── moderation (phi + policy)
//!                                                                  ├──── guidance (topics, search)
//!                                                                  ├──── journal_club (scheduler, papers)
//!                                                                  └──── store::Store (SQLite | PostgreSQL)
//! ```
//!
//! * Only `adapters/` sees serenity, poise or matrix-sdk types. Features
//!   return [`domain::BotAction`]s; adapters carry them out.
//! * `phi` is pure and synchronous; `moderation` turns its findings and the
//!   channel policy into actions and audit records holding ids and kinds only.
//! * Errors are either [`error::UserError`] (safe to show) or internal
//!   (logged with an id, shown as a generic line).
//! * Privacy: no message text, matched span or identifier is ever logged,
//!   stored or put into an error. Alerts carry masked snippets.

pub mod adapters;
pub mod bot;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod guidance;
pub mod http;
pub mod journal_club;
pub mod moderation;
pub mod phi;
pub mod store;
pub mod telemetry;
