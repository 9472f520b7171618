//! The one integration-test binary (each linked binary costs a full link of
//! the stack, so features add modules here instead of new test files).

mod support;

mod guidance_corpus;
mod jc_metadata;
mod store_contract;
