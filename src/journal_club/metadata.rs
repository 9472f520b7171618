//! Looking up a paper's title, authors and journal from its DOI or PMID.
//!
//! Job: one [`MetadataClient`] that asks Crossref (`GET {crossref}/works/{doi}`) for DOIs and
//! NCBI E-utilities (`GET {eutils}/esummary.fcgi?db=pubmed&id=…&retmode=json`) for PMIDs, and
//! turns either answer into one [`PaperMeta`].
//!
//! Invariants:
//! - Base URLs, timeout and contact address come from [`MetadataConfig`]; tests point them at a
//!   local fake server. Every request sends the polite User-Agent
//!   `Rounds/<version> (journal club bot; mailto:<contact>)`.
//! - Answers are read as untyped JSON and picked apart defensively: odd or missing fields give
//!   `None`/empty values or [`LookupError::Malformed`], never a panic. Bodies larger than
//!   [`MAX_BODY_BYTES`] are refused.
//! - [`LookupError`]'s `Display` is user-safe and contains neither the id nor the remote body.
//! - [`PaperMeta::authors`] holds at most [`MAX_AUTHORS`] names in Vancouver style
//!   (`Family GI`), followed by the literal entry `"et al."` when the paper has more authors.
//! - Text from the registries (titles, names) is not escaped here; [`super::render`] does that.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::paper::{PaperId, encode_doi_for_url};

/// Largest response body we read, in bytes (a Crossref work is typically 5–50 kB).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Authors kept before "et al.".
pub const MAX_AUTHORS: usize = 3;
/// Literal last entry of [`PaperMeta::authors`] when authors were cut.
pub const ET_AL: &str = "et al.";

/// Details of a paper, as found in Crossref or PubMed (or typed by a member when the lookup
/// failed: every field but `title` is optional).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaperMeta {
    /// Title with markup tags removed and whitespace collapsed; empty if the registry had none.
    pub title: String,
    /// Up to [`MAX_AUTHORS`] names, then `"et al."` if there were more.
    pub authors: Vec<String>,
    /// Journal (container) name.
    pub journal: Option<String>,
    /// Year of publication (issue date, else first publication date).
    pub year: Option<i32>,
    /// DOI, lower-cased.
    pub doi: Option<String>,
    /// PubMed id.
    pub pmid: Option<u64>,
    /// A link to a free full text, when the record shows one (PMC copy or an open licence).
    pub open_access_url: Option<String>,
}

/// Why a lookup failed. `Display` is user-safe text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The registry does not know this id.
    #[error(
        "I couldn't find that paper in Crossref or PubMed. Please check the DOI or PMID \
         (it may also be registered somewhere we don't search)."
    )]
    NotFound,
    /// The registry did not answer in time.
    #[error("The paper lookup took too long. Please try again in a minute.")]
    Timeout,
    /// The registry answered with an unexpected HTTP status (rate limit, server error…).
    #[error("The paper lookup service answered with an error (HTTP {0}). Please try again later.")]
    Http(u16),
    /// The answer could not be understood.
    #[error("The paper lookup service sent an answer I couldn't read. Please try again later.")]
    Malformed,
    /// The registry could not be reached at all.
    #[error("I couldn't reach the paper lookup service. Please try again later.")]
    Network,
}

/// Settings for [`MetadataClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataConfig {
    /// Crossref REST API root, without trailing slash.
    pub crossref_base_url: String,
    /// NCBI E-utilities root, without trailing slash.
    pub eutils_base_url: String,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Contact address put in the User-Agent (`mailto:`), as Crossref asks of polite clients.
    pub contact_email: String,
    /// NCBI `tool` parameter (registered tool name), sent when set.
    pub ncbi_tool: Option<String>,
    /// NCBI `email` parameter, sent when set.
    pub ncbi_email: Option<String>,
}

impl MetadataConfig {
    /// Default endpoints and a 5-second timeout, with the given contact address.
    pub fn new(contact_email: impl Into<String>) -> Self {
        MetadataConfig {
            crossref_base_url: "https://api.crossref.org".to_owned(),
            eutils_base_url: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils".to_owned(),
            timeout: Duration::from_secs(5),
            contact_email: contact_email.into(),
            ncbi_tool: None,
            ncbi_email: None,
        }
    }
}

