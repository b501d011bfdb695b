//! Writes `tests/fixtures/xss-sheet-name.xlsx`: a small workbook whose sheet name and cells
//! are HTML, for the browser test that proves the page shows workbook text as text.
//!
//! `cargo run --example xss_fixture [OUT]`
use rust_xlsxwriter::{Workbook, XlsxError};

fn main() -> Result<(), XlsxError> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures/xss-sheet-name.xlsx".to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("<img src=x onerror=alert(1)>")?;
    sheet.write_string(0, 0, "<script>alert(2)</script>")?;
    sheet.write_string(1, 0, "<b onmouseover=alert(3)>Tổng số</b>")?;
    // Numbers typed as text in Vietnamese writing: each gives a "number stored as text"
    // finding, so the sheet name appears in the findings table too.
    sheet.write_string(1, 1, "1.845")?;
    sheet.write_string(2, 0, "<img src=x onerror=alert(4)>")?;
    sheet.write_string(2, 1, "203.566")?;
    workbook.save(&out)?;
    println!("wrote {out}");
    Ok(())
}
