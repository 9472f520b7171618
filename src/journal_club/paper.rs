//! Paper identifiers that members type when they suggest a paper.
//!
//! Job: turn free text (a DOI, a PMID, or a link that carries one) into a [`PaperId`] with one
//! canonical form, so that two suggestions of the same paper collide on [`PaperId::key`].
//!
//! Invariants:
//! - A [`PaperId::Doi`] always starts with `10.`, has a registrant made of ASCII digits and dots,
//!   a `/`, and a non-empty suffix without whitespace or control characters. It is lower-cased
//!   (DOIs are case-insensitive) and has no trailing sentence punctuation.
//! - A [`PaperId::Pmid`] is never zero and has at most [`MAX_PMID_DIGITS`] digits.
//! - Parsing never panics; every [`PaperIdError`] message is safe to show to the member and says
//!   which formats are accepted. Error messages never echo the input back.
//! - PubMed Central ids (`PMC1234567`) are rejected with a pointer to the DOI or PMID: mapping
//!   them needs a network lookup, which belongs in [`super::metadata`], not in a parser.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

/// Longest input we try to read, in bytes. Real DOIs and article URLs are far shorter.
pub const MAX_INPUT_LEN: usize = 500;

/// Most digits a PMID may have (PMIDs are around 40 million in 2026; nine digits leaves room).
pub const MAX_PMID_DIGITS: usize = 9;

/// The formats we accept, quoted in every error so the member knows what to send instead.
const ACCEPTED: &str = "Send a DOI (10.1056/NEJMoa2034577, doi:10.1056/…, or a doi.org link), \
a PubMed id (34525541 or PMID: 34525541, or a pubmed.ncbi.nlm.nih.gov link), \
or a journal link that contains the DOI.";

/// A paper, identified either by DOI or by PubMed id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum PaperId {
    /// A DOI, lower-cased, without any `doi:` prefix or resolver URL.
    Doi(String),
    /// A PubMed identifier.
    Pmid(u64),
}

/// Why some text could not be read as a paper id. `Display` is user-safe text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaperIdError {
    /// Nothing (or only whitespace) was given.
    #[error("Please give the paper's DOI or PubMed id. {ACCEPTED}")]
    Empty,
    /// The input is longer than [`MAX_INPUT_LEN`].
    #[error("That is too long to be a DOI or PubMed id. {ACCEPTED}")]
    TooLong,
    /// The input looks like a PubMed Central id, which we do not look up.
    #[error(
        "That looks like a PubMed Central id (PMC…). Please send the paper's DOI or PMID instead: \
         both are shown near the top of the PMC article page."
    )]
    PmcId,
    /// The input starts like a DOI but is not a well-formed one.
    #[error(
        "That DOI doesn't look complete: a DOI starts with 10., then digits, a slash and the rest \
         (for example 10.1056/NEJMoa2034577). {ACCEPTED}"
    )]
    BadDoi,
    /// The input starts like a PMID but is not a well-formed one.
    #[error("A PubMed id is a number of up to 9 digits, like 34525541. {ACCEPTED}")]
    BadPmid,
    /// A link was given, but it carries neither a DOI nor a PMID we can find.
    #[error("I couldn't find a DOI or PubMed id in that link. {ACCEPTED}")]
    NoIdInLink,
    /// Anything else.
    #[error("I couldn't read that as a DOI or PubMed id. {ACCEPTED}")]
    Unrecognised,
}

