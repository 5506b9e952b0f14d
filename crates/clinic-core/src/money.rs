//! Money as the clinic counts it: whole minor units (paisa for the taka) with their currency, never
//! floats. Every sum is checked (an overflow is an error, not a wrapped amount), amounts in two
//! currencies never mix, and fractions of a minor unit — from a percentage — are rounded by one
//! rule, [`round_half_away`], in one place.

use serde::{Deserialize, Serialize};

mod words;
pub use words::{amount_in_words, number_in_words};

/// An ISO 4217 currency code (`BDT`, `USD`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Why an amount could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not a currency code (three capital letters, such as BDT)")]
    NotACurrency(String),
    #[error("amounts in {0} and {1} cannot be added or compared")]
    CurrencyMismatch(Currency, Currency),
    #[error("the amount is too large")]
    TooLarge,
    #[error("{0:?} is not an amount")]
    NotAnAmount(String),
    #[error("{currency} has {digits} digits after the point")]
    TooPrecise { currency: Currency, digits: u32 },
    #[error("an amount cannot be negative here")]
    Negative,
}

impl Currency {
    /// The Bangladeshi taka, the default.
    pub const BDT: Currency = Currency(*b"BDT");

    pub fn new(code: &str) -> Result<Currency, MoneyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(MoneyError::NotACurrency(code.to_owned())),
        }
    }

    pub fn code(&self) -> &str {
        // Always three ASCII capitals (checked by `new`).
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point, as ISO 4217 sets them (2 unless listed).
    pub fn minor_digits(self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }

    /// How many minor units make one major unit (100 paisa to the taka).
    pub fn minor_per_major(self) -> i64 {
        10_i64.pow(self.minor_digits())
    }

    /// The sign printed before an amount, where the currency has one people know.
    pub fn symbol(self) -> Option<&'static str> {
        match self.code() {
            "BDT" => Some("৳"),
            "INR" => Some("₹"),
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            _ => None,
        }
    }

    /// Grouped as South Asia writes large numbers (12,34,567) rather than by thousands.
    fn groups_in_lakhs(self) -> bool {
        matches!(self.code(), "BDT" | "INR" | "NPR" | "PKR" | "LKR")
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Currency::new(&code)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.code().to_owned()
    }
}

/// An amount: whole minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// `numerator / denominator` rounded to the nearest whole number, a half away from zero (2.5 → 3,
/// −2.5 → −3): the clinic's one rounding rule, used wherever a share of an amount is taken.
pub fn round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let (q, r) = (numerator / denominator, numerator % denominator);
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// A hundredth of a percent: 1250 basis points are 12.5 %.
pub const BASIS_POINTS_IN_WHOLE: u32 = 10_000;

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    /// Whole major units (a fee in taka).
    pub fn from_major(major: i64, currency: Currency) -> Result<Money, MoneyError> {
        major
            .checked_mul(currency.minor_per_major())
            .map(|minor| Money::new(minor, currency))
            .ok_or(MoneyError::TooLarge)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or(MoneyError::TooLarge)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or(MoneyError::TooLarge)
    }

    /// `quantity` of this amount.
    pub fn times(self, quantity: u32) -> Result<Money, MoneyError> {
        self.minor
            .checked_mul(i64::from(quantity))
            .map(|minor| Money::new(minor, self.currency))
            .ok_or(MoneyError::TooLarge)
    }

    /// The share `basis_points` / 10,000 of this amount, rounded by [`round_half_away`].
    pub fn share(self, basis_points: u32) -> Money {
        let minor = round_half_away(
            i128::from(self.minor) * i128::from(basis_points),
            i128::from(BASIS_POINTS_IN_WHOLE),
        );
        // An i64 times a u32 fits an i128; the share fits an i64 while basis_points ≤ 10,000
        // (callers check); beyond, it saturates rather than wraps.
        Money::new(
            minor.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            self.currency,
        )
    }

    /// Sum of amounts in `currency` (none: zero).
    pub fn sum(
        currency: Currency,
        amounts: impl IntoIterator<Item = Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    pub fn is_positive(self) -> bool {
        self.minor > 0
    }

    pub fn is_negative(self) -> bool {
        self.minor < 0
    }

    /// An amount as a person types it: `1250`, `1,250.50`, `১২৫০.৫০` (Bangla digits), with an
    /// optional currency sign or code before or after. Never negative.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let not_an_amount = || MoneyError::NotAnAmount(text.to_owned());
        let mut body = text.trim();
        for mark in [currency.code(), currency.symbol().unwrap_or("\u{0}")] {
            body = body
                .strip_prefix(mark)
                .or_else(|| body.strip_suffix(mark))
                .unwrap_or(body)
                .trim();
        }
        if body.starts_with('-') || body.starts_with('−') {
            return Err(MoneyError::Negative);
        }
        let mut digits = String::with_capacity(body.len());
        for c in body.chars() {
            match c {
                '0'..='9' | '.' => digits.push(c),
                '০'..='৯' => digits.push(char::from(b'0' + (c as u32 - '০' as u32) as u8)),
                ',' | '_' | ' ' | '\u{a0}' => {}
                _ => return Err(not_an_amount()),
            }
        }
        let (whole, fraction) = digits.split_once('.').unwrap_or((&digits, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
            return Err(not_an_amount());
        }
        let places = currency.minor_digits();
        if fraction.len() > places as usize {
            return Err(MoneyError::TooPrecise {
                currency,
                digits: places,
            });
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyError::TooLarge)?
        };
        let fraction_minor: i64 = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<width$}", width = places as usize);
            padded.parse().map_err(|_| not_an_amount())?
        };
        Money::from_major(whole, currency)?.checked_add(Money::new(fraction_minor, currency))
    }

    /// The amount as printed: `৳1,250.50`, lakh-grouped for the taka (`৳12,34,567.00`), in Bangla
    /// digits when `bangla_digits`.
    pub fn display(self, bangla_digits: bool) -> String {
        let per = self.currency.minor_per_major() as u64;
        let magnitude = self.minor.unsigned_abs();
        let (whole, fraction) = (magnitude / per, magnitude % per);
        let mut text = String::new();
        if self.minor < 0 {
            text.push('-');
        }
        match self.currency.symbol() {
            Some(symbol) => text.push_str(symbol),
            None => {
                text.push_str(self.currency.code());
                text.push(' ');
            }
        }
        text.push_str(&group(whole, self.currency.groups_in_lakhs()));
        if self.currency.minor_digits() > 0 {
            text.push('.');
            text.push_str(&format!(
                "{fraction:0width$}",
                width = self.currency.minor_digits() as usize
            ));
        }
        if bangla_digits {
            bangla(&text)
        } else {
            text
        }
    }
}

