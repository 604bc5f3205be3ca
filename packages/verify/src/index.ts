export { type AccessTokenClaims, DEFAULT_ALGORITHMS, type Verifier, type VerifierOptions, createVerifier } from './verifier.js';
export type { AuthenticatedRequest, RequestHandler, RequireAuthOptions } from './middleware.js';
export {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  IssuerUnavailableError,
  VerifyError,
  type VerifyErrorCode,
} from './errors.js';
export { type StatusBits, decodeStatusList, statusAt } from './status-list.js';
