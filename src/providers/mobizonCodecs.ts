import * as t from 'io-ts';
import { lenient, LooseNumber } from './codecs.js';

/** Every Mobizon answer: `code` 0 is success, anything else an error; the HTTP status says nothing. */
export const MobizonEnvelope = /*#__PURE__*/ t.intersection([t.type({ code: LooseNumber }), lenient({ data: t.unknown, message: t.string })]);
export type MobizonEnvelope = t.TypeOf<typeof MobizonEnvelope>;

/**
 * `data` of a successful Taskqueue/GetStatus: progress 0–100; status 0
 * waiting, 1 running, 2 done, 3 rejected. Only `status` is needed: a missing
 * or odd `progress` leaves the state without one.
 */
export const MobizonTaskStatus = /*#__PURE__*/ t.intersection([t.type({ status: LooseNumber }), lenient({ progress: LooseNumber })]);
export type MobizonTaskStatus = t.TypeOf<typeof MobizonTaskStatus>;

/** Mobizon's documented API codes (the `code` of the envelope). */
export const MOBIZON_CODES = {
  ok: 0,
  validation: 1,
  notFound: 2,
  applicationError: 3,
  badModule: 4,
  badMethod: 5,
  badFormat: 6,
  badApiKey: 8,
  noAccess: 9,
  saveError: 10,
  missingParameter: 11,
  parameterRestricted: 12,
  wrongDomain: 13,
  accountBlocked: 14,
  operationError: 15,
  rateLimited: 30,
  partialSuccess: 98,
  nothingProcessed: 99,
  backgroundAccepted: 100,
  generalError: 999,
} as const;
