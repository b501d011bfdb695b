//! Every finding code crossfoot reports, with its user documentation (`crossfoot explain`).
//! Codes are stable: tools and offices filter on them.

use crate::finding::Severity;

/// A finding code's user documentation (`crossfoot explain CODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDoc {
    /// The stable code, e.g. `CF201`.
    pub code: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What the rule checks and why, in Vietnamese.
    pub doc_vi: &'static str,
    /// What the rule checks and why, in English.
    pub doc_en: &'static str,
}

impl RuleDoc {
    /// What the rule checks and why, in `lang`.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{explain, Lang};
    /// let doc = explain("CF202").unwrap();
    /// assert!(doc.text(Lang::En).starts_with("A total row"));
    /// assert!(doc.text(Lang::Vi).starts_with("Dòng tổng"));
    /// ```
    pub fn text(&self, lang: crate::finding::Lang) -> &'static str {
        match lang {
            crate::finding::Lang::Vi => self.doc_vi,
            crate::finding::Lang::En => self.doc_en,
        }
    }
}

macro_rules! codes {
    ($( $konst:ident = $code:literal, $name:literal, $severity:ident, $vi:literal, $en:literal; )*) => {
        $(
            #[doc = $en]
            // A code only templates name in their rules (CF205) has no use in the code.
            #[allow(dead_code)]
            pub const $konst: &str = $code;
        )*
        const DOCS: &[RuleDoc] = &[
            $( RuleDoc { code: $code, name: $name, severity: Severity::$severity, doc_vi: $vi, doc_en: $en }, )*
        ];
    };
}

