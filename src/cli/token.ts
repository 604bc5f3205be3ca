import type { Command } from 'commander';
import type { JSONWebKeySet } from 'jose';
import { parseHttpUrl } from './admin-options.js';
import { requestJson } from './http-client.js';
import { type TokenReport, inspectToken } from './inspect-token.js';
import { CliError, ExitCode, type Io, emit } from './output.js';

const DEFAULT_ISSUER = 'http://localhost:3000';
const DEFAULT_AUDIENCE = 'api';

interface InspectFlags {
  jwks?: URL;
  issuer?: string;
  audience?: string;
  json?: boolean;
}

export function registerTokenCommands(program: Command, io: Io): void {
  const token = program.command('token').description('access tokens');

  token
    .command('inspect')
    .description('decode an access token and verify it against the JWKS as a resource server would (exit 0 valid, 1 invalid)')
    .argument('<token>', 'the access token (JWS compact)')
    .option('--jwks <url>', 'JWKS to verify against (default: $ISSUER/.well-known/jwks.json)', parseHttpUrl)
    .option('--issuer <iss>', `expected iss (default: $ISSUER or ${DEFAULT_ISSUER})`)
    .option('--audience <aud>', `expected aud (default: $ACCESS_TOKEN_AUDIENCE or ${DEFAULT_AUDIENCE})`)
    .option('--json', 'print JSON for scripts')
    .action(async (raw: string, flags: InspectFlags) => {
      const issuer = (flags.issuer ?? io.env.ISSUER ?? DEFAULT_ISSUER).replace(/\/+$/, '');
      const jwksUrl = flags.jwks ?? jwksUrlOf(issuer);
      const fetchJwks = async () => {
        const body = await requestJson<JSONWebKeySet>(jwksUrl);
        if (!Array.isArray(body?.keys)) throw new CliError(`${jwksUrl.href} is not a JWKS ({"keys": [...]})`);
        return body;
      };
      const report = await inspectToken(raw.trim(), fetchJwks, {
        jwksUrl: jwksUrl.href,
        issuer,
        audience: flags.audience ?? io.env.ACCESS_TOKEN_AUDIENCE ?? DEFAULT_AUDIENCE,
        now: new Date(),
      });
      emit(io, flags, report, () => humanReport(report));
      if (!report.valid) throw new ExitCode(1);
    });
}

function jwksUrlOf(issuer: string): URL {
  if (!URL.canParse(`${issuer}/.well-known/jwks.json`)) throw new CliError(`issuer ${issuer} is not a URL; pass --jwks`);
  return new URL(`${issuer}/.well-known/jwks.json`);
}

function humanReport(report: TokenReport): string[] {
  const lines: string[] = [];
  if (report.header) lines.push('header:', JSON.stringify(report.header, null, 2));
  if (report.claims) lines.push('claims:', JSON.stringify(report.claims, null, 2));
  for (const t of report.times) lines.push(`${t.claim}: ${t.date} (${t.relative})`);
  lines.push(report.valid ? 'valid' : `invalid: ${report.reason}`);
  return lines;
}
