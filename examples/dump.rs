//! Prints every cell of a workbook as the model reads it: a debugging aid.
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let bytes = std::fs::read(&path).expect("read");
    match crossfoot::read_workbook(&bytes, &path) {
        Ok(book) => {
            println!("format {:?} convention {:?}", book.format, book.convention);
            if let Ok(t) = std::env::var("CHECK") {
                let choice = match t.as_str() {
                    "" | "auto" => crossfoot::TemplateChoice::Auto,
                    "none" => crossfoot::TemplateChoice::None,
                    file => crossfoot::TemplateChoice::Given(Box::new(
                        crossfoot::Template::from_toml(
                            &std::fs::read_to_string(file).expect("template"),
                        )
                        .expect("valid"),
                    )),
                };
                let report = crossfoot::check(&book, &choice);
                println!("template {:?}", report.template);
                for f in &report.findings {
                    println!(
                        "{} {} {} {} | {} | exp {:?} act {:?} fix {:?}",
                        f.severity.as_str(),
                        f.code,
                        f.sheet,
                        f.cell,
                        f.message.en,
                        f.expected,
                        f.actual,
                        f.fix.as_ref().map(|x| (&x.edits[0].shown, x.applicability))
                    );
                }
                return;
            }
            for sheet in &book.sheets {
                println!(
                    "== sheet {:?} hidden={} merges={}",
                    sheet.name,
                    sheet.hidden,
                    sheet.merges.len()
                );
                for m in &sheet.merges {
                    print!("{m} ");
                }
                println!();
                if std::env::var("LAYOUT").is_ok() {
                    println!("{:#?}", crossfoot::Layout::find(sheet));
                    println!(
                        "{:?}",
                        crossfoot::Layout::find(sheet).map(|l| l.hierarchy())
                    );
                    continue;
                }
                for cell in &sheet.cells {
                    println!(
                        "{} {:?} f={:?} fmt={:?} r={:?}",
                        cell.at, cell.value, cell.formula, cell.number_format, cell.reading
                    );
                }
            }
        }
        Err(e) => println!("error: {e}"),
    }
}
