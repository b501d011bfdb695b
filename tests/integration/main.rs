//! crossfoot's integration tests, in one binary. Each module says what it covers; they read
//! the sample workbooks in `tests/fixtures/` and workbooks the tests write with
//! rust_xlsxwriter.

mod architecture;
mod batch;
mod check;
mod cli;
mod common;
mod consolidate;
mod continuity;
mod contract;
mod form;
mod form06;
mod hostile;
mod infer;
mod localize;
mod output;
mod patch;
mod property;
mod read;
mod recalc;
mod rounding;
mod structure;
mod textnum;
mod units;
mod view;
