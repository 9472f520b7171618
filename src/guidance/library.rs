//! Loading and validating the guidance library, hot reload, and review-date checks.
//!
//! Each topic is `config/guidance/<slug>.md`: a TOML front matter block fenced by `+++` lines,
//! then an optional Markdown body. Validation is strict and every error names the file and the
//! field, so an editor can fix content without reading code.
//!
//! Invariants:
//! - A [`Library`] holds exactly the slugs in [`TOPIC_SLUGS`], in that order, each once.
//! - [`GuidanceHandle::reload_from`] swaps content only after the whole directory validated; on
//!   any error the previous library (and its search index) stays in force.
//! - Errors carry file names, field names and fixed reasons only — never member text.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use serde::Deserialize;

use super::search::SearchIndex;
use super::topic::{Jurisdiction, Source, TOPIC_SLUGS, Topic};

/// Why guidance content could not be loaded. Every variant names the file (and field where one
/// is at fault); the text is safe to show to moderators.
#[derive(Debug, thiserror::Error)]
pub enum GuidanceError {
    /// The directory or a file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file or directory.
        file: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with a `+++` fenced front matter block.
    #[error("{file}: front matter must open with a `+++` line and close with another `+++` line")]
    FrontMatter {
        /// The file.
        file: String,
    },
    /// The front matter is not valid TOML, or has a field of the wrong type or an unknown field.
    #[error("{file}: front matter is not valid: {message}")]
    Toml {
        /// The file.
        file: String,
        /// The TOML parser's message (about our own content file).
        message: String,
    },
    /// A required field is absent.
    #[error("{file}: missing field `{field}`")]
    MissingField {
        /// The file.
        file: String,
        /// The field.
        field: String,
    },
    /// A field is present but its value breaks a content rule.
    #[error("{file}: field `{field}`: {reason}")]
    InvalidField {
        /// The file.
        file: String,
        /// The field (e.g. `answer`, `sources[1].url`).
        field: String,
        /// What rule it breaks.
        reason: String,
    },
    /// The `slug` is not one of the thirteen topics.
    #[error("{file}: field `slug`: `{slug}` is not one of the known topic slugs")]
    UnknownSlug {
        /// The file.
        file: String,
        /// The slug found.
        slug: String,
    },
    /// Two files declare the same slug.
    #[error("{second}: field `slug`: `{slug}` is already defined in {first}")]
    DuplicateSlug {
        /// The slug.
        slug: String,
        /// The file that defined it first.
        first: String,
        /// The file that defined it again.
        second: String,
    },
    /// A known topic has no file.
    #[error("{slug}.md: missing topic `{slug}` (no file declares this slug)")]
    MissingTopic {
        /// The slug with no file.
        slug: String,
    },
}

/// The built-in content, embedded so the binary works from any directory.
const BUILTIN_FILES: [(&str, &str); 13] = [
    (
        "confidentiality.md",
        include_str!("../../config/guidance/confidentiality.md"),
    ),
    (
        "patient-boundaries.md",
        include_str!("../../config/guidance/patient-boundaries.md"),
    ),
    (
        "identify-yourself.md",
        include_str!("../../config/guidance/identify-yourself.md"),
    ),
    (
        "privacy-settings.md",
        include_str!("../../config/guidance/privacy-settings.md"),
    ),
    (
        "harassment.md",
        include_str!("../../config/guidance/harassment.md"),
    ),
    (
        "misinformation.md",
        include_str!("../../config/guidance/misinformation.md"),
    ),
    (
        "conflicts-of-interest.md",
        include_str!("../../config/guidance/conflicts-of-interest.md"),
    ),
    (
        "advertising.md",
        include_str!("../../config/guidance/advertising.md"),
    ),
    (
        "colleagues-and-employers.md",
        include_str!("../../config/guidance/colleagues-and-employers.md"),
    ),
    (
        "online-advice.md",
        include_str!("../../config/guidance/online-advice.md"),
    ),
    (
        "clinical-images.md",
        include_str!("../../config/guidance/clinical-images.md"),
    ),
    (
        "professionalism.md",
        include_str!("../../config/guidance/professionalism.md"),
    ),
    (
        "breach-response.md",
        include_str!("../../config/guidance/breach-response.md"),
    ),
];

/// The thirteen validated topics, in [`TOPIC_SLUGS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    topics: Vec<Topic>,
}