/// HTTP client for paper metadata. Cheap to clone (the inner client is shared).
#[derive(Debug, Clone)]
pub struct MetadataClient {
    http: reqwest::Client,
    config: MetadataConfig,
}

impl MetadataClient {
    /// Builds the client. Fails only if the TLS backend cannot be initialised or the contact
    /// address makes an invalid header value.
    pub fn new(config: MetadataConfig) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let http = reqwest::Client::builder()
            .user_agent(user_agent(&config.contact_email))
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .context("building the paper-metadata HTTP client")?;
        Ok(MetadataClient { http, config })
    }

    /// The User-Agent this client sends.
    pub fn user_agent(&self) -> String {
        user_agent(&self.config.contact_email)
    }

    /// Looks a paper up: Crossref for DOIs, PubMed E-utilities for PMIDs.
    pub async fn fetch(&self, id: &PaperId) -> Result<PaperMeta, LookupError> {
        match id {
            PaperId::Doi(doi) => {
                let url = format!(
                    "{}/works/{}",
                    self.config.crossref_base_url.trim_end_matches('/'),
                    encode_doi_for_url(doi)
                );
                let body = self.get_json(self.http.get(url)).await?;
                parse_crossref(&body, doi)
            }
            PaperId::Pmid(pmid) => {
                let url = format!(
                    "{}/esummary.fcgi",
                    self.config.eutils_base_url.trim_end_matches('/')
                );
                let id = pmid.to_string();
                let mut query: Vec<(&str, &str)> =
                    vec![("db", "pubmed"), ("id", &id), ("retmode", "json")];
                if let Some(tool) = &self.config.ncbi_tool {
                    query.push(("tool", tool));
                }
                if let Some(email) = &self.config.ncbi_email {
                    query.push(("email", email));
                }
                let body = self.get_json(self.http.get(url).query(&query)).await?;
                parse_esummary(&body, *pmid)
            }
        }
    }

    async fn get_json(&self, request: reqwest::RequestBuilder) -> Result<Value, LookupError> {
        let mut response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(map_reqwest)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(LookupError::NotFound);
        }
        if !status.is_success() {
            return Err(LookupError::Http(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(LookupError::Malformed);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_reqwest)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(LookupError::Malformed);
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|_| LookupError::Malformed)
    }
}

fn user_agent(contact: &str) -> String {
    format!(
        "Rounds/{} (journal club bot; mailto:{})",
        env!("CARGO_PKG_VERSION"),
        contact.trim()
    )
}

fn map_reqwest(err: reqwest::Error) -> LookupError {
    if err.is_timeout() {
        LookupError::Timeout
    } else if err.is_decode() || err.is_body() {
        LookupError::Malformed
    } else {
        LookupError::Network
    }
}

/// Reads a Crossref `/works/{doi}` answer. `requested_doi` fills in when the record has no DOI.
pub fn parse_crossref(body: &Value, requested_doi: &str) -> Result<PaperMeta, LookupError> {
    if body.get("status").and_then(Value::as_str) == Some("failed") {
        return Err(LookupError::NotFound);
    }
    let msg = body
        .get("message")
        .filter(|m| m.is_object())
        .ok_or(LookupError::Malformed)?;

    let title = first_str(msg.get("title"))
        .map(clean_text)
        .unwrap_or_default();

    let names: Vec<String> = msg
        .get("author")
        .and_then(Value::as_array)
        .map(|authors| authors.iter().filter_map(crossref_author).collect())
        .unwrap_or_default();

    let journal = first_str(msg.get("container-title"))
        .or_else(|| first_str(msg.get("short-container-title")))
        .map(clean_text)
        .filter(|s| !s.is_empty());

    let year = ["issued", "published", "published-print", "published-online"]
        .iter()
        .find_map(|key| date_parts_year(msg.get(*key)));

    let doi = msg
        .get("DOI")
        .and_then(Value::as_str)
        .map(|d| d.trim().to_lowercase())
        .filter(|d| d.starts_with("10."))
        .unwrap_or_else(|| requested_doi.to_lowercase());

    let open_access_url = crossref_open_access(msg, &doi);

    Ok(PaperMeta {
        title,
        authors: cap_authors(names),
        journal,
        year,
        doi: Some(doi),
        pmid: None,
        open_access_url,
    })
}

