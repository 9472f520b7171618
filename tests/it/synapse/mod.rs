//! A real Synapse homeserver on loopback for the Matrix integration tests.
//!
//! `Synapse::start()` writes a throwaway config into a temporary directory (server name
//! `localhost`, one plain-HTTP `client` listener on 127.0.0.1 with a free port, SQLite
//! database, federation and key servers off, presence off, rate limits raised so tests are
//! never throttled), runs `python -m synapse.app.homeserver` from the virtualenv that
//! `.ci/synapse.sh` installs, and waits until `/health` answers.
//!
//! Invariants:
//! - A missing virtualenv is a test FAILURE naming `.ci/synapse.sh`, never a silent skip.
//! - Every `Synapse` owns its process and directory: dropping it kills the server and
//!   deletes the database, so tests never share state.
//! - Nothing here listens on or talks to anything but 127.0.0.1.
//!
//! The REST helpers act as a second, independent Matrix client (the "human" side) that
//! speaks plain client-server API with an access token, so tests can check what a bot did
//! without going through the bot's own SDK. They cannot encrypt: for encrypted rooms the
//! human side must be a crypto-capable client.

// Shared by several test modules; not every module uses every helper.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use hmac::{Hmac, Mac};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use sha1::Sha1;
use tokio::process::{Child, Command};

/// Environment variable naming the Synapse virtualenv (same as in `.ci/synapse.sh`).
pub const VENV_ENV: &str = "ROUNDS_SYNAPSE_VENV";

/// How long `start` waits for `/health` before failing.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Lines of the server's log shown when startup fails.
const LOG_TAIL_LINES: usize = 40;

/// The shared secret for the admin registration API of this throwaway server.
const REGISTRATION_SECRET: &str = "rounds-test-registration-secret";

/// Rate limit that no test reaches.
fn unthrottled() -> Value {
    json!({ "per_second": 10000, "burst_count": 10000 })
}

/// How often `start` tries when the probed port was taken by someone else.
const START_ATTEMPTS: u32 = 3;

/// A running Synapse homeserver, killed and deleted on drop.
pub struct Synapse {
    // Field order matters: the child is killed (kill_on_drop) before the directory goes.
    child: Child,
    dir: tempfile::TempDir,
    base_url: String,
    http: reqwest::Client,
    txn: AtomicU64,
}

impl Synapse {
    /// Starts a fresh homeserver and waits until it is healthy.
    ///
    /// Fails (never skips) when the virtualenv from `.ci/synapse.sh` is missing, and
    /// includes the tail of the server log when the server exits or does not become
    /// healthy in time.
    pub async fn start() -> Result<Self> {
        // The main crate's dependency graph compiles in both ring and aws-lc-rs, so rustls
        // cannot pick a provider by itself; whoever installs first wins, later calls are no-ops.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let python = venv_python()?;
        // The free port is probed and released before Synapse binds it, so a parallel test
        // can take it in between: retry with a new port when that happens.
        let mut attempt = 1;
        loop {
            match Self::start_once(&python).await? {
                Some(synapse) => return Ok(synapse),
                None if attempt < START_ATTEMPTS => attempt += 1,
                None => bail!("Synapse found its port taken {attempt} times"),
            }
        }
    }

