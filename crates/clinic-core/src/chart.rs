//! The clinical summary at the top of a patient's chart: recorded allergies and conditions.
//! Doctors who care for the patient keep it; prescriptions are checked against its allergies.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem};
use crate::prescription::Allergy;

pub const MAX_ENTRIES: usize = 50;
const MAX_TEXT: usize = 120;

/// A long-standing condition: "Type 2 diabetes", since 2019.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub name: String,
    #[serde(default)]
    pub since: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalSummary {
    #[serde(default)]
    pub allergies: Vec<Allergy>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

fn text(out: &mut Vec<FieldError>, field: String, value: &str, required: bool) {
    let value = value.trim();
    if value.is_empty() && required {
        out.push(FieldError::new(&field, FieldProblem::Required));
    } else if value.chars().count() > MAX_TEXT {
        out.push(FieldError::new(
            &field,
            FieldProblem::TooLong { max: MAX_TEXT },
        ));
    } else if value.chars().any(char::is_control) {
        out.push(FieldError::new(&field, FieldProblem::InvalidCharacters));
    }
}

impl ClinicalSummary {
    /// Each entry's problem, named `allergies.N.substance`, `conditions.N.name`, ….
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut out = Vec::new();
        for (list, len) in [
            ("allergies", self.allergies.len()),
            ("conditions", self.conditions.len()),
        ] {
            if len > MAX_ENTRIES {
                out.push(FieldError::new(
                    list,
                    FieldProblem::TooLong { max: MAX_ENTRIES },
                ));
            }
        }
        for (i, a) in self.allergies.iter().enumerate() {
            text(
                &mut out,
                format!("allergies.{i}.substance"),
                &a.substance,
                true,
            );
            text(
                &mut out,
                format!("allergies.{i}.reaction"),
                &a.reaction,
                false,
            );
        }
        for (i, c) in self.conditions.iter().enumerate() {
            text(&mut out, format!("conditions.{i}.name"), &c.name, true);
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// Allergies as typed on one line each: `Penicillin — rash` (or `Penicillin: rash`,
    /// `Penicillin - rash`, or the substance alone); blank lines skipped.
    pub fn read_allergies(typed: &str) -> Vec<Allergy> {
        typed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let split = ["—", " - ", ":", "–"]
                    .iter()
                    .find_map(|sep| line.split_once(sep));
                match split {
                    Some((substance, reaction)) => Allergy {
                        substance: substance.trim().to_owned(),
                        reaction: reaction.trim().to_owned(),
                    },
                    None => Allergy {
                        substance: line.to_owned(),
                        reaction: String::new(),
                    },
                }
            })
            .collect()
    }

    /// The allergies written back one per line, as [`ClinicalSummary::read_allergies`] reads them.
    pub fn write_allergies(allergies: &[Allergy]) -> String {
        allergies
            .iter()
            .map(|a| {
                if a.reaction.is_empty() {
                    a.substance.clone()
                } else {
                    format!("{} — {}", a.substance, a.reaction)
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Conditions typed one per line (a trailing `(since 2019)` is not read: the name is kept
    /// whole).
    pub fn read_conditions(typed: &str) -> Vec<Condition> {
        typed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|name| Condition {
                name: name.to_owned(),
                since: None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allergies_are_read_and_written_one_per_line() {
        let typed = "Penicillin — rash\n\n  Sulfa: hives \nPeanuts";
        let read = ClinicalSummary::read_allergies(typed);
        assert_eq!(
            read,
            vec![
                Allergy {
                    substance: "Penicillin".into(),
                    reaction: "rash".into()
                },
                Allergy {
                    substance: "Sulfa".into(),
                    reaction: "hives".into()
                },
                Allergy {
                    substance: "Peanuts".into(),
                    reaction: String::new()
                },
            ]
        );
        let written = ClinicalSummary::write_allergies(&read);
        assert_eq!(ClinicalSummary::read_allergies(&written), read);
    }

    #[test]
    fn entries_are_checked() {
        let summary = ClinicalSummary {
            allergies: vec![Allergy {
                substance: " ".into(),
                reaction: String::new(),
            }],
            conditions: vec![Condition {
                name: "x".repeat(121),
                since: None,
            }],
        };
        let fields: Vec<String> = summary
            .check()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["allergies.0.substance", "conditions.0.name"]);
        assert!(ClinicalSummary::default().check().is_ok());
    }
}
