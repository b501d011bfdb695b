// crossfoot's page: takes workbooks from a drop or the file input, checks each in a Web
// Worker, and shows the findings beside a view of the sheet. Everything stays in the
// browser. Workbook text is only ever written with textContent, never as HTML.

// ---------------------------------------------------------------------------------------
// Texts

const TEXT = {
  vi: {
    skip: 'Bỏ qua đến kết quả',
    tagline: 'Kiểm tra số liệu trong bảng tính báo cáo: tổng với các thành phần, tỷ lệ với số liệu gốc.',
    intakeTitle: 'Chọn bảng tính',
    drop: 'Kéo thả bảng tính vào đây',
    dropHint: 'xlsx, xlsm, xlsb, xls, ods hoặc bảng HTML (.xls); có thể nhiều tệp cùng lúc. Thả tệp .toml để dùng mẫu biểu riêng.',
    dropActive: 'Thả tệp để kiểm tra',
    pick: 'Hoặc chọn tệp:',
    template: 'Mẫu biểu:',
    tplAuto: 'Tự nhận biết',
    tplNone: 'Không dùng mẫu (chỉ kiểm tra chung)',
    tplFile: 'Mẫu biểu riêng (.toml):',
    tplCustom: (id, file) => `Mẫu riêng: ${id} (${file})`,
    tplUsing: (label) => `Đang dùng: ${label}`,
    tplError: (file, e) => (e.line ? `${file}: mẫu biểu lỗi ở dòng ${e.line}, cột ${e.column}: ${e.detail || e.message}` : `${file}: ${e.message}`),
    privacyTitle: 'Quyền riêng tư',
    privacy: 'Mọi việc kiểm tra chạy ngay trong trình duyệt của bạn. Tệp không được gửi đi đâu, trang không dùng phông chữ, thư viện hay công cụ thống kê từ bên ngoài; sau khi tải xong, trang dùng được cả khi không có mạng.',
    loading: 'Đang tải bộ kiểm tra…',
    checking: (done, total, name) => `Đang kiểm tra ${done}/${total}: ${name}`,
    checked: (total) => `Đã kiểm tra ${total} tệp.`,
    severity: { error: 'Lỗi', warning: 'Cảnh báo', info: 'Thông tin' },
    severityPlural: { error: 'lỗi', warning: 'cảnh báo', info: 'thông tin' },
    all: 'Tất cả',
    filterSeverity: 'Mức độ:',
    filterSheet: 'Trang:',
    cols: { severity: 'Mức độ', code: 'Mã', sheet: 'Trang', cell: 'Ô', message: 'Nội dung', expected: 'Đúng ra', actual: 'Trong tệp', fix: 'Đề xuất sửa' },
    sortBy: (col) => `Sắp xếp theo ${col}`,
    meta: (tpl, format, conv) => `Mẫu biểu: ${tpl} · định dạng ${format} · cách viết số của tệp: ${conv}`,
    noTemplate: 'không có (chỉ kiểm tra chung)',
    conv: { vietnamese: 'Việt Nam (1.845; 96,1)', english: 'tiếng Anh (1,845; 96.1)' },
    noFindings: 'Không phát hiện vấn đề nào.',
    noMatch: 'Không có phát hiện nào khớp bộ lọc.',
    dlAnnotated: 'Tải bảng tính có ghi chú',
    dlFixed: 'Tải bảng tính đã sửa',
    dlCsv: 'Tải danh sách phát hiện (CSV)',
    dlForm: 'Tải biểu mẫu trống kỳ sau',
    dlFormTitle: 'Biểu mẫu trống cùng các đơn vị của tệp này; tự tính tổng và tô màu ô sai khi nhập.',
    formList: 'Biểu mẫu trống tự kiểm tra:',
    formButton: (id) => `Tải biểu mẫu ${id}`,
    dlSoon: 'Sắp có: chức năng ghi bảng tính đang được hoàn thiện.',
    dlFailed: (m) => `Không tạo được tệp: ${m}`,
    readErrors: {
      empty: 'Tệp rỗng.',
      'not-a-workbook': 'Đây không phải bảng tính (xlsx, xlsm, xlsb, xls, ods hoặc bảng HTML).',
      encrypted: 'Bảng tính có mật khẩu: hãy gỡ mật khẩu rồi thử lại.',
      corrupt: 'Bảng tính bị hỏng, không đọc được.',
      'no-table': 'Tài liệu HTML không có bảng nào.',
      limit: 'Tệp vượt giới hạn an toàn.',
      other: 'Không đọc được tệp.',
    },
    unreadableFile: 'Trình duyệt không đọc được tệp này.',
    panic: 'Bộ kiểm tra gặp lỗi nội bộ với tệp này; các tệp khác vẫn được kiểm tra.',
    templateFailed: 'Mẫu biểu không dùng được:',
    detailTitle: 'Chi tiết',
    fixLine: (cell, value, reason) => `Sửa ${cell} thành ${value}: ${reason}`,
    related: 'Các ô liên quan:',
    rowsCut: (n) => `Trang quá lớn: chỉ hiện ${n} dòng đầu trong lưới (mọi phát hiện vẫn được liệt kê).`,
    hidden: '(ẩn)',
    cellLabel: (cell) => `Ô ${cell}`,
    gridLabel: (sheet) => `Lưới trang ${sheet}`,
    tabsLabel: 'Các trang',
    setTitle: 'Đối chiếu giữa các tệp',
    setChecking: 'Đang đối chiếu các tệp với nhau…',
    setPeriods: (last, current) => `Hai kỳ của cùng một báo cáo: kỳ trước là ${last}, kỳ này là ${current}.`,
    setUnits: (n, province) => (province
      ? `Báo cáo của ${n} đơn vị và báo cáo tổng hợp từ các đơn vị đó (${province}).`
      : `Báo cáo của ${n} đơn vị.`),
    setUnrelated: (why) => `Không thấy mối liên hệ giữa các tệp: ${why}.`,
    setTemplate: (id) => `Mẫu biểu: ${id}`,
    setLeftOut: (names) => `Không đưa vào đối chiếu (không đọc được): ${names}`,
    setNoFindings: 'Không có phát hiện nào giữa các tệp.',
    setFailed: (m) => `Không đối chiếu được các tệp: ${m}`,
    setCols: { file: 'Tệp', related: 'Đối chiếu với' },
    dlConsolidated: 'Tải báo cáo tổng hợp',
    dlConsolidatedTitle: 'Biểu tổng hợp (tong-hop.xlsx) lập từ báo cáo của các đơn vị, kèm trang kiểm tra từng đơn vị.',
    unitsCaption: 'Các đơn vị trong báo cáo tổng hợp',
    unitCols: { name: 'Đơn vị', file: 'Tệp', row: 'Dòng', status: 'Tình trạng' },
  },
  en: {
    skip: 'Skip to results',
    tagline: 'Checks the numbers in report workbooks: totals against their parts, ratios against their figures.',
    intakeTitle: 'Choose workbooks',
    drop: 'Drop workbooks here',
    dropHint: 'xlsx, xlsm, xlsb, xls, ods or an HTML table (.xls); several files at once. Drop a .toml file to use your own template.',
    dropActive: 'Release to check',
    pick: 'Or choose files:',
    template: 'Template:',
    tplAuto: 'Recognise automatically',
    tplNone: 'No template (general checks only)',
    tplFile: 'Own template (.toml):',
    tplCustom: (id, file) => `Own template: ${id} (${file})`,
    tplUsing: (label) => `Using: ${label}`,
    tplError: (file, e) => (e.line ? `${file}: template error at line ${e.line}, column ${e.column}: ${e.detail || e.message}` : `${file}: ${e.message}`),
    privacyTitle: 'Privacy',
    privacy: 'All checking runs in your browser. Files are sent nowhere; the page uses no outside fonts, libraries or analytics, and once loaded it works offline.',
    loading: 'Loading the checker…',
    checking: (done, total, name) => `Checking ${done}/${total}: ${name}`,
    checked: (total) => `Checked ${total} file(s).`,
    severity: { error: 'Error', warning: 'Warning', info: 'Info' },
    severityPlural: { error: 'errors', warning: 'warnings', info: 'infos' },
    all: 'All',
    filterSeverity: 'Severity:',
    filterSheet: 'Sheet:',
    cols: { severity: 'Severity', code: 'Code', sheet: 'Sheet', cell: 'Cell', message: 'Message', expected: 'Expected', actual: 'In the file', fix: 'Suggested fix' },
    sortBy: (col) => `Sort by ${col}`,
    meta: (tpl, format, conv) => `Template: ${tpl} · format ${format} · the file writes numbers in ${conv}`,
    noTemplate: 'none (general checks only)',
    conv: { vietnamese: 'Vietnamese style (1.845; 96,1)', english: 'English style (1,845; 96.1)' },
    noFindings: 'No problems found.',
    noMatch: 'No finding matches the filters.',
    dlAnnotated: 'Download annotated workbook',
    dlFixed: 'Download corrected workbook',
    dlCsv: 'Download findings (CSV)',
    dlForm: 'Download blank form for next period',
    dlFormTitle: 'A blank form with this file\'s units; it computes its totals and colours wrong cells while it is filled.',
    formList: 'Blank self-checking forms:',
    formButton: (id) => `Download form ${id}`,
    dlSoon: 'Coming soon: writing workbooks is being finished.',
    dlFailed: (m) => `Could not make the file: ${m}`,
    readErrors: {
      empty: 'The file is empty.',
      'not-a-workbook': 'This is not a workbook (xlsx, xlsm, xlsb, xls, ods or an HTML table).',
      encrypted: 'The workbook is password-protected: remove the password and try again.',
      corrupt: 'The workbook is damaged and cannot be read.',
      'no-table': 'The HTML document holds no table.',
      limit: 'The file exceeds a safety limit.',
      other: 'The file cannot be read.',
    },
    unreadableFile: 'The browser could not read this file.',
    panic: 'The checker hit an internal error on this file; the other files are still checked.',
    templateFailed: 'The template cannot be used:',
    detailTitle: 'Details',
    fixLine: (cell, value, reason) => `Change ${cell} to ${value}: ${reason}`,
    related: 'Related cells:',
    rowsCut: (n) => `Sheet too large: the grid shows its first ${n} rows (every finding is still listed).`,
    hidden: '(hidden)',
    cellLabel: (cell) => `Cell ${cell}`,
    gridLabel: (sheet) => `Grid of sheet ${sheet}`,
    tabsLabel: 'Sheets',
    setTitle: 'Across files',
    setChecking: 'Checking the files against one another…',
    setPeriods: (last, current) => `Two periods of one report: the last period is ${last}, this period ${current}.`,
    setUnits: (n, province) => (province
      ? `${n} units' reports and the report that consolidates them (${province}).`
      : `${n} units' reports.`),
    setUnrelated: (why) => `No relation found between the files: ${why}.`,
    setTemplate: (id) => `Template: ${id}`,
    setLeftOut: (names) => `Left out (could not be read): ${names}`,
    setNoFindings: 'No findings across the files.',
    setFailed: (m) => `Could not check the files against one another: ${m}`,
    setCols: { file: 'File', related: 'Compared with' },
    dlConsolidated: 'Download the consolidated report',
    dlConsolidatedTitle: 'The province\'s form (tong-hop.xlsx) filled from the units\' reports, with a sheet checking each unit.',
    unitsCaption: 'The units in the consolidated report',
    unitCols: { name: 'Unit', file: 'File', row: 'Row', status: 'Status' },
  },
};

