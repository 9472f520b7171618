//! Finding the guidance topic that answers a member's question.
//!
//! Method: a field-weighted BM25 (BM25F-style) over thirteen "documents", one per topic. Text is
//! normalised (NFKD with accents dropped, lower case, apostrophes dropped, UK/US spellings
//! folded), chat spellings are expanded ("fb" → facebook, "pt" → patient, "dm" → direct message),
//! stop words dropped, words stemmed with the Snowball English stemmer, and adjacent stems also
//! indexed as pairs so phrases such as "friend request" or "duty candour" count for more than
//! their words; in the question, words one apart also pair up at a discount ("posting my full
//! name" meets "posting my name"). Query words the index has never seen are matched to indexed
//! words within a small edit distance (typos) at a discount. Words that say where or who rather
//! than what (general platform names such as facebook or tiktok, job titles such as gp or
//! consultant) count for less on their own, so the rest of the question decides the topic.
//!
//! Invariants: searching is pure and allocation-light (well under a millisecond per question on
//! the shipped content); it never logs or stores the question; `ranked` always lists every topic,
//! best first; `best` is `None` when confidence is below [`CONFIDENCE_THRESHOLD`].

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::library::Library;

/// Below this confidence the bot says it is not sure and lists the closest three topics.
pub const CONFIDENCE_THRESHOLD: f32 = 0.2;

/// Field weights: how much a term counts when it appears in each part of a topic.
const W_TITLE: f32 = 3.0;
const W_KEYWORDS: f32 = 3.0;
const W_ANSWER: f32 = 1.5;
const W_KEY_POINTS: f32 = 1.5;
const W_WHAT_TO_DO: f32 = 1.0;
const W_NOTES: f32 = 0.5;
const W_BODY: f32 = 1.0;
/// The words of a several-word keyword, taken one at a time, count this much of the keyword
/// weight (the phrase itself, as a pair, counts in full).
const PHRASE_WORD_FACTOR: f32 = 0.75;
/// Extra weight on word pairs relative to single words.
const PAIR_BOOST: f32 = 1.5;
/// BM25 saturation and length normalisation.
const K1: f32 = 1.2;
const B: f32 = 0.5;
/// A typo-corrected word counts this much of an exact match.
const FUZZY_DISCOUNT: f32 = 0.7;
/// A general social platform name on its own counts this much of an ordinary word.
const PLATFORM_DISCOUNT: f32 = 0.3;
/// Platforms (and their post kinds) used for every kind of post or message; naming one says
/// little about the topic.
/// (Specialised sites such as review or fitness-tracking sites are not listed: they do.)
const GENERAL_PLATFORMS: &[&str] = &[
    "facebook",
    "instagram",
    "twitter",
    "tiktok",
    "youtube",
    "snapchat",
    "reddit",
    "linkedin",
    "whatsapp",
    "discord",
    "telegram",
    "bluesky",
    "mastodon",
    "slack",
    "messenger",
    "viber",
    "tweet",
    "tweets",
    "tweeted",
    "tweeting",
    "podcast",
    "podcasts",
    "blog",
    "blogs",
];
/// Job titles and grades, which mostly say who is asking rather than what about.
const ROLE_DISCOUNT: f32 = 0.5;
const ROLES: &[&str] = &[
    "doctor",
    "doctors",
    "gp",
    "gps",
    "consultant",
    "consultants",
    "registrar",
    "trainee",
    "resident",
    "intern",
    "physician",
    "surgeon",
    "medic",
    "nurse",
    "nurses",
    "student",
    "junior",
    "fy1",
    "fy2",
    "f1",
    "f2",
    "sho",
    "nchd",
];
/// A pair of words one apart counts this much of an adjacent pair.
const SKIP_PAIR_FACTOR: f32 = 0.5;
/// Score scale for turning raw scores into 0–1 strengths.
const SCORE_SCALE: f32 = 6.0;

