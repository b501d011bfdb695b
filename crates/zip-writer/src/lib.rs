//! The zip writer crossfoot writes its patched packages (annotated and corrected
//! workbooks) with, behind an API without type parameters.
//!
//! Why a crate of its own: `zip`'s writer is generic over its output, so its code is
//! compiled in the crate that names the output type, at that crate's opt-level. In
//! crossfoot (opt-level 2 in the page's wasm) that inlined the whole zopfli compressor,
//! which zip compiles in and nothing of ours calls, into one 180 KB function. Named here,
//! the writer is compiled at this crate's opt-level, which `[profile.wasm.package]` sets to
//! "z": the page's check never writes a zip, and deflating stays in `zlib-rs` at 2. Every
//! method is `#[inline(never)]` (Rust inlines small functions across crates by itself,
//! which would instantiate zip's writer in the caller again), and the writer is held as a
//! trait object, so that dropping it (zip's writer finishes the archive when dropped) is
//! not instantiated in the caller either.

use std::io::{self, Cursor, Write};

use zip::read::ZipFile;
use zip::result::ZipResult;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// A zip being written into memory.
pub struct PackageWriter {
    zip: Box<dyn Sink>,
}

/// zip's writer into memory, behind a vtable made in this crate.
trait Sink {
    fn zip(&mut self) -> &mut ZipWriter<Cursor<Vec<u8>>>;
    fn finish(self: Box<Self>) -> ZipResult<Vec<u8>>;
}

impl Sink for ZipWriter<Cursor<Vec<u8>>> {
    fn zip(&mut self) -> &mut ZipWriter<Cursor<Vec<u8>>> {
        self
    }

    fn finish(self: Box<Self>) -> ZipResult<Vec<u8>> {
        Ok((*self).finish()?.into_inner())
    }
}

impl Default for PackageWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl PackageWriter {
    /// An empty zip.
    #[must_use]
    #[inline(never)]
    pub fn new() -> Self {
        PackageWriter {
            zip: Box::new(ZipWriter::new(Cursor::new(Vec::new()))),
        }
    }

    /// Starts a deflated entry: at `level` (zip's default when `None`), zip64 when `large`,
    /// dated `modified` (zip's default when `None`).
    ///
    /// # Errors
    /// What zip returns.
    #[inline(never)]
    pub fn start_deflated(
        &mut self,
        name: &str,
        level: Option<i64>,
        large: bool,
        modified: Option<DateTime>,
    ) -> ZipResult<()> {
        let mut options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(large)
            .compression_level(level);
        if let Some(time) = modified {
            options = options.last_modified_time(time);
        }
        self.zip.zip().start_file(name, options)
    }

    /// Writes the whole of `bytes` into the entry started last.
    ///
    /// # Errors
    /// What zip returns.
    #[inline(never)]
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.zip.zip().write_all(bytes)
    }

    /// Copies an entry of another zip as it is stored (without inflating it).
    ///
    /// # Errors
    /// What zip returns.
    #[inline(never)]
    pub fn raw_copy_file(&mut self, file: ZipFile<'_, Cursor<&[u8]>>) -> ZipResult<()> {
        self.zip.zip().raw_copy_file(file)
    }

    /// The zip's bytes, its central directory written.
    ///
    /// # Errors
    /// What zip returns.
    #[inline(never)]
    pub fn finish(self) -> ZipResult<Vec<u8>> {
        self.zip.finish()
    }
}