/// `1234567` → `1,234,567`, or `12,34,567` in lakhs.
fn group(whole: u64, lakhs: bool) -> String {
    let digits = whole.to_string();
    let (head, last3) = digits.split_at(digits.len().saturating_sub(3));
    let step = if lakhs { 2 } else { 3 };
    let mut groups = Vec::new();
    let mut rest = head;
    while !rest.is_empty() {
        let cut = rest.len().saturating_sub(step);
        groups.push(&rest[cut..]);
        rest = &rest[..cut];
    }
    groups.reverse();
    groups.push(last3);
    groups.join(",")
}

/// Western digits written as Bangla digits.
pub fn bangla(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32('০' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taka(minor: i64) -> Money {
        Money::new(minor, Currency::BDT)
    }

    #[test]
    fn amounts_are_read_as_people_type_them_in_either_script() {
        let bdt = Currency::BDT;
        assert_eq!(Money::parse("1250", bdt), Ok(taka(125_000)));
        assert_eq!(Money::parse("1,250.5", bdt), Ok(taka(125_050)));
        assert_eq!(Money::parse("৳ ১,২৫০.৫০", bdt), Ok(taka(125_050)));
        assert_eq!(Money::parse("BDT 0.05", bdt), Ok(taka(5)));
        assert_eq!(Money::parse(".5", bdt), Ok(taka(50)));
        assert_eq!(Money::parse("-5", bdt), Err(MoneyError::Negative));
        assert!(matches!(
            Money::parse("12.345", bdt),
            Err(MoneyError::TooPrecise { digits: 2, .. })
        ));
        for bad in ["", ".", "12a", "1.2.3", "৳"] {
            assert!(
                matches!(Money::parse(bad, bdt), Err(MoneyError::NotAnAmount(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            Money::parse("99999999999999999999", bdt),
            Err(MoneyError::TooLarge)
        );
        let yen = Currency::new("JPY").unwrap();
        assert_eq!(Money::parse("1500", yen), Ok(Money::new(1500, yen)));
        assert!(Money::parse("15.5", yen).is_err());
    }

    #[test]
    fn amounts_print_lakh_grouped_for_the_taka_and_in_bangla_digits_on_request() {
        assert_eq!(taka(123_456_750).display(false), "৳12,34,567.50");
        assert_eq!(taka(123_456_750).display(true), "৳১২,৩৪,৫৬৭.৫০");
        assert_eq!(taka(5).display(false), "৳0.05");
        assert_eq!(taka(-50_000).display(false), "-৳500.00");
        let usd = Currency::new("USD").unwrap();
        assert_eq!(Money::new(123_456_750, usd).display(false), "$1,234,567.50");
        let kwd = Currency::new("KWD").unwrap();
        assert_eq!(Money::new(1_500, kwd).display(false), "KWD 1.500");
    }

    #[test]
    fn sums_are_checked_and_never_mix_currencies() {
        let usd = Currency::new("USD").unwrap();
        assert_eq!(
            taka(1).checked_add(Money::new(1, usd)),
            Err(MoneyError::CurrencyMismatch(Currency::BDT, usd))
        );
        assert_eq!(
            taka(i64::MAX).checked_add(taka(1)),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(taka(i64::MAX).times(2), Err(MoneyError::TooLarge));
        assert_eq!(
            Money::from_major(i64::MAX / 10, Currency::BDT),
            Err(MoneyError::TooLarge)
        );
        assert!(Currency::new("bdt").is_err() && Currency::new("BDTX").is_err());
    }

    #[test]
    fn a_share_is_rounded_half_away_from_zero() {
        // 12.5 % of ৳0.05 is 0.625 paisa → 1; of ৳0.04, 0.5 → 1; of ৳0.03, 0.375 → 0.
        assert_eq!(taka(5).share(1250), taka(1));
        assert_eq!(taka(4).share(1250), taka(1));
        assert_eq!(taka(3).share(1250), taka(0));
        assert_eq!(taka(-4).share(1250), taka(-1));
        assert_eq!(taka(100_000).share(10_000), taka(100_000));
        assert_eq!(round_half_away(5, 2), 3);
        assert_eq!(round_half_away(-5, 2), -3);
        assert_eq!(round_half_away(7, 3), 2);
    }
}
