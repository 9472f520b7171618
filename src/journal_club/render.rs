//! The texts the journal-club bot posts, as platform-neutral Markdown.
//!
//! Job: pure functions from values to strings — the paper card, numbered appraisal questions,
//! thread titles, times, and the announcement / reminder / opening / wrap-up messages.
//!
//! Invariants:
//! - No I/O and no clock: every instant, count and mention is a parameter.
//! - Mentions arrive already formatted by the platform adapter and are inserted verbatim.
//! - Text that comes from outside (paper titles, author and journal names, club names) is
//!   passed through [`escape_inline`], so it cannot add Markdown formatting, break a link, or
//!   ping `@everyone` / `@here` / a user. Member-facing templates written by admins (appraisal
//!   questions) are trusted Markdown but still cannot mass-ping.
//! - [`thread_title`] never exceeds [`THREAD_TITLE_MAX_CHARS`] characters.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::metadata::PaperMeta;
use super::paper::PaperId;

/// Discord's limit on thread names, in characters.
pub const THREAD_TITLE_MAX_CHARS: usize = 100;

/// The default appraisal questions, in the order a convenor walks through a paper.
pub const DEFAULT_APPRAISAL_QUESTIONS: [&str; 5] = [
    "What question does the study ask? Frame it as PICO: which patients, which intervention or \
     exposure, compared with what, and which outcomes — and were those outcomes chosen before \
     the study started?",
    "Is the study design the right one for that question (for example a randomised trial for a \
     treatment effect, a cohort for prognosis, a cross-sectional study against a reference \
     standard for a diagnostic test), and was it carried out as planned?",
    "How much could bias have shaped the results? Think about randomisation and allocation \
     concealment, blinding, losses to follow-up, how missing data were handled, and confounding.",
    "What are the main results, and how precise are they? Look at effect sizes with confidence \
     intervals, absolute as well as relative differences (NNT or NNH), and whether the effect is \
     large enough to matter clinically, not just statistically.",
    "Do the findings apply to our patients and our practice? Consider how similar the study \
     population and setting are to ours, the balance of benefits, harms and costs, and whether \
     this paper should change what we do on Monday.",
];

/// How to show an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// Discord timestamp markup, which each reader's client shows in their own zone.
    DiscordTimestamps,
    /// Plain text in the club's zone, with abbreviation and UTC offset.
    ClubZone,
}

