// End-to-end checks of the respond showcase in headless Chromium.
//
//     node examples/e2e/showcase.mjs <base-url> <artifact-dir>
//
// The showcase must already be serving <base-url> (examples/tests/browser_e2e.rs starts it
// and runs this script). Each check is a named step in a fresh browser context that prints
// PASS or FAIL with what it saw; any failure makes the exit status 1. Screenshots of the index,
// video and SSE pages (and of the page of any failed step) go to <artifact-dir>.
//
// Chromium is $CHROMIUM or /usr/bin/chromium (Debian's `chromium` package).

import { readFile, stat, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, artifacts] = process.argv.slice(2).map((arg, i) => (i === 0 ? arg.replace(/\/+$/, '') : arg));
if (!base || !artifacts) {
  console.error('usage: node showcase.mjs <base-url> <artifact-dir>');
  process.exit(2);
}
const staticDir = fileURLToPath(new URL('../static/', import.meta.url));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
// The machine's network is closed: without these flags Chromium keeps trying (and failing)
// to reach Google's services at start.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT = 20_000;
const OVERALL_LIMIT = 240_000;

// The routes the index must link (each one is visited below, or is what a visited page uses).
const INDEX_LINKS = [
  '/plain', '/html', '/json', '/redirect', '/cookies/set', '/cookies', '/cookies/delete',
  '/download', '/video', '/static/clip.webm', '/assets', '/sse', '/events',
];

setTimeout(() => {
  console.log(`FAIL the whole run took longer than ${OVERALL_LIMIT / 1000} s`);
  process.exit(1);
}, OVERALL_LIMIT).unref();

// A promise that fails outside any step (a bug in this script) fails the run, not silently.
let strays = 0;
process.on('unhandledRejection', (error) => {
  strays += 1;
  console.log(`FAIL outside a step: ${error && error.message}`);
});

await mkdir(artifacts, { recursive: true });

