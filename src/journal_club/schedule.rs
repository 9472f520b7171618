//! When a weekly journal club meets, and when each of its steps is due.
//!
//! Job: from a [`ClubSchedule`] (weekday, local wall-clock time, IANA time zone, lengths and
//! lead times) compute the concrete [`Occurrence`]s in UTC and the [`Step`]s each one needs
//! (announce, reminders, open, close, archive). Also parses what an admin types for
//! `/jc schedule` into those values, with user-safe errors.
//!
//! Invariants:
//! - An occurrence keeps the club's *local* hour across daylight-saving changes.
//!   When the local time does not exist that day (spring-forward gap) the start is the first
//!   valid instant after the gap; when it exists twice (autumn fall-back) the earlier instant
//!   is taken.
//! - [`Step::key`] is stable text; together with the club id and the occurrence's `start_utc`
//!   it forms the unique key a scheduler inserts before acting, so restarts or two bot
//!   instances never post a step twice.
//! - Everything here is pure: the caller passes the clock (`now` / `from`).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// Shortest session [`parse_duration`] accepts.
pub const MIN_SESSION: Duration = Duration::minutes(15);
/// Longest session [`parse_duration`] accepts.
pub const MAX_SESSION: Duration = Duration::hours(6);
/// Longest lead time (announcement, reminder, archive delay) [`parse_lead`] accepts.
pub const MAX_LEAD: Duration = Duration::days(14);

/// A weekly club's timetable. Durations are [`chrono::Duration`] so they add to instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClubSchedule {
    /// Day of the week the club meets (in the club's time zone).
    pub weekday: Weekday,
    /// Local wall-clock start time.
    pub local_time: NaiveTime,
    /// The club's time zone; the local hour is kept across DST changes.
    pub timezone: Tz,
    /// How long the live discussion lasts (open → close).
    pub duration: Duration,
    /// How long before the start the paper and questions are announced.
    pub announce_lead: Duration,
    /// Reminders, each this long before the start. Order is kept: index `i` is `Step::Remind(i)`.
    pub reminder_leads: Vec<Duration>,
    /// How long after the close the thread is archived.
    pub archive_after: Duration,
    /// How late a step may still be carried out (e.g. after downtime) before it is skipped.
    pub grace: Duration,
}

impl Default for ClubSchedule {
    /// Sunday 20:00 Europe/London, 60 minutes, announced 48 h ahead, reminders 24 h and 1 h
    /// ahead, archived 24 h after the close, 2 h grace.
    fn default() -> Self {
        ClubSchedule {
            weekday: Weekday::Sun,
            local_time: NaiveTime::from_hms_opt(20, 0, 0).unwrap_or(NaiveTime::MIN),
            timezone: chrono_tz::Europe::London,
            duration: Duration::minutes(60),
            announce_lead: Duration::hours(48),
            reminder_leads: vec![Duration::hours(24), Duration::hours(1)],
            archive_after: Duration::hours(24),
            grace: Duration::hours(2),
        }
    }
}

/// One concrete meeting of the club.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Occurrence {
    /// Start instant; the identity of the occurrence in unique keys.
    pub start_utc: DateTime<Utc>,
    /// The same instant in the club's zone (for display and thread titles).
    pub start_local: DateTime<Tz>,
    /// `start_utc + duration`.
    pub end_utc: DateTime<Utc>,
}

/// One thing the scheduler does for an occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// Post the paper card and appraisal questions.
    Announce,
    /// Post reminder number `n` (index into [`ClubSchedule::reminder_leads`]).
    Remind(usize),
    /// Open the discussion thread.
    Open,
    /// Close the discussion and post the wrap-up.
    Close,
    /// Archive/lock the thread.
    Archive,
}

impl Step {
    /// Stable key text: `announce`, `remind-0`, `remind-1`, `open`, `close`, `archive`.
    pub fn key(&self) -> String {
        match self {
            Step::Announce => "announce".to_owned(),
            Step::Remind(i) => format!("remind-{i}"),
            Step::Open => "open".to_owned(),
            Step::Close => "close".to_owned(),
            Step::Archive => "archive".to_owned(),
        }
    }

