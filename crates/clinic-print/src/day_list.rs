//! The day list: one clinic day's appointments for the desk's clipboard or the doctor's door —
//! token, time, patient, number, doctor and status — in English or Bangla, A4, with as many pages
//! as it needs.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use clinic_core::appointment::Status;
use clinic_core::ipc::Language;
use krilla::color::rgb;
use krilla::geom::PathBuilder;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::Document;

use crate::labels::Labels;
use crate::text::Fonts;
use crate::PrintError;

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayListRow {
    pub token: Option<u32>,
    /// The slot's start on the clinic's clock; `None` for a walk-in.
    pub time: Option<NaiveTime>,
    pub video: bool,
    pub patient: String,
    pub patient_number: String,
    pub doctor: String,
    pub status: Status,
}

/// What the list is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayList {
    pub clinic: String,
    pub day: NaiveDate,
    /// One doctor's list; `None`: every doctor's (then each row names its doctor).
    pub doctor: Option<String>,
    /// When it was printed, on the clinic's clock.
    pub printed_at: NaiveDateTime,
    pub rows: Vec<DayListRow>,
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 42.0;
const ROW: f32 = 20.0;
const BODY: f32 = 10.0;
/// Where the first row's baseline sits on a page, and the lowest a row may sit.
const FIRST_ROW: f32 = 150.0;
const LAST_ROW: f32 = HEIGHT - 60.0;

fn rows_per_page() -> usize {
    ((LAST_ROW - FIRST_ROW) / ROW) as usize + 1
}

fn grey() -> rgb::Color {
    rgb::Color::new(90, 98, 110)
}