/** Throws with `message` unless `condition` holds. */
function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Throws unless `actual` equals `expected` (compared as JSON). */
function equal(actual, expected, what) {
  check(JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Resolves once `predicate()` is true, polling every 50 ms; rejects after `timeout` ms. */
async function until(predicate, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `promise`, or a rejection naming `what` after `timeout` ms. */
function within(promise, what, timeout = TIMEOUT) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`)), timeout);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const browser = await chromium.launch({ executablePath, args: chromiumArgs, headless: true, timeout: 60_000 });
console.log(`Chromium ${browser.version()} (${executablePath}), showcase at ${base}`);

const results = [];

/** Runs one named check in a fresh context; `body` returns lines describing what it saw. */
async function step(name, body) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const started = Date.now();
  const notes = [];
  const note = (line) => notes.push(line);
  let failure = null;
  try {
    await body({ page, context, note });
  } catch (error) {
    failure = error;
    const shot = join(artifacts, `failed-${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.png`);
    await page.screenshot({ path: shot, fullPage: true }).then(() => note(`screenshot of the failure: ${shot}`), () => {});
    if (consoleErrors.length) note(`console errors: ${consoleErrors.join(' | ')}`);
  } finally {
    await context.close().catch(() => {});
  }
  const ms = Date.now() - started;
  results.push({ name, ok: !failure, ms });
  console.log(`${failure ? 'FAIL' : 'PASS'} ${name} (${ms} ms)${failure ? `: ${failure.message}` : ''}`);
  for (const line of notes) console.log(`     ${line}`);
}

/** Opens the index, clicks the link to `href` and returns the response of the page it lands on. */
async function follow(page, href, landing = href) {
  await page.goto(`${base}/`);
  const [landed] = await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.url() === `${base}${landing}`),
    page.click(`a[href="${href}"]`),
  ]);
  await page.waitForLoadState('load');
  equal(page.url(), `${base}${landing}`, `URL after clicking ${href}`);
  return landed;
}

await step('index renders and links every route', async ({ page, note }) => {
  const response = await page.goto(`${base}/`);
  equal(response.status(), 200, 'status');
  check(response.headers()['content-type'] === 'text/html; charset=utf-8', `content-type ${response.headers()['content-type']}`);
  equal(await page.title(), 'respond showcase', 'title');
  equal(await page.locator('h1').innerText(), 'respond showcase', 'heading');
  const hrefs = await page.$$eval('a', (links) => links.map((a) => a.getAttribute('href')));
  const missing = INDEX_LINKS.filter((href) => !hrefs.includes(href));
  check(missing.length === 0, `no link to ${missing.join(', ')}`);
  const shot = join(artifacts, 'index.png');
  await page.screenshot({ path: shot, fullPage: true });
  note(`${hrefs.length} links, among them ${INDEX_LINKS.join(' ')}`);
  note(`screenshot: ${shot}`);
});

await step('/html displays', async ({ page, note }) => {
  const response = await follow(page, '/html');
  equal(response.status(), 200, 'status');
  equal(response.headers()['content-type'], 'text/html; charset=utf-8', 'content-type');
  equal(await page.locator('h1').innerText(), 'Hello from respond', 'heading');
  note('h1 "Hello from respond"');
});

await step('/json displays parsed JSON', async ({ page, note }) => {
  const response = await follow(page, '/json');
  equal(response.status(), 200, 'status');
  equal(response.headers()['content-type'], 'application/json', 'content-type');
  const shown = await page.locator('pre').first().innerText();
  let value;
  try {
    value = JSON.parse(shown);
  } catch (error) {
    throw new Error(`the page shows no JSON (${error.message}): ${shown.slice(0, 200)}`);
  }
  equal(value.name, 'respond', 'name');
  equal(value.kinds, ['plain', 'html', 'json', 'redirect', 'bytes'], 'kinds');
  equal(value.greeting, 'héllo wörld 👋', 'greeting (UTF-8 shown as such)');
  note(`shown: ${shown.trim()}`);
});

await step('/plain displays', async ({ page, note }) => {
  const response = await follow(page, '/plain');
  equal(response.status(), 200, 'status');
  equal(response.headers()['content-type'], 'text/plain; charset=utf-8', 'content-type');
  equal((await page.locator('body').innerText()).trim(), 'Hello, world!', 'text shown');
  note('text "Hello, world!"');
});

await step('/redirect is followed to /html', async ({ page, note }) => {
  const response = await follow(page, '/redirect', '/html');
  equal(response.status(), 200, 'status of the final page');
  const first = response.request().redirectedFrom();
  check(first, 'the final request was not reached by a redirect');
  equal(first.url(), `${base}/redirect`, 'redirected from');
  const redirect = await first.response();
  equal(redirect.status(), 307, 'redirect status');
  equal(redirect.headers().location, '/html', 'Location');
  equal(await page.locator('h1').innerText(), 'Hello from respond', 'heading of the final page');
  note(`/redirect answered 307 Location: /html; the page shows ${page.url()}`);
});

await step('cookies are set, visible, sent back and deleted', async ({ page, context, note }) => {
  // Set: two Set-Cookie headers, one of them HttpOnly.
  const set = await follow(page, '/cookies/set');
  const setCookies = (await set.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
  equal(setCookies.length, 2, 'Set-Cookie headers');
  note(`Set-Cookie: ${setCookies.join(' | ')}`);
  const jar = Object.fromEntries((await context.cookies(base)).map((c) => [c.name, c]));
  check(jar.session && jar.theme, `the browser kept ${Object.keys(jar).join(', ') || 'no cookie'}`);
  equal([jar.session.value, jar.session.httpOnly, jar.session.sameSite], ['abc123', true, 'Strict'], 'session cookie');
  equal([jar.theme.value, jar.theme.httpOnly, jar.theme.sameSite], ['"dark mode"', false, 'Lax'], 'theme cookie');
  const expiresIn = jar.session.expires - Date.now() / 1000;
  check(expiresIn > 3500 && expiresIn <= 3601, `session expires in ${expiresIn} s, not about 3600`);
  const visible = await page.evaluate(() => document.cookie);
  equal(visible, 'theme="dark mode"', 'document.cookie (the HttpOnly session hidden)');
  note(`document.cookie: ${visible}`);

  // Sent back: the next request carries both, and the echo page shows them.
  const echo = await follow(page, '/cookies');
  const sent = (await echo.request().allHeaders()).cookie || '';
  const pairs = sent.split(/;\s*/).sort();
  equal(pairs, ['session=abc123', 'theme="dark mode"'], 'Cookie header of the next request');
  equal((await page.locator('#sent').innerText()).split(/;\s*/).sort(), pairs, 'Cookie header the server echoed');
  equal(await page.locator('#script').innerText(), 'theme="dark mode"', 'cookies shown to the page script');
  note(`the server received Cookie: ${sent}`);

  // Deleted: gone from the jar, from scripts and from the next request.
  const [deleted] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${base}/cookies/delete`),
    page.click('a[href="/cookies/delete"]'),
  ]);
  await page.waitForLoadState('load');
  equal(deleted.status(), 200, 'status of /cookies/delete');
  const left = (await context.cookies(base)).map((c) => c.name);
  equal(left, [], 'cookies left in the browser');
  equal(await page.evaluate(() => document.cookie), '', 'document.cookie after deleting');
  const after = await follow(page, '/cookies');
  const sentAfter = (await after.request().allHeaders()).cookie;
  check(sentAfter === undefined, `a Cookie header was still sent: ${sentAfter}`);
  equal(await page.locator('#sent').innerText(), 'No Cookie header.', 'echo after deleting');
  equal(await page.locator('#script').innerText(), '(none)', 'cookies shown to the page script after deleting');
  note('after /cookies/delete: no cookie in the browser, none sent, none visible');
});

