// The showcase's /docs page in headless Chromium: Swagger UI (npm's swagger-ui-dist, served
// by the showcase) must render the document from /openapi.json, one operation per path.
//
//     node examples/e2e/docs.mjs <base-url> <artifact-dir> <path>...
//
// examples/tests/openapi_spec.rs starts the showcase (with `--features openapi`) and runs
// this script with the paths of the document. Exit status 0 when every path is rendered,
// 1 otherwise; a screenshot of the page goes to <artifact-dir>/docs.png.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [baseArg, artifacts, ...paths] = process.argv.slice(2);
if (!baseArg || !artifacts || paths.length === 0) {
  console.error('usage: node docs.mjs <base-url> <artifact-dir> <path>...');
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

await mkdir(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} for ${response.url()}`);
  });
  const spec = page.waitForResponse((response) => response.url() === `${base}/openapi.json`);
  await page.goto(`${base}/docs`);
  console.log(`/openapi.json fetched by the page: ${(await spec).status()}`);
  await page.waitForFunction((count) => document.querySelectorAll('.opblock').length >= count, paths.length);
  const rendered = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((node) => node.getAttribute('data-path') || node.textContent.trim()));
  const missing = paths.filter((path) => !rendered.includes(path));
  const title = await page.locator('.info .title').innerText();
  console.log(`title: ${title.split('\n')[0]}; ${rendered.length} operations rendered`);
  if (missing.length) {
    failed = true;
    console.log(`FAIL not rendered: ${missing.join(' ')} (rendered: ${rendered.join(' ')})`);
  }
  if (errors.length) {
    failed = true;
    console.log(`FAIL console errors: ${errors.join(' | ')}`);
  }
  await page.screenshot({ path: join(artifacts, 'docs.png'), fullPage: true });
} catch (error) {
  failed = true;
  console.log(`FAIL ${error.message}`);
} finally {
  await browser.close();
}
console.log(failed ? 'FAIL /docs' : `PASS /docs renders all ${paths.length} paths`);
process.exit(failed ? 1 : 0);