    /// Reads a [`Step::key`] back; `None` for anything else.
    pub fn from_key(key: &str) -> Option<Step> {
        match key {
            "announce" => Some(Step::Announce),
            "open" => Some(Step::Open),
            "close" => Some(Step::Close),
            "archive" => Some(Step::Archive),
            other => {
                let n = other.strip_prefix("remind-")?;
                // Reject `remind-01` and `remind-+1` so that keys have one spelling.
                if n.is_empty()
                    || !n.chars().all(|c| c.is_ascii_digit())
                    || n.len() > 1 && n.starts_with('0')
                {
                    return None;
                }
                n.parse().ok().map(Step::Remind)
            }
        }
    }
}

/// A step that is due now, with its occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueStep {
    /// The occurrence the step belongs to.
    pub occurrence: Occurrence,
    /// What to do.
    pub step: Step,
    /// When it was due.
    pub due_at: DateTime<Utc>,
}

/// A schedule setting an admin typed that we could not accept. `Display` is user-safe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not a weekday name.
    #[error("I don't know that day. Use a weekday name such as Sunday or sun.")]
    Weekday,
    /// Not a time of day.
    #[error(
        "I couldn't read that time. Use 24-hour time like 20:00 or 20h, or 12-hour time like 8pm \
         or 8:30pm."
    )]
    TimeFormat,
    /// A time with hours or minutes out of range.
    #[error("That time doesn't exist: hours go 0–23 (or 1–12 with am/pm) and minutes 0–59.")]
    TimeRange,
    /// Not a known IANA time zone.
    #[error(
        "I don't know that time zone. Use a region/city name from the tz database, such as \
         Europe/London, America/New_York or Asia/Kolkata (or UTC)."
    )]
    UnknownZone,
    /// An abbreviation such as GMT or EST, which would not follow daylight saving.
    #[error(
        "Please use a region/city time zone such as Europe/London or America/New_York rather \
         than an abbreviation: abbreviations like GMT or EST don't follow daylight-saving changes."
    )]
    ZoneAbbreviation,
    /// Not a duration.
    #[error("I couldn't read that length. Use minutes and/or hours, like 90m, 1h30m or 2h.")]
    DurationFormat,
    /// A duration outside the allowed bounds.
    #[error("That length is out of range: use between {min} and {max}.")]
    DurationRange {
        /// Human lower bound, e.g. "15m".
        min: String,
        /// Human upper bound, e.g. "6h".
        max: String,
    },
    /// The schedule's parts contradict each other.
    #[error("Those settings don't fit together: {0}")]
    Inconsistent(&'static str),
}

impl ClubSchedule {
    /// Checks that the parts fit together: session length within bounds, every reminder no
    /// earlier than the announcement, leads positive and at most [`MAX_LEAD`].
    pub fn validate(&self) -> Result<(), ScheduleError> {
        if self.duration < MIN_SESSION || self.duration > MAX_SESSION {
            return Err(ScheduleError::DurationRange {
                min: format_duration(MIN_SESSION),
                max: format_duration(MAX_SESSION),
            });
        }
        let lead_ok = |d: Duration| d > Duration::zero() && d <= MAX_LEAD;
        if !lead_ok(self.announce_lead) || !self.reminder_leads.iter().all(|d| lead_ok(*d)) {
            return Err(ScheduleError::Inconsistent(
                "announcement and reminder times must be between a minute and 14 days before the start.",
            ));
        }
        if self.reminder_leads.iter().any(|d| *d > self.announce_lead) {
            return Err(ScheduleError::Inconsistent(
                "a reminder can't come before the announcement.",
            ));
        }
        if self.archive_after < Duration::zero() || self.archive_after > MAX_LEAD {
            return Err(ScheduleError::Inconsistent(
                "the archive delay must be between 0 and 14 days.",
            ));
        }
        if self.grace < Duration::zero() {
            return Err(ScheduleError::Inconsistent(
                "the grace period can't be negative.",
            ));
        }
        Ok(())
    }

