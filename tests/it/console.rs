//! The local console, driven through stdin as a user would, and the privacy
//! canary: a planted identifier must appear in no log line, no DB row and no
//! alert or nudge text.

use std::io::Write;
use std::process::{Command, Stdio};

const CANARY_NAME: &str = "Quillfeather";
const CANARY_NHS: &str = "943 476 5919";

/// Run `rounds console` with `script` on stdin and trace-level JSON logs.
fn run_console(
    db: &std::path::Path,
    script: &str,
    extra_env: &[(&str, &str)],
) -> (String, String, bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rounds"));
    cmd.args(["--log-format", "json", "console"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "trace")
        .env_remove("DISCORD_TOKEN")
        .env_remove("MATRIX_HOMESERVER_URL")
        .current_dir(db.parent().expect("temp dir"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start rounds console");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("write script");
    let out = child.wait_with_output().expect("console exits");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The console's output without the echo of what the member typed.
fn bot_output(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| !l.starts_with("#general <"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn variants(s: &str) -> Vec<String> {
    vec![s.to_string(), s.replace(' ', ""), s.to_ascii_lowercase()]
}

#[test]
fn help_lists_commands_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, _stderr, ok) = run_console(&dir.path().join("r.db"), "/help\n", &[]);
    assert!(ok, "console exits 0");
    for name in ["guidance", "ask", "phi", "modlog", "alert", "jc"] {
        assert!(stdout.contains(name), "{name} missing in: {stdout}");
    }
}

#[test]
fn alert_flow_and_privacy_canary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rounds.db");
    let script = format!(
        "Mrs Ada {CANARY_NAME}, NHS no {CANARY_NHS}, came in overnight with sepsis — any thoughts?\n\
         /phi check Mr {CANARY_NAME} is in bed 4, NHS {CANARY_NHS}\n\
         /alert resolve 1 true_positive\n\
         :mod\n\
         /alert resolve 1 true_positive\n\
         /modlog\n"
    );
    let (stdout, stderr, ok) = run_console(&db, &script, &[]);
    assert!(ok, "console failed: {stderr}");

    // The acceptance flow: one alert with a masked snippet, the nudge, refusal, resolution.
    assert_eq!(stdout.matches("new alert").count(), 1, "{stdout}");
    assert!(stdout.contains("Masked snippet"), "{stdout}");
    assert!(stdout.contains("[DM to you]"), "nudge missing: {stdout}");
    assert!(
        stdout.contains("moderators only"),
        "refusal missing: {stdout}"
    );
    assert!(
        stdout.contains("Alert #1 resolved as true_positive"),
        "{stdout}"
    );
    assert!(
        stdout.contains("#1 · resolved: true_positive"),
        "modlog: {stdout}"
    );
    assert!(stdout.contains("Before you post"), "phi check: {stdout}");

    // The canary: not in logs, not in anything the bot said, not in the database.
    assert!(
        stderr.contains("alert raised"),
        "logs were captured: {stderr}"
    );
    let said = bot_output(&stdout);
    for v in variants(CANARY_NAME)
        .into_iter()
        .chain(variants(CANARY_NHS))
    {
        assert!(!stderr.contains(&v), "canary `{v}` in logs");
        assert!(!said.contains(&v), "canary `{v}` in bot output:\n{said}");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = rounds::store::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let tables = store.table_names().await.unwrap();
        assert!(tables.contains(&"alerts".to_string()));
        let mut cells = 0;
        for t in tables {
            for cell in store.dump_table(&t).await.unwrap() {
                cells += 1;
                for v in variants(CANARY_NAME)
                    .into_iter()
                    .chain(variants(CANARY_NHS))
                {
                    assert!(!cell.contains(&v), "canary `{v}` in table {t}");
                }
            }
        }
        assert!(cells > 0, "the database was inspected");
    });
    // The raw SQLite file too (WAL included), byte for byte.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(CANARY_NAME) && !hay.contains("9434765919"));
    }
}

#[test]
fn bad_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[guard]\nretention_dayz = 3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .args(["--config", cfg.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("retention_dayz") && err.contains("bad.toml"),
        "{err}"
    );
}

#[test]
fn check_config_without_file_succeeds_and_redacts() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .arg("check-config")
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", "super-secret-token")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("built-in defaults") && text.contains("[redacted]"),
        "{text}"
    );
    assert!(!text.contains("super-secret-token"));
}

#[test]
fn jc_occurrences_keep_the_local_hour_across_dst() {
    let out = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .args(["jc", "occurrences", "--from", "2026-03-22", "--count", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(" UTC  |")).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("Sun 2026-03-22 20:00 UTC"), "{text}");
    assert!(
        lines[1].starts_with("Sun 2026-03-29 19:00 UTC") && lines[1].contains("20:00 BST"),
        "{text}"
    );
    assert!(lines[2].starts_with("Sun 2026-04-05 19:00 UTC"), "{text}");
    let autumn = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .args(["jc", "occurrences", "--from", "2026-10-18", "--count", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&autumn.stdout);
    assert!(
        text.contains("Sun 2026-10-18 19:00 UTC") && text.contains("Sun 2026-10-25 20:00 UTC"),
        "{text}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_rounds"))
        .args(["jc", "occurrences", "--from", "22/03/2026"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a date"));
}

#[test]
fn console_journal_club_flow() {
    let dir = tempfile::tempdir().unwrap();
    // Metadata lookups go to a closed local port: the suggestion is kept with what was given.
    let cfg = dir.path().join("rounds.toml");
    std::fs::write(
        &cfg,
        "[journal_club]\ncrossref_base_url = \"http://127.0.0.1:9\"\neutils_base_url = \"http://127.0.0.1:9\"\nlookup_timeout_secs = 2\n",
    )
    .unwrap();
    let script =
        "/jc suggest 10.1056/NEJMoa2034577 landmark trial\n/jc queue\n/jc join\n/jc next\n";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rounds"));
    cmd.args(["--config", cfg.to_str().unwrap(), "console"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("r.db").display()),
        )
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(text.contains("10.1056/nejmoa2034577"), "{text}");
    assert!(text.contains("1."), "queue lists the paper: {text}");
    assert!(!text.contains("not available"), "{text}");
    assert!(!text.contains("something went wrong"), "{text}");
}
