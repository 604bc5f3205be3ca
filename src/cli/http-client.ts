import { CliError } from './output.js';

// The CLI's one HTTP client (fetch): the admin API, and the JWKS, metadata and status lists for `token inspect`.

const TIMEOUT_MS = 10_000;

interface ErrorBody {
  error?: unknown;
  error_description?: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** What to check when the server cannot be reached; names the option that sets its URL. */
  unreachableHint?: string;
}

const ADMIN_HINT = 'is the server running? see --url';

/** One request; a JSON answer back, or a one-line CliError saying what went wrong. */
export async function requestJson<T>(url: URL, init: RequestOptions = {}): Promise<T> {
  const { res, text } = await send(url, 'application/json', init);
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

/** One GET for a document that is not JSON (a status list token); its text, or a one-line CliError. */
export async function requestText(url: URL, accept: string, init: Pick<RequestOptions, 'unreachableHint'> = {}): Promise<string> {
  const { res, text } = await send(url, accept, init);
  if (!res.ok) throw new CliError(`${url.href} answered ${res.status} ${res.statusText}`);
  return text;
}

async function send(url: URL, accept: string, init: RequestOptions): Promise<{ res: Response; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        accept,
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (error) {
    throw new CliError(`cannot reach ${url.origin}: ${networkReason(error)} (${init.unreachableHint ?? ADMIN_HINT})`);
  }
  return { res, text: await res.text() };
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

  /** 204 answers resolve with undefined. */
  delete<T = undefined>(path: string): Promise<T> {
    return this.#request<T>('DELETE', path);
  }

  #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = this.adminToken ? { authorization: `Bearer ${this.adminToken}` } : {};
    return requestJson<T>(url, { method, headers, body });
  }
}
