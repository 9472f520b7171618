//! One neutral [`Command`] enum for every platform, and the text-command
//! parser used by Matrix (`!cmd`) and the console (`/cmd` or `!cmd`).
//!
//! The parser is clap-derive: the same definitions give `!help` its text and
//! reject bad input with a clear message. Discord builds the same values from
//! slash-command options, and button ids map back to commands through
//! [`parse_button_id`].

use clap::{Parser, Subcommand};

/// Every command Rounds understands, on every platform.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// List the commands, or show help for one command.
    Help {
        /// A command name, e.g. `jc`.
        command: Option<String>,
    },
    /// Sourced guidance on doctors' use of social media.
    #[command(subcommand)]
    Guidance(GuidanceCommand),
    /// Ask a question in your own words; Rounds finds the best guidance topic.
    Ask {
        /// Post the answer in the channel instead of privately.
        #[arg(long)]
        share: bool,
        /// Your question.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        question: Vec<String>,
    },
    /// Check a draft privately for patient-identifiable details before posting.
    #[command(subcommand)]
    Phi(PhiCommand),
    /// (moderators) List confidentiality alerts.
    Modlog {
        /// open, claimed or resolved.
        status: Option<String>,
        /// Only alerts since this date (YYYY-MM-DD) or period (7d, 24h).
        since: Option<String>,
    },
    /// (moderators) Claim or resolve a confidentiality alert.
    #[command(subcommand)]
    Alert(AlertCommand),
    /// (moderators/admins) Confidentiality-guard settings and statistics.
    #[command(subcommand)]
    Guard(GuardCommand),
    /// The weekly journal club.
    #[command(subcommand)]
    Jc(JcCommand),
}

/// `guidance …`
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum GuidanceCommand {
    /// Show one topic, e.g. `guidance show confidentiality uk`.
    Show {
        /// Topic slug (see `guidance list`).
        topic: String,
        /// uk, us, ca, au or ie: show that jurisdiction's note.
        jurisdiction: Option<String>,
        /// Post the answer in the channel instead of privately.
        #[arg(long)]
        share: bool,
    },
    /// List the topics.
    List,
    /// (admins) Re-read the guidance files.
    Reload,
}

/// `phi …`
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum PhiCommand {
    /// Check a draft; it is never stored or logged.
    Check {
        /// The draft text.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        draft: Vec<String>,
    },
}

/// `alert …`
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AlertCommand {
    /// Claim an alert so other moderators know you are on it.
    Claim {
        /// The alert number.
        id: i64,
    },
    /// Resolve an alert: true_positive, false_positive, consented, anonymised_enough or removed.
    Resolve {
        /// The alert number.
        id: i64,
        /// The outcome.
        outcome: String,
    },
    /// Remove the flagged message (moderators, or the message's author) and resolve the alert as removed.
    Delete {
        /// The alert number.
        id: i64,
    },
}

/// `guard …`
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum GuardCommand {
    /// (admins) Set a channel's policy: off, notify, hide, strict or default.
    Policy {
        /// The policy.
        policy: String,
        /// Channel id or name; the current channel when omitted.
        channel: Option<String>,
    },
    /// (admins) Exempt a channel from scanning (on) or scan it again (off).
    Exempt {
        /// on or off.
        state: String,
        /// Channel id or name; the current channel when omitted.
        channel: Option<String>,
    },
    /// (admins) Make this (or the named) channel the moderators' channel.
    Modchannel {
        /// Channel id or name; the current channel when omitted.
        channel: Option<String>,
    },
    /// (moderators) Show the guard's settings for this community.
    Status,
    /// (moderators) Export alert statistics as CSV (counts per week, channel, kind, outcome).
    Export,
}

