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

/// The limits the fuzz targets read with: the defaults, with room for at most a million
/// cells a sheet. A fuzz input is at most 256 KB; one that claims a 20-million-cell
/// rectangle (allowed by the defaults, as real statistics sheets can be that large) would
/// spend the run allocating it and make the fuzzer's memory ceiling a matter of luck. The
/// defaults themselves are measured by the hostile corpus tests. The text a sheet's cells
/// show is held to 16 MB for the same reason (the default, 256 MB, is copied twice on the
/// way from calamine).
pub fn limits() -> crossfoot::Limits {
    crossfoot::Limits {
        max_cells_per_sheet: 1_000_000,
        max_text_bytes_per_sheet: 16 << 20,
        ..crossfoot::Limits::default()
    }
}
