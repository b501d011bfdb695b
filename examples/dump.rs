//! Prints every cell of a workbook as the model reads it: a debugging aid.
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let bytes = std::fs::read(&path).expect("read");
    match crossfoot::read_workbook(&bytes, &path) {
        Ok(book) => {
            println!("format {:?} convention {:?}", book.format, book.convention);
            for sheet in &book.sheets {
                println!("== sheet {:?} hidden={} merges={}", sheet.name, sheet.hidden, sheet.merges.len());
                for m in &sheet.merges { print!("{m} "); }
                println!();
                if std::env::var("LAYOUT").is_ok() {
                    println!("{:#?}", crossfoot::Layout::find(sheet));
                    println!("{:?}", crossfoot::Layout::find(sheet).map(|l| l.hierarchy()));
                    continue;
                }
                for cell in &sheet.cells {
                    println!("{} {:?} f={:?} fmt={:?} r={:?}", cell.at, cell.value, cell.formula, cell.number_format, cell.reading);
                }
            }
        }
        Err(e) => println!("error: {e}"),
    }
}