/// Reads an E-utilities `esummary` JSON answer for one PMID.
pub fn parse_esummary(body: &Value, pmid: u64) -> Result<PaperMeta, LookupError> {
    if body.get("error").is_some() || body.get("esummaryresult").is_some() {
        return Err(LookupError::NotFound);
    }
    let result = body
        .get("result")
        .filter(|r| r.is_object())
        .ok_or(LookupError::Malformed)?;
    let record = match result.get(pmid.to_string()) {
        Some(record) if record.is_object() => record,
        Some(_) => return Err(LookupError::Malformed),
        None => return Err(LookupError::NotFound),
    };
    if record.get("error").is_some() {
        return Err(LookupError::NotFound);
    }

    let title = record
        .get("title")
        .and_then(Value::as_str)
        .map(clean_text)
        .unwrap_or_default();

    let names: Vec<String> = record
        .get("authors")
        .and_then(Value::as_array)
        .map(|authors| {
            authors
                .iter()
                .filter(|a| {
                    a.get("authtype")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t.eq_ignore_ascii_case("author"))
                })
                .filter_map(|a| a.get("name").and_then(Value::as_str))
                .map(clean_text)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();

    let journal = ["fulljournalname", "source"]
        .iter()
        .filter_map(|k| record.get(*k).and_then(Value::as_str))
        .map(clean_text)
        .find(|s| !s.is_empty());

    let year = ["pubdate", "epubdate", "sortpubdate"]
        .iter()
        .filter_map(|k| record.get(*k).and_then(Value::as_str))
        .find_map(leading_year);

    let mut doi = None;
    let mut pmcid = None;
    if let Some(ids) = record.get("articleids").and_then(Value::as_array) {
        for entry in ids {
            let kind = entry.get("idtype").and_then(Value::as_str).unwrap_or("");
            let value = entry.get("value").and_then(Value::as_str).unwrap_or("");
            match kind {
                "doi" if doi.is_none() => {
                    if let Ok(PaperId::Doi(d)) = PaperId::parse(value) {
                        doi = Some(d);
                    }
                }
                "pmc" | "pmcid" if pmcid.is_none() => pmcid = find_pmcid(value),
                _ => {}
            }
        }
    }

    Ok(PaperMeta {
        title,
        authors: cap_authors(names),
        journal,
        year,
        doi,
        pmid: Some(pmid),
        open_access_url: pmcid.map(|id| format!("https://pmc.ncbi.nlm.nih.gov/articles/{id}/")),
    })
}

fn first_str(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s),
        Value::Array(items) => items.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// `Family GI` from Crossref's given/family, or an organisation's `name`.
fn crossref_author(author: &Value) -> Option<String> {
    let family = author.get("family").and_then(Value::as_str).map(clean_text);
    let given = author.get("given").and_then(Value::as_str).map(clean_text);
    match (family.filter(|f| !f.is_empty()), given) {
        (Some(family), Some(given)) => {
            let initials: String = given
                .split(|c: char| c.is_whitespace() || c == '-' || c == '.')
                .filter_map(|part| part.chars().next())
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_uppercase)
                .collect();
            if initials.is_empty() {
                Some(family)
            } else {
                Some(format!("{family} {initials}"))
            }
        }
        (Some(family), None) => Some(family),
        (None, _) => author
            .get("name")
            .and_then(Value::as_str)
            .map(clean_text)
            .filter(|n| !n.is_empty()),
    }
}

fn cap_authors(mut names: Vec<String>) -> Vec<String> {
    if names.len() > MAX_AUTHORS {
        names.truncate(MAX_AUTHORS);
        names.push(ET_AL.to_owned());
    }
    names
}

