// Opens the gateway's reference (/docs) in headless Chromium, as a frontend developer
// would: every operation of /openapi.json must be listed, the page must break none of
// its Content-Security-Policy, and "try it" must call the gateway, publicly and with a
// pasted access token. CROSSDOCK_GATEWAY_URL names the gateway and CHROMIUM_PATH the
// browser (default /usr/bin/chromium); the e2e Go test TestDocsInBrowser sets both.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const base = process.env.CROSSDOCK_GATEWAY_URL ?? '';
const skip = base === '' ? 'CROSSDOCK_GATEWAY_URL is not set (run through the e2e test TestDocsInBrowser)' : false;

// Chromium on these machines must not reach for Google's services: the network is
// closed, and each refused connection slows the start.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let context;
let profile;

before(async () => {
  if (skip) return;
  profile = mkdtempSync(join(tmpdir(), 'crossdock-docs-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
    // Past a hundred-odd operations Swagger UI leaves those below the window
    // unrendered until they are scrolled to; a window tall enough for the whole
    // reference shows every one, as scrolling through it would.
    viewport: { width: 1280, height: 20_000 },
  });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// openDocs loads /docs, recording every Content-Security-Policy violation.
async function openDocs() {
  const page = await context.newPage();
  const violations = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(`${base}/docs`);
  await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
  return { page, violations };
}

// operations lists "METHOD /path" for every operation of the document.
async function operations() {
  const resp = await fetch(`${base}/openapi.json`);
  assert.equal(resp.status, 200);
  const doc = await resp.json();
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
      if (item[method]) out.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return out.sort();
}

// execute expands an operation, presses "Try it out" and "Execute", and returns the
// status and body the page shows.
async function execute(page, tag, operationId) {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator('.opblock-summary').first().click();
  await op.locator('.try-out__btn').click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
  return { status: (await status.innerText()).trim(), body };
}

test('the reference lists every operation of the document', { skip }, async () => {
  const want = await operations();
  const { page, violations } = await openDocs();
  const listed = await page.locator('.opblock').evaluateAll((blocks) =>
    blocks.map((b) => {
      const method = b.querySelector('.opblock-summary-method')?.textContent?.trim();
      const path = b.querySelector('.opblock-summary-path')?.getAttribute('data-path');
      return `${method} ${path}`;
    }),
  );
  assert.deepEqual([...new Set(listed)].sort(), want);
  assert.ok(want.length > 100, `${want.length} operations; the document lost routes`);
  assert.deepEqual(violations, [], 'the page breaks its Content-Security-Policy');
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  await page.close();
});

test('"try it" calls a public route', { skip }, async () => {
  const { page, violations } = await openDocs();
  const { status, body } = await execute(page, 'catalog', 'CatalogService_ListCategories');
  assert.equal(status, '200', body);
  assert.ok(JSON.parse(body).categories.length > 0, body);
  assert.deepEqual(violations, []);
  await page.close();
});

test('"try it" calls with a pasted access token', { skip }, async () => {
  const login = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'buyer@demo.crossdock.test', password: 'crossdock-demo-2026' }),
  });
  assert.equal(login.status, 200);
  const token = (await login.json()).tokens.accessToken;

  const { page } = await openDocs();
  await page.locator('.auth-wrapper .authorize').first().click();
  const dialog = page.locator('.modal-ux');
  await dialog.locator('input').first().fill(token);
  await dialog.locator('.auth-btn-wrapper button.authorize').click();
  await dialog.locator('.auth-btn-wrapper button.btn-done, .close-modal').first().click();

  const { status, body } = await execute(page, 'identity', 'UsersService_GetMe');
  assert.equal(status, '200', body);
  assert.equal(JSON.parse(body).user.email, 'buyer@demo.crossdock.test');
  await page.close();
});
