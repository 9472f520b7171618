//! The guidance data model: topics, their sources and the jurisdictions they speak to.
//!
//! Invariants: a [`Topic`] is only built by the library loader after validation, so code that
//! receives one may rely on its fields being non-empty and its dates being ordered.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

/// The thirteen topic slugs, in the order the bot lists them. Each has exactly one file
/// `config/guidance/<slug>.md`.
pub const TOPIC_SLUGS: [&str; 13] = [
    "confidentiality",
    "patient-boundaries",
    "identify-yourself",
    "privacy-settings",
    "harassment",
    "misinformation",
    "conflicts-of-interest",
    "advertising",
    "colleagues-and-employers",
    "online-advice",
    "clinical-images",
    "professionalism",
    "breach-response",
];

/// A regulatory jurisdiction a topic may carry a note for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Jurisdiction {
    /// United Kingdom (GMC, BMA, UK law).
    Uk,
    /// United States (AMA Code of Medical Ethics, state boards, federal law).
    Us,
    /// Canada (notes cite the College of Physicians and Surgeons of Ontario).
    Ca,
    /// Australia (Medical Board of Australia, Ahpra, National Law).
    Au,
    /// Republic of Ireland (Medical Council).
    Ie,
}

impl Jurisdiction {
    /// All jurisdictions in display order.
    pub const ALL: [Jurisdiction; 5] = [
        Jurisdiction::Uk,
        Jurisdiction::Us,
        Jurisdiction::Ca,
        Jurisdiction::Au,
        Jurisdiction::Ie,
    ];

    /// The short code used in guidance files (`uk`, `us`, `ca`, `au`, `ie`).
    pub fn code(self) -> &'static str {
        match self {
            Jurisdiction::Uk => "uk",
            Jurisdiction::Us => "us",
            Jurisdiction::Ca => "ca",
            Jurisdiction::Au => "au",
            Jurisdiction::Ie => "ie",
        }
    }

    /// A human label for headings.
    pub fn label(self) -> &'static str {
        match self {
            Jurisdiction::Uk => "UK",
            Jurisdiction::Us => "US",
            Jurisdiction::Ca => "Canada",
            Jurisdiction::Au => "Australia",
            Jurisdiction::Ie => "Ireland",
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The text given to [`Jurisdiction::from_str`] named no jurisdiction we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown jurisdiction; try uk, us, canada, australia or ireland")]
pub struct ParseJurisdictionError;

impl FromStr for Jurisdiction {
    type Err = ParseJurisdictionError;

    /// Parses codes, country names and common regions, case-insensitively:
    /// "uk", "gb", "england", "scotland", "northern ireland" → UK; "us", "usa", "america" → US;
    /// "ca", "canada", "ontario" → Canada; "au", "australia", "nsw" → Australia;
    /// "ie", "ireland", "roi" → Ireland.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let folded: String = s
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let key = folded.split_whitespace().collect::<Vec<_>>().join(" ");
        let j = match key.as_str() {
            "uk" | "gb" | "gbr" | "britain" | "great britain" | "united kingdom" | "england"
            | "scotland" | "wales" | "cymru" | "northern ireland" | "ni" | "nhs" | "gmc" => {
                Jurisdiction::Uk
            }
            "us"
            | "usa"
            | "u s"
            | "u s a"
            | "america"
            | "united states"
            | "united states of america"
            | "ama" => Jurisdiction::Us,
            "ca" | "can" | "canada" | "ontario" | "on" | "quebec" | "british columbia" | "bc"
            | "alberta" | "cpso" => Jurisdiction::Ca,
            "au" | "aus" | "australia" | "nsw" | "new south wales" | "victoria" | "vic"
            | "queensland" | "qld" | "ahpra" => Jurisdiction::Au,
            "ie" | "irl" | "ireland" | "republic of ireland" | "roi" | "eire" | "éire" => {
                Jurisdiction::Ie
            }
            _ => return Err(ParseJurisdictionError),
        };
        Ok(j)
    }
}

/// One cited source document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Who published it, e.g. "General Medical Council".
    pub publisher: String,
    /// The document's title.
    pub title: String,
    /// Year and/or edition, e.g. "2024" or "9th edition, 2024".
    pub year: String,
    /// Section or paragraph, only where known for certain.
    pub section: Option<String>,
    /// The publisher's page for the document.
    pub url: String,
    /// The jurisdiction the source belongs to, if it is specific to one.
    pub jurisdiction: Option<Jurisdiction>,
}

/// One validated guidance topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// One of [`TOPIC_SLUGS`].
    pub slug: String,
    /// Short human title.
    pub title: String,
    /// Two or three sentences answering the topic's core question.
    pub answer: String,
    /// Five to eight key points.
    pub key_points: Vec<String>,
    /// Practical steps, in order.
    pub what_to_do: Vec<String>,
    /// Notes per jurisdiction, in [`Jurisdiction::ALL`] order; only jurisdictions we are sure of.
    pub jurisdictions: Vec<(Jurisdiction, String)>,
    /// Cited sources (at least one).
    pub sources: Vec<Source>,
    /// Date the content was last reviewed.
    pub reviewed: NaiveDate,
    /// Date by which it must be reviewed again (after `reviewed`).
    pub review_by: NaiveDate,
    /// Search vocabulary: synonyms and chat words for this topic.
    pub keywords: Vec<String>,
    /// The longer Markdown explanation after the front matter (may be empty).
    pub body: String,
}

impl Topic {
    /// The note for one jurisdiction, if this topic has one.
    pub fn note_for(&self, jurisdiction: Jurisdiction) -> Option<&str> {
        self.jurisdictions
            .iter()
            .find(|(j, _)| *j == jurisdiction)
            .map(|(_, note)| note.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_names_for_each_jurisdiction() {
        let rows = [
            ("uk", Jurisdiction::Uk),
            ("GB", Jurisdiction::Uk),
            ("England", Jurisdiction::Uk),
            ("Northern Ireland", Jurisdiction::Uk),
            ("us", Jurisdiction::Us),
            ("USA", Jurisdiction::Us),
            ("U.S.", Jurisdiction::Us),
            ("canada", Jurisdiction::Ca),
            ("Ontario", Jurisdiction::Ca),
            ("australia", Jurisdiction::Au),
            ("NSW", Jurisdiction::Au),
            ("ireland", Jurisdiction::Ie),
            (" Republic of Ireland ", Jurisdiction::Ie),
        ];
        for (text, want) in rows {
            assert_eq!(text.parse::<Jurisdiction>(), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_unknown_jurisdictions() {
        for text in ["", "france", "nz", "u k k"] {
            assert_eq!(
                text.parse::<Jurisdiction>(),
                Err(ParseJurisdictionError),
                "{text}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for j in Jurisdiction::ALL {
            assert_eq!(j.code().parse::<Jurisdiction>(), Ok(j));
        }
    }
}