/// Year from Crossref's `{"date-parts": [[2021, 9, 16]]}` (numbers or numeric strings).
fn date_parts_year(v: Option<&Value>) -> Option<i32> {
    let first = v?.get("date-parts")?.get(0)?.get(0)?;
    let year = match first {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    plausible_year(year)
}

/// Year from PubMed's `"2021 Sep 16"`, `"2021 Sep-Oct"`, `"2021/09/16 00:00"`.
fn leading_year(s: &str) -> Option<i32> {
    let digits: String = s.trim().chars().take_while(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    plausible_year(digits.parse().ok()?)
}

fn plausible_year(year: i64) -> Option<i32> {
    (1600..=2200)
        .contains(&year)
        .then(|| i32::try_from(year).ok())
        .flatten()
}

/// `PMC1234567` from `"PMC1234567"` or `"pmc-id: PMC1234567;"`.
fn find_pmcid(value: &str) -> Option<String> {
    let start = value.find("PMC")?;
    let digits: String = value[start + 3..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty() && digits.len() <= 10).then(|| format!("PMC{digits}"))
}

/// An open-access link when a Creative Commons licence covers the record: the first full-text
/// link that is not for text mining, else the DOI resolver.
fn crossref_open_access(msg: &Value, doi: &str) -> Option<String> {
    let licences = msg.get("license").and_then(Value::as_array)?;
    let open = licences.iter().any(|l| {
        l.get("URL")
            .and_then(Value::as_str)
            .is_some_and(|u| u.to_ascii_lowercase().contains("creativecommons.org"))
    });
    if !open {
        return None;
    }
    let full_text = msg.get("link").and_then(Value::as_array).and_then(|links| {
        links.iter().find_map(|l| {
            let application = l.get("intended-application").and_then(Value::as_str);
            if application == Some("text-mining") {
                return None;
            }
            let content_type = l.get("content-type").and_then(Value::as_str).unwrap_or("");
            if !matches!(
                content_type,
                "text/html" | "application/pdf" | "unspecified"
            ) {
                return None;
            }
            l.get("URL")
                .and_then(Value::as_str)
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(str::to_owned)
        })
    });
    Some(full_text.unwrap_or_else(|| PaperId::Doi(doi.to_owned()).link()))
}

/// Removes JATS/HTML tags (`<i>`, `<jats:sub>`…), decodes the basic entities and collapses
/// whitespace. A `<` that does not start a tag is kept.
fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
        match after.find('>') {
            Some(gt) if starts_tag && gt < 200 => {
                // Tags inside words (`H<sub>2</sub>O`) join; block tags would need a space,
                // which whitespace collapsing below takes care of when the source had one.
                rest = &after[gt + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crossref_full_record() {
        let body = json!({
            "status": "ok",
            "message": {
                "DOI": "10.1234/ABC.5",
                "title": ["Effect of <i>X</i> on   Y: a &amp; b"],
                "author": [
                    {"given": "Mary-Jane", "family": "Watson"},
                    {"given": "peter b.", "family": "Parker"},
                    {"name": "The COVID Study Group"},
                    {"family": "Fourth"}
                ],
                "container-title": ["The Journal"],
                "issued": {"date-parts": [["2020", 3]]},
                "license": [{"URL": "https://creativecommons.org/licenses/by/4.0/"}],
                "link": [
                    {"URL": "https://tdm.example/x.xml", "content-type": "text/xml", "intended-application": "text-mining"},
                    {"URL": "https://pub.example/x.pdf", "content-type": "application/pdf", "intended-application": "similarity-checking"}
                ]
            }
        });
        let meta = parse_crossref(&body, "10.1234/abc.5").expect("valid record");
        assert_eq!(meta.title, "Effect of X on Y: a & b");
        assert_eq!(
            meta.authors,
            ["Watson MJ", "Parker PB", "The COVID Study Group", "et al."]
        );
        assert_eq!(meta.journal.as_deref(), Some("The Journal"));
        assert_eq!(meta.year, Some(2020));
        assert_eq!(meta.doi.as_deref(), Some("10.1234/abc.5"));
        assert_eq!(
            meta.open_access_url.as_deref(),
            Some("https://pub.example/x.pdf")
        );
    }

    #[test]
    fn crossref_odd_shapes_do_not_panic() {
        for body in [
            json!({"message": {}}),
            json!({"message": {"title": "not an array", "author": "nobody", "issued": {"date-parts": [[null]]}}}),
            json!({"message": {"title": [1, 2], "author": [null, 3, {}], "container-title": [], "issued": {"date-parts": []}}}),
            json!({"message": {"license": [{"URL": 5}], "link": "x"}}),
        ] {
            let meta = parse_crossref(&body, "10.1/x").expect("tolerated");
            assert_eq!(meta.doi.as_deref(), Some("10.1/x"));
            assert_eq!(meta.year, None);
            assert!(meta.open_access_url.is_none());
        }
        assert_eq!(
            parse_crossref(&json!([]), "10.1/x"),
            Err(LookupError::Malformed)
        );
        assert_eq!(
            parse_crossref(&json!({"message": "x"}), "10.1/x"),
            Err(LookupError::Malformed)
        );
        assert_eq!(
            parse_crossref(&json!({"status": "failed", "message": []}), "10.1/x"),
            Err(LookupError::NotFound)
        );
    }

    #[test]
    fn closed_licence_gives_no_open_access_link() {
        let body = json!({"message": {"license": [{"URL": "https://www.elsevier.com/tdm/userlicense/1.0/"}]}});
        let meta = parse_crossref(&body, "10.1/x").expect("valid");
        assert_eq!(meta.open_access_url, None);
        let cc_no_links = json!({"message": {"license": [{"URL": "http://creativecommons.org/licenses/by-nc/4.0"}]}});
        let meta = parse_crossref(&cc_no_links, "10.1/x").expect("valid");
        assert_eq!(
            meta.open_access_url.as_deref(),
            Some("https://doi.org/10.1/x")
        );
    }

    #[test]
    fn esummary_errors() {
        assert_eq!(
            parse_esummary(&json!({"error": "API rate limit exceeded"}), 1),
            Err(LookupError::NotFound)
        );
        assert_eq!(
            parse_esummary(&json!({"result": {"uids": []}}), 1),
            Err(LookupError::NotFound)
        );
        assert_eq!(
            parse_esummary(
                &json!({"result": {"1": {"uid": "1", "error": "cannot get document summary"}}}),
                1
            ),
            Err(LookupError::NotFound)
        );
        assert_eq!(
            parse_esummary(&json!({"header": {}}), 1),
            Err(LookupError::Malformed)
        );
        assert_eq!(
            parse_esummary(&json!({"result": {"1": 7}}), 1),
            Err(LookupError::Malformed)
        );
    }

    #[test]
    fn esummary_filters_non_authors_and_reads_ids() {
        let body = json!({"result": {"7": {
            "title": "A trial.",
            "authors": [
                {"name": "Smith J", "authtype": "Author"},
                {"name": "Study Group", "authtype": "CollectiveName"},
                {"name": "Jones K"}
            ],
            "source": "BMJ",
            "pubdate": "2021 Sep-Oct",
            "articleids": [
                {"idtype": "pubmed", "value": "7"},
                {"idtype": "doi", "value": "10.1136/BMJ.N71"},
                {"idtype": "pmcid", "value": "pmc-id: PMC8005924;"}
            ]
        }}});
        let meta = parse_esummary(&body, 7).expect("valid");
        assert_eq!(meta.authors, ["Smith J", "Jones K"]);
        assert_eq!(meta.journal.as_deref(), Some("BMJ"));
        assert_eq!(meta.year, Some(2021));
        assert_eq!(meta.doi.as_deref(), Some("10.1136/bmj.n71"));
        assert_eq!(
            meta.open_access_url.as_deref(),
            Some("https://pmc.ncbi.nlm.nih.gov/articles/PMC8005924/")
        );
    }

    #[test]
    fn clean_text_cases() {
        assert_eq!(clean_text("H<sub>2</sub>O"), "H2O");
        assert_eq!(clean_text("a < b and c>d"), "a < b and c>d");
        assert_eq!(clean_text("<jats:title>T</jats:title>\n  x"), "T x");
        assert_eq!(clean_text("&amp;lt;"), "&lt;");
        assert_eq!(clean_text("unclosed <i"), "unclosed <i");
    }

    #[test]
    fn user_agent_and_errors() {
        assert_eq!(
            user_agent(" jc@example.org "),
            format!(
                "Rounds/{} (journal club bot; mailto:jc@example.org)",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert_eq!(
            LookupError::Http(503).to_string(),
            "The paper lookup service answered with an error (HTTP 503). Please try again later."
        );
    }
}
