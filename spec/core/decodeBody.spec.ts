import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { MAX_BODY_DEPTH, parseJsonBody } from '../../src/core/decodeBody.js';
import type { HttpResponse } from '../../src/core/http.js';

function response(body: string, status = 200): HttpResponse {
  return { status, body, headers: { get: () => null }, hints: {} };
}

describe('parseJsonBody', () => {
  it(`parses a body nested ${MAX_BODY_DEPTH} levels deep, and refuses one a level deeper with a DecodeError, before JSON.parse`, () => {
    const deep = (depth: number) => `${'{"a":'.repeat(depth - 1)}[]${'}'.repeat(depth - 1)}`;
    expect(isRight(parseJsonBody(response(deep(MAX_BODY_DEPTH)), 'x'))).toBe(true);
    const refused = parseJsonBody(response(deep(MAX_BODY_DEPTH + 1), 400), 'Acme task 1');
    expect(isLeft(refused) && refused.left.message).toBe(`Acme task 1: the body of HTTP 400 is nested deeper than ${MAX_BODY_DEPTH} levels`);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = `{"text":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`;
    expect(parseJsonBody(response(inString), 'x')).toEqual({ _tag: 'Right', right: { text: `${'['.repeat(500)}"${'{'.repeat(500)}` } });
  });

  it('quotes the start of a body that is not JSON, without cutting a key in two', () => {
    const key = 'PMAK-61d4e9b0f2a7c3e8';
    const outcome = parseJsonBody(response(`<html>${'x'.repeat(110)}${key} and more</html>`, 502), 'Acme task 1');
    expect(isLeft(outcome) && outcome.left.message).toContain(`${key}…"`);
  });
});
