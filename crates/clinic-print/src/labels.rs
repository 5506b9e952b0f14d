//! The words on printed documents, in English and Bangla (`locales/*.ftl`), and numbers written
//! the way each language writes them.

use clinic_core::ipc::Language;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

const ENGLISH: &str = include_str!("../locales/en.ftl");
const BANGLA: &str = include_str!("../locales/bn.ftl");

pub(crate) struct Labels {
    language: Language,
    primary: FluentBundle<FluentResource>,
    english: FluentBundle<FluentResource>,
}

fn bundle(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    let resource =
        FluentResource::try_new(source.to_owned()).expect("translation files parse (tested)");
    let mut bundle = FluentBundle::new(vec![tag.parse().expect("valid language tag")]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .expect("no duplicate messages (tested)");
    bundle
}

impl Labels {
    pub(crate) fn new(language: Language) -> Labels {
        Labels {
            language,
            primary: match language {
                Language::English => bundle("en", ENGLISH),
                Language::Bangla => bundle("bn", BANGLA),
            },
            english: bundle("en", ENGLISH),
        }
    }

    pub(crate) fn text(&self, key: &str) -> String {
        self.text_with(key, &[])
    }

    /// The words for `key`, falling back to English, then to the key (never a blank).
    pub(crate) fn text_with(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for bundle in [&self.primary, &self.english] {
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, Some(&fluent_args), &mut errors)
                    .into_owned();
            }
        }
        key.to_owned()
    }

    /// Digits as the language writes them (Bangla: ০১২৩৪৫৬৭৮৯).
    pub(crate) fn digits(&self, text: &str) -> String {
        match self.language {
            Language::English => text.to_owned(),
            Language::Bangla => text
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) if c.is_ascii_digit() => char::from_u32(0x09E6 + d).unwrap_or(c),
                    _ => c,
                })
                .collect(),
        }
    }

    /// "Tuesday 24 November 2026" / "মঙ্গলবার ২৪ নভেম্বর ২০২৬".
    pub(crate) fn long_date(&self, day: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let weekday = self.text(&format!("weekday-{}", day.weekday().number_from_monday()));
        let month = self.text(&format!("month-{}", day.month()));
        self.digits(&format!("{weekday} {} {month} {}", day.day(), day.year()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_words() {
        let keys = |source: &str| -> Vec<String> {
            source
                .lines()
                .filter(|l| !l.starts_with(' ') && l.contains(" = "))
                .map(|l| l.split(" = ").next().unwrap().trim().to_owned())
                .collect()
        };
        let mut en = keys(ENGLISH);
        let mut bn = keys(BANGLA);
        en.sort();
        bn.sort();
        assert_eq!(en, bn);
    }

    #[test]
    fn dates_and_digits_in_bangla() {
        let bn = Labels::new(Language::Bangla);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(bn.long_date(day), "মঙ্গলবার ২৪ নভেম্বর ২০২৬");
        assert_eq!(bn.digits("10:30"), "১০:৩০");
        let en = Labels::new(Language::English);
        assert_eq!(en.long_date(day), "Tuesday 24 November 2026");
    }
}
