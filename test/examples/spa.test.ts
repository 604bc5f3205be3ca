import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpaServer } from '../../examples/spa/server.js';
import { PASSWORD, lookupBarrier, register } from '../support/auth.js';
import { launchChromium } from '../support/browser.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// examples/spa in a real browser (Debian's Chromium driven by playwright-core), with Latchkey's
// defaults: Secure `__Secure-lk_rt` cookie over plain http on localhost. The page is served
// same-site (http://localhost:<spa>) with Latchkey (http://localhost:<latchkey>). Two more
// origins show what breaks: the same page at http://127.0.0.1:<spa> (another site, but in
// ALLOWED_ORIGINS) and http://127.0.0.1:<other> (another site, not allowed). docs/browser-apps.md.

const TIMEOUT = 120_000;

let h: Harness;
let latchkey: Listening;
let spa: Listening;
let foreign: Listening;
let browser: Browser;
let sameSite: string;
let crossSiteAllowed: string;
let notAllowed: string;
const answered: { path: string; origin: string | undefined; status: number }[] = [];

beforeAll(async () => {
  browser = await launchChromium(TIMEOUT);
  latchkey = await serve();
  const latchkeyUrl = `http://localhost:${latchkey.port}`;
  // The example's own server, listening already (port 0): serve() only reads its port.
  spa = await serve(await startSpaServer({ latchkeyUrl, port: 0 }));
  foreign = await serve(await startSpaServer({ latchkeyUrl, port: 0 }));
  sameSite = `http://localhost:${spa.port}`;
  crossSiteAllowed = `http://127.0.0.1:${spa.port}`;
  notAllowed = `http://127.0.0.1:${foreign.port}`;
  h = await startHarness({ COOKIE_SECURE: 'true', ALLOWED_ORIGINS: `${sameSite},${crossSiteAllowed}` });
  latchkey.server.on('request', h.apps.public);
  // What Latchkey answered, as the server saw it (a browser hides CORS-refused answers from the page).
  latchkey.server.on('request', (req, res) =>
    res.once('finish', () => answered.push({ path: req.url ?? '', origin: req.headers.origin, status: res.statusCode })),
  );
}, TIMEOUT);

afterAll(() => closeAll(browser, latchkey, spa, foreign, h));

const status = (page: Page) => page.locator('#status');

async function logIn(page: Page, email: string) {
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
}

async function openSignedOut(context: BrowserContext, origin: string) {
  const page = await context.newPage();
  await page.goto(origin);
  await expect.poll(() => status(page).textContent()).toMatch(/^(Signed out\.|Cannot reach)/);
  return page;
}

/** A new user, signed in through the page served same-site, in a browser context of its own. */
async function signedInSameSite() {
  const user = await register(h.http);
  const context = await browser.newContext();
  const page = await openSignedOut(context, sameSite);
  await logIn(page, user.email);
  await expect.poll(() => status(page).textContent()).toBe(`Signed in as ${user.email}.`);
  return { ...user, context, page };
}

describe('examples/spa in Chromium, same-site with Latchkey', { timeout: TIMEOUT }, () => {
  it('logs in with an HttpOnly Secure cookie over http://localhost, keeping the access token out of storage', async () => {
    const { context, page } = await signedInSameSite();

    const [cookie, ...others] = await context.cookies(`http://localhost:${latchkey.port}/auth`);
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({ name: '__Secure-lk_rt', httpOnly: true, secure: true, sameSite: 'Strict', path: '/auth' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    await context.close();
  });

  it('restores the session on reload by refreshing (the token was only in memory)', async () => {
    const { email, context, page } = await signedInSameSite();
    const before = (await context.cookies())[0]!.value;

    const refreshed = page.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
    await page.reload();
    expect((await refreshed).status()).toBe(200);
    await expect.poll(() => status(page).textContent()).toBe(`Signed in as ${email}.`);
    expect((await context.cookies())[0]!.value).not.toBe(before); // rotated
    await context.close();
  });

  it('keeps the session when two tabs refresh with the same cookie at the same moment (grace window)', async () => {
    const { email, id, context, page: first } = await signedInSameSite();

    // Both refreshes reach the database together, each presenting the cookie the login set.
    const release = lookupBarrier(h, 2);
    try {
      const tabs = await Promise.all([context.newPage(), context.newPage()]);
      const answers = tabs.map((tab) => tab.waitForResponse((r) => r.url().endsWith('/auth/refresh')));
      await Promise.all(tabs.map((tab) => tab.goto(sameSite)));
      expect(await Promise.all(answers.map(async (a) => (await a).status()))).toEqual([200, 200]);
      for (const tab of tabs) await expect.poll(() => status(tab).textContent()).toBe(`Signed in as ${email}.`);
    } finally {
      release();
    }
    // Exactly one rotation: the login's token and the one successor both tabs were given.
    expect(await h.database.db.prisma.refreshToken.count({ where: { session: { userId: id } } })).toBe(2);
    // One family, still live: no reuse was detected, and a later reload still refreshes.
    await first.reload();
    await expect.poll(() => status(first).textContent()).toBe(`Signed in as ${email}.`);
    const sessions = await h.database.db.prisma.session.findMany({ where: { userId: id } });
    expect(sessions.map((s) => s.revokedAt)).toEqual([null]);
    await context.close();
  });

  it('logs out: the cookie is cleared and a reload stays signed out', async () => {
    const { context, page } = await signedInSameSite();
    await page.click('#logout');
    await expect.poll(() => status(page).textContent()).toBe('Signed out.');
    expect(await context.cookies()).toEqual([]);
    await page.reload();
    await expect.poll(() => status(page).textContent()).toBe('Signed out.');
    await context.close();
  });
});

describe('examples/spa on another site', { timeout: TIMEOUT }, () => {
  it('is refused from an origin outside ALLOWED_ORIGINS: the page cannot read the login, and refresh answers 403', async () => {
    const { email } = await register(h.http);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(notAllowed);
    await expect.poll(() => status(page).textContent()).toMatch(/^Cannot reach Latchkey/); // CORS: no answer to read
    const refreshes = answered.filter((a) => a.path === '/auth/refresh' && a.origin === notAllowed);
    expect(refreshes.map((a) => a.status)).toEqual([403]); // forbidden_origin: refused before any cookie is judged
    await logIn(page, email);
    await expect.poll(() => status(page).textContent()).toMatch(/^Login failed/);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('gets no cookie on another site even when its origin is allowed: SameSite=Strict blocks the Set-Cookie', async () => {
    const { email } = await register(h.http);
    const context = await browser.newContext();
    const page = await openSignedOut(context, crossSiteAllowed);
    const login = page.waitForResponse((r) => r.url().endsWith('/auth/login'));
    await logIn(page, email);
    const answer = await login;
    expect(answer.status()).toBe(200);
    expect(await answer.headerValue('set-cookie')).toMatch(/^__Secure-lk_rt=/); // sent, and dropped by the browser
    await expect.poll(() => status(page).textContent()).toBe(`Signed in as ${email}.`); // until the next load…
    expect(await context.cookies()).toEqual([]);
    await page.reload();
    await expect.poll(() => status(page).textContent()).toBe('Signed out.'); // …which has nothing to refresh with
    await context.close();
  });
});
