//! Journal-club paper lookups against a local fake Crossref / E-utilities (wiremock).
//!
//! Each test starts its own mock server; mocks are strict (`expect(1)`), so an unexpected or
//! missing request fails the test when the server drops. Nothing here touches the internet.

use std::time::Duration;

use rounds::journal_club::metadata::{LookupError, MetadataClient, MetadataConfig, PaperMeta};
use rounds::journal_club::paper::PaperId;
use serde_json::json;
use wiremock::matchers::{header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONTACT: &str = "jc-admin@rounds.example";

fn client(server: &MockServer, timeout: Duration) -> MetadataClient {
    let config = MetadataConfig {
        crossref_base_url: server.uri(),
        eutils_base_url: format!("{}/entrez/eutils", server.uri()),
        timeout,
        contact_email: CONTACT.to_owned(),
        ncbi_tool: Some("rounds".to_owned()),
        ncbi_email: Some(CONTACT.to_owned()),
    };
    MetadataClient::new(config).expect("client builds")
}

fn ua_regex() -> String {
    format!(
        r"^Rounds/\d+\.\d+\.\d+ \(journal club bot; mailto:{}\)$",
        CONTACT.replace('.', r"\.")
    )
}

/// Shaped like a real Crossref `/works/{doi}` answer (trimmed, hand-written).
fn crossref_fixture() -> serde_json::Value {
    json!({
        "status": "ok",
        "message-type": "work",
        "message-version": "1.0.0",
        "message": {
            "indexed": {"date-parts": [[2025, 1, 3]], "date-time": "2025-01-03T10:11:12Z"},
            "reference-count": 30,
            "publisher": "Massachusetts Medical Society",
            "issue": "26",
            "license": [{
                "start": {"date-parts": [[2019, 12, 26]]},
                "content-version": "vor",
                "delay-in-days": 0,
                "URL": "http://www.nejmgroup.org/legal/terms-of-use.htm"
            }],
            "content-domain": {"domain": [], "crossmark-restriction": false},
            "short-container-title": ["N Engl J Med"],
            "DOI": "10.1056/NEJMoa1912388",
            "type": "journal-article",
            "created": {"date-parts": [[2019, 11, 16]]},
            "page": "2497-2505",
            "source": "Crossref",
            "title": ["Efficacy and Safety of Low-Dose Colchicine after Myocardial Infarction"],
            "prefix": "10.1056",
            "volume": "381",
            "author": [
                {"given": "Jean-Claude", "family": "Tardif", "sequence": "first", "affiliation": []},
                {"given": "Simon", "family": "Kouz", "sequence": "additional", "affiliation": []},
                {"given": "David D.", "family": "Waters", "sequence": "additional", "affiliation": []},
                {"given": "Olivier F.", "family": "Bertrand", "sequence": "additional", "affiliation": []}
            ],
            "member": "150",
            "container-title": ["New England Journal of Medicine"],
            "link": [{
                "URL": "https://www.nejm.org/doi/pdf/10.1056/NEJMoa1912388",
                "content-type": "unspecified",
                "content-version": "vor",
                "intended-application": "similarity-checking"
            }],
            "issued": {"date-parts": [[2019, 12, 26]]},
            "published-print": {"date-parts": [[2019, 12, 26]]},
            "published": {"date-parts": [[2019, 12, 26]]}
        }
    })
}

/// Shaped like a real `esummary.fcgi?db=pubmed&retmode=json` answer (trimmed, hand-written).
fn esummary_fixture() -> serde_json::Value {
    json!({
        "header": {"type": "esummary", "version": "0.3"},
        "result": {
            "uids": ["34525541"],
            "34525541": {
                "uid": "34525541",
                "pubdate": "2021 Sep 16",
                "epubdate": "2021 Sep 15",
                "source": "BMJ",
                "authors": [
                    {"name": "Okafor CN", "authtype": "Author", "clusterid": ""},
                    {"name": "Lindqvist E", "authtype": "Author", "clusterid": ""}
                ],
                "lastauthor": "Lindqvist E",
                "title": "Remote monitoring after discharge: a randomised trial.",
                "volume": "374",
                "pages": "n2101",
                "lang": ["eng"],
                "issn": "0959-8138",
                "pubtype": ["Journal Article", "Randomized Controlled Trial"],
                "articleids": [
                    {"idtype": "pubmed", "idtypen": 1, "value": "34525541"},
                    {"idtype": "doi", "idtypen": 3, "value": "10.1136/bmj.n2101"},
                    {"idtype": "pmc", "idtypen": 8, "value": "PMC8442398"},
                    {"idtype": "pmcid", "idtypen": 5, "value": "pmc-id: PMC8442398;"}
                ],
                "fulljournalname": "BMJ (Clinical research ed.)",
                "sortpubdate": "2021/09/16 00:00"
            }
        }
    })
}

#[tokio::test]
async fn crossref_lookup_reads_fields_and_sends_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works/10.1056/nejmoa1912388"))
        .and(header_regex("user-agent", &ua_regex()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(crossref_fixture()))
        .expect(1)
        .mount(&server)
        .await;

    let id = PaperId::parse("https://doi.org/10.1056/NEJMoa1912388").expect("valid DOI");
    let meta = client(&server, Duration::from_secs(5))
        .fetch(&id)
        .await
        .expect("lookup succeeds");
    assert_eq!(
        meta,
        PaperMeta {
            title: "Efficacy and Safety of Low-Dose Colchicine after Myocardial Infarction"
                .to_owned(),
            authors: vec![
                "Tardif JC".to_owned(),
                "Kouz S".to_owned(),
                "Waters DD".to_owned(),
                "et al.".to_owned()
            ],
            journal: Some("New England Journal of Medicine".to_owned()),
            year: Some(2019),
            doi: Some("10.1056/nejmoa1912388".to_owned()),
            pmid: None,
            // Publisher terms of use, not an open licence.
            open_access_url: None,
        }
    );
}

#[tokio::test]
async fn esummary_lookup_reads_fields_and_params() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/entrez/eutils/esummary.fcgi"))
        .and(query_param("db", "pubmed"))
        .and(query_param("id", "34525541"))
        .and(query_param("retmode", "json"))
        .and(query_param("tool", "rounds"))
        .and(query_param("email", CONTACT))
        .and(header_regex("user-agent", &ua_regex()))
        .respond_with(ResponseTemplate::new(200).set_body_json(esummary_fixture()))
        .expect(1)
        .mount(&server)
        .await;

    let meta = client(&server, Duration::from_secs(5))
        .fetch(&PaperId::Pmid(34525541))
        .await
        .expect("lookup succeeds");
    assert_eq!(
        meta.title,
        "Remote monitoring after discharge: a randomised trial."
    );
    assert_eq!(meta.authors, ["Okafor CN", "Lindqvist E"]);
    assert_eq!(meta.journal.as_deref(), Some("BMJ (Clinical research ed.)"));
    assert_eq!(meta.year, Some(2021));
    assert_eq!(meta.doi.as_deref(), Some("10.1136/bmj.n2101"));
    assert_eq!(meta.pmid, Some(34525541));
    assert_eq!(
        meta.open_access_url.as_deref(),
        Some("https://pmc.ncbi.nlm.nih.gov/articles/PMC8442398/")
    );
}

