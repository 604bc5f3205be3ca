import { AppError, tooManyRequests } from '../errors.js';
import { addSeconds } from '../clock.js';
import { type AttemptGuard, type AttemptTicket, UNGUARDED } from '../limits/attempt-guard.js';
import { grantScope } from '../oauth/scope.js';
import { normalisePassword } from '../passwords/policy.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { UserRecord } from '../store/users.js';
import { FIRST_PARTY_CLIENT, type IssuedTokens, type PresentingClient, type RequestContext, type SessionDeps } from './deps.js';
import { type Ended, type LoginOutcome, settle } from './outcome.js';
import { issueForSession } from './issue.js';
import { newRefreshToken, refreshMaxAge } from './refresh-token.js';
import { statusReuseCutoff } from '../tokens/status-list.js';

const invalidCredentials = () => new AppError('invalid_credentials', 'email or password is incorrect');

export interface LoginInput {
  email: string;
  password: string;
  /** The registered client logging in (already authenticated); default the first-party cookie client. */
  client?: PresentingClient;
  /** RFC 6749 §3.3: the scope asked for; it also bounds every refresh of this session. */
  scope?: string[];
}

/** Password login (the rules: attemptLogin); counts its outcome, then answers the tokens or throws. */
export async function login(
  deps: SessionDeps,
  input: LoginInput,
  ctx: RequestContext,
  guard: AttemptGuard = UNGUARDED,
): Promise<IssuedTokens> {
  return settle(await attemptLogin(deps, input, ctx, guard), (ended) => deps.metrics.countLogin(ended));
}

/**
 * Password login. Unknown email and wrong password answer the same error after the same
 * work (an argon2 verify against a dummy hash), so neither status, body nor time tells
 * whether an account exists. A disabled account answers the same, after the same work: the
 * password is verified, then refused. The guard (src/limits/attempt-guard.ts) consumes the
 * attempt before any password is checked, so simultaneous guesses cannot outrun the lockout;
 * unknown emails are counted like real ones.
 */
export async function attemptLogin(
  deps: SessionDeps,
  input: LoginInput,
  ctx: RequestContext,
  guard: AttemptGuard,
): Promise<Ended<LoginOutcome>> {
  const client = input.client ?? FIRST_PARTY_CLIENT;
  // A scope above the client's ceiling is a bad request whoever logs in: refused before any password work.
  if (input.scope) grantScope({ held: [], requested: input.scope, ceilings: [client.scopes] });
  const { ticket, refusal } = await guard.admit({ subject: input.email, ip: ctx.ip });
  // OWASP Authentication Cheat Sheet, "Account Lockout": no password check while locked.
  if (refusal) return { outcome: 'locked', refusal, error: tooManyRequests(refusal.retryAfter) };
  const { user, password, ok } = await checkPassword(deps, input);
  if (!user || !ok || user.disabledAt) {
    await recordFailure(deps, ticket, user, ok, ctx);
    return { outcome: 'failure', error: invalidCredentials() };
  }
  await upgradeHash(deps, user, password);
  await ticket.succeeded();
  return startSession(deps, user, client, input.scope, ctx);
}

/** The same argon2 work whether or not the account exists, and whether or not the password could match. */
async function checkPassword({ store, hasher }: SessionDeps, input: LoginInput) {
  const password = normalisePassword(input.password);
  const user = await store.users.findByEmail(input.email);
  const ok = await hasher.check(user?.passwordHash, password);
  return { user, password, ok };
}

/** The failed attempt stays counted; the failure, and the lockout it started if any, are security events. */
async function recordFailure(
  { audit }: SessionDeps,
  ticket: AttemptTicket,
  user: UserRecord | null,
  ok: boolean,
  ctx: RequestContext,
): Promise<void> {
  const lockout = await ticket.failed();
  const base = { userId: user?.id ?? null, ip: ctx.ip, requestId: ctx.requestId };
  await audit.record({
    ...base,
    type: 'login_failed',
    details: { reason: !user ? 'unknown_email' : ok ? 'user_disabled' : 'wrong_password' },
  });
  if (lockout) {
    const { scope, seconds, lockouts } = lockout;
    await audit.record({ ...base, type: 'login_locked', details: { scope, seconds, lockouts } });
  }
}

/** Parameters rose since this hash was made: upgrade it while we hold the plaintext. */
async function upgradeHash({ store, hasher }: SessionDeps, user: UserRecord, password: string): Promise<void> {
  if (hasher.needsRehash(user.passwordHash)) await store.users.updatePasswordHash(user.id, await hasher.hash(password));
}

/** The session, its first refresh token and the success event in one statement (with the user's grants); then the access token. */
async function startSession(
  deps: SessionDeps,
  user: UserRecord,
  client: PresentingClient,
  scope: string[] | undefined,
  ctx: RequestContext,
): Promise<Ended<LoginOutcome>> {
  const { store, audit, clock, config } = deps;
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
    scope,
  });
  if (!session) {
    // Disabled or deleted while the password was being checked: nothing was written.
    const failed: SecurityEvent = { ...event, type: 'login_failed', details: { reason: 'user_disabled' } };
    await audit.record(failed);
    throw invalidCredentials();
  }
  audit.logged({ ...event, sessionId: session.id });
  const { grants, ...record } = session;
  const issued = await issueForSession(deps, record, grants, { client, requested: scope });
  const refreshMaxAgeSeconds = refreshMaxAge(expiresAt, now, config.refreshIdleTtl);
  return { outcome: 'success', tokens: { ...issued, refreshToken: refresh.token, refreshMaxAge: refreshMaxAgeSeconds } };
}