/// The outcome of one search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// The chosen topic's slug, or `None` when confidence is below [`CONFIDENCE_THRESHOLD`].
    pub best: Option<String>,
    /// Confidence in the top-ranked topic, 0–1.
    pub confidence: f32,
    /// Every topic with its match strength (0–1), best first.
    pub ranked: Vec<(String, f32)>,
}

impl SearchResult {
    /// The slugs of the `n` closest topics, best first (for the "not sure" reply).
    pub fn top(&self, n: usize) -> Vec<&str> {
        self.ranked
            .iter()
            .take(n)
            .map(|(s, _)| s.as_str())
            .collect()
    }
}

/// One indexed term's postings: `(topic index, weighted term frequency)` and its idf.
#[derive(Debug, Clone)]
struct Postings {
    idf: f32,
    docs: Vec<(usize, f32)>,
}

/// An immutable index over one [`Library`].
pub struct SearchIndex {
    slugs: Vec<String>,
    terms: HashMap<String, Postings>,
    /// Per topic: `K1 * (1 - B + B * len / avg_len)`.
    norms: Vec<f32>,
    /// Surface words seen in the content, bucketed by (first char, char count), each with its
    /// stem; used for typo matching.
    surface: HashMap<(char, usize), Vec<(String, String)>>,
    stemmer: Stemmer,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("topics", &self.slugs.len())
            .field("terms", &self.terms.len())
            .finish()
    }
}

impl SearchIndex {
    /// Builds the index for `library`.
    pub fn new(library: &Library) -> SearchIndex {
        let stemmer = Stemmer::create(Algorithm::English);
        let topics = library.topics();
        let mut weighted: Vec<HashMap<String, f32>> = vec![HashMap::new(); topics.len()];
        let mut lengths = vec![0.0f32; topics.len()];
        let mut surface_seen: HashMap<String, String> = HashMap::new();

        for (i, topic) in topics.iter().enumerate() {
            // `word_weight` scales single words against `weight`: a several-word keyword means
            // its phrase, so its words alone are weaker evidence than the phrase.
            let mut add = |text: &str, weight: f32, word_weight: f32| {
                let words = tokenize(text);
                for w in &words {
                    if w.chars().count() >= FUZZY_MIN_CHARS && !surface_seen.contains_key(w) {
                        surface_seen.insert(w.clone(), stem(&stemmer, w));
                    }
                }
                let stems: Vec<String> = words.iter().map(|w| stem(&stemmer, w)).collect();
                lengths[i] += weight * stems.len() as f32;
                let single = if stems.len() > 1 {
                    weight * word_weight
                } else {
                    weight
                };
                for s in &stems {
                    *weighted[i].entry(s.clone()).or_insert(0.0) += single;
                }
                for pair in stems.windows(2) {
                    *weighted[i]
                        .entry(pair_key(&pair[0], &pair[1]))
                        .or_insert(0.0) += weight * PAIR_BOOST;
                }
            };
            add(&topic.title, W_TITLE, 1.0);
            // Each keyword is its own phrase: pairs never span two keywords.
            for k in &topic.keywords {
                add(k, W_KEYWORDS, PHRASE_WORD_FACTOR);
            }
            add(&topic.answer, W_ANSWER, 1.0);
            for p in &topic.key_points {
                add(p, W_KEY_POINTS, 1.0);
            }
            for p in &topic.what_to_do {
                add(p, W_WHAT_TO_DO, 1.0);
            }
            for (_, note) in &topic.jurisdictions {
                add(note, W_NOTES, 1.0);
            }
            add(&topic.body, W_BODY, 1.0);
        }

        let n = topics.len().max(1) as f32;
        let avg_len = (lengths.iter().sum::<f32>() / n).max(1.0);
        let norms = lengths
            .iter()
            .map(|len| K1 * (1.0 - B + B * len / avg_len))
            .collect();

        let mut terms: HashMap<String, Postings> = HashMap::new();
        for (i, doc) in weighted.into_iter().enumerate() {
            for (term, tf) in doc {
                terms
                    .entry(term)
                    .or_insert_with(|| Postings {
                        idf: 0.0,
                        docs: Vec::new(),
                    })
                    .docs
                    .push((i, tf));
            }
        }
        for p in terms.values_mut() {
            let df = p.docs.len() as f32;
            p.idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        }

        let mut surface: HashMap<(char, usize), Vec<(String, String)>> = HashMap::new();
        for (word, st) in surface_seen {
            if let Some(first) = word.chars().next() {
                let len = word.chars().count();
                surface.entry((first, len)).or_default().push((word, st));
            }
        }
        for bucket in surface.values_mut() {
            bucket.sort();
        }

        SearchIndex {
            slugs: topics.iter().map(|t| t.slug.clone()).collect(),
            terms,
            norms,
            surface,
            stemmer,
        }
    }

