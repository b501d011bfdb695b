// Browser tests of crossfoot's web page (www/), run by `make browser-test` with node's own
// test runner and playwright-core driving Debian's Chromium. The page is served from this
// file on 127.0.0.1 with an ephemeral port; findings are compared with the command line's
// JSON for the same file (target/debug/crossfoot, built by the Makefile target).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir, mkdtemp, copyFile, rm, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WWW = path.join(ROOT, 'www');
const FIXTURES = path.join(ROOT, 'tests/fixtures');
const EXAMPLES = path.join(ROOT, 'examples');
const CLI = process.env.CROSSFOOT_BIN || path.join(ROOT, 'target/debug/crossfoot');
const DUMP = path.join(path.dirname(CLI), 'examples', 'dump');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(ROOT, 'docs') : path.join(ROOT, 'target/screenshots');

const SAMPLES = [
  'tthc-06-q3-2022.xlsx',
  'tthc-06-q3-2022.xls',
  'tthc-06-q3-2022.ods',
  'tthc-06-q3-2022-html.xls',
  'phu-luc-cchc-q3-2022.xlsx',
  'kinh-phi-2022.xlsx',
];
const XSS = 'xss-sheet-name.xlsx';
const XSS_SHEET = '<img src=x onerror=alert(1)>';

let server;
let origin;
let browser;