const SEVERITIES = ['error', 'warning', 'info'];
const SEVERITY_RANK = { error: 0, warning: 1, info: 2 };
const LANG_KEY = 'crossfoot.lang';

const state = {
  lang: readLang(),
  template: 'auto', // 'auto' | 'none' | built-in id | 'custom'
  custom: null, // { text, id, title, file }
  builtins: [],
  caps: { annotated: false, fixed: false, form: false },
  docs: {},
  files: [],
  sets: [], // files dropped or chosen together: { batch, members, result, error, panel }
  nextId: 1,
};

function readLang() {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

const t = () => TEXT[state.lang];
const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// One number formatter per language, made once: making one loads the locale's data, which
// cost the first result card 20-30 ms.
const countFormats = new Map();

function formatCount(n) {
  const locale = state.lang === 'vi' ? 'vi-VN' : 'en-US';
  if (!countFormats.has(locale)) countFormats.set(locale, new Intl.NumberFormat(locale));
  return countFormats.get(locale).format(n);
}

// A grid cell's address: its column's name as the core sent it, and its 1-based row.
const addressOf = (sheet, row, col) => `${sheet.columns[col]}${row + 1}`;

function baseName(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

// ---------------------------------------------------------------------------------------
// Workers: a small pool, each loading the core once.

class Pool {
  constructor(size) {
    this.size = size;
    this.workers = [];
    this.nextRequest = 1;
    for (let i = 0; i < size; i += 1) this.workers.push(this.spawn());
  }

  spawn() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const slot = { worker, pending: new Map(), busy: 0, warm: false };
    worker.onmessage = (event) => {
      const { id, ok, result, error, warm } = event.data;
      if (warm) {
        slot.warm = true;
        if (this.workers.every((w) => w.warm)) document.body.dataset.warm = 'true';
        return;
      }
      const job = slot.pending.get(id);
      if (!job) return;
      slot.pending.delete(id);
      slot.busy -= 1;
      if (ok) job.resolve(result);
      else {
        if (error.kind === 'panic') this.replace(slot);
        job.reject(error);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const error = { kind: 'panic', message: event.message || 'worker error' };
      for (const job of slot.pending.values()) job.reject(error);
      slot.pending.clear();
      this.replace(slot);
    };
    return slot;
  }

  replace(slot) {
    slot.worker.terminate();
    slot.gone = true;
    for (const job of slot.pending.values()) job.reject({ kind: 'panic', message: 'worker restarted' });
    const index = this.workers.indexOf(slot);
    if (index >= 0) this.workers[index] = this.spawn();
  }

  // The least busy worker.
  pick() {
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  request(message, transfer = []) {
    return this.requestOn(this.pick(), message, transfer);
  }

  // A request to one worker: one that holds a file's check (`gone` once it was replaced).
  requestOn(slot, message, transfer = []) {
    if (slot.gone) return Promise.reject({ kind: 'gone', message: 'worker restarted' });
    const id = this.nextRequest++;
    slot.busy += 1;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...message, id }, transfer);
    });
  }

  all(message) {
    return Promise.all(this.workers.map((slot) => {
      const id = this.nextRequest++;
      slot.busy += 1;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ ...message, id });
      });
    }));
  }
}

const pool = new Pool(Math.max(1, Math.min(3, (navigator.hardwareConcurrency || 2) - 1)));

// ---------------------------------------------------------------------------------------
// Static texts and language

function applyLanguage() {
  const texts = t();
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    const value = texts[node.dataset.i18n];
    if (typeof value === 'string') node.textContent = value;
  }
  for (const button of document.querySelectorAll('.lang button')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
  }
  document.title = state.lang === 'vi' ? 'crossfoot — kiểm tra số liệu báo cáo' : 'crossfoot — check report figures';
  fillTemplateSelect();
}

