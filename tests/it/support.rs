//! Shared test helpers: throwaway databases on both backends.
//!
//! SQLite tests use a file in a fresh temp dir. PostgreSQL tests create a
//! fresh database per test on the server named by `TEST_DATABASE_URL` and
//! drop it afterwards; without that variable they are skipped with a note,
//! except under CI (`CI=true`), where a missing server is a failure.

#![allow(dead_code)]

use rounds::store::SharedStore;
use std::sync::atomic::{AtomicU32, Ordering};

/// A store that lives as long as this value.
pub struct TestDb {
    pub store: SharedStore,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    /// A fresh SQLite database file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("rounds.db").display());
        let store = rounds::store::connect(&url).await.expect("sqlite store");
        TestDb {
            store,
            url,
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (skip) when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = match std::env::var("TEST_DATABASE_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("TEST_DATABASE_URL must be set under CI");
                }
                eprintln!("skipped: TEST_DATABASE_URL is not set, PostgreSQL variant not run");
                return None;
            }
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "rounds_t_{}_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = connect_admin(&admin_url).await;
        use sqlx::Executor;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        let url = replace_db(&admin_url, &name);
        let store = rounds::store::connect(&url).await.expect("postgres store");
        Some(TestDb {
            store,
            url,
            _dir: None,
            pg_drop: Some((admin_url, name)),
        })
    }
}

async fn connect_admin(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url)
        .await
        .expect("connect to TEST_DATABASE_URL")
}

/// `postgres://u@h:5432/x?y` → same with database `name`.
pub fn replace_db(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((url, None));
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take() {
            // Dropping needs async I/O; do it on a short-lived thread and runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        use sqlx::Executor;
                        let mut admin = connect_admin(&admin_url).await;
                        let _ = admin
                            .execute(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .await;
                    });
                }
            })
            .join();
        }
    }
}

/// Generate a test that runs `$body(store)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! store_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::support::TestDb::sqlite().await;
                ($body)(db.store.clone()).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::support::TestDb::postgres().await else {
                    return;
                };
                ($body)(db.store.clone()).await;
            }
        }
    };
}
