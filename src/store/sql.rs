//! The SQL both backends share. SQLite and PostgreSQL accept the same
//! statements here (numbered `$N` parameters, `ON CONFLICT`, `RETURNING`),
//! so one macro body implements [`super::Store`] for both pool types; only
//! connection setup, migrations and catalogue queries differ.

/// Columns of `alerts`, in the order [`alert_from_row`] reads them (a macro so
/// queries stay `&'static str` literals, as sqlx requires).
macro_rules! alert_columns {
    () => {
        "id, platform, guild_id, channel_id, message_id, author_id, kinds, severity, status, outcome, claimed_by, resolved_by, hidden, mod_ref, created_at, updated_at, resolved_at"
    };
}
pub(crate) use alert_columns;

/// Implements `Store` for a struct with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_sql_store {
    ($ty:ty, $db:ty, $backend:literal, $migrator:expr, $tables_sql:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $ty {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn migrate(&self) -> anyhow::Result<()> {
                use anyhow::Context as _;
                $migrator
                    .run(&self.pool)
                    .await
                    .context("running database migrations")?;
                Ok(())
            }

            async fn table_names(&self) -> anyhow::Result<Vec<String>> {
                use sqlx::Row as _;
                let rows = sqlx::query($tables_sql).fetch_all(&self.pool).await?;
                let mut names = Vec::new();
                for row in rows {
                    let name: String = row.try_get(0)?;
                    if !name.starts_with("_sqlx") && !name.starts_with("sqlite_") {
                        names.push(name);
                    }
                }
                names.sort();
                Ok(names)
            }

            async fn dump_table(&self, table: &str) -> anyhow::Result<Vec<String>> {
                use sqlx::{Column as _, Row as _};
                let known = self.table_names().await?;
                if !known.iter().any(|t| t == table) {
                    anyhow::bail!("unknown table");
                }
                // The name was checked against the catalogue above.
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::new();
                for row in rows {
                    for (i, col) in row.columns().iter().enumerate() {
                        let v = if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                            v.unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            v.map(|v| v.to_string()).unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
                            v.map(|v| v.to_string()).unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                            v.map(|v| v.to_string()).unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                            v.map(|v| v.to_string()).unwrap_or_default()
                        } else {
                            anyhow::bail!("column {} of {table} has a type the dump cannot read", col.name());
                        };
                        out.push(v);
                    }
                }
                Ok(out)
            }

            async fn guild_settings(
                &self,
                scope: &$crate::domain::Scope,
            ) -> anyhow::Result<$crate::store::GuildSettings> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT mod_channel, default_policy FROM guild_settings WHERE platform = $1 AND guild_id = $2",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    None => $crate::store::GuildSettings { mod_channel: None, default_policy: None },
                    Some(row) => $crate::store::GuildSettings {
                        mod_channel: row
                            .try_get::<Option<String>, _>(0)?
                            .map($crate::domain::ChannelId),
                        default_policy: row
                            .try_get::<Option<String>, _>(1)?
                            .and_then(|p| $crate::config::Policy::parse(&p)),
                    },
                })
            }

            async fn set_mod_channel(
                &self,
                scope: &$crate::domain::Scope,
                channel: &$crate::domain::ChannelId,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO guild_settings (platform, guild_id, mod_channel, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (platform, guild_id) DO UPDATE SET mod_channel = excluded.mod_channel, updated_at = excluded.updated_at",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(channel.as_str())
                .bind($crate::store::to_millis(chrono::Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn set_default_policy(
                &self,
                scope: &$crate::domain::Scope,
                policy: $crate::config::Policy,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO guild_settings (platform, guild_id, default_policy, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (platform, guild_id) DO UPDATE SET default_policy = excluded.default_policy, updated_at = excluded.updated_at",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(policy.as_str())
                .bind($crate::store::to_millis(chrono::Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn channel_policy(
                &self,
                scope: &$crate::domain::Scope,
                channel: &$crate::domain::ChannelId,
            ) -> anyhow::Result<Option<$crate::store::ChannelPolicy>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT policy, exempt FROM channel_policies WHERE platform = $1 AND guild_id = $2 AND channel_id = $3",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(channel.as_str())
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => Ok(Some($crate::store::ChannelPolicy {
                        policy: row
                            .try_get::<Option<String>, _>(0)?
                            .and_then(|p| $crate::config::Policy::parse(&p)),
                        exempt: row.try_get::<bool, _>(1)?,
                    })),
                }
            }

            async fn set_channel_policy(
                &self,
                scope: &$crate::domain::Scope,
                channel: &$crate::domain::ChannelId,
                policy: $crate::store::ChannelPolicy,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO channel_policies (platform, guild_id, channel_id, policy, exempt, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (platform, guild_id, channel_id) DO UPDATE SET policy = excluded.policy, exempt = excluded.exempt, updated_at = excluded.updated_at",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(channel.as_str())
                .bind(policy.policy.map(|p| p.as_str()))
                .bind(policy.exempt)
                .bind($crate::store::to_millis(chrono::Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_channel_policies(
                &self,
                scope: &$crate::domain::Scope,
            ) -> anyhow::Result<Vec<($crate::domain::ChannelId, $crate::store::ChannelPolicy)>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT channel_id, policy, exempt FROM channel_policies WHERE platform = $1 AND guild_id = $2 ORDER BY channel_id",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for row in rows {
                    out.push((
                        $crate::domain::ChannelId(row.try_get::<String, _>(0)?),
                        $crate::store::ChannelPolicy {
                            policy: row
                                .try_get::<Option<String>, _>(1)?
                                .and_then(|p| $crate::config::Policy::parse(&p)),
                            exempt: row.try_get::<bool, _>(2)?,
                        },
                    ));
                }
                Ok(out)
            }

            async fn list_communities(&self) -> anyhow::Result<Vec<$crate::domain::Scope>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT platform, guild_id FROM guild_settings UNION SELECT platform, guild_id FROM alerts ORDER BY 1, 2",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for row in rows {
                    let platform: String = row.try_get(0)?;
                    if let Some(p) = $crate::domain::Platform::parse(&platform) {
                        out.push($crate::domain::Scope {
                            platform: p,
                            guild: $crate::domain::GuildId(row.try_get(1)?),
                        });
                    }
                }
                Ok(out)
            }

            async fn create_alert(
                &self,
                alert: &$crate::store::NewAlert,
            ) -> anyhow::Result<Option<$crate::store::AlertRecord>> {
                use sqlx::Row as _;
                let at = $crate::store::to_millis(alert.at);
                let row = sqlx::query(
                    "INSERT INTO alerts (platform, guild_id, channel_id, message_id, author_id, kinds, severity, status, hidden, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $9)
                     ON CONFLICT (platform, guild_id, channel_id, message_id) DO NOTHING
                     RETURNING id",
                )
                .bind(alert.scope.platform.as_str())
                .bind(alert.scope.guild.as_str())
                .bind(alert.channel.as_str())
                .bind(alert.message.as_str())
                .bind(alert.author.as_str())
                .bind($crate::store::encode_kinds(&alert.kinds))
                .bind(alert.severity.as_str())
                .bind(alert.hidden)
                .bind(at)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => {
                        let id: i64 = row.try_get(0)?;
                        self.alert(id).await
                    }
                }
            }

            async fn alert(&self, id: i64) -> anyhow::Result<Option<$crate::store::AlertRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::sql::alert_columns!(),
                    " FROM alerts WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| $crate::store::sql::alert_from_row(&r)).transpose()
            }

            async fn alert_for_message(
                &self,
                scope: &$crate::domain::Scope,
                channel: &$crate::domain::ChannelId,
                message: &$crate::domain::MessageId,
            ) -> anyhow::Result<Option<$crate::store::AlertRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::sql::alert_columns!(),
                    " FROM alerts WHERE platform = $1 AND guild_id = $2 AND channel_id = $3 AND message_id = $4"
                ))
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(channel.as_str())
                .bind(message.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| $crate::store::sql::alert_from_row(&r)).transpose()
            }

            async fn save_alert(&self, a: &$crate::store::AlertRecord) -> anyhow::Result<()> {
                sqlx::query(
                    "UPDATE alerts SET kinds = $1, severity = $2, status = $3, outcome = $4, claimed_by = $5, resolved_by = $6,
                     hidden = $7, mod_ref = COALESCE($8, mod_ref), updated_at = $9, resolved_at = $10 WHERE id = $11",
                )
                .bind($crate::store::encode_kinds(&a.kinds))
                .bind(a.severity.as_str())
                .bind(a.status.as_str())
                .bind(a.outcome.map(|o| o.as_str()))
                .bind(a.claimed_by.as_ref().map(|u| u.as_str()))
                .bind(a.resolved_by.as_ref().map(|u| u.as_str()))
                .bind(a.hidden)
                .bind(a.mod_ref.as_deref())
                .bind($crate::store::to_millis(a.updated_at))
                .bind(a.resolved_at.map($crate::store::to_millis))
                .bind(a.id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn set_alert_mod_ref(&self, id: i64, mod_ref: &str) -> anyhow::Result<()> {
                sqlx::query("UPDATE alerts SET mod_ref = $1 WHERE id = $2")
                    .bind(mod_ref)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn list_alerts(
                &self,
                scope: &$crate::domain::Scope,
                filter: &$crate::store::AlertFilter,
            ) -> anyhow::Result<Vec<$crate::store::AlertRecord>> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    $crate::store::sql::alert_columns!(),
                    " FROM alerts WHERE platform = $1 AND guild_id = $2
                     AND ($3 IS NULL OR status = $3) AND created_at >= $4
                     ORDER BY id DESC LIMIT $5"
                ))
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(filter.status.map(|s| s.as_str()))
                .bind(filter.since.map($crate::store::to_millis).unwrap_or(i64::MIN))
                .bind(i64::from(filter.limit.unwrap_or(10_000)))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map($crate::store::sql::alert_from_row).collect()
            }

            async fn purge_resolved_alerts(&self, cutoff: chrono::DateTime<chrono::Utc>) -> anyhow::Result<u64> {
                let res = sqlx::query("DELETE FROM alerts WHERE status = 'resolved' AND resolved_at < $1")
                    .bind($crate::store::to_millis(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(res.rows_affected())
            }

            async fn record_nudge(
                &self,
                platform: $crate::domain::Platform,
                user: &$crate::domain::UserId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                sqlx::query("INSERT INTO nudges (platform, user_id, sent_at) VALUES ($1, $2, $3)")
                    .bind(platform.as_str())
                    .bind(user.as_str())
                    .bind($crate::store::to_millis(at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn count_nudges_since(
                &self,
                platform: $crate::domain::Platform,
                user: &$crate::domain::UserId,
                since: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<u32> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT COUNT(*) FROM nudges WHERE platform = $1 AND user_id = $2 AND sent_at >= $3",
                )
                .bind(platform.as_str())
                .bind(user.as_str())
                .bind($crate::store::to_millis(since))
                .fetch_one(&self.pool)
                .await?;
                let n: i64 = row.try_get(0)?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }

            async fn purge_nudges(&self, cutoff: chrono::DateTime<chrono::Utc>) -> anyhow::Result<u64> {
                let res = sqlx::query("DELETE FROM nudges WHERE sent_at < $1")
                    .bind($crate::store::to_millis(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(res.rows_affected())
            }

            async fn set_platform_ref(&self, scope: &$crate::domain::Scope, key: &str, value: &str) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO platform_refs (platform, guild_id, ref_key, ref_value, updated_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (platform, guild_id, ref_key) DO UPDATE SET ref_value = excluded.ref_value, updated_at = excluded.updated_at",
                )
                .bind(scope.platform.as_str())
                .bind(scope.guild.as_str())
                .bind(key)
                .bind(value)
                .bind($crate::store::to_millis(chrono::Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn platform_ref(&self, scope: &$crate::domain::Scope, key: &str) -> anyhow::Result<Option<String>> {
                use sqlx::Row as _;
                let row = sqlx::query("SELECT ref_value FROM platform_refs WHERE platform = $1 AND guild_id = $2 AND ref_key = $3")
                    .bind(scope.platform.as_str())
                    .bind(scope.guild.as_str())
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get(0)?),
                    None => None,
                })
            }

            async fn claim_job(&self, key: &str, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<bool> {
                let res = sqlx::query(
                    "INSERT INTO jobs (job_key, claimed_at) VALUES ($1, $2) ON CONFLICT (job_key) DO NOTHING",
                )
                .bind(key)
                .bind($crate::store::to_millis(at))
                .execute(&self.pool)
                .await?;
                Ok(res.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_sql_store;

/// Read an alert row selected with [`alert_columns`].
pub(crate) fn alert_from_row<R>(row: &R) -> anyhow::Result<super::AlertRecord>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    use super::*;
    use crate::domain::*;
    let platform: String = row.try_get(1)?;
    let severity: String = row.try_get(7)?;
    let status: String = row.try_get(8)?;
    let outcome: Option<String> = row.try_get(9)?;
    Ok(AlertRecord {
        id: row.try_get(0)?,
        scope: Scope {
            platform: Platform::parse(&platform)
                .ok_or_else(|| anyhow::anyhow!("alerts.platform holds an unknown platform"))?,
            guild: GuildId(row.try_get(2)?),
        },
        channel: ChannelId(row.try_get(3)?),
        message: MessageId(row.try_get(4)?),
        author: UserId(row.try_get(5)?),
        kinds: decode_kinds(&row.try_get::<String, _>(6)?),
        severity: crate::phi::Severity::parse(&severity)
            .ok_or_else(|| anyhow::anyhow!("alerts.severity holds an unknown value"))?,
        status: AlertStatus::parse(&status)
            .ok_or_else(|| anyhow::anyhow!("alerts.status holds an unknown value"))?,
        outcome: outcome.as_deref().and_then(Outcome::parse),
        claimed_by: row.try_get::<Option<String>, _>(10)?.map(UserId),
        resolved_by: row.try_get::<Option<String>, _>(11)?.map(UserId),
        hidden: row.try_get(12)?,
        mod_ref: row.try_get(13)?,
        created_at: from_millis(row.try_get(14)?),
        updated_at: from_millis(row.try_get(15)?),
        resolved_at: row.try_get::<Option<i64>, _>(16)?.map(from_millis),
    })
}
