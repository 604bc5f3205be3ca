import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import supertest, { type Response, type Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import type {
  Header,
  OpenApiDocument,
  Operation,
  Ref,
  Response as DescribedResponse,
  Schema,
} from '../../src/http/openapi/types.js';

// Every response the test suite receives through a harness agent is checked against the
// OpenAPI document of the app that answered it (src/http/openapi/document.ts):
//   - the path, the method and the status must be described (an undescribed one FAILS);
//   - every header the description requires is there and matches its schema;
//   - the body matches the described media type and schema (ajv, JSON Schema 2020-12);
//     a response described without content has no body.
// Paths match as Express routes them: case-insensitive, with or without a trailing slash.
// HEAD is checked against the GET operation (RFC 9110 §9.3.2), without a body. A CORS
// preflight (OPTIONS with Access-Control-Request-Method) is answered by the CORS layer,
// not an operation, and is not checked.
//
// A test that deliberately sends what the API does not describe (an unknown path, a wrong
// method) wraps the request in `undescribed(…)`: its answer must then still be a contract
// error (status ≥ 400, `#/components/schemas/Error`).

const checked = new WeakSet<Test>();
const outsideTheDescription = new WeakSet<Test>();
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options']);

/** A supertest agent whose every response is validated against `document`. */
export function checkedAgent(app: Express, document: OpenApiDocument): TestAgent {
  const validator = OpenApiValidator.for(document);
  const agent = supertest(app);
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const test = (value as (...a: unknown[]) => Test).apply(target, args);
        checked.add(test);
        return test.expect((res: Response) => validator.assert(res, outsideTheDescription.has(test)));
      };
    },
  });
}

/**
 * Marks a request the API deliberately does not describe (garbage paths, wrong methods): its
 * response is only checked to be a contract error. Use it for nothing else.
 */
export function undescribed<T extends Test>(test: T): T {
  if (!checked.has(test)) throw new Error('undescribed() takes a request made with a harness agent');
  outsideTheDescription.add(test);
  return test;
}

interface CompiledResponse {
  described: DescribedResponse;
  headers: [name: string, header: Header, validate: ValidateFunction][];
  content: [mediaType: string, validate: ValidateFunction][];
}

export class OpenApiValidator {
  static #cache = new Map<string, OpenApiValidator>();

  /** One compiled validator per distinct document. */
  static for(document: OpenApiDocument): OpenApiValidator {
    const key = JSON.stringify(document);
    let validator = OpenApiValidator.#cache.get(key);
    if (!validator) OpenApiValidator.#cache.set(key, (validator = new OpenApiValidator(document)));
    return validator;
  }

  readonly #ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
  readonly #paths: { pattern: RegExp; template: string }[];
  readonly #compiled = new Map<string, CompiledResponse>();
  readonly #error: ValidateFunction;

  constructor(readonly document: OpenApiDocument) {
    addFormats.default(this.#ajv);
    this.#ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(document.components.schemas ?? {}) as Schema });
    this.#paths = Object.keys(document.paths).map((template) => ({ template, pattern: templatePattern(template) }));
    this.#error = this.#ajv.compile({ $ref: `${COMPONENTS_ID}#/$defs/Error` });
  }

  /** Throws an error naming every way `res` departs from the description. */
  assert(res: Response, undescribedRequest = false): void {
    const request = res.request as unknown as { method: string; url: string; header: Record<string, string> };
    const method = request.method.toLowerCase();
    const path = new URL(request.url).pathname;
    if (method === 'options' && headerOf(request.header, 'access-control-request-method') !== undefined) return;
    const problems = undescribedRequest ? this.#contractError(res) : this.problems(method, path, res);
    if (problems.length) {
      const body = res.text && res.text.length < 500 ? `\n  body: ${res.text}` : '';
      throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} → ${res.status}:\n  - ${problems.join('\n  - ')}${body}`);
    }
  }

  /** What is wrong with this response for this request; empty when it matches the description. */
  problems(method: string, path: string, res: Pick<Response, 'status' | 'headers' | 'body' | 'text'>): string[] {
    const match = this.#paths.find((p) => p.pattern.test(path));
    if (!match) return [`path ${path} is not described (wrap a deliberate one in undescribed())`];
    const item = this.document.paths[match.template]!;
    const head = method === 'head';
    const operation = (item[method as keyof typeof item] ?? (head ? item.get : undefined)) as Operation | undefined;
    if (!operation) return [`${method.toUpperCase()} ${match.template} is not described`];
    const key = String(res.status) in operation.responses ? String(res.status) : `${String(res.status)[0]}XX`;
    if (!(key in operation.responses)) {
      return [
        `status ${res.status} is not described for ${operation.operationId} (described: ${Object.keys(operation.responses).join(', ')})`,
      ];
    }
    const compiled = this.#compile(`${match.template} ${method} ${key}`, operation.responses[key]!);
    return [...this.#headerProblems(compiled, res.headers), ...(head ? [] : this.#bodyProblems(compiled, res))];
  }

  #contractError(res: Pick<Response, 'status' | 'headers' | 'body'>): string[] {
    if (res.status < 400) return [`an undescribed request answered ${res.status}, not a contract error`];
    if (!mediaTypeOf(res.headers)?.startsWith('application/json')) return ['a contract error is JSON'];
    return this.#error(res.body) ? [] : [`not the contract's error shape: ${this.#ajv.errorsText(this.#error.errors)}`];
  }

  #headerProblems(compiled: CompiledResponse, headers: Record<string, unknown>): string[] {
    return compiled.headers.flatMap(([name, header, validate]) => {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return header.required ? [`header ${name} is required`] : [];
      return [value]
        .flat()
        .filter((v) => !validate(v))
        .map((v) => `header ${name}: ${JSON.stringify(v)} ${this.#ajv.errorsText(validate.errors, { dataVar: '' })}`);
    });
  }