impl PaperId {
    /// Reads a DOI, PMID or article link typed by a member.
    ///
    /// Accepted: bare DOIs, `doi:` prefixes, `doi.org` / `dx.doi.org` links (encoded or not),
    /// publisher links whose path or query contains a DOI, bare PMIDs, `PMID: n` / `pmidn`,
    /// and PubMed links. Surrounding whitespace, quotes and `<…>` (Discord's no-embed brackets)
    /// are ignored.
    pub fn parse(input: &str) -> Result<PaperId, PaperIdError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(PaperIdError::TooLong);
        }
        let text = strip_wrapping(input);
        if text.is_empty() {
            return Err(PaperIdError::Empty);
        }
        let lower = text.to_lowercase();

        if lower.starts_with("pmc") || lower.starts_with("pmcid") {
            return Err(PaperIdError::PmcId);
        }
        if let Some(rest) = strip_label(text, &lower, "pmid") {
            return parse_pmid(rest);
        }
        if let Some(rest) = strip_label(text, &lower, "doi") {
            // `doi:https://doi.org/…` happens when people paste a citation line.
            if looks_like_link(rest) {
                return parse_link(rest);
            }
            return parse_doi(rest);
        }
        if looks_like_link(text) {
            return parse_link(text);
        }
        if text.starts_with("10.") {
            return parse_doi(text);
        }
        if text.chars().all(|c| c.is_ascii_digit()) {
            return parse_pmid(text);
        }
        Err(PaperIdError::Unrecognised)
    }

    /// Canonical de-duplication key: `doi:10.1056/nejmoa2034577` or `pmid:34525541`.
    ///
    /// [`PaperId::parse`] reads a key back to the same id, so keys can be stored and re-parsed.
    pub fn key(&self) -> String {
        match self {
            PaperId::Doi(doi) => format!("doi:{doi}"),
            PaperId::Pmid(pmid) => format!("pmid:{pmid}"),
        }
    }

    /// A public link to the paper: `https://doi.org/<doi>` or the PubMed page.
    ///
    /// Characters that would break a URL (spaces never occur; `<`, `>`, `#`, `?`, `"`, `%` can
    /// occur in old DOIs) are percent-encoded; `/` and `(`, `)` stay readable.
    pub fn link(&self) -> String {
        match self {
            PaperId::Doi(doi) => format!("https://doi.org/{}", encode_doi_for_url(doi)),
            PaperId::Pmid(pmid) => format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
        }
    }
}

impl fmt::Display for PaperId {
    /// Human form: `DOI 10.1056/nejmoa2034577` or `PMID 34525541`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaperId::Doi(doi) => write!(f, "DOI {doi}"),
            PaperId::Pmid(pmid) => write!(f, "PMID {pmid}"),
        }
    }
}

/// Percent-encodes a DOI for use in a URL path, keeping `/` so that links stay readable.
///
/// Used both for resolver links and for API paths (`/works/{doi}`).
pub(crate) fn encode_doi_for_url(doi: &str) -> Cow<'_, str> {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    // Everything outside RFC 3986 "unreserved" plus `/`, `(`, `)` gets encoded.
    const DOI_PATH: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'\\')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}')
        .add(b';')
        .add(b'+')
        .add(b'&')
        .add(b'=');
    utf8_percent_encode(doi, DOI_PATH).into()
}

/// Removes whitespace, surrounding quotes/backticks and one pair of `<…>`.
fn strip_wrapping(input: &str) -> &str {
    let mut text = input.trim();
    loop {
        let before = text;
        for (open, close) in [('<', '>'), ('"', '"'), ('\'', '\''), ('`', '`'), ('“', '”')] {
            if text.len() >= 2 && text.starts_with(open) && text.ends_with(close) {
                let inner = &text[open.len_utf8()..text.len() - close.len_utf8()];
                text = inner.trim();
            }
        }
        if text == before {
            return text;
        }
    }
}

/// If `lower` starts with `label` followed by optional `:`/space, returns the rest of `text`.
///
/// `text` and `lower` must be the same string in original and lower case; labels are ASCII, so
/// the byte offsets agree whenever the label matched.
fn strip_label<'a>(text: &'a str, lower: &str, label: &str) -> Option<&'a str> {
    if !lower.starts_with(label) || !text.is_char_boundary(label.len()) {
        return None;
    }
    let rest = &text[label.len()..];
    let trimmed = rest.trim_start_matches(|c: char| c == ':' || c == '=' || c.is_whitespace());
    // `doi10.1/x` and `pmid123` have no separator; `doipsum` must not count as a label.
    let next = trimmed.chars().next()?;
    if rest.len() == trimmed.len() && !next.is_ascii_digit() {
        return None;
    }
    Some(trimmed)
}

fn looks_like_link(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
        || lower.starts_with("doi.org/")
        || lower.starts_with("dx.doi.org/")
        || lower.starts_with("pubmed.ncbi.nlm.nih.gov/")
}