await step('/download keeps its non-ASCII filename', async ({ page, note }) => {
  await page.goto(`${base}/`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/download"]')]);
  const name = download.suggestedFilename();
  equal(name, 'Grüße aus respond.txt', 'suggested filename');
  const path = await download.path();
  check(path, `the download failed: ${await download.failure()}`);
  const got = await readFile(path);
  const expected = await readFile(join(staticDir, 'hello.txt'));
  check(got.equals(expected), `the downloaded bytes (${got.length}) differ from examples/static/hello.txt (${expected.length})`);
  note(`saved as "${name}", ${got.length} bytes equal to examples/static/hello.txt`);
});

await step('/video plays, and seeking makes range requests answered with 206', async ({ page, context, note }) => {
  const clip = `${base}/static/clip.webm`;
  const size = (await stat(join(staticDir, 'clip.webm'))).size;
  // On loopback Chromium reads a small clip whole in its first request, so a seek would be
  // served from its cache. A slow link (about twice the clip's bitrate, as DevTools' network
  // throttling does it) leaves the end unbuffered: the seek must fetch it.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: 32_000, uploadThroughput: -1,
  });
  const media = [];
  page.on('request', (request) => {
    if (request.url() === clip) media.push({ request, range: request.headers().range, response: null });
  });
  page.on('response', (response) => {
    const entry = media.find((m) => m.request === response.request());
    if (entry) entry.response = response;
  });
  await follow(page, '/video');
  const video = page.locator('#clip');
  await page.waitForFunction(() => document.getElementById('clip').readyState >= 1, null, { timeout: TIMEOUT });
  const meta = await video.evaluate((v) => ({ duration: v.duration, width: v.videoWidth, height: v.videoHeight }));
  check(Math.abs(meta.duration - 20) < 0.5, `duration ${meta.duration}, not about 20 s`);
  equal([meta.width, meta.height], [320, 180], 'video size');

  // Plays: time advances, frames are decoded.
  await within(video.evaluate((v) => v.play()), 'play()');
  await page.waitForFunction(() => document.getElementById('clip').currentTime >= 1, null, { timeout: TIMEOUT });
  const playing = await video.evaluate((v) => ({
    time: v.currentTime, readyState: v.readyState, paused: v.paused,
    frames: v.getVideoPlaybackQuality().totalVideoFrames,
    buffered: v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0,
  }));
  check(!playing.paused && playing.readyState >= 3, `not playing: ${JSON.stringify(playing)}`);
  check(playing.frames > 0, 'no frame decoded');
  note(`playing: currentTime ${playing.time.toFixed(2)} s, readyState ${playing.readyState}, ${playing.frames} frames decoded, buffered to ${playing.buffered.toFixed(2)} s`);
  check(playing.buffered < meta.duration - 3, `the clip was buffered to ${playing.buffered} s already: a seek would not need a request`);
  check(media.length > 0 && media[0].range, 'the first request for the clip had no Range header');

  // Seeks near the end: the browser asks for the bytes from there on.
  const before = media.length;
  const target = meta.duration - 2;
  const seeked = await within(video.evaluate((v, to) => new Promise((resolve) => {
    v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
    v.currentTime = to;
  }), target), 'the seeked event');
  check(Math.abs(seeked - target) < 0.5, `seeked to ${seeked}, not ${target}`);
  await until(() => media.slice(before).some((m) => m.response && m.response.status() === 206), 'a 206 answer to a request after the seek');
  await page.waitForFunction(() => document.getElementById('clip').ended, null, { timeout: TIMEOUT });

  for (const [i, { range, response }] of media.entries()) {
    const head = response ? `${response.status()} ${response.headers()['content-range'] || '(no Content-Range)'} length ${response.headers()['content-length']}` : '(no answer yet)';
    note(`request ${i + 1}${i >= before ? ' (after the seek)' : ''}: Range ${range || '(none)'} -> ${head}`);
  }
  const after = media.slice(before).filter((m) => m.response);
  check(after.length > 0, 'no request after the seek');
  for (const { range, response } of after) {
    const asked = /^bytes=(\d+)-(\d*)$/.exec(range || '');
    check(asked, `a request after the seek had Range ${range}`);
    const start = Number(asked[1]);
    const last = asked[2] === '' ? size - 1 : Math.min(Number(asked[2]), size - 1);
    check(start > 0, `the request after the seek started at byte ${start}`);
    equal(response.status(), 206, `status for Range ${range}`);
    equal(response.headers()['content-range'], `bytes ${start}-${last}/${size}`, `Content-Range for Range ${range}`);
    equal(Number(response.headers()['content-length']), last - start + 1, `Content-Length for Range ${range}`);
  }
  const shot = join(artifacts, 'video.png');
  await page.screenshot({ path: shot, fullPage: true });
  note(`seeked to ${seeked.toFixed(2)} s and played to the end; screenshot: ${shot}`);
});

