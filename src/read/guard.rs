//! Checks a zip package against the [`Limits`] before any reader inflates it: declared
//! sizes and ratios from the central directory, then every part inflated through a bounded
//! reader (so a part that lies about its size is caught as it inflates), with the XML
//! parts' nesting depth counted on the way. Also refuses ambiguous packages: duplicate
//! part names and names that climb out of the package (`../`, absolute paths).
//!
//! calamine inflates parts itself with no bound; after this check passes, what it inflates
//! is known to fit.

use std::io::{Cursor, Read};

use crate::error::ReadError;
use crate::limits::Limits;

/// Validates every part of the zip package in `bytes` against `limits`, except that the
/// parts `defer` names are checked only by what the central directory declares: their
/// inflation is measured by whoever reads them first, through a [`PartMeter`] (the one-scan
/// sheet reader, which inflates the sheet anyway, so that a big sheet is inflated once, not
/// twice), or by [`Unmeasured::measure_rest`] before a reader
/// that does not measure touches them; the caller leaves none unmeasured.
///
/// # Errors
/// [`ReadError::LimitExceeded`] for a size, ratio or depth over its limit,
/// [`ReadError::Corrupt`] for an unreadable or ambiguous package (duplicate or unsafe part
/// names, a part larger than it declares), [`ReadError::Encrypted`] for encrypted parts.
pub(crate) fn check_zip_deferring(
    bytes: &[u8],
    limits: &Limits,
    defer: impl Fn(&str) -> bool,
) -> Result<Unmeasured, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
    if archive.has_duplicate_names() {
        return Err(ReadError::Corrupt(
            "gói zip có hai phần cùng tên / the zip package holds two parts with the same name"
                .to_string(),
        ));
    }
    // Declared sizes first: a bomb that tells the truth is refused before inflating a byte.
    let mut declared_total: u64 = 0;
    let mut deferred = Vec::new();
    for index in 0..archive.len() {
        let part = archive
            .by_index_raw(index)
            .map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        if !is_safe_part_name(&name) {
            return Err(ReadError::Corrupt(format!(
                "tên phần không an toàn / unsafe part name in the zip package: {name:?}"
            )));
        }
        if part.encrypted() {
            return Err(ReadError::Encrypted);
        }
        declared_total = declared_total.saturating_add(part.size());
        check_total(declared_total, limits)?;
        check_ratio(&name, part.size(), part.compressed_size(), limits)?;
        if defer(&name) {
            deferred.push(index);
        }
    }
    // Then the real sizes: inflate each part through a bounded reader, never keeping more
    // than one buffer of it.
    let mut unmeasured = Unmeasured {
        parts: Vec::new(),
        inflated_total: 0,
    };
    // One buffer for every part, not one allocated (and zeroed) per part.
    let mut buffer = vec![0u8; 64 << 10];
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(open_error)?;
        if deferred.contains(&index) {
            unmeasured
                .parts
                .push(part.name().map(|n| n.into_owned()).unwrap_or_default());
            continue;
        }
        measure_whole(part, &mut unmeasured.inflated_total, &mut buffer, limits)?;
    }
    Ok(unmeasured)
}

/// The parts [`check_zip_deferring`] left to their reader, and how much every part
/// measured so far inflated to (the package's total is limited, not only each part).
#[derive(Debug, Default)]
pub(crate) struct Unmeasured {
    parts: Vec<String>,
    inflated_total: u64,
}

impl Unmeasured {
    /// Whether `part` is left for its reader to measure.
    pub(crate) fn holds(&self, part: &str) -> bool {
        self.parts.iter().any(|name| name == part)
    }

    /// The reader measured the whole of `part` through `meter`: it leaves the list, and
    /// its size counts into the package's total.
    ///
    /// # Errors
    /// [`ReadError::LimitExceeded`] when the package's total passes its limit.
    pub(crate) fn measured(
        &mut self,
        part: &str,
        meter: &PartMeter,
        limits: &Limits,
    ) -> Result<(), ReadError> {
        self.parts.retain(|name| name != part);
        self.inflated_total = self.inflated_total.saturating_add(meter.inflated);
        check_total(self.inflated_total, limits)
    }

    /// Measures every part still unmeasured, as [`check_zip_deferring`] measures the
    /// others: before a reader that does not measure (calamine) opens a sheet, and before
    /// the workbook leaves the reader (its outputs inflate parts again).
    ///
    /// # Errors
    /// As [`check_zip_deferring`].
    pub(crate) fn measure_rest(mut self, bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
        if self.parts.is_empty() {
            return Ok(());
        }
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
        let mut buffer = vec![0u8; 64 << 10];
        for name in std::mem::take(&mut self.parts) {
            let part = archive.by_name(&name).map_err(open_error)?;
            measure_whole(part, &mut self.inflated_total, &mut buffer, limits)?;
        }
        Ok(())
    }
}

