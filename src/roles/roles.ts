import { invalidRequest, notFound } from '../errors.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import type { RoleRecord } from '../store/roles.js';
import type { Grants } from '../store/sessions.js';
import { assertTokenFits } from '../tokens/token-size.js';

// Roles: named sets of permissions, assigned to users. Tokens carry them as `roles` and
// `scope` (RFC 9068 §2.2.3, §2.2.3.1) from the next login or refresh on; tokens already
// issued are never rewritten. Names are values of those two claims, never claim names.

type Deps = Pick<SessionDeps, 'store' | 'audit' | 'clock' | 'config'>;

/** Letters, digits and `_ . : -`, starting with a letter or digit; at most 64 characters. */
export const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Creates or replaces a role; refused (nothing written) when a holder's token would exceed 4 KiB. */
export async function setRole(
  deps: Deps,
  input: { name: string; permissions: string[]; description: string | null },
  ctx: RequestContext,
): Promise<{ created: boolean; role: RoleRecord }> {
  const event = {
    type: 'admin_role_set' as const,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { role: input.name, permissions: input.permissions.length },
  };
  const permissions = [...new Set(input.permissions)].sort();
  const result = await deps.store.roles.put(
    { ...input, permissions },
    (after) => after.forEach((grants) => fits(deps, grants, `role ${input.name}`)),
    deps.clock.now(),
    event,
  );
  deps.audit.logged(event);
  return result;
}

export async function deleteRole(deps: Deps, name: string, ctx: RequestContext): Promise<void> {
  const event = { type: 'admin_role_deleted' as const, ip: ctx.ip, requestId: ctx.requestId, details: { role: name } };
  if (!(await deps.store.roles.delete(name, deps.clock.now(), event))) throw notFound(`no role named ${name}`);
  deps.audit.logged(event);
}

/** Replaces a user's roles. An unknown role is 400 naming it; nothing is written then. */
export async function assignRoles(deps: Deps, userId: string, roles: string[], ctx: RequestContext): Promise<Grants> {
  const unique = [...new Set(roles)];
  const event = {
    type: 'admin_user_roles_set' as const,
    userId,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { roles: unique.join(' ') },
  };
  const result = await deps.store.roles.setUserRoles(
    userId,
    unique,
    (after) => fits(deps, after, 'these roles'),
    deps.clock.now(),
    event,
  );
  if (result.outcome === 'no_user') throw notFound(`no user with id ${userId}`);
  if (result.outcome === 'unknown_roles') {
    throw invalidRequest(`roles: unknown role${result.unknown.length > 1 ? 's' : ''} ${result.unknown.join(', ')}`);
  }
  deps.audit.logged(event);
  return result.grants;
}

function fits(deps: Deps, grants: Grants, what: string): void {
  assertTokenFits(deps.config, { roles: grants.roles, scope: grants.permissions }, what);
}
