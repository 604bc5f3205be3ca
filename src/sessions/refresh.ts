import { addSeconds } from '../clock.js';
import { type AppError, invalidGrant } from '../errors.js';
import { grantScope } from '../oauth/scope.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { PresentedToken, SessionRecord } from '../store/sessions.js';
import { FIRST_PARTY_CLIENT, type IssuedTokens, type PresentingClient, type RequestContext, type SessionDeps } from './deps.js';
import { type Grant, issueForSession } from './issue.js';
import { type Ended, type RefreshOutcome, settle } from './outcome.js';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken, refreshMaxAge } from './refresh-token.js';

// Refresh-token rotation with reuse detection (RFC 9700 §4.14.2, RFC 6749 §10.4), top to bottom.
//
//   unknown token                      → invalid_grant
//   token of another client            → invalid_grant; not reuse, nothing written (RFC 6749 §6, §10.4)
//   session revoked                    → invalid_grant (+ event: a dead family was presented)
//   user disabled                      → invalid_grant, session revoked (not reuse, no grace)
//   session past absolute/idle expiry  → invalid_grant, session revoked as expired
//   token unused                       → rotate: one conditional write decides the single winner
//   token used < W seconds ago         → grace: the same successor again, fresh access token
//   token used otherwise               → reuse: revoke the whole session, event, invalid_grant
//
// Revocations are committed before the error is thrown: the 401 never rolls them back.
//
// One implementation for every presenter: the cookie endpoint presents as the first-party
// client `latchkey`, /oauth/token as the authenticated registered client. The token's client
// binding and the scope ceiling are conditions of the rotation statement itself, so a token
// presented by the wrong client, or asking for more than its login granted, writes nothing.

export interface RefreshOptions {
  /** Who presents the token; default the first-party cookie client. */
  client?: PresentingClient;
  /** RFC 6749 §6: a narrower scope for this refresh's access token. */
  scope?: readonly string[];
}

/** Refresh-token rotation (the rules: presentRefreshToken); counts its outcome, then answers the tokens or throws. */
export async function rotateRefreshToken(
  deps: SessionDeps,
  presented: unknown,
  ctx: RequestContext,
  options: RefreshOptions = {},
): Promise<IssuedTokens> {
  return settle(await presentRefreshToken(deps, presented, ctx, options), (ended) => deps.metrics.countRefresh(ended));
}

type Refreshed = Ended<RefreshOutcome>;
const refused = (outcome: RefreshOutcome, description: string): Refreshed => ({ outcome, error: invalidGrant(description) });

/** The rules above, top to bottom: how this presentation ended (rotated, grace, or the refusal and why). */
export async function presentRefreshToken(
  deps: SessionDeps,
  presented: unknown,
  ctx: RequestContext,
  options: RefreshOptions = {},
): Promise<Refreshed> {
  const { store, clock } = deps;
  const { client = FIRST_PARTY_CLIENT, scope: requested } = options;
  if (!looksLikeRefreshToken(presented)) return refused('invalid', 'refresh token is missing or malformed');
  // Above the client's own ceiling: refused before anything is read or written.
  if (requested) grantScope({ held: [], requested, ceilings: [client.scopes] });
  const hash = hashRefreshToken(presented);
  const now = clock.now();

  // The happy path is one statement: look-up and conditional rotation together.
  const next = newRefreshToken();
  const { found: presentedToken, rotated } = await store.sessions.presentAndRotate({
    tokenHash: hash,
    now,
    idleCutoff: addSeconds(now, -deps.config.refreshIdleTtl),
    next: next.record,
    successorSealed: sealSuccessor(deps, next.token, hash),
    clientId: client.id,
    requestedScope: requested,
  });
  let found = presentedToken;
  if (!found) return refused('invalid', 'refresh token is not recognised');
  // Not the owner's reuse: a stranger's presentation must not let it revoke the owner's session.
  if (found.session.clientId !== client.id) return refused('invalid', 'refresh token was not issued to this client');
  const grant = { client, requested };
  if (rotated) return { outcome: 'rotated', tokens: await issue(deps, found, grant, next.token, now) };
  const dead = await rejectDeadSession(deps, found, now, ctx);
  if (dead) return dead;
  const scopeRefusal = scopeAboveSession(found.session, requested);

  if (found.usedAt === null) {
    // Not rotated although live and unused: the scope asked for too much, or this request
    // lost the race to a concurrent refresh with the same token (judge it as a used token).
    if (scopeRefusal) throw scopeRefusal;
    found = (await store.sessions.findPresentedToken(hash)) ?? found;
    const died = await rejectDeadSession(deps, found, now, ctx);
    if (died) return died;
  }

  const successor = openGraceSuccessor(deps, found, hash, now);
  if (successor) {
    if (scopeRefusal) throw scopeRefusal;
    return { outcome: 'grace', tokens: await issue(deps, found, grant, successor, now) };
  }

  await revokeForReuse(deps, found, now, ctx);
  return refused('reuse_detected', 'refresh token was already used; the session has been revoked');
}

/**
 * The successor is kept sealed only while a second tab may still present the old token
 * (REFRESH_REUSE_INTERVAL), bound to the old token's hash: the row that holds it.
 */
