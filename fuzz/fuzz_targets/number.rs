//! Any text as a number the way offices write it, and any text as a number format: the
//! readings, their intervals and their formatting never panic.
#![no_main]

use crossfoot::{
    classify_text, format_info, format_number, format_quantity, numeric_reading, resolve_text,
    Convention, Reading, Rounding,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let shape = classify_text(text);
    for convention in [Convention::Vietnamese, Convention::English] {
        if let Reading::Number(quantity) = resolve_text(&shape, convention) {
            let _ = quantity.interval(Rounding::Nearest);
            let _ = quantity.interval(Rounding::Truncate);
            let _ = format_quantity(&quantity, convention);
            let _ = format_number(quantity.value, 2, convention);
        }
    }
    // The same text as a number format code, applied to a large value.
    let info = format_info(text);
    let quantity = numeric_reading(rust_decimal::Decimal::MAX, Some(&info));
    let _ = quantity.interval(Rounding::Nearest);
    let _ = format_quantity(&quantity, Convention::Vietnamese);
});
