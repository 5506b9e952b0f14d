//! The printed invoice and receipt: the clinic's header, the number and date, the patient, the
//! lines (what, how many, at what price, the discount, the amount), the totals with what was paid
//! and what is still due, the amount in words, and — on a receipt — the payments received. In
//! English or Bangla (Bangla digits), A4, on as many pages as the lines need (the header again
//! on each, the totals on the last).

use chrono::NaiveDate;
use clinic_core::billing::{DiscountOff, InvoiceRecord, PaymentMethod};
use clinic_core::ipc::Language;
use clinic_core::money::{amount_in_words, Money};
use clinic_core::prescription::ClinicHeader;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::Document;

use crate::flow::{clinic_header, page_number, rule, HEIGHT, WIDTH};
use crate::labels::Labels;
use crate::text::Fonts;
use crate::PrintError;

const MARGIN: f32 = 48.0;
const TABLE_TOP: f32 = 206.0;
const ROW: f32 = 18.0;
const TABLE_BOTTOM: f32 = HEIGHT - 70.0;
/// Room the totals, the words and the payments need under the last row.
const CLOSING_HEIGHT: f32 = 200.0;

/// The columns: the description's left edge, the others' right edges (figures right-aligned).
const COL_NO: f32 = MARGIN;
const COL_DESCRIPTION: f32 = MARGIN + 24.0;
const COL_QUANTITY: f32 = 320.0;
const COL_PRICE: f32 = 400.0;
const COL_DISCOUNT: f32 = 470.0;
const COL_AMOUNT: f32 = WIDTH - MARGIN;

/// Everything a printed invoice or receipt shows.
pub struct InvoiceSheet<'a> {
    pub clinic: &'a ClinicHeader,
    pub invoice: &'a InvoiceRecord,
    pub patient_name: &'a str,
    pub patient_number: &'a str,
    /// The day it is printed for, on the clinic's clock.
    pub date: NaiveDate,
    /// A receipt lists the payments received; an invoice asks for what is due.
    pub receipt: bool,
}

struct Row {
    number: String,
    description: String,
    quantity: String,
    price: String,
    discount: String,
    amount: String,
}

fn right(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    x: f32,
    y: f32,
    text: &str,
    size: f32,
    bold: bool,
) {
    fonts.draw_right(surface, x, y, text, size, bold);
}

fn problem(e: clinic_core::billing::BillingProblem) -> PrintError {
    PrintError::Pdf(format!("the invoice does not add up: {e}"))
}

/// A share in basis points as a percentage: `12.5%`.
fn percent(basis_points: u32) -> String {
    let (whole, hundredths) = (basis_points / 100, basis_points % 100);
    match hundredths {
        0 => format!("{whole}%"),
        h if h % 10 == 0 => format!("{whole}.{}%", h / 10),
        h => format!("{whole}.{h:02}%"),
    }
}