await step('/assets gets its CSS and script from StaticFiles, precompressed', async ({ page, note }) => {
  const assets = {};
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path === '/static/site.css' || path === '/static/site.js') assets[path] = response;
  });
  await follow(page, '/assets');
  await page.waitForFunction(() => document.getElementById('assets-status').textContent === 'script loaded', null, { timeout: TIMEOUT });
  const color = await page.locator('#assets-status').evaluate((el) => getComputedStyle(el).color);
  equal(color, 'rgb(0, 110, 60)', 'the color from site.css');
  for (const [path, file] of [['/static/site.css', 'site.css'], ['/static/site.js', 'site.js']]) {
    const response = assets[path];
    check(response, `no response for ${path}`);
    equal(response.status(), 200, `status of ${path}`);
    const headers = await response.allHeaders();
    const accepted = ((await response.request().allHeaders())['accept-encoding'] || '').split(',').map((c) => c.trim());
    const expected = accepted.includes('br') ? 'br' : 'gzip';
    equal(headers['content-encoding'], expected, `Content-Encoding of ${path} (Accept-Encoding: ${accepted.join(', ')})`);
    equal(headers.vary, 'accept-encoding', `Vary of ${path}`);
    const sibling = (await stat(join(staticDir, `${file}.${expected === 'br' ? 'br' : 'gz'}`))).size;
    equal(headers['content-length'], String(sibling), `Content-Length of ${path} (the ${expected} sibling)`);
    const text = await response.text();
    const original = await readFile(join(staticDir, file), 'utf8');
    check(text === original, `${path} decoded differs from examples/static/${file}`);
    note(`${path}: ${expected}, ${sibling} bytes on the wire for ${original.length}`);
  }
});

