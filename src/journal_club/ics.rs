//! An iCalendar (RFC 5545) feed of journal-club sessions.
//!
//! Job: turn a list of [`IcsSession`]s into one `VCALENDAR` text that calendar apps can
//! subscribe to or import, using the `icalendar` crate for escaping and line folding.
//!
//! Invariants:
//! - Output has `VERSION:2.0`, our own `PRODID`, `CALSCALE:GREGORIAN`, `METHOD:PUBLISH`, CRLF
//!   line endings and lines folded at 75 octets.
//! - Every `VEVENT` has the caller's `UID` (stable per occurrence, so re-imports update rather
//!   than duplicate), a `DTSTAMP`, and `DTSTART`/`DTEND` as UTC date-times (`…Z`), so no
//!   `VTIMEZONE` block is needed.
//! - Text values (titles, descriptions) are escaped (`,` `;` `\` and newlines); carriage
//!   returns are normalised away first because RFC 5545 has no escape for them.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike};

/// The `PRODID` of every calendar we produce.
pub const PRODID: &str = "-//Rounds//Journal Club//EN";

/// One session as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsSession {
    /// Globally unique, stable id, e.g. `jc-<club>-<start unix>@<bot host>`.
    pub uid: String,
    /// Start instant.
    pub start_utc: DateTime<Utc>,
    /// End instant.
    pub end_utc: DateTime<Utc>,
    /// Event title (`SUMMARY`).
    pub title: String,
    /// Longer text (`DESCRIPTION`), may span lines.
    pub description: String,
    /// Link to the thread or paper (`URL`), if any.
    pub url: Option<String>,
}

/// The calendar text, stamped with the current time.
pub fn calendar(club_name: &str, sessions: &[IcsSession]) -> String {
    calendar_at(club_name, sessions, Utc::now())
}

/// The calendar text with an explicit `DTSTAMP` (for reproducible output and tests).
pub fn calendar_at(club_name: &str, sessions: &[IcsSession], dtstamp: DateTime<Utc>) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("PRODID", PRODID));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.append_property(("METHOD", "PUBLISH"));
    cal.name(&one_line(club_name));
    for session in sessions {
        let mut event = icalendar::Event::new();
        event
            .uid(&one_line(&session.uid))
            .timestamp(dtstamp)
            .starts(session.start_utc)
            .ends(session.end_utc)
            .summary(&one_line(&session.title))
            .description(
                &session
                    .description
                    .replace("\r\n", "\n")
                    .replace('\r', "\n"),
            );
        if let Some(url) = session.url.as_deref().filter(|u| is_plain_uri(u)) {
            event.add_property("URL", url);
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}

/// Single-line text: line breaks become spaces (titles and UIDs must not span lines).
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// URL values are not escaped by iCalendar, so only accept ones without characters that would
/// break the content line.
fn is_plain_uri(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("bad test instant {s}: {e}"))
    }

    fn session() -> IcsSession {
        IcsSession {
            uid: "jc-1-1795982400@rounds.example".to_owned(),
            start_utc: at("2026-11-29T20:00:00Z"),
            end_utc: at("2026-11-29T21:00:00Z"),
            title: "JC: Colchicine, MI; and\nmore \\ stuff".to_owned(),
            description: "Line one\r\nLine two, with; punctuation and a very long sentence that \
                          must be folded because it goes beyond seventy-five octets ééé."
                .to_owned(),
            url: Some("https://doi.org/10.1056/nejmoa1912388".to_owned()),
        }
    }

    #[test]
    fn structure_and_escaping() {
        let text = calendar_at("Neph, JC", &[session()], at("2026-11-20T10:00:00Z"));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        // Every line ends in CRLF and no physical line exceeds 75 octets.
        for line in text.split("\r\n") {
            assert!(
                !line.contains('\n') && !line.contains('\r'),
                "bare line break: {line:?}"
            );
            assert!(line.len() <= 75, "unfolded line ({}): {line}", line.len());
        }
        for needle in [
            "VERSION:2.0\r\n",
            "PRODID:-//Rounds//Journal Club//EN\r\n",
            "METHOD:PUBLISH\r\n",
            "BEGIN:VEVENT\r\n",
            "UID:jc-1-1795982400@rounds.example\r\n",
            "DTSTAMP:20261120T100000Z\r\n",
            "DTSTART:20261129T200000Z\r\n",
            "DTEND:20261129T210000Z\r\n",
            "SUMMARY:JC: Colchicine\\, MI\\; and more \\\\ stuff\r\n",
            "URL:https://doi.org/10.1056/nejmoa1912388\r\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:Line one\\nLine two\\, with\\; punctuation"));
        assert!(unfolded.contains("ééé."));
    }

    #[test]
    fn parses_back() {
        let text = calendar_at("JC", &[session(), session()], at("2026-11-20T10:00:00Z"));
        let parsed = Calendar::from_str(&text).unwrap_or_else(|e| panic!("does not parse: {e}"));
        let events: Vec<_> = parsed.events().collect();
        assert_eq!(events.len(), 2);
        let e = events[0];
        assert_eq!(
            e.get_summary(),
            Some("JC: Colchicine, MI; and more \\ stuff")
        );
        assert_eq!(
            e.get_description(),
            Some(
                "Line one\nLine two, with; punctuation and a very long sentence that must be \
                 folded because it goes beyond seventy-five octets ééé."
            )
        );
        assert_eq!(e.get_uid(), Some("jc-1-1795982400@rounds.example"));
        assert_eq!(
            e.get_start(),
            Some(icalendar::DatePerhapsTime::DateTime(
                icalendar::CalendarDateTime::Utc(at("2026-11-29T20:00:00Z"))
            ))
        );
        assert_eq!(parsed.property_value("PRODID"), Some(PRODID));
    }

    #[test]
    fn unsafe_url_is_dropped_and_empty_calendar_is_valid() {
        let mut s = session();
        s.url = Some("https://x.example/a b\r\nX-EVIL:1".to_owned());
        let text = calendar_at("JC", &[s], at("2026-11-20T10:00:00Z"));
        assert!(!text.contains("X-EVIL") && !text.contains("URL:"));
        let empty = calendar_at("JC", &[], at("2026-11-20T10:00:00Z"));
        assert!(!empty.contains("BEGIN:VEVENT"));
        assert!(Calendar::from_str(&empty).is_ok());
    }
}
