//! Amounts in words, as an invoice or a receipt writes them under the figures: "One thousand two
//! hundred fifty taka and fifty paisa only" / "এক হাজার দুইশত পঞ্চাশ টাকা পঞ্চাশ পয়সা মাত্র". The
//! taka (and the rupee) count in lakhs and crores, in both languages.

use crate::ipc::Language;
use crate::money::{Currency, Money};

const BANGLA_0_99: [&str; 100] = [
    "শূন্য",
    "এক",
    "দুই",
    "তিন",
    "চার",
    "পাঁচ",
    "ছয়",
    "সাত",
    "আট",
    "নয়",
    "দশ",
    "এগারো",
    "বারো",
    "তেরো",
    "চৌদ্দ",
    "পনেরো",
    "ষোলো",
    "সতেরো",
    "আঠারো",
    "উনিশ",
    "বিশ",
    "একুশ",
    "বাইশ",
    "তেইশ",
    "চব্বিশ",
    "পঁচিশ",
    "ছাব্বিশ",
    "সাতাশ",
    "আটাশ",
    "ঊনত্রিশ",
    "ত্রিশ",
    "একত্রিশ",
    "বত্রিশ",
    "তেত্রিশ",
    "চৌত্রিশ",
    "পঁয়ত্রিশ",
    "ছত্রিশ",
    "সাঁইত্রিশ",
    "আটত্রিশ",
    "ঊনচল্লিশ",
    "চল্লিশ",
    "একচল্লিশ",
    "বিয়াল্লিশ",
    "তেতাল্লিশ",
    "চুয়াল্লিশ",
    "পঁয়তাল্লিশ",
    "ছেচল্লিশ",
    "সাতচল্লিশ",
    "আটচল্লিশ",
    "ঊনপঞ্চাশ",
    "পঞ্চাশ",
    "একান্ন",
    "বায়ান্ন",
    "তিপ্পান্ন",
    "চুয়ান্ন",
    "পঞ্চান্ন",
    "ছাপ্পান্ন",
    "সাতান্ন",
    "আটান্ন",
    "ঊনষাট",
    "ষাট",
    "একষট্টি",
    "বাষট্টি",
    "তেষট্টি",
    "চৌষট্টি",
    "পঁয়ষট্টি",
    "ছেষট্টি",
    "সাতষট্টি",
    "আটষট্টি",
    "ঊনসত্তর",
    "সত্তর",
    "একাত্তর",
    "বাহাত্তর",
    "তিয়াত্তর",
    "চুয়াত্তর",
    "পঁচাত্তর",
    "ছিয়াত্তর",
    "সাতাত্তর",
    "আটাত্তর",
    "ঊনআশি",
    "আশি",
    "একাশি",
    "বিরাশি",
    "তিরাশি",
    "চুরাশি",
    "পঁচাশি",
    "ছিয়াশি",
    "সাতাশি",
    "আটাশি",
    "ঊননব্বই",
    "নব্বই",
    "একানব্বই",
    "বিরানব্বই",
    "তিরানব্বই",
    "চুরানব্বই",
    "পঁচানব্বই",
    "ছিয়ানব্বই",
    "সাতানব্বই",
    "আটানব্বই",
    "নিরানব্বই",
];

const ENGLISH_0_19: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const ENGLISH_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn english_below_100(n: u64) -> String {
    match n {
        0..=19 => ENGLISH_0_19[n as usize].to_owned(),
        _ if n.is_multiple_of(10) => ENGLISH_TENS[(n / 10) as usize].to_owned(),
        _ => format!(
            "{}-{}",
            ENGLISH_TENS[(n / 10) as usize],
            ENGLISH_0_19[(n % 10) as usize]
        ),
    }
}

fn below_1000(n: u64, language: Language) -> Vec<String> {
    let mut words = Vec::new();
    let (hundreds, rest) = (n / 100, n % 100);
    match language {
        Language::English => {
            if hundreds > 0 {
                words.push(format!("{} hundred", ENGLISH_0_19[hundreds as usize]));
            }
            if rest > 0 {
                words.push(english_below_100(rest));
            }
        }
        Language::Bangla => {
            if hundreds > 0 {
                words.push(format!("{}শত", BANGLA_0_99[hundreds as usize]));
            }
            if rest > 0 {
                words.push(BANGLA_0_99[rest as usize].to_owned());
            }
        }
    }
    words
}

/// A whole number in words; counted in lakhs and crores when `lakhs`, else in thousands,
/// millions and billions (English only; Bangla always counts in lakhs).
pub fn number_in_words(n: u64, language: Language, lakhs: bool) -> String {
    if n == 0 {
        return match language {
            Language::English => "zero".to_owned(),
            Language::Bangla => BANGLA_0_99[0].to_owned(),
        };
    }
    let mut words = Vec::new();
    if lakhs || language == Language::Bangla {
        let (crore_word, lakh_word, thousand_word) = match language {
            Language::English => ("crore", "lakh", "thousand"),
            Language::Bangla => ("কোটি", "লাখ", "হাজার"),
        };
        let crores = n / 10_000_000;
        if crores > 0 {
            words.push(format!(
                "{} {crore_word}",
                number_in_words(crores, language, true)
            ));
        }
        let rest = n % 10_000_000;
        for (value, word) in [
            (rest / 100_000, lakh_word),
            (rest / 1_000 % 100, thousand_word),
        ] {
            if value > 0 {
                words.extend(below_1000(value, language));
                words.push(word.to_owned());
            }
        }
        words.extend(below_1000(rest % 1_000, language));
    } else {
        let groups = [
            (1_000_000_000_000_000_000, "quintillion"),
            (1_000_000_000_000_000, "quadrillion"),
            (1_000_000_000_000, "trillion"),
            (1_000_000_000, "billion"),
            (1_000_000, "million"),
            (1_000, "thousand"),
        ];
        let mut rest = n;
        for (size, word) in groups {
            if rest >= size {
                words.extend(below_1000(rest / size, language));
                words.push(word.to_owned());
                rest %= size;
            }
        }
        words.extend(below_1000(rest, language));
    }
    words.join(" ")
}

