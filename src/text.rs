//! Label matching as people read labels: case, spacing and punctuation do not matter
//! (`TỔNG CỘNG:` is `Tổng cộng`). Vietnamese marks do, where a label has them: words differ
//! only by their marks (`Cống Vị`, a post office, is not `Cộng`, a total), so a label typed
//! with marks is compared with them, and only one typed without any (`TONG CONG`) is
//! compared folded.

/// Folds a label for matching: lowercase, no diacritics (`đ` → `d`), punctuation as space,
/// white space collapsed, trimmed. Only the first 4 KB of a text are folded: no label or phrase is that long, and a sheet whose cells show long texts would
/// otherwise cost their whole length at every comparison (a 31 KB file whose 10,000 cells
/// show one 32,767-character string spent 0.7 s folding it).
///
/// # Examples
/// ```
/// assert_eq!(crossfoot::normalize_label("  TỔNG  CỘNG: "), "tong cong");
/// assert_eq!(crossfoot::normalize_label("Số hồ sơ đã giải quyết"), "so ho so da giai quyet");
/// ```
pub fn normalize_label(text: &str) -> String {
    let text = if text.len() > MAX_FOLDED_BYTES {
        text.char_indices()
            .find(|(at, _)| *at >= MAX_FOLDED_BYTES)
            .and_then(|(at, _)| text.get(..at))
            .unwrap_or(text)
    } else {
        text
    };
    let mut folded = Folded::with_capacity(text.len());
    // Character by character: an ASCII one as it is, any other decomposed. Labels are
    // mostly ASCII letters, and this folds the same as decomposing the whole text (only
    // the order of combining marks could differ, and they are all dropped or spaces).
    for c in text.chars() {
        if c.is_ascii() {
            folded.push(c);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| folded.push(d));
        }
    }
    folded.out
}

/// The longest start of a text [`normalize_label`] folds, in bytes.
const MAX_FOLDED_BYTES: usize = 4096;

/// A label being folded from its decomposed characters.
struct Folded {
    out: String,
    pending_space: bool,
}

impl Folded {
    fn with_capacity(capacity: usize) -> Folded {
        Folded {
            out: String::with_capacity(capacity),
            pending_space: false,
        }
    }

    /// Marks dropped, `đ` as `d`, letters, digits and `%` lowercased, anything else one
    /// space between words.
    fn push(&mut self, c: char) {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            return;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            other => other,
        };
        if c.is_alphanumeric() || c == '%' {
            if self.pending_space && !self.out.is_empty() {
                self.out.push(' ');
            }
            self.pending_space = false;
            // Most labels are ASCII letters: lowercased without the general mapping.
            if c.is_ascii() {
                self.out.push(c.to_ascii_lowercase());
            } else {
                self.out.extend(c.to_lowercase());
            }
        } else {
            self.pending_space = true;
        }
    }
}

/// Phrases that name a kind of row or column, written lowercase with their Vietnamese
/// marks and held folded as well: a label typed with marks must match them with its marks,
/// one typed without any matches them folded.
pub(crate) struct Phrases {
    marked: Vec<String>,
    folded: Vec<String>,
}

impl Phrases {
    /// The phrases (written lowercase, with their marks).
    pub(crate) fn new(phrases: &[&str]) -> Phrases {
        Phrases {
            marked: phrases.iter().map(|p| lowercase_words(p)).collect(),
            folded: phrases.iter().map(|p| normalize_label(p)).collect(),
        }
    }

    /// Whether `test(label, phrase)` holds for one of the phrases: compared folded
    /// (`folded` is the label's [`normalize_label`]), and then, for a label with marks,
    /// with them. Folded first, since most labels match nothing and folding is the
    /// cheaper of the two.
    pub(crate) fn match_with(
        &self,
        label: &str,
        folded: &str,
        test: impl Fn(&str, &str) -> bool,
    ) -> bool {
        if !self.folded.iter().any(|phrase| test(folded, phrase)) {
            return false;
        }
        if !has_marks(label) {
            return true;
        }
        let marked = lowercase_words(label);
        self.marked.iter().any(|phrase| test(&marked, phrase))
    }

    /// Whether the label (and its fold) is one of the phrases, as [`label_is`] reads a
    /// label.
    pub(crate) fn named_by(&self, label: &str, folded: &str) -> bool {
        self.match_with(label, folded, label_is)
    }
}

/// Two labels as they are compared with each other: with their marks when both have them
/// (`đang` is not `đáng`), both folded when either was typed without any.
pub(crate) fn as_compared(a: &str, b: &str) -> (String, String) {
    if has_marks(a) && has_marks(b) {
        (lowercase_words(a), lowercase_words(b))
    } else {
        (normalize_label(a), normalize_label(b))
    }
}

