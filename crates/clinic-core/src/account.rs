//! Rules for accounts and patient profiles: what a valid email, password, name, phone and birth
//! date look like. Each problem is a [`FieldError`] with a stable code the UI translates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 120;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const ADDRESS_MAX_CHARS: usize = 300;

/// What is wrong with one field. Serialised as `{"problem": "too_short", "min": 10}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum FieldProblem {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    NotAnEmail,
    NotAPhoneNumber,
    NotADate,
    InTheFuture,
    UnknownRole,
    AlreadyRegistered,
    /// Leading or trailing spaces, or an unnormalised value, in data that arrived parsed.
    NotTrimmed,
    /// Not a patient number of this clinic (digits, a dash, digits: `3-0042`).
    NotAPatientNumber,
    /// Invisible control characters (pasted tabs, line breaks, NUL).
    InvalidCharacters,
    /// A patient number outside the series of the desk that registered it.
    NotThisDesksSeries,
    /// A date further ahead than the clinic looks (slots, the directory).
    TooFarAhead {
        max_days: u32,
    },
    /// A number outside what the clinic allows.
    OutOfRange {
        min: u64,
        max: u64,
    },
    /// A time span (hours, a break, leave) that ends before it starts, or a break outside its
    /// session.
    EndsBeforeItStarts,
    /// Not one of the values offered (a language code, say).
    NotAChoice,
    /// Working hours that could not be read (`09:00-13:00 break 11:00-11:15; 17:00-20:00`).
    NotWorkingHours,
    /// Two sessions of a day overlap.
    Overlapping,
    /// A blood pressure's lower number is not below its upper one.
    NotBelowSystolic,
    /// Not an amount of money (`500`, `1,250.50`, in either script's digits).
    NotAnAmount,
    /// A file larger than the limit.
    FileTooLarge {
        max_kib: u64,
    },
    /// A file whose content is not an accepted kind; `found` names what it is, when known.
    NotAcceptedFile {
        found: Option<String>,
    },
    /// A time that cannot be booked, and why.
    SlotUnavailable {
        booking: crate::booking::BookingProblem,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: FieldProblem,
}

impl FieldError {
    pub fn new(field: &str, problem: FieldProblem) -> Self {
        Self {
            field: field.to_owned(),
            problem,
        }
    }

    /// An English sentence for logs, the command line and API clients that do not translate.
    pub fn english(&self) -> String {
        let what = match &self.problem {
            FieldProblem::Required => "is required".to_owned(),
            FieldProblem::TooShort { min } => format!("must be at least {min} characters"),
            FieldProblem::TooLong { max } => format!("must be at most {max} characters"),
            FieldProblem::NotAnEmail => "is not an email address (name@example.com)".to_owned(),
            FieldProblem::NotAPhoneNumber => {
                "is not a phone number (digits, spaces, + and - only)".to_owned()
            }
            FieldProblem::NotADate => "is not a date (use YYYY-MM-DD)".to_owned(),
            FieldProblem::InTheFuture => "cannot be in the future".to_owned(),
            FieldProblem::UnknownRole => "must be admin, doctor or front_desk".to_owned(),
            FieldProblem::AlreadyRegistered => "is already registered".to_owned(),
            FieldProblem::NotTrimmed => "has spaces or letters where they cannot be".to_owned(),
            FieldProblem::NotAPatientNumber => "is not a patient number (like 3-0042)".to_owned(),
            FieldProblem::NotThisDesksSeries => {
                "is not in this desk's series of numbers (sign in again at this desk)".to_owned()
            }
            FieldProblem::InvalidCharacters => {
                "has invisible characters (tabs or line breaks); retype it".to_owned()
            }
            FieldProblem::OutOfRange { min, max } => format!("must be between {min} and {max}"),
            FieldProblem::TooFarAhead { max_days } => {
                format!("is too far ahead: at most {max_days} days from today")
            }
            FieldProblem::EndsBeforeItStarts => {
                "ends before it starts (or a break lies outside its hours)".to_owned()
            }
            FieldProblem::NotAChoice => "is not one of the choices offered".to_owned(),
            FieldProblem::NotWorkingHours => {
                "is not working hours (like 09:00-13:00 break 11:00-11:15; 17:00-20:00)".to_owned()
            }
            FieldProblem::Overlapping => "has sessions that overlap".to_owned(),
            FieldProblem::NotBelowSystolic => {
                "must be below the systolic (upper) pressure".to_owned()
            }
            FieldProblem::NotAnAmount => "is not an amount (like 500 or 1,250.50)".to_owned(),
            FieldProblem::FileTooLarge { max_kib } => {
                format!("is too large: at most {} MB", max_kib.div_ceil(1024))
            }
            FieldProblem::NotAcceptedFile { found } => format!(
                "is not a PDF, JPEG or PNG file (its content is {})",
                found.as_deref().unwrap_or("of an unknown kind")
            ),
            FieldProblem::SlotUnavailable { booking } => {
                format!("cannot be booked: {booking}")
            }
        };
        format!("{} {what}", self.field.replace('_', " "))
    }
}

