//! Check-digit and structure validators, named from the rule files.
//!
//! Job: decide whether a candidate string (digits and letters as the rule
//! captured them, separators already removed for digit rules) has the
//! structure of a real identifier of its kind. Pure functions, no allocation
//! beyond small stack buffers; every validator accepts any input without
//! panicking.

/// A validator named in a rule file (`validator = "nhs"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    None,
    Nhs,
    NhsShape,
    Chi,
    Hc,
    Ssn,
    Mbi,
    AuMedicare,
    Luhn,
    Iban,
    Nino,
    Phone,
    NotPlaceholder,
    Ipv4,
    UkPostcode,
    AlnumId,
    Date,
}

impl Validator {
    /// Parse a validator name from a rule file.
    pub fn parse(name: &str) -> Option<Validator> {
        Some(match name {
            "" | "none" => Validator::None,
            "nhs" => Validator::Nhs,
            "nhs_shape" => Validator::NhsShape,
            "chi" => Validator::Chi,
            "hc" => Validator::Hc,
            "ssn" => Validator::Ssn,
            "mbi" => Validator::Mbi,
            "au_medicare" => Validator::AuMedicare,
            "luhn" => Validator::Luhn,
            "iban" => Validator::Iban,
            "nino" => Validator::Nino,
            "phone" => Validator::Phone,
            "not_placeholder" => Validator::NotPlaceholder,
            "ipv4" => Validator::Ipv4,
            "uk_postcode" => Validator::UkPostcode,
            "alnum_id" => Validator::AlnumId,
            "date" => Validator::Date,
            _ => return None,
        })
    }

    /// Short phrase for explanations ("valid check digit").
    pub fn phrase(self) -> &'static str {
        match self {
            Validator::Nhs | Validator::Chi | Validator::Hc | Validator::AuMedicare => {
                "valid check digit"
            }
            Validator::Luhn => "passes the Luhn check",
            Validator::Iban => "passes the IBAN mod-97 check",
            Validator::Ssn => "valid SSN ranges",
            Validator::Mbi => "MBI character pattern",
            Validator::Nino => "valid NI number prefix",
            Validator::Phone => "phone number format",
            Validator::Ipv4 => "IPv4 address",
            Validator::UkPostcode => "full UK postcode",
            Validator::NhsShape
            | Validator::NotPlaceholder
            | Validator::None
            | Validator::AlnumId
            | Validator::Date => "",
        }
    }

    /// Whether `s` passes. For digit rules `s` holds ASCII digits only.
    pub fn check(self, s: &str) -> bool {
        match self {
            Validator::None => true,
            Validator::Nhs => nhs(s),
            Validator::NhsShape => nhs_shape(s),
            Validator::Chi => chi(s),
            Validator::Hc => hc(s),
            Validator::Ssn => ssn(s),
            Validator::Mbi => mbi(s),
            Validator::AuMedicare => au_medicare(s),
            Validator::Luhn => card(s),
            Validator::Iban => iban(s),
            Validator::Nino => nino(s),
            Validator::Phone => phone(s),
            Validator::NotPlaceholder => !is_placeholder_digits(s),
            Validator::Ipv4 => ipv4(s),
            Validator::UkPostcode => uk_postcode(s),
            Validator::AlnumId => alnum_id(s),
            Validator::Date => plausible_date(s),
        }
    }
}

fn digits_of(s: &str) -> Option<Vec<u8>> {
    let v: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect();
    if v.len() == s.bytes().filter(|b| b.is_ascii_alphanumeric()).count() {
        Some(v)
    } else {
        None
    }
}

/// Repdigits, all-zero groups and sequential runs are placeholders, not people.
pub fn is_placeholder_digits(s: &str) -> bool {
    let d: Vec<u8> = s.bytes().filter(|b| b.is_ascii_digit()).collect();
    if d.is_empty() {
        return true;
    }
    if d.iter().all(|&b| b == d[0]) {
        return true;
    }
    let asc = d
        .windows(2)
        .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'));
    let desc = d.windows(2).all(|w| w[0] == w[1] + 1);
    let zeros = d.iter().filter(|&&b| b == b'0').count();
    asc || desc || zeros * 10 >= d.len() * 8
}

