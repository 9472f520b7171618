//! Rendering guidance as Markdown that Discord and Matrix both display.
//!
//! Only the Markdown both platforms share is used: `**bold**` labels instead of headings, `-`
//! bullets, numbered steps and `<https://…>` links (Discord shows them without a preview card;
//! Matrix clients autolink them).
//!
//! Invariants: rendering is pure; every rendered topic fits one Discord embed description
//! ([`DISCORD_EMBED_DESCRIPTION_LIMIT`]) — a test checks the shipped content — and
//! [`split_for_limit`] cuts any rendering into plain-message chunks at line boundaries.

use super::library::Library;
use super::topic::{Jurisdiction, Topic};

/// The line closing every answer.
pub const DISCLAIMER: &str = "Summary only — not legal or regulatory advice. Check the source and your regulator or defence body.";

/// Discord's limit for one plain message, in characters.
pub const DISCORD_MESSAGE_LIMIT: usize = 2000;

/// Discord's limit for an embed description, in characters.
pub const DISCORD_EMBED_DESCRIPTION_LIMIT: usize = 4096;

/// Renders one topic. With `Some(jurisdiction)`, shows that jurisdiction's note (or says there
/// is none) and lists general sources plus that jurisdiction's; with `None`, shows every note
/// briefly and every source.
pub fn render_topic(topic: &Topic, jurisdiction: Option<Jurisdiction>) -> String {
    let mut out = String::with_capacity(3000);
    out.push_str(&format!("**{}**\n{}\n\n", topic.title, topic.answer));

    out.push_str("**Key points**\n");
    for p in &topic.key_points {
        out.push_str(&format!("- {p}\n"));
    }

    out.push_str("\n**What to do now**\n");
    for (i, step) in topic.what_to_do.iter().enumerate() {
        out.push_str(&format!("{}. {step}\n", i + 1));
    }

    match jurisdiction {
        Some(j) => {
            out.push_str(&format!("\n**{}**\n", j.label()));
            match topic.note_for(j) {
                Some(note) => out.push_str(&format!("{note}\n")),
                None => out.push_str(&format!(
                    "No {} note for this topic yet: check your regulator's guidance directly.\n",
                    j.label()
                )),
            }
        }
        None => {
            out.push_str("\n**Where you practise**\n");
            for (j, note) in &topic.jurisdictions {
                out.push_str(&format!("- {}: {}\n", j.label(), first_sentence(note)));
            }
        }
    }

    out.push_str("\n**Sources**\n");
    for s in topic.sources.iter().filter(|s| {
        jurisdiction.is_none() || s.jurisdiction.is_none() || s.jurisdiction == jurisdiction
    }) {
        let mut line = format!("- {}, *{}* ({}", s.publisher, s.title, s.year);
        if let Some(section) = &s.section {
            line.push_str(&format!(", {section}"));
        }
        line.push_str(&format!(") <{}>\n", s.url));
        out.push_str(&line);
    }

    out.push_str(&format!("\n*{DISCLAIMER}*"));
    out
}

/// The reply when search is not confident: says so and lists the closest topics (the caller
/// passes the top three).
pub fn render_not_sure(closest: &[&Topic]) -> String {
    let mut out =
        String::from("I'm not sure which guidance topic fits that question. The closest are:\n");
    for t in closest {
        out.push_str(&format!("- **{}** (`{}`)\n", t.title, t.slug));
    }
    out.push_str("\nAsk again with more detail, or pick a topic by its name shown in backticks.");
    out
}

/// A list of every topic with its slug and a one-line summary.
pub fn render_list(library: &Library) -> String {
    let mut out = String::from("**Guidance topics**\n");
    for t in library.topics() {
        out.push_str(&format!(
            "- **{}** (`{}`): {}\n",
            t.title,
            t.slug,
            first_sentence(&t.answer)
        ));
    }
    out.push_str(&format!("\n*{DISCLAIMER}*"));
    out
}

/// Splits `text` into chunks of at most `limit` characters, cutting at line breaks where
/// possible (and inside an over-long line only as a last resort, at a character boundary).
pub fn split_for_limit(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut current_len = 0usize;
    for line in text.split_inclusive('\n') {
        let line_len = line.chars().count();
        if current_len + line_len > limit && !current.is_empty() {
            chunks.push(current.trim_end().to_owned());
            current.clear();
            current_len = 0;
        }
        if line_len > limit {
            let mut piece = String::new();
            let mut piece_len = 0;
            for c in line.chars() {
                if piece_len == limit {
                    chunks.push(std::mem::take(&mut piece));
                    piece_len = 0;
                }
                piece.push(c);
                piece_len += 1;
            }
            current = piece;
            current_len = piece_len;
        } else {
            current.push_str(line);
            current_len += line_len;
        }
    }
    let rest = current.trim_end();
    if !rest.is_empty() {
        chunks.push(rest.to_owned());
    }
    chunks.retain(|c| !c.trim().is_empty());
    chunks
}