/// Sex as recorded in the patient's demographics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    /// The stable name stored in databases.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }

    /// The sex a stored name stands for; anything else is unknown.
    pub fn from_name(name: &str) -> Option<Sex> {
        [Sex::Female, Sex::Male, Sex::Other]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// Normalise an email for storage and lookup: trimmed and lower-cased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn check_email(email: &str, out: &mut Vec<FieldError>) {
    if has_control_characters(email) {
        out.push(FieldError::new("email", FieldProblem::InvalidCharacters));
        return;
    }
    let email = email.trim();
    if email.is_empty() {
        out.push(FieldError::new("email", FieldProblem::Required));
        return;
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        out.push(FieldError::new(
            "email",
            FieldProblem::TooLong {
                max: EMAIL_MAX_CHARS,
            },
        ));
        return;
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        out.push(FieldError::new("email", FieldProblem::NotAnEmail));
    }
}

/// Check a new password. Length is counted in characters, so Bangla passphrases count fairly.
pub fn check_password(password: &str, out: &mut Vec<FieldError>) {
    let n = password.chars().count();
    if n == 0 {
        out.push(FieldError::new("password", FieldProblem::Required));
    } else if n < PASSWORD_MIN_CHARS {
        out.push(FieldError::new(
            "password",
            FieldProblem::TooShort {
                min: PASSWORD_MIN_CHARS,
            },
        ));
    } else if n > PASSWORD_MAX_CHARS {
        out.push(FieldError::new(
            "password",
            FieldProblem::TooLong {
                max: PASSWORD_MAX_CHARS,
            },
        ));
    }
}

/// Control characters (a NUL, a stray tab or line break pasted in) have no place in a name or an
/// address, print as nothing, and some databases refuse them.
fn has_control_characters(text: &str) -> bool {
    text.chars().any(char::is_control)
}

pub(crate) fn check_name(field: &str, name: &str, out: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if has_control_characters(name) {
        out.push(FieldError::new(field, FieldProblem::InvalidCharacters));
    } else if n == 0 {
        out.push(FieldError::new(field, FieldProblem::Required));
    } else if n > NAME_MAX_CHARS {
        out.push(FieldError::new(
            field,
            FieldProblem::TooLong {
                max: NAME_MAX_CHARS,
            },
        ));
    }
}

fn check_phone(phone: Option<&str>, out: &mut Vec<FieldError>) {
    let Some(phone) = phone.map(str::trim).filter(|p| !p.is_empty()) else {
        return;
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    if !allowed || !(6..=15).contains(&digits) || phone[1..].contains('+') {
        out.push(FieldError::new("phone", FieldProblem::NotAPhoneNumber));
    }
}

/// Parse an optional `YYYY-MM-DD` birth date that may not lie after `today`.
fn parse_birth_date(
    text: Option<&str>,
    today: NaiveDate,
    out: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) if date > today => {
            out.push(FieldError::new("date_of_birth", FieldProblem::InTheFuture));
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            out.push(FieldError::new("date_of_birth", FieldProblem::NotADate));
            None
        }
    }
}

