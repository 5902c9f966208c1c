import { inspect } from 'node:util';

/** Anything shaped like a JWT: three base64url segments, the first a JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./;

/** Every way a user shows an error: message, `String(err)`, JSON, stack, and what console.log prints (causes included). */
export function errorViews(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { value: inspect(error, { depth: 10 }) };
  return {
    message: error.message,
    string: String(error),
    json: JSON.stringify(error) ?? '',
    stack: error.stack ?? '',
    inspect: inspect(error, { depth: 10 }),
  };
}

/** The places among `views` that show a secret (as given or URL-encoded) or a JWT: `view: secret`. */
export function secretsShown(views: Readonly<Record<string, string>>, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const [view, text] of Object.entries(views)) {
    for (const secret of secrets) {
      if (text.includes(secret) || text.includes(encodeURIComponent(secret))) found.push(`${view}: ${secret}`);
    }
    if (JWT.test(text)) found.push(`${view}: a JWT`);
  }
  return found;
}