async function setLanguage(lang) {
  if (lang === state.lang) return;
  state.lang = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Private mode: the choice lasts for this visit.
  }
  applyLanguage();
  await loadDocs();
  await recheckAll();
}

async function loadDocs() {
  try {
    const docs = await pool.request({ type: 'explainAll', lang: state.lang });
    state.docs = Object.fromEntries(docs.map((doc) => [doc.code, doc]));
  } catch {
    state.docs = {};
  }
}

function fillTemplateSelect() {
  const select = $('#template-select');
  const texts = t();
  select.replaceChildren(
    el('option', { value: 'auto', text: texts.tplAuto }),
    el('option', { value: 'none', text: texts.tplNone }),
    ...state.builtins.map((tpl) => el('option', { value: tpl.id, text: `${tpl.id} — ${tpl.title}` })),
    state.custom ? el('option', { value: 'custom', text: texts.tplCustom(state.custom.id, state.custom.file) }) : null,
  );
  select.value = state.template;
  showTemplateStatus();
  fillFormList();
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// A blank self-checking form beside each built-in template that lays one out.
function fillFormList() {
  const list = $('#form-list');
  const texts = t();
  $('#form-list-label').textContent = texts.formList;
  const withForm = state.caps.form ? state.builtins.filter((tpl) => tpl.form) : [];
  list.replaceChildren(...withForm.map((tpl) => {
    const button = el('button', { type: 'button', text: texts.formButton(tpl.id) });
    button.dataset.testid = 'download-form';
    button.dataset.template = tpl.id;
    button.title = tpl.title;
    button.onclick = () => downloadForm(button, () => pool.request({ type: 'form', template: tpl.id, period: '' }), `${tpl.id}.form.xlsx`);
    const item = el('li', {});
    item.append(button);
    return item;
  }));
  $('#form-list-box').hidden = withForm.length === 0;
}

// Downloads the workbook `make()` resolves to, the button disabled meanwhile.
async function downloadForm(button, make, name, onError) {
  button.disabled = true;
  try {
    const out = await make();
    download(out, name, XLSX_TYPE);
  } catch (error) {
    button.title = t().dlFailed(errorMessage(error));
    if (onError) onError(button.title);
  } finally {
    button.disabled = false;
  }
}

// The template a checked file's next-period form is written from: the user's own TOML
// when it lays out a form (as the core said when it parsed it), else the built-in the
// check found.
function formTemplateOf(entry) {
  const custom = entry.checkedWith && entry.checkedWith.custom;
  if (custom) return custom.form ? custom.text : null;
  const id = entry.result && entry.result.template;
  return state.builtins.some((tpl) => tpl.id === id && tpl.form) ? id : null;
}

function templateLabel() {
  const select = $('#template-select');
  const option = select.options[select.selectedIndex];
  return option ? option.textContent : state.template;
}

function showTemplateStatus(error) {
  const status = $('#template-status');
  status.classList.toggle('is-error', Boolean(error));
  status.setAttribute('role', error ? 'alert' : 'status');
  status.textContent = error || t().tplUsing(templateLabel());
}

// The user's own template when it is the one chosen.
function customTemplate() {
  return state.template === 'custom' && state.custom ? state.custom : null;
}

function templateArgument() {
  const custom = customTemplate();
  return custom ? custom.text : state.template;
}

async function useTemplateFile(file) {
  let text;
  try {
    text = await file.text();
  } catch {
    showTemplateStatus(`${file.name}: ${t().unreadableFile}`);
    return;
  }
  try {
    const info = await pool.request({ type: 'parseTemplate', text });
    state.custom = { text, id: info.id, title: info.title, form: info.form, file: file.name };
    state.template = 'custom';
    fillTemplateSelect();
    await recheckAll();
  } catch (error) {
    showTemplateStatus(t().tplError(file.name, error));
  }
}

// ---------------------------------------------------------------------------------------
// Intake

async function takeFiles(fileList) {
  const files = Array.from(fileList);
  const templates = files.filter((f) => /\.toml$/i.test(f.name));
  const books = files.filter((f) => !/\.toml$/i.test(f.name));
  for (const file of templates) await useTemplateFile(file);
  const entries = [];
  for (const file of books) {
    const entry = { id: state.nextId++, name: file.name, bytes: null, result: null, error: null, view: null };
    try {
      entry.bytes = await file.arrayBuffer();
    } catch {
      entry.error = { kind: 'file', message: t().unreadableFile };
    }
    state.files.push(entry);
    entries.push(entry);
    renderFile(entry);
  }
  await checkEntries(entries);
  if (entries.length >= 2) {
    const set = { batch: entries, members: [], result: null, error: null, panel: null };
    state.sets.push(set);
    await checkSet(set);
  }
}

let runToken = 0;
let pendingWork = 0;

// Marks the page busy while `promise` runs (tests and assistive tech read data-busy).
async function track(promise) {
  pendingWork += 1;
  document.body.dataset.busy = 'true';
  try {
    return await promise;
  } finally {
    pendingWork -= 1;
    if (pendingWork === 0) document.body.dataset.busy = 'false';
  }
}

async function checkEntries(entries) {
  const todo = entries.filter((e) => e.bytes);
  if (todo.length === 0) return;
  const token = ++runToken;
  const progress = $('#progress');
  const bar = $('#progress-bar');
  const label = $('#progress-text');
  progress.hidden = false;
  bar.max = todo.length;
  bar.value = 0;
  let done = 0;
  label.textContent = t().checking(0, todo.length, todo[0].name);
  const lang = state.lang;
  const template = templateArgument();
  const custom = customTemplate();
  await Promise.all(todo.map(async (entry) => {
    entry.status = 'checking';
    entry.article && (entry.article.dataset.status = 'checking');
    try {
      entry.result = await checkOnWorker(entry, { template, lang });
      entry.error = null;
    } catch (error) {
      entry.result = null;
      entry.error = error;
    }
    entry.checkedWith = { lang, template, custom };
    done += 1;
    if (token === runToken) {
      bar.value = done;
      label.textContent = t().checking(done, todo.length, entry.name);
    }
    renderFile(entry);
  }));
  if (token === runToken) label.textContent = t().checked(todo.length);
}

// Checks a file on a worker, which keeps the check for the file's downloads: the worker
// that held its last check (it frees that one), unless it was replaced.
function checkOnWorker(entry, { template, lang }) {
  const slot = entry.slot && !entry.slot.gone ? entry.slot : pool.pick();
  entry.slot = slot;
  return pool.requestOn(slot, { type: 'check', key: entry.id, bytes: entry.bytes.slice(0), name: entry.name, template, lang });
}

// A request about a checked file, sent to the worker that holds its check; a file whose
// worker was replaced since (a panic) is checked again there first, as it was.
async function requestHeld(entry, message) {
  const ask = () => pool.requestOn(entry.slot, { ...message, key: entry.id });
  try {
    return await ask();
  } catch (error) {
    if (error.kind !== 'gone') throw error;
    await checkOnWorker(entry, entry.checkedWith);
    return ask();
  }
}

async function recheckAll() {
  await checkEntries(state.files);
  for (const entry of state.files) if (!entry.bytes) renderFile(entry);
  for (const set of state.sets) await checkSet(set);
}

// ---------------------------------------------------------------------------------------
// One file's card

function renderFile(entry) {
  const texts = t();
  const fresh = !entry.article;
  if (fresh) {
    entry.article = $('#file-template').content.firstElementChild.cloneNode(true);
    entry.article.dataset.fileId = String(entry.id);
    $('#results').append(entry.article);
    entry.view = { sortKey: null, sortDir: 1, severity: '', sheet: '', sheetIndex: 0, selected: null };
  }
  const article = entry.article;
  article.dataset.name = entry.name;
  $('.file-name', article).textContent = entry.name;
  const status = entry.result ? 'done' : entry.error ? 'error' : 'checking';
  article.dataset.status = status;
  const errorBox = $('.file-error', article);
  const body = $('.file-body', article);
  const head = $('.file-head', article);

  if (status !== 'done') {
    $('.counts', article).replaceChildren();
    $('.file-meta', article).textContent = status === 'checking' ? texts.loading : '';
    $('.downloads', article).hidden = true;
    body.hidden = true;
    if (entry.error) {
      errorBox.hidden = false;
      errorBox.textContent = errorMessage(entry.error);
    } else {
      errorBox.hidden = true;
    }
    head.classList.toggle('has-error', Boolean(entry.error));
    return;
  }
  head.classList.remove('has-error');
  errorBox.hidden = true;
  body.hidden = false;
  $('.downloads', article).hidden = false;
  const result = entry.result;
  const format = String(result.format || '').toUpperCase();
  $('.file-meta', article).textContent = texts.meta(result.template || texts.noTemplate, format, texts.conv[result.convention] || result.convention);
  const counts = $('.counts', article);
  counts.replaceChildren(...SEVERITIES.map((sev) => {
    const n = result.summary[`${sev}s`] || 0;
    return el('li', { class: `count sev-${sev}`, dataset: { severity: sev, count: String(n) } },
      el('strong', { text: formatCount(n) }), ` ${texts.severityPlural[sev]}`);
  }));
  setupDownloads(entry);
  setupFilters(entry);
  renderFindings(entry);
  indexFindings(entry);
  renderTabs(entry);
  renderGrid(entry);
}

function errorMessage(error) {
  const texts = t();
  if (error.kind === 'read') {
    return `${texts.readErrors[error.code] || texts.readErrors.other} (${error.message})`;
  }
  if (error.kind === 'template') return `${texts.templateFailed} ${error.message}`;
  if (error.kind === 'file') return error.message;
  if (error.kind === 'panic') return texts.panic;
  return error.message || String(error);
}

function download(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function setupDownloads(entry) {
  const texts = t();
  const article = entry.article;
  const outputs = [
    ['.dl-annotated', 'annotated', texts.dlAnnotated, '.checked.xlsx'],
    ['.dl-fixed', 'fixed', texts.dlFixed, '.fixed.xlsx'],
  ];
  for (const [selector, kind, label, suffix] of outputs) {
    const button = $(selector, article);
    button.textContent = label;
    const available = state.caps[kind];
    button.disabled = !available;
    button.title = available ? '' : texts.dlSoon;
    button.onclick = available ? async () => {
      button.disabled = true;
      try {
        const { lang } = entry.checkedWith;
        const out = await requestHeld(entry, {
          type: kind, lang, checkedAt: new Date().toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB'),
        });
        download(out, `${baseName(entry.name)}${suffix}`, XLSX_TYPE);
      } catch (error) {
        button.title = texts.dlFailed(errorMessage(error));
        $('.cell-info', article).textContent = button.title;
      } finally {
        button.disabled = false;
      }
    } : null;
  }
  const formButton = $('.dl-form', article);
  const formTemplate = state.caps.form ? formTemplateOf(entry) : null;
  formButton.textContent = texts.dlForm;
  formButton.hidden = !formTemplate;
  formButton.title = texts.dlFormTitle;
  formButton.onclick = formTemplate ? () => downloadForm(
    formButton,
    () => requestHeld(entry, { type: 'nextForm', template: formTemplate, period: '' }),
    `${baseName(entry.name)}.form.xlsx`,
    (message) => { $('.cell-info', article).textContent = message; },
  ) : null;
  const csv = $('.dl-csv', article);
  csv.textContent = texts.dlCsv;
  csv.onclick = () => download(`\uFEFF${entry.result.csv}`, `${baseName(entry.name)}.findings.csv`, 'text/csv;charset=utf-8');
}

// ---------------------------------------------------------------------------------------
// Files together: a set of files dropped or chosen at once, checked across one another by
// one worker once each file's own check is done (two periods of one report, or units'
// reports and the report that consolidates them), shown in a panel before the files' cards.

const SET_COLUMNS = ['severity', 'code', 'file', 'cell', 'message', 'expected', 'actual', 'related'];

async function checkSet(set) {
  set.members = set.batch.filter((entry) => entry.result);
  set.result = null;
  set.error = null;
  if (set.members.length < 2) {
    renderSet(set);
    return;
  }
  set.checking = true;
  renderSet(set);
  $('#progress-text').textContent = t().setChecking;
  const files = set.members.map((entry) => entry.bytes.slice(0));
  try {
    set.result = await pool.request({
      type: 'checkSet',
      names: set.members.map((entry) => entry.name),
      files,
      template: templateArgument(),
      lang: state.lang,
    }, files);
  } catch (error) {
    set.error = error;
  }
  set.checking = false;
  $('#progress-text').textContent = t().checked(set.batch.length);
  renderSet(set);
}

// What the set was recognised as, in the page's language.
function setKindText(result) {
  const texts = t();
  switch (result.kind) {
    case 'periods': return texts.setPeriods(result.last, result.this);
    case 'units': return texts.setUnits(result.units.length, result.province);
    default: return texts.setUnrelated(result.message);
  }
}

function renderSet(set) {
  const texts = t();
  if (!set.panel) {
    set.panel = $('#set-template').content.firstElementChild.cloneNode(true);
    $('#results').insertBefore(set.panel, set.batch[0].article);
  }
  const panel = set.panel;
  panel.hidden = set.members.length < 2;
  panel.dataset.status = set.checking ? 'checking' : set.result ? 'done' : 'error';
  $('.set-title', panel).textContent = texts.setTitle;
  const result = set.result;
  panel.dataset.kind = result ? result.kind : '';
  $('.set-kind', panel).textContent = set.checking ? texts.setChecking
    : result ? setKindText(result) : set.error ? texts.setFailed(errorMessage(set.error)) : '';
  $('.set-meta', panel).textContent = result && result.template ? texts.setTemplate(result.template) : '';
  const leftOut = [
    ...set.batch.filter((entry) => !entry.result).map((entry) => entry.name),
    ...(result ? result.unreadable.map((file) => file.file) : []),
  ];
  const left = $('.set-left-out', panel);
  left.hidden = leftOut.length === 0;
  left.textContent = texts.setLeftOut(leftOut.join(', '));

  const button = $('.dl-consolidated', panel);
  button.hidden = !(result && result.consolidated);
  button.textContent = texts.dlConsolidated;
  button.title = texts.dlConsolidatedTitle;
  button.onclick = () => download(result.consolidated, 'tong-hop.xlsx', XLSX_TYPE);

  const findings = result ? result.findings : [];
  $('.set-findings-wrap', panel).hidden = findings.length === 0;
  $('.set-findings thead tr', panel).replaceChildren(...SET_COLUMNS.map((col) => el('th', {
    scope: 'col', class: `col-${col}`, text: texts.setCols[col] || texts.cols[col],
  })));
  $('.set-findings tbody', panel).replaceChildren(...findings.map((finding, index) => {
    const related = finding.related || [];
    const [first = {}] = related;
    return findingRow(finding, SET_COLUMNS, {
      selected: set.selected === index,
      dataset: { testid: 'set-finding', index: String(index), file: finding.file, ...(first.path ? { relatedFile: first.path, relatedCell: first.cell } : {}) },
      onSelect: () => selectSetFinding(set, index),
      cells: (col) => (col === 'related' ? el('td', { class: 'col-related' }, ...related.map((cell) => relatedButton(set, cell))) : null),
    });
  }));
  const none = $('.no-findings', panel);
  none.hidden = !result || findings.length > 0;
  none.textContent = texts.setNoFindings;

  const placed = result ? result.placed : [];
  const units = $('.set-units', panel);
  units.hidden = placed.length === 0;
  $('caption', units).textContent = texts.unitsCaption;
  $('thead tr', units).replaceChildren(...['name', 'file', 'row', 'status'].map((col) => el('th', { scope: 'col', text: texts.unitCols[col] })));
  $('tbody', units).replaceChildren(...placed.map((unit) => el('tr', { dataset: { testid: 'set-unit', status: unit.status, name: unit.name } },
    el('td', { text: unit.name }),
    el('td', { text: unit.path || '' }),
    el('td', { class: 'num', text: unit.row === null || unit.row === undefined ? '' : String(unit.row + 1) }),
    el('td', { class: `unit-${unit.status}`, text: unit.message }))));
}

// A cell of another file a cross-file finding compares with: a button that shows it.
function relatedButton(set, related) {
  const text = `${related.path} · ${related.sheet}!${related.cell}${related.value ? ` = ${related.value}` : ''}`;
  return el('button', {
    type: 'button',
    class: 'related-cell',
    text,
    onclick: (event) => {
      event.stopPropagation();
      showSetCell(set.members.find((entry) => entry.name === related.path), related.sheet, related.cell);
    },
  });
}

function selectSetFinding(set, index) {
  const finding = set.result.findings[index];
  if (!finding) return;
  set.selected = index;
  for (const row of set.panel.querySelectorAll('tr.finding')) {
    const on = Number(row.dataset.index) === index;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
  }
  showSetCell(set.members[finding.index], finding.sheet, finding.cell, finding.cells);
}

// Shows an A1 cell of a file of the set in that file's grid.
function showSetCell(entry, sheetName, cell, related = []) {
  const sheet = entry && entry.result && entry.result.sheets.find((s) => s.name === sheetName);
  const match = /^([A-Z]+)(\d+)$/.exec(cell);
  const col = sheet && match ? sheet.columns.indexOf(match[1]) : -1;
  if (col < 0) return;
  showCell(entry, sheetName, { row: Number(match[2]) - 1, col, cell }, related);
}

// ---------------------------------------------------------------------------------------
// Findings table

const COLUMNS = ['severity', 'code', 'sheet', 'cell', 'message', 'expected', 'actual', 'fix'];
const SORTABLE = new Set(['severity', 'code', 'sheet', 'cell']);

function setupFilters(entry) {
  const texts = t();
  const article = entry.article;
  const view = entry.view;
  $('.l-sev', article).textContent = texts.filterSeverity;
  $('.l-sheet', article).textContent = texts.filterSheet;
  const sevSelect = $('.filter-severity', article);
  sevSelect.replaceChildren(
    el('option', { value: '', text: texts.all }),
    ...SEVERITIES.map((sev) => el('option', { value: sev, text: texts.severity[sev] })),
  );
  sevSelect.value = view.severity;
  sevSelect.onchange = () => { view.severity = sevSelect.value; renderFindings(entry); };
  const sheetSelect = $('.filter-sheet', article);
  const names = [...new Set(entry.result.findings.map((f) => f.sheet))];
  sheetSelect.replaceChildren(
    el('option', { value: '', text: texts.all }),
    ...names.map((name) => el('option', { value: name, text: name })),
  );
  if (!names.includes(view.sheet)) view.sheet = '';
  sheetSelect.value = view.sheet;
  sheetSelect.onchange = () => { view.sheet = sheetSelect.value; renderFindings(entry); };
}

// Compares two findings ({finding, index}) by a column; cells by the row and column the
// core gave each finding (`places`).
function compareFindings(key) {
  const sheetOrder = (entry) => (name) => entry.result.sheets.findIndex((s) => s.name === name);
  return (entry) => {
    const order = sheetOrder(entry);
    const places = entry.result.places;
    return ({ finding: a, index: i }, { finding: b, index: j }) => {
      switch (key) {
        case 'severity': return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
        case 'code': return a.code.localeCompare(b.code);
        case 'sheet': return order(a.sheet) - order(b.sheet);
        case 'cell': return places[i][0] - places[j][0] || places[i][1] - places[j][1];
        default: return 0;
      }
    };
  };
}

// A finding's cell in a findings table, for the columns both tables show.
function findingCell(finding, col) {
  const texts = t();
  switch (col) {
    case 'severity':
      return el('td', { class: 'col-severity' }, el('span', { class: `badge sev-${finding.severity}`, text: texts.severity[finding.severity] }));
    case 'code': {
      const doc = state.docs[finding.code];
      return el('td', { class: 'col-code', text: finding.code, title: doc ? `${doc.name}: ${doc.text}` : undefined });
    }
    case 'expected':
    case 'actual':
      return el('td', { class: `col-${col} num`, text: finding[col] ?? '' });
    case 'fix':
      return el('td', { class: 'col-fix', text: finding.fix ? `${finding.fix.cell} → ${finding.fix.value}` : '' });
    default:
      return el('td', { class: `col-${col}`, text: finding[col] ?? '' });
  }
}

// A finding's row: its cells (`cells(col)` for columns of the table's own, else
// `findingCell`), selected by a click, Enter or Space.
function findingRow(finding, columns, { selected, dataset, onSelect, cells = () => null }) {
  const row = el('tr', {
    tabindex: '0',
    class: `finding sev-${finding.severity}${selected ? ' selected' : ''}`,
    'aria-selected': String(selected),
    dataset: { sheet: finding.sheet, cell: finding.cell, severity: finding.severity, code: finding.code, ...dataset },
  }, ...columns.map((col) => cells(col) || findingCell(finding, col)));
  row.addEventListener('click', onSelect);
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect();
    }
  });
  return row;
}

