// Small helpers shared by the HTTP integration tests.

/** `$argon2id$v=19$m=…,p=…,t=…$salt$hash` (PHC string format) → its parameters; throws for anything else. */
export function argon2Params(phc: string): Record<'m' | 't' | 'p', number> {
  const match = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/.exec(phc);
  if (!match) throw new Error(`not an argon2id PHC string: ${phc.slice(0, 12)}…`);
  const params = Object.fromEntries(match[1]!.split(',').map((kv) => [kv[0], Number(kv.slice(2))]));
  return { m: params.m, t: params.t, p: params.p };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