  #bodyProblems(compiled: CompiledResponse, res: Pick<Response, 'headers' | 'body' | 'text'>): string[] {
    const mediaType = mediaTypeOf(res.headers);
    if (!compiled.content.length) return textOf(res) ? [`no body is described, got ${mediaType ?? 'a body'}`] : [];
    const content = compiled.content.find(([type]) => type === mediaType);
    if (!content) return [`Content-Type ${mediaType} is not described (${compiled.content.map(([t]) => t).join(', ')})`];
    // JSON is checked parsed; any other type (text/plain, application/statuslist+jwt…) as its text.
    const data: unknown = /^application\/(.+\+)?json$/.test(mediaType ?? '') ? res.body : textOf(res);
    // supertest keeps no text of types it does not know unless the test asks (`.buffer(true)`).
    if (data === undefined) return [];
    return content[1](data) ? [] : [`body: ${this.#ajv.errorsText(content[1].errors, { dataVar: 'body' })}`];
  }

  #compile(key: string, response: DescribedResponse | Ref): CompiledResponse {
    const cached = this.#compiled.get(key);
    if (cached) return cached;
    const described = this.#resolve<DescribedResponse>(response);
    const compiled: CompiledResponse = {
      described,
      headers: Object.entries(described.headers ?? {}).map(([name, h]) => {
        const header = this.#resolve<Header>(h);
        return [name, header, this.#ajv.compile(rewriteRefs(header.schema) as Schema)];
      }),
      content: Object.entries(described.content ?? {}).map(([type, media]) => [
        type,
        this.#ajv.compile(rewriteRefs(media.schema) as Schema),
      ]),
    };
    this.#compiled.set(key, compiled);
    return compiled;
  }

  #resolve<T>(value: T | Ref): T {
    if (!value || typeof value !== 'object' || !('$ref' in value)) return value;
    const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(value.$ref) ?? [];
    const target = (this.document.components as Record<string, Record<string, unknown> | undefined>)[kind ?? '']?.[name ?? ''];
    if (!target) throw new Error(`OpenAPI: unresolved ${value.$ref}`);
    return this.#resolve(target as T | Ref);
  }
}

const COMPONENTS_ID = 'urn:latchkey:openapi:components';

/** `#/components/schemas/X` → the same schema under the components' $defs for ajv. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? v.replace(/^#\/components\/schemas\//, `${COMPONENTS_ID}#/$defs/`) : rewriteRefs(v),
    ]),
  );
}

/** `/admin/users/{id}/revoke-sessions` → a pattern matching what Express routes there. */
function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/** supertest buffers text/* as `text`; other types arrive as a Buffer in `body`. */
function textOf(res: Pick<Response, 'body' | 'text'>): string | undefined {
  if (typeof res.text === 'string') return res.text;
  return Buffer.isBuffer(res.body) ? res.body.toString('utf8') : undefined;
}

function mediaTypeOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['content-type'];
  return typeof value === 'string' ? value.split(';')[0]!.trim().toLowerCase() : undefined;
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  return Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
}