function renderFindings(entry) {
  const texts = t();
  const article = entry.article;
  const view = entry.view;
  const table = $('.findings', article);
  const headRow = $('thead tr', table);
  headRow.replaceChildren(...COLUMNS.map((col) => {
    const th = el('th', { scope: 'col', class: `col-${col}` });
    if (SORTABLE.has(col)) {
      const sorted = view.sortKey === col;
      th.setAttribute('aria-sort', sorted ? (view.sortDir > 0 ? 'ascending' : 'descending') : 'none');
      th.append(el('button', {
        type: 'button',
        class: 'sort',
        text: `${texts.cols[col]}${sorted ? (view.sortDir > 0 ? ' ▲' : ' ▼') : ''}`,
        'aria-label': texts.sortBy(texts.cols[col]),
        onclick: () => {
          view.sortDir = view.sortKey === col ? -view.sortDir : 1;
          view.sortKey = col;
          renderFindings(entry);
          $(`th.col-${col} button`, table).focus();
        },
      }));
    } else {
      th.textContent = texts.cols[col];
    }
    return th;
  }));

  let findings = entry.result.findings.map((finding, index) => ({ finding, index }));
  findings = findings.filter(({ finding }) => (!view.severity || finding.severity === view.severity)
    && (!view.sheet || finding.sheet === view.sheet));
  if (view.sortKey) {
    const cmp = compareFindings(view.sortKey)(entry);
    findings.sort((a, b) => view.sortDir * cmp(a, b) || a.index - b.index);
  }
  const tbody = $('tbody', table);
  tbody.replaceChildren(...findings.map(({ finding, index }) => findingRow(finding, COLUMNS, {
    selected: view.selected === index,
    dataset: { testid: 'finding', index: String(index) },
    onSelect: () => selectFinding(entry, index),
  })));
  const none = $('.no-findings', article);
  none.hidden = findings.length > 0;
  none.textContent = entry.result.findings.length === 0 ? texts.noFindings : texts.noMatch;
  renderDetail(entry);
}