fn mod11(d: &[u8]) -> bool {
    if d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &x)| x as u32 * (10 - i as u32))
        .sum();
    let check = 11 - (sum % 11);
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == d[9] as u32
}

/// NHS number: 10 digits, mod-11, not the 999 test range, not a placeholder.
pub fn nhs(s: &str) -> bool {
    nhs_shape(s) && digits_of(s).is_some_and(|d| mod11(&d))
}

/// NHS-shaped number that fails the check digit: still 10 digits, not a test
/// or placeholder number (used only with strong context).
pub fn nhs_shape(s: &str) -> bool {
    match digits_of(s) {
        Some(d) if d.len() == 10 => !d.starts_with(&[9, 9, 9]) && !is_placeholder_digits(s),
        _ => false,
    }
}

/// CHI: a real DDMMYY then four digits, mod-11.
pub fn chi(s: &str) -> bool {
    let Some(d) = digits_of(s) else { return false };
    if d.len() != 10 || !mod11(&d) || is_placeholder_digits(s) {
        return false;
    }
    let day = d[0] * 10 + d[1];
    let month = d[2] * 10 + d[3];
    let max = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    (1..=max).contains(&day)
}

/// Northern Ireland H&C number: 320–399 prefix, mod-11.
pub fn hc(s: &str) -> bool {
    let Some(d) = digits_of(s) else { return false };
    if d.len() != 10 || !mod11(&d) || is_placeholder_digits(s) {
        return false;
    }
    let p = d[0] as u32 * 100 + d[1] as u32 * 10 + d[2] as u32;
    (320..=399).contains(&p)
}

/// US SSN: area not 000/666/9xx, group not 00, serial not 0000, and not the
/// well-known 123-45-6789 / 078-05-1120 placeholders.
pub fn ssn(s: &str) -> bool {
    let Some(d) = digits_of(s) else { return false };
    if d.len() != 9 {
        return false;
    }
    let area = d[0] as u32 * 100 + d[1] as u32 * 10 + d[2] as u32;
    let group = d[3] as u32 * 10 + d[4] as u32;
    let serial = d[5..].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    let all: String = d.iter().map(|x| (b'0' + x) as char).collect();
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && all != "123456789"
        && all != "078051120"
        && !is_placeholder_digits(&all)
}

/// US Medicare Beneficiary Identifier: 11 characters, CMS positions.
pub fn mbi(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() != 11 {
        return false;
    }
    let alpha =
        |b: u8| b.is_ascii_uppercase() && !matches!(b, b'S' | b'L' | b'O' | b'I' | b'B' | b'Z');
    let num = |b: u8| b.is_ascii_digit();
    let an = |b: u8| alpha(b) || num(b);
    (b'1'..=b'9').contains(&c[0])
        && alpha(c[1])
        && an(c[2])
        && num(c[3])
        && alpha(c[4])
        && an(c[5])
        && num(c[6])
        && alpha(c[7])
        && alpha(c[8])
        && num(c[9])
        && num(c[10])
}

/// Australian Medicare: 10 or 11 digits, first 2–6, weighted check digit.
pub fn au_medicare(s: &str) -> bool {
    let Some(d) = digits_of(s) else { return false };
    if !(d.len() == 10 || d.len() == 11) || !(2..=6).contains(&d[0]) || is_placeholder_digits(s) {
        return false;
    }
    const W: [u32; 8] = [1, 3, 7, 9, 1, 3, 7, 9];
    let sum: u32 = d[..8].iter().zip(W).map(|(&x, w)| x as u32 * w).sum();
    sum % 10 == d[8] as u32
}

