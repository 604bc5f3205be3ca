import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import type { JSONWebKeySet } from 'jose';
import type { InspectionSources } from '../inspect/inspect.js';
import { STATUS_LIST_MEDIA_TYPE } from '../inspect/status-list.js';
import { requestJson, requestText } from './http-client.js';
import { CliError } from './output.js';

// `latchkey token inspect` in Node: where the JWKS is, what iss and aud to expect, and the
// fetching and zlib behind the shared inspection core (src/inspect/).

/** The server default ISSUER, where a JWKS is looked for when nothing says otherwise. */
const DEFAULT_ISSUER = 'http://localhost:3000';
const JWKS_HINT = 'is the server running? see --jwks';
const METADATA_PATH = '/.well-known/oauth-authorization-server';

export interface InspectFlags {
  jwks?: URL;
  issuer?: string;
  audience?: string;
  clockSkew?: number;
}

export interface Expected {
  value: string | undefined;
  /** Where the value came from, or why there is none. */
  source: string;
}

export interface Resolved {
  jwksUrl: URL;
  issuer: Expected;
  audience: Expected;
}

interface Metadata {
  issuer?: unknown;
  jwks_uri?: unknown;
  latchkey_access_token_audience?: unknown;
}

/**
 * The JWKS is `--jwks`, else `$ISSUER/.well-known/jwks.json`, else the server default's.
 * The expected iss and aud are what the user set (`--issuer`/`--audience`; without `--jwks`
 * also `$ISSUER`/`$ACCESS_TOKEN_AUDIENCE`), else what the JWKS's own server publishes in its
 * RFC 8414 metadata, else nothing: then the value is reported, never compared with a default
 * the user never set.
 */
export async function resolveExpectations(flags: InspectFlags, env: Record<string, string | undefined>): Promise<Resolved> {
  const envIssuer = flags.jwks ? undefined : env.ISSUER?.replace(/\/+$/, '') || undefined;
  const jwksUrl = flags.jwks ?? jwksUrlOf(envIssuer ?? DEFAULT_ISSUER);
  const issuer: Expected | undefined = flags.issuer
    ? { value: flags.issuer, source: '--issuer' }
    : envIssuer
      ? { value: envIssuer, source: 'ISSUER' }
      : undefined;
  const envAudience = flags.jwks ? undefined : env.ACCESS_TOKEN_AUDIENCE || undefined;
  const audience: Expected | undefined = flags.audience
    ? { value: flags.audience, source: '--audience' }
    : envAudience
      ? { value: envAudience, source: 'ACCESS_TOKEN_AUDIENCE' }
      : undefined;
  if (issuer && audience) return { jwksUrl, issuer, audience };

  const fromMetadata = await metadataOf(jwksUrl);
  return {
    jwksUrl,
    issuer: issuer ?? fromMetadata('issuer', '--issuer'),
    audience: audience ?? fromMetadata('latchkey_access_token_audience', '--audience'),
  };
}

/**
 * RFC 8414 §3 metadata at the JWKS's origin, trusted only when it names this JWKS as its
 * `jwks_uri` (then it describes the server whose keys we verify with).
 */
async function metadataOf(jwksUrl: URL): Promise<(member: keyof Metadata, option: string) => Expected> {
  const url = new URL(METADATA_PATH, jwksUrl.origin);
  let metadata: Metadata | undefined;
  let problem: string;
  try {
    metadata = await requestJson<Metadata>(url, { unreachableHint: JWKS_HINT });
    problem = metadata?.jwks_uri === jwksUrl.href ? '' : `its jwks_uri is not ${jwksUrl.href}`;
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  return (member, option) => {
    const value = metadata?.[member];
    if (!problem && typeof value === 'string' && value) return { value, source: url.href };
    const why = problem ? `${url.href} is no help (${problem})` : `${url.href} has no ${member}`;
    return { value: undefined, source: `not compared: no ${option}, and ${why}` };
  };
}

function jwksUrlOf(issuer: string): URL {
  const url = `${issuer}/.well-known/jwks.json`;
  if (!URL.canParse(url)) throw new CliError(`ISSUER ${issuer} is not a URL; pass --jwks`);
  return new URL(url);
}

const inflateAsync = promisify(inflate);

/** The network and zlib behind the inspection core, through the CLI's one HTTP client. */
export function nodeSources(jwksUrl: URL): InspectionSources {
  return {
    jwksUrl: jwksUrl.href,
    fetchJwks: async () => {
      const body = await requestJson<JSONWebKeySet>(jwksUrl, { unreachableHint: JWKS_HINT });
      if (!Array.isArray(body?.keys)) throw new CliError(`${jwksUrl.href} is not a JWKS ({"keys": [...]})`);
      return body;
    },
    fetchStatusList: async (uri) => {
      const url = new URL(uri);
      if (!/^https?:$/.test(url.protocol)) throw new Error('not an http(s) URL');
      return requestText(url, STATUS_LIST_MEDIA_TYPE, { unreachableHint: 'is the server running?' });
    },
    // RFC 1950 zlib; maxOutputLength refuses a decompression bomb.
    inflate: async (compressed, maxBytes) => new Uint8Array(await inflateAsync(compressed, { maxOutputLength: maxBytes })),
  };
}
