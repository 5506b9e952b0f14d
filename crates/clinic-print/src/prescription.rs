//! The printed prescription: the clinic's header, the doctor (name, qualifications, registration
//! number), the patient, the date, the medicines with how to take them, the advice, a signature
//! line, and the verification code with its QR code and content hash — in English or Bangla,
//! A4, on as many pages as it needs (the header again on each, the code and signature on the
//! last).

use chrono::{Datelike, NaiveDate};
use clinic_core::account::Sex;
use clinic_core::ipc::Language;
use clinic_core::prescription::{PrescriptionSheet, PrescriptionStatus};
use krilla::geom::{PathBuilder, Rect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::Document;

use crate::flow::{
    clinic_header, draw_lines, page_number, paginate, rule, BodyLine, HEIGHT, WIDTH,
};
use crate::labels::Labels;
use crate::text::Fonts;
use crate::PrintError;

const MARGIN: f32 = 48.0;
/// Where the body starts under the header, and the lowest a body line may sit on a page that
/// is not the last / that carries the signature and the code.
const BODY_TOP: f32 = 196.0;
const BODY_BOTTOM: f32 = HEIGHT - 70.0;
const CLOSING_HEIGHT: f32 = 150.0;

/// The QR code of `text` with its top-left corner at (`x`, `y`), `size` points wide.
fn qr(surface: &mut Surface<'_>, text: &str, x: f32, y: f32, size: f32) -> Result<(), PrintError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| PrintError::Pdf(format!("QR code: {e}")))?;
    let modules = code.width();
    let colors = code.to_colors();
    let cell = size / modules as f32;
    let mut path = PathBuilder::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (row, column) = (i / modules, i % modules);
            if let Some(rect) =
                Rect::from_xywh(x + column as f32 * cell, y + row as f32 * cell, cell, cell)
            {
                path.push_rect(rect);
            }
        }
    }
    if let Some(path) = path.finish() {
        surface.set_fill(Some(Fill::default()));
        surface.draw_path(&path);
    }
    Ok(())
}