#[tokio::test]
async fn crossref_404_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works/10.9999/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Resource not found."))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server, Duration::from_secs(5))
        .fetch(&PaperId::Doi("10.9999/missing".to_owned()))
        .await;
    assert_eq!(result, Err(LookupError::NotFound));
}

#[tokio::test]
async fn esummary_unknown_id_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/entrez/eutils/esummary.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "header": {"type": "esummary", "version": "0.3"},
            "result": {
                "uids": ["99999999"],
                "99999999": {"uid": "99999999", "error": "cannot get document summary"}
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server, Duration::from_secs(5))
        .fetch(&PaperId::Pmid(99999999))
        .await;
    assert_eq!(result, Err(LookupError::NotFound));
}

#[tokio::test]
async fn slow_answer_is_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works/10.1056/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(crossref_fixture())
                .set_delay(Duration::from_millis(1500)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let result = client(&server, Duration::from_millis(300))
        .fetch(&PaperId::Doi("10.1056/slow".to_owned()))
        .await;
    assert_eq!(result, Err(LookupError::Timeout));
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "timeout not enforced"
    );
}

#[tokio::test]
async fn malformed_json_is_malformed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works/10.1056/broken"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("{\"message\": {\"title\": [", "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server, Duration::from_secs(5))
        .fetch(&PaperId::Doi("10.1056/broken".to_owned()))
        .await;
    assert_eq!(result, Err(LookupError::Malformed));
}

#[tokio::test]
async fn server_error_and_rate_limit_keep_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/entrez/eutils/esummary.fcgi"))
        .respond_with(ResponseTemplate::new(429))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/works/10.1056/down"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, Duration::from_secs(5));
    assert_eq!(
        c.fetch(&PaperId::Pmid(1)).await,
        Err(LookupError::Http(429))
    );
    assert_eq!(
        c.fetch(&PaperId::Doi("10.1056/down".to_owned())).await,
        Err(LookupError::Http(503))
    );
}

#[tokio::test]
async fn unreachable_server_is_network_error() {
    // Bind then drop a listener so its port is (almost certainly) closed. (A dropped
    // MockServer goes back to wiremock's pool and keeps listening, so it can't serve here.)
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a local port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let config = MetadataConfig {
        crossref_base_url: base.clone(),
        eutils_base_url: base,
        timeout: Duration::from_secs(2),
        ..MetadataConfig::new(CONTACT)
    };
    let c = MetadataClient::new(config).expect("client builds");
    let result = c.fetch(&PaperId::Pmid(1)).await;
    assert_eq!(result, Err(LookupError::Network));
}

#[tokio::test]
async fn odd_doi_characters_are_encoded_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/works/10.1002/(sici)1097-0258%3C1661::aid%3E3.0.co%3B2-%23",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "ok",
            "message": {"title": ["Old SICI paper"]}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let meta = client(&server, Duration::from_secs(5))
        .fetch(&PaperId::Doi(
            "10.1002/(sici)1097-0258<1661::aid>3.0.co;2-#".to_owned(),
        ))
        .await
        .expect("lookup succeeds");
    assert_eq!(meta.title, "Old SICI paper");
    assert_eq!(
        meta.doi.as_deref(),
        Some("10.1002/(sici)1097-0258<1661::aid>3.0.co;2-#")
    );
}