/// `jc …`
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum JcCommand {
    /// Suggest a paper by DOI, PMID or link.
    Suggest {
        /// DOI (10.xxxx/…), PMID or a doi.org / PubMed link.
        paper: String,
        /// Why the club should read it.
        #[arg(num_args = 0.., trailing_var_arg = true)]
        why: Vec<String>,
    },
    /// List suggested papers with their votes.
    Queue,
    /// Vote for a suggested paper (one vote per member per session; voting again moves it).
    Vote {
        /// Queue number, DOI or PMID.
        paper: String,
    },
    /// Withdraw your suggestion.
    Withdraw {
        /// Queue number, DOI or PMID.
        paper: String,
    },
    /// RSVP for the next session.
    Join,
    /// Cancel your RSVP.
    Leave,
    /// When the next session is, and its paper.
    Next,
    /// (admins) Skip the next session.
    Skip,
    /// (admins) Change the schedule, e.g. `jc schedule --day sun --time 20:00 --tz Europe/London`.
    Schedule {
        /// Weekday (mon … sun).
        #[arg(long)]
        day: Option<String>,
        /// Local start time, e.g. 20:00.
        #[arg(long)]
        time: Option<String>,
        /// IANA timezone, e.g. Europe/London.
        #[arg(long)]
        tz: Option<String>,
        /// Length, e.g. 60m or 1h30m.
        #[arg(long)]
        duration: Option<String>,
        /// Discussion channel id or name.
        #[arg(long)]
        channel: Option<String>,
        /// How long before the start the paper is announced, e.g. 48h or 2d.
        #[arg(long)]
        announce: Option<String>,
        /// Reminder leads, comma-separated, e.g. 24h,1h (`none` for no reminders).
        #[arg(long)]
        reminders: Option<String>,
        /// How long after the end the thread is archived, e.g. 24h.
        #[arg(long)]
        archive_after: Option<String>,
        /// Discussion questions separated by `|` (`default` restores the standard five).
        #[arg(long, num_args = 1.., value_delimiter = None)]
        questions: Option<Vec<String>>,
    },
    /// Privately list the sessions you joined and posted in (for CPD / appraisal).
    Attendance,
}

/// The clap root used for text commands.
#[derive(Debug, Parser)]
#[command(
    name = "rounds",
    no_binary_name = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_required = true,
    help_template = "{subcommands}"
)]
struct TextCommand {
    #[command(subcommand)]
    command: Command,
}

/// Why a text line did not become a command. The message is safe to show to
/// the member who typed it (privately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// Prefixes that mark a line as a command.
pub const PREFIXES: [char; 2] = ['!', '/'];

/// Whether a line is meant as a command (starts with `!` or `/` and a letter).
pub fn is_command(line: &str) -> bool {
    let t = line.trim_start();
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if PREFIXES.contains(&c))
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
}

/// Parse `!guidance show confidentiality` / `/ask can I …`.
///
/// Words are split on whitespace (apostrophes in free text are fine);
/// Discord-style `name:value` option prefixes such as `text:` and
/// `question:` are accepted and dropped.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let t = line.trim();
    let t = t.strip_prefix(PREFIXES).unwrap_or(t);
    let mut words: Vec<String> = t.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Err(ParseError(
            "Type a command after the prefix, e.g. `!help`.".into(),
        ));
    }
    words[0] = words[0].to_ascii_lowercase();
    // Friendly aliases: `/guidance <topic>` and `/guidance` alone.
    if words[0] == "guidance" {
        match words.get(1).map(|w| w.to_ascii_lowercase()) {
            None => words.push("list".into()),
            Some(w)
                if !["show", "list", "reload", "help", "--help", "-h"].contains(&w.as_str()) =>
            {
                words.insert(1, "show".into())
            }
            _ => {}
        }
    }
    if words[0] == "phi" && words.len() > 1 && words[1] != "check" && !words[1].starts_with('-') {
        words.insert(1, "check".into());
    }
    for w in words.iter_mut().skip(1) {
        for p in [
            "text:",
            "question:",
            "topic:",
            "draft:",
            "paper:",
            "why:",
            "jurisdiction:",
        ] {
            if let Some(rest) = w.strip_prefix(p)
                && !rest.is_empty()
            {
                *w = rest.to_string();
            }
        }
    }
    match TextCommand::try_parse_from(&words) {
        Ok(tc) => Ok(tc.command),
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    Err(ParseError(strip_ansi(&e.render().to_string())))
                }
                _ => Err(ParseError(format!(
                    "{}\nType `!help` for the list of commands.",
                    first_line(&strip_ansi(&e.render().to_string()))
                ))),
            }
        }
    }
}

/// The help text: every command with its one-line description, or one command's help.
pub fn help(command: Option<&str>) -> String {
    use clap::CommandFactory;
    let mut root = TextCommand::command();
    if let Some(name) = command {
        let name = name.trim_start_matches(PREFIXES).to_ascii_lowercase();
        if let Some(sub) = root.find_subcommand_mut(&name) {
            let mut sub = sub
                .clone()
                .help_template("{about}\n\n{usage-heading} {usage}\n\n{all-args}");
            return strip_ansi(&sub.render_help().to_string());
        }
        return format!("There is no command `{name}`. Type `!help` for the list.");
    }
    let mut out = String::from(
        "Rounds commands (type them with `/` or `!`; `help <command>` for details):\n",
    );
    for sub in root.get_subcommands() {
        let name = sub.get_name();
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let subs: Vec<&str> = sub.get_subcommands().map(|s| s.get_name()).collect();
        if subs.is_empty() {
            out.push_str(&format!("  {name:<10} {about}\n"));
        } else {
            out.push_str(&format!("  {name:<10} {about} [{}]\n", subs.join(" | ")));
        }
    }
    out
}

