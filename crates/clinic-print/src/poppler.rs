//! Reading a PDF back with poppler (tests only): what a person would see in it.

pub(crate) fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// What poppler reads from the PDF: its page count and its text.
pub(crate) fn read_back(pdf: &[u8]) -> (usize, String) {
    let dir = std::env::temp_dir().join(format!("clinic-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.pdf", pdf.len()));
    if let Some(keep) = std::env::var_os("CLINIC_PRINT_KEEP") {
        std::fs::write(
            std::path::Path::new(&keep).join(format!("{}.pdf", pdf.len())),
            pdf,
        )
        .unwrap();
    }
    std::fs::write(&file, pdf).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&file)
        .output()
        .expect("pdfinfo (poppler-utils, installed by scripts/setup.sh)");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext");
    (pages, String::from_utf8_lossy(&text.stdout).into_owned())
}
