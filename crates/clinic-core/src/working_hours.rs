//! A day's working hours as a person types them: `09:00-13:00 break 11:00-11:15; 17:00-20:00`.
//! Sessions are separated by `;`; in each, the first span is the session and any later span is a
//! break in it. Bangla digits and an en dash are read too, and any word may stand for "break"
//! (`বিরতি`). An empty text, `-` or `off` is a day off.

use chrono::NaiveTime;

use crate::account::FieldProblem;
use crate::availability::{LocalSpan, Session};

/// Why a day's hours could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("write hours like 09:00-13:00 break 11:00-11:15; 17:00-20:00")]
    NotHours,
    #[error("a session or break ends before it starts, or a break lies outside its session")]
    EndsBeforeItStarts,
    #[error("two sessions of the day overlap")]
    Overlapping,
}

impl HoursProblem {
    pub fn field_problem(self) -> FieldProblem {
        match self {
            HoursProblem::NotHours => FieldProblem::NotWorkingHours,
            HoursProblem::EndsBeforeItStarts => FieldProblem::EndsBeforeItStarts,
            HoursProblem::Overlapping => FieldProblem::Overlapping,
        }
    }
}

/// Read one day's sessions.
pub fn parse_day(text: &str) -> Result<Vec<Session>, HoursProblem> {
    let text: String = text
        .chars()
        .map(|c| match c {
            '০'..='৯' => char::from(b'0' + (c as u32 - '০' as u32) as u8),
            '–' | '—' => '-',
            '.' => ':',
            c => c,
        })
        .collect();
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "-" || trimmed.eq_ignore_ascii_case("off") {
        return Ok(Vec::new());
    }
    let mut sessions: Vec<Session> = Vec::new();
    for part in trimmed.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let spans = spans_in(part)?;
        let (hours, breaks) = spans.split_first().ok_or(HoursProblem::NotHours)?;
        let session = Session {
            hours: *hours,
            breaks: breaks.to_vec(),
        };
        let fits = session.hours.start < session.hours.end
            && session.breaks.iter().all(|b| {
                b.start < b.end && session.hours.start <= b.start && b.end <= session.hours.end
            });
        if !fits {
            return Err(HoursProblem::EndsBeforeItStarts);
        }
        sessions.push(session);
    }
    sessions.sort_by_key(|s| s.hours.start);
    if sessions
        .windows(2)
        .any(|w| w[1].hours.start < w[0].hours.end)
    {
        return Err(HoursProblem::Overlapping);
    }
    Ok(sessions)
}

/// The spans `HH:MM-HH:MM` of one session's text; anything between them other than words,
/// spaces, commas and brackets makes it unreadable.
fn spans_in(part: &str) -> Result<Vec<LocalSpan>, HoursProblem> {
    let mut spans = Vec::new();
    let mut rest = part;
    loop {
        let skipped = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        if !rest[..skipped]
            .chars()
            .all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':'))
            || rest[..skipped].contains('-')
        {
            return Err(HoursProblem::NotHours);
        }
        rest = &rest[skipped..];
        if rest.is_empty() {
            return Ok(spans);
        }
        let (start, after) = time_at(rest)?;
        let after = after.trim_start();
        let after = after.strip_prefix('-').ok_or(HoursProblem::NotHours)?;
        let (end, after) = time_at(after.trim_start())?;
        // "24:00" is the end of the day.
        spans.push(LocalSpan { start, end });
        rest = after;
    }
}

/// A time `H:MM` or `HH:MM` at the start of `text`, and what follows it.
fn time_at(text: &str) -> Result<(NaiveTime, &str), HoursProblem> {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let h = digits(text);
    if !(1..=2).contains(&h) || !text[h..].starts_with(':') {
        return Err(HoursProblem::NotHours);
    }
    let m = digits(&text[h + 1..]);
    if m != 2 {
        return Err(HoursProblem::NotHours);
    }
    let (hour, minute): (u32, u32) = (
        text[..h].parse().map_err(|_| HoursProblem::NotHours)?,
        text[h + 1..h + 3]
            .parse()
            .map_err(|_| HoursProblem::NotHours)?,
    );
    let time = match (hour, minute) {
        (24, 0) => NaiveTime::from_hms_opt(23, 59, 59),
        _ => NaiveTime::from_hms_opt(hour, minute, 0),
    }
    .ok_or(HoursProblem::NotHours)?;
    Ok((time, &text[h + 3..]))
}