    /// The indexed topic slugs, in library order.
    pub fn slugs(&self) -> &[String] {
        &self.slugs
    }

    /// Ranks every topic against `question`.
    pub fn search(&self, question: &str) -> SearchResult {
        let words = tokenize(question);
        // (term, factor): exact stems count fully, typo-corrected ones at a discount.
        let mut stems: Vec<(String, f32)> = Vec::with_capacity(words.len());
        for w in &words {
            let st = stem(&self.stemmer, w);
            if self.terms.contains_key(&st) {
                stems.push((st, 1.0));
            } else if let Some(corrected) = self.correct(w) {
                stems.push((corrected, FUZZY_DISCOUNT));
            } else {
                stems.push((st, 1.0));
            }
        }

        let mut query: Vec<(String, f32)> = Vec::with_capacity(stems.len() * 2);
        for ((st, f), w) in stems.iter().zip(&words) {
            // A general platform name says where, not what: members ask about every topic on
            // every platform, so on its own it counts for little (pairs keep full weight).
            let f = if GENERAL_PLATFORMS.contains(&w.as_str()) {
                f * PLATFORM_DISCOUNT
            } else if ROLES.contains(&w.as_str()) {
                f * ROLE_DISCOUNT
            } else {
                *f
            };
            push_max(&mut query, st.clone(), f);
        }
        for pair in stems.windows(2) {
            let f = pair[0].1.min(pair[1].1);
            push_max(&mut query, pair_key(&pair[0].0, &pair[1].0), f);
        }
        // Pairs one word apart, at a discount, so "posting my full name" still meets "posting my
        // name" and "wrong whatsapp group" meets "wrong group".
        for triple in stems.windows(3) {
            let f = triple[0].1.min(triple[2].1) * SKIP_PAIR_FACTOR;
            push_max(&mut query, pair_key(&triple[0].0, &triple[2].0), f);
        }

        let mut scores = vec![0.0f32; self.slugs.len()];
        for (term, factor) in &query {
            if let Some(p) = self.terms.get(term) {
                for &(doc, tf) in &p.docs {
                    scores[doc] += factor * p.idf * tf * (K1 + 1.0) / (tf + self.norms[doc]);
                }
            }
        }

        let mut order: Vec<usize> = (0..self.slugs.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let top = order.first().map(|&i| scores[i]).unwrap_or(0.0);
        let second = order.get(1).map(|&i| scores[i]).unwrap_or(0.0);
        let confidence = confidence(top, second);
        let ranked = order
            .iter()
            .map(|&i| (self.slugs[i].clone(), strength(scores[i])))
            .collect();
        let best = if confidence >= CONFIDENCE_THRESHOLD {
            order.first().map(|&i| self.slugs[i].clone())
        } else {
            None
        };
        SearchResult {
            best,
            confidence,
            ranked,
        }
    }

    /// The stem of the closest indexed word within a small edit distance, if any.
    fn correct(&self, word: &str) -> Option<String> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < FUZZY_MIN_CHARS || chars.iter().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let max = if chars.len() >= 8 { 2 } else { 1 };
        // Typos rarely hit the first letter; also try the second for a swapped first pair.
        let mut firsts = vec![chars[0]];
        if chars[1] != chars[0] {
            firsts.push(chars[1]);
        }
        let mut best: Option<(usize, &str)> = None;
        for first in firsts {
            for len in chars.len() - max..=chars.len() + max {
                let Some(bucket) = self.surface.get(&(first, len)) else {
                    continue;
                };
                for (cand, cand_stem) in bucket {
                    let d = strsim::osa_distance(word, cand);
                    if d <= max && best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, cand_stem));
                    }
                }
            }
        }
        best.map(|(_, s)| s.to_owned())
    }
}