    /// The occurrence on a given local date, or `None` when that date is not the club's weekday.
    pub fn occurrence_on(&self, date: NaiveDate) -> Option<Occurrence> {
        if date.weekday() != self.weekday {
            return None;
        }
        let start_local = resolve_local(self.timezone, date, self.local_time)?;
        let start_utc = start_local.with_timezone(&Utc);
        Some(Occurrence {
            start_utc,
            start_local,
            end_utc: start_utc + self.duration,
        })
    }

    /// The next `count` occurrences whose start is at or after `from`, in order.
    pub fn occurrences_from(&self, from: DateTime<Utc>, count: usize) -> Vec<Occurrence> {
        let mut out = Vec::with_capacity(count);
        // Start one day early in local terms: `from` may be late on the club's weekday in UTC
        // but still that weekday locally, or the reverse.
        let mut date = from.with_timezone(&self.timezone).date_naive() - Duration::days(1);
        let days_ahead = (7 + self.weekday.num_days_from_monday() as i64
            - date.weekday().num_days_from_monday() as i64)
            % 7;
        date += Duration::days(days_ahead);
        // Bounded loop: a week is skipped only if the local time never resolves, which cannot
        // happen for real zones, but we never spin forever on odd data.
        let mut attempts = 0;
        while out.len() < count && attempts < count.saturating_mul(2) + 4 {
            attempts += 1;
            if let Some(occ) = self.occurrence_on(date)
                && occ.start_utc >= from
            {
                out.push(occ);
            }
            match date.checked_add_signed(Duration::days(7)) {
                Some(next) => date = next,
                None => break,
            }
        }
        out
    }

    /// Every step of an occurrence with its due instant, sorted by time (ties keep the order
    /// announce, reminders, open, close, archive).
    pub fn steps_for(&self, occurrence: &Occurrence) -> Vec<(Step, DateTime<Utc>)> {
        let start = occurrence.start_utc;
        let mut steps = Vec::with_capacity(self.reminder_leads.len() + 4);
        steps.push((Step::Announce, start - self.announce_lead));
        for (i, lead) in self.reminder_leads.iter().enumerate() {
            steps.push((Step::Remind(i), start - *lead));
        }
        steps.push((Step::Open, start));
        steps.push((Step::Close, occurrence.end_utc));
        steps.push((Step::Archive, occurrence.end_utc + self.archive_after));
        steps.sort_by_key(|(step, at)| (*at, *step));
        steps
    }

    /// Steps that are due at `now`: due at or before `now` and not more than `grace` ago.
    ///
    /// The scheduler claims each with its unique key before acting; a step missed by more than
    /// `grace` is not returned, so a bot that was down for a day does not post a stale reminder.
    /// [`Step::Close`] and [`Step::Archive`] also stay due past `grace` until the next
    /// occurrence starts, because a thread must not stay open forever after downtime. The
    /// result is a superset of what still needs doing: the caller skips steps it has claimed.
    pub fn due_steps(&self, now: DateTime<Utc>) -> Vec<DueStep> {
        // The earliest occurrence that can still have a due step started at most this long ago.
        let lookback = self.duration + self.archive_after + self.grace + Duration::days(7);
        let Some(from) = now.checked_sub_signed(lookback) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // Enough occurrences to span the look-back plus the longest lead ahead of `now`.
        let longest_lead = self
            .reminder_leads
            .iter()
            .copied()
            .fold(self.announce_lead, Duration::max);
        let span_weeks = (lookback + longest_lead).num_weeks().clamp(0, 520) as usize;
        let occurrences = self.occurrences_from(from, span_weeks + 3);
        for (i, occ) in occurrences.iter().enumerate() {
            let next_start = occurrences.get(i + 1).map(|o| o.start_utc);
            for (step, due_at) in self.steps_for(occ) {
                if due_at > now {
                    continue;
                }
                let late = now - due_at;
                let in_time = match step {
                    Step::Close | Step::Archive => {
                        late <= self.grace || next_start.is_none_or(|n| now < n)
                    }
                    _ => late <= self.grace,
                };
                if in_time {
                    out.push(DueStep {
                        occurrence: *occ,
                        step,
                        due_at,
                    });
                }
            }
        }
        out.sort_by_key(|d| (d.due_at, d.step));
        out
    }
}