/// Write a day's sessions the way [`parse_day`] reads them; `break_word` in the UI's language.
pub fn format_day(sessions: &[Session], break_word: &str) -> String {
    let span = |s: &LocalSpan| format!("{}-{}", clock(s.start), clock(s.end));
    sessions
        .iter()
        .map(|s| {
            let mut out = span(&s.hours);
            for b in &s.breaks {
                out.push_str(&format!(" {break_word} {}", span(b)));
            }
            out
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn clock(t: NaiveTime) -> String {
    if t == NaiveTime::from_hms_opt(23, 59, 59).expect("a time") {
        "24:00".to_owned()
    } else {
        t.format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_day_with_a_break_and_an_evening_session() {
        let day = parse_day("09:00-13:00 break 11:00-11:15; 17:00-20:00").unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(
            day[0].hours,
            LocalSpan {
                start: t(9, 0),
                end: t(13, 0)
            }
        );
        assert_eq!(
            day[0].breaks,
            vec![LocalSpan {
                start: t(11, 0),
                end: t(11, 15)
            }]
        );
        assert_eq!(
            day[1].hours,
            LocalSpan {
                start: t(17, 0),
                end: t(20, 0)
            }
        );
        assert!(day[1].breaks.is_empty());
    }

    #[test]
    fn bangla_digits_an_en_dash_and_a_bangla_word_for_break() {
        let day = parse_day("০৯:০০–১৩:০০ বিরতি ১১:০০–১১:১৫").unwrap();
        assert_eq!(day, parse_day("9:00-13:00 (break 11:00-11:15)").unwrap());
    }

    #[test]
    fn a_day_off_and_the_whole_day() {
        for off in ["", "  ", "-", "off", "Off"] {
            assert_eq!(parse_day(off).unwrap(), vec![], "{off:?}");
        }
        let all = parse_day("00:00-24:00").unwrap();
        assert_eq!(format_day(&all, "break"), "00:00-24:00");
    }

    #[test]
    fn each_mistake_has_its_own_problem() {
        for bad in [
            "9 to 5",
            "09:00",
            "09:00-",
            "9-13",
            "09:00-13:00 - 14:00",
            "25:00-26:00",
            "09:60-10:00",
            "09:00-13:00; x",
        ] {
            assert_eq!(parse_day(bad), Err(HoursProblem::NotHours), "{bad:?}");
        }
        assert_eq!(
            parse_day("13:00-09:00"),
            Err(HoursProblem::EndsBeforeItStarts)
        );
        assert_eq!(
            parse_day("09:00-13:00 break 12:30-13:30"),
            Err(HoursProblem::EndsBeforeItStarts)
        );
        assert_eq!(
            parse_day("09:00-13:00; 12:00-15:00"),
            Err(HoursProblem::Overlapping)
        );
    }

    #[test]
    fn a_pattern_sent_without_the_form_is_checked_the_same_way() {
        let mut record =
            crate::demo::DOCTORS[0].record(crate::UserId::from_uuid(uuid::Uuid::nil()));
        record.pattern.weekly[0] = vec![
            Session {
                hours: LocalSpan {
                    start: t(9, 0),
                    end: t(13, 0),
                },
                breaks: vec![],
            },
            Session {
                hours: LocalSpan {
                    start: t(12, 0),
                    end: t(15, 0),
                },
                breaks: vec![],
            },
        ];
        let problems = record.pattern.check().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].field.as_str(), &problems[0].problem),
            ("hours", &FieldProblem::Overlapping)
        );
        record.pattern.weekly[0] = parse_day("09:00-13:00 break 11:00-11:15").unwrap();
        assert!(record.pattern.check().is_ok());
    }

    fn span() -> impl Strategy<Value = LocalSpan> {
        (0u32..24 * 4, 1u32..16).prop_map(|(q, len)| {
            let start = q * 15;
            let end = (start + len * 15).min(24 * 60 - 1);
            LocalSpan {
                start: t(start / 60, start % 60),
                end: t(end / 60, end % 60),
            }
        })
    }

    proptest! {
        /// What is written is read back as the same sessions.
        #[test]
        fn written_hours_read_back_the_same(spans in proptest::collection::vec(span(), 0..4)) {
            let mut sessions: Vec<Session> = Vec::new();
            for s in spans {
                if sessions.iter().all(|o| s.end <= o.hours.start || o.hours.end <= s.start) {
                    sessions.push(Session { hours: s, breaks: vec![] });
                }
            }
            sessions.sort_by_key(|s| s.hours.start);
            let text = format_day(&sessions, "break");
            prop_assert_eq!(parse_day(&text).unwrap(), sessions);
        }
    }
}