    /// One start attempt; `None` when the probed port was taken before Synapse bound it.
    async fn start_once(python: &Path) -> Result<Option<Self>> {
        let dir = tempfile::Builder::new()
            .prefix("rounds-synapse-")
            .tempdir()
            .context("creating the Synapse temp dir")?;
        let port = free_port()?;
        let config_path = write_config(dir.path(), port)?;

        let log_path = dir.path().join("synapse.log");
        let log = std::fs::File::create(&log_path).context("creating the Synapse log file")?;
        let log_err = log.try_clone().context("cloning the Synapse log handle")?;
        let mut child = Command::new(python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config_path)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawning {}", python.display()))?;

        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        let base_url = format!("http://127.0.0.1:{port}");

        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().context("polling the Synapse process")? {
                let tail = read_log_tail(&log_path);
                if tail.contains("Address already in use") {
                    return Ok(None);
                }
                bail!("Synapse exited during startup ({status}); log tail:\n{tail}");
            }
            let healthy = http
                .get(format!("{base_url}/health"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                break;
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                bail!(
                    "Synapse did not answer /health within {STARTUP_TIMEOUT:?}; log tail:\n{}",
                    read_log_tail(&log_path)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        Ok(Some(Self {
            child,
            dir,
            base_url,
            http,
            txn: AtomicU64::new(0),
        }))
    }

    /// `http://127.0.0.1:PORT`, the homeserver URL for clients (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The last lines of the server's log (warnings and errors only), to add to a
    /// failing test's message.
    pub fn log_tail(&self) -> String {
        read_log_tail(&self.dir.path().join("synapse.log"))
    }

    /// The server name, the part after `:` in user ids.
    pub fn server_name(&self) -> &'static str {
        "localhost"
    }

    /// The full user id for a localpart, e.g. `@alice:localhost`.
    pub fn user_id(&self, localpart: &str) -> String {
        format!("@{localpart}:{}", self.server_name())
    }

    /// The password `register_user` gives a user (for clients that log in with a password).
    pub fn password_for(localpart: &str) -> String {
        format!("pw-{localpart}-rounds-test")
    }

    /// Registers a user through the shared-secret admin API and returns
    /// `(user_id, access_token)`. The password is [`Synapse::password_for`].
    pub async fn register_user(&self, localpart: &str, admin: bool) -> Result<(String, String)> {
        let url = format!("{}/_synapse/admin/v1/register", self.base_url);
        let nonce: Value = self
            .check(self.http.get(&url))
            .await
            .context("getting a nonce")?;
        let nonce = nonce["nonce"].as_str().context("nonce missing")?.to_owned();

        let password = Self::password_for(localpart);
        let mut mac =
            Hmac::<Sha1>::new_from_slice(REGISTRATION_SECRET.as_bytes()).context("HMAC key")?;
        mac.update(nonce.as_bytes());
        mac.update(b"\0");
        mac.update(localpart.as_bytes());
        mac.update(b"\0");
        mac.update(password.as_bytes());
        mac.update(b"\0");
        mac.update(if admin {
            b"admin".as_slice()
        } else {
            b"notadmin".as_slice()
        });
        let mac = to_hex(&mac.finalize().into_bytes());

        let body = json!({
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac,
        });
        let resp = self
            .check(self.http.post(&url).json(&body))
            .await
            .with_context(|| format!("registering {localpart}"))?;
        let user_id = resp["user_id"]
            .as_str()
            .context("user_id missing")?
            .to_owned();
        let token = resp["access_token"]
            .as_str()
            .context("access_token missing")?
            .to_owned();
        Ok((user_id, token))
    }

    /// Creates a room with a raw `/createRoom` body and returns its id.
    pub async fn create_room_with(&self, token: &str, body: Value) -> Result<String> {
        let url = self.client_url("createRoom");
        let resp = self
            .check(self.http.post(url).bearer_auth(token).json(&body))
            .await?;
        Ok(resp["room_id"]
            .as_str()
            .context("room_id missing")?
            .to_owned())
    }

    /// Creates a private, unencrypted room inviting `invite` and returns its id.
    pub async fn create_room(&self, token: &str, invite: &[&str]) -> Result<String> {
        self.create_room_with(token, json!({ "preset": "private_chat", "invite": invite }))
            .await
    }

    /// Invites `user_id` into `room_id`.
    pub async fn invite(&self, token: &str, room_id: &str, user_id: &str) -> Result<()> {
        let url = self.client_url(&format!("rooms/{}/invite", enc(room_id)));
        self.check(
            self.http
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "user_id": user_id })),
        )
        .await?;
        Ok(())
    }

    /// Joins `room_id` (after an invite, or a public room).
    pub async fn join(&self, token: &str, room_id: &str) -> Result<()> {
        let url = self.client_url(&format!("rooms/{}/join", enc(room_id)));
        self.check(self.http.post(url).bearer_auth(token).json(&json!({})))
            .await?;
        Ok(())
    }

    /// Sends any message-like event and returns its event id.
    pub async fn send_event(
        &self,
        token: &str,
        room_id: &str,
        event_type: &str,
        content: Value,
    ) -> Result<String> {
        let txn = self.txn.fetch_add(1, Ordering::Relaxed);
        let url = self.client_url(&format!(
            "rooms/{}/send/{}/rounds-test-{txn}",
            enc(room_id),
            enc(event_type)
        ));
        let resp = self
            .check(self.http.put(url).bearer_auth(token).json(&content))
            .await?;
        Ok(resp["event_id"]
            .as_str()
            .context("event_id missing")?
            .to_owned())
    }

    /// Sends an `m.text` message and returns its event id.
    pub async fn send_text(&self, token: &str, room_id: &str, body: &str) -> Result<String> {
        self.send_event(
            token,
            room_id,
            "m.room.message",
            json!({ "msgtype": "m.text", "body": body }),
        )
        .await
    }

    /// Sends an `m.text` message in the thread rooted at `thread_root`.
    pub async fn send_thread_text(
        &self,
        token: &str,
        room_id: &str,
        thread_root: &str,
        body: &str,
    ) -> Result<String> {
        let content = json!({
            "msgtype": "m.text",
            "body": body,
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": true,
                "m.in_reply_to": { "event_id": thread_root },
            },
        });
        self.send_event(token, room_id, "m.room.message", content)
            .await
    }

    /// Edits (`m.replace`) the text message `target` so that it reads `new_body`.
    pub async fn send_edit(
        &self,
        token: &str,
        room_id: &str,
        target: &str,
        new_body: &str,
    ) -> Result<String> {
        let content = json!({
            "msgtype": "m.text",
            "body": format!("* {new_body}"),
            "m.new_content": { "msgtype": "m.text", "body": new_body },
            "m.relates_to": { "rel_type": "m.replace", "event_id": target },
        });
        self.send_event(token, room_id, "m.room.message", content)
            .await
    }

    /// Reacts (`m.annotation`) to `target` with `key`, e.g. an emoji.
    pub async fn send_reaction(
        &self,
        token: &str,
        room_id: &str,
        target: &str,
        key: &str,
    ) -> Result<String> {
        let content = json!({
            "m.relates_to": { "rel_type": "m.annotation", "event_id": target, "key": key },
        });
        self.send_event(token, room_id, "m.reaction", content).await
    }

    /// Redacts `event_id` and returns the redaction's event id.
    pub async fn redact(&self, token: &str, room_id: &str, event_id: &str) -> Result<String> {
        let txn = self.txn.fetch_add(1, Ordering::Relaxed);
        let url = self.client_url(&format!(
            "rooms/{}/redact/{}/rounds-test-{txn}",
            enc(room_id),
            enc(event_id)
        ));
        let resp = self
            .check(self.http.put(url).bearer_auth(token).json(&json!({})))
            .await?;
        Ok(resp["event_id"]
            .as_str()
            .context("event_id missing")?
            .to_owned())
    }

    /// Sets `user_id`'s power level in `room_id`, keeping the rest of the power levels.
    pub async fn set_power_level(
        &self,
        token: &str,
        room_id: &str,
        user_id: &str,
        level: i64,
    ) -> Result<()> {
        let url = self.client_url(&format!(
            "rooms/{}/state/m.room.power_levels/",
            enc(room_id)
        ));
        let mut levels = self.check(self.http.get(&url).bearer_auth(token)).await?;
        let users = levels
            .as_object_mut()
            .context("power levels are not an object")?
            .entry("users")
            .or_insert_with(|| json!({}));
        users
            .as_object_mut()
            .context("power levels `users` is not an object")?
            .insert(user_id.to_owned(), json!(level));
        self.check(self.http.put(&url).bearer_auth(token).json(&levels))
            .await?;
        Ok(())
    }

    /// Waits until `room_id`'s timeline holds an event (raw client-API JSON) for which
    /// `matches` is true, and returns it. Events already in the room count, so there is no
    /// race with an event sent before the call. Uses `/sync` long-polling as `token`'s user,
    /// who must be in the room.
    pub async fn wait_for_event(
        &self,
        token: &str,
        room_id: &str,
        mut matches: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        let filter = json!({
            "room": {
                "rooms": [room_id],
                "timeline": { "limit": 100 },
                "state": { "lazy_load_members": true },
                "ephemeral": { "not_types": ["*"] },
                "account_data": { "not_types": ["*"] },
            },
            "presence": { "not_types": ["*"] },
            "account_data": { "not_types": ["*"] },
        })
        .to_string();
        let url = self.client_url("sync");
        let mut since: Option<String> = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("no matching event in {room_id} within {timeout:?}");
            }
            let poll_ms = left.as_millis().min(5_000).to_string();
            let mut query = vec![("filter", filter.clone()), ("timeout", poll_ms)];
            if let Some(since) = &since {
                query.push(("since", since.clone()));
            }
            let resp = self
                .check(self.http.get(&url).bearer_auth(token).query(&query))
                .await?;
            let events = resp["rooms"]["join"][room_id]["timeline"]["events"].as_array();
            if let Some(found) = events.into_iter().flatten().find(|e| matches(e)) {
                return Ok(found.clone());
            }
            since = Some(
                resp["next_batch"]
                    .as_str()
                    .context("next_batch missing")?
                    .to_owned(),
            );
        }
    }

    /// Waits until `token`'s user is invited to some room and returns the room id.
    pub async fn wait_for_invite(&self, token: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let filter = json!({
            "room": { "timeline": { "limit": 1 } },
            "presence": { "not_types": ["*"] },
        })
        .to_string();
        let url = self.client_url("sync");
        let mut since: Option<String> = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("no invite within {timeout:?}");
            }
            let poll_ms = left.as_millis().min(5_000).to_string();
            let mut query = vec![("filter", filter.clone()), ("timeout", poll_ms)];
            if let Some(since) = &since {
                query.push(("since", since.clone()));
            }
            let resp = self
                .check(self.http.get(&url).bearer_auth(token).query(&query))
                .await?;
            if let Some(room_id) = resp["rooms"]["invite"]
                .as_object()
                .and_then(|m| m.keys().next())
            {
                return Ok(room_id.clone());
            }
            since = Some(
                resp["next_batch"]
                    .as_str()
                    .context("next_batch missing")?
                    .to_owned(),
            );
        }
    }

    /// Sends a request and returns the JSON body, failing on a non-2xx status with the
    /// server's error body (test-only: the bodies come from our own throwaway server).
    async fn check(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let resp = req.send().await.context("request to Synapse failed")?;
        let status = resp.status();
        let text = resp.text().await.context("reading Synapse's answer")?;
        ensure!(status.is_success(), "Synapse answered {status}: {text}");
        serde_json::from_str(&text).map_err(|e| anyhow!("Synapse sent bad JSON ({e}): {text}"))
    }

    fn client_url(&self, path: &str) -> String {
        format!("{}/_matrix/client/v3/{path}", self.base_url)
    }
}