pub(crate) fn check_optional_length(
    field: &str,
    text: Option<&str>,
    max: usize,
    out: &mut Vec<FieldError>,
) {
    if text.is_some_and(has_control_characters) {
        out.push(FieldError::new(field, FieldProblem::InvalidCharacters));
    } else if text.is_some_and(|t| t.trim().chars().count() > max) {
        out.push(FieldError::new(field, FieldProblem::TooLong { max }));
    }
}

fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A patient's demographic profile after validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDemographics {
    pub full_name: String,
    pub sex: Option<Sex>,
    pub date_of_birth: Option<NaiveDate>,
    pub phone: Option<String>,
    /// A contact email (for a patient with an account, the account's email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub address: Option<String>,
    pub emergency_contact: Option<String>,
}

impl PatientDemographics {
    /// Check demographics that arrive already parsed (a synced command) with the same rules a
    /// form is checked with. `today` is the clinic's date.
    pub fn check(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        match DemographicsForm::from(self).validate(today) {
            Ok(parsed) => {
                let differs = [
                    ("full_name", parsed.full_name != self.full_name),
                    ("phone", parsed.phone != self.phone),
                    ("email", parsed.email != self.email),
                    ("address", parsed.address != self.address),
                    (
                        "emergency_contact",
                        parsed.emergency_contact != self.emergency_contact,
                    ),
                ];
                let errors: Vec<FieldError> = differs
                    .iter()
                    .filter(|(_, d)| *d)
                    .map(|(field, _)| FieldError::new(field, FieldProblem::NotTrimmed))
                    .collect();
                if errors.is_empty() {
                    Ok(())
                } else {
                    Err(errors)
                }
            }
            Err(errors) => Err(errors),
        }
    }
}

impl From<&PatientDemographics> for DemographicsForm {
    fn from(d: &PatientDemographics) -> Self {
        DemographicsForm {
            full_name: d.full_name.clone(),
            sex: d.sex,
            date_of_birth: d.date_of_birth.map(|b| b.to_string()),
            phone: d.phone.clone(),
            email: d.email.clone(),
            address: d.address.clone(),
            emergency_contact: d.emergency_contact.clone(),
        }
    }
}

/// The demographic fields as typed by a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemographicsForm {
    pub full_name: String,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Skipped when empty: a sign-up form carries the account's email beside these fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub emergency_contact: Option<String>,
}

impl DemographicsForm {
    /// Validate against `today` (the clinic's date, passed in: the core has no clock).
    pub fn validate(&self, today: NaiveDate) -> Result<PatientDemographics, Vec<FieldError>> {
        let mut errors = Vec::new();
        self.collect(today, &mut errors)
            .filter(|_| errors.is_empty())
            .ok_or(errors)
    }

    fn collect(&self, today: NaiveDate, out: &mut Vec<FieldError>) -> Option<PatientDemographics> {
        check_name("full_name", &self.full_name, out);
        check_phone(self.phone.as_deref(), out);
        if let Some(email) = self.email.as_deref().filter(|e| !e.trim().is_empty()) {
            check_email(email, out);
        }
        let date_of_birth = parse_birth_date(self.date_of_birth.as_deref(), today, out);
        check_optional_length("address", self.address.as_deref(), ADDRESS_MAX_CHARS, out);
        check_optional_length(
            "emergency_contact",
            self.emergency_contact.as_deref(),
            ADDRESS_MAX_CHARS,
            out,
        );
        Some(PatientDemographics {
            full_name: self.full_name.trim().to_owned(),
            sex: self.sex,
            date_of_birth,
            phone: trimmed(self.phone.as_deref()),
            email: trimmed(self.email.as_deref()).map(|e| normalise_email(&e)),
            address: trimmed(self.address.as_deref()),
            emergency_contact: trimmed(self.emergency_contact.as_deref()),
        })
    }
}