fn rule(surface: &mut Surface<'_>, y: f32, width: f32) {
    let mut path = PathBuilder::new();
    path.move_to(MARGIN, y);
    path.line_to(WIDTH - MARGIN, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: grey().into(),
            width,
            ..Default::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

fn status_key(status: Status) -> String {
    format!("status-{}", status.as_str())
}

/// The list as a PDF.
pub fn render(list: &DayList, language: Language) -> Result<Vec<u8>, PrintError> {
    let fonts = Fonts::load()?;
    let labels = Labels::new(language);
    let with_doctor = list.doctor.is_none();
    // Columns: (x, width, label key).
    let columns: Vec<(f32, f32, &str)> = if with_doctor {
        vec![
            (MARGIN, 38.0, "column-token"),
            (MARGIN + 38.0, 78.0, "column-time"),
            (MARGIN + 116.0, 142.0, "column-patient"),
            (MARGIN + 258.0, 56.0, "column-number"),
            (MARGIN + 314.0, 114.0, "column-doctor"),
            (
                MARGIN + 428.0,
                WIDTH - 2.0 * MARGIN - 428.0,
                "column-status",
            ),
        ]
    } else {
        vec![
            (MARGIN, 44.0, "column-token"),
            (MARGIN + 44.0, 86.0, "column-time"),
            (MARGIN + 130.0, 200.0, "column-patient"),
            (MARGIN + 330.0, 70.0, "column-number"),
            (
                MARGIN + 400.0,
                WIDTH - 2.0 * MARGIN - 400.0,
                "column-status",
            ),
        ]
    };
    let per_page = rows_per_page();
    let pages = list.rows.len().div_ceil(per_page).max(1);
    let mut document = Document::new();
    for page_index in 0..pages {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| PrintError::Pdf("page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));

        // Heading: clinic, title, day, whose list.
        fonts.draw(&mut surface, MARGIN, 58.0, &list.clinic, 11.0, false);
        let title = labels.text("day-list-title");
        fonts.draw(&mut surface, MARGIN, 84.0, &title, 18.0, true);
        let whose = list
            .doctor
            .clone()
            .unwrap_or_else(|| labels.text("day-list-all-doctors"));
        let subtitle = format!("{} · {}", labels.long_date(list.day), whose);
        fonts.draw(&mut surface, MARGIN, 106.0, &subtitle, 12.0, false);
        let count = labels.digits(&labels.text_with(
            "day-list-count",
            &[("count", (list.rows.len() as u64).into())],
        ));
        let count_width = fonts.width(&count, 10.0, false);
        fonts.draw(
            &mut surface,
            WIDTH - MARGIN - count_width,
            106.0,
            &count,
            10.0,
            false,
        );

        // Column heads.
        for (x, _, key) in &columns {
            fonts.draw(&mut surface, *x, 130.0, &labels.text(key), 9.0, true);
        }
        rule(&mut surface, 136.0, 0.8);

        let rows = list.rows.iter().skip(page_index * per_page).take(per_page);
        let mut y = FIRST_ROW;
        for row in rows {
            let time = match row.time {
                Some(t) => labels.digits(&t.format("%H:%M").to_string()),
                None => labels.text("walk-in"),
            };
            let time = if row.video {
                format!("{time} ({})", labels.text("video"))
            } else {
                time
            };
            let mut cells = vec![
                row.token
                    .map(|t| labels.digits(&t.to_string()))
                    .unwrap_or_default(),
                time,
                row.patient.clone(),
                row.patient_number.clone(),
            ];
            if with_doctor {
                cells.push(row.doctor.clone());
            }
            cells.push(labels.text(&status_key(row.status)));
            for ((x, width, _), cell) in columns.iter().zip(&cells) {
                let shown = fonts.fit(cell, BODY, false, width - 6.0);
                fonts.draw(&mut surface, *x, y, &shown, BODY, false);
            }
            rule(&mut surface, y + 6.0, 0.3);
            y += ROW;
        }
        if list.rows.is_empty() {
            fonts.draw(
                &mut surface,
                MARGIN,
                FIRST_ROW,
                &labels.text("day-list-empty"),
                BODY,
                false,
            );
        }

        // Footer: when printed, and the page.
        let printed = labels.digits(&labels.text_with(
            "day-list-printed",
            &[(
                "at",
                list.printed_at.format("%d.%m.%Y %H:%M").to_string().into(),
            )],
        ));
        fonts.draw(&mut surface, MARGIN, HEIGHT - 30.0, &printed, 8.0, false);
        let page_label = labels.digits(&labels.text_with(
            "day-list-page",
            &[
                ("page", (page_index as u64 + 1).into()),
                ("pages", (pages as u64).into()),
            ],
        ));
        let page_width = fonts.width(&page_label, 8.0, false);
        fonts.draw(
            &mut surface,
            WIDTH - MARGIN - page_width,
            HEIGHT - 30.0,
            &page_label,
            8.0,
            false,
        );
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poppler::{read_back, squeezed};

    fn list(rows: usize) -> DayList {
        DayList {
            clinic: "Clinic Desk demo clinic".into(),
            day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            doctor: None,
            printed_at: NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_opt(8, 5, 0)
                .unwrap(),
            rows: (0..rows)
                .map(|i| DayListRow {
                    token: Some(i as u32 + 1),
                    time: NaiveTime::from_hms_opt(9, (i % 4) as u32 * 15, 0),
                    video: i % 5 == 4,
                    patient: if i % 2 == 0 {
                        format!("রহিমা খাতুন {i}")
                    } else {
                        format!("Abdul Karim {i}")
                    },
                    patient_number: format!("3-{:04}", i + 1),
                    doctor: "Dr. Shafiq Hasan".into(),
                    status: Status::Confirmed,
                })
                .collect(),
        }
    }

    /// Text as compared: poppler may put a space inside a Bengali cluster it extracts.
    #[test]
    fn the_list_reads_back_in_english_with_every_row() {
        let (pages, text) = read_back(&render(&list(3), Language::English).unwrap());
        assert_eq!(pages, 1);
        for want in [
            "Day list",
            "Tuesday 24 November 2026 · All doctors",
            "Token",
            "Abdul Karim 1",
            "3-0002",
            "09:15",
            "Dr. Shafiq Hasan",
            "Booked",
            "Page 1 of 1",
            "Printed 24.11.2026 08:05",
        ] {
            assert!(text.contains(want), "{want:?} missing from:\n{text}");
        }
    }

    #[test]
    fn a_long_day_runs_onto_more_pages_and_bangla_stays_text() {
        let rows = rows_per_page() * 2 + 1;
        let (pages, text) = read_back(&render(&list(rows), Language::Bangla).unwrap());
        assert_eq!(pages, 3);
        for want in [
            "দিনের তালিকা",
            "মঙ্গলবার ২৪ নভেম্বর ২০২৬",
            "রহিমা খাতুন",
            "পৃষ্ঠা ৩ / ৩",
            "(ভিডিও)",
        ] {
            assert!(
                squeezed(&text).contains(&squeezed(want)),
                "{want:?} missing from:\n{text}"
            );
        }
        let mut one_doctor = list(1);
        one_doctor.doctor = Some("Dr. Shafiq Hasan".into());
        let (_, text) = read_back(&render(&one_doctor, Language::English).unwrap());
        assert!(
            text.contains("Tuesday 24 November 2026 · Dr. Shafiq Hasan"),
            "{text}"
        );
        assert!(
            !text.contains("Doctor"),
            "one doctor's list has no doctor column: {text}"
        );
    }
}
