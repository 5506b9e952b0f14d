//! The patient registry's rules, pure: how the desk finds a patient as a receptionist types, and
//! when a new registration looks like someone already registered.
//!
//! Search works on any part of the name (English or Bangla script), the phone number (typed with
//! English or Bangla digits, with or without the country code) and the patient number.

use chrono::NaiveDate;

use crate::PatientId;

/// What the registry shows and searches for one patient.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PatientSummary {
    pub id: PatientId,
    /// The number the clinic reads aloud and writes on cards.
    pub patient_number: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Bangla digits become ASCII digits: a receptionist may type either.
fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '০'..='৯' => char::from_digit(c as u32 - '০' as u32, 10),
        _ => None,
    }
}

/// The digits of a phone number, ignoring spaces, dashes, brackets and a leading `+`.
pub fn phone_digits(text: &str) -> String {
    text.chars().filter_map(ascii_digit).collect()
}

/// The national part of a Bangladeshi number: `+880 1712-345678`, `8801712345678` and
/// `01712345678` are the same phone.
fn national(digits: &str) -> &str {
    let d = digits.strip_prefix("880").unwrap_or(digits);
    d.strip_prefix('0').unwrap_or(d)
}

/// Words of a name for matching: lower-cased, punctuation removed.
fn name_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '-' | '\'' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How well `patient` matches what was typed; `None` when it does not match. Higher is better.
pub fn search_rank(query: &str, patient: &PatientSummary) -> Option<u32> {
    let query = query.trim();
    if query.is_empty() {
        return None;
    }
    if patient.patient_number.eq_ignore_ascii_case(query) {
        return Some(1000);
    }
    let digits = phone_digits(query);
    let only_digits = query
        .chars()
        .all(|c| ascii_digit(c).is_some() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    if only_digits && digits.len() >= 4 {
        let wanted = national(&digits);
        if let Some(phone) = patient.phone.as_deref().map(phone_digits) {
            let have = national(&phone);
            if have == wanted {
                return Some(900);
            }
            if have.ends_with(wanted) {
                return Some(800);
            }
            if have.contains(wanted) {
                return Some(600);
            }
        }
        return None;
    }
    if patient
        .patient_number
        .to_lowercase()
        .starts_with(&query.to_lowercase())
    {
        return Some(850);
    }
    let name = name_words(&patient.full_name);
    let typed = name_words(query);
    // Every typed word must start some word of the name; whole words and the first name rank higher.
    let mut score = 0;
    for word in &typed {
        let best = name
            .iter()
            .enumerate()
            .filter(|(_, n)| n.starts_with(word.as_str()))
            .map(|(i, n)| if n == word { 30 } else { 20 } + if i == 0 { 5 } else { 0 })
            .max()?;
        score += best;
    }
    Some(500 + score.min(400))
}

/// The patients matching `query`, best first (ties by name), at most `limit`.
pub fn search<'a>(
    query: &str,
    patients: &'a [PatientSummary],
    limit: usize,
) -> Vec<&'a PatientSummary> {
    let mut hits: Vec<(u32, &PatientSummary)> = patients
        .iter()
        .filter_map(|p| search_rank(query, p).map(|r| (r, p)))
        .collect();
    hits.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.full_name.cmp(&b.1.full_name))
    });
    hits.into_iter().take(limit).map(|(_, p)| p).collect()
}

/// Why an existing patient may be the person being registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SamePhone,
    SimilarNameSameBirthDate,
}

/// Levenshtein distance over characters (Bangla counts per code point).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Names are similar when, word order aside, they differ by at most one typo per five letters.
fn similar_names(a: &str, b: &str) -> bool {
    let mut a = name_words(a);
    let mut b = name_words(b);
    a.sort();
    b.sort();
    let (a, b) = (a.join(" "), b.join(" "));
    let allowed = a.chars().count().max(b.chars().count()) / 5;
    edit_distance(&a, &b) <= allowed.max(1)
}

/// Existing patients who may be the person in `candidate`, with the reason, most likely first.
pub fn possible_duplicates<'a>(
    candidate: &PatientSummary,
    existing: &'a [PatientSummary],
) -> Vec<(&'a PatientSummary, DuplicateReason)> {
    let phone = candidate
        .phone
        .as_deref()
        .map(phone_digits)
        .filter(|d| d.len() >= 6);
    let mut found = Vec::new();
    for other in existing.iter().filter(|o| o.id != candidate.id) {
        let other_phone = other.phone.as_deref().map(phone_digits);
        if let (Some(a), Some(b)) = (&phone, &other_phone) {
            if national(a) == national(b) {
                found.push((other, DuplicateReason::SamePhone));
                continue;
            }
        }
        if candidate.date_of_birth.is_some()
            && candidate.date_of_birth == other.date_of_birth
            && similar_names(&candidate.full_name, &other.full_name)
        {
            found.push((other, DuplicateReason::SimilarNameSameBirthDate));
        }
    }
    found
}

