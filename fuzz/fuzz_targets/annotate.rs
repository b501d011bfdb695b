//! Any bytes that read as a workbook: the annotated copy is written without panic and reads
//! back as a workbook with the same sheets first.
#![no_main]

use crossfoot::{
    annotated_workbook, check, read_workbook, read_workbook_with, OutputOptions, TemplateChoice,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    crossfoot_fuzz::tolerate_calamine_panics();
    let Ok(book) = read_workbook_with(bytes, "fuzz.xlsx", &crossfoot_fuzz::limits()) else {
        return;
    };
    let report = check(&book, &TemplateChoice::Auto);
    let Ok(annotated) = annotated_workbook(bytes, &book, &report, &OutputOptions::default()) else {
        return;
    };
    let again = read_workbook(&annotated, "fuzz.checked.xlsx");
    assert!(again.is_ok(), "the annotated copy does not read: {again:?}");
});
