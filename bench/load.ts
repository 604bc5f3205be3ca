import os from 'node:os';
import autocannon from 'autocannon';

export interface LoadResult {
  /** Successful (2xx) answers per second: a broken chain or a 429 never counts as throughput. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx, by status ("429": 3). */
  statuses: Record<string, number>;
  non2xx: number;
  errors: number;
  /** os.loadavg() when the run ended: the machine's 1, 5 and 15 minute load averages. */
  loadavg: number[];
}

export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Per connection: the state each request starts from (see refreshChains). */
  setupClient?: (client: autocannon.Client) => void;
  requests?: autocannon.Request[];
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    requests: options.requests,
    setupClient: options.setupClient,
  });
  const statuses: Record<string, number> = {};
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  for (const [code, { count }] of Object.entries(stats)) if (!code.startsWith('2')) statuses[code] = count;
  return {
    reqPerSec: result['2xx'] / options.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * Client addresses for X-Forwarded-For, one per request, cycling through 10.0.0.0/16. Behind a
 * proxy (TRUST_PROXY=1) each request then counts against its own client's rate-limit window, as
 * real traffic from many users does: at 2,000 req/s an address comes back every ~33 s, far below
 * any per-IP limit, so the limiter's counter write is on every request and never answers 429.
 */
export function clientAddresses(): () => string {
  let n = 0;
  return () => {
    n = (n + 1) & 0xffff;
    return `10.0.${n >> 8}.${n & 0xff}`;
  };
}

/** How one server's refresh grant is spoken: the request that presents a token, and where the next token is. */
export interface RefreshProtocol {
  path: string;
  request(token: string): { headers: Record<string, string>; body?: string };
  /** The token a 200 answer handed out. */
  next(body: string, headers: Record<string, string | string[]>): string | undefined;
}

/** Latchkey: the refresh token travels in its cookie; the next one comes back in Set-Cookie. */
export function cookieRefresh(cookieName: string, address: () => string): RefreshProtocol {
  return {
    path: '/auth/refresh',
    request: (token) => ({ headers: { cookie: `${cookieName}=${token}`, 'x-forwarded-for': address() } }),
    next(_body, headers) {
      const setCookie = headers['set-cookie'] ?? headers['Set-Cookie'];
      const line = [setCookie ?? []].flat().find((c) => c.startsWith(`${cookieName}=`));
      return line?.slice(cookieName.length + 1, line.indexOf(';'));
    },
  };
}

/** RFC 6749 §6: grant_type=refresh_token at a token endpoint, client_secret_basic; the next token is in the JSON body. */
export function oauthRefresh(path: string, client: { id: string; secret: string }, address: () => string): RefreshProtocol {
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
  return {
    path,
    request: (token) => ({
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': address(),
      },
      body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`,
    }),
    next(body) {
      try {
        return (JSON.parse(body) as { refresh_token?: string }).refresh_token;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Refresh with rotation, each connection walking its own chain: every request presents the
 * token the previous answer on that connection handed out. autocannon resets a request context
 * whenever it loops over its request list, so each client keeps its chain in a state object of
 * its own that survives those resets.
 */
export function refreshChains(protocol: RefreshProtocol, startTokens: string[]) {
  let next = 0;
  interface ChainState {
    token: string;
  }
  return {
    method: 'POST' as const,
    setupClient(client: autocannon.Client) {
      pinContext(client, { token: startTokens[next++ % startTokens.length]! });
    },
    requests: [
      {
        method: 'POST' as const,
        path: protocol.path,
        setupRequest(request: autocannon.Request, context: ChainState) {
          const { headers, body } = protocol.request(context.token);
          return { ...request, headers: { ...request.headers, ...headers }, ...(body === undefined ? {} : { body }) };
        },
        onResponse(status: number, body: string, context: ChainState, headers?: Record<string, string | string[]>) {
          if (status !== 200) return;
          const token = protocol.next(body, headers ?? {});
          if (token) context.token = token;
        },
      } as unknown as autocannon.Request,
    ],
  };
}

/**
 * Gives one autocannon connection a state of its own for its whole run. autocannon resets a
 * request context whenever it loops over its request list; this context survives those resets.
 */
function pinContext(client: autocannon.Client, state: object): void {
  interface Iterator {
    context: object;
    resetContext(): void;
    rebuildRequest(): void;
  }
  const iterator = (client as unknown as { requestIterator: Iterator }).requestIterator;
  iterator.context = state;
  iterator.resetContext = () => void (iterator.context = state);
  iterator.rebuildRequest(); // the first request of this connection, with its own state
}

/**
 * Password logins by many users behind a proxy: connection n logs in as `emails[n]` again and
 * again, each request from its own client address. No account ever has more than one attempt in
 * flight, as when each user logs in from their own device, so the brute-force guard admits all.
 */
export function manyUsersLogin(emails: string[], password: string, address: () => string) {
  let next = 0;
  interface Account {
    body: string;
  }
  return {
    method: 'POST' as const,
    setupClient(client: autocannon.Client) {
      pinContext(client, { body: JSON.stringify({ email: emails[next++ % emails.length]!, password }) });
    },
    requests: [
      {
        method: 'POST' as const,
        path: '/auth/login',
        setupRequest: (request: autocannon.Request, context: Account) => ({
          ...request,
          headers: { ...request.headers, 'content-type': 'application/json', 'x-forwarded-for': address() },
          body: context.body,
        }),
      } as unknown as autocannon.Request,
    ],
  };
}