impl Library {
    /// The content shipped inside the binary. Fails only if the shipped files are invalid, which
    /// a test guards against.
    pub fn builtin() -> Result<Library, GuidanceError> {
        Library::from_files(
            BUILTIN_FILES
                .iter()
                .map(|(name, text)| ((*name).to_owned(), (*text).to_owned())),
        )
    }

    /// Loads and validates every `*.md` file in `dir` (other files are ignored).
    pub fn load_dir(dir: &Path) -> Result<Library, GuidanceError> {
        let dir_name = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|source| GuidanceError::Io {
            file: dir_name.clone(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| GuidanceError::Io {
                file: dir_name.clone(),
                source,
            })?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("md") || !path.is_file() {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let text = std::fs::read_to_string(&path).map_err(|source| GuidanceError::Io {
                file: name.clone(),
                source,
            })?;
            files.push((name, text));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Library::from_files(files)
    }

    /// Validates `(file name, file text)` pairs into a library.
    fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Library, GuidanceError> {
        let mut slots: Vec<Option<(String, Topic)>> = vec![None; TOPIC_SLUGS.len()];
        for (name, text) in files {
            let topic = parse_topic(&name, &text)?;
            let Some(pos) = TOPIC_SLUGS.iter().position(|s| *s == topic.slug) else {
                // parse_topic already rejects unknown slugs; keep the guard total.
                return Err(GuidanceError::UnknownSlug {
                    file: name,
                    slug: topic.slug,
                });
            };
            if let Some((first, _)) = &slots[pos] {
                return Err(GuidanceError::DuplicateSlug {
                    slug: topic.slug,
                    first: first.clone(),
                    second: name,
                });
            }
            slots[pos] = Some((name, topic));
        }
        let mut topics = Vec::with_capacity(TOPIC_SLUGS.len());
        for (slot, slug) in slots.into_iter().zip(TOPIC_SLUGS) {
            match slot {
                Some((_, topic)) => topics.push(topic),
                None => {
                    return Err(GuidanceError::MissingTopic {
                        slug: slug.to_owned(),
                    });
                }
            }
        }
        Ok(Library { topics })
    }

    /// All topics, in [`TOPIC_SLUGS`] order.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// The topic with this slug.
    pub fn get(&self, slug: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.slug == slug)
    }
}

/// Topics whose `review_by` date is before `today`, in library order. The bot tells moderators
/// about these weekly (the scheduling lives elsewhere).
pub fn overdue(library: &Library, today: NaiveDate) -> Vec<&Topic> {
    library
        .topics()
        .iter()
        .filter(|t| t.review_by < today)
        .collect()
}

/// What a successful reload changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// Number of topics now in force (always 13).
    pub topics: usize,
    /// Slugs whose content differs from the previous library, in library order.
    pub changed: Vec<String>,
}

/// The library and its index, swapped together.
struct Loaded {
    library: Arc<Library>,
    index: Arc<SearchIndex>,
}

/// A shared, reloadable view of the guidance in force. Cloning shares the same content.
#[derive(Clone)]
pub struct GuidanceHandle {
    inner: Arc<RwLock<Loaded>>,
}

impl std::fmt::Debug for GuidanceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuidanceHandle")
            .field("topics", &self.current().topics().len())
            .finish()
    }
}

impl GuidanceHandle {
    /// Puts `library` in force and builds its search index.
    pub fn new(library: Library) -> GuidanceHandle {
        let index = Arc::new(SearchIndex::new(&library));
        GuidanceHandle {
            inner: Arc::new(RwLock::new(Loaded {
                library: Arc::new(library),
                index,
            })),
        }
    }

    /// A handle over [`Library::builtin`].
    pub fn builtin() -> Result<GuidanceHandle, GuidanceError> {
        Library::builtin().map(GuidanceHandle::new)
    }

    /// The library in force.
    pub fn current(&self) -> Arc<Library> {
        Arc::clone(&self.read().library)
    }

    /// The search index for the library in force.
    pub fn index(&self) -> Arc<SearchIndex> {
        Arc::clone(&self.read().index)
    }

    /// The library and its index, taken together so they always match.
    pub fn snapshot(&self) -> (Arc<Library>, Arc<SearchIndex>) {
        let loaded = self.read();
        (Arc::clone(&loaded.library), Arc::clone(&loaded.index))
    }

