import { invalidRequest } from '../errors.js';
import type { SessionDeps } from '../sessions/deps.js';
import type { UserListPosition, UserSummary } from '../store/users.js';

// GET /admin/users?limit=&cursor=: keyset pagination in a stable order (creation time, then
// id), so a page never repeats or skips a user when others are created or deleted meanwhile.
// The cursor is opaque to clients: base64url of the last user's position.

export const USER_PAGE_DEFAULT = 50;
export const USER_PAGE_MAX = 100;

export async function listUsers(
  deps: Pick<SessionDeps, 'store'>,
  input: { limit: number; cursor?: string },
): Promise<{ users: UserSummary[]; nextCursor: string | null }> {
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  // One more than asked: whether it exists says whether there is a next page.
  const page = await deps.store.users.listPage({ after, limit: input.limit + 1 });
  const users = page.slice(0, input.limit);
  const last = users.at(-1);
  return { users, nextCursor: page.length > input.limit && last ? encodeCursor(last) : null };
}

function encodeCursor(position: UserListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id])).toString('base64url');
}

function decodeCursor(cursor: string): UserListPosition {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(time) && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) {
      return { createdAt: new Date(time as number), id };
    }
  } catch {
    // not ours
  }
  throw invalidRequest('cursor: is not a cursor this server issued');
}
