//! PostgreSQL backend: for several bot instances sharing one database.

use anyhow::{Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// Store on a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pub(crate) pool: sqlx::PgPool,
}

impl PostgresStore {
    /// Connect to `postgres://…`. Does not migrate.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let opts =
            PgConnectOptions::from_str(url).context("DATABASE_URL is not a valid postgres URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(PostgresStore { pool })
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

super::sql::impl_sql_store!(
    PostgresStore,
    sqlx::Postgres,
    "postgres",
    MIGRATOR,
    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()"
);

super::journal_club::impl_journal_club_store!(PostgresStore, sqlx::Postgres);
