import { AppError, tooManyRequests } from '../errors.js';
import { addSeconds } from '../clock.js';
import type { LoginAttemptGuard } from '../limits/login-attempts.js';
import { grantScope } from '../oauth/scope.js';
import { normalisePassword, passwordLengthProblem } from '../passwords/policy.js';
import type { SecurityEvent } from '../store/security-events.js';
import { FIRST_PARTY_CLIENT, type IssuedTokens, type PresentingClient, type RequestContext, type SessionDeps } from './deps.js';
import { issueForSession } from './refresh.js';
import { newRefreshToken, refreshMaxAge } from './refresh-token.js';

const invalidCredentials = () => new AppError('invalid_credentials', 'email or password is incorrect');

const unguarded: LoginAttemptGuard = {
  refusal: async () => undefined,
  failed: async () => undefined,
  succeeded: async () => undefined,
};

/**
 * Password login. Unknown email and wrong password answer the same error after the same
 * work (an argon2 verify against a dummy hash), so neither status, body nor time tells
 * whether an account exists. The guard (src/limits/login-attempts.ts) locks out repeated
 * failures before any password is checked; unknown emails are counted like real ones.
 */
export async function login(
  deps: SessionDeps,
  input: LoginInput,
  ctx: RequestContext,
  guard: LoginAttemptGuard = unguarded,
): Promise<IssuedTokens> {
  const { store, hasher, audit, clock, config } = deps;
  const client = input.client ?? FIRST_PARTY_CLIENT;
  // A scope above the client's ceiling is a bad request whoever logs in: refused before any password work.
  if (input.scope) grantScope({ held: [], requested: input.scope, ceilings: [client.scopes] });
  const attempt = { email: input.email, ip: ctx.ip };
  const refusal = await guard.refusal(attempt);
  if (refusal) {
    // OWASP Authentication Cheat Sheet, "Account Lockout": no password check while locked.
    deps.metrics.logins.inc({ outcome: 'locked' });
    deps.metrics.rateLimited.inc({ limiter: refusal.limiter });
    throw tooManyRequests(refusal.retryAfter);
  }
  const password = normalisePassword(input.password);
  const user = await store.users.findByEmail(input.email);
  // An over-long password cannot match any stored one; still spend the same time on it.
  const plausible = passwordLengthProblem(password) === undefined;
  const ok = user && plausible ? await hasher.verify(user.passwordHash, password) : await hasher.verifyDummy(password);
  if (!user || !ok) {
    const lockout = await guard.failed(attempt);
    await audit.record({
      type: 'login_failed',
      userId: user?.id ?? null,
      ip: ctx.ip,
      requestId: ctx.requestId,
      details: { reason: user ? 'wrong_password' : 'unknown_email' },
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
  await guard.succeeded(attempt);
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
    event, // written with the session, in the same statement
    clientId: client.id,
    scope: input.scope,
  });
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
