// Answers a hostile provider (or a proxy or gateway in its place) might send,
// as `custom-response` faults of the fake provider server: one builder per
// kind of attack, in each provider's own error or state format, so that the
// attack reaches the code that reads that provider. Shared by the fault
// matrix (faultMatrix.ts) and the hostile-provider spec.
import type { Fault, ProviderName } from '../../src/testing/index.js';

const KB = 1024;

/**
 * Provider text that made the old JWT pattern rescan to the end of the text
 * from every `eyJ`: quadratic, 8 s at 100 KB. Just under 900 KB, so that with
 * its envelope the body stays under the 1 MiB cap and is read whole.
 */
export const REGEX_BOMB = 'eyJ'.repeat((900 * KB) / 3);

/**
 * Every other shape a credential pattern could trip on, a few hundred KB of
 * each: a header name followed by spaces and no colon, parameter names with no
 * end, JWT-like runs with one dot.
 */
export const PATTERN_BOMBS: Readonly<Record<string, string>> = {
  'eyJ repeated': 'eyJ'.repeat((300 * KB) / 3),
  'header names and spaces': `${'authorization'}${' '.repeat(20)}`.repeat((300 * KB) / 33),
  'query keys with long values': `&apikey=${'a'.repeat(500)}`.repeat((300 * KB) / 508),
  'JWT-like runs': `eyJ${'a'.repeat(200)}.${'b'.repeat(200)}`.repeat((300 * KB) / 404),
  'one long token': 'a'.repeat(300 * KB),
};

/**
 * Escape sequences a terminal obeys (window title, clear screen, a fake green
 * "all good", cursor moves), a newline that forges a log line, a bidi override
 * that reverses what follows, and C1 controls.
 */
export const TERMINAL_ATTACK =
  '\u001b]0;pwned\u0007\u001b[2J\u001b[H\u001b[32mAll tasks completed OK\u001b[0m\nINFO forged log line \u202egnp.exe\u202c \u009b31m \u0085 \u2028';

/** A JSON text nested `depth` levels deep (arrays), 2 characters a level. */
export function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** `count` empty objects in an array: about 3 bytes of body each, some 60 bytes of heap each once parsed. */
export function manyObjects(count: number): string {
  return `[${new Array<string>(count).fill('{}').join(',')}]`;
}

/**
 * An error answer in the provider's own format, with `text` where that
 * provider puts its words: Stream's `message` (HTTP 400), Mobizon's envelope
 * `message` (HTTP 200, code 1), Postman's problem `detail` (HTTP 400).
 */
export function errorWithText(provider: ProviderName, text: string): Fault {
  switch (provider) {
    case 'stream':
      return custom(400, `{"code":4,"message":${JSON.stringify(text)},"StatusCode":400,"duration":"0.01ms","more_info":"","details":[]}`);
    case 'mobizon':
      return custom(200, `{"code":1,"data":"","message":${JSON.stringify(text)}}`);
    case 'postman':
      return custom(400, `{"type":"https://api.postman.com/problems/bad-request","title":"Bad Request","status":400,"detail":${JSON.stringify(text)}}`);
  }
}

/** An error answer whose body holds `json` (any JSON text) in a field of its own. */
export function errorWithData(provider: ProviderName, json: string): Fault {
  switch (provider) {
    case 'stream':
      return custom(400, `{"code":4,"message":"bad request","StatusCode":400,"duration":"0.01ms","more_info":"","details":[],"exception_fields":${json}}`);
    case 'mobizon':
      return custom(200, `{"code":1,"data":${json},"message":"validation error"}`);
    case 'postman':
      return custom(400, `{"type":"https://api.postman.com/problems/bad-request","title":"Bad Request","status":400,"detail":"bad request","extra":${json}}`);
  }
}

/** A good, non-terminal state answer of the provider, carrying `json` in an extra field (or, for Mobizon, in `data`). */
export function runningStateWithData(provider: ProviderName, json: string): Fault {
  switch (provider) {
    case 'stream':
      return custom(200, `{"task_id":"t","status":"running","created_at":1765621515856428000,"updated_at":1765621516000000000,"duration":"0.5ms","padding":${json}}`);
    case 'mobizon':
      return custom(200, `{"code":0,"data":{"status":1,"progress":50,"padding":${json}},"message":""}`);
    case 'postman':
      return custom(200, `{"id":"t","status":"in-progress","padding":${json}}`);
  }
}

/** A redirect to `location`, as a hijacked host or a rogue gateway would answer. */
export function redirectTo(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): Fault {
  return { kind: 'custom-response', status, body: '', contentType: 'text/plain', headers: { Location: location } };
}

function custom(status: number, body: string): Fault {
  return { kind: 'custom-response', status, body };
}