function renderDetail(entry) {
  const texts = t();
  const box = $('.detail', entry.article);
  const index = entry.view.selected;
  const finding = index === null ? null : entry.result.findings[index];
  if (!finding) {
    box.replaceChildren();
    return;
  }
  const doc = state.docs[finding.code];
  const parts = [
    el('h3', { text: `${texts.detailTitle}: ${finding.code} · ${finding.sheet}!${finding.cell}` }),
    el('p', { text: finding.message }),
  ];
  if (finding.cells.length) parts.push(el('p', { text: `${texts.related} ${finding.cells.join(', ')}` }));
  if (finding.fix) parts.push(el('p', { class: 'fix', text: texts.fixLine(finding.fix.cell, finding.fix.value, finding.fix.reason) }));
  if (doc) parts.push(el('p', { class: 'doc', text: `${doc.name}: ${doc.text}` }));
  box.replaceChildren(...parts);
}

function selectFinding(entry, index) {
  const finding = entry.result.findings[index];
  if (!finding) return;
  entry.view.selected = index;
  for (const row of entry.article.querySelectorAll('tr.finding')) {
    const on = Number(row.dataset.index) === index;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
  }
  renderDetail(entry);
  const [row, col] = entry.result.places[index];
  showCell(entry, finding.sheet, { row, col, cell: finding.cell }, finding.cells);
}