fn open_error(error: zip::result::ZipError) -> ReadError {
    match error {
        zip::result::ZipError::UnsupportedArchive(msg) if msg.contains("assword") => {
            ReadError::Encrypted
        }
        other => ReadError::Corrupt(format!("zip: {other}")),
    }
}

/// Inflates one whole part through a meter, counting it into the package's `total`.
fn measure_whole(
    part: zip::read::ZipFile<'_, impl Read>,
    total: &mut u64,
    buffer: &mut [u8],
    limits: &Limits,
) -> Result<(), ReadError> {
    let mut meter = PartMeter::of(&part);
    let mut source = meter.bounded(part);
    meter.measure_to_end(&mut source, buffer, limits)?;
    *total = total.saturating_add(meter.inflated);
    check_total(*total, limits)
}

/// Measures one part as it inflates: no more than it declares, within the compression
/// ratio, and (an XML part) within the nesting depth. The one-scan sheet reader follows
/// the tags itself and counts depth there ([`PartMeter::measure_size`] and
/// [`PartMeter::enter`]); everything else goes through [`PartMeter::measure_to_end`].
pub(crate) struct PartMeter {
    name: String,
    declared: u64,
    compressed: u64,
    inflated: u64,
    is_xml: bool,
    depth: XmlDepth,
}

impl PartMeter {
    /// A meter for one part, opened by its reader.
    pub(crate) fn of(part: &zip::read::ZipFile<'_, impl Read>) -> PartMeter {
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        PartMeter {
            is_xml: is_xml_part(&name),
            name,
            declared: part.size(),
            compressed: part.compressed_size(),
            inflated: 0,
            depth: XmlDepth::default(),
        }
    }

    /// A meter for an XML part of `declared` bytes stored as they are, without a package.
    #[cfg(test)]
    pub(crate) fn measuring(name: &str, declared: u64) -> PartMeter {
        PartMeter {
            is_xml: true,
            name: name.to_string(),
            declared,
            compressed: declared,
            inflated: 0,
            depth: XmlDepth::default(),
        }
    }

    /// The part's reader, cut one byte past its declared size: enough to prove a lie.
    pub(crate) fn bounded<R: Read>(&self, part: R) -> std::io::Take<R> {
        part.take(self.declared.saturating_add(1))
    }

    /// Inflates the rest of the part from `source` (its [`PartMeter::bounded`] reader),
    /// measuring every chunk: the whole part for the guard, what follows `</worksheet>`
    /// for the one-scan reader.
    ///
    /// # Errors
    /// As [`check_zip_deferring`]; an inflate error is damage.
    pub(crate) fn measure_to_end(
        &mut self,
        source: &mut impl Read,
        buffer: &mut [u8],
        limits: &Limits,
    ) -> Result<(), ReadError> {
        loop {
            let read = source
                .read(buffer)
                .map_err(|e| ReadError::Corrupt(format!("zip part {}: {e}", self.name)))?;
            if read == 0 {
                return Ok(());
            }
            self.measure(buffer.get(..read).unwrap_or_default(), limits)?;
        }
    }

    /// Measures the next inflated chunk: its size, and its depth when it is XML.
    fn measure(&mut self, chunk: &[u8], limits: &Limits) -> Result<(), ReadError> {
        self.measure_size(chunk.len(), limits)?;
        if self.is_xml {
            self.depth.scan(chunk, limits.max_xml_depth, &self.name)?;
        }
        if self.inflated == chunk.len() as u64
            && self.name.eq_ignore_ascii_case("xl/sharedStrings.xml")
        {
            check_string_count(chunk, self.declared)?;
        }
        Ok(())
    }

    /// Measures the size of the next inflated chunk only (its reader counts the depth).
    ///
    /// # Errors
    /// [`ReadError::Corrupt`] past the declared size, [`ReadError::LimitExceeded`] past
    /// the compression ratio.
    pub(crate) fn measure_size(&mut self, len: usize, limits: &Limits) -> Result<(), ReadError> {
        self.inflated = self.inflated.saturating_add(len as u64);
        if self.inflated > self.declared {
            return Err(ReadError::Corrupt(format!(
                "phần {name} lớn hơn kích thước khai báo / part {name} is larger than it declares ({declared} bytes)",
                name = self.name,
                declared = self.declared
            )));
        }
        check_ratio(&self.name, self.inflated, self.compressed, limits)
    }

    /// One element opened by a reader that follows the tags (and `close` one closed):
    /// the depth [`XmlDepth`] would count.
    ///
    /// # Errors
    /// [`ReadError::LimitExceeded`] past the nesting depth.
    pub(crate) fn enter(&mut self, limits: &Limits) -> Result<(), ReadError> {
        self.depth.open(limits.max_xml_depth, &self.name)
    }