/// The Python interpreter of the Synapse virtualenv, or an error saying how to install it.
fn venv_python() -> Result<PathBuf> {
    let venv = match std::env::var_os(VENV_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME").context("HOME is not set")?;
            PathBuf::from(home).join(".cache/rounds/synapse-venv")
        }
    };
    let python = venv.join("bin/python");
    ensure!(
        python.exists(),
        "no Synapse virtualenv at {} — run `bash .ci/synapse.sh` first (or set {VENV_ENV})",
        venv.display()
    );
    Ok(python)
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a probe port")?;
    Ok(listener.local_addr()?.port())
}

/// Writes `homeserver.yaml` and its log config into `dir` and returns the config path.
/// JSON is valid YAML, so the config is written with serde_json (no YAML escaping issues).
/// The signing key is generated by Synapse on first start (its default behaviour).
fn write_config(dir: &Path, port: u16) -> Result<PathBuf> {
    let path_str = |p: PathBuf| p.to_string_lossy().into_owned();
    let log_config = dir.join("log.yaml");
    let log = json!({
        "version": 1,
        "formatters": { "plain": { "format": "%(asctime)s %(name)s %(levelname)s %(message)s" } },
        "handlers": {
            "console": { "class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr" },
        },
        "root": { "level": "WARNING", "handlers": ["console"] },
        "disable_existing_loggers": false,
    });
    std::fs::write(&log_config, log.to_string()).context("writing the log config")?;

    let config = json!({
        "server_name": "localhost",
        "public_baseurl": format!("http://127.0.0.1:{port}/"),
        "pid_file": path_str(dir.join("homeserver.pid")),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": false,
            "x_forwarded": false,
            "resources": [{ "names": ["client"], "compress": false }],
        }],
        "database": {
            "name": "sqlite3",
            "args": { "database": path_str(dir.join("homeserver.db")) },
        },
        "log_config": path_str(log_config),
        "media_store_path": path_str(dir.join("media_store")),
        "signing_key_path": path_str(dir.join("localhost.signing.key")),
        "macaroon_secret_key": "rounds-test-macaroon-secret",
        "form_secret": "rounds-test-form-secret",
        "registration_shared_secret": REGISTRATION_SECRET,
        // Password hashing at the production cost dominates registration and login time.
        "bcrypt_rounds": 4,
        "report_stats": false,
        "trusted_key_servers": [],
        "suppress_key_server_warning": true,
        "federation_domain_whitelist": [],
        "enable_registration": true,
        "enable_registration_without_verification": true,
        "presence": { "enabled": false },
        "url_preview_enabled": false,
        "rc_message": unthrottled(),
        "rc_registration": unthrottled(),
        "rc_registration_token_validity": unthrottled(),
        "rc_login": {
            "address": unthrottled(),
            "account": unthrottled(),
            "failed_attempts": unthrottled(),
        },
        "rc_admin_redaction": unthrottled(),
        "rc_joins": { "local": unthrottled(), "remote": unthrottled() },
        "rc_joins_per_room": unthrottled(),
        "rc_3pid_validation": unthrottled(),
        "rc_invites": {
            "per_room": unthrottled(),
            "per_user": unthrottled(),
            "per_issuer": unthrottled(),
        },
        "rc_third_party_invite": unthrottled(),
        "rc_key_requests": unthrottled(),
        "rc_room_creation": unthrottled(),
        "rc_media_create": unthrottled(),
        "rc_delayed_event_mgmt": unthrottled(),
        "rc_reports": unthrottled(),
        "rc_user_directory": unthrottled(),
        "rc_profile": unthrottled(),
        "rc_presence": { "per_user": unthrottled() },
    });
    let config_path = dir.join("homeserver.yaml");
    std::fs::write(&config_path, config.to_string()).context("writing homeserver.yaml")?;
    Ok(config_path)
}

