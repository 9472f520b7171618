//! The detector's public vocabulary: what was found, where, how sure, and the
//! message-level verdict. These types are the contract between the detector
//! (pure, synchronous) and everything that acts on its output (moderation,
//! commands, the CLI). They never carry matched text: only byte spans into the
//! caller's own string, so nothing identifying can leak through them into logs.

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Kind of patient-identifiable detail. Exactly the `kind` values of the
/// labelled corpus (see `../shared/corpus/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    Person,
    NhsNumber,
    ChiNumber,
    HcNumber,
    Mrn,
    Ssn,
    MedicareId,
    InsuranceId,
    Nino,
    Date,
    AgeOver89,
    Phone,
    Email,
    Address,
    Postcode,
    Location,
    FacilityLocator,
    Url,
    IpAddress,
    Vehicle,
    DeviceId,
    Financial,
    License,
    Quasi,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 24] = [
        Kind::Person,
        Kind::NhsNumber,
        Kind::ChiNumber,
        Kind::HcNumber,
        Kind::Mrn,
        Kind::Ssn,
        Kind::MedicareId,
        Kind::InsuranceId,
        Kind::Nino,
        Kind::Date,
        Kind::AgeOver89,
        Kind::Phone,
        Kind::Email,
        Kind::Address,
        Kind::Postcode,
        Kind::Location,
        Kind::FacilityLocator,
        Kind::Url,
        Kind::IpAddress,
        Kind::Vehicle,
        Kind::DeviceId,
        Kind::Financial,
        Kind::License,
        Kind::Quasi,
    ];

    /// The corpus label, e.g. `NHS_NUMBER`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "PERSON",
            Kind::NhsNumber => "NHS_NUMBER",
            Kind::ChiNumber => "CHI_NUMBER",
            Kind::HcNumber => "HC_NUMBER",
            Kind::Mrn => "MRN",
            Kind::Ssn => "SSN",
            Kind::MedicareId => "MEDICARE_ID",
            Kind::InsuranceId => "INSURANCE_ID",
            Kind::Nino => "NINO",
            Kind::Date => "DATE",
            Kind::AgeOver89 => "AGE_OVER_89",
            Kind::Phone => "PHONE",
            Kind::Email => "EMAIL",
            Kind::Address => "ADDRESS",
            Kind::Postcode => "POSTCODE",
            Kind::Location => "LOCATION",
            Kind::FacilityLocator => "FACILITY_LOCATOR",
            Kind::Url => "URL",
            Kind::IpAddress => "IP_ADDRESS",
            Kind::Vehicle => "VEHICLE",
            Kind::DeviceId => "DEVICE_ID",
            Kind::Financial => "FINANCIAL",
            Kind::License => "LICENSE",
            Kind::Quasi => "QUASI",
        }
    }

    /// Parse a corpus label such as `NHS_NUMBER`.
    pub fn parse(label: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == label)
    }

    /// A short human label for alerts and nudges ("NHS number", "date of birth or other patient date").
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Person => "patient name",
            Kind::NhsNumber => "NHS number",
            Kind::ChiNumber => "CHI number",
            Kind::HcNumber => "H&C number",
            Kind::Mrn => "hospital / record number",
            Kind::Ssn => "Social Security number",
            Kind::MedicareId => "Medicare number",
            Kind::InsuranceId => "insurance / member id",
            Kind::Nino => "National Insurance number",
            Kind::Date => "date tied to a patient",
            Kind::AgeOver89 => "age over 89",
            Kind::Phone => "phone number",
            Kind::Email => "email address",
            Kind::Address => "street address",
            Kind::Postcode => "postcode / ZIP",
            Kind::Location => "small place tied to a patient",
            Kind::FacilityLocator => "ward and bed",
            Kind::Url => "link to a patient's profile or record",
            Kind::IpAddress => "IP address",
            Kind::Vehicle => "vehicle registration",
            Kind::DeviceId => "device serial number",
            Kind::Financial => "card or bank number",
            Kind::License => "licence / passport number",
            Kind::Quasi => "combination of details that could identify someone",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Message-level severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One detected identifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// UTF-8 byte range into the ORIGINAL text given to `scan` (always on char boundaries).
    pub span: Range<usize>,
    /// 0.0–1.0.
    pub confidence: f32,
    /// Id of the rule that fired (from `config/phi/*.toml`).
    pub rule_id: String,
    /// Short, user-safe explanation that never quotes the matched text,
    /// e.g. "NHS number — valid check digit, after 'NHS no'".
    pub explanation: String,
}

/// Result of scanning one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scan {
    /// Non-overlapping findings sorted by span start.
    pub findings: Vec<Finding>,
    /// Whether the message should be flagged as possibly identifying a patient.
    pub flagged: bool,
    /// Message-level severity; `None` exactly when not flagged.
    pub severity: Option<Severity>,
}