    /// Measures the nesting depth of a chunk its reader does not follow (past the end of
    /// what it reads), from the depth it reached.
    ///
    /// # Errors
    /// [`ReadError::LimitExceeded`] past the nesting depth.
    pub(crate) fn measure_depth(&mut self, chunk: &[u8], limits: &Limits) -> Result<(), ReadError> {
        self.depth.scan(chunk, limits.max_xml_depth, &self.name)
    }

    /// The depth a reader reached by following the tags of a stretch it read apart (a
    /// block of a sheet read on another core): from the depth so far, `walk` goes as low
    /// as `lowest` and as high as `highest` and ends at `end`, each relative to it.
    /// `Ok(false)` when the walk would go below the top, where [`PartMeter::close`]
    /// stops: only a reader following each tag counts that exactly.
    ///
    /// # Errors
    /// [`ReadError::LimitExceeded`] past the nesting depth, as [`PartMeter::enter`].
    #[cfg(feature = "parallel")]
    pub(crate) fn walk(
        &mut self,
        lowest: i64,
        highest: i64,
        end: i64,
        limits: &Limits,
    ) -> Result<bool, ReadError> {
        let now = i64::from(self.depth.depth);
        if now.saturating_add(lowest) < 0 {
            return Ok(false);
        }
        if now.saturating_add(highest) > i64::from(limits.max_xml_depth) {
            return Err(too_deep(limits.max_xml_depth, &self.name));
        }
        self.depth.depth = u32::try_from(now.saturating_add(end)).unwrap_or(u32::MAX);
        Ok(true)
    }

    pub(crate) fn close(&mut self) {
        self.depth.depth = self.depth.depth.saturating_sub(1);
    }
}

fn check_total(total: u64, limits: &Limits) -> Result<(), ReadError> {
    if total > limits.max_uncompressed_bytes {
        return Err(ReadError::LimitExceeded {
            what: "kích thước giải nén của gói / uncompressed size of the package (bytes)"
                .to_string(),
            limit: limits.max_uncompressed_bytes,
        });
    }
    Ok(())
}

fn check_ratio(name: &str, size: u64, compressed: u64, limits: &Limits) -> Result<(), ReadError> {
    // A part stored in 0 bytes counts as stored in 1.
    let ratio = size.checked_div(compressed).unwrap_or(size);
    if size >= Limits::RATIO_GRACE_BYTES && ratio > limits.max_compression_ratio {
        return Err(ReadError::LimitExceeded {
            what: format!(
                "tỷ lệ nén của phần / compression ratio of part {name} ({size} bytes from {compressed})"
            ),
            limit: limits.max_compression_ratio,
        });
    }
    Ok(())
}