fn parse_pmid(text: &str) -> Result<PaperId, PaperIdError> {
    let digits = text.trim_end_matches(['.', ',', ';', ':', '/']);
    if digits.is_empty()
        || digits.len() > MAX_PMID_DIGITS
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return Err(PaperIdError::BadPmid);
    }
    match digits.parse::<u64>() {
        Ok(0) | Err(_) => Err(PaperIdError::BadPmid),
        Ok(n) => Ok(PaperId::Pmid(n)),
    }
}

fn parse_doi(text: &str) -> Result<PaperId, PaperIdError> {
    let doi = trim_trailing_punctuation(text.trim());
    let (prefix, suffix) = doi.split_once('/').ok_or(PaperIdError::BadDoi)?;
    let registrant = prefix.strip_prefix("10.").ok_or(PaperIdError::BadDoi)?;
    let registrant_ok = !registrant.is_empty()
        && registrant.chars().all(|c| c.is_ascii_digit() || c == '.')
        && registrant.starts_with(|c: char| c.is_ascii_digit())
        && !registrant.ends_with('.');
    let suffix_ok = !suffix.is_empty()
        && !suffix
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\u{200b}');
    if !registrant_ok || !suffix_ok {
        return Err(PaperIdError::BadDoi);
    }
    Ok(PaperId::Doi(doi.to_lowercase()))
}

/// Strips sentence punctuation pasted after a DOI; closing brackets only when unbalanced,
/// because DOIs such as `10.1016/s0140-6736(20)30183-5` contain balanced ones.
fn trim_trailing_punctuation(mut doi: &str) -> &str {
    loop {
        let Some(last) = doi.chars().last() else {
            return doi;
        };
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '”' | '’' => true,
            ')' => count(doi, '(') < count(doi, ')'),
            ']' => count(doi, '[') < count(doi, ']'),
            '}' => count(doi, '{') < count(doi, '}'),
            '>' => count(doi, '<') < count(doi, '>'),
            _ => false,
        };
        if !strip {
            return doi;
        }
        doi = &doi[..doi.len() - last.len_utf8()];
    }
}

fn count(text: &str, c: char) -> usize {
    text.chars().filter(|&x| x == c).count()
}

fn parse_link(text: &str) -> Result<PaperId, PaperIdError> {
    let with_scheme: Cow<'_, str> = if text.to_ascii_lowercase().starts_with("http") {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("https://{text}"))
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| PaperIdError::NoIdInLink)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(PaperIdError::NoIdInLink);
    }
    let host = url
        .host_str()
        .ok_or(PaperIdError::NoIdInLink)?
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let path = percent_decode_str(url.path())
        .decode_utf8()
        .map_err(|_| PaperIdError::NoIdInLink)?;

    match host {
        "doi.org" | "dx.doi.org" => {
            let doi = path.trim_start_matches('/');
            if doi.is_empty() {
                return Err(PaperIdError::NoIdInLink);
            }
            parse_doi(doi)
        }
        "pubmed.ncbi.nlm.nih.gov" => {
            let first = path.split('/').find(|s| !s.is_empty());
            match first {
                Some(seg) if seg.chars().all(|c| c.is_ascii_digit()) => parse_pmid(seg),
                _ => Err(PaperIdError::NoIdInLink),
            }
        }
        "ncbi.nlm.nih.gov" | "pmc.ncbi.nlm.nih.gov" => {
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            if segments
                .iter()
                .any(|s| s.to_ascii_lowercase().starts_with("pmc") && s.len() > 3 && *s != "pmc")
                || host == "pmc.ncbi.nlm.nih.gov"
            {
                return Err(PaperIdError::PmcId);
            }
            match segments.as_slice() {
                ["pubmed", id, ..] => parse_pmid(id),
                _ => Err(PaperIdError::NoIdInLink),
            }
        }
        _ => doi_in_publisher_link(&path, &url),
    }
}

/// Publisher pages embed the DOI in the path (`/doi/full/10.1056/…`, `/article/10.1007/…`)
/// or in a query parameter (`?doi=10.…`).
fn doi_in_publisher_link(path: &str, url: &url::Url) -> Result<PaperId, PaperIdError> {
    if let Some(start) = find_doi_start(path) {
        let mut doi = &path[start..];
        // Viewer suffixes that follow the DOI on some publisher sites.
        for suffix in [
            "/full",
            "/abstract",
            "/pdf",
            "/epdf",
            "/fulltext",
            "/html",
            "/summary",
        ] {
            if doi.len() > suffix.len() && doi.to_ascii_lowercase().ends_with(suffix) {
                doi = &doi[..doi.len() - suffix.len()];
                break;
            }
        }
        return parse_doi(doi.trim_end_matches('/'));
    }
    for (_, value) in url.query_pairs() {
        if let Some(start) = find_doi_start(&value) {
            return parse_doi(&value[start..]);
        }
    }
    Err(PaperIdError::NoIdInLink)
}