codes! {
    UNREADABLE = "CF001", "unreadable-file", Error,
        "Không đọc được tệp: không phải bảng tính, bị hỏng, có mật khẩu hoặc vượt giới hạn an toàn. Các tệp khác vẫn được kiểm tra; mã thoát là 2.",
        "The file could not be read: not a workbook, damaged, password-protected or over a safety limit. The other files are still checked; the exit code is 2.";
    TEMPLATE_NOT_FOUND = "CF002", "template-not-matched", Warning,
        "Mẫu biểu đã chọn không khớp trang nào của bảng tính. Thông báo nêu trang gần khớp nhất (có nhiều cột, dòng của mẫu nhất), từng cột hoặc dòng mà mẫu cần nhưng không thấy ở trang đó cùng nhãn mẫu tìm, và nhãn gần giống nhất mà trang có, ô của thông báo đặt tại nhãn ấy: thường là tiêu đề cột hoặc tên dòng được viết khác đi. Chỉ các kiểm tra chung được chạy.",
        "The chosen template matches no sheet of the workbook. The message names the sheet it came closest to (most of its columns and rows found), each column or row the template needs and did not find there with the labels it looks for, and the most similar label the sheet shows, where the finding is placed: usually a header or row label worded otherwise. Only the checks every file gets were run.";
    TEXT_NUMBER = "CF101", "number-stored-as-text", Info,
        "Số được gõ dưới dạng văn bản (ví dụ \"203.566\", \"96,1%\", \"1.845 hồ sơ\"). crossfoot đọc nó theo quy ước số của tệp và vẫn kiểm tra, nhưng Excel không cộng được các ô này: công thức SUM sẽ bỏ qua chúng (xem CF111). Một thông báo cho mỗi trang, ô ví dụ là ô mà một tổng cần đến. Mã số, năm, số thứ tự cột, địa chỉ (\"00\", \"10003\" trong cột Mã, \"180 Suffolk Street\") không phải số liệu và không bị báo. Bảng tính đã sửa chuyển mỗi ô thành số với định dạng hiển thị như đã gõ; ô có hai cách đọc (CF102) được giữ nguyên.",
        "A number typed as text (for example \"203.566\", \"96,1%\", \"1.845 hồ sơ\"). crossfoot reads it in the file's number convention and still checks it, but Excel cannot add such cells: a SUM formula skips them (see CF111). One note per sheet; its example cell is one a total needs. Codes, years, column numbers and addresses (\"00\", \"10003\" in a Code column, \"180 Suffolk Street\") are not figures and are not reported. The corrected workbook makes each a number with a format that shows it as typed; one that reads two ways (CF102) is left as it is.";
    AMBIGUOUS_NUMBER = "CF102", "ambiguous-number", Warning,
        "Số dạng văn bản có hai cách đọc tùy quy ước (\"1,234\" là 1,234 theo kiểu Việt Nam nhưng 1234 theo kiểu Anh). crossfoot dùng quy ước của tệp và báo để người lập kiểm tra lại.",
        "A text number with two readings depending on the convention (\"1,234\" is 1.234 in Vietnamese writing but 1234 in English). crossfoot uses the file's convention and reports it so a person confirms.";
    STALE_FORMULA = "CF103", "stale-formula-value", Error,
        "Giá trị lưu sẵn của công thức khác với kết quả tính lại: tệp được lưu mà không tính lại, hoặc do công cụ không tính công thức tạo ra. Người đọc thấy số cũ.",
        "A formula's cached value differs from its recomputation: the file was saved without recalculating, or written by a tool that never calculates. Readers see the old number.";
    FORMULA_ERROR = "CF104", "formula-error-value", Error,
        "Một ô mà quy tắc cần đọc chứa giá trị lỗi của Excel (#DIV/0!, #REF!, #VALUE!…). Quy tắc không kiểm tra được dòng đó.",
        "A cell a rule reads holds an Excel error value (#DIV/0!, #REF!, #VALUE!, …). The rule cannot check that row.";
    DATE_OUTSIDE_PERIOD = "CF105", "date-outside-period", Warning,
        "Ngày trong bảng nằm ngoài kỳ báo cáo mà tiêu đề ghi (ví dụ ngày năm 2024 trong báo cáo quý III năm 2022). Thường là gõ nhầm năm hoặc chép từ báo cáo khác.",
        "A date in the table lies outside the reporting period the title states (for example a 2024 date in a report on Q3 2022). Usually a mistyped year or a value copied from another report.";
    INCONSISTENT_FORMULA = "CF107", "inconsistent-formula", Warning,
        "Một ô trong cột tính bằng công thức lại là số gõ tay (các dòng cùng loại đều dùng một công thức). Số này không tự cập nhật khi số liệu thay đổi. Khi ô có ghi chú (comment) giải thích (\"chỉ cấp 120 triệu\"), hoặc dòng của nó có lời giải thích trong cột Ghi chú / Comment, số gõ tay được coi là chủ ý: đó là một thông báo (info) trích ghi chú, không phải cảnh báo. Số gõ tay bằng đúng giá trị công thức cho lúc này (công thức chỉ đọc các ô cùng dòng) cũng là một thông báo: chưa sai, nhưng sẽ không tự cập nhật. Một ô ở dòng của một mục mà lại cộng cả cột phía trên nó (=SUM(L3:L19) giữa các dòng =SUM(Jn:Kn)), trong khi các ô khác của dòng là số liệu của mục, cũng là cảnh báo này: một tổng đặt nhầm vào dòng của một mục (thường do sắp xếp lại các dòng), kèm giá trị công thức của cột cho ở dòng đó.",
        "A cell in a column of formulas holds a typed number while the other rows of the same kind share one formula. It will not follow when the figures change. When a note (cell comment) on the cell explains it (\"funded to 120K only\"), or its row has a remark in a Comment / Ghi chú column, the typed number is taken as deliberate: it is an info quoting the note, not a warning. A typed number that equals what the formula gives today (a formula reading its own row) is an info too: not wrong yet, but it will not follow. A cell in an item's row that adds up its column above it (=SUM(L3:L19) among rows of =SUM(Jn:Kn)), while the row's other cells are the item's own figures, is this warning too: a total in an item's row (rows sorted under a total often leave one), with what the column's formula gives on that row.";
    SUM_RANGE_SHORT = "CF108", "sum-range-short", Warning,
        "Vùng SUM dừng trước các dòng liền kề cùng khối mà nó phải cộng, nên dòng tổng bỏ sót số liệu. Dòng của nhóm khác (mã, chương trình khác), dòng mà các dòng được cộng đọc tới (hệ số), dòng cộng của chính các dòng đó, dòng tiêu đề năm và SUM của nhiều vùng (cộng có chọn lọc) không bị tính là bỏ sót. Khi các ô bị bỏ sót đang là 0, chưa số nào sai: đó là một thông báo (info), không phải cảnh báo.",
        "A SUM range stops short of adjacent rows of the block it should add, so the total leaves figures out. Rows of another group (another code or programme), a row the added rows read (a multiplier), a subtotal of them, a header of years and a SUM of several ranges (a selection) do not count as left out. When the cells it leaves out are 0 today no number is wrong yet: it is an info, not a warning.";
    NOT_RECOMPUTED = "CF109", "formulas-not-recomputed", Info,
        "Một số công thức không tính lại được ở đây: liên kết tới bảng tính khác (như '[2]Trang'!G27) hoặc hàm crossfoot chưa hỗ trợ. Giá trị lưu sẵn của chúng được dùng như nó là; crossfoot không kết luận công thức đó đúng hay sai.",
        "Some formulas cannot be recomputed here: links to another workbook (like '[2]Sheet'!G27) or functions crossfoot does not implement. Their saved values are used as they are; crossfoot does not say whether those formulas are right.";
    PLACEHOLDER_VALUES = "CF110", "placeholder-formula-values", Info,
        "Tệp yêu cầu Excel tính lại mọi công thức khi mở (do chương trình như openpyxl, xlsxwriter hoặc công cụ xuất dữ liệu ghi ra), hoặc công thức không có giá trị lưu sẵn: giá trị lưu sẵn chỉ là chỗ giữ chỗ. crossfoot tự tính các công thức và kiểm tra số mà Excel sẽ hiển thị. Chương trình đọc giá trị lưu sẵn (phần mềm nhập liệu, SheetJS, pandas) sẽ thấy chỗ giữ chỗ: nên mở và lưu lại tệp bằng Excel trước khi gửi đi.",
        "The file asks Excel to recalculate every formula when it opens it (as programs like openpyxl, xlsxwriter or export tools write it), or formulas have no saved value: the saved values are placeholders. crossfoot calculates the formulas and checks the figures Excel will show. A program that reads saved values (an importer, SheetJS, pandas) sees the placeholders: open and save the file in Excel before sending it on.";
    SUM_SKIPS_TEXT = "CF111", "sum-skips-text-numbers", Error,
        "Công thức SUM bỏ qua các ô chứa số dạng văn bản (gõ với dấu nháy đơn như '1.845, hoặc nhập từ hệ thống khác dưới dạng văn bản): Excel không cộng chúng, nên ô tổng hiển thị ít hơn số liệu các dòng. crossfoot báo tại ô tổng: các ô bị bỏ qua, số bị bỏ sót và tổng khi tính cả chúng. Bảng tính đã sửa chuyển các ô đó thành số (xem CF101) để SUM cộng được; các quan hệ chỉ sai vì tổng này không được đề xuất sửa bằng một số gõ đè lên công thức.",
        "A SUM skips cells holding numbers stored as text (typed with a leading apostrophe such as '1,845, or imported as text): Excel does not add them, so the total shows less than its rows hold. Reported at the total: the cells skipped, the amount left out and the total with them. The corrected workbook makes those cells numbers (see CF101) so the SUM counts them; a relation that fails only because of such a total gets no fix typing a value over the formula.";
    RELATION = "CF201", "relation-does-not-hold", Error,
        "Một quan hệ của mẫu biểu không thỏa trên dòng này, ví dụ tổng số hồ sơ nhận = trực tuyến + trực tiếp + kỳ trước chuyển qua. Số kỳ vọng được tính chính xác từ các ô thành phần.",
        "A relation of the form does not hold on this row, e.g. dossiers received = online + in person + carried over. The expected value is computed exactly from the part cells.";
    TOTAL = "CF202", "total-does-not-match-parts", Error,
        "Dòng tổng (tổng cộng, cộng, dòng mục I, II, III) khác tổng các dòng con của nó trong cột này.",
        "A total row (grand total, subtotal, section row I, II, III) differs from the sum of its child rows in this column.";
    RATIO = "CF203", "ratio-does-not-match", Error,
        "Tỷ lệ ghi trong ô không khớp tỷ lệ tính từ các ô thành phần ở độ chính xác đang hiển thị: 70,3 nghĩa là một số trong [70,25; 70,35) khi làm tròn.",
        "The reported ratio does not match the ratio computed from its parts at the precision shown: 70.3 stands for a number in [70.25; 70.35) when rounded.";
    PART_EXCEEDS_TOTAL = "CF204", "part-exceeds-total", Error,
        "Một thành phần lớn hơn tổng của nó.",
        "A part is larger than its total.";
    NOT_A_COUNT = "CF205", "not-a-whole-nonnegative-number", Error,
        "Số đếm (hồ sơ, nhiệm vụ, người) phải là số nguyên không âm.",
        "A count (dossiers, tasks, people) must be a non-negative whole number.";
    TRUNCATED = "CF206", "truncated-not-rounded", Info,
        "Tỷ lệ khớp khi cắt bớt chữ số nhưng không khớp khi làm tròn (75/78 = 96,15… ghi 96,1 thay vì 96,2). Quy tắc cho phép cả hai; đây là quy ước tệp đang dùng.",
        "The ratio matches when truncated but not when rounded (75/78 = 96.15… written 96.1 instead of 96.2). The rule allows both; this is the convention the file uses.";
    WITHIN_ROUNDING = "CF207", "holds-within-rounding", Info,
        "Các quan hệ chỉ khớp trong phạm vi làm tròn: bảng ghi số theo một đơn vị lớn (triệu đồng, tỷ đồng, nghìn đồng, In millions of dollars…) hoặc mẫu biểu nói số đã làm tròn, nên mỗi số được làm tròn riêng và đứng cho ± nửa đơn vị cuối cùng của nó; tổng lệch các thành phần trong phạm vi đó là do làm tròn, không phải sai sót. Một ghi chú cho mỗi bảng, kèm một ví dụ. Số đếm (hồ sơ, người) trong bảng không ghi đơn vị lớn vẫn phải khớp chính xác.",
        "Relations hold only within rounding: the table gives its figures in a scaled unit (millions of dollars, triệu đồng, $000, …) or the template says they are rounded, so each was rounded on its own and stands for ± half its last unit; a total that differs from its parts by no more than that is rounding, not a slip. One note per table, with an example. Counts (dossiers, people) in a table with no scaled unit must still match exactly.";
    WRONG_CELL = "CF301", "wrong-cell", Error,
        "Ô này có lẽ là ô sai: một lỗi gõ ở ô chi tiết làm sai cả dòng của nó, tổng mục và tổng cộng. crossfoot xét mọi quan hệ của trang cùng lúc và chỉ ra ô mà sửa nó thì mọi quan hệ đều thỏa, cùng giá trị đúng và kiểu lỗi gõ (đảo chữ số, nhầm một chữ số, lệch 1.000 lần…). Các tổng bị kéo sai không bị báo riêng.",
        "This cell is probably the wrong one: a typo in a detail cell breaks its row, its section total and the grand total. crossfoot weighs every relation of the sheet at once and names the cell whose correction makes them all hold, with the right value and the kind of slip (digits swapped, one digit mistyped, a thousand-fold slip, …). The totals it broke are not reported on their own.";
    AMBIGUOUS_CELL = "CF302", "ambiguous-wrong-cell", Error,
        "Các quan hệ không thỏa, nhưng có nhiều ô mà sửa một trong số đó đều làm chúng thỏa như nhau (ví dụ tỷ lệ hay một thành phần của nó). crossfoot không tự chọn: người lập biểu cần kiểm tra. Với `--units` (báo cáo của đơn vị) hoặc `--previous` (tệp kỳ trước), khi tệp kia chỉ ra đúng một ô trong số đó và số của tệp kia làm mọi quan hệ thỏa, phát hiện này thành CF301 nêu tệp đã quyết định.",
        "Relations do not hold, and several cells would each explain it equally well (for example the rate or one of its parts). crossfoot does not choose: a person must check. With `--units` (the units' reports) or `--previous` (the last period's file), when the other file points at exactly one of those cells and its figure makes every relation hold, this becomes a CF301 naming the file that decided it.";
    CARRIED_OVER_MISMATCH = "CF401", "carried-over-mismatch", Error,
        "Số chuyển từ kỳ trước của một dòng khác số còn lại cuối kỳ trước của cùng dòng trong tệp kỳ trước (`crossfoot check --previous KỲ-TRƯỚC.xlsx KỲ-NÀY.xlsx`): ví dụ hồ sơ \"Từ kỳ trước\" quý này khác hồ sơ \"đang giải quyết\" quý trước. Các dòng được ghép theo nhãn; cột nào chuyển từ cột nào do mẫu biểu khai báo trong bảng [continuity]. Thông báo nêu cả hai tệp và hai ô; đề xuất sửa (cần xem lại) là số của kỳ trước. Dòng tổng hoặc dòng mục có dòng con đã bị báo thì không báo lại.",
        "A row's figure carried over from the last period differs from the same row's pending figure in the last period's file (`crossfoot check --previous LAST.xlsx THIS.xlsx`): for example this quarter's dossiers \"from the last period\" against last quarter's dossiers \"being resolved\". Rows are matched by their labels; which column carries over which is declared in the template's [continuity] table. The message names both files and both cells; the fix it proposes, for review, is the last period's figure. A total or section row whose rows are already reported is not reported again.";
    PERIODS_NOT_CONSECUTIVE = "CF402", "periods-not-consecutive", Warning,
        "Dòng kỳ báo cáo của hai tệp cho thấy kỳ này không nối tiếp kỳ trước (trùng kỳ, cách quãng hoặc đảo thứ tự): có thể chọn nhầm tệp, hoặc dòng kỳ báo cáo chưa được sửa. Số chuyển kỳ và lũy kế không được đối chiếu.",
        "The period lines of the two files say this period does not follow the last (the same period, a gap, or the wrong order): the wrong file may have been chosen, or the period line was not updated. Carried-over and cumulative figures are not compared.";
    CUMULATIVE_DECREASED = "CF403", "cumulative-decreased", Error,
        "Một cột lũy kế (mẫu biểu khai báo trong [continuity] cumulative) nhỏ hơn ở kỳ trước trong cùng năm: số lũy kế từ đầu năm chỉ có thể tăng hoặc giữ nguyên. Chỉ đối chiếu khi hai kỳ nối tiếp nhau và cùng một năm.",
        "A cumulative column (declared in the template's [continuity] cumulative) is smaller than in the last period of the same year: a year-to-date figure can only grow or stay. Compared only when the two periods follow each other within one year.";
    TENFOLD_CHANGE = "CF404", "tenfold-change", Info,
        "Một số liệu của đơn vị thay đổi từ 10 lần trở lên so với kỳ trước (số lớn hơn từ 100 trở lên): có thể đúng, nhưng thường là gõ thừa hoặc thiếu chữ số, hoặc nhầm đơn vị tính.",
        "A unit's figure changed by a factor of ten or more since the last period (the larger at least 100): it may be right, but is often a digit typed too many or too few, or a figure in another unit.";
    UNIT_IN_ONE_PERIOD = "CF405", "unit-in-one-period-only", Info,
        "Đơn vị (dòng) chỉ có ở một trong hai kỳ: đơn vị mới, đã bỏ, hoặc nhãn được viết khác đi. Số liệu của nó không được đối chiếu với kỳ kia.",
        "A unit (row) is in one of the two periods only: a new unit, one dropped, or its label worded otherwise. Its figures are not compared with the other period.";
    PREVIOUS_NOT_COMPARED = "CF406", "previous-not-compared", Warning,
        "Tệp kỳ trước không đối chiếu được với tệp này: mẫu biểu không khớp trang nào của tệp kỳ trước (cảnh báo), hoặc mẫu biểu không khai báo cột nào chuyển kỳ (thông tin; chỉ so sánh số thay đổi lớn và đơn vị).",
        "The last period's file could not be compared with this one: the template matches no sheet of it (a warning), or the template declares no carried-over column (an info; only large changes and units are compared).";
    CUMULATIVE_NOT_LAST_PLUS_THIS = "CF407", "cumulative-not-last-plus-this", Error,
        "Số lũy kế kỳ này của một dòng khác số lũy kế kỳ trước của cùng dòng (trong tệp kỳ trước) cộng số trong kỳ của dòng đó: ví dụ lũy kế hồ sơ nhận quý II phải bằng lũy kế quý I cộng số nhận trong quý II. Cột lũy kế nào cộng dồn cột trong kỳ nào do mẫu biểu khai báo trong [continuity] accumulates. Thông báo nêu cả hai tệp, ô lũy kế của hai kỳ, ô số trong kỳ, các số và tổng đúng. Chỉ đối chiếu khi hai kỳ nối tiếp nhau và cùng một năm; dòng tổng hoặc dòng mục có dòng con đã bị báo thì không báo lại, và ô đã đối chiếu theo cách này không bị báo thêm CF403.",
        "A row's cumulative figure for this period is not the same row's cumulative figure in the last period's file plus this period's own figure: for example the dossiers received in the year to the second quarter must be those to the first quarter plus those received in the second. Which cumulative column adds up which column of the period is declared in the template's [continuity] accumulates. The message names both files, both periods' cumulative cells, this period's own cell, the figures and the right sum. Compared only when the two periods follow each other within one year; a total or section row whose rows are already reported is not reported again, and a cell compared this way does not also get CF403.";
    UNIT_FIGURE_DIFFERS = "CF408", "unit-figure-differs", Error,
        "Một số liệu trên dòng của một đơn vị trong báo cáo tổng hợp khác số tổng cộng cùng cột trong báo cáo của chính đơn vị đó (`crossfoot check --units THƯ-MỤC TONG-HOP.xlsx`): thường là chép sai khi tổng hợp, hoặc đơn vị đã sửa báo cáo sau khi gửi. Các dòng được ghép với báo cáo theo tên đơn vị (dòng \"Đơn vị báo cáo:\", khối cơ quan ban hành, hoặc tên tệp). Thông báo nêu cả hai tệp, hai ô, hai số và chênh lệch; đề xuất sửa (cần xem lại) là số của đơn vị. Mỗi ô một phát hiện; một công thức trên dòng đổi theo số đã bị báo thì không báo lại; cột tỷ lệ không được so sánh; tổng mục và tổng cộng của báo cáo tổng hợp do chính các quy tắc của nó kiểm tra.",
        "A figure on a unit's row of the consolidated report differs from the grand total in the same column of that unit's own report (`crossfoot check --units DIR CONSOLIDATED.xlsx`): usually a figure copied wrongly while consolidating, or a unit that changed its report after sending it. Rows are matched with reports by the unit's name (a \"Đơn vị báo cáo:\" line, the issuing office's block, or the file's name). The message names both files, both cells, both figures and the difference; the fix proposed (for review) is the unit's figure. One finding a cell; a formula of the row that moves with a figure already reported is not reported again; rate columns are not compared; the consolidated report's section and grand totals are checked by its own rules.";
    UNIT_REPORT_MISSING = "CF409", "unit-without-report", Warning,
        "Với `--units`: các đơn vị có dòng trong báo cáo tổng hợp nhưng không có báo cáo trong thư mục đơn vị (một phát hiện, tại đơn vị đầu tiên; số liệu của chúng không được đối chiếu), và các đơn vị có báo cáo nhưng không có dòng trong báo cáo tổng hợp (một phát hiện, tại tiêu đề cột tên đơn vị, nêu các tệp; số liệu của chúng không có trong tổng). Có thể do thiếu tệp, thiếu dòng, hoặc tên đơn vị được viết khác đi.",
        "With `--units`: the units with a row in the consolidated report and no report in the units' folder (one finding, at the first of them; their figures are not compared), and the units with a report and no row in the consolidated report (one finding, at the unit column's header, naming the files; their figures are not in its totals). A file or a row may be missing, or the unit's name written otherwise.";
    UNIT_COUNTED_TWICE = "CF410", "unit-counted-twice", Error,
        "Với `--units`: báo cáo tổng hợp có hai dòng cho cùng một đơn vị (tên so sánh như người đọc: dấu tiếng Việt so khi cả hai tên có dấu, bỏ chữ UBND ở đầu), nên số liệu của đơn vị bị cộng hai lần vào tổng. Phát hiện ở dòng thứ hai và nêu dòng thứ nhất.",
        "With `--units`: the consolidated report has two rows for the same unit (names compared as people read them: Vietnamese marks compared where both names have them, a leading UBND left out), so the unit's figures are added into the totals twice. The finding is on the second row and names the first.";
}

/// Every finding code crossfoot can report.
pub fn rule_docs() -> &'static [RuleDoc] {
    DOCS
}

/// The documentation of one code (case-insensitive).
///
/// # Examples
/// ```
/// let doc = crossfoot::explain("cf202").unwrap();
/// assert_eq!(doc.name, "total-does-not-match-parts");
/// assert!(crossfoot::explain("CF999").is_none());
/// ```
pub fn explain(code: &str) -> Option<&'static RuleDoc> {
    DOCS.iter()
        .find(|doc| doc.code.eq_ignore_ascii_case(code.trim()))
}
