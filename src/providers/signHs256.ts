/**
 * Signs a JSON Web Token with HS256 (RFC 7515 compact form, RFC 7518 §3.2)
 * on WebCrypto, which Node 20+, browsers and workers all have.
 *
 * Stream's server token is the only token the library makes: one header, one
 * algorithm, no verification. jose did it before, and put 5 KB (gzipped) of
 * key handling and algorithms into every browser bundle that imported
 * streamTasks, tokens signed or not; this file is 0.3 KB of it.
 */
export async function signHs256(payload: Readonly<Record<string, unknown>>, secret: string): Promise<string> {
  const encoder = new TextEncoder();
  const signingInput = `${base64Url(encoder.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })))}.${base64Url(encoder.encode(JSON.stringify(payload)))}`;
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(signingInput));
  return `${signingInput}.${base64Url(new Uint8Array(signature))}`;
}

/** base64url without padding (RFC 7515 §2), of bytes. */
function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
