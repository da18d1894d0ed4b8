/**
 * Lua scripts for the Redis limit store. Each runs atomically, so two gateway instances can never both take the
 * last request of a budget. The rules mirror `MemoryLimitStore`.
 *
 * A client key's keys (all sharing the hash tag `{keyId}`): one hash per minute, day and month window and one for
 * all time, each with fields r (requests), t (tokens) and c (cost, nano-dollars); `inflight`, a sorted set of
 * tickets scored by the time (ms) they go stale; `reserved`, a hash of the nano-dollars each ticket in flight
 * reserved of the dollar budgets; `windows`, a sorted set of the window keys that exist, scored by when they
 * expire (ms), so `forget` finds them without scanning. Window keys expire on their own; the others have no TTL.
 *
 * Admit and settle take the same KEYS: minute, day, month, total, inflight, windows, reserved.
 */

/** Window key TTLs in seconds, set when a window key is created: minute, day, month. */
const WINDOW_TTLS = '{180, 172800, 5356800}';

/** Adds `amount` to `field` of the window and total hashes; a new window key gets its TTL and is listed. */
const ADD_TO_COUNTERS = `
local function addToCounters(field, amount, now)
  local ttls = ${WINDOW_TTLS}
  for i = 1, 3 do
    redis.call('HINCRBY', KEYS[i], field, amount)
    if redis.call('EXPIRE', KEYS[i], ttls[i], 'NX') == 1 then
      redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. now)
      redis.call('ZADD', KEYS[6], now + ttls[i] * 1000, KEYS[i])
    end
  end
  redis.call('HINCRBY', KEYS[4], field, amount)
end
`;

/** Drops the tickets gone stale by `now` and their reservations; → the nano-dollars the rest reserve. */
const RESERVED_IN_FLIGHT = `
local function reservedInFlight(now)
  local stale = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', '(' .. now)
  if #stale > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. now)
    redis.call('HDEL', KEYS[7], unpack(stale))
  end
  local sum = 0
  for _, amount in ipairs(redis.call('HVALS', KEYS[7])) do sum = sum + tonumber(amount) end
  return sum
end
`;

/**
 * ARGV: now (ms), deadline (ms), ticket, reserve (nano-dollars), then for each limit to check, in order: the KEYS
 * position holding its counter, the hash field ('' = the number of tickets in flight), the allowed amount, and
 * 1 for a dollar budget (checked as spent + reserved + reserve) else 0. Drops stale tickets first.
 * → 0 when admitted (the request is counted, the ticket is in flight with its reservation), else {n, used}: the
 * n-th limit given was reached.
 */
export const ADMIT = `${ADD_TO_COUNTERS}${RESERVED_IN_FLIGHT}
local reserved = reservedInFlight(tonumber(ARGV[1]))
local reserve = tonumber(ARGV[4])
for i = 5, #ARGV, 4 do
  local counter = KEYS[tonumber(ARGV[i])]
  local allowed = tonumber(ARGV[i + 2])
  local used
  if ARGV[i + 1] == '' then
    used = redis.call('ZCARD', counter)
  else
    used = tonumber(redis.call('HGET', counter, ARGV[i + 1]) or '0')
  end
  if ARGV[i + 3] == '1' then
    used = used + reserved
    if used >= allowed or used + reserve > allowed then return {(i - 1) / 4, used} end
  elseif used >= allowed then return {(i - 1) / 4, used} end
end
addToCounters('r', 1, tonumber(ARGV[1]))
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[3])
if reserve > 0 then redis.call('HSET', KEYS[7], ARGV[3], reserve) end
return 0
`;

/** ARGV: now (ms), ticket, tokens, cost. Ends the ticket's flight and reservation (known or not) and counts the tokens and cost. → 0. */
export const SETTLE = `${ADD_TO_COUNTERS}
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('HDEL', KEYS[7], ARGV[2])
local tokens = tonumber(ARGV[3])
if tokens > 0 then addToCounters('t', tokens, tonumber(ARGV[1])) end
local cost = tonumber(ARGV[4])
if cost > 0 then addToCounters('c', cost, tonumber(ARGV[1])) end
return 0
`;

/**
 * KEYS: minute, day, month, total, inflight, windows, reserved (as admit). ARGV: now (ms). → {requests, tokens,
 * cost} of each window and the total, then the number of tickets not yet stale and the nano-dollars they reserve.
 */
export const COUNTERS = `
local reply = {}
for i = 1, 4 do
  local counts = redis.call('HMGET', KEYS[i], 'r', 't', 'c')
  reply[#reply + 1] = tonumber(counts[1] or '0')
  reply[#reply + 1] = tonumber(counts[2] or '0')
  reply[#reply + 1] = tonumber(counts[3] or '0')
end
reply[#reply + 1] = redis.call('ZCOUNT', KEYS[5], ARGV[1], '+inf')
local sum = 0
for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], ARGV[1], '+inf')) do
  sum = sum + tonumber(redis.call('HGET', KEYS[7], ticket) or '0')
end
reply[#reply + 1] = sum
return reply
`;

/** KEYS: total, inflight, windows, reserved. Deletes them and every window key listed. → 1. */
export const FORGET = `
for _, key in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
`;
