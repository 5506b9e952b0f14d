//! Running text over A4 pages: lines of a body (each with its size, weight, indent and space
//! above), split into pages, drawn under each page's own header; and the shared bits of a page
//! (rules, the page number).

use krilla::color::rgb;
use krilla::geom::PathBuilder;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

use crate::labels::Labels;
use crate::text::Fonts;

pub(crate) const WIDTH: f32 = 595.0;
pub(crate) const HEIGHT: f32 = 842.0;

/// One line of a body.
pub(crate) struct BodyLine {
    pub text: String,
    pub size: f32,
    pub bold: bool,
    pub indent: f32,
    /// Space above it.
    pub gap: f32,
}

impl BodyLine {
    pub(crate) fn new(text: String, size: f32, bold: bool, indent: f32, gap: f32) -> BodyLine {
        BodyLine {
            text,
            size,
            bold,
            indent,
            gap,
        }
    }

    fn height(&self) -> f32 {
        self.gap + self.size * 1.45
    }
}

/// `body` split into pages of lines between `top` and `bottom`; when the last page has less
/// than `closing` points left, an empty page follows for what closes the document.
pub(crate) fn paginate(
    body: &[BodyLine],
    top: f32,
    bottom: f32,
    closing: f32,
) -> Vec<Vec<&BodyLine>> {
    let mut pages: Vec<Vec<&BodyLine>> = vec![Vec::new()];
    let mut y = top;
    for line in body {
        if y + line.height() > bottom {
            pages.push(Vec::new());
            y = top;
        }
        y += line.height();
        if let Some(page) = pages.last_mut() {
            page.push(line);
        }
    }
    if y > bottom - closing {
        pages.push(Vec::new());
    }
    pages
}

/// Draw a page's lines from `top`, at the left margin `x`.
pub(crate) fn draw_lines(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    lines: &[&BodyLine],
    x: f32,
    top: f32,
) {
    let mut y = top;
    for line in lines {
        y += line.gap + line.size;
        fonts.draw(
            surface,
            x + line.indent,
            y,
            &line.text,
            line.size,
            line.bold,
        );
        y += line.size * 0.45;
    }
}

fn grey() -> rgb::Color {
    rgb::Color::new(90, 98, 110)
}

/// A horizontal rule from `x0` to `x1` at `y`.
pub(crate) fn rule(surface: &mut Surface<'_>, x0: f32, x1: f32, y: f32, width: f32) {
    let mut path = PathBuilder::new();
    path.move_to(x0, y);
    path.line_to(x1, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: grey().into(),
            width,
            ..Default::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
        surface.set_fill(Some(Fill::default()));
    }
}

/// "Page 2 of 3" at the bottom right.
pub(crate) fn page_number(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    labels: &Labels,
    margin: f32,
    page: usize,
    pages: usize,
) {
    let label = labels.digits(&labels.text_with(
        "day-list-page",
        &[
            ("page", (page as u64 + 1).into()),
            ("pages", (pages as u64).into()),
        ],
    ));
    let w = fonts.width(&label, 8.0, false);
    fonts.draw(
        surface,
        WIDTH - margin - w,
        HEIGHT - 30.0,
        &label,
        8.0,
        false,
    );
}

/// The clinic at the top left of a page: its name, and under it the address and phone, cut to
/// `contact_width` points (digits as the document's language writes them).
pub(crate) fn clinic_header(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    labels: &Labels,
    clinic: &clinic_core::prescription::ClinicHeader,
    x: f32,
    contact_width: f32,
) {
    fonts.draw(surface, x, 62.0, &clinic.name, 16.0, true);
    let contact = [clinic.address.as_str(), clinic.phone.as_str()]
        .iter()
        .filter(|t| !t.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ");
    let contact = labels.digits(&fonts.fit(&contact, 9.0, false, contact_width));
    fonts.draw(surface, x, 78.0, &contact, 9.0, false);
}
