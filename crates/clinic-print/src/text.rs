//! Text in two scripts: Latin runs in Noto Sans, Bengali runs in Noto Sans Bengali (which has no
//! Latin letters). A line is split into runs by script, each run is measured with rustybuzz and
//! drawn by krilla, which shapes it — so conjuncts and vowel signs come out right and the text in
//! the PDF stays copyable.

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::PrintError;

const LATIN: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
const LATIN_BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");
const BENGALI: &[u8] = include_bytes!("../fonts/NotoSansBengali-Regular.ttf");
const BENGALI_BOLD: &[u8] = include_bytes!("../fonts/NotoSansBengali-Bold.ttf");

/// One font: krilla's handle to draw with and the parsed face to measure with (both made once
/// per process: parsing the fonts each time was most of a document's cost).
struct Face {
    font: Font,
    shaper: rustybuzz::Face<'static>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Result<Face, PrintError> {
        let font = Font::new(bytes.to_vec().into(), 0).ok_or(PrintError::Font)?;
        let shaper = rustybuzz::Face::from_slice(bytes, 0).ok_or(PrintError::Font)?;
        Ok(Face { font, shaper })
    }

    /// The advance of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.shaper, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(self.shaper.units_per_em() as u16)
    }
}

/// The document's fonts.
pub(crate) struct Fonts {
    latin: Face,
    latin_bold: Face,
    bengali: Face,
    bengali_bold: Face,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Latin,
    Bengali,
}

fn script_of(c: char) -> Option<Script> {
    match c {
        '\u{0980}'..='\u{09FF}' => Some(Script::Bengali),
        // Danda and double danda belong to Bengali text; joiners to whatever surrounds them.
        '\u{0964}' | '\u{0965}' => Some(Script::Bengali),
        '\u{200C}' | '\u{200D}' => None,
        // Punctuation Noto Sans Bengali does not have: drawn in the Latin font wherever it is.
        '\u{00B7}' | '\u{2022}' | '$' | '&' | '@' => Some(Script::Latin),
        c if c.is_alphabetic() => Some(Script::Latin),
        _ => None,
    }
}

