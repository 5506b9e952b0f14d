//! The clinic's printed documents, as PDF bytes, and calendar exports (iCalendar). Pure apart from the bundled fonts: no files, no
//! clock (the time printed on a document is an argument).
//!
//! Why krilla and not printpdf: printpdf 0.12 draws Bengali text unshaped (broken conjuncts,
//! misplaced vowel signs); krilla shapes it as it places it and keeps it copyable (see
//! ARCHITECTURE.md).

pub mod calendar;
pub mod day_list;
mod flow;
pub mod invoice;
mod labels;
#[cfg(test)]
mod poppler;
pub mod prescription;
pub mod record_summary;
#[doc(hidden)]
pub mod sample;
mod text;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("a bundled font could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}