/// Whole years between `born` and `on`.
fn age(born: NaiveDate, on: NaiveDate) -> Option<u32> {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The prescription as a PDF. `date` is the day it was issued (or, for a draft, written) on
/// the clinic's clock.
pub fn render(
    sheet: &PrescriptionSheet,
    date: NaiveDate,
    language: Language,
) -> Result<Vec<u8>, PrintError> {
    let fonts = Fonts::load()?;
    let labels = Labels::new(language);
    let record = &sheet.record;
    let text_width = WIDTH - 2.0 * MARGIN;

    // The body, line by line: the medicines, then the advice.
    let mut body = vec![BodyLine::new(
        labels.text("rx-medicines"),
        13.0,
        true,
        0.0,
        0.0,
    )];
    for (i, item) in record.form.items.iter().enumerate() {
        let form = labels.text(&format!("form-{}", item.form.as_str()));
        let name = [item.medicine.as_str(), item.strength.as_str()]
            .iter()
            .filter(|t| !t.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let heading = format!("{}. {name} ({form})", labels.digits(&(i + 1).to_string()));
        for (n, text) in fonts
            .wrap(&heading, 11.0, true, text_width)
            .into_iter()
            .enumerate()
        {
            body.push(BodyLine::new(
                text,
                11.0,
                true,
                0.0,
                if n == 0 { 8.0 } else { 0.0 },
            ));
        }
        let days = labels.digits(
            &labels.text_with("rx-days", &[("days", u64::from(item.duration_days).into())]),
        );
        let mut how = vec![item.dose.clone(), item.frequency.clone(), days];
        if !item.instructions.is_empty() {
            how.push(item.instructions.clone());
        }
        for text in fonts.wrap(&how.join(" · "), 10.0, false, text_width - 18.0) {
            body.push(BodyLine::new(text, 10.0, false, 18.0, 0.0));
        }
    }
    if !record.form.advice.is_empty() {
        body.push(BodyLine::new(
            labels.text("rx-advice"),
            13.0,
            true,
            0.0,
            16.0,
        ));
        for text in fonts.wrap(&record.form.advice, 10.0, false, text_width) {
            body.push(BodyLine::new(text, 10.0, false, 0.0, 0.0));
        }
    }

    // Pages: as many lines as fit; the last page keeps room for the signature and the code.
    let pages = paginate(&body, BODY_TOP, BODY_BOTTOM, CLOSING_HEIGHT);
    let page_count = pages.len();

    // Content streams are left uncompressed: a few kilobytes more per file, about a fifth less
    // time (BENCHMARKS.md); the embedded font subsets are compressed either way.
    let mut document = Document::new_with(krilla::SerializeSettings {
        compress_content_streams: false,
        ..Default::default()
    });
    for (page_index, lines) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| PrintError::Pdf("page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));

        // The header: the clinic on the left, the doctor on the right.
        clinic_header(&mut surface, fonts, &labels, &sheet.clinic, MARGIN, 260.0);
        let doctor_lines = [
            (sheet.doctor_name.clone(), 12.0, true),
            (sheet.qualifications.clone(), 9.0, false),
            (sheet.specialty.clone(), 9.0, false),
            (
                labels.text_with(
                    "rx-registration",
                    &[("number", sheet.registration_number.clone().into())],
                ),
                9.0,
                false,
            ),
        ];
        let mut dy = 60.0;
        for (text, size, bold) in doctor_lines {
            if !text.is_empty() {
                let shown = fonts.fit(&text, size, bold, 220.0);
                let w = fonts.width(&shown, size, bold);
                fonts.draw(&mut surface, WIDTH - MARGIN - w, dy, &shown, size, bold);
            }
            dy += size + 5.0;
        }
        rule(&mut surface, MARGIN, WIDTH - MARGIN, 120.0, 1.0);

        // The patient and the date.
        let mut who = vec![format!(
            "{}: {}",
            labels.text("rx-patient"),
            sheet.patient_name
        )];
        if !sheet.patient_number.is_empty() {
            who.push(format!(
                "{} {}",
                labels.text("rx-number"),
                sheet.patient_number
            ));
        }
        if let Some(years) = sheet.patient_date_of_birth.and_then(|b| age(b, date)) {
            who.push(
                labels.digits(&labels.text_with("rx-age", &[("years", u64::from(years).into())])),
            );
        }
        if let Some(sex) = sheet.patient_sex {
            who.push(labels.text(match sex {
                Sex::Female => "rx-sex-female",
                Sex::Male => "rx-sex-male",
                Sex::Other => "rx-sex-other",
            }));
        }
        fonts.draw(
            &mut surface,
            MARGIN,
            142.0,
            &fonts.fit(&who.join(" · "), 10.0, false, 330.0),
            10.0,
            false,
        );
        let dated = format!("{}: {}", labels.text("rx-date"), labels.long_date(date));
        let w = fonts.width(&dated, 10.0, false);
        fonts.draw(&mut surface, WIDTH - MARGIN - w, 142.0, &dated, 10.0, false);
        // The title, and what kind of copy this is.
        fonts.draw(
            &mut surface,
            MARGIN,
            172.0,
            &labels.text("rx-title"),
            18.0,
            true,
        );
        let state = match record.status {
            PrescriptionStatus::Draft => Some(labels.text("rx-draft")),
            PrescriptionStatus::Superseded => Some(labels.text("rx-superseded")),
            PrescriptionStatus::Issued if record.version > 1 => {
                Some(labels.digits(&labels.text_with(
                    "rx-version",
                    &[("version", u64::from(record.version).into())],
                )))
            }
            PrescriptionStatus::Issued => None,
        };
        if let Some(state) = state {
            let w = fonts.width(&state, 10.0, true);
            fonts.draw(&mut surface, WIDTH - MARGIN - w, 172.0, &state, 10.0, true);
        }
        rule(&mut surface, MARGIN, WIDTH - MARGIN, 180.0, 0.5);

        // The body.
        draw_lines(&mut surface, fonts, lines, MARGIN, BODY_TOP);

        // The last page: the verification block and the signature line.
        if page_index + 1 == page_count {
            let top = BODY_BOTTOM - CLOSING_HEIGHT + 24.0;
            let qr_size = 92.0;
            if let (Some(code), Some(url)) = (&record.code, &sheet.verify_url) {
                qr(&mut surface, url, MARGIN, top, qr_size)?;
                let x = MARGIN + qr_size + 12.0;
                fonts.draw(
                    &mut surface,
                    x,
                    top + 14.0,
                    &labels.text("rx-code"),
                    9.0,
                    false,
                );
                fonts.draw(&mut surface, x, top + 34.0, code, 16.0, true);
                let check = labels.text_with("rx-check-at", &[("url", url.clone().into())]);
                fonts.draw(
                    &mut surface,
                    x,
                    top + 52.0,
                    &fonts.fit(&check, 8.0, false, 230.0),
                    8.0,
                    false,
                );
                if let Some(hash) = &record.content_hash {
                    let shown = format!(
                        "{}: {}…",
                        labels.text("rx-hash"),
                        &hash[..hash.len().min(24)]
                    );
                    fonts.draw(&mut surface, x, top + 66.0, &shown, 8.0, false);
                }
            }
            let sign_x0 = WIDTH - MARGIN - 170.0;
            rule(&mut surface, sign_x0, WIDTH - MARGIN, top + 62.0, 0.8);
            let signature = labels.text("rx-signature");
            fonts.draw(&mut surface, sign_x0, top + 76.0, &signature, 9.0, false);
            fonts.draw(
                &mut surface,
                sign_x0,
                top + 90.0,
                &fonts.fit(&sheet.doctor_name, 9.0, true, 170.0),
                9.0,
                true,
            );
        }

        // The footer: the page.
        page_number(&mut surface, fonts, &labels, MARGIN, page_index, page_count);
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
    use crate::sample::sheet;

    #[test]
    fn ages_count_whole_years() {
        let born = NaiveDate::from_ymd_opt(1990, 12, 1).unwrap();
        assert_eq!(
            age(born, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            Some(35)
        );
        assert_eq!(
            age(born, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            Some(36)
        );
    }

    #[test]
    fn it_reads_back_with_everything_a_pharmacist_checks() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let (pages, text) = read_back(
            &render(&sheet(2, "Drink plenty of water."), day, Language::English).unwrap(),
        );
        assert_eq!(pages, 1);
        for want in [
            "Clinic Desk Demo Clinic",
            "Dr. Shafiq Hasan",
            "MBBS, FCPS (Medicine)",
            "Reg. no. A-12345",
            "1-0008",
            "Age 35",
            "Female",
            "Tuesday 24 November 2026",
            "Prescription",
            "1. Amoxicillin 500 mg (capsule)",
            "2. Paracetamol 500 mg (capsule)",
            "1 capsule · 1+1+1 · 7 days",
            "Drink plenty of water.",
            "Signature",
            "7KQ2-M9PW-D4X",
            "/verify/7KQ2-M9PW-D4X",
            "abababab",
            "Page 1 of 1",
        ] {
            assert!(
                squeezed(&text).contains(&squeezed(want)),
                "{want:?} missing from:\n{text}"
            );
        }
        assert!(squeezed(&text).contains(&squeezed("রহিমা খাতুন")), "{text}");
    }

    #[test]
    fn in_bangla_and_on_more_pages_when_it_is_long() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let mut long = sheet(20, &"প্রচুর পানি পান করবেন। ".repeat(60));
        long.record.version = 2;
        let (pages, text) = read_back(&render(&long, day, Language::Bangla).unwrap());
        assert!(pages >= 2, "{pages}");
        for want in [
            "ব্যবস্থাপত্র",
            "মঙ্গলবার ২৪ নভেম্বর ২০২৬",
            "বয়স ৩৫",
            "২০. Paracetamol 500 mg (ক্যাপসুল)",
            "৭ দিন",
            "খাবারের পরে",
            "সংস্করণ ২",
            "যাচাই কোড",
            "স্বাক্ষর",
            "পৃষ্ঠা ২ / ",
        ] {
            assert!(
                squeezed(&text).contains(&squeezed(want)),
                "{want:?} missing from:\n{text}"
            );
        }
    }
}
