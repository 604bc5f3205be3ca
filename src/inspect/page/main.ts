import { base64url } from 'jose';
import { type Expectations, decodeToken, inspectToken } from '../inspect.js';
import { timeClaims } from '../time.js';
import { type Elements, elements, renderDecoded, renderProblem, renderReport, renderTimes, renderVerdict } from './render.js';
import { PageSources } from './sources.js';

// The /inspect page: paste a token, see it decoded at once, then verified against the live
// JWKS (WebCrypto, through jose) and its status list. The token stays in this page: it is
// never put in a URL, in storage or in a request.

interface PageConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
  algorithms: string[];
  typ: string;
  clockSkew: number;
  origins: string[];
}

function readConfig(root: HTMLElement): PageConfig {
  const d = root.dataset;
  const words = (value: string | undefined) => (value ?? '').split(' ').filter(Boolean);
  return {
    jwksUrl: d.jwks ?? '',
    issuer: d.issuer ?? '',
    audience: d.audience ?? '',
    algorithms: words(d.algorithms),
    typ: d.typ ?? 'at+jwt',
    clockSkew: Number(d.clockSkew ?? 30),
    // The CSP's connect-src: this page's own origin and the issuer's.
    origins: [...new Set([location.origin, ...words(d.origins)])],
  };
}

const input = (id: string) => document.getElementById(id) as HTMLInputElement;

function start(): void {
  const root = document.getElementById('inspector');
  if (!root) return;
  const config = readConfig(root);
  const sources = new PageSources(config.origins);
  const el = elements();
  const jwks = input('jwks-url');
  const issuer = input('expected-iss');
  const audience = input('expected-aud');
  jwks.value = config.jwksUrl;
  issuer.value = config.issuer;
  audience.value = config.audience;

  let run = 0;
  const update = async (fromPayload = false) => {
    const id = ++run;
    const raw = el.token.value;
    const decoded = decodeToken(raw);
    renderDecoded(el, decoded, fromPayload);
    if (!raw.trim()) return renderProblem(el, 'empty', 'paste a token');
    renderVerdict(el, 'checking', 'checking…');
    const expectations: Expectations = {
      // An empty field means "do not compare": the value is reported instead.
      issuer: issuer.value.trim() || undefined,
      audience: audience.value.trim() || undefined,
      algorithms: config.algorithms,
      typ: config.typ,
      clockSkew: config.clockSkew,
    };
    try {
      const report = await inspectToken(raw, expectations, sources.for(jwks.value.trim()), new Date());
      if (id === run) renderReport(el, report);
    } catch (error) {
      if (id === run) renderProblem(el, 'unverified', `cannot verify: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  el.token.addEventListener('input', () => void update());
  for (const field of [jwks, issuer, audience]) field.addEventListener('change', () => void update());
  // The JWT.io experiment: edit the claims, the token is re-encoded with the old signature.
  el.payload.addEventListener('input', () => editPayload(el, () => void update(true)));
  // Relative times ("expires in 4m") keep moving while the page is open.
  setInterval(() => {
    const decoded = decodeToken(el.token.value);
    if (decoded.ok) renderTimes(el, timeClaims(decoded.claims, new Date()));
  }, 1000);
  void update();
}

function editPayload(el: Elements, changed: () => void): void {
  const parts = el.token.value.trim().split('.');
  if (parts.length !== 3) return;
  let claims: unknown;
  try {
    claims = JSON.parse(el.payload.value);
  } catch {
    el.payloadError.textContent = 'not valid JSON yet: the token is unchanged';
    return;
  }
  parts[1] = base64url.encode(JSON.stringify(claims));
  el.token.value = parts.join('.');
  changed();
}

start();