/// Whether a text carries a Vietnamese mark (a combining accent, or `đ`).
fn has_marks(text: &str) -> bool {
    text.chars().any(|c| {
        if c.is_ascii() {
            return false;
        }
        if matches!(c, 'đ' | 'Đ') {
            return true;
        }
        let mut marked = false;
        unicode_normalization::char::decompose_canonical(c, |d| {
            marked |= ('\u{300}'..='\u{36f}').contains(&d);
        });
        marked
    })
}

/// A label lowercased with its marks (composed), punctuation as one space between words.
fn lowercase_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in composed(text) {
        if c.is_alphanumeric() || c == '%' || ('\u{300}'..='\u{36f}').contains(&c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// A text in Unicode's composed form (NFC), as `unicode_normalization`'s `nfc()` gives it:
/// each character's canonical decomposition, its combining marks in canonical order, then
/// every mark that can compose with the starter before it and is not blocked, composed.
/// Built from the crate's per-character lookups because its `nfc()` iterator also links
/// the compatibility tables (NFKD, 62 KB the page's wasm would carry for nothing).
fn composed(text: &str) -> Vec<char> {
    use unicode_normalization::char::{canonical_combining_class, compose, decompose_canonical};
    // Each character with its combining class (0 for ASCII, looked up once otherwise).
    let mut chars: Vec<(char, u8)> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            chars.push((c, 0));
        } else {
            decompose_canonical(c, |d| chars.push((d, canonical_combining_class(d))));
        }
    }
    // Canonical ordering: each run of combining marks sorted by class, stably.
    for run in chars.chunk_by_mut(|a, b| (a.1 == 0) == (b.1 == 0)) {
        if run.first().is_some_and(|&(_, class)| class != 0) {
            run.sort_by_key(|&(_, class)| class);
        }
    }
    // Canonical composition: a character joins the last starter unless a character
    // between them has class 0 or a class not below its own. No composition has an ASCII
    // second character.
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut starter: Option<usize> = None;
    let mut last_class: Option<u8> = None;
    for (c, class) in chars {
        if let Some(s) = starter.filter(|_| !c.is_ascii()) {
            let blocked = last_class.is_some_and(|last| last == 0 || last >= class);
            if !blocked {
                if let Some(first) = out.get_mut(s) {
                    if let Some(joined) = compose(*first, c) {
                        *first = joined;
                        continue;
                    }
                }
            }
        }
        if class == 0 {
            starter = Some(out.len());
            last_class = None;
        } else {
            last_class = Some(class);
        }
        out.push(c);
    }
    out
}

/// Whether a normalized label is `phrase` itself, or starts with it followed by something
/// that is not more words (`tong cong (i+ii)` is the total; `tong so tthc` is not).
pub(crate) fn label_is(label: &str, phrase: &str) -> bool {
    if label == phrase {
        return true;
    }
    let Some(rest) = label.strip_prefix(phrase) else {
        return false;
    };
    // After normalization punctuation is gone, so `tong cong (i+ii+iii)` is
    // `tong cong i ii iii`: accept a tail of roman numerals, letters and digits alone.
    rest.split_whitespace().all(|word| {
        word.len() <= 4
            && (word.chars().all(|c| "ivxlcdm".contains(c))
                || word.chars().all(|c| c.is_ascii_digit())
                || word.chars().count() == 1)
    })
}