before(async () => {
  await stat(path.join(WWW, 'pkg', 'crossfoot_bg.wasm')).catch(() => {
    throw new Error('www/pkg is missing: run `make web` first');
  });
  ({ server, origin } = await serve(WWW));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** A fresh page (own context, so localStorage starts empty) with the checker loaded. */
async function openPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { context, page, problems };
}

/** The command line's findings for a file: [{sheet, cell, severity, message}]. */
function cliReport(file, lang = 'vi', extra = [], cwd) {
  let out;
  try {
    out = execFileSync(CLI, ['--lang', lang, 'check', '--format', 'json', ...extra, file], { cwd, encoding: 'utf8' });
  } catch (error) {
    // Exit 1 means errors were found; the JSON is still on stdout.
    if (error.status !== 1) throw error;
    out = error.stdout;
  }
  return JSON.parse(out).files[0];
}

function cliFindings(file, lang = 'vi', extra = []) {
  return cliReport(file, lang, extra).findings.map((f) => ({ sheet: f.sheet, cell: f.cell, severity: f.severity, message: f.message }));
}

function card(page, name) {
  return page.locator(`article.file[data-name="${name.replace(/"/g, '\\"')}"]`);
}

async function waitChecked(page, names) {
  for (const name of names) {
    await card(page, name).and(page.locator('[data-status="done"], [data-status="error"]')).waitFor({ timeout: 60_000 });
  }
  await page.waitForSelector('body[data-busy="false"]');
}

async function pageFindings(page, name) {
  return card(page, name).locator('tr[data-testid="finding"]').evaluateAll((rows) => rows.map((row) => ({
    sheet: row.dataset.sheet,
    cell: row.dataset.cell,
    severity: row.dataset.severity,
    message: row.querySelector('.col-message').textContent,
  })));
}

const strip = (list) => list.map(({ sheet, cell, severity }) => ({ sheet, cell, severity }));

test('every sample loaded through the file input shows the CLI findings', async () => {
  const { context, page, problems } = await openPage();
  await page.setInputFiles('#file-input', SAMPLES.map((name) => path.join(FIXTURES, name)));
  await waitChecked(page, SAMPLES);
  for (const name of SAMPLES) {
    assert.equal(await card(page, name).getAttribute('data-status'), 'done', `${name} checked`);
    const expected = cliFindings(path.join(FIXTURES, name));
    const shown = await pageFindings(page, name);
    assert.deepEqual(strip(shown), strip(expected), `${name}: finding rows equal the CLI's`);
    assert.deepEqual(shown.map((f) => f.message), expected.map((f) => f.message), `${name}: messages equal the CLI's`);
    const counts = await card(page, name).locator('.count').evaluateAll((items) => items.map((li) => Number(li.dataset.count)));
    const summary = cliReport(path.join(FIXTURES, name)).summary;
    assert.deepEqual(counts, [summary.errors, summary.warnings, summary.infos], `${name}: counts`);
  }
  // The 06 form has findings to show: the gap rows are there.
  const sixCells = (await pageFindings(page, SAMPLES[0])).map((f) => f.cell);
  assert.ok(sixCells.length > 0, 'the 06 sample has findings');
  // The template used is shown.
  assert.match(await card(page, SAMPLES[0]).locator('.file-meta').textContent(), /tthc-06/);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Drops the files at `paths` on the drop zone together, as a person dragging them would. */
async function dropFiles(page, paths) {
  const files = await Promise.all(paths.map(async (file) => ({ name: path.basename(file), bytes: (await readFile(file)).toString('base64') })));
  await page.evaluate((files) => {
    const transfer = new DataTransfer();
    for (const { name, bytes } of files) {
      const raw = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
      transfer.items.add(new File([raw], name, { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }));
    }
    const zone = document.querySelector('#drop-zone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, files);
}

test('a workbook dropped on the drop zone is checked like one picked', async () => {
  const { context, page } = await openPage();
  const name = 'tthc-06-q3-2022.xlsx';
  await dropFiles(page, [path.join(FIXTURES, name)]);
  await waitChecked(page, [name]);
  assert.deepEqual(strip(await pageFindings(page, name)), strip(cliFindings(path.join(FIXTURES, name))));
  await context.close();
});

// The worked example of examples/: six units' Q3 reports and the province's report typed
// from them, and one unit's Q2 report.
const UNITS = ['huyen-lap-vo.xlsx', 'huyen-tan-hong.xlsx', 'so-tu-phap.xlsx', 'so-xay-dung.xlsx', 'so-y-te.xlsx', 'xa-tan-hong.xlsx'];
const PROVINCE = 'tong-hop-quy-3.xlsx';

/** The findings across files the set panel lists. */
async function setFindings(page) {
  return page.locator('[data-testid="set"] tr[data-testid="set-finding"]').evaluateAll((rows) => rows.map((row) => ({
    code: row.dataset.code,
    file: row.dataset.file,
    sheet: row.dataset.sheet,
    cell: row.dataset.cell,
    relatedFile: row.dataset.relatedFile,
    relatedCell: row.dataset.relatedCell,
    message: row.querySelector('.col-message').textContent,
  })));
}

test('units\' reports dropped with the province\'s report: the set, its units and the consolidated workbook', async () => {
  const { context, page, problems } = await openPage();
  const names = [...UNITS, PROVINCE];
  await dropFiles(page, [...UNITS.map((name) => path.join(EXAMPLES, 'don-vi', name)), path.join(EXAMPLES, PROVINCE)]);
  await waitChecked(page, names);
  const panel = page.locator('[data-testid="set"]');
  assert.equal(await panel.count(), 1, 'one panel for the files dropped together');
  assert.equal(await panel.getAttribute('data-status'), 'done');
  assert.equal(await panel.getAttribute('data-kind'), 'units');
  assert.equal(await panel.locator('.set-title').textContent(), 'Đối chiếu giữa các tệp');
  assert.equal(await panel.locator('.set-kind').textContent(), `Báo cáo của 6 đơn vị và báo cáo tổng hợp từ các đơn vị đó (${PROVINCE}).`);
  assert.match(await panel.locator('.set-meta').textContent(), /tthc-06/);
  // The panel comes before the files' own cards, which are all there.
  const order = await page.locator('#results > *').evaluateAll((nodes) => nodes.map((node) => node.dataset.testid || node.dataset.name));
  assert.deepEqual(order, ['set', ...names]);
  // Every unit's report is in the consolidated workbook, with its row and what became of
  // it, as `crossfoot consolidate` says of the same reports.
  const units = await panel.locator('tr[data-testid="set-unit"]').evaluateAll((rows) => rows.map((row) => {
    const [name, file, line, status] = [...row.children].map((td) => td.textContent);
    return `${file}: ${name} (dòng ${line}): ${status}`;
  }));
  const consolidated = execFileSync(CLI, ['consolidate', '-o', path.join(tmpdir(), `crossfoot-${process.pid}-cli-tong-hop.xlsx`), ...UNITS], { cwd: path.join(EXAMPLES, 'don-vi'), encoding: 'utf8' });
  assert.equal(units.length, UNITS.length);
  assert.deepEqual(units, consolidated.split('\n').filter((line) => line.includes('(dòng ')));
  assert.deepEqual(await panel.locator('tr[data-testid="set-unit"]').evaluateAll((rows) => rows.map((row) => row.dataset.status)), UNITS.map(() => 'added'));
  // The province's report against its units: Huyện Lấp Vò's early and on-time figures,
  // typed into each other's columns, each named with the unit's file and cell.
  const across = await setFindings(page);
  const copied = across.filter((f) => f.code === 'CF408').map((f) => `${f.file}!${f.cell} ~ ${f.relatedFile}!${f.relatedCell}`);
  assert.deepEqual(copied, [`${PROVINCE}!H16 ~ huyen-lap-vo.xlsx!H10`, `${PROVINCE}!I16 ~ huyen-lap-vo.xlsx!I10`], JSON.stringify(across));
  // The consolidated workbook: an xlsx the page's own check reads back as the 06 form.
  const button = panel.locator('[data-testid="download-consolidated"]');
  assert.equal(await button.textContent(), 'Tải báo cáo tổng hợp');
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  assert.equal(file.suggestedFilename(), 'tong-hop.xlsx');
  const saved = path.join(tmpdir(), `crossfoot-${process.pid}-tong-hop.xlsx`);
  await file.saveAs(saved);
  const bytes = await readFile(saved);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'the consolidated report is a zip package');
  await page.setInputFiles('#file-input', saved);
  const name = path.basename(saved);
  await waitChecked(page, [name]);
  assert.equal(await card(page, name).getAttribute('data-status'), 'done');
  assert.match(await card(page, name).locator('.file-meta').textContent(), /tthc-06/);
  assert.deepEqual(strip(await pageFindings(page, name)), strip(cliFindings(saved)));
  assert.equal(await page.locator('[data-testid="set"]').count(), 1, 'one file alone makes no set');
  assert.deepEqual(problems, []);
  await context.close();
});

test('two periods of one unit dropped together: the finding across them, in either language', async () => {
  const { context, page, problems } = await openPage();
  const last = 'so-y-te-quy-2.xlsx';
  const current = 'so-y-te.xlsx';
  await dropFiles(page, [path.join(EXAMPLES, last), path.join(EXAMPLES, 'don-vi', current)]);
  await waitChecked(page, [last, current]);
  const panel = page.locator('[data-testid="set"]');
  assert.equal(await panel.getAttribute('data-kind'), 'periods');
  assert.equal(await panel.locator('.set-kind').textContent(), `Hai kỳ của cùng một báo cáo: kỳ trước là ${last}, kỳ này là ${current}.`);
  assert.equal(await panel.locator('[data-testid="download-consolidated"]').isVisible(), false);
  const shown = await setFindings(page);
  const carried = shown.find((f) => f.code === 'CF401' && f.cell === 'F12');
  assert.ok(carried, `CF401 at F12 among ${JSON.stringify(shown)}`);
  assert.deepEqual(
    { file: carried.file, relatedFile: carried.relatedFile, relatedCell: carried.relatedCell },
    { file: current, relatedFile: last, relatedCell: 'K12' },
  );
  // The same findings across the files as the command line's `--previous`, run beside
  // copies of the two files so that it names them as the page does.
  const dir = await mkdtemp(path.join(tmpdir(), 'crossfoot-periods-'));
  await copyFile(path.join(EXAMPLES, last), path.join(dir, last));
  await copyFile(path.join(EXAMPLES, 'don-vi', current), path.join(dir, current));
  const cli = (lang) => cliReport(current, lang, ['--previous', last], dir).findings.filter((f) => f.related).map((f) => ({
    code: f.code, file: current, sheet: f.sheet, cell: f.cell, relatedFile: f.related[0].path, relatedCell: f.related[0].cell, message: f.message,
  }));
  assert.deepEqual(shown, cli('vi'));
  // Clicking it shows its cell in the file's own grid.
  await panel.locator('tr[data-testid="set-finding"][data-code="CF401"][data-cell="F12"]').click();
  const outlined = card(page, current).locator('.grid td.outlined');
  await outlined.waitFor();
  assert.equal(await outlined.getAttribute('data-cell'), 'F12');
  // Clicking the cell it is compared with shows that one in the last period's grid.
  await panel.locator('tr[data-testid="set-finding"][data-code="CF401"][data-cell="F12"] .related-cell').first().click();
  await card(page, last).locator('.grid td.outlined[data-cell="K12"]').waitFor();
  // English: the panel and the messages follow the page's language.
  await page.click('#lang-en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('body[data-busy="false"]');
  assert.equal(await panel.locator('.set-title').textContent(), 'Across files');
  assert.equal(await panel.locator('.set-kind').textContent(), `Two periods of one report: the last period is ${last}, this period ${current}.`);
  assert.deepEqual(await setFindings(page), cli('en'));
  await rm(dir, { recursive: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('two periods where this file alone cannot tell which cell is wrong: the last period decides it in the set panel', async () => {
  const { context, page, problems } = await openPage();
  const last = 'so-y-te-quy-2.xlsx';
  const current = 'so-y-te-nhap-nham.xlsx';
  await dropFiles(page, [path.join(EXAMPLES, last), path.join(EXAMPLES, current)]);
  await waitChecked(page, [last, current]);
  // The file's own card: three cells could each mend the row, a person must decide.
  const own = await pageFindings(page, current);
  assert.deepEqual(own.map((f) => f.cell), ['D12'], JSON.stringify(own));
  assert.match(own[0].message, /D12 = 282, E12 = 54, F12 = 2/);
  // The set panel: the last period's file decides F12, in place of the CF401 on it.
  const panel = page.locator('[data-testid="set"]');
  assert.equal(await panel.getAttribute('data-kind'), 'periods');
  const shown = await setFindings(page);
  assert.deepEqual(
    shown.map((f) => ({ code: f.code, file: f.file, cell: f.cell, relatedFile: f.relatedFile, relatedCell: f.relatedCell })),
    [{ code: 'CF301', file: current, cell: 'F12', relatedFile: last, relatedCell: 'K12' }],
  );
  assert.ok(shown[0].message.includes(`tệp ${last} quyết định`), shown[0].message);
  // The same finding as the command line's `--previous`, run beside copies of the files.
  const dir = await mkdtemp(path.join(tmpdir(), 'crossfoot-decided-'));
  await copyFile(path.join(EXAMPLES, last), path.join(dir, last));
  await copyFile(path.join(EXAMPLES, current), path.join(dir, current));
  const cli = cliReport(current, 'vi', ['--previous', last], dir).findings.filter((f) => f.related).map((f) => ({
    code: f.code, file: current, sheet: f.sheet, cell: f.cell, relatedFile: f.related[0].path, relatedCell: f.related[0].cell, message: f.message,
  }));
  assert.deepEqual(shown, cli);
  await rm(dir, { recursive: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('clicking a finding outlines its cell in the grid and shows its message', async () => {
  const { context, page } = await openPage();
  const name = 'tthc-06-q3-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  const rows = card(page, name).locator('tr[data-testid="finding"]');
  const count = await rows.count();
  assert.ok(count > 0);
  for (const index of [0, count - 1]) {
    const row = rows.nth(index);
    const cell = await row.getAttribute('data-cell');
    const message = await row.locator('.col-message').textContent();
    await row.click();
    const outlined = card(page, name).locator('.grid td.outlined');
    await outlined.waitFor();
    assert.equal(await outlined.count(), 1, 'exactly one outlined cell');
    assert.equal(await outlined.getAttribute('data-cell'), cell);
    assert.equal(await outlined.getAttribute('aria-current'), 'true');
    assert.equal(await outlined.getAttribute('data-severity'), await row.getAttribute('data-severity'));
    // The grid shows the cell's value as the finding quotes it.
    const actual = (await row.locator('.col-actual').textContent()).trim();
    if (actual) assert.equal((await outlined.textContent()).trim(), actual, `${cell} shows ${actual}`);
    // The outlined cell is scrolled into the grid's view.
    const inView = await outlined.evaluate((td) => {
      const box = td.getBoundingClientRect();
      const view = td.closest('.grid-scroll').getBoundingClientRect();
      return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
    });
    assert.ok(inView, `${cell} scrolled into view`);
    assert.ok((await card(page, name).locator('.cell-info').textContent()).includes(message), 'message shown for the cell');
    // Hover shows the message too.
    await outlined.hover();
    assert.ok((await page.locator('#tooltip').textContent()).includes(message));
  }
  // Keyboard: Enter on a finding row selects it.
  await rows.nth(0).focus();
  await page.keyboard.press('Enter');
  assert.equal(await card(page, name).locator('.grid td.outlined').getAttribute('data-cell'), await rows.nth(0).getAttribute('data-cell'));
  await context.close();
});

test('filters and sorting of the findings table', async () => {
  const { context, page } = await openPage();
  const name = 'phu-luc-cchc-q3-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  const all = await pageFindings(page, name);
  const severities = [...new Set(all.map((f) => f.severity))];
  assert.ok(severities.length >= 1);
  const wanted = severities[severities.length - 1];
  await card(page, name).locator('.filter-severity').selectOption(wanted);
  const filtered = await pageFindings(page, name);
  assert.equal(filtered.length, all.filter((f) => f.severity === wanted).length);
  assert.ok(filtered.every((f) => f.severity === wanted));
  await card(page, name).locator('.filter-severity').selectOption('');
  const sortCell = card(page, name).locator('th.col-cell button');
  await sortCell.click();
  await sortCell.click();
  const key = (a1) => {
    const m = /^([A-Z]+)(\d+)$/.exec(a1);
    return Number(m[2]) * 100_000 + [...m[1]].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0);
  };
  const sorted = (await pageFindings(page, name)).map((f) => key(f.cell));
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a), 'sorted by cell, descending');
  assert.equal(await card(page, name).locator('th.col-cell').getAttribute('aria-sort'), 'descending');
  await context.close();
});

test('switching to English changes the messages and is remembered', async () => {
  const { context, page } = await openPage();
  const name = 'tthc-06-q3-2022.xlsx';
  const file = path.join(FIXTURES, name);
  await page.setInputFiles('#file-input', file);
  await waitChecked(page, [name]);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  const vi = await pageFindings(page, name);
  await page.click('#lang-en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('body[data-busy="false"]');
  const en = await pageFindings(page, name);
  assert.deepEqual(strip(en), strip(vi));
  assert.notDeepEqual(en.map((f) => f.message), vi.map((f) => f.message));
  assert.deepEqual(en.map((f) => f.message), cliFindings(file, 'en').map((f) => f.message));
  assert.equal(await page.locator('#drop-zone .drop-main').textContent(), 'Drop workbooks here');
  assert.match(await card(page, name).locator('.count').first().textContent(), /errors/);
  // Remembered across a reload.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.locator('#drop-zone .drop-main').textContent(), 'Drop workbooks here');
  await page.click('#lang-vi');
  assert.equal(await page.locator('#drop-zone .drop-main').textContent(), 'Kéo thả bảng tính vào đây');
  await context.close();
});

test('a text file named .xlsx shows an error and the page keeps working', async () => {
  const { context, page, problems } = await openPage();
  await page.setInputFiles('#file-input', [
    { name: 'ghi-chu.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from('Đây chỉ là một ghi chú, không phải bảng tính.\n') },
    { name: 'rong.xls', mimeType: 'application/vnd.ms-excel', buffer: Buffer.alloc(0) },
  ]);
  await waitChecked(page, ['ghi-chu.xlsx', 'rong.xls']);
  const bad = card(page, 'ghi-chu.xlsx');
  assert.equal(await bad.getAttribute('data-status'), 'error');
  assert.match(await bad.locator('.file-error').textContent(), /không phải bảng tính/);
  assert.equal(await bad.locator('tr[data-testid="finding"]').count(), 0);
  assert.match(await card(page, 'rong.xls').locator('.file-error').textContent(), /rỗng/);
  const name = 'kinh-phi-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  assert.equal(await card(page, name).getAttribute('data-status'), 'done');
  assert.deepEqual(strip(await pageFindings(page, name)), strip(cliFindings(path.join(FIXTURES, name))));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a sheet named like HTML is shown as text and runs nothing', async () => {
  const { context, page } = await openPage();
  const dialogs = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const file = path.join(FIXTURES, XSS);
  await page.setInputFiles('#file-input', file);
  await waitChecked(page, [XSS]);
  const tab = card(page, XSS).locator('.sheet-tab').first();
  assert.equal(await tab.getAttribute('data-sheet'), XSS_SHEET);
  assert.ok((await tab.textContent()).startsWith(XSS_SHEET));
  const expected = cliFindings(file);
  assert.ok(expected.length > 0, 'the fixture has findings');
  assert.deepEqual(strip(await pageFindings(page, XSS)), strip(expected));
  assert.ok(await card(page, XSS).locator('.grid td', { hasText: '<script>alert(2)</script>' }).count() === 1);
  await card(page, XSS).locator('tr[data-testid="finding"]').first().click();
  await card(page, XSS).locator('.grid td', { hasText: '<img src=x onerror=alert(4)>' }).hover();
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#results img, #results script, #results b').count(), 0, 'no element made from workbook text');
  assert.deepEqual(dialogs, []);
  await context.close();
});

test('a large sheet renders only its visible rows', async () => {
  const { context, page, problems } = await openPage();
  const rows = 20_000;
  const body = Array.from({ length: rows }, (_, i) => `<tr><td>${i + 1}</td><td>Đơn vị ${i + 1}</td><td>${(i * 37) % 1000}</td><td>${(i * 53) % 1000}</td></tr>`).join('');
  const html = `<html><head><meta charset="utf-8"></head><body><table><tr><th>STT</th><th>Đơn vị</th><th>A</th><th>B</th></tr>${body}</table></body></html>`;
  const name = 'lon.xls';
  await page.setInputFiles('#file-input', { name, mimeType: 'application/vnd.ms-excel', buffer: Buffer.from(html) });
  await waitChecked(page, [name]);
  assert.equal(await card(page, name).getAttribute('data-status'), 'done');
  const rendered = card(page, name).locator('.grid tbody tr.r');
  assert.ok(await rendered.count() < 200, `only a window of rows is in the page (${await rendered.count()})`);
  // Column widths (measured by the core over the first 3,000 rows): the longest text plus
  // one, at least 4, in ch, and one more for the cell's padding.
  const widths = await card(page, name).locator('.grid colgroup col').evaluateAll((cols) => cols.slice(1).map((col) => col.style.width));
  assert.deepEqual(widths, ['6ch', '13ch', '5ch', '5ch'], 'STT to 2999, "Đơn vị 2999", numbers under 1,000');
  await card(page, name).locator('.grid-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction((n) => [...document.querySelectorAll('.grid tbody th.rownum')].some((th) => th.textContent === String(n)), rows + 1);
  assert.ok(await rendered.count() < 200);
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * A workbook as offices export them (HTML tables saved as .xls, one sheet a table) with
 * numbers written the Vietnamese way and a few written "1,234", which crossfoot reports
 * as ambiguous (CF102) at their cells. `slips` are [sheet, row, column] of those, zero-based,
 * the row in the body and the column among the numbers. Sheet 1 has plain rows; on sheet 2
 * each unit's name is merged across two columns and wraps, so its rows are taller than the
 * page's CSS row.
 */
function tallWorkbook({ rows, numbers, slips }) {
  const at = new Set(slips.map((s) => s.join(',')));
  const number = (sheet, r, c) => (at.has(`${sheet},${r},${c}`) ? '1,234' : `${1 + ((r * 7 + c) % 9)}.${100 + ((r * 37 + c * 11) % 900)}`);
  const tables = [0, 1].map((sheet) => {
    const merged = sheet === 1;
    const head = `<tr><th>STT</th><th${merged ? ' colspan="2"' : ''}>Đơn vị</th>${Array.from({ length: numbers[sheet] }, (_, c) => `<th>Chỉ tiêu ${c + 1}</th>`).join('')}</tr>`;
    const body = Array.from({ length: rows[sheet] }, (_, r) => {
      const name = merged ? `<td colspan="2">Ủy ban nhân dân xã số ${r + 1} thuộc huyện</td>` : `<td>Đơn vị ${r + 1}</td>`;
      return `<tr><td>${r + 1}</td>${name}${Array.from({ length: numbers[sheet] }, (_, c) => `<td>${number(sheet, r, c)}</td>`).join('')}</tr>`;
    }).join('');
    return `<table>${head}${body}</table>`;
  });
  return `<html><head><meta charset="utf-8"></head><body>${tables.join('')}</body></html>`;
}

// The grid draws only the rows on screen: a finding's cell must be drawn and scrolled to
// from where its row really is, whatever the rows' height (the page once placed it by row
// number times 26px, and drew rows far from a cell below taller rows) and the window.
test('a finding anywhere in a large sheet is drawn, outlined and scrolled into view, in any window', async () => {
  const rows = [2000, 1000];
  const numbers = [30, 6];
  // Far down and in the last column of sheet 1; then on sheet 2 (tall rows) near the top,
  // in the middle and in its last row; then back near the left of sheet 1.
  const slips = [[0, 1600, 29], [0, 5, 0], [1, 3, 1], [1, 500, 3], [1, 999, 5]];
  const html = tallWorkbook({ rows, numbers, slips });
  const name = 'hai-trang.xls';
  // A window wider than the grid's box is tall, and a small one: narrow (the grid below the
  // findings) and shorter than the grid's box.
  for (const viewport of [{ width: 1400, height: 1000 }, { width: 700, height: 300 }]) {
    const { context, page, problems } = await openPage({ viewport });
    await page.setInputFiles('#file-input', { name, mimeType: 'application/vnd.ms-excel', buffer: Buffer.from(html) });
    await waitChecked(page, [name]);
    const file = card(page, name);
    const scroller = file.locator('.grid-scroll');
    // Two frames: the grid measures its rows a frame after it is drawn.
    const settled = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    // The first draw fills the grid's box, also where the window shows only part of it
    // (scrolling the page draws no grid rows).
    await settled();
    const gap = await scroller.evaluate((box) => {
      const drawn = box.querySelectorAll('tbody tr.r');
      const view = box.getBoundingClientRect();
      return view.top + box.clientTop + box.clientHeight - drawn[drawn.length - 1].getBoundingClientRect().bottom;
    });
    assert.ok(gap <= 1, `${viewport.height}px window: the grid's box is filled with rows (${gap}px left empty)`);
    const findings = file.locator('tr[data-testid="finding"]');
    const cells = await findings.evaluateAll((list) => list.map((row) => `${row.dataset.sheet}!${row.dataset.cell}`));
    assert.deepEqual(cells, ['Bảng 1!C7', 'Bảng 1!AF1602', 'Bảng 2!E5', 'Bảng 2!G502', 'Bảng 2!I1001']);
    for (const index of [1, 2, 3, 4, 0]) {
      const row = findings.nth(index);
      const [sheet, cell] = cells[index].split('!');
      await row.click();
      assert.equal(await file.locator('.sheet-tab[aria-selected="true"]').getAttribute('data-sheet'), sheet);
      const outlined = file.locator('.grid td.outlined');
      await outlined.waitFor();
      assert.equal(await outlined.count(), 1, `${cells[index]}: exactly one outlined cell`);
      assert.equal(await outlined.getAttribute('data-cell'), cell);
      assert.equal((await outlined.textContent()).trim(), '1,234');
      // In the grid's box, clear of its sticky column letters and row numbers, and in the
      // window; still so once the grid has settled.
      const place = () => outlined.evaluate((td) => {
        const box = td.closest('.grid-scroll');
        const view = box.getBoundingClientRect();
        const at = td.getBoundingClientRect();
        const corner = box.querySelector('th.corner').getBoundingClientRect(); // sticky both ways
        return {
          inBox: at.top >= corner.bottom - 1 && at.bottom <= view.top + box.clientTop + box.clientHeight + 1
            && at.left >= corner.right - 1 && at.right <= view.left + box.clientLeft + box.clientWidth + 1,
          inWindow: at.top >= -1 && at.bottom <= window.innerHeight + 1 && at.left >= -1 && at.right <= window.innerWidth + 1,
        };
      });
      for (const when of ['drawn', 'settled']) {
        if (when === 'settled') await settled();
        assert.equal(await outlined.getAttribute('data-cell'), cell, `${cells[index]} outlined (${when})`);
        const { inBox, inWindow } = await place();
        assert.ok(inBox, `${viewport.width}×${viewport.height}: ${cells[index]} scrolled into the grid's view (${when})`);
        assert.ok(inWindow, `${viewport.width}×${viewport.height}: ${cells[index]} in the window (${when})`);
      }
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a template file: errors show line and column, a good one is used', async () => {
  const { context, page } = await openPage();
  await page.setInputFiles('#template-input', { name: 'sai.toml', mimeType: 'text/plain', buffer: Buffer.from('id = "x"\ntitle = \n') });
  await page.waitForSelector('#template-status.is-error');
  assert.match(await page.locator('#template-status').textContent(), /sai\.toml: mẫu biểu lỗi ở dòng 2, cột \d+/);
  const name = 'kinh-phi-2022.xlsx';
  const tomlPath = path.join(FIXTURES, 'kinh-phi.toml');
  await page.setInputFiles('#template-input', tomlPath);
  await page.waitForFunction(() => document.querySelector('#template-select').value === 'custom');
  assert.doesNotMatch(await page.locator('#template-status').textContent(), /lỗi/);
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  const cli = cliReport(path.join(FIXTURES, name), 'vi', ['--template', tomlPath]);
  assert.deepEqual(strip(await pageFindings(page, name)), strip(cli.findings.map((f) => ({ sheet: f.sheet, cell: f.cell, severity: f.severity }))));
  assert.ok((await card(page, name).locator('.file-meta').textContent()).includes(cli.template));
  await context.close();
});

test('a template file that lays out a form gives a checked file its next-period form; one that does not, none', async () => {
  const { context, page } = await openPage();
  const cases = [
    [path.join(ROOT, 'templates/tthc-06.toml'), 'tthc-06-q3-2022.xlsx', true],
    [path.join(FIXTURES, 'kinh-phi.toml'), 'kinh-phi-2022.xlsx', false],
  ];
  for (const [tomlPath, name, form] of cases) {
    const toml = path.basename(tomlPath);
    await page.setInputFiles('#template-input', tomlPath);
    await page.waitForFunction((file) => document.querySelector('#template-status').textContent.includes(file), toml);
    await page.waitForSelector('body[data-busy="false"]');
    await page.setInputFiles('#file-input', path.join(FIXTURES, name));
    await waitChecked(page, [name]);
    const button = card(page, name).locator('[data-testid="download-form"]');
    assert.equal(await button.isVisible(), form, `${toml}: a form button ${form ? 'shown' : 'hidden'}`);
    if (form) {
      const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
      assert.equal(file.suggestedFilename(), `${name.replace(/\.xlsx$/, '')}.form.xlsx`);
      const bytes = await readFile(await file.path());
      assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'the form is a zip package');
    }
  }
  await context.close();
});

test('downloads: findings as CSV, workbook buttons present', async () => {
  const { context, page } = await openPage();
  const name = 'tthc-06-q3-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    card(page, name).locator('[data-testid="download-csv"]').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'tthc-06-q3-2022.findings.csv');
  const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
  const lines = csv.trimEnd().split('\r\n');
  assert.match(lines[0], /^file,template,severity,code,sheet,cell/);
  assert.equal(lines.length - 1, await card(page, name).locator('tr[data-testid="finding"]').count());
  for (const [testid, suffix] of [['download-annotated', '.checked.xlsx'], ['download-fixed', '.fixed.xlsx']]) {
    const button = card(page, name).locator(`[data-testid="${testid}"]`);
    assert.equal(await button.count(), 1);
    assert.equal(await button.isDisabled(), false, `${testid} is enabled`);
    const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
    assert.equal(file.suggestedFilename(), `tthc-06-q3-2022${suffix}`);
    const saved = path.join(tmpdir(), `crossfoot-${process.pid}${suffix}`);
    await file.saveAs(saved);
    const bytes = await readFile(saved);
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', `${testid} is a zip package`);
    // Read back with the real tools: the annotated copy has the results sheet, and both
    // copies check with no error.
    const report = JSON.parse(execFileSync(CLI, ['check', '--format', 'json', saved], { encoding: 'utf8' }));
    assert.equal(report.files[0].error, null);
    assert.equal(report.files[0].summary.errors, 0);
    if (testid === 'download-annotated') {
      const model = execFileSync(DUMP, [saved], { encoding: 'utf8' });
      assert.match(model, /== sheet "Kết quả kiểm tra"/);
    }
  }
  await context.close();
});

test('blank forms: beside each template and each checked file, recognised and clean', async () => {
  const { context, page } = await openPage();
  // Beside each built-in template that lays out a form.
  for (const id of ['tthc-06', 'phu-luc-cchc']) {
    const button = page.locator(`#form-list [data-testid="download-form"][data-template="${id}"]`);
    assert.equal(await button.count(), 1, `a form button for ${id}`);
    const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
    assert.equal(file.suggestedFilename(), `${id}.form.xlsx`);
    const saved = path.join(tmpdir(), `crossfoot-${process.pid}-${id}.form.xlsx`);
    await file.saveAs(saved);
    const report = JSON.parse(execFileSync(CLI, ['check', '--format', 'json', saved], { encoding: 'utf8' }));
    assert.equal(report.files[0].template, id, 'the CLI finds the template by itself');
    assert.deepEqual(report.files[0].findings, [], 'a blank form reports nothing');
  }
  // Beside a checked file: next period's form with the file's units.
  const name = 'tthc-06-q3-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  const button = card(page, name).locator('[data-testid="download-form"]');
  assert.equal(await button.isVisible(), true);
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  assert.equal(file.suggestedFilename(), 'tthc-06-q3-2022.form.xlsx');
  const saved = path.join(tmpdir(), `crossfoot-${process.pid}-next.form.xlsx`);
  await file.saveAs(saved);
  const report = JSON.parse(execFileSync(CLI, ['check', '--format', 'json', saved], { encoding: 'utf8' }));
  assert.equal(report.files[0].template, 'tthc-06');
  assert.deepEqual(report.files[0].findings, []);
  const model = execFileSync(DUMP, [saved], { encoding: 'utf8' });
  for (const unit of ['Sở Công Thương', 'Huyện Châu Thành', 'Các xã thuộc huyện Lai Vung']) {
    assert.ok(model.includes(unit), `the form lists ${unit}`);
  }
  await context.close();
});

test('no request leaves the page origin, and none at all after load', async () => {
  const context = await browser.newContext();
  const requests = [];
  let loaded = false;
  const after = [];
  context.on('request', (request) => {
    requests.push(request.url());
    if (loaded) after.push(request.url());
  });
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-ready="true"]');
  loaded = true;
  const name = 'tthc-06-q3-2022.xlsx';
  await page.setInputFiles('#file-input', [path.join(FIXTURES, name), path.join(FIXTURES, 'tthc-06-q3-2022-html.xls')]);
  await waitChecked(page, [name]);
  await card(page, name).locator('tr[data-testid="finding"]').first().click();
  await page.click('#lang-en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('body[data-busy="false"]');
  await page.waitForTimeout(500);
  const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'every request stays on the page origin');
  assert.ok(requests.some((url) => url.endsWith('.wasm')), 'the wasm was seen, so requests are recorded');
  assert.deepEqual(after, [], 'no request after load');
  await context.close();
});

test('the page fits a phone screen', async () => {
  const { context, page } = await openPage({ viewport: { width: 390, height: 844 } });
  const name = 'tthc-06-q3-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling of the page (overflow ${overflow}px)`);
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'screenshot-phone.png') });
  await context.close();
});

test('screenshots of the 06 sample in both languages', async () => {
  const { context, page } = await openPage({ viewport: { width: 1440, height: 1000 } });
  const name = 'tthc-06-q3-2022.xlsx';
  await page.setInputFiles('#file-input', path.join(FIXTURES, name));
  await waitChecked(page, [name]);
  await card(page, name).locator('tr[data-testid="finding"]').first().click();
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'screenshot-vi.png'), fullPage: true });
  await page.click('#lang-en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('body[data-busy="false"]');
  await card(page, name).locator('tr[data-testid="finding"]').first().click();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SHOTS, 'screenshot-en.png'), fullPage: true });
  await context.close();
});