/// The invoice (or the receipt) as a PDF.
pub fn render(sheet: &InvoiceSheet<'_>, language: Language) -> Result<Vec<u8>, PrintError> {
    let fonts = Fonts::load()?;
    let labels = Labels::new(language);
    let bangla = language == Language::Bangla;
    let invoice = sheet.invoice;
    let money = |m: Money| m.display(bangla);
    let totals = invoice.totals().map_err(problem)?;
    let paid = invoice.paid().map_err(problem)?;
    let refunded = invoice.refunded().map_err(problem)?;
    let due = invoice.due().map_err(problem)?;

    let description_width = COL_QUANTITY - COL_DESCRIPTION - 36.0;
    let mut rows = Vec::with_capacity(invoice.lines.len());
    for (i, line) in invoice.lines.iter().enumerate() {
        let t = line.totals(i + 1).map_err(problem)?;
        let mut description = line.description.clone();
        if line.tax_basis_points > 0 {
            description.push_str(&format!(
                " (+{} {})",
                percent(line.tax_basis_points),
                labels.text("invoice-tax")
            ));
        }
        rows.push(Row {
            number: labels.digits(&(i + 1).to_string()),
            description: labels.digits(&fonts.fit(&description, 9.5, false, description_width)),
            quantity: labels.digits(&line.quantity.to_string()),
            price: money(line.unit_price),
            discount: match line.discount.as_ref().map(|d| d.off) {
                None => String::new(),
                Some(DiscountOff::Percent(bp)) => labels.digits(&format!("-{}", percent(bp))),
                Some(DiscountOff::Amount(_)) => format!("-{}", money(t.discount)),
            },
            amount: money(t.total),
        });
    }
    let per_page = ((TABLE_BOTTOM - TABLE_TOP - ROW) / ROW) as usize;
    let on_last = ((TABLE_BOTTOM - CLOSING_HEIGHT - TABLE_TOP - ROW) / ROW) as usize;
    let mut pages: Vec<&[Row]> = Vec::new();
    let mut rest: &[Row] = &rows;
    while rest.len() > on_last {
        let take = rest.len().min(per_page);
        let (page, more) = rest.split_at(take);
        pages.push(page);
        rest = more;
    }
    pages.push(rest);
    let page_count = pages.len();

    let mut document = Document::new_with(krilla::SerializeSettings {
        compress_content_streams: false,
        ..Default::default()
    });
    let title = labels.text(if sheet.receipt {
        "receipt-title"
    } else {
        "invoice-title"
    });
    for (page_index, page_rows) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| PrintError::Pdf("page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));

        // The header: the clinic on the left; what this is, its number and date on the right.
        clinic_header(&mut surface, fonts, &labels, sheet.clinic, MARGIN, 280.0);
        right(
            &mut surface,
            fonts,
            WIDTH - MARGIN,
            62.0,
            &title,
            18.0,
            true,
        );
        let number = labels.text_with(
            "invoice-number",
            &[("number", labels.digits(&invoice.number).into())],
        );
        right(
            &mut surface,
            fonts,
            WIDTH - MARGIN,
            80.0,
            &number,
            10.0,
            false,
        );
        let dated = labels.long_date(sheet.date);
        right(
            &mut surface,
            fonts,
            WIDTH - MARGIN,
            94.0,
            &dated,
            10.0,
            false,
        );
        rule(&mut surface, MARGIN, WIDTH - MARGIN, 120.0, 1.0);

        // Who it is for.
        let mut who = vec![format!(
            "{}: {}",
            labels.text("rx-patient"),
            sheet.patient_name
        )];
        if !sheet.patient_number.is_empty() {
            who.push(format!(
                "{} {}",
                labels.text("rx-number"),
                labels.digits(sheet.patient_number)
            ));
        }
        let who = fonts.fit(&who.join(" · "), 10.0, false, WIDTH - 2.0 * MARGIN);
        fonts.draw(&mut surface, MARGIN, 144.0, &who, 10.0, false);
        if invoice.state == clinic_core::billing::InvoiceState::Void {
            let void = labels.text("invoice-void");
            right(
                &mut surface,
                fonts,
                WIDTH - MARGIN,
                144.0,
                &void,
                11.0,
                true,
            );
        }

        // The table: its heading, then this page's rows.
        let head_y = TABLE_TOP - 8.0;
        fonts.draw(&mut surface, COL_NO, head_y, "#", 9.0, true);
        let heads = [
            (COL_QUANTITY, "invoice-quantity"),
            (COL_PRICE, "invoice-price"),
            (COL_DISCOUNT, "invoice-discount"),
            (COL_AMOUNT, "invoice-amount"),
        ];
        fonts.draw(
            &mut surface,
            COL_DESCRIPTION,
            head_y,
            &labels.text("invoice-description"),
            9.0,
            true,
        );
        for (x, key) in heads {
            right(&mut surface, fonts, x, head_y, &labels.text(key), 9.0, true);
        }
        rule(&mut surface, MARGIN, WIDTH - MARGIN, TABLE_TOP - 2.0, 0.5);
        let mut y = TABLE_TOP + 12.0;
        for row in page_rows.iter() {
            fonts.draw(&mut surface, COL_NO, y, &row.number, 9.5, false);
            fonts.draw(
                &mut surface,
                COL_DESCRIPTION,
                y,
                &row.description,
                9.5,
                false,
            );
            right(
                &mut surface,
                fonts,
                COL_QUANTITY,
                y,
                &row.quantity,
                9.5,
                false,
            );
            right(&mut surface, fonts, COL_PRICE, y, &row.price, 9.5, false);
            right(
                &mut surface,
                fonts,
                COL_DISCOUNT,
                y,
                &row.discount,
                9.5,
                false,
            );
            right(&mut surface, fonts, COL_AMOUNT, y, &row.amount, 9.5, false);
            y += ROW;
        }

        // The last page: the totals, the amount in words, the payments.
        if page_index + 1 == page_count {
            rule(&mut surface, COL_PRICE - 60.0, WIDTH - MARGIN, y - 8.0, 0.5);
            let mut lines = vec![(labels.text("invoice-subtotal"), money(totals.gross), false)];
            if totals.discount.is_positive() {
                lines.push((
                    labels.text("invoice-discount"),
                    format!("-{}", money(totals.discount)),
                    false,
                ));
            }
            if totals.tax.is_positive() {
                lines.push((labels.text("invoice-tax"), money(totals.tax), false));
            }
            lines.push((labels.text("invoice-total"), money(totals.total), true));
            if paid.is_positive() {
                lines.push((labels.text("invoice-paid"), money(paid), false));
            }
            if refunded.is_positive() {
                lines.push((labels.text("invoice-refunded"), money(refunded), false));
            }
            if !sheet.receipt || due.is_positive() {
                lines.push((labels.text("invoice-due"), money(due), true));
            }
            y += 6.0;
            for (label, figure, bold) in lines {
                right(&mut surface, fonts, COL_DISCOUNT, y, &label, 10.0, bold);
                right(&mut surface, fonts, COL_AMOUNT, y, &figure, 10.0, bold);
                y += 16.0;
            }
            let in_words = format!(
                "{}: {}",
                labels.text("invoice-in-words"),
                amount_in_words(if sheet.receipt { paid } else { totals.total }, language)
            );
            y += 8.0;
            for text in fonts.wrap(&in_words, 9.5, false, WIDTH - 2.0 * MARGIN) {
                fonts.draw(&mut surface, MARGIN, y, &text, 9.5, false);
                y += 14.0;
            }
            if sheet.receipt {
                y += 8.0;
                fonts.draw(
                    &mut surface,
                    MARGIN,
                    y,
                    &labels.text("receipt-received"),
                    10.0,
                    true,
                );
                y += 15.0;
                for p in &invoice.payments {
                    let method = labels.text(&format!("payment-{}", p.method.as_str()));
                    let reference = match (&p.reference, p.method) {
                        (Some(r), m) if m != PaymentMethod::Cash => format!(" · {r}"),
                        _ => String::new(),
                    };
                    let line = format!("{method}{reference}");
                    fonts.draw(
                        &mut surface,
                        MARGIN + 12.0,
                        y,
                        &fonts.fit(&line, 9.5, false, 300.0),
                        9.5,
                        false,
                    );
                    right(
                        &mut surface,
                        fonts,
                        COL_AMOUNT,
                        y,
                        &money(p.amount),
                        9.5,
                        false,
                    );
                    y += 14.0;
                }
                y += 10.0;
                fonts.draw(
                    &mut surface,
                    MARGIN,
                    y,
                    &labels.text("receipt-thanks"),
                    10.0,
                    false,
                );
            }
        }

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
    use crate::sample;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    #[test]
    fn an_invoice_reads_back_with_its_lines_totals_and_amount_in_words() {
        let clinic = sample::clinic();
        let invoice = sample::invoice(3, 0);
        let sheet = InvoiceSheet {
            clinic: &clinic,
            invoice: &invoice,
            patient_name: "রহিমা খাতুন",
            patient_number: "3-0042",
            date: day(),
            receipt: false,
        };
        let (pages, text) = read_back(&render(&sheet, Language::English).unwrap());
        assert_eq!(pages, 1);
        // 500 + 2 × 550 − 10 % (110) + 3 × 600 × 1.05 (1,890) = 3,380.
        for want in [
            "Clinic Desk Demo Clinic",
            "Invoice",
            "No. INV-3-00042",
            "Friday 4 December 2026",
            "3-0042",
            "Consultation — Dr. Shafiq Hasan",
            "ECG, 12 leads 1",
            "-10%",
            "(+5% Tax)",
            "Subtotal",
            "৳3,400.00",
            "-৳110.00",
            "৳90.00",
            "Total",
            "৳3,380.00",
            "Due",
            "Three thousand three hundred eighty taka only",
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
    fn a_bangla_receipt_runs_to_a_second_page_with_the_payments_on_the_last() {
        let clinic = sample::clinic();
        let invoice = sample::invoice(45, 100_000);
        let sheet = InvoiceSheet {
            clinic: &clinic,
            invoice: &invoice,
            patient_name: "রহিমা খাতুন",
            patient_number: "3-0042",
            date: day(),
            receipt: true,
        };
        let (pages, text) = read_back(&render(&sheet, Language::Bangla).unwrap());
        assert_eq!(pages, 2, "{text}");
        for want in [
            "রসিদ",
            "নং INV-৩-০০০৪২",
            "শুক্রবার ৪ ডিসেম্বর ২০২৬",
            "ড্রেসিং ও ব্যান্ডেজ ২",
            "সর্বমোট",
            "পরিশোধিত",
            "৳১,০০০.০০",
            "বাকি",
            "কথায়: এক হাজার টাকা মাত্র",
            "গৃহীত",
            "নগদ",
            "কার্ড · SLIP 004217",
            "৳৫০০.০০",
            "ধন্যবাদ।",
            "পৃষ্ঠা ২ / ২",
        ] {
            assert!(
                squeezed(&text).contains(&squeezed(want)),
                "{want:?} missing from:\n{text}"
            );
        }
    }
}
