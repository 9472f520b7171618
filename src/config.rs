//! Typed settings. Behaviour comes from `config/rounds.toml` (or `--config
//! PATH`), falling back to built-in defaults so the bot runs with no file at
//! all; unknown keys are errors that name the key and the file. Secrets come
//! only from the environment (or `.env`, loaded by `main` with dotenvy) and
//! are wrapped in [`Secret`], whose `Debug`/`Display` print `[redacted]`.

use crate::phi::Severity;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Default location of the config file, relative to the working directory.
pub const DEFAULT_CONFIG_PATH: &str = "config/rounds.toml";
/// Default database when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://rounds.db";

/// A secret value from the environment. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for handing to a client library. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The confidentiality-guard policy of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Do not scan.
    Off,
    /// Alert moderators and nudge the author (default).
    Notify,
    /// Also remove the message; the author gets their text back privately.
    Hide,
    /// Notify at any severity; hide from medium severity up.
    Strict,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Off => "off",
            Policy::Notify => "notify",
            Policy::Hide => "hide",
            Policy::Strict => "strict",
        }
    }
    pub fn parse(s: &str) -> Option<Policy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Policy::Off),
            "notify" => Some(Policy::Notify),
            "hide" => Some(Policy::Hide),
            "strict" => Some(Policy::Strict),
            _ => None,
        }
    }
}

/// Behaviour settings from the TOML file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub bot: BotSettings,
    pub guard: GuardSettings,
    pub guidance: GuidanceSettings,
    pub journal_club: JournalClubSettings,
    pub console: ConsoleSettings,
    pub http: HttpSettings,
    pub discord: DiscordSettings,
    pub matrix: MatrixSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotSettings {
    /// Name the bot uses for itself in messages.
    pub name: String,
    /// Where the bot keeps local state (Matrix session and crypto store).
    pub data_dir: PathBuf,
    /// Contact address given in the User-Agent of metadata lookups.
    pub contact_email: String,
}

