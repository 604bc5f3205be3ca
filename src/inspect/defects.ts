// What can be wrong with an access token, in the words the inspector page and
// `latchkey token inspect` both print (one function, so the two can never disagree).
// Runs in Node and in the browser.

export type DefectCode =
  | 'malformed'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_typ'
  | 'wrong_iss'
  | 'wrong_aud'
  | 'missing_claim'
  | 'revoked'
  | 'status_unavailable';

export interface Defect {
  code: DefectCode;
  /** One line a developer understands: what is wrong and with which value. */
  message: string;
}

const json = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value));

/** Builders for each defect: the only place their words are written. */
export const defect = {
  malformed: (detail: string): Defect => ({ code: 'malformed', message: `malformed token: ${detail}` }),
  algNotAllowed: (alg: unknown, allowed: readonly string[]): Defect => ({
    code: 'alg_not_allowed',
    message: `alg not allowed: ${json(alg)} (allowed: ${allowed.join(', ')})`,
  }),
  algNotKeys: (alg: string, kid: string, keyAlg: string): Defect => ({
    code: 'alg_not_allowed',
    message: `alg not allowed: ${json(alg)} for key ${kid}, which is ${keyAlg}`,
  }),
  noKid: (): Defect => ({ code: 'unknown_kid', message: 'unknown or revoked kid: the header has no kid' }),
  unknownKid: (kid: string, jwksUrl: string): Defect => ({
    code: 'unknown_kid',
    message: `unknown or revoked kid ${kid}: not in ${jwksUrl}`,
  }),
  badSignature: (kid: string): Defect => ({
    code: 'bad_signature',
    message: `bad signature: key ${kid} did not sign this token`,
  }),
  expired: (ago: string, exp: string): Defect => ({ code: 'expired', message: `expired ${ago} ago (exp ${exp})` }),
  notYetValid: (claim: 'nbf' | 'iat', date: string, away: string): Defect => ({
    code: 'not_yet_valid',
    message: `not yet valid: ${claim} ${date} is ${away} away`,
  }),
  wrongTyp: (typ: unknown, expected: string): Defect => ({
    code: 'wrong_typ',
    message: `wrong typ: ${json(typ)} (expected "${expected}")`,
  }),
  wrongIss: (iss: unknown, expected: string): Defect => ({
    code: 'wrong_iss',
    message: `wrong iss: ${json(iss)} (expected "${expected}")`,
  }),
  wrongAud: (aud: unknown, expected: string): Defect => ({
    code: 'wrong_aud',
    message: `wrong aud: ${json(aud)} (expected "${expected}")`,
  }),
  missingClaim: (claim: string): Defect => ({ code: 'missing_claim', message: `missing claim: ${claim}` }),
  /** draft-ietf-oauth-status-list-21 §7.1: 0x01 INVALID (revoked), 0x02 SUSPENDED, others application-specific. */
  revoked: (status: number, idx: number, uri: string): Defect => ({
    code: 'revoked',
    message: `${status === 1 ? 'revoked' : status === 2 ? 'suspended' : `status 0x${status.toString(16).padStart(2, '0')}`} in its status list (index ${idx} of ${uri})`,
  }),
  statusUnavailable: (why: string): Defect => ({
    code: 'status_unavailable',
    message: `status unknown: ${why}`,
  }),
};