/// A patient signing themselves up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpForm {
    pub email: String,
    pub password: String,
    #[serde(flatten)]
    pub demographics: DemographicsForm,
}

/// A valid sign-up: email normalised, demographics parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSignUp {
    pub email: String,
    pub password: String,
    pub demographics: PatientDemographics,
}

impl SignUpForm {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidSignUp, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_email(&self.email, &mut errors);
        check_password(&self.password, &mut errors);
        let demographics =
            self.demographics
                .collect(today, &mut errors)
                .map(|d| PatientDemographics {
                    email: Some(normalise_email(&self.email)),
                    ..d
                });
        match demographics {
            Some(demographics) if errors.is_empty() => Ok(ValidSignUp {
                email: normalise_email(&self.email),
                password: self.password.clone(),
                demographics,
            }),
            _ => Err(errors),
        }
    }
}

/// An admin creating a staff account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccountForm {
    pub email: String,
    pub display_name: String,
    /// Free text so that an unknown role becomes a field message, not a parse failure.
    pub role: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidStaffAccount {
    pub email: String,
    pub display_name: String,
    pub role: crate::Role,
    pub password: String,
}

impl StaffAccountForm {
    pub fn validate(&self) -> Result<ValidStaffAccount, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_email(&self.email, &mut errors);
        check_name("display_name", &self.display_name, &mut errors);
        check_password(&self.password, &mut errors);
        let role = match self.role.trim().parse::<crate::Role>() {
            Ok(role) if role.is_staff() => Some(role),
            _ => {
                errors.push(FieldError::new("role", FieldProblem::UnknownRole));
                None
            }
        };
        match role {
            Some(role) if errors.is_empty() => Ok(ValidStaffAccount {
                email: normalise_email(&self.email),
                display_name: self.display_name.trim().to_owned(),
                role,
                password: self.password.clone(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn sign_up(email: &str, password: &str, name: &str) -> SignUpForm {
        SignUpForm {
            email: email.into(),
            password: password.into(),
            demographics: DemographicsForm {
                full_name: name.into(),
                ..Default::default()
            },
        }
    }

    fn problems(errors: &[FieldError]) -> Vec<(&str, &FieldProblem)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), &e.problem))
            .collect()
    }

    #[test]
    fn a_valid_sign_up_is_normalised() {
        let ok = sign_up("  Rahima@Example.COM ", "long enough pass", " রহিমা খাতুন ")
            .validate(today())
            .unwrap();
        assert_eq!(ok.email, "rahima@example.com");
        assert_eq!(ok.demographics.full_name, "রহিমা খাতুন");
    }