impl Default for BotSettings {
    fn default() -> Self {
        BotSettings {
            name: "Rounds".into(),
            data_dir: PathBuf::from("data"),
            contact_email: "admin@example.org".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardSettings {
    /// Policy for channels without their own (`off`, `notify`, `hide`, `strict`).
    pub default_policy: Policy,
    /// Lowest severity that raises an alert under `notify` and `hide`.
    pub notify_min_severity: Severity,
    /// Lowest severity at which `strict` hides the message.
    pub strict_hide_min_severity: Severity,
    /// Channels never scanned, by id or name (e.g. the moderators' channel).
    pub exempt_channels: Vec<String>,
    /// Per-channel policies by channel id or name; commands can override them at run time.
    pub channels: BTreeMap<String, Policy>,
    /// At most this many nudges to one member per window.
    pub nudge_max_per_window: u32,
    /// The nudge rate-limit window, in minutes.
    pub nudge_window_minutes: u32,
    /// Resolved alerts older than this many days are purged by the daily job.
    pub retention_days: u32,
    /// Scan messages from bots and webhooks too.
    pub scan_bots: bool,
    /// Optional directory of detector rules that replaces the built-in set.
    pub rules_dir: Option<PathBuf>,
}

impl Default for GuardSettings {
    fn default() -> Self {
        GuardSettings {
            default_policy: Policy::Notify,
            notify_min_severity: Severity::Low,
            strict_hide_min_severity: Severity::Medium,
            exempt_channels: Vec::new(),
            channels: BTreeMap::new(),
            nudge_max_per_window: 3,
            nudge_window_minutes: 60,
            retention_days: 90,
            scan_bots: false,
            rules_dir: None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuidanceSettings {
    /// Directory of topic files that replaces the built-in content (watched for changes).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalClubSettings {
    /// Base URL of the Crossref REST API.
    pub crossref_base_url: String,
    /// Base URL of NCBI E-utilities.
    pub eutils_base_url: String,
    /// Timeout of one metadata lookup, in seconds.
    pub lookup_timeout_secs: u64,
    /// How often the scheduler wakes up, in seconds.
    pub tick_secs: u64,
}

impl Default for JournalClubSettings {
    fn default() -> Self {
        JournalClubSettings {
            crossref_base_url: "https://api.crossref.org".into(),
            eutils_base_url: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils".into(),
            lookup_timeout_secs: 5,
            tick_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleSettings {
    /// The member name you type as at start.
    pub user: String,
    /// The channel you type in at start.
    pub channel: String,
    /// The moderators' channel of the console community.
    pub mod_channel: String,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            user: "you".into(),
            channel: "general".into(),
            mod_channel: "moderators".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Serve `/calendar.ics` and `/health`.
    pub enabled: bool,
    pub bind: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            enabled: false,
            bind: "127.0.0.1:8080".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordSettings {
    /// Guilds the bot serves (snowflakes as strings).
    pub guild_ids: Vec<String>,
    /// Channel that receives confidentiality alerts.
    pub mod_channel_id: Option<String>,
    /// Roles whose members count as moderators.
    pub moderator_role_ids: Vec<String>,
    /// Roles whose members count as admins (in addition to the Administrator permission).
    pub admin_role_ids: Vec<String>,
    /// Journal-club channel (forum or text channel).
    pub journal_club_channel_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixSettings {
    /// Key that names this community in the store.
    pub community: String,
    /// Rooms the guard scans (room ids); empty means every joined room.
    pub rooms: Vec<String>,
    /// Room that receives confidentiality alerts.
    pub mod_room: Option<String>,
    /// Journal-club room.
    pub journal_club_room: Option<String>,
    /// Users (`@a:hs`) or homeservers (`hs`) whose invites the bot accepts.
    pub allowed_inviters: Vec<String>,
    /// Power level at which a member counts as a moderator.
    pub moderator_power_level: i64,
    /// Power level at which a member counts as an admin.
    pub admin_power_level: i64,
    /// Send private answers to a DM room (`true`) or as a threaded reply (`false`).
    pub private_replies_in_dm: bool,
}

impl Default for MatrixSettings {
    fn default() -> Self {
        MatrixSettings {
            community: "matrix".into(),
            rooms: Vec::new(),
            mod_room: None,
            journal_club_room: None,
            allowed_inviters: Vec::new(),
            moderator_power_level: 50,
            admin_power_level: 100,
            private_replies_in_dm: true,
        }
    }
}

/// Secrets and connection strings from the environment.
#[derive(Debug, Clone)]
pub struct Env {
    pub discord_token: Option<Secret>,
    pub matrix_homeserver_url: Option<String>,
    pub matrix_user: Option<String>,
    pub matrix_password: Option<Secret>,
    pub matrix_access_token: Option<Secret>,
    /// May hold a password, so it is a secret too.
    pub database_url: Secret,
}

impl Env {
    /// Read from the process environment (after dotenvy has loaded `.env`).
    pub fn from_env() -> Env {
        Env::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read through any lookup function (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Env {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Env {
            discord_token: get("DISCORD_TOKEN").map(Secret),
            matrix_homeserver_url: get("MATRIX_HOMESERVER_URL"),
            matrix_user: get("MATRIX_USER"),
            matrix_password: get("MATRIX_PASSWORD").map(Secret),
            matrix_access_token: get("MATRIX_ACCESS_TOKEN").map(Secret),
            database_url: Secret(
                get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            ),
        }
    }

    pub fn discord_enabled(&self) -> bool {
        self.discord_token.is_some()
    }

    pub fn matrix_enabled(&self) -> bool {
        self.matrix_homeserver_url.is_some()
            && self.matrix_user.is_some()
            && (self.matrix_password.is_some() || self.matrix_access_token.is_some())
    }
}

/// Settings plus where they came from.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    /// The file read, or `None` when running on built-in defaults.
    pub source: Option<PathBuf>,
    pub env: Env,
}

impl Config {
    /// Load settings: the explicit path must exist; without one,
    /// `config/rounds.toml` is used if present, else the defaults.
    pub fn load(explicit: Option<&Path>, env: Env) -> Result<Config> {
        let (settings, source) = match explicit {
            Some(path) => (Settings::from_file(path)?, Some(path.to_path_buf())),
            None => {
                let default = Path::new(DEFAULT_CONFIG_PATH);
                if default.exists() {
                    (Settings::from_file(default)?, Some(default.to_path_buf()))
                } else {
                    (Settings::default(), None)
                }
            }
        };
        settings.validate()?;
        Ok(Config {
            settings,
            source,
            env,
        })
    }

    /// The effective configuration as TOML, secrets shown as `[redacted]`.
    pub fn render(&self) -> Result<String> {
        let mut out = String::new();
        out.push_str(&format!(
            "# source: {}\n",
            self.source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "built-in defaults (no config file)".into())
        ));
        let redacted = |s: &Option<Secret>| if s.is_some() { "[redacted]" } else { "(unset)" };
        out.push_str("# environment\n");
        out.push_str(&format!(
            "# DISCORD_TOKEN = {}\n",
            redacted(&self.env.discord_token)
        ));
        out.push_str(&format!(
            "# MATRIX_HOMESERVER_URL = {}\n",
            self.env
                .matrix_homeserver_url
                .as_deref()
                .unwrap_or("(unset)")
        ));
        out.push_str(&format!(
            "# MATRIX_USER = {}\n",
            self.env.matrix_user.as_deref().unwrap_or("(unset)")
        ));
        out.push_str(&format!(
            "# MATRIX_PASSWORD = {}\n",
            redacted(&self.env.matrix_password)
        ));
        out.push_str(&format!(
            "# MATRIX_ACCESS_TOKEN = {}\n",
            redacted(&self.env.matrix_access_token)
        ));
        out.push_str(&format!(
            "# DATABASE_URL = {}\n",
            redact_url_password(self.env.database_url.expose())
        ));
        out.push_str(&format!(
            "# platforms: discord={} matrix={}\n\n",
            self.env.discord_enabled(),
            self.env.matrix_enabled()
        ));
        out.push_str(&toml::to_string_pretty(&self.settings).context("rendering settings")?);
        Ok(out)
    }
}

/// `postgres://user:pw@host/db` → `postgres://user:[redacted]@host/db`.
pub fn redact_url_password(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:[redacted]@{host}");
    }
    url.to_string()
}

impl Settings {
    /// Parse a TOML file; errors name the file and the offending key.
    pub fn from_file(path: &Path) -> Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Settings::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parse TOML text (no validation beyond types and known keys).
    pub fn from_toml(text: &str) -> std::result::Result<Settings, String> {
        toml::from_str::<Settings>(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// Checks serde cannot express.
    pub fn validate(&self) -> Result<()> {
        if self.guard.nudge_window_minutes == 0 {
            bail!("guard.nudge_window_minutes must be at least 1");
        }
        if self.guard.retention_days == 0 {
            bail!("guard.retention_days must be at least 1");
        }
        if self.journal_club.lookup_timeout_secs == 0 || self.journal_club.lookup_timeout_secs > 60
        {
            bail!("journal_club.lookup_timeout_secs must be between 1 and 60");
        }
        if self.journal_club.tick_secs == 0 {
            bail!("journal_club.tick_secs must be at least 1");
        }
        for (key, url) in [
            (
                "journal_club.crossref_base_url",
                &self.journal_club.crossref_base_url,
            ),
            (
                "journal_club.eutils_base_url",
                &self.journal_club.eutils_base_url,
            ),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("{key} must be an http(s) URL");
            }
        }
        for (key, ids) in [
            ("discord.guild_ids", &self.discord.guild_ids),
            (
                "discord.moderator_role_ids",
                &self.discord.moderator_role_ids,
            ),
            ("discord.admin_role_ids", &self.discord.admin_role_ids),
        ] {
            for id in ids {
                if id.parse::<u64>().is_err() {
                    bail!("{key}: `{id}` is not a Discord id (digits only)");
                }
            }
        }
        for (key, id) in [
            ("discord.mod_channel_id", &self.discord.mod_channel_id),
            (
                "discord.journal_club_channel_id",
                &self.discord.journal_club_channel_id,
            ),
        ] {
            if let Some(id) = id
                && id.parse::<u64>().is_err()
            {
                bail!("{key}: `{id}` is not a Discord id (digits only)");
            }
        }
        if let Some(room) = &self.matrix.mod_room
            && !room.starts_with('!')
        {
            bail!("matrix.mod_room: `{room}` is not a room id (it starts with `!`)");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_file() {
        let s = Settings::from_toml("").unwrap();
        assert_eq!(s.guard.default_policy, Policy::Notify);
        assert_eq!(s.guard.retention_days, 90);
        s.validate().unwrap();
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Settings::from_toml("[guard]\nretention_dayz = 3\n").unwrap_err();
        assert!(err.contains("retention_dayz"), "{err}");
        let err = Settings::from_toml("colour = 1\n").unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rounds.toml");
        std::fs::write(&p, "[bot]\nnmae = \"x\"\n").unwrap();
        let err = format!("{:#}", Settings::from_file(&p).unwrap_err());
        assert!(err.contains("rounds.toml") && err.contains("nmae"), "{err}");
    }

    #[test]
    fn secrets_are_redacted() {
        let env = Env::from_lookup(|k| match k {
            "DISCORD_TOKEN" => Some("tok-123".into()),
            "DATABASE_URL" => Some("postgres://u:pw@h/db".into()),
            _ => None,
        });
        let dbg = format!("{env:?}");
        assert!(!dbg.contains("tok-123") && !dbg.contains("pw@"), "{dbg}");
        let cfg = Config {
            settings: Settings::default(),
            source: None,
            env,
        };
        let shown = cfg.render().unwrap();
        assert!(
            !shown.contains("tok-123") && !shown.contains(":pw@"),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn bad_ids_are_rejected_with_key() {
        let s = Settings::from_toml("[discord]\nguild_ids = [\"abc\"]\n").unwrap();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("discord.guild_ids"), "{err}");
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config/rounds.example.toml");
        let s = Settings::from_toml(text).unwrap();
        s.validate().unwrap();
    }
}
