//! Shared by the fuzz targets.

use std::sync::Once;

/// Lets a panic inside calamine unwind (the core turns it into `ReadError::Corrupt`, see
/// `read_workbook_with`) while any other panic still aborts and is reported as a crash.
/// libFuzzer's own hook aborts on every panic, even one that is caught.
pub fn tolerate_calamine_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let in_calamine = info
                .location()
                .is_some_and(|at| at.file().contains("calamine"));
            if !in_calamine {
                eprintln!("{info}");
                std::process::abort();
            }
        }));
    });
}