    #[test]
    fn a_short_password_is_a_field_message() {
        let errors = sign_up("a@b.co", "short", "Karim")
            .validate(today())
            .unwrap_err();
        assert_eq!(
            problems(&errors),
            vec![(
                "password",
                &FieldProblem::TooShort {
                    min: PASSWORD_MIN_CHARS
                }
            )]
        );
        assert_eq!(
            errors[0].english(),
            "password must be at least 10 characters"
        );
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        // Nine Bangla characters are 27 bytes but still too short.
        let nine = "অআইঈউঊঋএঐ";
        assert_eq!(nine.chars().count(), 9);
        let errors = sign_up("a@b.co", nine, "Karim")
            .validate(today())
            .unwrap_err();
        assert_eq!(
            problems(&errors),
            vec![("password", &FieldProblem::TooShort { min: 10 })]
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut form = sign_up("not-an-email", "", "");
        form.demographics.phone = Some("call me".into());
        form.demographics.date_of_birth = Some("2030-01-01".into());
        let errors = form.validate(today()).unwrap_err();
        assert_eq!(
            problems(&errors),
            vec![
                ("email", &FieldProblem::NotAnEmail),
                ("password", &FieldProblem::Required),
                ("full_name", &FieldProblem::Required),
                ("phone", &FieldProblem::NotAPhoneNumber),
                ("date_of_birth", &FieldProblem::InTheFuture),
            ]
        );
    }

    #[test]
    fn emails_and_phones() {
        for bad in [
            "a@b",
            "@b.com",
            "a b@c.com",
            "a@@b.com",
            "a@.com",
            "a@b.com.",
        ] {
            let errors = sign_up(bad, "long enough pass", "X")
                .validate(today())
                .unwrap_err();
            assert_eq!(
                problems(&errors),
                vec![("email", &FieldProblem::NotAnEmail)],
                "{bad}"
            );
        }
        for (phone, ok) in [
            ("+880 1712-345678", true),
            ("01712345678", true),
            ("12345", false),
            ("+88+01712345678", false),
            ("০১৭১২৩৪৫৬৭৮", false),
        ] {
            let mut form = sign_up("a@b.co", "long enough pass", "X");
            form.demographics.phone = Some(phone.into());
            assert_eq!(form.validate(today()).is_ok(), ok, "{phone}");
        }
    }

    #[test]
    fn birth_dates_must_parse_and_not_be_future() {
        let form = DemographicsForm {
            full_name: "X".into(),
            date_of_birth: Some("23/11/1990".into()),
            ..Default::default()
        };
        let errors = form.validate(today()).unwrap_err();
        assert_eq!(
            problems(&errors),
            vec![("date_of_birth", &FieldProblem::NotADate)]
        );
        let form = DemographicsForm {
            full_name: "X".into(),
            date_of_birth: Some("1990-11-23".into()),
            ..Default::default()
        };
        assert_eq!(
            form.validate(today()).unwrap().date_of_birth,
            NaiveDate::from_ymd_opt(1990, 11, 23)
        );
    }

    #[test]
    fn staff_roles_only() {
        let mut form = StaffAccountForm {
            email: "desk@clinic.test".into(),
            display_name: "Desk".into(),
            role: "front_desk".into(),
            password: "long enough pass".into(),
        };
        assert_eq!(form.validate().unwrap().role, crate::Role::FrontDesk);
        for role in ["patient", "superuser", ""] {
            form.role = role.into();
            let errors = form.validate().unwrap_err();
            assert_eq!(
                problems(&errors),
                vec![("role", &FieldProblem::UnknownRole)],
                "{role}"
            );
        }
    }

    #[test]
    fn sex_names_round_trip_and_match_the_wire() {
        for sex in [Sex::Female, Sex::Male, Sex::Other] {
            assert_eq!(Sex::from_name(sex.as_str()), Some(sex));
            assert_eq!(
                serde_json::to_string(&sex).unwrap(),
                format!("\"{}\"", sex.as_str())
            );
        }
        assert_eq!(Sex::from_name("unknown"), None);
    }

    #[test]
    fn field_errors_have_a_stable_wire_shape() {
        let e = FieldError::new("password", FieldProblem::TooShort { min: 10 });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"field": "password", "problem": "too_short", "min": 10})
        );
        assert_eq!(serde_json::from_value::<FieldError>(json).unwrap(), e);
    }

    #[test]
    fn invisible_characters_in_a_name_or_address_are_refused() {
        let form = DemographicsForm {
            full_name: "Rahima\u{0}Khatun".into(),
            address: Some("House 4\tRoad 2".into()),
            ..Default::default()
        };
        let errors = form
            .validate(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
            .unwrap_err();
        let problems: Vec<(&str, &FieldProblem)> = errors
            .iter()
            .map(|e| (e.field.as_str(), &e.problem))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("full_name", &FieldProblem::InvalidCharacters),
                ("address", &FieldProblem::InvalidCharacters)
            ]
        );
    }
}
