//! The bot's Matrix session: log in once, then reuse the same device on
//! every start.
//!
//! Layout under `<data_dir>/matrix/` (directory mode 0700):
//! - `session.json` (mode 0600): user id, device id and access token;
//! - `store/`: matrix-sdk's SQLite state and crypto store (device keys,
//!   Olm/Megolm sessions), which only matches the device in `session.json`.
//!
//! Invariants:
//! - With a saved session, no login happens: the device (and so its
//!   encryption identity) stays the same across restarts.
//! - Without a saved session, a leftover store belongs to an unknown device
//!   and is removed before logging in (matrix-sdk refuses a store whose
//!   account differs), which loses the keys in it — see docs/matrix.md.
//! - Secrets never reach logs or error texts.

use super::MatrixLogin;
use anyhow::{Context, Result, bail};
use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId};
use matrix_sdk::{SessionMeta, SessionTokens};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// File name of the saved session inside the Matrix data directory.
pub const SESSION_FILE: &str = "session.json";
/// Directory name of the SQLite state and crypto store.
pub const STORE_DIR: &str = "store";

/// `<data_dir>/matrix`.
pub fn matrix_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("matrix")
}

/// A logged-in client, restored from disk when a session was saved.
pub async fn connect(login: &MatrixLogin) -> Result<Client> {
    let dir = matrix_dir(&login.data_dir);
    create_private_dir(&dir)?;
    let session_path = dir.join(SESSION_FILE);
    let store_path = dir.join(STORE_DIR);

    if session_path.exists() {
        let raw = std::fs::read(&session_path)
            .with_context(|| format!("reading {}", session_path.display()))?;
        let session: MatrixSession = serde_json::from_slice(&raw)
            .with_context(|| format!("{} is not a saved session", session_path.display()))?;
        check_same_user(&session.meta.user_id, &login.user)?;
        let client = build(&login.homeserver_url, &store_path).await?;
        client
            .restore_session(session)
            .await
            .context("restoring the saved Matrix session")?;
        if client.whoami().await.is_err() {
            bail!(
                "the homeserver rejected the saved Matrix session; if the bot was logged out, delete {} and {} to log in again (this creates a new device)",
                session_path.display(),
                store_path.display()
            );
        }
        info!(device = ?client.device_id(), "Matrix session restored");
        return Ok(client);
    }

    if store_path.exists() {
        warn!("no saved Matrix session: removing the store of the previous, unknown device");
        std::fs::remove_dir_all(&store_path)
            .with_context(|| format!("removing {}", store_path.display()))?;
    }
    let client = build(&login.homeserver_url, &store_path).await?;
    if let Some(password) = &login.password {
        client
            .matrix_auth()
            .login_username(&login.user, password.expose())
            .initial_device_display_name("Rounds bot")
            .await
            .context("logging in to Matrix with MATRIX_USER / MATRIX_PASSWORD")?;
    } else if let Some(token) = &login.access_token {
        let (user_id, device_id) = whoami(&login.homeserver_url, token.expose()).await?;
        check_same_user(&user_id, &login.user)?;
        let session = MatrixSession {
            meta: SessionMeta { user_id, device_id },
            tokens: SessionTokens {
                access_token: token.expose().to_string(),
                refresh_token: None,
            },
        };
        client
            .restore_session(session)
            .await
            .context("using MATRIX_ACCESS_TOKEN")?;
    } else {
        bail!("set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN");
    }
    let session = client
        .matrix_auth()
        .session()
        .context("no Matrix session after login")?;
    save_session(&session_path, &session)?;
    info!(device = ?client.device_id(), "Matrix session created and saved");
    Ok(client)
}

async fn build(homeserver_url: &str, store_path: &Path) -> Result<Client> {
    Client::builder()
        .homeserver_url(homeserver_url)
        .sqlite_store(store_path, None)
        .build()
        .await
        .context("building the Matrix client (homeserver URL or store)")
}

/// The user and device of an access token (`GET /account/whoami`).
async fn whoami(homeserver_url: &str, token: &str) -> Result<(OwnedUserId, OwnedDeviceId)> {
    #[derive(serde::Deserialize)]
    struct WhoAmI {
        user_id: OwnedUserId,
        device_id: Option<OwnedDeviceId>,
    }
    let url = format!(
        "{}/_matrix/client/v3/account/whoami",
        homeserver_url.trim_end_matches('/')
    );
    let resp = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("building an HTTP client")?
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .context("asking the homeserver who MATRIX_ACCESS_TOKEN belongs to")?;
    if !resp.status().is_success() {
        bail!(
            "the homeserver rejected MATRIX_ACCESS_TOKEN (HTTP {})",
            resp.status().as_u16()
        );
    }
    let who: WhoAmI = resp.json().await.context("reading the whoami answer")?;
    let device = who
        .device_id
        .context("MATRIX_ACCESS_TOKEN has no device; log in with a password or a device token")?;
    Ok((who.user_id, device))
}

/// `MATRIX_USER` may be a full id (`@bot:hs`) or a localpart (`bot`).
fn check_same_user(saved: &OwnedUserId, configured: &str) -> Result<()> {
    let configured = configured.trim();
    let same = if configured.starts_with('@') {
        saved.as_str() == configured
    } else {
        saved.localpart() == configured
    };
    if !same {
        bail!(
            "the saved Matrix session belongs to {saved}, not MATRIX_USER; use another bot.data_dir or remove the saved session"
        );
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(())
}

/// Writes the session atomically with mode 0600 (it holds the access token).
fn save_session(path: &Path, session: &MatrixSession) -> Result<()> {
    let json = serde_json::to_vec(session).context("encoding the session")?;
    let tmp = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("creating {}", tmp.display()))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("saving {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_check_accepts_id_or_localpart() {
        let saved: OwnedUserId = "@rounds:hs.org".try_into().unwrap();
        assert!(check_same_user(&saved, "@rounds:hs.org").is_ok());
        assert!(check_same_user(&saved, "rounds").is_ok());
        assert!(check_same_user(&saved, "other").is_err());
        assert!(check_same_user(&saved, "@rounds:other.org").is_err());
    }
}