/// Resolves a local date and time in `tz` to one instant, following the module's DST rules.
fn resolve_local(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Tz>> {
    let naive = date.and_time(time);
    if let Some(earliest) = tz.from_local_datetime(&naive).earliest() {
        return Some(earliest);
    }
    // In a gap: the first valid instant after it is the transition itself. Transitions fall on
    // whole minutes in the tz database, so stepping by minutes finds it; 48 h bounds the search
    // (the longest gap on record is a skipped calendar day).
    (1..=48 * 60).find_map(|m| {
        let later = naive.checked_add_signed(Duration::minutes(m))?;
        let resolved = tz.from_local_datetime(&later).earliest()?;
        // Walk back to the exact transition instant in case the local clock jumped by a
        // non-whole-minute amount.
        let mut instant = resolved;
        while let Some(prev) = instant.checked_sub_signed(Duration::seconds(1)) {
            let prev_local = prev.naive_local();
            if prev_local < naive {
                break;
            }
            instant = prev;
        }
        Some(instant)
    })
}

/// Reads a weekday: full English names or three-letter abbreviations (also `tues`, `thurs`),
/// any case.
pub fn parse_weekday(input: &str) -> Result<Weekday, ScheduleError> {
    let lower = input.trim().to_ascii_lowercase();
    let text = lower.trim_end_matches(['.', 's']);
    let day = match text {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return Err(ScheduleError::Weekday),
    };
    Ok(day)
}

/// Reads a time of day: `20:00`, `8:05`, `20h`, `20h30`, `20.30`, `8pm`, `8:30 pm`, `noon`,
/// `midnight`. Rejects `25:00`, `12:60`, `13pm` with [`ScheduleError::TimeRange`].
pub fn parse_time(input: &str) -> Result<NaiveTime, ScheduleError> {
    let lower = input.trim().to_ascii_lowercase();
    match lower.as_str() {
        "noon" | "midday" => return Ok(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN)),
        "midnight" => return Ok(NaiveTime::MIN),
        _ => {}
    }
    let (body, meridiem) = if let Some(b) = lower.strip_suffix("am").or(lower.strip_suffix("a.m."))
    {
        (b.trim(), Some(false))
    } else if let Some(b) = lower.strip_suffix("pm").or(lower.strip_suffix("p.m.")) {
        (b.trim(), Some(true))
    } else {
        (lower.as_str(), None)
    };
    let (hours, minutes) = match body.split_once([':', 'h', '.']) {
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None => (body, "0"),
    };
    let number = |s: &str, max_len: usize| -> Result<u32, ScheduleError> {
        if s.is_empty() || s.len() > max_len || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(ScheduleError::TimeFormat);
        }
        s.parse().map_err(|_| ScheduleError::TimeFormat)
    };
    let mut h = number(hours, 2)?;
    let m = number(minutes, 2)?;
    if body
        .split_once([':', 'h', '.'])
        .is_some_and(|(_, m)| !m.is_empty() && m.len() != 2)
    {
        return Err(ScheduleError::TimeFormat);
    }
    if m > 59 {
        return Err(ScheduleError::TimeRange);
    }
    match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return Err(ScheduleError::TimeRange);
            }
            h = match (h, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        None if h > 23 => return Err(ScheduleError::TimeRange),
        None => {}
    }
    NaiveTime::from_hms_opt(h, m, 0).ok_or(ScheduleError::TimeRange)
}