/// What the registry holds about the patient a registry command names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegistryFacts {
    /// The patient id is registered; with its account if it has one.
    pub patient: Option<Option<crate::UserId>>,
    /// The patient number is already someone's (for a registration).
    pub number_owner: Option<PatientId>,
}

/// Judge a registration or an update of a patient's details against the policy, the rules of
/// the details and what the registry holds. `desk_code` is the number series granted to the
/// device the command came from. `Ok` is the record to write (an update's number and account
/// are the stored ones: the caller keeps them).
pub fn judge_registration(
    actor: crate::Actor,
    desk_code: Option<u32>,
    envelope: &crate::sync::CommandEnvelope,
    facts: &RegistryFacts,
    today: NaiveDate,
) -> Result<crate::sync::PatientRecord, crate::sync::Rejection> {
    use crate::sync::{Command, PatientRecord, Rejection, RejectionReason};
    use crate::{decide, Action};
    let refuse = Rejection::because;
    match &envelope.command {
        Command::RegisterPatient {
            patient,
            patient_number,
            demographics,
        } => {
            decide(actor, Action::RegisterPatient)
                .map_err(|_| refuse(RejectionReason::Forbidden))?;
            let mut fields = Vec::new();
            // Only in the series of the desk it came from (code 1, the server's own for
            // patients who sign themselves up, is never a desk's).
            if let Err(e) = crate::sync::check_desk_series(patient_number, desk_code) {
                fields.push(e);
            }
            if let Err(mut errors) = demographics.check(today) {
                fields.append(&mut errors);
            }
            if !fields.is_empty() {
                return Err(Rejection::new(RejectionReason::Invalid, fields));
            }
            if facts.patient.is_some() {
                return Err(refuse(RejectionReason::AlreadyRegistered));
            }
            if facts.number_owner.is_some_and(|owner| owner != *patient) {
                return Err(refuse(RejectionReason::PatientNumberTaken));
            }
            Ok(PatientRecord {
                id: *patient,
                patient_number: patient_number.clone(),
                demographics: demographics.clone(),
                account: None,
            })
        }
        Command::UpdatePatient {
            patient,
            demographics,
        } => {
            // The policy is asked before existence is told: a patient probing ids hears
            // "not allowed" for every id that is not theirs.
            let account = facts.patient.flatten();
            decide(actor, Action::UpdateRegisteredPatient { account })
                .map_err(|_| refuse(RejectionReason::Forbidden))?;
            if facts.patient.is_none() {
                return Err(refuse(RejectionReason::UnknownPatient));
            }
            demographics
                .check(today)
                .map_err(|fields| Rejection::new(RejectionReason::Invalid, fields))?;
            Ok(PatientRecord {
                id: *patient,
                // Filled in from the row by the caller: an update never renumbers.
                patient_number: String::new(),
                demographics: demographics.clone(),
                account,
            })
        }
        // Appointment commands, messages and the books have judges of their own.
        Command::BookAppointment { .. }
        | Command::StepAppointment { .. }
        | Command::SendMessage { .. }
        | Command::Bill { .. } => Err(refuse(RejectionReason::Malformed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patient(
        n: u128,
        number: &str,
        name: &str,
        phone: &str,
        born: Option<&str>,
    ) -> PatientSummary {
        PatientSummary {
            id: PatientId::from_uuid(uuid::Uuid::from_u128(n)),
            patient_number: number.into(),
            full_name: name.into(),
            phone: (!phone.is_empty()).then(|| phone.into()),
            date_of_birth: born.map(|d| d.parse().unwrap()),
        }
    }

    fn registry() -> Vec<PatientSummary> {
        vec![
            patient(
                1,
                "A-0001",
                "Rahima Khatun",
                "+880 1712-345678",
                Some("1990-04-14"),
            ),
            patient(
                2,
                "A-0002",
                "Abdul Rahman",
                "01811-223344",
                Some("1975-01-02"),
            ),
            patient(3, "B-0001", "রহিমা খাতুন", "০১৯১২-৩৪৫৬৭৮", Some("1988-02-29")),
            patient(4, "B-0002", "Fatema Rahman Chowdhury", "", None),
        ]
    }

    fn names(hits: Vec<&PatientSummary>) -> Vec<&str> {
        hits.into_iter().map(|p| p.full_name.as_str()).collect()
    }

    #[test]
    fn any_part_of_the_name_in_either_script() {
        let r = registry();
        assert_eq!(
            names(search("rah", &r, 10)),
            vec!["Rahima Khatun", "Abdul Rahman", "Fatema Rahman Chowdhury"]
        );
        assert_eq!(names(search("khatun", &r, 10)), vec!["Rahima Khatun"]);
        assert_eq!(names(search("রহি", &r, 10)), vec!["রহিমা খাতুন"]);
        assert_eq!(
            names(search("fat chow", &r, 10)),
            vec!["Fatema Rahman Chowdhury"]
        );
        assert!(search("zzz", &r, 10).is_empty());
    }

    #[test]
    fn a_whole_word_ranks_above_a_prefix() {
        let r = registry();
        assert_eq!(
            names(search("rahman", &r, 10)),
            vec!["Abdul Rahman", "Fatema Rahman Chowdhury"]
        );
        assert_eq!(names(search("rahima", &r, 1)), vec!["Rahima Khatun"]);
    }

    #[test]
    fn phones_match_in_any_spelling_and_digits() {
        let r = registry();
        for typed in [
            "01712345678",
            "+8801712345678",
            "1712-345678",
            "712345678",
            "০১৭১২৩৪৫৬৭৮",
        ] {
            assert_eq!(
                names(search(typed, &r, 10)),
                vec!["Rahima Khatun"],
                "{typed}"
            );
        }
        assert_eq!(
            names(search("01912345678", &r, 10)),
            vec!["রহিমা খাতুন"],
            "Bangla digits stored"
        );
        assert_eq!(
            search("345678", &r, 10).len(),
            2,
            "a shared ending finds both"
        );
        assert!(
            search("999", &r, 10).is_empty(),
            "three digits are too few to search phones"
        );
    }

    #[test]
    fn the_patient_number_first() {
        let r = registry();
        assert_eq!(names(search("b-0001", &r, 10)), vec!["রহিমা খাতুন"]);
        assert_eq!(
            names(search("A-", &r, 10)),
            vec!["Abdul Rahman", "Rahima Khatun"]
        );
    }

    #[test]
    fn the_same_phone_is_a_duplicate() {
        let r = registry();
        let new = patient(9, "", "R. Khatun", "01712 345678", None);
        let found = possible_duplicates(&new, &r);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].0.id, found[0].1),
            (r[0].id, DuplicateReason::SamePhone)
        );
    }

    #[test]
    fn a_similar_name_with_the_same_birth_date_is_a_duplicate() {
        let r = registry();
        let typo = patient(9, "", "Rahima Katun", "", Some("1990-04-14"));
        assert_eq!(
            possible_duplicates(&typo, &r)[0].1,
            DuplicateReason::SimilarNameSameBirthDate
        );
        let reordered = patient(9, "", "Khatun Rahima", "", Some("1990-04-14"));
        assert_eq!(possible_duplicates(&reordered, &r).len(), 1);
        let other_day = patient(9, "", "Rahima Khatun", "", Some("1991-04-14"));
        assert!(
            possible_duplicates(&other_day, &r).is_empty(),
            "namesakes born on other days are different people"
        );
        let other_name = patient(9, "", "Rokeya Begum", "", Some("1990-04-14"));
        assert!(possible_duplicates(&other_name, &r).is_empty());
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("রহিমা", "রহিম"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Names, phones and queries drawn from Latin, Bangla, digits and punctuation.
        fn text() -> impl Strategy<Value = String> {
            proptest::string::string_regex("[a-zA-Z০-৯0-9অ-হা-ৌ্ +().,'-]{0,24}").unwrap()
        }

        fn summary() -> impl Strategy<Value = PatientSummary> {
            (any::<u128>(), text(), text(), proptest::option::of(text())).prop_map(
                |(n, number, name, phone)| PatientSummary {
                    id: PatientId::from_uuid(uuid::Uuid::from_u128(n)),
                    patient_number: number,
                    full_name: name,
                    phone,
                    date_of_birth: None,
                },
            )
        }

        proptest! {
            #[test]
            fn search_returns_only_matches_best_first(query in text(), patients in proptest::collection::vec(summary(), 0..20)) {
                let hits = search(&query, &patients, 50);
                let ranks: Vec<u32> = hits.iter().map(|p| search_rank(&query, p).expect("every hit matches")).collect();
                prop_assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
                let matching = patients.iter().filter(|p| search_rank(&query, p).is_some()).count();
                prop_assert_eq!(hits.len(), matching.min(50));
            }

            #[test]
            fn a_patient_is_never_their_own_duplicate(p in summary(), others in proptest::collection::vec(summary(), 0..10)) {
                let mut all = others;
                all.push(p.clone());
                prop_assert!(possible_duplicates(&p, &all).iter().all(|(o, _)| o.id != p.id));
            }

            #[test]
            fn edit_distance_is_symmetric_and_bounded(a in text(), b in text()) {
                let d = edit_distance(&a, &b);
                prop_assert_eq!(d, edit_distance(&b, &a));
                prop_assert!(d <= a.chars().count().max(b.chars().count()));
                prop_assert_eq!(edit_distance(&a, &a), 0);
            }
        }
    }
}
