//! English and Bangla through Fluent. The translation files live in `ui/locales/`.

use std::borrow::Cow;

use clinic_core::account::{FieldError, FieldProblem};
use clinic_core::booking::BookingProblem;
use clinic_core::ipc::{IpcError, Language};
use clinic_core::wire::ErrorCode;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

const ENGLISH: &str = include_str!("../locales/en.ftl");
const BANGLA: &str = include_str!("../locales/bn.ftl");

struct Bundles {
    en: FluentBundle<FluentResource>,
    bn: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let resource =
        FluentResource::try_new(source.to_owned()).expect("translation files parse (tested)");
    let mut bundle = FluentBundle::new(vec![lang.parse().expect("valid language tag")]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .expect("no duplicate messages (tested)");
    bundle
}

thread_local! {
    static BUNDLES: Bundles = Bundles { en: bundle("en", ENGLISH), bn: bundle("bn", BANGLA) };
}

/// The text of `key` in `lang`, with `args` filled in. A missing translation falls back to
/// English, then to the key itself — never a blank.
pub fn text_with(lang: Language, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    BUNDLES.with(|b| {
        let primary = match lang {
            Language::English => &b.en,
            Language::Bangla => &b.bn,
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for bundle in [primary, &b.en] {
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let out: Cow<str> = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                return out.into_owned();
            }
        }
        key.to_owned()
    })
}

pub fn text(lang: Language, key: &str) -> String {
    text_with(lang, key, &[])
}

/// An appointment's status in words.
pub fn status_label(lang: Language, status: clinic_core::appointment::Status) -> String {
    text(lang, &format!("appointment-status-{}", status.as_str()))
}

/// A field problem in the person's language.
pub fn field_message(lang: Language, error: &FieldError) -> String {
    let (key, args): (&str, Vec<(&str, FluentValue)>) = match &error.problem {
        FieldProblem::Required => ("field-required", vec![]),
        FieldProblem::TooShort { min } => ("field-too_short", vec![("min", (*min as u64).into())]),
        FieldProblem::TooLong { max } => ("field-too_long", vec![("max", (*max as u64).into())]),
        FieldProblem::NotAnEmail => ("field-not_an_email", vec![]),
        FieldProblem::NotAPhoneNumber => ("field-not_a_phone_number", vec![]),
        FieldProblem::NotAnAmount => ("field-not_an_amount", vec![]),
        FieldProblem::NotADate => ("field-not_a_date", vec![]),
        FieldProblem::InTheFuture => ("field-in_the_future", vec![]),
        FieldProblem::UnknownRole => ("field-unknown_role", vec![]),
        FieldProblem::AlreadyRegistered => ("field-already_registered", vec![]),
        FieldProblem::NotTrimmed => ("field-not_trimmed", vec![]),
        FieldProblem::NotAPatientNumber => ("field-not_a_patient_number", vec![]),
        FieldProblem::NotThisDesksSeries => ("field-not_this_desks_series", vec![]),
        FieldProblem::InvalidCharacters => ("field-invalid_characters", vec![]),
        FieldProblem::OutOfRange { min, max } => (
            "field-out_of_range",
            vec![("min", (*min).into()), ("max", (*max).into())],
        ),
        FieldProblem::TooFarAhead { max_days } => (
            "field-too_far_ahead",
            vec![("days", u64::from(*max_days).into())],
        ),
        FieldProblem::EndsBeforeItStarts => ("field-ends_before_it_starts", vec![]),
        FieldProblem::NotAChoice => ("field-not_a_choice", vec![]),
        FieldProblem::NotWorkingHours => ("field-not_working_hours", vec![]),
        FieldProblem::Overlapping => ("field-overlapping", vec![]),
        FieldProblem::NotBelowSystolic => ("field-not_below_systolic", vec![]),
        FieldProblem::FileTooLarge { max_kib } => (
            "field-file_too_large",
            vec![("megabytes", max_kib.div_ceil(1024).into())],
        ),
        FieldProblem::NotAcceptedFile { found } => (
            "field-not_accepted_file",
            vec![(
                "found",
                found.clone().unwrap_or_else(|| "?".to_owned()).into(),
            )],
        ),
        FieldProblem::SlotUnavailable { booking } => (
            match booking {
                BookingProblem::InThePast => "slot-in_the_past",
                BookingProblem::OnLeave => "slot-on_leave",
                BookingProblem::OutsideHours => "slot-outside_hours",
                BookingProblem::DayFull => "slot-day_full",
                BookingProblem::SlotTaken => "slot-slot_taken",
                BookingProblem::Overlapping => "slot-overlapping",
                BookingProblem::NotASlotTime => "slot-not_a_slot_time",
            },
            vec![],
        ),
    };
    text_with(lang, key, &args)
}

/// An error from a command in the person's language; unknown cases keep the server's sentence.
pub fn error_message(lang: Language, error: &IpcError) -> String {
    if let Some(refusal) = error.billing.as_deref() {
        return billing_message(lang, refusal);
    }
    if let Some(desk) = &error.desk {
        let args: Vec<(&str, FluentValue<'_>)> = desk
            .args()
            .into_iter()
            .map(|(name, value)| (name, FluentValue::from(value)))
            .collect();
        return text_with(lang, &format!("desk-error-{}", desk.key()), &args);
    }
    if let (Some(reason), true) = (error.refused, error.fields.is_empty()) {
        return text_with(
            lang,
            "error-refused",
            &[("reason", rejection_reason(lang, reason).into())],
        );
    }
    let key = match error.code {
        ErrorCode::InvalidCredentials => "error-invalid_credentials",
        ErrorCode::TooManyAttempts if lang == Language::English => return error.message.clone(),
        ErrorCode::TooManyAttempts => "error-too_many_attempts",
        ErrorCode::Validation => "error-validation",
        ErrorCode::NotSignedIn => "error-not_signed_in",
        ErrorCode::SessionExpired => "error-session_expired",
        ErrorCode::Forbidden => "error-forbidden",
        ErrorCode::ServerUnreachable => "error-server_unreachable",
        ErrorCode::StaffInPatientApp => "error-staff_in_patient_app",
        ErrorCode::PatientInStaffApp => "error-patient_in_staff_app",
        ErrorCode::Locked => "error-locked",
        ErrorCode::MediaPermissionNeeded => "error-media_permission_needed",
        _ => {
            return text_with(
                lang,
                "error-other",
                &[("message", error.message.clone().into())],
            )
        }
    };
    text(lang, key)
}

/// Why the billing judge refused a change to the books, with its amounts in the person's
/// digits.
pub fn billing_message(lang: Language, refusal: &clinic_core::billing::BillingRefusal) -> String {
    use clinic_core::billing::{BillingProblem as P, BillingRefusal as R};
    let bangla = lang == Language::Bangla;
    let digits = |n: usize| {
        if bangla {
            clinic_core::money::bangla(&n.to_string())
        } else {
            n.to_string()
        }
    };
    let (key, args): (String, Vec<(&str, String)>) = match refusal {
        R::Problem(problem) => {
            let args = match problem {
                P::BadQuantity { line }
                | P::BadPrice { line }
                | P::BadDescription { line }
                | P::DiscountAboveLine { line }
                | P::DiscountWithoutReason { line }
                | P::BadTax { line } => vec![("line", digits(*line))],
                P::MoreThanDue { due: amount } | P::MoreThanPaid { refundable: amount } => {
                    vec![("amount", amount.display(bangla))]
                }
                P::WrongCurrency { expected } => vec![("currency", expected.code().to_owned())],
                _ => vec![],
            };
            (format!("billing-{}", problem.code()), args)
        }
        other => {
            let code = serde_json::to_value(other)
                .ok()
                .and_then(|v| v["refused"].as_str().map(str::to_owned))
                .unwrap_or_default();
            (format!("billing-{code}"), vec![])
        }
    };
    let args: Vec<(&str, FluentValue<'_>)> = args
        .into_iter()
        .map(|(name, value)| (name, FluentValue::from(value)))
        .collect();
    text_with(lang, &key, &args)
}

/// Why a judge refused a change, as the end of a sentence ("… the doctor is on leave that day.").
pub fn rejection_reason(lang: Language, reason: clinic_core::sync::RejectionReason) -> String {
    let key = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "malformed".to_owned());
    text(lang, &format!("rejected-reason-{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
            .filter(|k| !k.starts_with('#') && !k.is_empty())
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        assert_eq!(keys(ENGLISH), keys(BANGLA));
        let _ = bundle("en", ENGLISH);
        let _ = bundle("bn", BANGLA);
    }

    #[test]
    fn arguments_are_filled_in_both_languages() {
        let args = [("name", FluentValue::from("Shirin"))];
        assert_eq!(
            text_with(Language::English, "home-welcome", &args),
            "Welcome, Shirin"
        );
        assert_eq!(
            text_with(Language::Bangla, "home-welcome", &args),
            "স্বাগতম, Shirin"
        );
    }

    #[test]
    fn field_problems_are_translated() {
        let e = FieldError::new("password", FieldProblem::TooShort { min: 10 });
        assert_eq!(
            field_message(Language::English, &e),
            "Use at least 10 characters."
        );
        assert_eq!(field_message(Language::Bangla, &e), "কমপক্ষে 10টি অক্ষর দিন।");
    }

    #[test]
    fn a_change_a_judge_refused_says_why_in_both_languages() {
        use clinic_core::sync::{Rejection, RejectionReason};
        let error = IpcError::from(Rejection::because(RejectionReason::DoctorNotVerified));
        assert_eq!(
            error_message(Language::English, &error),
            "This was not done: the doctor's credentials are not verified yet."
        );
        assert_eq!(
            error_message(Language::Bangla, &error),
            "এটি করা হয়নি: ডাক্তারের সনদ এখনও যাচাই করা হয়নি।"
        );
    }

    #[test]
    fn everything_the_desk_can_refuse_is_worded_in_both_languages() {
        for error in clinic_core::desk_error::DeskError::examples() {
            let ipc = IpcError::from(error.clone());
            let key = format!("desk-error-{}", error.key());
            for lang in [Language::English, Language::Bangla] {
                let said = error_message(lang, &ipc);
                assert_ne!(said, key, "{lang:?} has no words for {key}");
                assert!(
                    !said.contains('{'),
                    "{key}: an argument left unfilled: {said}"
                );
            }
            assert_eq!(
                error_message(Language::English, &ipc).replace(['\u{2068}', '\u{2069}'], ""),
                error.to_string(),
                "the English words are the desk's own"
            );
        }
    }

    #[test]
    fn every_refusal_of_the_books_is_worded_in_both_languages_with_its_amounts() {
        use clinic_core::billing::{BillingProblem as P, BillingRefusal as R};
        use clinic_core::money::{Currency, Money};
        let due = Money::new(125_050, Currency::BDT);
        let problems = [
            P::NoLines,
            P::TooManyLines,
            P::BadQuantity { line: 2 },
            P::BadPrice { line: 2 },
            P::BadDescription { line: 2 },
            P::DiscountAboveLine { line: 2 },
            P::DiscountWithoutReason { line: 2 },
            P::BadTax { line: 2 },
            P::WrongCurrency {
                expected: Currency::BDT,
            },
            P::TooLarge,
            P::NotPositive,
            P::InvoiceVoid,
            P::NotADraft,
            P::NotIssued,
            P::MoreThanDue { due },
            P::NothingDue,
            P::MoreThanPaid { refundable: due },
            P::PaidInvoiceCannotBeVoided,
            P::ReasonRequired,
            P::ReferenceRequired,
            P::AlreadyRecorded,
        ];
        let refusals = [
            R::Forbidden,
            R::UnknownInvoice,
            R::UnknownPatient,
            R::UnknownAppointment,
            R::AppointmentOfAnotherPatient,
            R::NumberTaken,
            R::NotThisDesksSeries,
            R::InvoiceChanged,
        ]
        .into_iter()
        .chain(problems.into_iter().map(R::Problem));
        for refusal in refusals {
            let error = IpcError::from(refusal.clone());
            for lang in [Language::English, Language::Bangla] {
                let said = error_message(lang, &error);
                assert!(
                    !said.starts_with("billing-"),
                    "{lang:?} has no words for {refusal:?}"
                );
                assert!(!said.contains('{'), "{refusal:?}: {said}");
            }
        }
        let over = IpcError::from(R::Problem(P::MoreThanDue { due }));
        assert!(error_message(Language::English, &over).contains("1,250.50"));
        assert!(error_message(Language::Bangla, &over).contains("১,২৫০.৫০"));
        let line = IpcError::from(R::Problem(P::BadPrice { line: 2 }));
        assert!(error_message(Language::Bangla, &line).contains('২'));
    }

    #[test]
    fn an_unknown_key_shows_itself_not_a_blank() {
        assert_eq!(text(Language::Bangla, "no-such-key"), "no-such-key");
    }
}