/// Reads an IANA time-zone name (any case), e.g. `Europe/London`, or `UTC`.
///
/// Abbreviations and fixed-offset names such as `GMT`, `EST` or `CET` are refused with
/// [`ScheduleError::ZoneAbbreviation`]: a club set to "GMT" would silently drift by an hour
/// every British summer.
pub fn parse_timezone(input: &str) -> Result<Tz, ScheduleError> {
    let text = input.trim();
    if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("etc/utc") {
        return Ok(chrono_tz::UTC);
    }
    if !text.contains('/') {
        let known = chrono_tz::TZ_VARIANTS
            .iter()
            .any(|tz| tz.name().eq_ignore_ascii_case(text));
        let looks_abbrev =
            !text.is_empty() && text.len() <= 5 && text.chars().all(|c| c.is_ascii_alphabetic());
        return Err(if known || looks_abbrev {
            ScheduleError::ZoneAbbreviation
        } else {
            ScheduleError::UnknownZone
        });
    }
    let normalised = text.replace(' ', "_");
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(&normalised))
        .copied()
        .ok_or(ScheduleError::UnknownZone)
}

/// Reads a session length such as `90m`, `1h30m`, `1h 30`, `2h` or `45` (minutes), bounded by
/// [`MIN_SESSION`] and [`MAX_SESSION`].
pub fn parse_duration(input: &str) -> Result<Duration, ScheduleError> {
    parse_duration_within(input, MIN_SESSION, MAX_SESSION)
}

/// Reads a lead time (announcement, reminder, archive delay) such as `48h`, `1d`, `30m`,
/// between one minute and [`MAX_LEAD`].
pub fn parse_lead(input: &str) -> Result<Duration, ScheduleError> {
    parse_duration_within(input, Duration::minutes(1), MAX_LEAD)
}

/// Reads `[Nd][Nh][Nm]` (spaces allowed; a bare number means minutes) within `[min, max]`.
pub fn parse_duration_within(
    input: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, ScheduleError> {
    let text: String = input
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.is_empty() || text.len() > 20 {
        return Err(ScheduleError::DurationFormat);
    }
    let mut total_minutes: i64 = 0;
    let mut digits = String::new();
    let mut last_unit_rank = 0u8;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, per_unit) = match c {
            'd' => (3, 24 * 60),
            'h' => (2, 60),
            'm' => {
                // Allow `min`/`mins` spelled out.
                while chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
                    chars.next();
                }
                (1, 1)
            }
            _ => return Err(ScheduleError::DurationFormat),
        };
        // Units must be given largest first and once each: `30m1h` is a typo, not 90 minutes.
        if digits.is_empty() || (last_unit_rank != 0 && rank >= last_unit_rank) {
            return Err(ScheduleError::DurationFormat);
        }
        let n: i64 = digits.parse().map_err(|_| ScheduleError::DurationFormat)?;
        total_minutes = total_minutes
            .checked_add(
                n.checked_mul(per_unit)
                    .ok_or(ScheduleError::DurationFormat)?,
            )
            .ok_or(ScheduleError::DurationFormat)?;
        digits.clear();
        last_unit_rank = rank;
    }
    if !digits.is_empty() {
        // A trailing bare number: minutes (`45`, or the `30` in `1h30`).
        if last_unit_rank == 1 {
            return Err(ScheduleError::DurationFormat);
        }
        let n: i64 = digits.parse().map_err(|_| ScheduleError::DurationFormat)?;
        total_minutes = total_minutes
            .checked_add(n)
            .ok_or(ScheduleError::DurationFormat)?;
    }
    let duration = Duration::try_minutes(total_minutes).ok_or(ScheduleError::DurationFormat)?;
    if duration < min || duration > max {
        return Err(ScheduleError::DurationRange {
            min: format_duration(min),
            max: format_duration(max),
        });
    }
    Ok(duration)
}

