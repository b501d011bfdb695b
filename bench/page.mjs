// The page's check in headless Chromium, timed from the file handed to the page (the file
// input's change event) until its card shows the findings (data-status="done"), and the
// core's memory then: the largest WebAssembly memory among the page's workers (a wasm
// memory only grows, so that is the check's peak; the browser's own memory is not in it).
// Serves www/ (built by `make web`) like the browser tests, with Debian's Chromium. Each
// run opens a fresh page and waits until its workers have warmed up.
// Usage: node page.mjs RUNS FILE...   prints one line per run: `<file> <seconds> <MB>`
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../tests/browser/server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [runs, ...files] = process.argv.slice(2);

const { server, origin } = await serve(path.join(ROOT, 'www'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  for (const file of files) {
    for (let run = 0; run < Number(runs); run += 1) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      // The page's workers warm up in the background after it is ready (a few checks of a
      // 200-row form, about a second); a user picking a file meets a warm worker.
      await page.waitForSelector('body[data-warm="true"]', { timeout: 60_000 });
      await page.evaluate(() => {
        window.benchStart = null;
        window.benchEnd = null;
        document.querySelector('#file-input').addEventListener('change', () => { window.benchStart = performance.now(); }, { capture: true });
        new MutationObserver(() => {
          const card = document.querySelector('article.file');
          if (window.benchEnd === null && card && ['done', 'error'].includes(card.dataset.status)) {
            window.benchEnd = performance.now();
            window.benchStatus = card.dataset.status;
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
      });
      await page.setInputFiles('#file-input', file);
      await page.waitForFunction(() => window.benchEnd !== null, null, { timeout: 600_000, polling: 50 });
      const { seconds, status } = await page.evaluate(() => ({ seconds: (window.benchEnd - window.benchStart) / 1000, status: window.benchStatus }));
      if (status !== 'done') throw new Error(`${file}: the page could not check it (${status})`);
      const sizes = await Promise.all(page.workers().map((worker) => worker.evaluate(() => (self.crossfootMemoryBytes ? self.crossfootMemoryBytes() : 0))));
      const megabytes = Math.max(0, ...sizes) / 1024 / 1024;
      console.log(`${file} ${seconds.toFixed(3)} ${megabytes.toFixed(0)}`);
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