function sealSuccessor(deps: SessionDeps, successor: string, presentedHash: string): string | null {
  if (deps.config.refreshReuseInterval <= 0) return null;
  return deps.sealer.seal('refresh-successor', successor, presentedHash);
}

/**
 * The grace window: a token rotated less than W seconds ago by a concurrent request (a second
 * tab, a retry) gets the successor the first request got, so the family stays a single line.
 * Only while that successor is itself unused: past that point the old token is plain reuse.
 */
function openGraceSuccessor(deps: SessionDeps, token: PresentedToken, tokenHash: string, now: Date): string | undefined {
  const { config, sealer } = deps;
  const window = config.refreshReuseInterval;
  if (window <= 0 || !token.usedAt || !token.successorSealed || token.successorUsedAt) return undefined;
  if (now.getTime() - token.usedAt.getTime() >= window * 1000) return undefined;
  // Bound to the presented token's hash. Earlier builds bound it to the token's row id: a
  // successor sealed by such an instance during a rolling deploy still opens.
  for (const boundTo of [tokenHash, token.id]) {
    try {
      return sealer.open('refresh-successor', token.successorSealed, boundTo);
    } catch {
      // not bound to this; or sealed under a different KEY_ENCRYPTION_KEY: no grace
    }
  }
  return undefined;
}

/** A revoked session, a disabled user, an expired session: the refusal (revoking what is still live), or undefined. */
async function rejectDeadSession(
  deps: SessionDeps,
  token: PresentedToken,
  now: Date,
  ctx: RequestContext,
): Promise<Refreshed | undefined> {
  const { session } = token;
  if (session.revokedAt) {
    // Contract: a token of a revoked session is a detection too; the family is already dead.
    const event = reuseEvent(token, null, ctx, { alreadyRevoked: true, revokedReason: session.revokedReason });
    await deps.audit.record(event);
    return refused('reuse_detected', 'refresh token belongs to a revoked session');
  }
  if (token.userDisabled) {
    // Disabling revokes every session in its own transaction; this is the defence behind it.
    // Before grace and reuse: an unrotated token here is not a lost race, and no successor opens.
    await endSession(deps, token, now, ctx, {
      type: 'session_revoked',
      reason: 'user_disabled',
      details: { reason: 'user_disabled' },
    });
    return refused('invalid', 'refresh token belongs to a revoked session');
  }
  const expiry = sessionExpiry(session, now, deps.config.refreshIdleTtl);
  if (expiry) {
    await endSession(deps, token, now, ctx, { type: 'session_expired', reason: 'expired', details: { expiry } });
    return refused('expired', expiry === 'absolute' ? 'session has expired' : 'session expired after inactivity');
  }
  return undefined;
}

/** Revokes the token's session with its event, logged only by the request that revoked it. */
async function endSession(
  deps: SessionDeps,
  token: PresentedToken,
  now: Date,
  ctx: RequestContext,
  end: { type: 'session_revoked' | 'session_expired'; reason: 'user_disabled' | 'expired'; details: Record<string, string> },
): Promise<void> {
  const { session } = token;
  const base = { userId: session.userId, sessionId: session.id, ip: ctx.ip, requestId: ctx.requestId };
  const event: SecurityEvent = { ...base, type: end.type, details: end.details };
  if (await deps.store.sessions.revoke(session.id, end.reason, now, event)) deps.audit.logged(event);
}

/** Absolute expiry is fixed at login; idle expiry counts from the last successful refresh. */
export function sessionExpiry(session: SessionRecord, now: Date, idleTtl: number): 'absolute' | 'idle' | undefined {
  if (session.expiresAt <= now) return 'absolute';
  if (addSeconds(session.lastUsedAt, idleTtl) <= now) return 'idle';
  return undefined;
}

async function revokeForReuse(deps: SessionDeps, token: PresentedToken, now: Date, ctx: RequestContext): Promise<void> {
  const newest = await deps.store.sessions.newestTokenId(token.session.id);
  const event = reuseEvent(token, newest, ctx, { usedAt: token.usedAt?.toISOString() ?? null });
  await deps.store.sessions.revoke(token.session.id, 'reuse_detected', now, event);
  deps.audit.logged(event);
}

function reuseEvent(
  token: PresentedToken,
  newestTokenId: string | null,
  ctx: RequestContext,
  details: Record<string, string | boolean | null>,
): SecurityEvent {
  return {
    type: 'refresh_reuse_detected',
    userId: token.session.userId,
    sessionId: token.session.id,
    ip: ctx.ip,
    requestId: ctx.requestId,
    // Token ids (row ids), never the tokens or their hashes.
    details: { presentedTokenId: token.id, newestTokenId, ...details },
  };
}

/** RFC 6749 §6: a refresh may narrow the scope its session was granted at login, never widen it. */
function scopeAboveSession(session: SessionRecord, requested: readonly string[] | undefined): AppError | undefined {
  try {
    grantScope({ held: [], requested, ceilings: [session.scope] });
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

async function issue(deps: SessionDeps, token: PresentedToken, grant: Grant, refreshToken: string, now: Date) {
  const { session } = token;
  const tokens = await issueForSession(deps, session, token.grants, grant);
  return {
    ...tokens,
    refreshToken,
    refreshMaxAge: refreshMaxAge(session.expiresAt, now, deps.config.refreshIdleTtl),
  };
}
