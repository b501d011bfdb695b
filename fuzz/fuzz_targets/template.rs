//! Any text as a template (TOML): parsing gives a template or a typed error, never a panic.
#![no_main]

use crossfoot::Template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = Template::from_toml(text);
});
