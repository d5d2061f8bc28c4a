// What the browser tests share: a real synclog server serving the built app (web/dist) with the
// example inspection schema, an HTTP helper to act as a lead from the test, Debian's chromium
// driven by playwright-core, one browser context per device (IndexedDB and the service worker
// are per context, like two phones), and checks that read what the person sees.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from '../../tests/clients/synclog_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB = join(here, '..');
export const ROOT = join(WEB, '..');
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Screenshots go to docs/images when SYNCLOG_UPDATE_SCREENSHOTS=1 (how the committed ones were
// made), otherwise next to the test run, so a test run never changes the source tree.
export const SHOTS = process.env.SYNCLOG_UPDATE_SCREENSHOTS === '1'
  ? join(ROOT, 'docs/images') : (process.env.SYNCLOG_SCREENSHOT_DIR ?? join(WEB, 'e2e-output'));

export async function startApp() {
  const server = await startServer(['--app-dir', join(WEB, 'dist'),
    '--schema', join(ROOT, 'examples/inspections/schema.json')], 'synclog-web-');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
  });
  return {
    server,
    browser,
    api: (user) => apiAs(server, user),
    async device(user, { phone = false } = {}) {
      const context = await browser.newContext(phone
        ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
        : { viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`[${user}] page error:`, e.message));
      const token = server.token(user);
      await page.goto(`${server.baseUrl}/app/`);
      await page.getByLabel('Access token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your spaces' }).waitFor();
      // The service worker holds the app once it is active: only then may a test go offline.
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      return new Device(user, context, page, server.baseUrl);
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

export function apiAs(server, user) {
  const token = server.token(user);
  const call = async (method, path, body, headers = {}) => {
    const res = await fetch(server.baseUrl + path, { method, headers: { 'x-auth-token': token,
      'x-client-id': `${user}-test`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json.data ?? json;
  };
  return {
    call,
    async push(space, mutations) {
      const head = await call('GET', `/v1/spaces/${space}/sync?mutationsSince=0&metadataOnly=true`);
      return call('POST', `/v1/spaces/${space}/sync?conflictMode=field&lastMutationAt=${head.lastMutationAt}`, { mutations });
    },
    record: (space, type, id) => call('GET', `/v1/spaces/${space}/records/${type}/${id}`),
  };
}

// A team's space with a little master data and one inspection, made through the API by its lead.
export async function teamSpace(app, { space = 'north', lead = 'lena', members = ['ana', 'ben'] } = {}) {
  const api = app.api(lead);
  await api.call('POST', '/v1/spaces', { spaceId: space, name: 'North depot', schema: 'inspections' });
  for (const m of members) await api.call('PUT', `/v1/spaces/${space}/members`, { person: m, role: 'member' });
  await api.push(space, [
    { type: 'CREATE', resource: 'site', resourceId: 's1', data: { name: 'Meridian School', code: 'MAN-1' } },
    { type: 'CREATE', resource: 'site', resourceId: 's2', data: { name: 'Harbour Clinic', code: 'MAN-2' } },
    { type: 'CREATE', resource: 'inspection', resourceId: 'i1',
      data: { site: 's1', status: 'in_progress', inspector: '', notes: 'boiler room' } },
  ]);
  return api;
}

export class Device {
  constructor(user, context, page, baseUrl) {
    Object.assign(this, { user, context, page, baseUrl });
  }

  async offline(on) {
    await this.context.setOffline(on);
  }

  async open(hash) {
    await this.page.evaluate((h) => {
      document.getElementById('main').dataset.route = '';
      if (location.hash === h) dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = h;
    }, hash);
    await this.page.locator(`main[data-route="${hash}"]`).waitFor();
  }

  // Asks for a sync, waits for the round that covers the request, and expects the app to say
  // everything is synced.
  async sync() {
    await this.page.getByRole('button', { name: 'Sync now' }).click();
    await this.page.locator('#sync-now:not([aria-busy])').waitFor({ timeout: 30000 });
    await this.page.locator('#sync-status.ok').waitFor({ timeout: 5000 });
  }

  // The value of a field in the record's form, as this device holds it now.
  async field(space, type, id, name) {
    await this.open(`#/space/${space}`);
    await this.open(`#/space/${space}/record/${type}/${id}`);
    const el = this.page.locator(`#field-${name}`);
    await el.waitFor();
    return el.inputValue();
  }

  async edit(space, type, id, values) {
    await this.open(`#/space/${space}/record/${type}/${id}`);
    for (const [name, value] of Object.entries(values)) {
      const el = this.page.locator(`#field-${name}`);
      const tag = await el.evaluate((e) => e.tagName);
      if (tag === 'SELECT') await el.selectOption(value);
      else await el.fill(value);
    }
    await this.saved(space, type);
  }

  // Saves the open form and waits until the app is back on the type's list: the edit is kept.
  async saved(space, type) {
    await this.page.getByRole('button', { name: 'Save' }).click();
    await this.page.locator(`main[data-route="#/space/${space}/type/${type}"]`).waitFor();
  }

  accessibility(label) {
    return accessibilityOf(this.page, label);
  }

  async screenshot(name) {
    mkdirSync(SHOTS, { recursive: true });
    await this.page.screenshot({ path: join(SHOTS, name), fullPage: true });
  }
}

// axe-core's check of the page's current screen: its serious and critical violations (a test
// expects none).
export async function accessibilityOf(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

// Polls `check` until it returns true (the other device's change arrives over the stream).
export async function eventually(check, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last === true) return;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