/// The last lines of the server log, for failure messages.
fn read_log_tail(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(e) => format!("(log unreadable: {e})"),
    }
}

/// Percent-encodes one URL path segment (room ids contain `!` and `:`, event ids `$`).
fn enc(segment: &str) -> String {
    utf8_percent_encode(segment, NON_ALPHANUMERIC).to_string()
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Read-back helpers for the Matrix adapter tests (whole-room scans).
impl Synapse {
    /// The rooms `token`'s user has joined.
    pub async fn joined_rooms(&self, token: &str) -> Result<Vec<String>> {
        let resp = self
            .check(
                self.http
                    .get(self.client_url("joined_rooms"))
                    .bearer_auth(token),
            )
            .await?;
        Ok(resp["joined_rooms"]
            .as_array()
            .context("joined_rooms missing")?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect())
    }

    /// Every event of `room_id`'s timeline visible to `token`'s user, oldest first
    /// (pages through `/messages` backwards until the start of the room).
    pub async fn room_messages(&self, token: &str, room_id: &str) -> Result<Vec<Value>> {
        let url = self.client_url(&format!("rooms/{}/messages", enc(room_id)));
        let mut events = Vec::new();
        let mut from: Option<String> = None;
        for _page in 0..100 {
            let mut query = vec![("dir", "b".to_owned()), ("limit", "100".to_owned())];
            if let Some(from) = &from {
                query.push(("from", from.clone()));
            }
            let resp = self
                .check(self.http.get(&url).bearer_auth(token).query(&query))
                .await?;
            let chunk = resp["chunk"].as_array().cloned().unwrap_or_default();
            let done = chunk.is_empty() || resp["end"].is_null();
            events.extend(chunk);
            if done {
                break;
            }
            from = resp["end"].as_str().map(str::to_owned);
        }
        events.reverse();
        Ok(events)
    }
}
