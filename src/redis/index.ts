/**
 * One request budget and one poll per task for every process of an account,
 * on Redis (Node only): pass `redisBudget(...)` to any source as `budget`
 * and `redisCoordination(...)` as `coordination`. Works with node-redis
 * (`redis` 5 or 6) and ioredis (5 or 6), standalone or cluster; this package
 * depends on neither. See docs/scaling.md.
 *
 * @module rx-task-status/redis
 */
export { redisBudget, type RedisBudgetOptions } from './redisBudget.js';
export { redisCoordination, type RedisCoordinationOptions } from './redisCoordination.js';