/// Shortest word (in characters) that typo matching will touch; shorter words are too easily
/// confused with other real words.
const FUZZY_MIN_CHARS: usize = 5;

fn push_max(query: &mut Vec<(String, f32)>, term: String, factor: f32) {
    if let Some(existing) = query.iter_mut().find(|(t, _)| *t == term) {
        existing.1 = existing.1.max(factor);
    } else {
        query.push((term, factor));
    }
}

fn pair_key(a: &str, b: &str) -> String {
    let mut k = String::with_capacity(a.len() + b.len() + 1);
    k.push_str(a);
    k.push(' ');
    k.push_str(b);
    k
}

fn stem(stemmer: &Stemmer, word: &str) -> String {
    stemmer.stem(word).into_owned()
}

/// 0–1 strength of a raw score.
fn strength(score: f32) -> f32 {
    1.0 - (-score / SCORE_SCALE).exp()
}

/// Confidence in the top topic: how strong it is, scaled by how clearly it beats the runner-up.
fn confidence(top: f32, second: f32) -> f32 {
    if top <= 0.0 {
        return 0.0;
    }
    let margin = ((top - second) / top).clamp(0.0, 1.0);
    (strength(top) * (0.35 + 0.65 * margin)).clamp(0.0, 1.0)
}

/// Chat spellings and abbreviations → the words the content uses. Applied to single words.
const CHAT_WORDS: &[(&str, &str)] = &[
    ("fb", "facebook"),
    ("insta", "instagram"),
    ("ig", "instagram"),
    ("twt", "tweet"),
    ("yt", "youtube"),
    ("tt", "tiktok"),
    ("snap", "snapchat"),
    ("wa", "whatsapp"),
    ("whatsap", "whatsapp"),
    ("watsapp", "whatsapp"),
    ("dm", "direct message"),
    ("dms", "direct message"),
    ("dmd", "direct message"),
    ("dmed", "direct message"),
    ("dming", "direct message"),
    ("pm", "direct message"),
    ("pms", "direct message"),
    ("inbox", "direct message"),
    ("msg", "message"),
    ("msgs", "message"),
    ("pt", "patient"),
    ("pts", "patient"),
    ("ptnt", "patient"),
    ("dr", "doctor"),
    ("drs", "doctor"),
    ("doc", "doctor"),
    ("docs", "doctor"),
    ("med", "medical"),
    ("meds", "medication"),
    ("rx", "prescribe"),
    ("dx", "diagnosis"),
    ("ddx", "diagnosis"),
    ("hx", "history"),
    ("tx", "treatment"),
    ("sx", "symptoms"),
    ("reg", "registrar"),
    ("regs", "registrar"),
    ("derm", "dermatology"),
    ("derms", "dermatology"),
    ("psych", "psychiatry"),
    ("paeds", "pediatrics"),
    ("peds", "pediatrics"),
    ("gardai", "police"),
    ("garda", "police"),
    ("cops", "police"),
    ("cop", "police"),
    ("tiktoks", "tiktok"),
    ("whatsapping", "whatsapp"),
    ("whatsapped", "whatsapp"),
    ("whatsapps", "whatsapp"),
    ("screengrabs", "screenshot"),
    ("screencaps", "screenshot"),
    ("screenshotted", "screenshot"),
    ("uni", "university"),
    ("mate", "friend"),
    ("mates", "friends"),
    ("bestie", "friend"),
    ("vid", "video"),
    ("vids", "video"),
    ("pic", "photo"),
    ("pics", "photo"),
    ("pix", "photo"),
    ("piccy", "photo"),
    ("foto", "photo"),
    ("selfie", "photo"),
    ("selfies", "photo"),
    ("screenie", "screenshot"),
    ("screenies", "screenshot"),
    ("screengrab", "screenshot"),
    ("screencap", "screenshot"),
    ("ss", "screenshot"),
    ("coi", "conflict interest"),
    ("cois", "conflict interest"),
    ("anon", "anonymous"),
    ("socmed", "social media"),
    ("socials", "social media"),
    ("sm", "social media"),
    ("doxx", "dox"),
    ("doxxed", "dox"),
    ("doxxing", "dox"),
    ("doxed", "dox"),
    ("doxing", "dox"),
    ("bday", "birthday"),
    ("hosp", "hospital"),
    ("abt", "about"),
    ("ppl", "people"),
    ("pls", "please"),
    ("plz", "please"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("b4", "before"),
    ("cos", "because"),
    ("coz", "because"),
    ("bc", "because"),
    ("bcos", "because"),
    ("w", "with"),
    ("thx", "thanks"),
    ("ty", "thanks"),
    ("govt", "government"),
    ("mgmt", "management"),
    ("mgr", "manager"),
    ("info", "information"),
    ("pharma", "pharmaceutical"),
    ("sponsered", "sponsored"),
    ("freebies", "freebie"),
    ("ad", "advert"),
    ("ads", "advert"),
    ("advert", "advert"),
    ("adverts", "advert"),
    ("advertisement", "advert"),
    ("promo", "promotion"),
    ("tbh", ""),
    ("imo", ""),
    ("imho", ""),
    ("idk", ""),
    ("lol", ""),
    ("gonna", ""),
    ("wanna", ""),
    ("gotta", ""),
    ("kinda", ""),
    ("omg", ""),
    ("fyi", ""),
    ("ngl", ""),
    ("btw", ""),
];

/// Whole-word spelling folds so British and American spellings meet.
const SPELLING_FOLDS: &[(&str, &str)] = &[
    ("behaviour", "behavior"),
    ("candour", "candor"),
    ("honour", "honor"),
    ("favour", "favor"),
    ("colour", "color"),
    ("humour", "humor"),
    ("rumour", "rumor"),
    ("defence", "defense"),
    ("licence", "license"),
    ("offence", "offense"),
    ("paediatric", "pediatric"),
    ("paediatrics", "pediatrics"),
    ("centre", "center"),
    ("programme", "program"),
    ("judgement", "judgment"),
    ("practise", "practice"),
    ("practising", "practicing"),
];

/// Words too common to say anything about the topic.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "again",
    "against",
    "aint",
    "all",
    "allowed",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "anyway",
    "are",
    "arent",
    "as",
    "at",
    "basically",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "bit",
    "both",
    "but",
    "by",
    "came",
    "can",
    "cant",
    "come",
    "comes",
    "could",
    "couldnt",
    "definitely",
    "did",
    "didnt",
    "do",
    "does",
    "doesnt",
    "doing",
    "done",
    "dont",
    "down",
    "during",
    "each",
    "else",
    "ends",
    "enough",
    "especially",
    "etc",
    "even",
    "ever",
    "every",
    "exactly",
    "few",
    "for",
    "from",
    "further",
    "genuinely",
    "get",
    "gets",
    "getting",
    "go",
    "goes",
    "going",
    "gone",
    "got",
    "had",
    "hadnt",
    "has",
    "hasnt",
    "have",
    "havent",
    "having",
    "he",
    "hed",
    "hello",
    "her",
    "here",
    "heres",
    "hers",
    "herself",
    "hey",
    "hi",
    "him",
    "himself",
    "his",
    "honestly",
    "how",
    "hows",
    "i",
    "id",
    "if",
    "ill",
    "im",
    "in",
    "into",
    "is",
    "isnt",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "keeps",
    "know",
    "let",
    "lets",
    "like",
    "literally",
    "lot",
    "lots",
    "made",
    "make",
    "makes",
    "making",
    "maybe",
    "me",
    "mean",
    "means",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "needed",
    "needs",
    "new",
    "nicely",
    "no",
    "nor",
    "not",
    "now",
    "obviously",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "ones",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "perhaps",
    "please",
    "point",
    "pretty",
    "probably",
    "properly",
    "put",
    "puts",
    "quite",
    "really",
    "same",
    "say",
    "seriously",
    "she",
    "shes",
    "should",
    "shouldnt",
    "shows",
    "so",
    "some",
    "somebody",
    "someone",
    "something",
    "sometimes",
    "sort",
    "still",
    "stuff",
    "such",
    "sure",
    "than",
    "thanks",
    "that",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "theres",
    "these",
    "they",
    "theyd",
    "theyre",
    "theyve",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "to",
    "today",
    "tomorrow",
    "tonight",
    "too",
    "totally",
    "turned",
    "turns",
    "under",
    "until",
    "up",
    "us",
    "very",
    "via",
    "want",
    "wanted",
    "wanting",
    "wants",
    "was",
    "wasnt",
    "way",
    "we",
    "went",
    "were",
    "weve",
    "what",
    "whatever",
    "whats",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whos",
    "why",
    "will",
    "with",
    "wonder",
    "wont",
    "would",
    "wouldnt",
    "yes",
    "yesterday",
    "yet",
    "you",
    "youd",
    "youll",
    "your",
    "youre",
    "yours",
    "yourself",
    "youve",
];

