//! A patient's record summary as a PDF — what the patient takes to another clinic, or the
//! clinic prints on request: who they are, allergies, conditions, current medicines, reports and
//! documents, and the timeline (visits, consultations, prescriptions, documents; messages are
//! left out). English or Bangla, A4, as many pages as it needs.

use chrono::{NaiveDate, TimeZone};
use clinic_core::chart::{ChartView, TimelineKind};
use clinic_core::ipc::Language;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::Document;

use crate::flow::{draw_lines, page_number, paginate, rule, BodyLine, HEIGHT, WIDTH};
use crate::labels::Labels;
use crate::text::Fonts;
use crate::PrintError;

const MARGIN: f32 = 48.0;
const BODY_TOP: f32 = 112.0;
const BODY_BOTTOM: f32 = HEIGHT - 60.0;

/// The summary of `chart` as a PDF, printed on `date`; times on the clinic's clock `zone`.
pub fn render<Tz: TimeZone>(
    clinic: &str,
    chart: &ChartView,
    date: NaiveDate,
    zone: &Tz,
    language: Language,
) -> Result<Vec<u8>, PrintError>
where
    Tz::Offset: std::fmt::Display,
{
    let fonts = Fonts::load()?;
    let labels = Labels::new(language);
    let width = WIDTH - 2.0 * MARGIN;
    let mut body = Vec::new();
    let heading = |body: &mut Vec<BodyLine>, key: &str| {
        body.push(BodyLine::new(labels.text(key), 12.0, true, 0.0, 12.0));
    };
    let lines = |body: &mut Vec<BodyLine>, text: &str, indent: f32| {
        for line in fonts.wrap(text, 10.0, false, width - indent) {
            body.push(BodyLine::new(line, 10.0, false, indent, 0.0));
        }
    };
    let p = &chart.patient;
    let mut who = vec![p.demographics.full_name.clone(), p.patient_number.clone()];
    if let Some(born) = p.demographics.date_of_birth {
        who.push(labels.digits(&born.format("%d.%m.%Y").to_string()));
    }
    body.push(BodyLine::new(who.join(" · "), 13.0, true, 0.0, 0.0));

    heading(&mut body, "summary-allergies");
    if chart.summary.allergies.is_empty() {
        lines(&mut body, &labels.text("summary-none"), 0.0);
    }
    for a in &chart.summary.allergies {
        let text = if a.reaction.is_empty() {
            a.substance.clone()
        } else {
            format!("{} — {}", a.substance, a.reaction)
        };
        lines(&mut body, &format!("• {text}"), 0.0);
    }
    heading(&mut body, "summary-conditions");
    if chart.summary.conditions.is_empty() {
        lines(&mut body, &labels.text("summary-none"), 0.0);
    }
    for c in &chart.summary.conditions {
        lines(&mut body, &format!("• {}", c.name), 0.0);
    }
    heading(&mut body, "summary-medications");
    if chart.medications.is_empty() {
        lines(&mut body, &labels.text("summary-none"), 0.0);
    }
    for m in &chart.medications {
        let until = labels.digits(&m.until.with_timezone(zone).format("%d.%m.%Y").to_string());
        lines(
            &mut body,
            &format!(
                "• {}",
                labels.text_with(
                    "summary-until",
                    &[
                        ("medicine", m.medicine.clone().into()),
                        ("until", until.into())
                    ]
                )
            ),
            0.0,
        );
    }
    heading(&mut body, "summary-documents");
    if chart.documents.is_empty() {
        lines(&mut body, &labels.text("summary-none"), 0.0);
    }
    for d in &chart.documents {
        let day = labels.digits(
            &d.uploaded_at
                .with_timezone(zone)
                .format("%d.%m.%Y")
                .to_string(),
        );
        lines(
            &mut body,
            &format!("• {day} — {} ({})", d.title, d.file_name),
            0.0,
        );
    }
    heading(&mut body, "summary-timeline");
    for e in chart
        .timeline
        .iter()
        .filter(|e| e.kind != TimelineKind::Message)
    {
        let day = labels.digits(&e.at.with_timezone(zone).format("%d.%m.%Y").to_string());
        let kind = labels.text(&format!("summary-kind-{}", e.kind.as_str()));
        for (n, line) in fonts
            .wrap(
                &format!("{day} · {kind}: {}", e.title),
                10.0,
                n_bold(e.kind),
                width,
            )
            .into_iter()
            .enumerate()
        {
            body.push(BodyLine::new(
                line,
                10.0,
                n_bold(e.kind),
                0.0,
                if n == 0 { 4.0 } else { 0.0 },
            ));
        }
        if !e.detail.is_empty() && e.kind != TimelineKind::Visit {
            lines(&mut body, &e.detail, 14.0);
        }
    }

    let pages = paginate(&body, BODY_TOP, BODY_BOTTOM, 0.0);
    let page_count = pages.len();
    let mut document = Document::new_with(krilla::SerializeSettings {
        compress_content_streams: false,
        ..Default::default()
    });
    for (index, page_lines) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| PrintError::Pdf("page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        fonts.draw(&mut surface, MARGIN, 58.0, clinic, 11.0, false);
        fonts.draw(
            &mut surface,
            MARGIN,
            84.0,
            &labels.text("summary-title"),
            18.0,
            true,
        );
        let printed = labels.text_with(
            "summary-printed",
            &[("date", labels.long_date(date).into())],
        );
        let w = fonts.width(&printed, 9.0, false);
        fonts.draw(&mut surface, WIDTH - MARGIN - w, 84.0, &printed, 9.0, false);
        rule(&mut surface, MARGIN, WIDTH - MARGIN, 94.0, 1.0);
        draw_lines(&mut surface, fonts, page_lines, MARGIN, BODY_TOP);
        page_number(&mut surface, fonts, &labels, MARGIN, index, page_count);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

/// Consultations and prescriptions stand out in the timeline.
fn n_bold(kind: TimelineKind) -> bool {
    matches!(
        kind,
        TimelineKind::Consultation | TimelineKind::Prescription
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poppler::{read_back, squeezed};

    #[test]
    fn the_summary_reads_back_in_both_languages_on_as_many_pages_as_it_needs() {
        let chart = clinic_core::chart::sample::chart(120);
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let zone = chrono::Utc;
        let (pages, text) = read_back(
            &render(
                "Clinic Desk Demo Clinic",
                &chart,
                day,
                &zone,
                Language::English,
            )
            .unwrap(),
        );
        assert!(pages >= 2, "{pages}");
        for want in [
            "Record summary",
            "Rahima Khatun · 1-0008",
            "Penicillin — rash",
            "Blood count (report-2026-11-24-abababab.pdf)",
            "24.11.2026 · Consultation: Haemoglobin low, visit 0",
            "Page 1 of",
        ] {
            assert!(
                squeezed(&text).contains(&squeezed(want)),
                "{want:?} missing from:\n{text}"
            );
        }
        let (_, text) = read_back(
            &render(
                "Clinic Desk Demo Clinic",
                &chart,
                day,
                &zone,
                Language::Bangla,
            )
            .unwrap(),
        );
        for want in ["রেকর্ডের সারাংশ", "অ্যালার্জি", "২৪.১১.২০২৬ · পরামর্শ"]
        {
            assert!(
                squeezed(&text).contains(&squeezed(want)),
                "{want:?} missing from:\n{text}"
            );
        }
    }
}
