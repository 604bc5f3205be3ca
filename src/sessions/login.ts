import { AppError, tooManyRequests } from '../errors.js';
import { addSeconds } from '../clock.js';
import { type AttemptGuard, UNGUARDED } from '../limits/attempt-guard.js';
import { grantScope } from '../oauth/scope.js';
import { normalisePassword } from '../passwords/policy.js';
import type { SecurityEvent } from '../store/security-events.js';
import { FIRST_PARTY_CLIENT, type IssuedTokens, type PresentingClient, type RequestContext, type SessionDeps } from './deps.js';
import { issueForSession } from './refresh.js';
import { newRefreshToken, refreshMaxAge } from './refresh-token.js';
import { statusReuseCutoff } from '../tokens/status-list.js';

const invalidCredentials = () => new AppError('invalid_credentials', 'email or password is incorrect');

/**
 * Password login. Unknown email and wrong password answer the same error after the same
 * work (an argon2 verify against a dummy hash), so neither status, body nor time tells
 * whether an account exists. A disabled account answers the same, after the same work: the
 * password is verified, then refused. The guard (src/limits/attempt-guard.ts) consumes the
 * attempt before any password is checked, so simultaneous guesses cannot outrun the lockout;
 * unknown emails are counted like real ones.
 */
export async function login(
  deps: SessionDeps,
  input: LoginInput,
  ctx: RequestContext,
  guard: AttemptGuard = UNGUARDED,
): Promise<IssuedTokens> {
  const { store, hasher, audit, clock, config } = deps;
  const client = input.client ?? FIRST_PARTY_CLIENT;
  // A scope above the client's ceiling is a bad request whoever logs in: refused before any password work.
  if (input.scope) grantScope({ held: [], requested: input.scope, ceilings: [client.scopes] });
  const { ticket, refusal } = await guard.admit({ subject: input.email, ip: ctx.ip });
  if (refusal) {
    // OWASP Authentication Cheat Sheet, "Account Lockout": no password check while locked.
    deps.metrics.logins.inc({ outcome: 'locked' });
    deps.metrics.rateLimited.inc({ limiter: refusal.limiter });
    throw tooManyRequests(refusal.retryAfter);
  }
  const password = normalisePassword(input.password);
  const user = await store.users.findByEmail(input.email);
  const ok = await hasher.check(user?.passwordHash, password);
  if (!user || !ok || user.disabledAt) {
    const lockout = await ticket.failed();
    await audit.record({
      type: 'login_failed',
      userId: user?.id ?? null,
      ip: ctx.ip,
      requestId: ctx.requestId,
      details: { reason: !user ? 'unknown_email' : ok ? 'user_disabled' : 'wrong_password' },
    });
    if (lockout) {
      await audit.record({
        type: 'login_locked',
        userId: user?.id ?? null,
        ip: ctx.ip,
        requestId: ctx.requestId,
        details: { scope: lockout.scope, seconds: lockout.seconds, lockouts: lockout.lockouts },
      });
    }
    deps.metrics.logins.inc({ outcome: 'failure' });
    throw invalidCredentials();
  }
  if (hasher.needsRehash(user.passwordHash)) {
    // Parameters rose since this hash was made: upgrade it while we hold the plaintext.
    await store.users.updatePasswordHash(user.id, await hasher.hash(password));
  }
  await ticket.succeeded();
  const now = clock.now();
  const refresh = newRefreshToken();
  const expiresAt = addSeconds(now, config.refreshTokenTtl);
  const event: SecurityEvent = {
    type: 'login_succeeded',
    userId: user.id,
    ip: ctx.ip,
    requestId: ctx.requestId,
    ...(client !== FIRST_PARTY_CLIENT && { details: { clientId: client.id } }),
  };
  const session = await store.sessions.create({
    userId: user.id,
    now,
    expiresAt,
    token: refresh.record,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    statusTokenTtl: config.accessTokenTtl + config.clockSkew,
    statusReuseBefore: statusReuseCutoff(now, config),
    event, // written with the session, in the same statement
    clientId: client.id,
    scope: input.scope,
  });
  if (!session) {
    // Disabled or deleted while the password was being checked: nothing was written.
    const failed: SecurityEvent = { ...event, type: 'login_failed', details: { reason: 'user_disabled' } };
    await audit.record(failed);
    throw invalidCredentials();
  }
  audit.logged({ ...event, sessionId: session.id });
  const grants = await store.roles.grantsOf(user.id);
  const issued = await issueForSession(deps, session, grants, { client, requested: input.scope });
  deps.metrics.logins.inc({ outcome: 'success' });
  return { ...issued, refreshToken: refresh.token, refreshMaxAge: refreshMaxAge(expiresAt, now, config.refreshIdleTtl) };
}

export interface LoginInput {
  email: string;
  password: string;
  /** The registered client logging in (already authenticated); default the first-party cookie client. */
  client?: PresentingClient;
  /** RFC 6749 §3.3: the scope asked for; it also bounds every refresh of this session. */
  scope?: string[];
}