    /// Loads `dir`; if it validates, puts it in force and reports what changed. On error the
    /// content in force is left untouched and the error names the file and field at fault.
    pub fn reload_from(&self, dir: &Path) -> Result<ReloadReport, GuidanceError> {
        let library = Library::load_dir(dir)?;
        let index = Arc::new(SearchIndex::new(&library));
        let mut guard = match self.inner.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let changed = library
            .topics()
            .iter()
            .filter(|t| guard.library.get(&t.slug) != Some(*t))
            .map(|t| t.slug.clone())
            .collect();
        let report = ReloadReport {
            topics: library.topics().len(),
            changed,
        };
        *guard = Loaded {
            library: Arc::new(library),
            index,
        };
        Ok(report)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        // A panic while holding the lock cannot leave `Loaded` half-written (it is replaced
        // whole), so a poisoned lock still holds consistent content.
        match self.inner.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation of one file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    slug: Option<String>,
    title: Option<String>,
    answer: Option<String>,
    key_points: Option<Vec<String>>,
    what_to_do: Option<Vec<String>>,
    jurisdictions: Option<RawJurisdictions>,
    sources: Option<Vec<RawSource>>,
    reviewed: Option<toml::Value>,
    review_by: Option<toml::Value>,
    keywords: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJurisdictions {
    uk: Option<String>,
    us: Option<String>,
    ca: Option<String>,
    au: Option<String>,
    ie: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    publisher: Option<String>,
    title: Option<String>,
    year: Option<String>,
    section: Option<String>,
    url: Option<String>,
    jurisdiction: Option<String>,
}

/// Content limits enforced on every topic.
const KEY_POINTS_MIN: usize = 5;
const KEY_POINTS_MAX: usize = 8;
const ANSWER_SENTENCES_MIN: usize = 2;
const ANSWER_SENTENCES_MAX: usize = 3;
const KEYWORDS_MIN: usize = 10;

/// Splits `+++` front matter from the body.
fn split_front_matter<'a>(file: &str, text: &'a str) -> Result<(&'a str, &'a str), GuidanceError> {
    let err = || GuidanceError::FrontMatter {
        file: file.to_owned(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or_else(err)?;
    if first.trim_end() != "+++" {
        return Err(err());
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        if line.trim_end() == "+++" {
            let front = &text[start..offset];
            let body = &text[offset + line.len()..];
            return Ok((front, body));
        }
        offset += line.len();
    }
    Err(err())
}

fn parse_topic(file: &str, text: &str) -> Result<Topic, GuidanceError> {
    let (front, body) = split_front_matter(file, text)?;
    let raw: RawTopic = toml::from_str(front).map_err(|e| GuidanceError::Toml {
        file: file.to_owned(),
        message: e.message().to_owned(),
    })?;
    let v = Validator { file };

    let slug = v.text("slug", raw.slug)?;
    if !TOPIC_SLUGS.contains(&slug.as_str()) {
        return Err(GuidanceError::UnknownSlug {
            file: file.to_owned(),
            slug,
        });
    }
    let stem = file.strip_suffix(".md").unwrap_or(file);
    if stem != slug {
        return Err(v.invalid("slug", "must match the file name (<slug>.md)"));
    }
    let title = v.text("title", raw.title)?;
    let answer = v.text("answer", raw.answer)?;
    let sentences = count_sentences(&answer);
    if !(ANSWER_SENTENCES_MIN..=ANSWER_SENTENCES_MAX).contains(&sentences) {
        return Err(v.invalid(
            "answer",
            &format!("must be 2 to 3 sentences, found {sentences}"),
        ));
    }
    let key_points = v.list("key_points", raw.key_points)?;
    if !(KEY_POINTS_MIN..=KEY_POINTS_MAX).contains(&key_points.len()) {
        return Err(v.invalid(
            "key_points",
            &format!("must have 5 to 8 points, found {}", key_points.len()),
        ));
    }
    let what_to_do = v.list("what_to_do", raw.what_to_do)?;
    let keywords = v.list("keywords", raw.keywords)?;
    if keywords.len() < KEYWORDS_MIN {
        return Err(v.invalid(
            "keywords",
            &format!(
                "needs at least {KEYWORDS_MIN} search terms, found {}",
                keywords.len()
            ),
        ));
    }
    let jurisdictions = v.jurisdictions(raw.jurisdictions)?;
    let sources = v.sources(raw.sources)?;
    let reviewed = v.date("reviewed", raw.reviewed)?;
    let review_by = v.date("review_by", raw.review_by)?;
    if review_by <= reviewed {
        return Err(v.invalid("review_by", "must be after `reviewed`"));
    }
    Ok(Topic {
        slug,
        title,
        answer,
        key_points,
        what_to_do,
        jurisdictions,
        sources,
        reviewed,
        review_by,
        keywords,
        body: body.trim().to_owned(),
    })
}

struct Validator<'a> {
    file: &'a str,
}

impl Validator<'_> {
    fn missing(&self, field: &str) -> GuidanceError {
        GuidanceError::MissingField {
            file: self.file.to_owned(),
            field: field.to_owned(),
        }
    }

    fn invalid(&self, field: &str, reason: &str) -> GuidanceError {
        GuidanceError::InvalidField {
            file: self.file.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn text(&self, field: &str, value: Option<String>) -> Result<String, GuidanceError> {
        let value = value.ok_or_else(|| self.missing(field))?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(self.invalid(field, "must not be empty"));
        }
        Ok(trimmed.to_owned())
    }

    fn list(&self, field: &str, value: Option<Vec<String>>) -> Result<Vec<String>, GuidanceError> {
        let value = value.ok_or_else(|| self.missing(field))?;
        if value.is_empty() {
            return Err(self.invalid(field, "must not be empty"));
        }
        let mut out = Vec::with_capacity(value.len());
        for (i, item) in value.into_iter().enumerate() {
            let item = item.trim();
            if item.is_empty() {
                return Err(self.invalid(&format!("{field}[{i}]"), "must not be empty"));
            }
            out.push(item.to_owned());
        }
        Ok(out)
    }

    fn date(&self, field: &str, value: Option<toml::Value>) -> Result<NaiveDate, GuidanceError> {
        let value = value.ok_or_else(|| self.missing(field))?;
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Datetime(d) => d.to_string(),
            _ => return Err(self.invalid(field, "must be a date like 2026-11-22")),
        };
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| self.invalid(field, "must be a date like 2026-11-22"))
    }