/// Normalises text into the words the index uses: NFKD without accents, lower case, apostrophes
/// dropped, chat spellings expanded, UK/US spellings folded, "x-ray" joined, "A&E" read as
/// emergency, "what now?" kept as one word, stop words removed. The words are not yet stemmed.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(text.len());
    // NFKD splits accented letters ("gardaí", "café") into letter + combining mark; the marks
    // are dropped so accented and plain spellings meet.
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            '\'' | '’' | '‘' | 'ʼ' => {}
            c if c.is_alphanumeric() => cleaned.extend(c.to_lowercase()),
            _ => cleaned.push(' '),
        }
    }
    let raw: Vec<&str> = cleaned.split_whitespace().collect();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let word = raw[i];
        i += 1;
        // "what now?", "now what?", "what next?": someone asking how to put something right.
        // Their words are all stop words, so they become one word of their own.
        if (word == "what" && raw.get(i).is_some_and(|n| *n == "now" || *n == "next"))
            || (word == "now" && raw.get(i).is_some_and(|n| *n == "what"))
        {
            i += 1;
            out.push("whatnow".to_owned());
            continue;
        }
        // "shares in a company" is a holding, not the verb "share" (which stems the same).
        if word == "shares" && raw.get(i).is_some_and(|n| *n == "in") {
            i += 1;
            out.push("shareholding".to_owned());
            continue;
        }
        // "A&E" / "A and E" (the & is already a space): the emergency department.
        if word == "a" && raw.get(i).is_some_and(|n| *n == "e") {
            i += 1;
            out.push("emergency".to_owned());
            continue;
        }
        // "x-ray", "x ray", "xrays"
        if word == "x" {
            if raw.get(i).is_some_and(|n| *n == "ray" || *n == "rays") {
                i += 1;
                out.push("xray".to_owned());
            }
            continue;
        }
        let expanded = CHAT_WORDS
            .iter()
            .find(|(k, _)| *k == word)
            .map(|(_, v)| *v)
            .unwrap_or(word);
        for w in expanded.split_whitespace() {
            let w = SPELLING_FOLDS
                .iter()
                .find(|(k, _)| *k == w)
                .map(|(_, v)| *v)
                .unwrap_or(w);
            let w = fold_ise(w);
            if w.chars().count() < 2 && !w.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if STOP_WORDS.binary_search(&w.as_str()).is_ok() {
                continue;
            }
            out.push(w);
        }
    }
    out
}

