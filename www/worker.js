// crossfoot's worker: loads the WebAssembly core once and answers the page's requests,
// so checking a big workbook never freezes the page. Nothing here leaves the browser.
import init, * as core from './pkg/crossfoot.js';

const ready = init();

// The core's memory in bytes, for the benchmark (`bench/page.mjs`) and the console. A
// WebAssembly memory only grows, so after a check this is the most that check needed.
ready.then((exports) => {
  self.crossfootMemoryBytes = () => exports.memory.buffer.byteLength;
});

// After `init`, the worker checks a 200-row form a few times in the background, one check
// a task so that a request waits at most one (about 50 ms): the browser optimises a
// function only after it has run long enough, and the small sample `init` checks leaves
// the row-by-row code cold. The page is told when the warming ends (`warm`). 24 checks,
// not 8: after 8 a user's first 1,000-row form still took 32-52 ms in the core, after 24
// 23-28 ms (21 ms once fully warm), for about half a second of idle time after loading.
const WARM_STEPS = 24;
let warmStepsLeft = 0;

function warmStep() {
  if (warmStepsLeft <= 0) return;
  warmStepsLeft -= 1;
  try {
    core.warm_up_long();
  } catch {
    warmStepsLeft = 0; // a panic trapped the module: the next request reports it
  }
  if (warmStepsLeft > 0) setTimeout(warmStep, 0);
  else self.postMessage({ warm: true });
}

// A JavaScript Error thrown by the core carries `kind` (read, template, output, …) and,
// for templates, `line` and `column`. A RuntimeError is a panic that trapped the module:
// the page then replaces this worker.
function describe(error) {
  const out = {
    kind: (error && error.kind) || (error instanceof WebAssembly.RuntimeError ? 'panic' : 'internal'),
    message: String((error && error.message) || error),
  };
  for (const key of ['code', 'line', 'column', 'detail']) {
    if (error && error[key] !== undefined && error[key] !== null) out[key] = error[key];
  }
  return out;
}

// The files this worker has checked for the page: the page's key for a file → the core's
// `CheckedFile`, one check of it, from which its downloads are written. A file checked again
// replaces (and frees) its old check, whatever the new check's outcome.
const held = new Map();

function release(key) {
  const file = held.get(key);
  if (!file) return;
  held.delete(key);
  file.free();
}

function heldFile(key) {
  const file = held.get(key);
  if (!file) throw Object.assign(new Error(`file ${key} is not held here`), { kind: 'gone' });
  return file;
}

self.onmessage = async (event) => {
  const { id, type } = event.data;
  try {
    await ready;
    let result;
    let transfer = [];
    switch (type) {
      case 'init':
        // Three small checks before the page says it is ready: the browser compiles the
        // core lazily and optimises what runs often, so a cold worker checks the user's
        // first file several times slower than a warm one (measured: 0.65 s against 0.09 s
        // for a 1,000-row form).
        for (let i = 0; i < 3; i += 1) core.warm_up();
        result = {
          templates: core.templates(),
          caps: {
            annotated: typeof core.CheckedFile.prototype.annotated === 'function',
            fixed: typeof core.CheckedFile.prototype.fixed === 'function',
            form: typeof core.form === 'function',
          },
        };
        warmStepsLeft = WARM_STEPS;
        setTimeout(warmStep, 0);
        break;
      case 'check': {
        const { key, bytes, name, template, lang } = event.data;
        release(key);
        const file = new core.CheckedFile(new Uint8Array(bytes), name, template);
        held.set(key, file);
        result = file.view(lang);
        break;
      }
      case 'checkSet': {
        // Files dropped together, read again here and checked across one another; the
        // consolidated workbook (if any) comes back with the result, for the page to keep.
        const { names, files, template, lang } = event.data;
        result = core.check_set(names, files.map((bytes) => new Uint8Array(bytes)), template, lang);
        if (result.consolidated) transfer = [result.consolidated.buffer];
        break;
      }
      case 'parseTemplate':
        result = core.parse_template(event.data.text);
        break;
      case 'explainAll':
        result = core.explain_all(event.data.lang);
        break;
      case 'annotated':
      case 'fixed': {
        const { key, lang, checkedAt } = event.data;
        const out = heldFile(key)[type](lang, checkedAt);
        result = out.buffer;
        transfer = [out.buffer];
        break;
      }
      case 'nextForm': {
        const { key, template, period } = event.data;
        const out = heldFile(key).nextForm(template, period || '');
        result = out.buffer;
        transfer = [out.buffer];
        break;
      }
      case 'form': {
        const { template, period, bytes, name } = event.data;
        const filed = bytes ? new Uint8Array(bytes) : new Uint8Array(0);
        const out = core.form(template, period || '', filed, name || '');
        result = out.buffer;
        transfer = [out.buffer];
        break;
      }
      default:
        throw Object.assign(new Error(`unknown request ${type}`), { kind: 'argument' });
    }
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (error) {
    self.postMessage({ id, ok: false, error: describe(error) });
  }
};
