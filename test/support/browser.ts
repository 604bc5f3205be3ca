import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

// Debian's Chromium driven by playwright-core (never a downloaded browser), for the tests of
// pages in a real browser: examples/spa and the /inspect page.

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium. A missing browser is a failure, never a skip: CI installs it (.ci/run). */
export async function launchChromium(timeoutMs = 60_000): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (these tests never skip)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: timeoutMs });
}
