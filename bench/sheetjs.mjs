// SheetJS (npm `xlsx`) as the benchmark's JavaScript peer: reads an xlsx file and visits
// every cell of its first sheet, as a script that checks a workbook would.
// Usage: node sheetjs.mjs FILE
import { readFileSync } from 'node:fs';
import XLSX from 'xlsx';

const start = performance.now();
const book = XLSX.read(readFileSync(process.argv[2]), { type: 'buffer', dense: true });
const sheet = book.Sheets[book.SheetNames[0]];
const rows = XLSX.utils.sheet_to_json(sheet, { header: 1, raw: true, defval: null });
let cells = 0;
for (const row of rows) for (const value of row) if (value !== null) cells += 1;
console.log(`sheetjs: ${cells} cells in ${((performance.now() - start) / 1000).toFixed(3)} s`);