/// What the currency's units are called.
fn unit_names(currency: Currency, language: Language) -> (String, String) {
    match (currency.code(), language) {
        ("BDT", Language::English) => ("taka".into(), "paisa".into()),
        ("BDT", Language::Bangla) => ("টাকা".into(), "পয়সা".into()),
        ("INR", Language::English) => ("rupees".into(), "paise".into()),
        ("INR", Language::Bangla) => ("রুপি".into(), "পয়সা".into()),
        (code, Language::English) => {
            let part = match currency.minor_digits() {
                3 => "thousandths",
                _ => "hundredths",
            };
            (code.to_owned(), format!("{part} of {code}"))
        }
        (code, Language::Bangla) => (code.to_owned(), format!("{code} এর ভগ্নাংশ")),
    }
}

/// The amount in words, ending "only" ("মাত্র") as a receipt writes it, starting with a capital.
pub fn amount_in_words(amount: Money, language: Language) -> String {
    let per = amount.currency.minor_per_major().unsigned_abs();
    let magnitude = amount.minor.unsigned_abs();
    let (major, minor) = (magnitude / per, magnitude % per);
    let lakhs = matches!(amount.currency.code(), "BDT" | "INR");
    let (major_unit, minor_unit) = unit_names(amount.currency, language);
    let mut text = format!("{} {major_unit}", number_in_words(major, language, lakhs));
    if minor > 0 {
        let and = match language {
            Language::English => " and ",
            Language::Bangla => " ",
        };
        text.push_str(&format!(
            "{and}{} {minor_unit}",
            number_in_words(minor, language, lakhs)
        ));
    }
    text.push_str(match language {
        Language::English => " only",
        Language::Bangla => " মাত্র",
    });
    if amount.minor < 0 {
        text = match language {
            Language::English => format!("minus {text}"),
            Language::Bangla => format!("ঋণাত্মক {text}"),
        };
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taka(minor: i64) -> Money {
        Money::new(minor, Currency::BDT)
    }

    fn whole_taka(major: i64) -> Money {
        Money::from_major(major, Currency::BDT).unwrap()
    }

    #[test]
    fn amounts_read_in_words_in_lakhs_in_both_languages() {
        assert_eq!(
            amount_in_words(taka(125_050), Language::English),
            "One thousand two hundred fifty taka and fifty paisa only"
        );
        assert_eq!(
            amount_in_words(taka(125_050), Language::Bangla),
            "এক হাজার দুইশত পঞ্চাশ টাকা পঞ্চাশ পয়সা মাত্র"
        );
        assert_eq!(
            amount_in_words(whole_taka(1_234_567), Language::English),
            "Twelve lakh thirty-four thousand five hundred sixty-seven taka only"
        );
        assert_eq!(
            amount_in_words(whole_taka(1_234_567), Language::Bangla),
            "বারো লাখ চৌত্রিশ হাজার পাঁচশত সাতষট্টি টাকা মাত্র"
        );
        assert_eq!(
            amount_in_words(whole_taka(250_000_000), Language::Bangla),
            "পঁচিশ কোটি টাকা মাত্র"
        );
        assert_eq!(
            amount_in_words(taka(0), Language::English),
            "Zero taka only"
        );
        assert_eq!(
            amount_in_words(taka(99), Language::Bangla),
            "শূন্য টাকা নিরানব্বই পয়সা মাত্র"
        );
        let usd = Currency::new("USD").unwrap();
        assert_eq!(
            amount_in_words(
                Money::from_major(123_456_789, usd).unwrap(),
                Language::English
            ),
            "One hundred twenty-three million four hundred fifty-six thousand seven hundred \
             eighty-nine USD only"
        );
    }

    #[test]
    fn a_currency_without_a_name_here_is_said_by_its_code_and_its_own_fraction() {
        let kwd = Currency::new("KWD").unwrap();
        assert_eq!(
            amount_in_words(Money::new(2_005, kwd), Language::English),
            "Two KWD and five thousandths of KWD only"
        );
    }

    #[test]
    fn every_bangla_number_below_a_hundred_has_its_own_word() {
        let distinct: std::collections::BTreeSet<&str> = BANGLA_0_99.iter().copied().collect();
        assert_eq!(distinct.len(), 100);
        assert_eq!(number_in_words(100_000, Language::Bangla, true), "এক লাখ");
        assert_eq!(
            number_in_words(101, Language::English, false),
            "one hundred one"
        );
    }
}