    fn jurisdictions(
        &self,
        raw: Option<RawJurisdictions>,
    ) -> Result<Vec<(Jurisdiction, String)>, GuidanceError> {
        let raw = raw.ok_or_else(|| self.missing("jurisdictions"))?;
        let pairs = [
            (Jurisdiction::Uk, raw.uk),
            (Jurisdiction::Us, raw.us),
            (Jurisdiction::Ca, raw.ca),
            (Jurisdiction::Au, raw.au),
            (Jurisdiction::Ie, raw.ie),
        ];
        let mut out = Vec::new();
        for (j, note) in pairs {
            if let Some(note) = note {
                let field = format!("jurisdictions.{}", j.code());
                out.push((j, self.text(&field, Some(note))?));
            }
        }
        if out.is_empty() {
            return Err(self.invalid("jurisdictions", "needs at least one jurisdiction note"));
        }
        Ok(out)
    }

    fn sources(&self, raw: Option<Vec<RawSource>>) -> Result<Vec<Source>, GuidanceError> {
        let raw = raw.ok_or_else(|| self.missing("sources"))?;
        if raw.is_empty() {
            return Err(self.invalid("sources", "needs at least one source"));
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut seen_urls = HashSet::new();
        for (i, s) in raw.into_iter().enumerate() {
            let f = |name: &str| format!("sources[{i}].{name}");
            let publisher = self.text(&f("publisher"), s.publisher)?;
            let title = self.text(&f("title"), s.title)?;
            let year = self.text(&f("year"), s.year)?;
            let url = self.text(&f("url"), s.url)?;
            if !url.starts_with("https://") || url.contains(char::is_whitespace) {
                return Err(self.invalid(&f("url"), "must be an https:// link with no spaces"));
            }
            if !seen_urls.insert(url.clone()) {
                return Err(self.invalid(&f("url"), "is listed twice"));
            }
            let section = match s.section {
                Some(sec) => Some(self.text(&f("section"), Some(sec))?),
                None => None,
            };
            let jurisdiction = match s.jurisdiction {
                Some(code) => Some(code.parse::<Jurisdiction>().map_err(|_| {
                    self.invalid(&f("jurisdiction"), "must be one of uk, us, ca, au, ie")
                })?),
                None => None,
            };
            out.push(Source {
                publisher,
                title,
                year,
                section,
                url,
                jurisdiction,
            });
        }
        Ok(out)
    }
}

/// Counts sentences: a word ending in `.`, `!` or `?` (before closing quotes or brackets) ends
/// one, except common abbreviations; trailing text without a terminator counts as one more.
pub(crate) fn count_sentences(text: &str) -> usize {
    const ABBREVIATIONS: [&str; 12] = [
        "e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "vs", "cf", "no", "para", "st",
    ];
    let mut count = 0;
    let mut open = false;
    for word in text.split_whitespace() {
        let core = word.trim_end_matches(['"', '\'', ')', ']', '”', '’']);
        let ends = core.ends_with(['.', '!', '?']);
        let bare = core
            .trim_end_matches(['.', '!', '?'])
            .trim_start_matches(['"', '\'', '(', '[', '“', '‘'])
            .to_lowercase();
        if ends && !ABBREVIATIONS.contains(&bare.as_str()) {
            count += 1;
            open = false;
        } else {
            open = true;
        }
    }
    if open { count + 1 } else { count }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn good_topic(slug: &str) -> String {
        format!(
            r#"+++
slug = "{slug}"
title = "Title for {slug}"
answer = "First sentence of the answer. Second sentence, e.g. with an abbreviation."
key_points = ["one", "two", "three", "four", "five"]
what_to_do = ["step one", "step two"]
keywords = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10"]
reviewed = 2026-11-22
review_by = 2027-11-22

[jurisdictions]
uk = "A UK note."

[[sources]]
publisher = "General Medical Council"
title = "A document"
year = "2024"
url = "https://example.org/{slug}"
jurisdiction = "uk"
+++
Body text for {slug}.
"#
        )
    }

    /// Writes a full valid set, then applies `edit` to the text of `target`.
    fn write_set(dir: &Path, target: &str, edit: impl Fn(String) -> String) {
        for slug in TOPIC_SLUGS {
            let mut text = good_topic(slug);
            if slug == target {
                text = edit(text);
            }
            fs::write(dir.join(format!("{slug}.md")), text).unwrap();
        }
    }

    fn load_with(target: &str, edit: impl Fn(String) -> String) -> Result<Library, GuidanceError> {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), target, edit);
        Library::load_dir(dir.path())
    }

    fn assert_field_error(result: Result<Library, GuidanceError>, file: &str, field: &str) {
        let err = result.expect_err("content should be rejected");
        let text = err.to_string();
        assert!(text.contains(file), "error should name file {file}: {text}");
        assert!(
            text.contains(field),
            "error should name field {field}: {text}"
        );
    }

    #[test]
    fn builtin_content_is_valid() {
        let lib = Library::builtin().expect("shipped guidance must validate");
        let slugs: Vec<_> = lib.topics().iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, TOPIC_SLUGS);
    }

    #[test]
    fn builtin_matches_config_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/guidance");
        let from_disk = Library::load_dir(&dir).expect("config/guidance must validate");
        assert_eq!(from_disk, Library::builtin().unwrap());
    }

    #[test]
    fn valid_set_loads() {
        let lib = load_with("harassment", |t| t).unwrap();
        assert_eq!(lib.topics().len(), 13);
        let t = lib.get("harassment").unwrap();
        assert_eq!(t.body, "Body text for harassment.");
        assert_eq!(t.note_for(Jurisdiction::Uk), Some("A UK note."));
        assert_eq!(t.sources[0].jurisdiction, Some(Jurisdiction::Uk));
    }

    #[test]
    fn missing_field_names_file_and_field() {
        let r = load_with("harassment", |t| {
            t.replace("title = \"Title for harassment\"\n", "")
        });
        assert!(
            matches!(r, Err(GuidanceError::MissingField { ref field, .. }) if field == "title")
        );
        assert_field_error(
            load_with("harassment", |t| {
                t.replace("title = \"Title for harassment\"\n", "")
            }),
            "harassment.md",
            "title",
        );
    }

    #[test]
    fn unknown_field_is_rejected() {
        assert_field_error(
            load_with("advertising", |t| {
                t.replace("+++\nslug", "+++\ncolour = \"red\"\nslug")
            }),
            "advertising.md",
            "colour",
        );
    }

    #[test]
    fn unknown_slug_is_rejected() {
        let r = load_with("advertising", |t| {
            t.replace("slug = \"advertising\"", "slug = \"marketing\"")
        });
        assert!(
            matches!(r, Err(GuidanceError::UnknownSlug { ref slug, .. }) if slug == "marketing")
        );
        assert_field_error(
            load_with("advertising", |t| {
                t.replace("slug = \"advertising\"", "slug = \"marketing\"")
            }),
            "advertising.md",
            "slug",
        );
    }

    #[test]
    fn slug_must_match_file_name() {
        let r = load_with("advertising", |t| {
            t.replace("slug = \"advertising\"", "slug = \"harassment\"")
        });
        assert_field_error(r, "advertising.md", "slug");
    }

    #[test]
    fn duplicate_slug_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "", |t| t);
        // A second file claiming an existing slug fails on its own name first.
        fs::write(
            dir.path().join("harassment-copy.md"),
            good_topic("harassment"),
        )
        .unwrap();
        let err = Library::load_dir(dir.path()).unwrap_err();
        assert!(err.to_string().contains("harassment-copy.md"), "{err}");

        // Two files with the same name and slug (as when sets are merged) are a duplicate.
        let files = TOPIC_SLUGS
            .iter()
            .map(|s| (format!("{s}.md"), good_topic(s)))
            .chain(std::iter::once((
                "harassment.md".to_owned(),
                good_topic("harassment"),
            )));
        match Library::from_files(files) {
            Err(GuidanceError::DuplicateSlug { slug, .. }) => assert_eq!(slug, "harassment"),
            other => panic!("expected DuplicateSlug, got {other:?}"),
        }
    }

    #[test]
    fn missing_topic_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "", |t| t);
        fs::remove_file(dir.path().join("online-advice.md")).unwrap();
        match Library::load_dir(dir.path()) {
            Err(GuidanceError::MissingTopic { slug }) => assert_eq!(slug, "online-advice"),
            other => panic!("expected MissingTopic, got {other:?}"),
        }
    }

    #[test]
    fn bad_date_is_rejected() {
        assert_field_error(
            load_with("misinformation", |t| {
                t.replace("reviewed = 2026-11-22", "reviewed = \"22/11/2026\"")
            }),
            "misinformation.md",
            "reviewed",
        );
        assert_field_error(
            load_with("misinformation", |t| {
                t.replace("review_by = 2027-11-22", "review_by = \"2027-02-30\"")
            }),
            "misinformation.md",
            "review_by",
        );
    }

    #[test]
    fn review_by_before_reviewed_is_rejected() {
        assert_field_error(
            load_with("privacy-settings", |t| {
                t.replace("review_by = 2027-11-22", "review_by = 2026-01-01")
            }),
            "privacy-settings.md",
            "review_by",
        );
    }

    #[test]
    fn empty_source_list_is_rejected() {
        let r = load_with("clinical-images", |t| {
            let cut = t.find("[[sources]]").unwrap();
            let end = t[cut..].find("+++").unwrap() + cut;
            format!("{}sources = []\n{}", &t[..cut], &t[end..])
        });
        assert_field_error(r, "clinical-images.md", "sources");
    }

    #[test]
    fn source_without_url_or_publisher_is_rejected() {
        assert_field_error(
            load_with("clinical-images", |t| {
                t.replace("url = \"https://example.org/clinical-images\"\n", "")
            }),
            "clinical-images.md",
            "sources[0].url",
        );
        assert_field_error(
            load_with("clinical-images", |t| {
                t.replace("publisher = \"General Medical Council\"\n", "")
            }),
            "clinical-images.md",
            "sources[0].publisher",
        );
        assert_field_error(
            load_with("clinical-images", |t| {
                t.replace("https://example.org/clinical-images", "ftp://x")
            }),
            "clinical-images.md",
            "sources[0].url",
        );
    }

    #[test]
    fn key_point_count_outside_range_is_rejected() {
        assert_field_error(
            load_with("professionalism", |t| {
                t.replace(
                    "[\"one\", \"two\", \"three\", \"four\", \"five\"]",
                    "[\"one\", \"two\", \"three\", \"four\"]",
                )
            }),
            "professionalism.md",
            "key_points",
        );
        assert_field_error(
            load_with("professionalism", |t| {
                t.replace("\"five\"]", "\"5\", \"6\", \"7\", \"8\", \"9\"]")
            }),
            "professionalism.md",
            "key_points",
        );
    }

    #[test]
    fn answer_sentence_count_is_enforced() {
        assert_field_error(
            load_with("breach-response", |t| {
                t.replace(
                    "First sentence of the answer. Second sentence, e.g. with an abbreviation.",
                    "Only one sentence here.",
                )
            }),
            "breach-response.md",
            "answer",
        );
        assert_field_error(
            load_with("breach-response", |t| {
                t.replace("Second sentence", "Two. Three. Four")
            }),
            "breach-response.md",
            "answer",
        );
    }

    #[test]
    fn missing_front_matter_is_rejected() {
        let r = load_with("harassment", |t| t.replacen("+++\n", "", 1));
        assert!(
            matches!(r, Err(GuidanceError::FrontMatter { ref file }) if file == "harassment.md")
        );
    }

    #[test]
    fn unknown_jurisdiction_code_is_rejected() {
        assert_field_error(
            load_with("harassment", |t| {
                t.replace("uk = \"A UK note.\"", "fr = \"Note.\"")
            }),
            "harassment.md",
            "fr",
        );
        assert_field_error(
            load_with("harassment", |t| {
                t.replace("jurisdiction = \"uk\"", "jurisdiction = \"mars\"")
            }),
            "harassment.md",
            "sources[0].jurisdiction",
        );
    }

    #[test]
    fn counts_sentences_with_abbreviations() {
        assert_eq!(count_sentences("One. Two."), 2);
        assert_eq!(count_sentences("See e.g. the GMC. Then stop"), 2);
        assert_eq!(count_sentences("Is it? Yes! Fine."), 3);
        assert_eq!(count_sentences("\"Quoted.\" Next."), 2);
    }

    #[test]
    fn overdue_lists_topics_past_review_by() {
        let lib = load_with("harassment", |t| {
            t.replace("reviewed = 2026-11-22", "reviewed = 2025-01-01")
                .replace("review_by = 2027-11-22", "review_by = 2026-01-01")
        })
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let slugs: Vec<_> = overdue(&lib, today)
            .iter()
            .map(|t| t.slug.clone())
            .collect();
        assert_eq!(slugs, ["harassment"]);
        let on_the_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(overdue(&lib, on_the_day).is_empty());
    }

    #[test]
    fn builtin_is_not_overdue_today_but_is_in_two_years() {
        let lib = Library::builtin().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert!(overdue(&lib, today).is_empty());
        let later = NaiveDate::from_ymd_opt(2028, 11, 22).unwrap();
        assert_eq!(overdue(&lib, later).len(), 13);
    }

    #[test]
    fn reload_keeps_last_good_content_on_error() {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), "", |t| t);
        let handle = GuidanceHandle::new(Library::load_dir(dir.path()).unwrap());
        let other = handle.clone();
        let before = handle.current();

        // Break one file: reload fails, content in force is unchanged for every clone.
        let bad = good_topic("harassment").replace("title = \"Title for harassment\"\n", "");
        fs::write(dir.path().join("harassment.md"), bad).unwrap();
        let err = handle.reload_from(dir.path()).unwrap_err();
        assert!(err.to_string().contains("harassment.md"));
        assert_eq!(*other.current(), *before);

        // Fix it with a change: reload succeeds, reports the change, clones see the new content.
        let fixed = good_topic("harassment").replace("Title for harassment", "Trolls");
        fs::write(dir.path().join("harassment.md"), fixed).unwrap();
        let report = handle.reload_from(dir.path()).unwrap();
        assert_eq!(report.topics, 13);
        assert_eq!(report.changed, ["harassment"]);
        assert_eq!(other.current().get("harassment").unwrap().title, "Trolls");
        let (lib, index) = other.snapshot();
        assert_eq!(lib.topics().len(), 13);
        assert_eq!(index.slugs().len(), 13);
    }

    #[test]
    fn reload_from_missing_directory_is_an_error() {
        let handle = GuidanceHandle::builtin().unwrap();
        let err = handle
            .reload_from(Path::new("/nonexistent/guidance/dir"))
            .unwrap_err();
        assert!(matches!(err, GuidanceError::Io { .. }));
        assert_eq!(handle.current().topics().len(), 13);
    }
}
