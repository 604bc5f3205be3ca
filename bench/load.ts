import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Per connection: the cookie each request starts from (see refreshChains). */
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
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / options.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * Refresh with rotation, each connection walking its own session chain: every request
 * presents the cookie the previous response on that connection set. autocannon resets a
 * request context whenever it loops over its request list, so each client keeps its chain
 * in a state object of its own that survives those resets.
 */
export function refreshChains(cookieName: string, startTokens: string[]) {
  let next = 0;
  interface ChainState {
    token: string;
  }
  interface Iterator {
    context: ChainState;
    resetContext(): void;
    rebuildRequest(): void;
  }
  return {
    setupClient(client: autocannon.Client) {
      const token = startTokens[next++ % startTokens.length]!;
      const state: ChainState = { token };
      const iterator = (client as unknown as { requestIterator: Iterator }).requestIterator;
      iterator.context = state;
      iterator.resetContext = () => void (iterator.context = state);
      iterator.rebuildRequest(); // the first request of this connection, with its own cookie
    },
    requests: [
      {
        method: 'POST' as const,
        path: '/auth/refresh',
        setupRequest(request: autocannon.Request, context: ChainState) {
          return { ...request, headers: { ...request.headers, cookie: `${cookieName}=${context.token}` } };
        },
        onResponse(status: number, _body: string, context: ChainState, headers?: Record<string, string | string[]>) {
          if (status !== 200) return;
          const setCookie = headers?.['set-cookie'] ?? headers?.['Set-Cookie'];
          const line = [setCookie ?? []].flat().find((c) => c.startsWith(`${cookieName}=`));
          if (line) context.token = line.slice(cookieName.length + 1, line.indexOf(';'));
        },
      } as unknown as autocannon.Request,
    ],
  };
}