// Shows a cell of a checked file in its grid: its sheet's tab, the cell outlined (the
// cells `related` to it marked) and scrolled into view.
function showCell(entry, sheet, target, related = []) {
  const sheetIndex = entry.result.sheets.findIndex((s) => s.name === sheet);
  if (sheetIndex >= 0 && sheetIndex !== entry.view.sheetIndex) {
    entry.view.sheetIndex = sheetIndex;
    renderTabs(entry);
  }
  entry.view.focus = { sheet, row: target.row, col: target.col, related: new Set(related) };
  renderGrid(entry, target);
}

// ---------------------------------------------------------------------------------------
// Sheet grid: merged cells as in the file, coloured by finding severity, only the visible
// rows rendered.

function indexFindings(entry) {
  // "sheet\u0000A1" → { severity, messages }
  const byCell = new Map();
  for (const finding of entry.result.findings) {
    const key = `${finding.sheet}\u0000${finding.cell}`;
    const slot = byCell.get(key) || { severity: finding.severity, messages: [] };
    if (SEVERITY_RANK[finding.severity] < SEVERITY_RANK[slot.severity]) slot.severity = finding.severity;
    slot.messages.push(`${t().severity[finding.severity]} ${finding.code}: ${finding.message}`);
    byCell.set(key, slot);
  }
  entry.cellFindings = byCell;
}

function renderTabs(entry) {
  const texts = t();
  const tabs = $('.sheet-tabs', entry.article);
  tabs.setAttribute('aria-label', texts.tabsLabel);
  const sheets = entry.result.sheets;
  if (entry.view.sheetIndex >= sheets.length) entry.view.sheetIndex = 0;
  tabs.replaceChildren(...sheets.map((sheet, index) => {
    const selected = index === entry.view.sheetIndex;
    const count = entry.result.findings.filter((f) => f.sheet === sheet.name).length;
    const tab = el('button', {
      type: 'button',
      role: 'tab',
      class: 'sheet-tab',
      'aria-selected': String(selected),
      tabindex: selected ? '0' : '-1',
      dataset: { sheet: sheet.name },
      text: `${sheet.name}${sheet.hidden ? ` ${texts.hidden}` : ''}${count ? ` (${count})` : ''}`,
      onclick: () => {
        entry.view.sheetIndex = index;
        entry.view.focus = null;
        renderTabs(entry);
        renderGrid(entry);
      },
    });
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      const next = (index + step + sheets.length) % sheets.length;
      entry.view.sheetIndex = next;
      renderTabs(entry);
      renderGrid(entry);
      tabs.children[next].focus();
    });
    return tab;
  }));
}

const OVERSCAN = 20;

// A grid row's height in px: the CSS's 26px until a drawn grid is measured (another font
// can make rows taller), then the shortest row of the grid drawn last (a merged cell's
// wrapped text makes its rows taller, never shorter). Rows not drawn are counted at this
// height (the spacers); where a drawn row is, and so which row is on screen, is read from
// the drawn rows, never worked out from a row number times this height: rows taller than
// that put a finding's cell out of view, or out of the rows drawn.
let gridRowHeight = 26;

// The grid's scroll box height when it is not read from the layout: its CSS max-height
// (36rem; 26rem on narrow screens, where a few rows too many are drawn), which the box
// fills whenever the sheet is taller. Not the window's height: a window shorter than the
// box shows all of it as the page scrolls, and scrolling the page draws no grid rows. The
// drawn grid is checked a frame later and drawn again if this was short (`checkGrid`).
const GRID_VIEW_REM = 36;
let remPx = 16;

// A grid row's cell texts. The core sends each row as one string, its cells joined by
// U+001F (handing every cell over as its own string cost a big sheet a third of a
// second); a row is split the first time it is shown or measured.
function rowTexts(sheet, r) {
  const row = sheet.rows[r];
  if (typeof row !== 'string') return row || [];
  const cells = row === '' ? [] : row.split('\u001f');
  sheet.rows[r] = cells;
  return cells;
}

function gridModel(entry) {
  const sheet = entry.result.sheets[entry.view.sheetIndex];
  if (!sheet) return null;
  if (!sheet.model) {
    // Merged ranges as zero-based corners ({r1, c1, r2, c2}) and column widths in ch,
    // measured by the core as it wrote the rows.
    sheet.model = { merges: sheet.merges, widths: sheet.widths };
  }
  return { sheet, ...sheet.model };
}

function renderGrid(entry, target) {
  const article = entry.article;
  const model = gridModel(entry);
  const scroller = $('.grid-scroll', article);
  const table = $('.grid', article);
  const info = $('.cell-info', article);
  if (!model) {
    table.replaceChildren();
    entry.gridState = null;
    return;
  }
  const { sheet } = model;
  scroller.setAttribute('aria-label', t().gridLabel(sheet.name));
  info.textContent = sheet.truncated ? t().rowsCut(sheet.row_count) : '';

  // Header: corner + column letters, with a colgroup of widths.
  const colgroup = el('colgroup', {}, el('col', { class: 'rownum-col' }));
  const headRow = el('tr', {}, el('th', { class: 'corner', scope: 'col' }));
  for (let c = 0; c < sheet.col_count; c += 1) {
    const col = el('col');
    col.style.width = `${model.widths[c] + 1}ch`;
    colgroup.append(col);
    headRow.append(el('th', { scope: 'col', text: sheet.columns[c] }));
  }
  const thead = el('thead', {}, headRow);
  const tbody = el('tbody');
  table.replaceChildren(colgroup, thead, tbody);
  const grid = { model, scroller, thead, tbody, start: -1, end: -1 };
  entry.gridState = grid;

  // Draw the rows, then scroll (the spacers give the table its full height). A grid shown
  // from its top reads no layout here (no scroll position, no heights): forcing the
  // browser to lay the page out in the middle of showing a result cost a 1,000-row form a
  // quarter of the time from its check to its findings on screen. A finding's cell is drawn
  // with the rows around it, then scrolled into view from where the browser put it.
  const fromTop = !target && !entry.gridScrolled;
  if (target) {
    fillRows(entry, { centre: target.row });
    revealCell(entry, target);
  } else {
    fillRows(entry, { top: true, layoutFree: fromTop });
    if (!fromTop) scroller.scrollTop = 0;
  }
  entry.gridScrolled = Boolean(target);
  requestAnimationFrame(() => checkGrid(entry, grid, target));
  scroller.onscroll = () => {
    entry.gridScrolled = true;
    if (entry.scrollPending) return;
    entry.scrollPending = true;
    requestAnimationFrame(() => {
      entry.scrollPending = false;
      if (entry.gridState && entry.gridState.tbody.isConnected) fillRows(entry);
    });
  };
}