/// Escapes text for inline Markdown and defuses mentions.
///
/// Backslash-escapes `\ * _ ~ ` | [ ] ( ) < > #`, turns newlines into spaces, removes other
/// control characters, and puts a zero-width space after `@` in `@everyone` / `@here` and
/// before `@` in `<@`, `<#`-style mention syntax (already covered by escaping `<`).
pub fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let lower = rest.get(..9).map(str::to_ascii_lowercase);
        if c == '@'
            && (lower.as_deref() == Some("@everyone")
                || rest
                    .get(..5)
                    .is_some_and(|s| s.eq_ignore_ascii_case("@here")))
        {
            out.push_str("@\u{200B}");
        } else if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '(' | ')' | '<' | '>' | '#'
        ) {
            out.push('\\');
            out.push(c);
        } else if c == '\n' || c == '\r' || c == '\t' {
            out.push(' ');
        } else if !c.is_control() {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Defuses `@everyone` / `@here` in trusted Markdown without escaping anything else.
fn defuse_mass_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        out.push(c);
        if c == '@'
            && (rest
                .get(..9)
                .is_some_and(|s| s.eq_ignore_ascii_case("@everyone"))
                || rest
                    .get(..5)
                    .is_some_and(|s| s.eq_ignore_ascii_case("@here")))
        {
            out.push('\u{200B}');
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A Markdown link `[label](url)`; the label is escaped and parentheses and spaces in the URL
/// are percent-encoded so DOIs like `10.1016/s0140-6736(20)30183-5` don't end the link early.
pub fn link(label: &str, url: &str) -> String {
    let target = url
        .replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
        .replace('<', "%3C")
        .replace('>', "%3E");
    format!("[{}]({})", escape_inline(label), target)
}

/// The paper as a short Markdown card.
///
/// With `meta`, shows title, authors, journal and year, identifier links and the free
/// full-text link when known. Without it (lookup failed), shows the identifier link only.
/// To show what a member typed instead, build a [`PaperMeta`] from it.
pub fn paper_card(meta: Option<&PaperMeta>, id: &PaperId) -> String {
    let mut lines = Vec::new();
    let title = meta.map(|m| m.title.trim()).filter(|t| !t.is_empty());
    match title {
        Some(t) => lines.push(format!("**{}**", escape_inline(t))),
        None => lines.push(format!("**{}**", escape_inline(&id.to_string()))),
    }
    if let Some(m) = meta {
        if !m.authors.is_empty() {
            lines.push(escape_inline(&m.authors.join(", ")));
        }
        match (m.journal.as_deref(), m.year) {
            (Some(j), Some(y)) => lines.push(format!("*{}*, {y}", escape_inline(j))),
            (Some(j), None) => lines.push(format!("*{}*", escape_inline(j))),
            (None, Some(y)) => lines.push(y.to_string()),
            (None, None) => {}
        }
    }

    let mut ids = Vec::new();
    let doi = match id {
        PaperId::Doi(d) => Some(d.clone()),
        PaperId::Pmid(_) => meta.and_then(|m| m.doi.clone()),
    };
    let pmid = match id {
        PaperId::Pmid(p) => Some(*p),
        PaperId::Doi(_) => meta.and_then(|m| m.pmid),
    };
    if let Some(d) = doi {
        let target = PaperId::Doi(d.clone()).link();
        ids.push(format!("DOI {}", link(&d, &target)));
    }
    if let Some(p) = pmid {
        let target = PaperId::Pmid(p).link();
        ids.push(format!("PMID {}", link(&p.to_string(), &target)));
    }
    lines.push(ids.join(" · "));

    if let Some(url) = meta.and_then(|m| m.open_access_url.as_deref()) {
        lines.push(format!("Free full text: {}", link("read it here", url)));
    }
    lines.join("\n")
}

/// The default questions as owned strings, ready to store as a club's template.
pub fn default_appraisal_questions() -> Vec<String> {
    DEFAULT_APPRAISAL_QUESTIONS
        .iter()
        .map(|q| (*q).to_owned())
        .collect()
}

/// Numbers the questions `1.`–`n.`, one per line. Blank entries are skipped; an empty (or
/// all-blank) template falls back to [`DEFAULT_APPRAISAL_QUESTIONS`].
pub fn appraisal_questions(template: &[String]) -> String {
    let given: Vec<&str> = template
        .iter()
        .map(|q| q.trim())
        .filter(|q| !q.is_empty())
        .collect();
    let questions: Vec<&str> = if given.is_empty() {
        DEFAULT_APPRAISAL_QUESTIONS.to_vec()
    } else {
        given
    };
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let one_line = q.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("{}. {}", i + 1, defuse_mass_mentions(&one_line))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Journal club — 29 Nov 2026: <short title>`, cut to [`THREAD_TITLE_MAX_CHARS`] characters
/// (ending in `…` when cut). Whitespace and control characters in the title are collapsed.
pub fn thread_title(date_local: NaiveDate, short_title: &str) -> String {
    let cleaned: String = short_title
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let date = date_local.format("%-d %b %Y");
    let full = if cleaned.is_empty() {
        format!("Journal club — {date}")
    } else {
        format!("Journal club — {date}: {cleaned}")
    };
    if full.chars().count() <= THREAD_TITLE_MAX_CHARS {
        return full;
    }
    let mut cut: String = full.chars().take(THREAD_TITLE_MAX_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Shows an instant: Discord markup `<t:UNIX:F> (<t:UNIX:R>)`, or club-zone text such as
/// `Sun 29 Nov 2026, 20:00 GMT (UTC+00:00)`.
pub fn render_time(instant: DateTime<Utc>, tz: Tz, style: TimeStyle) -> String {
    match style {
        TimeStyle::DiscordTimestamps => {
            let unix = instant.timestamp();
            format!("<t:{unix}:F> (<t:{unix}:R>)")
        }
        TimeStyle::ClubZone => {
            let local = instant.with_timezone(&tz);
            let abbrev = local.format("%Z").to_string();
            let offset = local.format("%:z");
            let when = local.format("%a %-d %b %Y, %H:%M");
            // Zones without a letter abbreviation print an offset (`+03`); don't show it twice.
            if abbrev.starts_with(['+', '-']) {
                format!("{when} (UTC{offset})")
            } else {
                format!("{when} {abbrev} (UTC{offset})")
            }
        }
    }
}

/// A lead time in words: `1 hour`, `24 hours`, `2 days`, `1 hour 30 minutes`.
pub fn humanize_duration(duration: Duration) -> String {
    let total = duration.num_minutes().max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if total == 0 {
        return "less than a minute".to_owned();
    }
    // Whole days read better than hours only from 2 days up ("24 hours", "2 days").
    if total % (24 * 60) == 0 && total >= 48 * 60 {
        return plural(total / (24 * 60), "day");
    }
    let (h, m) = (total / 60, total % 60);
    match (h, m) {
        (0, m) => plural(m, "minute"),
        (h, 0) => plural(h, "hour"),
        (h, m) => format!("{} {}", plural(h, "hour"), plural(m, "minute")),
    }
}

/// Values for [`announcement`].
#[derive(Debug, Clone, Copy)]
pub struct Announcement<'a> {
    /// The club's display name (escaped here).
    pub club_name: &'a str,
    /// Output of [`paper_card`].
    pub paper_card: &'a str,
    /// Output of [`appraisal_questions`].
    pub questions: &'a str,
    /// Output of [`render_time`] for the start.
    pub start: &'a str,
    /// How long the discussion runs.
    pub duration: Duration,
    /// The host's mention, if the session has one.
    pub host_mention: Option<&'a str>,
    /// How to sign up, in the platform's command syntax (e.g. "Use `/jc join` …").
    pub join_hint: Option<&'a str>,
}

/// The advance notice: the paper, the questions, when, and how to join.
pub fn announcement(a: &Announcement<'_>) -> String {
    let mut out = format!(
        "📚 **{} — next session**\n\n{}\n\n🗓️ {} for {}",
        escape_inline(a.club_name),
        a.paper_card,
        a.start,
        humanize_duration(a.duration),
    );
    if let Some(host) = a.host_mention {
        out.push_str(&format!(", hosted by {host}"));
    }
    out.push_str(
        ".\n\nPlease read the paper beforehand and come with your thoughts on these questions:\n",
    );
    out.push_str(a.questions);
    out.push_str(
        "\n\nIn the discussion, start each answer with its number (Q1, Q2 …) so threads of \
         thought stay easy to follow.",
    );
    if let Some(hint) = a.join_hint {
        out.push_str("\n\n");
        out.push_str(hint);
    }
    out
}

/// Values for [`reminder`].
#[derive(Debug, Clone, Copy)]
pub struct Reminder<'a> {
    /// The club's display name.
    pub club_name: &'a str,
    /// Paper title (escaped here); empty to show the identifier instead.
    pub paper_title: &'a str,
    /// Link to the paper.
    pub paper_link: &'a str,
    /// Output of [`render_time`] for the start.
    pub start: &'a str,
    /// How long before the start this reminder is sent.
    pub lead: Duration,
    /// Members who joined, already formatted as mentions.
    pub mentions: &'a [String],
}

/// A reminder before the session.
pub fn reminder(r: &Reminder<'_>) -> String {
    let label = if r.paper_title.trim().is_empty() {
        "the paper"
    } else {
        r.paper_title
    };
    let mut out = format!(
        "⏰ **{}** starts in {} — {}.\nWe're discussing {}.",
        escape_inline(r.club_name),
        humanize_duration(r.lead),
        r.start,
        link(label, r.paper_link),
    );
    if !r.mentions.is_empty() {
        out.push('\n');
        out.push_str(&r.mentions.join(" "));
    }
    out
}

/// Values for [`opening`].
#[derive(Debug, Clone, Copy)]
pub struct Opening<'a> {
    /// The club's display name.
    pub club_name: &'a str,
    /// Output of [`paper_card`].
    pub paper_card: &'a str,
    /// Output of [`appraisal_questions`].
    pub questions: &'a str,
    /// Output of [`render_time`] for the close.
    pub end: &'a str,
    /// The host's mention, if any.
    pub host_mention: Option<&'a str>,
    /// Members who joined, already formatted as mentions.
    pub mentions: &'a [String],
}

/// The first message in the discussion thread.
pub fn opening(o: &Opening<'_>) -> String {
    let mut out = format!(
        "👋 Welcome to **{}** — the discussion is open until {}.",
        escape_inline(o.club_name),
        o.end
    );
    if let Some(host) = o.host_mention {
        out.push_str(&format!(" Your host tonight is {host}."));
    }
    out.push_str("\n\n");
    out.push_str(o.paper_card);
    out.push_str(
        "\n\nStart by saying hello and what you do, then take the questions in order, \
         prefixing answers with Q1, Q2 …:\n",
    );
    out.push_str(o.questions);
    out.push_str(
        "\n\nDisagreement is welcome; keep it about the paper. This is a professional space: \
         no patient-identifiable details, even anonymised cases should be truly unrecognisable.",
    );
    if !o.mentions.is_empty() {
        out.push_str("\n\n");
        out.push_str(&o.mentions.join(" "));
    }
    out
}

/// Values for [`wrap_up`].
#[derive(Debug, Clone, Copy)]
pub struct WrapUp<'a> {
    /// The club's display name.
    pub club_name: &'a str,
    /// Distinct members who posted in the thread.
    pub participants: usize,
    /// Messages posted in the thread.
    pub messages: usize,
    /// Paper title (escaped here); empty to say "the paper".
    pub paper_title: &'a str,
    /// Link to the paper.
    pub paper_link: &'a str,
    /// Output of [`render_time`] for the archive, if the thread will be archived.
    pub archive_at: Option<&'a str>,
}

/// The closing message: thanks, numbers, the paper link, and a call for a summary.
pub fn wrap_up(w: &WrapUp<'_>) -> String {
    let count = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let label = if w.paper_title.trim().is_empty() {
        "the paper"
    } else {
        w.paper_title
    };
    let mut out = format!(
        "🏁 That's time for **{}** — thank you all! {} shared {} on {}.",
        escape_inline(w.club_name),
        count(w.participants, "member", "members"),
        count(w.messages, "message", "messages"),
        link(label, w.paper_link),
    );
    out.push_str(
        "\n\n📝 Could someone volunteer a short summary for those who missed it? Three or four \
         lines are plenty: the question, the main result with its uncertainty, the biggest \
         concern about bias, and whether it changes our practice.",
    );
    if let Some(at) = w.archive_at {
        out.push_str(&format!(
            "\n\nThe thread stays open for late thoughts until {at}, then it will be archived."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> PaperMeta {
        PaperMeta {
            title: "Effect of *Drug* on [Outcome] @everyone".to_owned(),
            authors: vec![
                "Smith J".into(),
                "Jones K".into(),
                "Lee A".into(),
                "et al.".into(),
            ],
            journal: Some("N Engl J Med".to_owned()),
            year: Some(2021),
            doi: Some("10.1016/s0140-6736(20)30183-5".to_owned()),
            pmid: Some(34525541),
            open_access_url: Some("https://pmc.ncbi.nlm.nih.gov/articles/PMC1/".to_owned()),
        }
    }

    #[test]
    fn card_with_metadata() {
        let id = PaperId::Pmid(34525541);
        let card = paper_card(Some(&meta()), &id);
        let want = "**Effect of \\*Drug\\* on \\[Outcome\\] @\u{200B}everyone**\n\
Smith J, Jones K, Lee A, et al.\n\
*N Engl J Med*, 2021\n\
DOI [10.1016/s0140-6736\\(20\\)30183-5](https://doi.org/10.1016/s0140-6736%2820%2930183-5) · \
PMID [34525541](https://pubmed.ncbi.nlm.nih.gov/34525541/)\n\
Free full text: [read it here](https://pmc.ncbi.nlm.nih.gov/articles/PMC1/)";
        assert_eq!(card, want);
    }

    #[test]
    fn card_without_metadata() {
        let id = PaperId::Doi("10.1056/nejmoa2034577".to_owned());
        assert_eq!(
            paper_card(None, &id),
            "**DOI 10.1056/nejmoa2034577**\nDOI [10.1056/nejmoa2034577](https://doi.org/10.1056/nejmoa2034577)"
        );
        let given = PaperMeta {
            title: "What the member typed".to_owned(),
            ..PaperMeta::default()
        };
        assert!(paper_card(Some(&given), &id).starts_with("**What the member typed**\nDOI "));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_inline("a_b*c\nd<@123>"), "a\\_b\\*c d\\<@123\\>");
        assert_eq!(
            escape_inline("@Here and @everyone"),
            "@\u{200B}Here and @\u{200B}everyone"
        );
        assert_eq!(escape_inline("x\u{0007}y"), "xy");
        assert_eq!(escape_inline("ünï©ødé"), "ünï©ødé");
    }

    #[test]
    fn questions_numbered_with_default() {
        let text = appraisal_questions(&[]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        for (i, line) in lines.iter().enumerate() {
            assert!(line.starts_with(&format!("{}. ", i + 1)), "{line}");
        }
        assert!(lines[0].contains("PICO"));
        let custom = appraisal_questions(&[
            "  Was it  randomised?\n".to_owned(),
            String::new(),
            "Ping @here?".to_owned(),
        ]);
        assert_eq!(custom, "1. Was it randomised?\n2. Ping @\u{200B}here?");
    }

    #[test]
    fn thread_titles() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        assert_eq!(
            thread_title(d, "Colchicine\nafter MI"),
            "Journal club — 29 Nov 2026: Colchicine after MI"
        );
        assert_eq!(thread_title(d, "  "), "Journal club — 29 Nov 2026");
        let long = "é".repeat(200);
        let t = thread_title(d, &long);
        assert_eq!(t.chars().count(), THREAD_TITLE_MAX_CHARS);
        assert!(t.ends_with('…'));
        let exact =
            "x".repeat(THREAD_TITLE_MAX_CHARS - "Journal club — 29 Nov 2026: ".chars().count());
        assert_eq!(
            thread_title(d, &exact).chars().count(),
            THREAD_TITLE_MAX_CHARS
        );
        assert!(!thread_title(d, &exact).ends_with('…'));
    }

    #[test]
    fn times() {
        let winter = DateTime::parse_from_rfc3339("2026-11-29T20:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let london = chrono_tz::Europe::London;
        assert_eq!(
            render_time(winter, london, TimeStyle::ClubZone),
            "Sun 29 Nov 2026, 20:00 GMT (UTC+00:00)"
        );
        let summer = DateTime::parse_from_rfc3339("2026-06-07T19:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            render_time(summer, london, TimeStyle::ClubZone),
            "Sun 7 Jun 2026, 20:00 BST (UTC+01:00)"
        );
        assert_eq!(
            render_time(summer, chrono_tz::Asia::Dubai, TimeStyle::ClubZone),
            "Sun 7 Jun 2026, 23:00 (UTC+04:00)"
        );
        assert_eq!(
            render_time(winter, london, TimeStyle::DiscordTimestamps),
            "<t:1795982400:F> (<t:1795982400:R>)"
        );
    }

    #[test]
    fn durations_in_words() {
        for (minutes, want) in [
            (60, "1 hour"),
            (24 * 60, "24 hours"),
            (48 * 60, "2 days"),
            (90, "1 hour 30 minutes"),
            (1, "1 minute"),
            (0, "less than a minute"),
        ] {
            assert_eq!(humanize_duration(Duration::minutes(minutes)), want);
        }
    }

    #[test]
    fn messages_contain_their_parts() {
        let mentions = vec!["<@1>".to_owned(), "<@2>".to_owned()];
        let ann = announcement(&Announcement {
            club_name: "Neph_JC",
            paper_card: "CARD",
            questions: "1. Q",
            start: "START",
            duration: Duration::minutes(60),
            host_mention: Some("<@9>"),
            join_hint: Some("Use /jc join."),
        });
        assert!(ann.starts_with(
            "📚 **Neph\\_JC — next session**\n\nCARD\n\n🗓️ START for 1 hour, hosted by <@9>."
        ));
        assert!(ann.contains("1. Q") && ann.ends_with("Use /jc join."));

        let rem = reminder(&Reminder {
            club_name: "JC",
            paper_title: "T",
            paper_link: "https://doi.org/10.1/x",
            start: "START",
            lead: Duration::hours(1),
            mentions: &mentions,
        });
        assert_eq!(
            rem,
            "⏰ **JC** starts in 1 hour — START.\nWe're discussing [T](https://doi.org/10.1/x).\n<@1> <@2>"
        );

        let open = opening(&Opening {
            club_name: "JC",
            paper_card: "CARD",
            questions: "1. Q",
            end: "END",
            host_mention: None,
            mentions: &[],
        });
        assert!(
            open.starts_with("👋 Welcome to **JC** — the discussion is open until END.\n\nCARD")
        );
        assert!(open.contains("patient-identifiable"));

        let wrap = wrap_up(&WrapUp {
            club_name: "JC",
            participants: 1,
            messages: 42,
            paper_title: "",
            paper_link: "https://doi.org/10.1/x",
            archive_at: Some("LATER"),
        });
        assert!(
            wrap.contains("1 member shared 42 messages on [the paper](https://doi.org/10.1/x).")
        );
        assert!(wrap.contains("summary") && wrap.contains("until LATER"));
    }
}