await step('/sse shows live events', async ({ page, note }) => {
  const streams = [];
  page.on('response', (response) => {
    if (response.url() === `${base}/events`) streams.push(response);
  });
  await follow(page, '/sse');
  await page.waitForFunction(() => document.getElementById('state').textContent === 'connected', null, { timeout: TIMEOUT });
  const arrivals = [];
  for (const count of [1, 2, 3, 4]) {
    await page.waitForFunction((n) => document.querySelectorAll('#log li').length >= n, count, { timeout: TIMEOUT });
    arrivals.push(Date.now());
  }
  const items = await page.$$eval('#log li', (lis) => lis.map((li) => li.textContent));
  const ids = items.map((text) => {
    const match = /^id (\d+): tick (\d+)$/.exec(text);
    check(match && match[1] === match[2], `unexpected event line ${JSON.stringify(text)}`);
    return Number(match[1]);
  });
  check(new Set(ids).size === ids.length, `repeated events: ${ids.join(', ')}`);
  check(ids.every((id, i) => i === 0 || ids[i - 1] === id + 1), `events out of order (newest first): ${ids.join(', ')}`);
  const span = arrivals[arrivals.length - 1] - arrivals[0];
  check(span >= 1500, `four events within ${span} ms: not a live tick a second`);
  check(streams.length > 0, 'no request for /events');
  equal(streams[0].headers()['content-type'], 'text/event-stream; charset=utf-8', '/events content-type');
  const shot = join(artifacts, 'sse.png');
  await page.screenshot({ path: shot, fullPage: true });
  note(`events ${ids.slice().reverse().join(', ')} arrived over ${span} ms; screenshot: ${shot}`);
});

// The chat room on a channel hub (/chat): two pages share one room, and a page forced off
// and back (resuming with its last event id) ends with every message exactly once.
await step('/chat: a message posted in one page appears in another, and a reconnect loses and doubles nothing', async ({ page, context, note }) => {
  const other = await context.newPage();
  const tag = `e2e-${Date.now()}`;
  const messages = (p) => p.$$eval('#messages li', (lis, prefix) => lis.map((li) => li.textContent).filter((text) => text.startsWith(prefix)), tag);
  const shows = (p, text) => p.waitForFunction((t) => [...document.querySelectorAll('#messages li')].some((li) => li.textContent === t), text, { timeout: TIMEOUT });
  const say = async (text) => {
    await page.fill('#text', text);
    await page.click('#say button');
    await shows(page, text);
  };
  await follow(page, '/chat');
  await other.goto(`${base}/chat`);
  for (const p of [page, other]) {
    await p.waitForFunction(() => document.getElementById('state').textContent === 'connected', null, { timeout: TIMEOUT });
  }
  await say(`${tag} hello`);
  await shows(other, `${tag} hello`);
  await other.evaluate(() => window.chat.disconnect());
  for (const n of [1, 2, 3]) await say(`${tag} away ${n}`);
  equal(await messages(other), [`${tag} hello`], 'the second page while it is away');
  await other.evaluate(() => window.chat.connect());
  await say(`${tag} back`);
  await shows(other, `${tag} back`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const want = [`${tag} hello`, `${tag} away 1`, `${tag} away 2`, `${tag} away 3`, `${tag} back`];
  equal(await messages(other), want, 'messages on the second page after its reconnect');
  equal(await messages(page), want, 'messages on the first page');
  const ids = await other.$$eval('#messages li', (lis) => lis.map((li) => li.dataset.id));
  check(new Set(ids).size === ids.length, `repeated event ids: ${ids.join(', ')}`);
  const shot = join(artifacts, 'chat.png');
  await other.screenshot({ path: shot, fullPage: true });
  note(`${want.length} messages on both pages, in order, once each (ids ${ids.slice(-want.length).join(', ')}); screenshot: ${shot}`);
});

await browser.close();
const failed = results.filter((r) => !r.ok).length + strays;
const total = results.reduce((sum, r) => sum + r.ms, 0);
console.log(`e2e: ${results.length - failed} passed, ${failed} failed (${(total / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