/// The first sentence of `text` (up to and including its terminator), or all of it.
fn first_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1).is_none_or(|n| *n == b' ') {
            // Skip "e.g." style abbreviations: a terminator preceded by a one-letter word part.
            let before = &text[..i];
            let last_word = before.rsplit(' ').next().unwrap_or("");
            if last_word.len() <= 3 && last_word.contains('.') {
                continue;
            }
            return &text[..=i];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Library {
        Library::builtin().expect("builtin guidance")
    }

    #[test]
    fn topic_has_all_sections_and_disclaimer() {
        let lib = library();
        let t = lib.get("breach-response").unwrap();
        let text = render_topic(t, None);
        for part in [
            t.title.as_str(),
            t.answer.as_str(),
            "**Key points**",
            "**What to do now**",
            "**Sources**",
        ] {
            assert!(text.contains(part), "missing {part}");
        }
        assert!(text.ends_with(&format!("*{DISCLAIMER}*")));
        for s in &t.sources {
            assert!(text.contains(&s.url) && text.contains(&s.publisher));
        }
    }

    #[test]
    fn chosen_jurisdiction_shows_only_its_note_and_sources() {
        let lib = library();
        let t = lib.get("patient-boundaries").unwrap();
        let uk = render_topic(t, Some(Jurisdiction::Uk));
        assert!(uk.contains(t.note_for(Jurisdiction::Uk).unwrap()));
        if let Some(us_note) = t.note_for(Jurisdiction::Us) {
            assert!(!uk.contains(us_note));
        }
        for s in &t.sources {
            let shown = uk.contains(&s.url);
            let expected = s.jurisdiction.is_none() || s.jurisdiction == Some(Jurisdiction::Uk);
            assert_eq!(shown, expected, "{}", s.url);
        }
    }

    #[test]
    fn missing_jurisdiction_note_says_so() {
        let lib = library();
        let missing = lib.topics().iter().find_map(|t| {
            Jurisdiction::ALL
                .iter()
                .find(|j| t.note_for(**j).is_none())
                .map(|j| (t, *j))
        });
        if let Some((t, j)) = missing {
            let text = render_topic(t, Some(j));
            assert!(text.contains(&format!("No {} note", j.label())));
        }
    }

    #[test]
    fn every_rendering_fits_an_embed_and_splits_into_messages() {
        let lib = library();
        for t in lib.topics() {
            let mut options = vec![None];
            options.extend(Jurisdiction::ALL.map(Some));
            for j in options {
                let text = render_topic(t, j);
                let len = text.chars().count();
                assert!(len <= 4000, "{} {:?}: {len} chars", t.slug, j);
                let parts = split_for_limit(&text, DISCORD_MESSAGE_LIMIT);
                assert!(
                    parts
                        .iter()
                        .all(|p| p.chars().count() <= DISCORD_MESSAGE_LIMIT)
                );
                let rejoined: String = parts.concat();
                let squash = |s: &str| s.split_whitespace().collect::<String>();
                assert_eq!(squash(&rejoined), squash(&text));
            }
        }
        assert!(render_list(&lib).chars().count() <= DISCORD_EMBED_DESCRIPTION_LIMIT);
    }

    #[test]
    fn split_cuts_overlong_lines_and_keeps_short_text_whole() {
        assert_eq!(split_for_limit("short", 2000), ["short"]);
        let long = "a".repeat(25);
        let parts = split_for_limit(&long, 10);
        assert_eq!(parts, ["a".repeat(10), "a".repeat(10), "a".repeat(5)]);
        let lines = "one\ntwo\nthree\n";
        assert_eq!(split_for_limit(lines, 8), ["one\ntwo", "three"]);
        assert!(split_for_limit("", 10).is_empty());
    }

    #[test]
    fn not_sure_lists_the_given_topics() {
        let lib = library();
        let closest: Vec<&Topic> = lib.topics().iter().take(3).collect();
        let text = render_not_sure(&closest);
        assert!(text.contains("not sure"));
        for t in closest {
            assert!(text.contains(&t.title) && text.contains(&t.slug));
        }
    }

    #[test]
    fn list_names_every_topic() {
        let lib = library();
        let text = render_list(&lib);
        for t in lib.topics() {
            assert!(text.contains(&format!("`{}`", t.slug)));
        }
    }

    #[test]
    fn first_sentence_skips_abbreviations() {
        assert_eq!(
            first_sentence("See e.g. this. Then that."),
            "See e.g. this."
        );
        assert_eq!(first_sentence("No terminator"), "No terminator");
    }
}
