import { errors, jwtVerify, type JWTPayload } from 'jose';
import { signHs256 } from '../../providers/signHs256.js';

/** Why Stream refused a token: its HTTP status, APIError code and message. */
export interface StreamAuthFailure {
  readonly status: 401 | 403;
  readonly code: number;
  readonly message: string;
}

/**
 * Signs a Stream server-side token the way the official Node SDK does: HS256
 * with the API secret, payload `{"server": true}`, no `iat` or `exp` (the
 * library adds both to its own; pass a payload for those).
 *
 * @example
 * ```ts
 * import { signStreamToken, startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const server = await startFakeProviderServer();
 * const { id } = server.tasks.create({ provider: 'stream', duration: 1000 });
 * const { apiKey, apiSecret } = server.credentials.stream;
 * const token = await signStreamToken(apiSecret);
 * await fetch(`${server.url}/api/v2/tasks/${id}?api_key=${apiKey}`, {
 *   headers: { Authorization: token, 'stream-auth-type': 'jwt' },
 * });
 * ```
 */
export function signStreamToken(apiSecret: string, payload: JWTPayload = { server: true }): Promise<string> {
  return signHs256(payload, apiSecret);
}

/**
 * Checks a request's Stream credentials headers: `stream-auth-type: jwt`, and
 * an `Authorization` header holding the raw token (no `Bearer `), HS256 with
 * `apiSecret`, whose payload has `server: true`. Time claims are judged at
 * `now` (the fake passes the wall clock, as Stream judges them). Resolves
 * `undefined` when all is well.
 */
export async function checkStreamToken(input: {
  readonly authorization: string | undefined;
  readonly authType: string | undefined;
  readonly apiSecret: string;
  readonly now: number;
}): Promise<StreamAuthFailure | undefined> {
  if (input.authType?.trim().toLowerCase() !== 'jwt') {
    return { status: 401, code: 5, message: 'JWTAuth error: the stream-auth-type header must be "jwt"' };
  }
  const token = input.authorization?.trim();
  if (token === undefined || token === '') return { status: 401, code: 5, message: 'JWTAuth error: the Authorization header is missing' };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, secretKey(input.apiSecret), { algorithms: ['HS256'], currentDate: new Date(input.now) }));
  } catch (error) {
    return failureOf(error);
  }
  if (typeof payload.iat === 'number' && payload.iat * 1000 > input.now) {
    return { status: 401, code: 42, message: 'JWTAuth error: token used before issue at (iat)' };
  }
  if (payload.server !== true) return { status: 403, code: 17, message: 'GetTask failed: only server-side tokens may call this endpoint' };
  return undefined;
}

function failureOf(error: unknown): StreamAuthFailure {
  if (error instanceof errors.JWSSignatureVerificationFailed) return { status: 401, code: 43, message: 'signature is invalid' };
  if (error instanceof errors.JWTExpired) return { status: 401, code: 40, message: 'JWTAuth error: token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return { status: 401, code: 41, message: 'JWTAuth error: token is not valid yet' };
  }
  return { status: 401, code: 5, message: 'JWTAuth error: the token is not a valid HS256 JWT' };
}

function secretKey(apiSecret: string): Uint8Array {
  return new TextEncoder().encode(apiSecret);
}
