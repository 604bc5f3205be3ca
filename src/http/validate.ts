import { z } from 'zod';
import { invalidRequest } from '../errors.js';

/** Parses input at the edge; the first problem becomes `invalid_request` naming the field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, what = 'body'): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw invalidRequest(`${what} is invalid`);
  if (issue.code === 'unrecognized_keys') throw invalidRequest(`${issue.keys.join(', ')}: not an accepted field`);
  const field = issue.path.length ? issue.path.join('.') : what;
  // zod 4 leaves `issue.input` out (good: no password in an error object), so look the field up.
  if (issue.code === 'invalid_type' && !isPresent(input, issue.path)) throw invalidRequest(`${field}: is required`);
  return ((): never => {
    throw invalidRequest(`${field}: ${issue.message}`);
  })();
}

function isPresent(input: unknown, path: readonly PropertyKey[]): boolean {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return false;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value !== undefined;
}

// Contract: emails trimmed, lower-cased, at most 254 characters.
export const emailSchema = z
  .string({ message: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ message: 'must be an email address' }));

// Length is checked after NFKC by passwords/policy.ts; here only a hard cap on input size.
export const passwordSchema = z.string({ message: 'must be a string' }).min(1, 'is required').max(1024, 'is too long');

/** Exactly {email, password}: unknown keys (including __proto__, constructor) are refused. */
export const credentialsSchema = z.strictObject(
  { email: emailSchema, password: passwordSchema },
  { message: 'must be a JSON object' },
);
