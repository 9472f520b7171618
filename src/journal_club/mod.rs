//! Journal club: the platform-free, storage-free building blocks.
//!
//! A weekly thread run by the bot, modelled on the Twitter Journal Club and NephJC: members
//! suggest papers by DOI or PMID ([`paper`]), the bot looks up their details ([`metadata`]),
//! works out when each session and each of its steps happen ([`schedule`]), and renders the
//! texts it posts ([`render`]) and a calendar feed ([`ics`]).
//!
//! On top of those, [`service`] runs the `/jc …` commands and the adapters' hooks, and
//! [`scheduler`] is the clock-driven step ([`tick`]); both use the store.
//!
//! Invariants shared by the pure submodules: no platform types (Discord, Matrix) and no storage here;
//! every error that can reach a member has user-safe `Display` text; nothing here logs message
//! text or member identifiers. The only I/O is the HTTP lookup in [`metadata`].

pub mod ics;
pub mod metadata;
pub mod paper;
pub mod render;
pub mod schedule;
pub mod scheduler;
pub mod service;

pub use scheduler::tick;
pub use service::{
    JcContext, calendar, ensure_club, handle_command, occurrences_report, on_message,
    queued_papers, thread_for_key, thread_opened,
};
