import { type Command, InvalidArgumentError } from 'commander';
import { SIGNING_ALGS } from '../config.js';
import { type InspectionReport, inspectToken } from '../inspect/inspect.js';
import { describeStatus } from '../inspect/status-list.js';
import { ACCESS_TOKEN_TYP } from '../tokens/access-token.js';
import { parseHttpUrl } from './admin-options.js';
import { type InspectFlags, type Resolved, nodeSources, resolveExpectations } from './inspect-token.js';
import { ExitCode, type Io, emit } from './output.js';

const DEFAULT_CLOCK_SKEW = 30;

export function registerTokenCommands(program: Command, io: Io): void {
  const token = program.command('token').description('access tokens');

  token
    .command('inspect')
    .description('decode an access token and verify it as a resource server would, naming every defect (exit 0 valid, 1 invalid)')
    .argument('<token>', 'the access token (JWS compact)')
    .option('--jwks <url>', 'JWKS to verify against (default: $ISSUER/.well-known/jwks.json)', parseHttpUrl)
    .option('--issuer <iss>', "expected iss (default: $ISSUER without --jwks, else the JWKS server's metadata)")
    .option('--audience <aud>', "expected aud (default: $ACCESS_TOKEN_AUDIENCE without --jwks, else the JWKS server's metadata)")
    .option(
      '--clock-skew <seconds>',
      `tolerance on exp, nbf and iat (default: $CLOCK_SKEW or ${DEFAULT_CLOCK_SKEW})`,
      parseSeconds,
    )
    .option('--json', 'print JSON for scripts')
    .action(async (raw: string, flags: InspectFlags & { json?: boolean }) => {
      const resolved = await resolveExpectations(flags, io.env);
      const clockSkew = flags.clockSkew ?? (io.env.CLOCK_SKEW ? parseSeconds(io.env.CLOCK_SKEW) : DEFAULT_CLOCK_SKEW);
      const report = await inspectToken(
        raw,
        {
          issuer: resolved.issuer.value,
          audience: resolved.audience.value,
          algorithms: SIGNING_ALGS,
          typ: ACCESS_TOKEN_TYP,
          clockSkew,
        },
        nodeSources(resolved.jwksUrl),
        new Date(),
      );
      const expected = { jwks: resolved.jwksUrl.href, issuer: resolved.issuer, audience: resolved.audience, clockSkew };
      emit(io, flags, { ...report, expected }, () => humanReport(report, resolved));
      if (!report.valid) throw new ExitCode(1);
    });
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(value);
}

function humanReport(report: InspectionReport, resolved: Resolved): string[] {
  const lines: string[] = [];
  if (report.header) lines.push('header:', JSON.stringify(report.header, null, 2));
  if (report.claims) lines.push('claims:', JSON.stringify(report.claims, null, 2));
  for (const t of report.times) lines.push(`${t.claim}: ${t.date} (${t.relative})`);
  lines.push(`jwks: ${resolved.jwksUrl.href}`);
  for (const [name, expected] of [
    ['iss', resolved.issuer],
    ['aud', resolved.audience],
  ] as const) {
    lines.push(
      expected.value === undefined
        ? `expected ${name}: none, ${expected.source}`
        : `expected ${name}: ${JSON.stringify(expected.value)} (from ${expected.source})`,
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  const status = describeStatus(report.status);
  if (status) lines.push(status);
  if (report.valid) lines.push('valid');
  for (const d of report.defects) lines.push(`invalid: ${d.message}`);
  return lines;
}