// A frame after a grid is drawn, when the browser lays it out anyway: measures the rows
// and, if the drawing assumed a wrong row height or left part of the box without rows (a
// box taller than assumed), draws again; a finding's cell is brought into view again.
function checkGrid(entry, grid, target) {
  if (entry.gridState !== grid || !grid.tbody.isConnected) return;
  const { scroller, tbody, thead } = grid;
  let shortest = Infinity;
  for (const tr of tbody.children) {
    if (tr.classList.contains('r') && tr.offsetHeight > 0) shortest = Math.min(shortest, tr.offsetHeight);
  }
  if (shortest === Infinity) return; // not laid out (a hidden card) or no rows
  const remeasured = shortest !== gridRowHeight;
  gridRowHeight = shortest;
  const box = scroller.getBoundingClientRect();
  const top = box.top + scroller.clientTop + thead.offsetHeight;
  const bottom = box.top + scroller.clientTop + scroller.clientHeight;
  const count = grid.model.sheet.row_count;
  const lead = grid.start > 0 ? 1 : 0;
  const drawn = grid.end - grid.start;
  const short = drawn <= 0
    || (grid.start > 0 && tbody.children[lead].getBoundingClientRect().top > top)
    || (grid.end < count && tbody.children[lead + drawn - 1].getBoundingClientRect().bottom < bottom);
  if (!remeasured && !short) return;
  if (target) {
    fillRows(entry, { centre: target.row });
    revealCell(entry, target);
  } else {
    fillRows(entry, { force: true });
  }
}

// The first row at least partly below the grid's sticky header, and the client y of its
// top: read from the drawn rows, or counted in whole rows across a spacer.
function topRow(grid) {
  const { scroller, tbody, thead, model } = grid;
  const count = model.sheet.row_count;
  const drawn = grid.end - grid.start;
  if (grid.start < 0 || drawn <= 0 || count === 0) return null;
  const y = scroller.getBoundingClientRect().top + scroller.clientTop + thead.offsetHeight;
  const lead = grid.start > 0 ? 1 : 0;
  const rows = tbody.children;
  const firstTop = rows[lead].getBoundingClientRect().top;
  if (y < firstTop) {
    const row = Math.max(0, grid.start - Math.ceil((firstTop - y) / gridRowHeight));
    return { row, y: firstTop - (grid.start - row) * gridRowHeight };
  }
  const lastBottom = rows[lead + drawn - 1].getBoundingClientRect().bottom;
  if (y >= lastBottom) {
    const row = Math.min(count - 1, grid.end + Math.floor((y - lastBottom) / gridRowHeight));
    return { row, y: lastBottom + (row - grid.end) * gridRowHeight };
  }
  let lo = 0;
  let hi = drawn - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[lead + mid].getBoundingClientRect().bottom > y) hi = mid;
    else lo = mid + 1;
  }
  return { row: grid.start + lo, y: rows[lead + lo].getBoundingClientRect().top };
}

// Scrolls the grid so the target cell (or the merged cell covering it) is inside the box,
// clear of the sticky header row and row numbers, centred if it was out of view; then the
// page, if the grid's cell is off the window. Reads the cell where the browser put it.
function revealCell(entry, target) {
  const grid = entry.gridState;
  const { scroller, thead, tbody, model } = grid;
  const address = target.cell;
  const cell = tbody.querySelector(`td[data-cell="${address}"]`) || coveringCell(entry, target);
  if (!cell) {
    // A row past those the grid was sent (a huge sheet is cut; findings are not): the
    // grid's last rows, where it was cut, and the finding's message.
    if (target.row >= model.sheet.row_count) scroller.scrollTop = scroller.scrollHeight;
    const found = entry.cellFindings.get(`${model.sheet.name}\u0000${address}`);
    const info = $('.cell-info', entry.article);
    info.textContent = [found ? `${address}: ${found.messages.join(' · ')}` : '', model.sheet.truncated ? t().rowsCut(model.sheet.row_count) : '']
      .filter(Boolean).join(' — ');
    return null;
  }
  const box = scroller.getBoundingClientRect();
  const corner = thead.querySelector('th.corner');
  const top = box.top + scroller.clientTop + thead.offsetHeight;
  const bottom = box.top + scroller.clientTop + scroller.clientHeight;
  const left = box.left + scroller.clientLeft + (corner ? corner.offsetWidth : 0);
  const right = box.left + scroller.clientLeft + scroller.clientWidth;
  const rect = cell.getBoundingClientRect();
  if (rect.top < top || rect.bottom > bottom) {
    scroller.scrollTop += rect.height >= bottom - top ? rect.top - top : (rect.top + rect.bottom - top - bottom) / 2;
  }
  if (rect.left < left || rect.right > right) {
    scroller.scrollLeft += rect.left < left || rect.width >= right - left ? rect.left - left : rect.right - right;
  }
  cell.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  cell.focus({ preventScroll: true });
  showCellInfo(entry, cell);
  return cell;
}

function coveringCell(entry, target) {
  const merge = entry.gridState.model.merges.find((m) => target.row >= m.r1 && target.row <= m.r2 && target.col >= m.c1 && target.col <= m.c2);
  if (!merge) return null;
  return entry.gridState.tbody.querySelector(`td[data-cell="${addressOf(entry.gridState.model.sheet, merge.r1, merge.c1)}"]`);
}

