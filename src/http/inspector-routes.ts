import { type RequestHandler, Router } from 'express';
import { type Config, SIGNING_ALGS } from '../config.js';
import { type PageBundle, pageBundle } from '../inspect/page-bundle.js';
import { ACCESS_TOKEN_TYP } from '../tokens/access-token.js';
import { methodNotAllowed } from './middleware/errors.js';

// GET /inspect: the token inspector page (JWT.io for this server). Static: the token is pasted
// into the page and never sent here; the page fetches only the JWKS and status lists.

const SCRIPT = '/inspect/inspector.js';
const STYLE = '/inspect/inspector.css';

/**
 * The page's CSP: its own script and style files only (no inline code; Trusted Types refuse
 * any HTML sink), and fetches to this server only: 'self' plus the ISSUER origin, where the
 * JWKS and status lists live. A JWKS typed in from another origin is blocked (the page says
 * so and points to `latchkey token inspect --jwks`): allowing it would allow sending a pasted
 * token anywhere, should a script ever misbehave.
 */
export function inspectorCsp(config: Config): string {
  const issuerOrigin = new URL(config.issuer).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${issuerOrigin}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

export function inspectorRoutes(config: Config): Router {
  const router = Router();
  const html = inspectorHtml(config);
  const csp = inspectorCsp(config);
  router
    .route('/inspect')
    .get((_req, res) => {
      // Start bundling now: the browser asks for the script next.
      pageBundle().catch(() => {});
      res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' });
      res.send(html);
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  router.route(SCRIPT).get(asset('js', 'text/javascript')).all(methodNotAllowed('GET', 'HEAD'));
  router.route(STYLE).get(asset('css', 'text/css')).all(methodNotAllowed('GET', 'HEAD'));
  return router;
}

function asset(part: keyof PageBundle, type: string): RequestHandler {
  return async (_req, res) => {
    const bundle = await pageBundle();
    res.set({ 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-cache' });
    res.send(bundle[part]);
  };
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The page; its settings travel as data attributes (no inline script). */
function inspectorHtml(config: Config): string {
  const data = {
    jwks: `${config.issuer}/.well-known/jwks.json`,
    issuer: config.issuer,
    audience: config.audience,
    algorithms: SIGNING_ALGS.join(' '),
    typ: ACCESS_TOKEN_TYP,
    'clock-skew': String(config.clockSkew),
    origins: new URL(config.issuer).origin,
  };
  const attributes = Object.entries(data)
    .map(([name, value]) => `data-${name}="${escapeHtml(value)}"`)
    .join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Token inspector · Latchkey</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLE}">
<script type="module" src="${SCRIPT}"></script>
</head>
<body>
<header>
<h1>Token inspector</h1>
<p>Paste an access token of this server. It never leaves this page: decoding and signature checks run here (WebCrypto); only the JWKS and the token's status list are fetched.</p>
</header>
<main id="inspector" ${attributes}>
<section>
<h2><label for="token">Encoded token</label></h2>
<textarea id="token" spellcheck="false" autocomplete="off" autocapitalize="off" placeholder="eyJhbGciOi…"></textarea>
<h2>Parts</h2>
<pre id="parts"><span id="part-header" class="part-header"></span>.<span id="part-payload" class="part-payload"></span>.<span id="part-signature" class="part-signature"></span></pre>
<fieldset>
<legend>Verify against</legend>
<label for="jwks-url">JWKS URL</label>
<input id="jwks-url" type="url" spellcheck="false" autocomplete="off">
<label for="expected-iss">Expected iss (empty: not compared)</label>
<input id="expected-iss" spellcheck="false" autocomplete="off">
<label for="expected-aud">Expected aud (empty: not compared)</label>
<input id="expected-aud" spellcheck="false" autocomplete="off">
<p class="hint">Clock skew allowed on exp, nbf and iat: ${escapeHtml(String(config.clockSkew))} s. This page may fetch from this server only; for a JWKS elsewhere use <code>latchkey token inspect TOKEN --jwks URL</code>.</p>
</fieldset>
</section>
<section>
<h2>Verdict</h2>
<div id="verdict" class="verdict empty" role="status" aria-live="polite">paste a token</div>
<ul id="defects"></ul>
<ul id="notes"></ul>
<p id="status"></p>
<h2>Times</h2>
<table><tbody id="times"></tbody></table>
<h2>Header</h2>
<pre id="header-json"></pre>
<h2><label for="payload-json">Payload: edit it, and the signature no longer matches</label></h2>
<textarea id="payload-json" spellcheck="false" autocomplete="off" autocapitalize="off"></textarea>
<p id="payload-error"></p>
</section>
</main>
</body>
</html>
`;
}