/// calamine reserves room for the `uniqueCount` the shared-string table claims; a claim
/// its bytes cannot hold (each string takes at least 8 bytes of XML) is a lie meant to
/// exhaust memory.
fn check_string_count(head: &[u8], part_size: u64) -> Result<(), ReadError> {
    let key = b"uniqueCount=";
    let Some(at) = head.windows(key.len()).position(|w| w == key) else {
        return Ok(());
    };
    let digits: String = head
        .get(at.saturating_add(key.len()).saturating_add(1)..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    let claimed = digits.parse::<u64>().unwrap_or(u64::MAX);
    if !digits.is_empty() && claimed > part_size / 8 {
        return Err(ReadError::Corrupt(format!(
            "bảng chuỗi khai báo {digits} chuỗi, nhiều hơn kích thước của nó / the shared-string table claims {digits} strings, more than its {part_size} bytes can hold"
        )));
    }
    Ok(())
}

/// A part name that stays inside the package: not absolute, no drive, no `..` segment.
fn is_safe_part_name(name: &str) -> bool {
    let absolute = name.starts_with('/') || name.starts_with('\\');
    let drive = name.as_bytes().get(1) == Some(&b':');
    let climbs = name.split(['/', '\\']).any(|segment| segment == "..");
    !(absolute || drive || climbs || name.contains('\0'))
}

fn is_xml_part(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml")
}

/// A part nested deeper than `max`.
fn too_deep(max: u32, part: &str) -> ReadError {
    ReadError::LimitExceeded {
        what: format!("độ sâu XML / XML nesting depth in part {part}"),
        limit: u64::from(max),
    }
}

/// Counts element nesting in XML text fed in chunks, without parsing it: `<name` opens,
/// `</` and `/>` close; comments, CDATA, processing instructions and declarations are
/// skipped. Enough to bound depth; well-formedness is the XML reader's business.
#[derive(Default)]
struct XmlDepth {
    depth: u32,
    state: ScanState,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    /// Between tags.
    #[default]
    Text,
    /// Just after `<`.
    Open,
    /// Inside a start tag; `slash` when the last byte was `/`.
    StartTag { slash: bool, quote: Option<u8> },
    /// Inside an end tag, a comment, CDATA, `<?…?>` or `<!…>`: skipped up to `>`; for
    /// comments and CDATA `tail` counts the closing `--` / `]]` seen.
    Skip { until_double: Option<u8>, tail: u8 },
}

impl XmlDepth {
    fn open(&mut self, max: u32, part: &str) -> Result<(), ReadError> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > max {
            return Err(too_deep(max, part));
        }
        Ok(())
    }

    fn scan(&mut self, chunk: &[u8], max: u32, part: &str) -> Result<(), ReadError> {
        for &byte in chunk {
            self.state = match self.state {
                ScanState::Text if byte == b'<' => ScanState::Open,
                ScanState::Text => ScanState::Text,
                ScanState::Open => match byte {
                    b'/' => {
                        self.depth = self.depth.saturating_sub(1);
                        ScanState::Skip {
                            until_double: None,
                            tail: 0,
                        }
                    }
                    // `<!--` and `<![CDATA[` end with `-->` / `]]>`; `<!DOCTYPE` with `>`.
                    b'!' => ScanState::Skip {
                        until_double: Some(0),
                        tail: 0,
                    },
                    b'?' => ScanState::Skip {
                        until_double: None,
                        tail: 0,
                    },
                    _ => {
                        self.open(max, part)?;
                        ScanState::StartTag {
                            slash: false,
                            quote: None,
                        }
                    }
                },
                ScanState::StartTag { quote: Some(q), .. } => ScanState::StartTag {
                    slash: false,
                    quote: (byte != q).then_some(q),
                },
                ScanState::StartTag { slash, quote: None } => match byte {
                    b'>' => {
                        if slash {
                            self.depth = self.depth.saturating_sub(1);
                        }
                        ScanState::Text
                    }
                    b'"' | b'\'' => ScanState::StartTag {
                        slash: false,
                        quote: Some(byte),
                    },
                    _ => ScanState::StartTag {
                        slash: byte == b'/',
                        quote: None,
                    },
                },
                ScanState::Skip {
                    until_double: Some(0),
                    ..
                } => match byte {
                    // The byte after `<!` decides: `-` comment, `[` CDATA, else a declaration.
                    b'-' => ScanState::Skip {
                        until_double: Some(b'-'),
                        tail: 0,
                    },
                    b'[' => ScanState::Skip {
                        until_double: Some(b']'),
                        tail: 0,
                    },
                    b'>' => ScanState::Text,
                    _ => ScanState::Skip {
                        until_double: None,
                        tail: 0,
                    },
                },
                ScanState::Skip {
                    until_double: Some(closer),
                    tail,
                } => {
                    if byte == b'>' && tail >= 2 {
                        ScanState::Text
                    } else {
                        ScanState::Skip {
                            until_double: Some(closer),
                            tail: if byte == closer {
                                tail.saturating_add(1)
                            } else {
                                0
                            },
                        }
                    }
                }
                ScanState::Skip {
                    until_double: None, ..
                } => {
                    if byte == b'>' {
                        ScanState::Text
                    } else {
                        self.state
                    }
                }
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(xml: &str, max: u32) -> Result<u32, ReadError> {
        let mut scan = XmlDepth::default();
        let mut deepest = 0;
        for byte in xml.as_bytes() {
            scan.scan(std::slice::from_ref(byte), max, "p")?;
            deepest = deepest.max(scan.depth);
        }
        Ok(deepest)
    }

    #[test]
    fn depth_counts_elements_not_comments_cdata_or_attributes() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE x><a><!-- <b><c> --><b x="<d>" y='/>'/><c><![CDATA[<e><f>]]></c></a>"#;
        assert_eq!(depth_of(xml, 10).unwrap(), 2);
        let deep = "<a>".repeat(300);
        assert!(matches!(
            depth_of(&deep, 256),
            Err(ReadError::LimitExceeded { limit: 256, .. })
        ));
        let flat = "<a/>".repeat(300);
        assert_eq!(depth_of(&flat, 256).unwrap(), 1);
    }

    #[test]
    fn part_names_must_stay_inside_the_package() {
        assert!(is_safe_part_name("xl/worksheets/sheet1.xml"));
        assert!(!is_safe_part_name("../../etc/passwd"));
        assert!(!is_safe_part_name("xl/..\\..\\evil.xml"));
        assert!(!is_safe_part_name("/etc/passwd"));
        assert!(!is_safe_part_name("C:/evil.xml"));
    }
}
