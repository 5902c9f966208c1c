/**
 * A fake account far roomier than the real 300 requests a minute, for tests
 * and benchmark rows about something other than pacing (coordination, a hub,
 * the client's load): the fake keeps, and advertises, Postman's and Stream's
 * limit unless told otherwise, and a source heeding those headers would pace
 * itself to it. Said where it is used, rather than assumed.
 */
export const ROOMY_ACCOUNT = { limit: 1_000_000, windowSeconds: 60 } as const;
