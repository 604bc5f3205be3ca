import { CliError } from './output.js';

// The CLI's one HTTP client (fetch): the admin API, and the JWKS for `token inspect`.

const TIMEOUT_MS = 10_000;

interface ErrorBody {
  error?: unknown;
  error_description?: unknown;
}

/** One request; a JSON answer back, or a one-line CliError saying what went wrong. */
export async function requestJson<T>(
  url: URL,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (error) {
    throw new CliError(`cannot reach ${url.origin}: ${networkReason(error)} (is the server running? see --url)`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(`${url.origin} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const { error, error_description: description } = (body ?? {}) as ErrorBody;
    if (typeof error === 'string')
      throw new CliError(`${error}: ${typeof description === 'string' ? description : res.statusText}`);
    throw new CliError(`${url.origin} answered ${res.status} ${res.statusText}`);
  }
  return body as T;
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000}s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** The admin API of a running server (CONTRACT "Admin API"), with ADMIN_TOKEN as Bearer when set. */
export class AdminClient {
  constructor(
    private readonly baseUrl: URL,
    private readonly adminToken: string | undefined,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.#request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.#request<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.#request<T>('PUT', path, body);
  }

  delete(path: string): Promise<void> {
    return this.#request<void>('DELETE', path);
  }

  #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = this.adminToken ? { authorization: `Bearer ${this.adminToken}` } : {};
    return requestJson<T>(url, { method, headers, body });
  }
}
