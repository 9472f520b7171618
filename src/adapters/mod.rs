//! Platform adapters: the ONLY place that imports serenity, poise or
//! matrix-sdk. Each turns platform events into [`crate::domain`] values,
//! calls [`crate::bot::Bot`], and carries out the returned actions.

pub mod console;
pub mod discord;
pub mod matrix;
