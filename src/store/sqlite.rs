//! SQLite backend: the zero-setup default. WAL journal, created if missing.

use anyhow::{Context, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// Store on a SQLite file (or `sqlite::memory:` for tests).
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) pool: sqlx::SqlitePool,
}

impl SqliteStore {
    /// Open `sqlite://path` (created if missing) in WAL mode. Does not migrate.
    pub async fn connect(url: &str) -> Result<SqliteStore> {
        let memory = url.contains(":memory:");
        let opts = SqliteConnectOptions::from_str(url)
            .context("DATABASE_URL is not a valid sqlite URL")?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            // One connection for in-memory databases, which are per connection.
            .max_connections(if memory { 1 } else { 8 })
            .connect_with(opts)
            .await
            .context("opening the SQLite database")?;
        Ok(SqliteStore { pool })
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

super::sql::impl_sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    "sqlite",
    MIGRATOR,
    "SELECT name FROM sqlite_master WHERE type = 'table'"
);

super::journal_club::impl_journal_club_store!(SqliteStore, sqlx::Sqlite);
