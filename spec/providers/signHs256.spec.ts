import { createHmac } from 'node:crypto';
import { decodeProtectedHeader, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { signHs256 } from '../../src/providers/signHs256';

const SECRET = 'k'.repeat(40) + 'é/+?'; // not ASCII only, and bytes that base64 spells with + and /

describe('signHs256', () => {
  it('makes the token jose makes for the same header and payload, byte for byte', async () => {
    const payload = { server: true, iat: 1_700_000_000, exp: 1_700_003_600 };
    const ours = await signHs256(payload, SECRET);
    const jose = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(SECRET));
    expect(ours).toBe(jose);
  });

  it('signs with HMAC-SHA256 over header.payload, in unpadded base64url, as node:crypto computes it', async () => {
    // Payloads whose base64 has padding and the characters base64url replaces.
    for (const payload of [{ server: true }, { s: '>>>???~~~' }, { n: 1 }, {}]) {
      const token = await signHs256(payload, SECRET);
      const [header, body, signature] = token.split('.');
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'))).toEqual(payload);
      expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8'))).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(signature).toBe(createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url'));
    }
  });

  it('makes a token that verifies with the secret and not with another', async () => {
    const token = await signHs256({ server: true }, SECRET);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({ server: true });
    await expect(jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] })).resolves.toEqual(expect.objectContaining({ payload: { server: true } }));
    await expect(jwtVerify(token, new TextEncoder().encode(`${SECRET}x`), { algorithms: ['HS256'] })).rejects.toThrow('signature verification failed');
  });
});
