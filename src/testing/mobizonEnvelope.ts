import { jsonResponse, type WireResponse } from './wireResponse.js';

/** Mobizon's result codes, with the messages the fake server sends for them. */
export const MOBIZON_MESSAGES: Readonly<Record<number, string>> = {
  0: '',
  1: 'Validation error',
  2: 'Task not found',
  3: 'Unknown application error',
  4: 'Unknown module',
  5: 'Unknown method',
  6: 'Unsupported format',
  8: 'Invalid API key',
  9: 'No access to the method',
  10: 'Error saving data',
  11: 'Required parameter missing',
  12: 'Parameter violates a restriction',
  13: 'Use another API domain',
  14: 'Account blocked or deleted',
  15: 'Operation error',
  30: 'Too many requests',
  98: 'Partially successful',
  99: 'Nothing processed',
  100: 'Accepted for background processing',
  999: 'General error',
};

/**
 * Mobizon's envelope `{code, data, message}`. Errors come with HTTP 200 too:
 * clients must branch on `code`.
 */
export function mobizonEnvelope(code: number, data: unknown = '', message: string = MOBIZON_MESSAGES[code] ?? 'Error', status = 200): WireResponse {
  return jsonResponse(status, { code, data, message }, { providerCode: code });
}