// Draws the grid's rows: the window from the top (`top`; `layoutFree` reads no layout and
// draws only the rows on screen), around row `centre`, or, by default, around the rows on
// screen as the grid is scrolled — then only when the drawn rows are running out, or when
// `force`d — keeping the row at the top of the box where it was on screen.
function fillRows(entry, { top = false, layoutFree = false, centre = null, force = false } = {}) {
  const grid = entry.gridState;
  const { model, tbody, scroller } = grid;
  const { sheet, merges } = model;
  const rowHeight = gridRowHeight;
  const count = sheet.row_count;
  const scrolled = !top && centre === null;
  const height = scrolled ? (scroller.clientHeight || GRID_VIEW_REM * remPx) : GRID_VIEW_REM * remPx;
  const visible = Math.ceil(height / rowHeight) + 1;
  let first = 0;
  let keep = null;
  if (centre !== null) {
    first = Math.max(0, Math.min(centre, count - 1) - Math.floor(visible / 2));
  } else if (scrolled) {
    keep = topRow(grid);
    if (keep) first = keep.row;
    else first = Math.max(0, Math.floor((scroller.scrollTop - grid.thead.offsetHeight) / rowHeight));
  }
  // The first draw from the top makes only the rows on screen; the first scroll adds the
  // margins (the 20-row margins doubled a 1,000-row form's first draw of its grid).
  const overscan = layoutFree ? 0 : OVERSCAN;
  const start = Math.max(0, Math.min(first, count) - overscan);
  const end = Math.min(count, first + visible + overscan);
  if (scrolled && !force && grid.start >= 0) {
    const needTop = grid.start > 0 && first < grid.start + OVERSCAN / 2;
    const needBottom = grid.end < count && first + visible > grid.end - OVERSCAN / 2;
    if (!needTop && !needBottom) return;
  }
  grid.start = start;
  grid.end = end;

  // Merges meeting the window: anchor at their first visible row.
  const anchors = new Map();
  const covered = new Set();
  for (const m of merges) {
    if (m.r2 < start || m.r1 >= end) continue;
    const r = Math.max(m.r1, start);
    anchors.set(`${r},${m.c1}`, { m, rowspan: Math.min(m.r2, end - 1) - r + 1, colspan: m.c2 - m.c1 + 1 });
    for (let rr = r; rr <= Math.min(m.r2, end - 1); rr += 1) {
      for (let cc = m.c1; cc <= m.c2; cc += 1) if (rr !== r || cc !== m.c1) covered.add(`${rr},${cc}`);
    }
  }
  // The finding's cell, outlined on its own sheet only (tabs can change sheets under it).
  const focus = entry.view.focus && entry.view.focus.sheet === sheet.name ? entry.view.focus : null;
  const cols = sheet.col_count;
  const fragment = document.createDocumentFragment();
  const spacer = (rows) => {
    const tr = el('tr', { class: 'spacer', 'aria-hidden': 'true' }, el('td', { colspan: String(cols + 1) }));
    tr.style.height = `${rows * rowHeight}px`;
    return tr;
  };
  if (start > 0) fragment.append(spacer(start));
  for (let r = start; r < end; r += 1) {
    const tr = el('tr', { class: 'r' }, el('th', { scope: 'row', class: 'rownum', text: String(r + 1) }));
    const kinds = sheet.kinds[r] || '';
    for (let c = 0; c < cols; c += 1) {
      if (covered.has(`${r},${c}`)) continue;
      const anchor = anchors.get(`${r},${c}`);
      const sr = anchor ? anchor.m.r1 : r;
      const sc = anchor ? anchor.m.c1 : c;
      const address = addressOf(sheet, sr, sc);
      const text = rowTexts(sheet, sr)[sc] || '';
      const kind = anchor ? ((sheet.kinds[sr] || '')[sc] || ' ') : (kinds[c] || ' ');
      const td = el('td', { dataset: { cell: address } });
      if (anchor) {
        if (anchor.rowspan > 1) td.rowSpan = anchor.rowspan;
        if (anchor.colspan > 1) td.colSpan = anchor.colspan;
        td.classList.add('merged');
      }
      if (kind === 'n' || kind === 'f') td.classList.add('num');
      if (kind === 'f') td.classList.add('formula');
      if (text) {
        const box = el('div', { class: 'c', text });
        if (anchor && anchor.rowspan > 1) box.style.maxHeight = `${anchor.rowspan * rowHeight - 4}px`;
        td.append(box);
      }
      const found = entry.cellFindings.get(`${sheet.name}\u0000${address}`);
      if (found) {
        td.classList.add(`sev-${found.severity}`);
        td.dataset.severity = found.severity;
        td.tabIndex = 0;
        td.setAttribute('aria-label', `${t().cellLabel(address)}: ${text} — ${found.messages.join(' · ')}`);
      }
      if (focus) {
        const m = anchor && anchor.m;
        const outlined = m
          ? focus.row >= m.r1 && focus.row <= m.r2 && focus.col >= m.c1 && focus.col <= m.c2
          : r === focus.row && c === focus.col;
        if (outlined) {
          td.classList.add('outlined');
          td.setAttribute('aria-current', 'true');
          td.dataset.outlined = 'true';
          td.tabIndex = 0;
        } else if (focus.related.has(address)) {
          td.classList.add('related');
        }
      }
      tr.append(td);
    }
    fragment.append(tr);
  }
  if (end < count) fragment.append(spacer(count - end));
  tbody.replaceChildren(fragment);

  // The row that was at the top of the box stays where it was on screen: drawn rows and
  // the spacers' whole rows need not have the same heights (a merged cell's wrapped text),
  // and the browser's own scroll anchoring is off for the grid (it would follow a row this
  // just replaced).
  if (keep) {
    const tr = tbody.children[(start > 0 ? 1 : 0) + keep.row - start];
    const moved = tr ? tr.getBoundingClientRect().top - keep.y : 0;
    if (Math.abs(moved) >= 0.5) scroller.scrollTop += moved;
  }
}

function showCellInfo(entry, td) {
  const info = $('.cell-info', entry.article);
  const sheet = entry.result.sheets[entry.view.sheetIndex];
  const found = sheet && entry.cellFindings.get(`${sheet.name}\u0000${td.dataset.cell}`);
  info.textContent = found ? `${td.dataset.cell}: ${found.messages.join(' · ')}` : '';
  const tip = $('#tooltip');
  if (!found) {
    tip.hidden = true;
    return;
  }
  tip.textContent = found.messages.join('\n');
  tip.hidden = false;
  const rect = td.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - 16);
  tip.style.maxWidth = `${width}px`;
  tip.style.left = `${Math.max(8, Math.min(rect.left, window.innerWidth - width - 8))}px`;
  tip.style.top = `${rect.bottom + 6}px`;
}

// ---------------------------------------------------------------------------------------
// Wiring

function entryOf(node) {
  const article = node.closest('article.file');
  return article && state.files.find((f) => String(f.id) === article.dataset.fileId);
}

function wire() {
  const drop = $('#drop-zone');
  const input = $('#file-input');
  ['dragenter', 'dragover'].forEach((type) => drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add('active');
  }));
  drop.addEventListener('dragleave', () => drop.classList.remove('active'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('active');
    if (event.dataTransfer && event.dataTransfer.files.length) track(takeFiles(event.dataTransfer.files));
  });
  // Files dropped beside the zone should not navigate away from the page.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      input.click();
    }
  });
  input.addEventListener('change', () => {
    if (input.files.length) track(takeFiles(input.files)).finally(() => { input.value = ''; });
  });
  $('#template-input').addEventListener('change', (event) => {
    const file = event.target.files[0];
    if (file) track(useTemplateFile(file)).finally(() => { event.target.value = ''; });
  });
  $('#template-select').addEventListener('change', (event) => {
    state.template = event.target.value;
    showTemplateStatus();
    track(recheckAll());
  });
  for (const button of document.querySelectorAll('.lang button')) {
    button.addEventListener('click', () => track(setLanguage(button.dataset.lang)));
  }
  const results = $('#results');
  const tip = el('div', { id: 'tooltip', class: 'tooltip', role: 'tooltip', hidden: true });
  document.body.append(tip);
  const over = (event) => {
    const td = event.target.closest('.grid td[data-severity]');
    const entry = td && entryOf(td);
    if (entry) showCellInfo(entry, td);
  };
  results.addEventListener('mouseover', over);
  results.addEventListener('focusin', over);
  results.addEventListener('mouseout', (event) => {
    if (event.target.closest('.grid td[data-severity]')) tip.hidden = true;
  });
  results.addEventListener('focusout', () => { tip.hidden = true; });
  window.addEventListener('scroll', () => { tip.hidden = true; }, { passive: true });
}

async function start() {
  remPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  wire();
  applyLanguage();
  const progress = $('#progress');
  progress.hidden = false;
  $('#progress-text').textContent = t().loading;
  try {
    const [first] = await pool.all({ type: 'init' });
    state.builtins = first.templates;
    state.caps = first.caps;
    await loadDocs();
    fillTemplateSelect();
    progress.hidden = true;
    formatCount(0); // the locale's number data, loaded before a result needs it
    document.body.dataset.busy = 'false';
    document.body.dataset.ready = 'true';
  } catch (error) {
    $('#progress-text').textContent = errorMessage(error);
    document.body.dataset.ready = 'error';
  }
}

start();