/// Map a button id such as `alert:claim:12` or `alert:resolve:12:false_positive` to a command.
pub fn parse_button_id(id: &str) -> Option<Command> {
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["alert", "claim", n] => Some(Command::Alert(AlertCommand::Claim {
            id: n.parse().ok()?,
        })),
        ["alert", "resolve", n, outcome] => Some(Command::Alert(AlertCommand::Resolve {
            id: n.parse().ok()?,
            outcome: (*outcome).to_string(),
        })),
        ["alert", "delete", n] => Some(Command::Alert(AlertCommand::Delete {
            id: n.parse().ok()?,
        })),
        ["guidance", "share", slug] => Some(Command::Guidance(GuidanceCommand::Show {
            topic: (*slug).to_string(),
            jurisdiction: None,
            share: true,
        })),
        ["guidance", "share", slug, j] => Some(Command::Guidance(GuidanceCommand::Show {
            topic: (*slug).to_string(),
            jurisdiction: Some((*j).to_string()),
            share: true,
        })),
        ["jc", "join"] => Some(Command::Jc(JcCommand::Join)),
        ["jc", "vote", paper] => Some(Command::Jc(JcCommand::Vote {
            paper: (*paper).to_string(),
        })),
        _ => None,
    }
}

/// The error line of a clap message, plus the next line when it names what is missing.
fn first_line(s: &str) -> String {
    let mut lines = s.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("That command was not understood.");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match lines.next() {
        Some(next) if first.ends_with(':') => format!("{first} {next}"),
        _ => first.to_string(),
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_main_commands() {
        assert_eq!(
            parse("!guidance confidentiality").unwrap(),
            Command::Guidance(GuidanceCommand::Show {
                topic: "confidentiality".into(),
                jurisdiction: None,
                share: false
            })
        );
        assert_eq!(
            parse("/guidance").unwrap(),
            Command::Guidance(GuidanceCommand::List)
        );
        assert_eq!(
            parse("/ask can't I friend a pt on fb?").unwrap(),
            Command::Ask {
                share: false,
                question: vec!["can't", "I", "friend", "a", "pt", "on", "fb?"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            }
        );
        assert_eq!(
            parse("/phi check text:Mr Smith -- bed 4").unwrap(),
            Command::Phi(PhiCommand::Check {
                draft: vec!["Mr", "Smith", "--", "bed", "4"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            })
        );
        assert_eq!(
            parse("/alert resolve 1 true_positive").unwrap(),
            Command::Alert(AlertCommand::Resolve {
                id: 1,
                outcome: "true_positive".into()
            })
        );
        assert_eq!(
            parse("/jc suggest 10.1056/NEJMoa2034577 great trial").unwrap(),
            Command::Jc(JcCommand::Suggest {
                paper: "10.1056/NEJMoa2034577".into(),
                why: vec!["great".into(), "trial".into()]
            })
        );
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let e = parse("/alert resolve one tp").unwrap_err();
        assert!(e.0.contains("invalid value"), "{}", e.0);
        let e = parse("/frobnicate").unwrap_err();
        assert!(
            e.0.contains("frobnicate") && e.0.contains("!help"),
            "{}",
            e.0
        );
        assert!(parse("/").is_err());
    }

    #[test]
    fn help_lists_every_command() {
        let h = help(None);
        for name in [
            "help", "guidance", "ask", "phi", "modlog", "alert", "guard", "jc",
        ] {
            assert!(h.contains(name), "{name} missing from {h}");
        }
        assert!(help(Some("jc")).contains("suggest"));
    }

    #[test]
    fn command_detection() {
        assert!(is_command("/help"));
        assert!(is_command("!ask x"));
        assert!(!is_command("/ "));
        assert!(!is_command("hello /help"));
        assert!(!is_command("//comment"));
    }

    #[test]
    fn button_ids() {
        assert_eq!(
            parse_button_id("alert:resolve:3:false_positive"),
            Some(Command::Alert(AlertCommand::Resolve {
                id: 3,
                outcome: "false_positive".into()
            }))
        );
        assert_eq!(parse_button_id("alert:claim:x"), None);
    }
}
