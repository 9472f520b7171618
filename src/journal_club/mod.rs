//! Journal club: the platform-free, storage-free building blocks.
//!
//! A weekly thread run by the bot, modelled on the Twitter Journal Club and NephJC: members
//! suggest papers by DOI or PMID ([`paper`]), the bot looks up their details ([`metadata`]),
//! works out when each session and each of its steps happen ([`schedule`]), and renders the
//! texts it posts ([`render`]) and a calendar feed ([`ics`]).
//!
//! Invariants shared by the submodules: no platform types (Discord, Matrix) and no storage here;
//! every error that can reach a member has user-safe `Display` text; nothing here logs message
//! text or member identifiers. The only I/O is the HTTP lookup in [`metadata`].

pub mod ics;
pub mod metadata;
pub mod paper;
pub mod render;
pub mod schedule;
