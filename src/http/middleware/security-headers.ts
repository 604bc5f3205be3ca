import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config.js';

/**
 * A JSON API's security headers: helmet's defaults, with a CSP that allows nothing to load and
 * no framing at all. HSTS only when the issuer is https (RFC 6797 §7.2: not over plain http;
 * keeps localhost unpinned).
 */
function helmetFor(config: Config): RequestHandler {
  const https = new URL(config.issuer).protocol === 'https:';
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  }) as RequestHandler;
}

/**
 * helmet's headers as a flat `[name, value, name, value…]` list, computed once: its output does
 * not depend on the request, so a handler that writes its response in one go (the public
 * documents) sends exactly what helmet would, without running it per request.
 */
export function securityHeaderList(config: Config): string[] {
  const headers: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push(name, String(value));
      return recorder;
    },
    removeHeader() {},
  };
  const middleware = helmetFor(config) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * The middleware: the same headers, in helmet's order, set from that list (helmet itself runs a
 * dozen nested middleware per request to set the same constant values). X-Powered-By, which
 * helmet removes, is never set (src/app.ts disables it).
 */
export function securityHeaders(config: Config): RequestHandler {
  const list = securityHeaderList(config);
  return (_req, res, next) => {
    for (let i = 0; i < list.length; i += 2) res.setHeader(list[i]!, list[i + 1]!);
    next();
  };
}
