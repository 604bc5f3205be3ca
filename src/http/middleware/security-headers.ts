import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config.js';

/**
 * A JSON API's security headers: helmet's defaults, with a CSP that allows nothing to load and
 * no framing at all. HSTS only when the issuer is https (RFC 6797 §7.2: not over plain http;
 * keeps localhost unpinned).
 */
export function securityHeaders(config: Config): RequestHandler {
  const https = new URL(config.issuer).protocol === 'https:';
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  }) as RequestHandler;
}

/**
 * The same headers as a flat `[name, value, name, value…]` list, computed once: helmet's output
 * does not depend on the request, so a handler that writes its response in one go (the public
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
  const middleware = securityHeaders(config) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
}