/// `text` split into runs of one script; spaces, digits and punctuation join the run they are
/// in (or the next one, at the start).
fn runs(text: &str) -> Vec<(Script, &str)> {
    let mut out: Vec<(Script, &str)> = Vec::new();
    let mut start = 0;
    let mut current: Option<Script> = None;
    for (i, c) in text.char_indices() {
        match (current, script_of(c)) {
            (None, Some(s)) => current = Some(s),
            (Some(a), Some(b)) if a != b => {
                out.push((a, &text[start..i]));
                start = i;
                current = Some(b);
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push((current.unwrap_or(Script::Latin), &text[start..]));
    }
    out
}

static FONTS: std::sync::OnceLock<Result<Fonts, PrintError>> = std::sync::OnceLock::new();

impl Fonts {
    /// The bundled fonts, read once per process.
    pub(crate) fn load() -> Result<&'static Fonts, PrintError> {
        FONTS
            .get_or_init(|| {
                Ok(Fonts {
                    latin: Face::load(LATIN)?,
                    latin_bold: Face::load(LATIN_BOLD)?,
                    bengali: Face::load(BENGALI)?,
                    bengali_bold: Face::load(BENGALI_BOLD)?,
                })
            })
            .as_ref()
            .map_err(|_| PrintError::Font)
    }

    fn face(&self, script: Script, bold: bool) -> &Face {
        match (script, bold) {
            (Script::Latin, false) => &self.latin,
            (Script::Latin, true) => &self.latin_bold,
            (Script::Bengali, false) => &self.bengali,
            (Script::Bengali, true) => &self.bengali_bold,
        }
    }

    /// How wide `text` is at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        runs(text)
            .iter()
            .map(|(script, run)| self.face(*script, bold).width(run, size))
            .sum()
    }

    /// `text` cut to fit `max` points, with an ellipsis when cut.
    pub(crate) fn fit(&self, text: &str, size: f32, bold: bool, max: f32) -> String {
        if self.width(text, size, bold) <= max {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let candidate: String = chars.iter().collect::<String>() + "…";
            if self.width(&candidate, size, bold) <= max {
                return candidate;
            }
        }
        String::new()
    }

    /// `text` broken into lines no wider than `max` points, at spaces (a word longer than a
    /// line is cut to fit); the text's own line breaks are kept.
    pub(crate) fn wrap(&self, text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        // Each word is measured once (shaping does not reach across a space), so a paragraph
        // costs one shaping per word, not one per word per line.
        let space = self.width(" ", size, bold);
        let mut out = Vec::new();
        for paragraph in text.lines() {
            let (mut line, mut used) = (String::new(), 0.0);
            for word in paragraph.split_whitespace() {
                let width = self.width(word, size, bold);
                if line.is_empty() {
                    (line, used) = (word.to_owned(), width);
                } else if used + space + width <= max {
                    line.push(' ');
                    line.push_str(word);
                    used += space + width;
                } else {
                    out.push(std::mem::take(&mut line));
                    (line, used) = (word.to_owned(), width);
                }
                if used > max {
                    line = self.fit(&line, size, bold, max);
                    used = self.width(&line, size, bold);
                }
            }
            out.push(line);
        }
        out
    }

    /// Draw `text` with its baseline at (`x`, `y`).
    pub(crate) fn draw(
        &self,
        surface: &mut Surface<'_>,
        x: f32,
        y: f32,
        text: &str,
        size: f32,
        bold: bool,
    ) {
        let runs = runs(text);
        let last = runs.len().saturating_sub(1);
        let mut x = x;
        for (i, (script, run)) in runs.into_iter().enumerate() {
            let face = self.face(script, bold);
            surface.draw_text(
                Point::from_xy(x, y),
                face.font.clone(),
                size,
                run,
                false,
                TextDirection::Auto,
            );
            // Only a run that another follows is measured (shaping is most of the cost).
            if i < last {
                x += face.width(run, size);
            }
        }
    }

    /// Draw `text` ending at `right` (figures in a column), measuring each run once.
    pub(crate) fn draw_right(
        &self,
        surface: &mut Surface<'_>,
        right: f32,
        y: f32,
        text: &str,
        size: f32,
        bold: bool,
    ) {
        let runs = runs(text);
        let widths: Vec<f32> = runs
            .iter()
            .map(|(script, run)| self.face(*script, bold).width(run, size))
            .collect();
        let mut x = right - widths.iter().sum::<f32>();
        for ((script, run), width) in runs.into_iter().zip(widths) {
            surface.draw_text(
                Point::from_xy(x, y),
                self.face(script, bold).font.clone(),
                size,
                run,
                false,
                TextDirection::Auto,
            );
            x += width;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_text_splits_into_runs_of_one_script() {
        assert_eq!(
            runs("ডাক্তার: Dr. Shafiq Hasan (১০:৩০)"),
            vec![
                (Script::Bengali, "ডাক্তার: "),
                (Script::Latin, "Dr. Shafiq Hasan ("),
                (Script::Bengali, "১০:৩০)"),
            ]
        );
        assert_eq!(runs("10:30"), vec![(Script::Latin, "10:30")]);
        assert_eq!(runs("রহিমা খাতুন"), vec![(Script::Bengali, "রহিমা খাতুন")]);
    }

    #[test]
    fn text_is_measured_and_cut_to_fit() {
        let fonts = Fonts::load().unwrap();
        let short = fonts.width("Rahima", 10.0, false);
        let long = fonts.width("Rahima Khatun", 10.0, false);
        assert!(short > 10.0 && long > short, "{short} {long}");
        assert!(fonts.width("রহিমা", 10.0, false) > 10.0);
        let lines = fonts.wrap(
            "Take one tablet after food\nখাবারের পরে একটি ট্যাবলেট খাবেন",
            10.0,
            false,
            long,
        );
        assert!(lines.len() >= 4, "{lines:?}");
        assert!(lines
            .iter()
            .all(|l| fonts.width(l, 10.0, false) <= long + 0.01));
        assert_eq!(
            lines.join(" ").split_whitespace().count(),
            10,
            "no word lost"
        );
        let cut = fonts.fit("Rahima Khatun Chowdhury", 10.0, false, long);
        assert!(
            cut.ends_with('…') && fonts.width(&cut, 10.0, false) <= long,
            "{cut}"
        );
    }
}