/// Byte offset of the first `10.<digits>/` that starts a path segment (or the string).
fn find_doi_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text[from..].find("10.") {
        let at = from + pos;
        let at_segment_start = at == 0 || bytes[at - 1] == b'/' || bytes[at - 1] == b'=';
        let rest = &text[at + 3..];
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if at_segment_start && digits >= 4 && rest[digits..].starts_with('/') {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doi(s: &str) -> PaperId {
        PaperId::Doi(s.to_owned())
    }

    #[test]
    fn accepted_inputs() {
        let nejm = "10.1056/nejmoa2034577";
        let cases: &[(&str, &str, PaperId)] = &[
            ("bare doi", "10.1056/NEJMoa2034577", doi(nejm)),
            ("doi prefix", "doi:10.1056/NEJMoa2034577", doi(nejm)),
            (
                "DOI prefix with space",
                "DOI: 10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            ("doi prefix no sep", "doi10.1056/NEJMoa2034577", doi(nejm)),
            (
                "doi.org https",
                "https://doi.org/10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            (
                "dx.doi.org http",
                "http://dx.doi.org/10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            (
                "doi.org no scheme",
                "doi.org/10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            (
                "doi.org encoded",
                "https://doi.org/10.1056%2FNEJMoa2034577",
                doi(nejm),
            ),
            (
                "doi prefix then link",
                "doi: https://doi.org/10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            (
                "discord no-embed",
                "<https://doi.org/10.1056/NEJMoa2034577>",
                doi(nejm),
            ),
            ("quoted", "\"10.1056/NEJMoa2034577\"", doi(nejm)),
            ("trailing full stop", "10.1056/NEJMoa2034577.", doi(nejm)),
            ("trailing paren", "10.1056/NEJMoa2034577)", doi(nejm)),
            (
                "publisher /doi/",
                "https://www.nejm.org/doi/10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            (
                "publisher /doi/full/",
                "https://www.nejm.org/doi/full/10.1056/NEJMoa2034577",
                doi(nejm),
            ),
            (
                "publisher with query",
                "https://www.nejm.org/doi/full/10.1056/NEJMoa2034577?query=TOC#x",
                doi(nejm),
            ),
            (
                "viewer suffix",
                "https://www.frontiersin.org/articles/10.3389/fmed.2021.654321/full",
                doi("10.3389/fmed.2021.654321"),
            ),
            (
                "doi in query",
                "https://example.org/viewer?doi=10.1136%2Fbmj.n71",
                doi("10.1136/bmj.n71"),
            ),
            (
                "balanced parens kept",
                "10.1016/S0140-6736(20)30183-5",
                doi("10.1016/s0140-6736(20)30183-5"),
            ),
            ("unicode suffix", "10.1234/Café-42", doi("10.1234/café-42")),
            ("bare pmid", "34525541", PaperId::Pmid(34525541)),
            ("PMID label", "PMID: 34525541", PaperId::Pmid(34525541)),
            ("pmid no sep", "pmid34525541", PaperId::Pmid(34525541)),
            (
                "pmid trailing dot",
                "PMID 34525541.",
                PaperId::Pmid(34525541),
            ),
            (
                "pubmed link",
                "https://pubmed.ncbi.nlm.nih.gov/34525541/",
                PaperId::Pmid(34525541),
            ),
            (
                "pubmed link no slash",
                "pubmed.ncbi.nlm.nih.gov/34525541",
                PaperId::Pmid(34525541),
            ),
            (
                "legacy pubmed link",
                "https://www.ncbi.nlm.nih.gov/pubmed/34525541",
                PaperId::Pmid(34525541),
            ),
            ("key round trip doi", "doi:10.1056/nejmoa2034577", doi(nejm)),
            (
                "key round trip pmid",
                "pmid:34525541",
                PaperId::Pmid(34525541),
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(
                PaperId::parse(input).as_ref(),
                Ok(want),
                "case {name}: {input}"
            );
        }
    }

    #[test]
    fn rejected_inputs() {
        use PaperIdError::*;
        let long = format!("10.1056/{}", "a".repeat(MAX_INPUT_LEN));
        let cases: &[(&str, &str, PaperIdError)] = &[
            ("empty", "", Empty),
            ("whitespace", "  \n\t ", Empty),
            ("empty brackets", "<>", Empty),
            ("overlong", &long, TooLong),
            ("garbage", "hello world", Unrecognised),
            ("emoji", "📄📄", Unrecognised),
            ("fullwidth digits", "３４５２５５４１", Unrecognised),
            ("pmc bare", "PMC8442398", PmcId),
            ("pmcid label", "PMCID: PMC8442398", PmcId),
            (
                "pmc link",
                "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8442398/",
                PmcId,
            ),
            (
                "new pmc link",
                "https://pmc.ncbi.nlm.nih.gov/articles/PMC8442398/",
                PmcId,
            ),
            ("doi without suffix", "10.1056/", BadDoi),
            ("doi without slash", "10.1056", BadDoi),
            ("doi bad registrant", "10.abc/xyz", BadDoi),
            ("doi label junk", "doi: nothing", BadDoi),
            ("doi with space", "10.1056/NEJM oa", BadDoi),
            ("pmid zero", "0", BadPmid),
            ("pmid too long", "1234567890", BadPmid),
            ("pmid label junk", "PMID: abc", BadPmid),
            (
                "link without id",
                "https://www.bmj.com/content/372/bmj.n71",
                NoIdInLink,
            ),
            ("empty doi.org", "https://doi.org/", NoIdInLink),
            (
                "pubmed search",
                "https://pubmed.ncbi.nlm.nih.gov/?term=covid",
                NoIdInLink,
            ),
            ("bad utf8 escape", "https://doi.org/10.1056/%FF", NoIdInLink),
            ("not a doi label", "doipsum", Unrecognised),
        ];
        for (name, input, want) in cases {
            assert_eq!(
                PaperId::parse(input).as_ref(),
                Err(want),
                "case {name}: {input}"
            );
        }
    }

    #[test]
    fn errors_are_user_safe_and_do_not_echo_input() {
        let input = "my secret patient note 12345 abc";
        let err = PaperId::parse(input).expect_err("garbage must be rejected");
        let text = err.to_string();
        assert!(!text.contains("patient"), "{text}");
        assert!(text.contains("DOI") && text.contains("PMID"), "{text}");
    }

    #[test]
    fn key_and_link() {
        let d = doi("10.1056/nejmoa2034577");
        assert_eq!(d.key(), "doi:10.1056/nejmoa2034577");
        assert_eq!(d.link(), "https://doi.org/10.1056/nejmoa2034577");
        let p = PaperId::Pmid(34525541);
        assert_eq!(p.key(), "pmid:34525541");
        assert_eq!(p.link(), "https://pubmed.ncbi.nlm.nih.gov/34525541/");
        let odd = doi("10.1002/(sici)1097-0258<1661::aid>3.0.co;2-#");
        assert_eq!(
            odd.link(),
            "https://doi.org/10.1002/(sici)1097-0258%3C1661::aid%3E3.0.co%3B2-%23"
        );
        assert_eq!(PaperId::parse(&odd.key()), Ok(odd));
    }

    #[test]
    fn same_paper_same_key_across_spellings() {
        let keys: Vec<String> = [
            "10.1056/NEJMoa2034577",
            "https://doi.org/10.1056/nejmoa2034577",
            "https://www.nejm.org/doi/full/10.1056/NEJMoa2034577",
        ]
        .iter()
        .map(|s| PaperId::parse(s).map(|p| p.key()).unwrap_or_default())
        .collect();
        assert!(
            keys.iter().all(|k| k == "doi:10.1056/nejmoa2034577"),
            "{keys:?}"
        );
    }

    #[test]
    fn display_and_serde() {
        let p = PaperId::Pmid(34525541);
        assert_eq!(p.to_string(), "PMID 34525541");
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert_eq!(json, r#"{"kind":"pmid","id":34525541}"#);
        let back: Result<PaperId, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(p));
    }
}