/// Folds British "-ise/-isation" endings to "-ize/-ization" so both spellings stem alike.
fn fold_ise(word: &str) -> String {
    const ENDINGS: [(&str, &str); 8] = [
        ("isations", "izations"),
        ("isation", "ization"),
        ("ising", "izing"),
        ("ised", "ized"),
        ("ises", "izes"),
        ("isers", "izers"),
        ("iser", "izer"),
        ("ise", "ize"),
    ];
    if word.len() > 6 {
        for (from, to) in ENDINGS {
            if let Some(stem) = word.strip_suffix(from) {
                return format!("{stem}{to}");
            }
        }
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::new(&Library::builtin().expect("builtin guidance"))
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn tokenizer_expands_chat_spellings() {
        let words = tokenize("can u dm a pt on fb pls?? or insta/IG");
        assert_eq!(
            words,
            [
                "direct",
                "message",
                "patient",
                "facebook",
                "instagram",
                "instagram"
            ]
        );
    }

    #[test]
    fn tokenizer_handles_apostrophes_case_and_width() {
        assert_eq!(tokenize("Patient’s DOCTOR's"), ["patients", "doctors"]);
        // Fullwidth letters fold under NFKD.
        assert_eq!(tokenize("ｆｂ"), ["facebook"]);
        assert_eq!(tokenize("X-ray on Twitter/X"), ["xray", "twitter"]);
        assert_eq!(tokenize("go to A&E"), ["emergency"]);
        assert_eq!(tokenize("deleted it. now what?"), ["deleted", "whatnow"]);
        assert_eq!(
            tokenize("I own shares in a start-up"),
            ["shareholding", "start"]
        );
    }

    #[test]
    fn tokenizer_folds_uk_and_us_spellings() {
        assert_eq!(tokenize("anonymised"), tokenize("anonymized"));
        assert_eq!(tokenize("duty of candour"), tokenize("duty of candor"));
        assert_eq!(tokenize("behaviour"), ["behavior"]);
        // Accents drop, so "gardaí" (Irish police) meets the plain spelling.
        assert_eq!(tokenize("gardaí"), tokenize("gardai"));
    }

    #[test]
    fn friend_request_on_facebook_ranks_patient_boundaries_first() {
        let idx = index();
        for q in [
            "/ask can I friend a patient on facebook",
            "can i add a pt on fb",
            "patient sent me a frend request on facebok",
        ] {
            let r = idx.search(q);
            assert_eq!(r.ranked[0].0, "patient-boundaries", "{q}: {:?}", r.top(3));
            assert_eq!(r.best.as_deref(), Some("patient-boundaries"), "{q}");
        }
    }

    #[test]
    fn typos_still_find_the_topic() {
        let idx = index();
        let r = idx.search("someone is harrasing me and sending threats, shoud I call the polise");
        assert_eq!(r.ranked[0].0, "harassment", "{:?}", r.top(3));
        let r = idx.search("confidentialty of anonymsed case reports");
        assert_eq!(r.ranked[0].0, "confidentiality", "{:?}", r.top(3));
    }

    #[test]
    fn unrelated_or_empty_questions_are_not_sure() {
        let idx = index();
        for q in [
            "",
            "   ",
            "??",
            "what time is journal club on thursday",
            "best pizza near me",
        ] {
            let r = idx.search(q);
            assert_eq!(r.best, None, "{q}: conf {} {:?}", r.confidence, r.top(3));
            assert_eq!(r.ranked.len(), 13);
        }
    }

    #[test]
    fn ranked_lists_every_topic_in_descending_order_within_bounds() {
        let r = index().search("sponsored post for a drug company, do I need to declare it");
        assert_eq!(r.ranked.len(), 13);
        assert!(r.ranked.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(r.ranked.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
        assert!((0.0..=1.0).contains(&r.confidence));
        assert_eq!(r.best.as_deref(), Some("conflicts-of-interest"));
    }

    #[test]
    fn long_hostile_input_does_not_panic() {
        let idx = index();
        let long = "fb ".repeat(5000) + "\u{200b}\u{0}💥".repeat(1000).as_str();
        let r = idx.search(&long);
        assert_eq!(r.ranked.len(), 13);
    }
}
