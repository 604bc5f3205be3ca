import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../config.js';

// Contract: HttpOnly, Secure (unless COOKIE_SECURE=false), SameSite=Strict, Path=/auth,
// Max-Age = min(time left to absolute expiry, REFRESH_IDLE_TTL); cleared with Max-Age=0.
export const REFRESH_COOKIE_PATH = '/auth';

function baseOptions(config: Config): CookieOptions {
  return { httpOnly: true, secure: config.cookieSecure, sameSite: 'strict', path: REFRESH_COOKIE_PATH };
}

export function setRefreshCookie(res: Response, config: Config, token: string, maxAgeSeconds: number): void {
  // Express takes maxAge in milliseconds and writes Max-Age in seconds (and Expires).
  res.cookie(config.refreshCookieName, token, { ...baseOptions(config), maxAge: maxAgeSeconds * 1000 });
}

export function clearRefreshCookie(res: Response, config: Config): void {
  res.cookie(config.refreshCookieName, '', { ...baseOptions(config), maxAge: 0 });
}

export function readRefreshCookie(req: Request, config: Config): unknown {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  return cookies?.[config.refreshCookieName];
}