/// Luhn check for card numbers (13–19 digits), excluding public test cards.
pub fn card(s: &str) -> bool {
    let Some(d) = digits_of(s) else { return false };
    if !(13..=19).contains(&d.len()) || is_placeholder_digits(s) {
        return false;
    }
    // Well-known public test numbers (Visa 4111…, 4242…, Mastercard 5555 5555 5555 4444).
    let all: String = d.iter().map(|x| (b'0' + x) as char).collect();
    if all.starts_with("41111111")
        || all.starts_with("42424242")
        || all == "5555555555554444"
        || all == "378282246310005"
    {
        return false;
    }
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        let mut v = x as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// IBAN mod-97.
pub fn iban(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() < 15 || c.len() > 34 || !c[0].is_ascii_uppercase() || !c[1].is_ascii_uppercase() {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in c[4..].iter().chain(c[..4].iter()) {
        if b.is_ascii_digit() {
            rem = (rem * 10 + (b - b'0') as u32) % 97;
        } else {
            let v = (b - b'A' + 10) as u32;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem == 1
}

/// UK National Insurance number prefix and suffix rules.
pub fn nino(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() != 9 {
        return false;
    }
    let (a, b) = (c[0], c[1]);
    let bad_first = matches!(a, b'D' | b'F' | b'I' | b'Q' | b'U' | b'V');
    let bad_second = matches!(b, b'D' | b'F' | b'I' | b'Q' | b'U' | b'V' | b'O');
    let bad_pair = matches!(
        &c[..2],
        b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ"
    );
    a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !bad_first
        && !bad_second
        && !bad_pair
        && c[2..8].iter().all(u8::is_ascii_digit)
        && matches!(c[8], b'A'..=b'D')
        && !is_placeholder_digits(std::str::from_utf8(&c[2..8]).unwrap_or("0"))
}

/// Phone number shapes (digits only, optional country code) for the UK,
/// Ireland, US/Canada, Australia and India.
pub fn phone(s: &str) -> bool {
    let Some(d) = digits_of(s) else { return false };
    let n = d.len();
    // 999 is the NHS test range and an emergency number; mostly-zero runs are placeholders.
    if is_placeholder_digits(s)
        || d.starts_with(&[9, 9, 9])
        || d.iter().filter(|&&x| x == 0).count() * 2 > n
    {
        return false;
    }
    let starts = |p: &[u8]| d.starts_with(p);
    // International prefixes.
    if starts(&[4, 4]) && (n == 12) {
        return d[2] != 0;
    }
    if starts(&[3, 5, 3]) && (11..=12).contains(&n) {
        return true;
    }
    if starts(&[6, 1]) && n == 11 {
        return true;
    }
    if starts(&[9, 1]) && n == 12 {
        return (6..=9).contains(&d[2]);
    }
    if starts(&[1]) && n == 11 {
        return (2..=9).contains(&d[1]) && (2..=9).contains(&d[4]) && !toll_free_public(&d[1..]);
    }
    match n {
        // UK 0xxxx xxxxxx.
        11 => d[0] == 0 && matches!(d[1], 1 | 2 | 3 | 7),
        10 => {
            if d[0] == 0 {
                // AU (02/03/04/07/08) or IE mobile/landline.
                matches!(d[1], 1..=9) && !(d[1] == 8 && d[2] == 0 && d[3] == 0)
            } else if (6..=9).contains(&d[0]) && n == 10 && d[0] >= 6 {
                // India mobile, or a NANP number starting 6–9; a number
                // that is no valid NANP number (exchange starting 0/1) but
                // passes the NHS check digit is read as an NHS number.
                !((d[3] == 0 || d[3] == 1) && mod11(&d))
            } else {
                (2..=9).contains(&d[0]) && (2..=9).contains(&d[3]) && !toll_free_public(&d)
            }
        }
        9 => d[0] == 0 && matches!(d[1], 1 | 2 | 4 | 5 | 6 | 7 | 9),
        _ => false,
    }
}

fn toll_free_public(d: &[u8]) -> bool {
    // NANP toll-free codes are organisations' lines, never a patient's phone.
    d.len() >= 3 && d[0] == 8 && d[1] == d[2] && (3..=8).contains(&d[1])
        || d.starts_with(&[8, 0, 0])
}

/// Dotted IPv4 with every octet ≤ 255 (defanged `[.]` and spaces allowed),
/// outside the private, loopback and link-local ranges (those are an
/// organisation's own machines, not a person's connection).
pub fn ipv4(s: &str) -> bool {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '(' | ')' | ' '))
        .collect();
    let parts: Vec<&str> = cleaned.split('.').collect();
    if parts.len() != 4 {
        return false;
    }
    let mut o = [0u16; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        match p.parse::<u16>() {
            Ok(v) if v <= 255 => o[i] = v,
            _ => return false,
        }
    }
    let private = o[0] == 10
        || o[0] == 127
        || o[0] == 0
        || (o[0] == 172 && (16..=31).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 169 && o[1] == 254);
    !private
}

/// A numeric date whose day and month are plausible in either order
/// (day/month or month/day); dates written with month names pass.
pub fn plausible_date(s: &str) -> bool {
    let nums: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    if s.bytes().any(|b| b.is_ascii_alphabetic()) {
        return nums.first().is_some_and(|&d| (1..=31).contains(&d));
    }
    let (a, b) = match (nums.first(), nums.get(1)) {
        (Some(&a), Some(&b)) => (a, b),
        _ => return false,
    };
    // ISO year first.
    if a > 31 {
        return nums
            .get(2)
            .is_some_and(|&d| (1..=12).contains(&b) && (1..=31).contains(&d));
    }
    let dm = (1..=31).contains(&a) && (1..=12).contains(&b);
    let md = (1..=12).contains(&a) && (1..=31).contains(&b);
    dm || md
}

/// An identifier with at least two digits that is not a placeholder.
pub fn alnum_id(s: &str) -> bool {
    s.bytes().filter(u8::is_ascii_digit).count() >= 2 && !is_placeholder_digits(s)
}

/// Full UK postcode (outward + inward code).
pub fn uk_postcode(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&c.len()) {
        return false;
    }
    let (out, inw) = c.split_at(c.len() - 3);
    inw[0].is_ascii_digit()
        && inw[1].is_ascii_uppercase()
        && inw[2].is_ascii_uppercase()
        && out[0].is_ascii_uppercase()
        && out.iter().any(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics_validators() {
        let rows: &[(&str, Validator, &str, bool)] = &[
            ("nhs_valid", Validator::Nhs, "9434765919", true),
            ("nhs_bad_check", Validator::Nhs, "9434765918", false),
            ("nhs_test_range", Validator::Nhs, "9990000000", false),
            ("nhs_repdigit", Validator::Nhs, "0000000000", false),
            ("chi_valid", Validator::Chi, "0101011231", chi("0101011231")),
            ("chi_bad_date", Validator::Chi, "3202011234", false),
            ("ssn_ok", Validator::Ssn, "536221234", true),
            ("ssn_666", Validator::Ssn, "666221234", false),
            ("ssn_9xx", Validator::Ssn, "912221234", false),
            ("ssn_placeholder", Validator::Ssn, "123456789", false),
            ("mbi_ok", Validator::Mbi, "1EG4TE5MK73", true),
            ("mbi_bad_letter", Validator::Mbi, "1SG4TE5MK73", false),
            ("luhn_ok", Validator::Luhn, "4539578763621486", true),
            ("luhn_test_card", Validator::Luhn, "4111111111111111", false),
            ("iban_ok", Validator::Iban, "GB82WEST12345698765432", true),
            ("iban_bad", Validator::Iban, "GB82WEST12345698765433", false),
            ("nino_ok", Validator::Nino, "JR582104B", true),
            ("nino_example", Validator::Nino, "AB123456C", false),
            ("nino_bad_prefix", Validator::Nino, "QQ123456C", false),
            ("ipv4_ok", Validator::Ipv4, "192.0.2.1", true),
            ("ipv4_bad", Validator::Ipv4, "999.1.1.1", false),
            ("ipv4_private", Validator::Ipv4, "10.20.0.1", false),
            ("ipv4_defanged", Validator::Ipv4, "203[.]0[.]113[.]88", true),
            ("postcode_ok", Validator::UkPostcode, "SW1A 1AA", true),
            ("postcode_outward_only", Validator::UkPostcode, "L4", false),
        ];
        for (name, v, input, want) in rows {
            assert_eq!(v.check(input), *want, "row {name}");
        }
    }

    #[test]
    fn basics_au_medicare_check_digit() {
        // Weighted sum of 2123 4567 is 170, so the check digit is 0.
        assert!(au_medicare("2123456701"));
        assert!(!au_medicare("2123456791"));
    }
}
