import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deflateSync } from 'node:zlib';
import { type CryptoKey, type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { FakeClock } from './clock.js';
import { type Listening, serve } from './listen.js';

// A stand-in for Latchkey's public surface as a resource server sees it — the JWKS and token
// status lists in the contract's wire format — driven by hand: keys come and go, bits flip,
// the issuer goes down, a list comes back tampered. Nothing here sleeps: move `clock`.

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface StatusListTamper {
  typ?: string;
  contentType?: string;
  /** Signed by a key that is not in the JWKS (same kid as the active one). */
  wrongKey?: boolean;
  /** The bit array replaced by all zeroes after signing: the signature no longer matches. */
  alteredPayload?: boolean;
  sub?: string;
  /** No kid in the header (the draft does not require one). */
  noKid?: boolean;
}

export interface IssueOptions {
  kid?: string;
  idx?: number;
  list?: string;
  typ?: string;
  status?: unknown;
  claims?: Record<string, unknown>;
}

const LIST_BYTES = 1024; // 8192 one-bit entries per list

export class FakeIssuer {
  readonly clock = new FakeClock();
  url = '';
  audience = 'api';
  jwksMaxAge = 300;
  statusListTtl = 30;
  /** Lifetime of a signed status list (its `exp` − `iat`). */
  statusListLifetime = 3600;
  accessTokenTtl = 600;
  /** When true every request is dropped (connection reset): the issuer is unreachable. */
  down = false;
  tamper: StatusListTamper | undefined;
  readonly requests = { jwks: 0, statusList: 0, notModified: 0 };

  readonly #keys: Key[] = [];
  readonly #published = new Set<string>();
  readonly #lists = new Map<string, Uint8Array>();
  #server: Listening | undefined;
  #nextIdx = 0;
  #outsider: Key | undefined;

  static async start(): Promise<FakeIssuer> {
    const issuer = new FakeIssuer();
    issuer.#server = await serve((req, res) => issuer.#handle(req, res));
    issuer.url = issuer.#server.origin;
    await issuer.addKey();
    return issuer;
  }

  get activeKid(): string {
    return this.#keys.at(-1)!.kid;
  }

  /** A new signing key, published in the JWKS and signing from now on. */
  async addKey(): Promise<string> {
    const key = await makeKey();
    this.#keys.push(key);
    this.#published.add(key.kid);
    return key.kid;
  }

  /** Out of the JWKS (as `latchkey keys revoke` does); its private half can still sign test tokens. */
  removeKey(kid: string): void {
    this.#published.delete(kid);
  }

  statusListUri(list = '1'): string {
    return `${this.url}/statuslists/${list}`;
  }

  /** A Latchkey-shaped access token (RFC 9068 + status claim); `idx` defaults to a fresh index. */
  async issue(options: IssueOptions = {}): Promise<{ token: string; idx: number }> {
    const idx = options.idx ?? this.#nextIdx++;
    this.#list(options.list ?? '1');
    const key = this.#key(options.kid ?? this.activeKid);
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const payload: JWTPayload = {
      iss: this.url,
      sub: randomUUID(),
      aud: this.audience,
      iat: now,
      exp: now + this.accessTokenTtl,
      jti: randomUUID(),
      client_id: 'latchkey',
      sid: randomUUID(),
      status: options.status ?? { status_list: { idx, uri: this.statusListUri(options.list) } },
      ...options.claims,
    };
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: options.typ ?? 'at+jwt' })
      .sign(key.privateKey);
    return { token, idx };
  }

  /** Sets (revokes) or clears the bit of `idx`. */
  setBit(idx: number, revoked = true, list = '1'): void {
    const bytes = this.#list(list);
    if (revoked) bytes[idx >>> 3]! |= 1 << (idx & 7);
    else bytes[idx >>> 3]! &= ~(1 << (idx & 7));
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  #key(kid: string): Key {
    const key = this.#keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no key ${kid}`);
    return key;
  }

  #list(name: string): Uint8Array {
    let bytes = this.#lists.get(name);
    if (!bytes) {
      bytes = new Uint8Array(LIST_BYTES);
      this.#lists.set(name, bytes);
    }
    return bytes;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const path = req.url ?? '';
    if (path === '/.well-known/jwks.json') {
      this.requests.jwks += 1;
      const body = JSON.stringify({ keys: this.#keys.filter((k) => this.#published.has(k.kid)).map((k) => k.jwk) });
      this.#answer(req, res, body, 'application/json', this.jwksMaxAge);
      return;
    }
    const list = /^\/statuslists\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    if (list && this.#lists.has(list)) {
      this.requests.statusList += 1;
      this.#statusListJwt(list).then(
        (jwt) => this.#answer(req, res, jwt, this.tamper?.contentType ?? 'application/statuslist+jwt', this.statusListTtl),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
  }

  #answer(req: IncomingMessage, res: ServerResponse, body: string, contentType: string, maxAge: number): void {
    // The ETag names the content, not the signature: an unchanged list answers 304.
    const etag = `"${createHash('sha256').update(contentType).update(stripVolatile(body)).digest('base64url').slice(0, 22)}"`;
    const headers = { 'cache-control': `public, max-age=${maxAge}`, etag };
    if (req.headers['if-none-match'] === etag) {
      this.requests.notModified += 1;
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': contentType }).end(body);
  }

  async #statusListJwt(name: string): Promise<string> {
    const tamper = this.tamper ?? {};
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const lst = deflateSync(this.#list(name), { level: 9 }).toString('base64url');
    let signer = this.#keys.at(-1)!;
    if (tamper.wrongKey) {
      this.#outsider ??= await makeKey();
      signer = { ...this.#outsider, kid: signer.kid };
    }
    const jwt = await new SignJWT({
      sub: tamper.sub ?? this.statusListUri(name),
      iat: now,
      exp: now + this.statusListLifetime,
      ttl: this.statusListTtl,
      status_list: { bits: 1, lst },
    })
      .setProtectedHeader({ alg: 'ES256', kid: tamper.noKid ? undefined : signer.kid, typ: tamper.typ ?? 'statuslist+jwt' })
      .sign(signer.privateKey);
    if (!tamper.alteredPayload) return jwt;
    const [header, payload, signature] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.status_list.lst = deflateSync(new Uint8Array(LIST_BYTES)).toString('base64url');
    return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
  }
}

/** A JWT's content without its signature-time claims, so re-signing an unchanged list keeps its ETag. */
function stripVolatile(body: string): string {
  const parts = body.split('.');
  if (parts.length !== 3) return body;
  const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as Record<string, unknown>;
  delete claims.iat;
  delete claims.exp;
  return `${parts[0]}.${JSON.stringify(claims)}`;
}

async function makeKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}
