//! The one integration-test binary (each linked binary costs a full link of
//! the stack, so features add modules here instead of new test files).

mod support;

mod console;
mod guidance_corpus;
mod jc_commands;
mod jc_metadata;
mod jc_scheduler;
mod jc_support;
mod moderation;
mod phi_corpus;
mod store_contract;

mod discord_adapter;
mod discord_fixtures;
mod discord_harness;
mod discord_latency;
mod fake_discord;
mod http_endpoint;
mod matrix_adapter;
mod matrix_harness;
mod packaging;
mod synapse;