/// Whether a text is a roman numeral from I to XXXIX (a section's STT).
pub(crate) fn is_roman_numeral(text: &str) -> bool {
    let t = text.trim().trim_end_matches('.');
    !t.is_empty()
        && t.len() <= 6
        && t.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
        && !t.contains("IIII")
        && !t.contains("VV")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(normalize_label("TỔNG CỘNG"), "tong cong");
        assert_eq!(normalize_label("Tổng   cộng:"), "tong cong");
        assert_eq!(normalize_label("Đơn vị"), "don vi");
        assert_eq!(normalize_label("Tỷ lệ (%)"), "ty le %");
        assert_eq!(normalize_label("Trong đó: số mới"), "trong do so moi");
    }

    #[test]
    fn only_the_start_of_a_long_text_is_folded() {
        // A multi-byte character straddles the 4 KB mark: the cut falls after it.
        let long = format!(
            "{}Đ{}",
            "a".repeat(MAX_FOLDED_BYTES - 1),
            "b".repeat(10_000)
        );
        assert_eq!(
            normalize_label(&long),
            format!("{}d", "a".repeat(MAX_FOLDED_BYTES - 1))
        );
        let short = "x".repeat(MAX_FOLDED_BYTES);
        assert_eq!(normalize_label(&short), short);
    }

    #[test]
    fn folds_as_decomposing_the_whole_text_would() {
        use unicode_normalization::UnicodeNormalization;
        // The whole text decomposed at once, as the fold was first written.
        let reference = |text: &str| {
            let mut folded = Folded::with_capacity(text.len());
            text.nfd().for_each(|c| folded.push(c));
            folded.out
        };
        for text in [
            "Số hồ sơ nhận giải quyết > Trong đó: số mới tiếp nhận > Trực tuyến",
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
            "Kỳ báo cáo: Quý III/2022 — ƯỚC THỰC HIỆN (%)",
            "Ngưỡng ½ … Ω ﬁ Ǆ e\u{301}\u{323} ộ\u{300}",
            "",
            "   ",
        ] {
            assert_eq!(normalize_label(text), reference(text), "{text}");
        }
    }

    #[test]
    fn composes_as_the_crates_nfc() {
        use unicode_normalization::UnicodeNormalization;
        for text in [
            "Tổng cộng",
            "TO\u{302}\u{309}NG CO\u{323}\u{302}NG",
            "e\u{301}\u{323} o\u{31b}\u{301} a\u{323}\u{306} ộ\u{300}",
            "\u{1100}\u{1161}\u{11a8} \u{ac00}\u{11a8} 한국어",
            "\u{301}\u{300}a \u{5d0}\u{5b4}\u{5b7} \u{0f71}\u{0f72}\u{0f74}",
            "½ ﬁ Ǆ Ω Å Ⅻ \u{2126} \u{212b} \u{fb2c}",
            "\u{1d15e}\u{1d165} \u{0915}\u{093c} \u{0e40}\u{0e01}",
            "",
        ] {
            let expected: String = text.nfc().collect();
            assert_eq!(
                composed(text).into_iter().collect::<String>(),
                expected,
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn composes_any_text_as_the_crates_nfc(
            text in "[a-zA-Z\u{300}-\u{36f}\u{1ea0}-\u{1ef9}\u{c0}-\u{24f}\u{1100}-\u{11ff}\u{ac00}-\u{ac40}\u{591}-\u{5f4}\u{900}-\u{97f}\u{f00}-\u{fff}\u{1d15e}-\u{1d1aa}\u{2100}-\u{2200}\u{f900}-\u{fb4f} ]{0,24}",
        ) {
            use unicode_normalization::UnicodeNormalization;
            let expected: String = text.nfc().collect();
            proptest::prop_assert_eq!(composed(&text).into_iter().collect::<String>(), expected);
        }
    }

    #[test]
    fn a_label_with_marks_is_compared_with_them() {
        let totals = Phrases::new(&["tổng cộng", "cộng", "total"]);
        let named = |label: &str| totals.named_by(label, &normalize_label(label));
        assert!(named("TỔNG CỘNG"));
        assert!(named("Tổng cộng (I+II)"));
        assert!(named("Cộng"));
        assert!(named("Total"));
        // Typed without marks, folded.
        assert!(named("TONG CONG"));
        assert!(named("cong"));
        // Words that differ by their marks alone.
        assert!(!named("Cống Vị"));
        assert!(!named("Công"));
        assert!(!named("Tống cộng"));
        // Decomposed marks are the same word.
        assert!(named("To\u{302}\u{309}ng co\u{323}\u{302}ng"));
    }

    #[test]
    fn labels_are_compared_with_their_marks_only_when_both_have_them() {
        let pair = |a: &str, b: &str| -> (String, String) { (a.into(), b.into()) };
        assert_eq!(as_compared("Tổng SỐ:", "đang"), pair("tổng số", "đang"));
        assert_eq!(
            as_compared("Tổng số", "TONG SO"),
            pair("tong so", "tong so")
        );
        assert_eq!(as_compared("Total", "Tổng"), pair("total", "tong"));
    }

    #[test]
    fn total_labels_match_with_a_short_tail_only() {
        assert!(label_is("tong cong", "tong cong"));
        assert!(label_is("tong cong i ii iii", "tong cong"));
        assert!(!label_is("tong so tthc thuoc tham quyen", "tong so"));
        assert!(label_is("cong", "cong"));
        assert!(!label_is("cong thuong", "cong"));
    }

    #[test]
    fn roman_numerals() {
        assert!(is_roman_numeral("III"));
        assert!(is_roman_numeral("IV."));
        assert!(!is_roman_numeral("A"));
        assert!(!is_roman_numeral("1"));
        assert!(!is_roman_numeral(""));
    }
}