/// Compact form of a duration as [`parse_duration_within`] reads it: `90m` → `1h30m`,
/// `2880m` → `2d`.
pub fn format_duration(duration: Duration) -> String {
    let total = duration.num_minutes().max(0);
    let (d, h, m) = (total / (24 * 60), total / 60 % 24, total % 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d}d"));
    }
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 || out.is_empty() {
        out.push_str(&format!("{m}m"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("bad test instant {s}: {e}"))
    }

    fn starts(s: &ClubSchedule, from: &str, n: usize) -> Vec<String> {
        s.occurrences_from(utc(from), n)
            .iter()
            .map(|o| o.start_utc.to_rfc3339())
            .collect()
    }

    #[test]
    fn spring_forward_keeps_local_hour() {
        let s = ClubSchedule::default();
        assert_eq!(
            starts(&s, "2026-03-22T00:00:00Z", 3),
            [
                "2026-03-22T20:00:00+00:00",
                "2026-03-29T19:00:00+00:00",
                "2026-04-05T19:00:00+00:00"
            ]
        );
    }

    #[test]
    fn autumn_change_keeps_local_hour() {
        let s = ClubSchedule::default();
        // BST ends 25 Oct 2026 at 02:00 local.
        assert_eq!(
            starts(&s, "2026-10-18T00:00:00Z", 3),
            [
                "2026-10-18T19:00:00+00:00",
                "2026-10-25T20:00:00+00:00",
                "2026-11-01T20:00:00+00:00"
            ]
        );
    }

    #[test]
    fn from_is_inclusive_and_skips_started_sessions() {
        let s = ClubSchedule::default();
        assert_eq!(
            starts(&s, "2026-03-22T20:00:00Z", 1),
            ["2026-03-22T20:00:00+00:00"]
        );
        assert_eq!(
            starts(&s, "2026-03-22T20:00:01Z", 1),
            ["2026-03-29T19:00:00+00:00"]
        );
    }

    #[test]
    fn zone_far_from_utc_uses_local_weekday() {
        // Monday 07:00 in Auckland is Sunday evening UTC.
        let s = ClubSchedule {
            weekday: Weekday::Mon,
            local_time: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN),
            timezone: chrono_tz::Pacific::Auckland,
            ..ClubSchedule::default()
        };
        let occ = s.occurrences_from(utc("2026-06-07T18:00:00Z"), 1);
        assert_eq!(occ[0].start_utc, utc("2026-06-07T19:00:00Z"));
        assert_eq!(occ[0].start_local.weekday(), Weekday::Mon);
    }

    #[test]
    fn gap_time_moves_to_first_valid_instant() {
        // 01:30 on 29 Mar 2026 does not exist in London: clocks jump 01:00 → 02:00 BST.
        let s = ClubSchedule {
            local_time: NaiveTime::from_hms_opt(1, 30, 0).unwrap_or(NaiveTime::MIN),
            ..ClubSchedule::default()
        };
        let occ = s.occurrences_from(utc("2026-03-28T00:00:00Z"), 2);
        assert_eq!(occ[0].start_utc, utc("2026-03-29T01:00:00Z"));
        assert_eq!(occ[0].start_local.format("%H:%M").to_string(), "02:00");
        assert_eq!(occ[1].start_utc, utc("2026-04-05T00:30:00Z"));
    }

    #[test]
    fn ambiguous_time_takes_earlier_instant() {
        // 01:30 on 25 Oct 2026 happens twice in London; the first is 00:30 UTC (BST).
        let s = ClubSchedule {
            local_time: NaiveTime::from_hms_opt(1, 30, 0).unwrap_or(NaiveTime::MIN),
            ..ClubSchedule::default()
        };
        let occ = s.occurrences_from(utc("2026-10-24T00:00:00Z"), 1);
        assert_eq!(occ[0].start_utc, utc("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn steps_and_keys() {
        let s = ClubSchedule::default();
        let occ = s.occurrences_from(utc("2026-11-29T00:00:00Z"), 1)[0];
        let steps = s.steps_for(&occ);
        let got: Vec<(String, String)> = steps
            .iter()
            .map(|(st, at)| (st.key(), at.to_rfc3339()))
            .collect();
        let want = [
            ("announce", "2026-11-27T20:00:00+00:00"),
            ("remind-0", "2026-11-28T20:00:00+00:00"),
            ("remind-1", "2026-11-29T19:00:00+00:00"),
            ("open", "2026-11-29T20:00:00+00:00"),
            ("close", "2026-11-29T21:00:00+00:00"),
            ("archive", "2026-11-30T21:00:00+00:00"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(got, want);
        for (step, _) in steps {
            assert_eq!(Step::from_key(&step.key()), Some(step));
        }
        for bad in ["remind-", "remind-01", "remind-x", "Open", "", "remind--1"] {
            assert_eq!(Step::from_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn due_steps_respect_grace_but_always_close() {
        let s = ClubSchedule::default();
        let keys = |now: &str| -> Vec<String> {
            s.due_steps(utc(now))
                .iter()
                .map(|d| format!("{}@{}", d.step.key(), d.occurrence.start_utc.format("%d")))
                .collect()
        };
        // Right at the open: announce (48 h ago) and the 24 h reminder are stale; the 1 h
        // reminder is 1 h late (within grace) and open is due now.
        assert_eq!(keys("2026-11-29T20:00:00Z"), ["remind-1@29", "open@29"]);
        // Bot back 5 hours after the close: close and archive-pending; close still due.
        assert_eq!(keys("2026-11-30T02:00:00Z"), ["close@29"]);
        // Mid-week the close and archive stay due (the scheduler's claim makes them run once)
        // until the next session starts; nothing else is.
        assert_eq!(keys("2026-12-02T12:00:00Z"), ["close@29", "archive@29"]);
        assert_eq!(
            keys("2026-12-06T19:30:00Z"),
            ["close@29", "archive@29", "remind-1@06"]
        );
    }

    #[test]
    fn due_steps_with_long_leads() {
        // Announced 10 days ahead and archived 10 days after: both cross the next session.
        let s = ClubSchedule {
            announce_lead: Duration::days(10),
            archive_after: Duration::days(10),
            ..ClubSchedule::default()
        };
        let keys = |now: &str| -> Vec<String> {
            s.due_steps(utc(now))
                .iter()
                .map(|d| {
                    format!(
                        "{}@{}",
                        d.step.key(),
                        d.occurrence.start_utc.format("%m-%d")
                    )
                })
                .collect()
        };
        // 8 Nov's archive falls due on 18 Nov 21:00, after 15 Nov's start: only `grace` applies.
        assert_eq!(
            keys("2026-11-18T22:00:00Z"),
            ["close@11-15", "archive@11-08"]
        );
        assert_eq!(keys("2026-11-18T23:30:00Z"), ["close@11-15"]);
        // 29 Nov is announced 10 days ahead, on 19 Nov 20:00.
        assert_eq!(
            keys("2026-11-19T20:30:00Z"),
            ["close@11-15", "announce@11-29"]
        );
    }

    #[test]
    fn validate_rejects_contradictions() {
        assert_eq!(ClubSchedule::default().validate(), Ok(()));
        let bad = ClubSchedule {
            reminder_leads: vec![Duration::hours(72)],
            ..ClubSchedule::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(ScheduleError::Inconsistent(_))
        ));
        let short = ClubSchedule {
            duration: Duration::minutes(5),
            ..ClubSchedule::default()
        };
        assert!(matches!(
            short.validate(),
            Err(ScheduleError::DurationRange { .. })
        ));
    }

    #[test]
    fn weekday_table() {
        for (input, want) in [
            ("sun", Ok(Weekday::Sun)),
            ("Sunday", Ok(Weekday::Sun)),
            (" SUNDAYS ", Ok(Weekday::Sun)),
            ("tues", Ok(Weekday::Tue)),
            ("thurs", Ok(Weekday::Thu)),
            ("Wed.", Ok(Weekday::Wed)),
            ("", Err(ScheduleError::Weekday)),
            ("someday", Err(ScheduleError::Weekday)),
            ("dimanche", Err(ScheduleError::Weekday)),
        ] {
            assert_eq!(parse_weekday(input), want, "{input:?}");
        }
    }

    #[test]
    fn time_table() {
        let t = |h, m| Ok(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN));
        for (input, want) in [
            ("20:00", t(20, 0)),
            ("8:05", t(8, 5)),
            ("20h", t(20, 0)),
            ("20h30", t(20, 30)),
            ("20.30", t(20, 30)),
            ("8pm", t(20, 0)),
            ("8:30 PM", t(20, 30)),
            ("12am", t(0, 0)),
            ("12pm", t(12, 0)),
            ("noon", t(12, 0)),
            ("midnight", t(0, 0)),
            ("0:00", t(0, 0)),
            ("23:59", t(23, 59)),
            ("25:00", Err(ScheduleError::TimeRange)),
            ("24:00", Err(ScheduleError::TimeRange)),
            ("12:60", Err(ScheduleError::TimeRange)),
            ("13pm", Err(ScheduleError::TimeRange)),
            ("0am", Err(ScheduleError::TimeRange)),
            ("20:5", Err(ScheduleError::TimeFormat)),
            ("8 o'clock", Err(ScheduleError::TimeFormat)),
            ("", Err(ScheduleError::TimeFormat)),
            ("２０:００", Err(ScheduleError::TimeFormat)),
            ("-1:00", Err(ScheduleError::TimeFormat)),
            ("123:00", Err(ScheduleError::TimeFormat)),
        ] {
            assert_eq!(parse_time(input), want, "{input:?}");
        }
        assert!(ScheduleError::TimeRange.to_string().contains("0–59"));
    }

    #[test]
    fn timezone_table() {
        assert_eq!(
            parse_timezone("Europe/London"),
            Ok(chrono_tz::Europe::London)
        );
        assert_eq!(
            parse_timezone(" europe/london "),
            Ok(chrono_tz::Europe::London)
        );
        assert_eq!(
            parse_timezone("America/New York"),
            Ok(chrono_tz::America::New_York)
        );
        assert_eq!(parse_timezone("UTC"), Ok(chrono_tz::UTC));
        assert_eq!(parse_timezone("GMT"), Err(ScheduleError::ZoneAbbreviation));
        assert_eq!(parse_timezone("BST"), Err(ScheduleError::ZoneAbbreviation));
        assert_eq!(
            parse_timezone("Europe/Atlantis"),
            Err(ScheduleError::UnknownZone)
        );
        assert_eq!(parse_timezone("London"), Err(ScheduleError::UnknownZone));
        assert_eq!(parse_timezone(""), Err(ScheduleError::UnknownZone));
        assert!(
            ScheduleError::UnknownZone
                .to_string()
                .contains("Europe/London")
        );
    }

    #[test]
    fn duration_table() {
        let m = |n| Ok(Duration::minutes(n));
        for (input, want) in [
            ("90m", m(90)),
            ("1h30m", m(90)),
            ("1h 30", m(90)),
            ("1h30", m(90)),
            ("2h", m(120)),
            ("45", m(45)),
            ("45 min", m(45)),
            ("6h", m(360)),
            ("30m1h", Err(ScheduleError::DurationFormat)),
            ("1h1h", Err(ScheduleError::DurationFormat)),
            ("h", Err(ScheduleError::DurationFormat)),
            ("1.5h", Err(ScheduleError::DurationFormat)),
            ("", Err(ScheduleError::DurationFormat)),
            ("99999999999999999h", Err(ScheduleError::DurationFormat)),
        ] {
            assert_eq!(parse_duration(input), want, "{input:?}");
        }
        for out_of_range in ["5m", "7h", "1d"] {
            assert!(
                matches!(
                    parse_duration(out_of_range),
                    Err(ScheduleError::DurationRange { .. })
                ),
                "{out_of_range}"
            );
        }
        assert_eq!(
            parse_duration("7h").map_err(|e| e.to_string()),
            Err("That length is out of range: use between 15m and 6h.".to_owned())
        );
        assert_eq!(parse_lead("48h"), m(48 * 60));
        assert_eq!(parse_lead("2d"), m(48 * 60));
        assert_eq!(format_duration(Duration::minutes(90)), "1h30m");
        assert_eq!(format_duration(Duration::hours(48)), "2d");
    }
}
