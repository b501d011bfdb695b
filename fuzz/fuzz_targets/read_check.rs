//! Any bytes, read as a workbook and checked: reading either gives a workbook or a typed
//! error, and checking and rendering what was read never panics.
#![no_main]

use crossfoot::{
    check, read_workbook_with, render_csv, render_json, FileOutcome, Lang, TemplateChoice,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    crossfoot_fuzz::tolerate_calamine_panics();
    let Ok(book) = read_workbook_with(bytes, "fuzz.xlsx", &crossfoot_fuzz::limits()) else {
        return;
    };
    let report = check(&book, &TemplateChoice::Auto);
    let files = [FileOutcome {
        path: "fuzz.xlsx".to_string(),
        result: Ok(report),
    }];
    let _ = render_csv(&files, Lang::Vi);
    let _ = render_json(&files, Lang::En);
});
