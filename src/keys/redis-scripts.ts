/**
 * Lua scripts for the Redis pool store. Each runs atomically in Redis, so concurrent gateway instances never
 * pick from, or update, a half-written pool. The rules mirror `applyOutcome` and `MemoryPoolStore.select`.
 *
 * A key's state hash holds: f (failures), inv (invalid since, ms; 0 = valid), cool (cooling until, ms; 0 = not),
 * calls, used (last use, ms), st (last status), err (last error), up (updated at, ms), and `cool:<model>` (cooling
 * for that model only until, ms) for each model the key rests for. A per-model field is deleted when a selection
 * for its model finds it ended, when another per-model rest is recorded after it ended, and on a reset.
 */

/** A Lua function: deletes the key's `cool:<model>` fields that ended by `endedBy` (all of them when nil). */
const DROP_MODEL_RESTS = `
local function dropModelRests(key, endedBy)
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 5) == 'cool:' and (endedBy == nil or tonumber(fields[i + 1]) <= endedBy) then
      redis.call('HDEL', key, fields[i])
    end
  end
end
`;

/**
 * KEYS: members, cursor. ARGV: now, state key prefix, model ('' for none), excluded ids… → {'ok', id, failures} or
 * {'none', …counts}. With a model, a key resting for it counts as cooling until the later of its two rests.
 */
export const SELECT_KEY = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local count = #ids
local now = tonumber(ARGV[1])
local fields = {'inv', 'cool', 'f'}
local modelField = false
if ARGV[3] ~= '' then
  modelField = 'cool:' .. ARGV[3]
  fields[4] = modelField
end
local excluded = {}
for i = 4, #ARGV do excluded[ARGV[i]] = true end
local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
if last >= count then last = -1 end
local invalid, cooling, soonest = 0, 0, -1
for step = 1, count do
  local position = (last + step) % count
  local id = ids[position + 1]
  local stateKey = ARGV[2] .. id
  local state = redis.call('HMGET', stateKey, unpack(fields))
  local inv = tonumber(state[1] or '0')
  local cool = tonumber(state[2] or '0')
  if modelField and state[4] then
    local modelCool = tonumber(state[4])
    if modelCool <= now then
      redis.call('HDEL', stateKey, modelField)
    elseif modelCool > cool then
      cool = modelCool
    end
  end
  if inv > 0 then
    invalid = invalid + 1
  elseif cool > now then
    cooling = cooling + 1
    if soonest < 0 or cool < soonest then soonest = cool end
  elseif not excluded[id] then
    redis.call('SET', KEYS[2], position)
    redis.call('HINCRBY', stateKey, 'calls', 1)
    redis.call('HSET', stateKey, 'used', now)
    return {'ok', id, state[3] or '0'}
  end
end
return {'none', tostring(count), tostring(invalid), tostring(cooling), tostring(soonest)}
`;

/**
 * KEYS: state. ARGV: kind, now, status, error, maxFailures, restMs or until, model ('' for none). → 1 when it
 * retired a key that was not retired before, else 0.
 */
export const RECORD_OUTCOME = `${DROP_MODEL_RESTS}
local kind = ARGV[1]
local now = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'up', now)
if kind == 'success' then
  redis.call('HSET', KEYS[1], 'f', 0, 'st', 200)
  return 0
end
redis.call('HSET', KEYS[1], 'st', ARGV[3], 'err', ARGV[4])
if kind == 'cooldown' then
  if ARGV[7] == '' then
    redis.call('HSET', KEYS[1], 'cool', ARGV[6])
  else
    dropModelRests(KEYS[1], now)
    redis.call('HSET', KEYS[1], 'cool:' .. ARGV[7], ARGV[6])
  end
  return 0
end
local failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
if failures < tonumber(ARGV[5]) then return 0 end
if kind ~= 'rejected' then
  redis.call('HSET', KEYS[1], 'cool', now + tonumber(ARGV[6]))
  return 0
end
local before = tonumber(redis.call('HGET', KEYS[1], 'inv') or '0')
redis.call('HSET', KEYS[1], 'inv', now)
if before > 0 then return 0 end
return 1
`;

/** KEYS: members, seq, removed. ARGV: ids in order. Adds the ones not yet members and not removed. */
export const REGISTER_IDS = `
for i = 1, #ARGV do
  local id = ARGV[i]
  if redis.call('SISMEMBER', KEYS[3], id) == 0 and not redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), id)
  end
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/** KEYS: members, seq, removed, secrets. ARGV: id, secret, id, secret… */
export const ADD_KEYS = `
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  redis.call('SREM', KEYS[3], id)
  redis.call('HSET', KEYS[4], id, ARGV[i + 1])
  if not redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), id)
  end
end
return 1
`;

/** KEYS: members, removed, secrets. ARGV: state key prefix, ids… */
export const REMOVE_KEYS = `
for i = 2, #ARGV do
  local id = ARGV[i]
  redis.call('ZREM', KEYS[1], id)
  redis.call('SADD', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('DEL', ARGV[1] .. id)
end
return 1
`;

/** KEYS: members. ARGV: state key prefix, now, ids… Makes member keys usable again, for every model. */
export const RESET_KEYS = `${DROP_MODEL_RESTS}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], id) then
    redis.call('HSET', ARGV[1] .. id, 'f', 0, 'inv', 0, 'cool', 0, 'up', ARGV[2])
    dropModelRests(ARGV[1] .. id, nil)
  end
end
return 1
`;

/**
 * KEYS: state. ARGV: up, f, inv, cool, calls, used, st, err, then model, until, model, until… Writes the copy
 * (its per-model rests replacing the ones held) only if it is newer.
 */
export const MERGE_STATE = `${DROP_MODEL_RESTS}
local current = tonumber(redis.call('HGET', KEYS[1], 'up') or '0')
if tonumber(ARGV[1]) <= current then return 0 end
redis.call('HSET', KEYS[1], 'up', ARGV[1], 'f', ARGV[2], 'inv', ARGV[3], 'cool', ARGV[4], 'calls', ARGV[5], 'used', ARGV[6], 'st', ARGV[7], 'err', ARGV[8])
dropModelRests(KEYS[1], nil)
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[1], 'cool:' .. ARGV[i], ARGV[i + 1]) end
return 1
`;

/** KEYS: lock. ARGV: holder. Deletes the lock only if this holder has it. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
