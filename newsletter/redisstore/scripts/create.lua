-- create: store a new subscriber unless the address is already known; for
-- a signup (ARGV[11] = '1'), apply the signup rules to a known address in
-- the same step, so that every signup is one round trip doing the same
-- kind of work whoever the address belongs to.
--
-- KEYS[1] the address's email index bucket (hash email -> id)
-- KEYS[2] the subscriber hash
-- KEYS[3] the status set to join (zset id -> time)
-- KEYS[4] the lane of the queue its job goes in (zset job id -> due ms):
--         the urgent lane for a confirmation, the queue for a drip step
-- KEYS[5] a rate-limit counter (rl:<key>:<window>), read only when ARGV[6] > 0
-- KEYS[6] consent wordings (hash version -> exact text)
-- KEYS[7] signups per quarter hour (hash slot -> count)
-- KEYS[8] the suppression list (hash address -> "<ms>|<status>|<reason>"),
-- KEYS[9] the bounced set, KEYS[10] the complained set
-- KEYS[11] the unsubscribed set, KEYS[12] the queue of drip steps (signups)
-- ARGV[1] email, ARGV[2] new id, ARGV[3] job id to queue ("" for none),
-- ARGV[4] its due time (ms), ARGV[5] created (ms),
-- ARGV[6] most requests in the counter's window (0: no limit),
-- ARGV[7] the counter's time to live (s),
-- ARGV[8] consent version ("" for none), ARGV[9] its exact wording,
-- ARGV[10] the quarter hour of ARGV[5] (field of KEYS[7]),
-- ARGV[11] '1' for a signup, '' otherwise (an import),
-- ARGV[12] the prefix of subscriber hashes (<prefix>sub:),
-- ARGV[13] least time between two confirmation mails (ms),
-- ARGV[14] most confirmation mails to one pending address,
-- ARGV[15] how many field/value pairs follow for a returning subscriber (n),
-- ARGV[16..15+2n] those pairs,
-- ARGV[16+2n..] field/value pairs of a new subscriber's hash.
--
-- The limit counts this request first, known address or not, as
-- Store.Hit does: a signup is one round trip. The counter's time to live
-- is set when the window's first request creates it.
--
-- An address on the suppression list is stored in the status it has
-- there (bounced or complained, with its reason) instead, and no job is
-- queued: it gets no mail.
--
-- A signup of a known address, by its status:
--   pending:      the confirmation is queued again unless one was queued
--                 within ARGV[13], or ARGV[14] were queued in all (field
--                 'cn' counts them; absent: 1) -> 'resent' or 'throttled'
--   confirmed:    nothing -> 'already'
--   unsubscribed: back to pending with the new consent and a confirmation
--                 (unless one was queued within ARGV[13]) -> 'returned'
--                 or 'throttled'; on the suppression list: 'suppressed'
--   any other (bounced, complained): nothing, no mail -> 'suppressed'
--
-- Returns {1, id} when created, {0, existing id} when the address is known
-- (an import), {0, existing id, outcome} for a signup of a known address,
-- {-1, count} when the limit refused it (nothing stored).
if tonumber(ARGV[6]) > 0 then
  local n = redis.call('INCR', KEYS[5])
  if n == 1 then
    redis.call('EXPIRE', KEYS[5], ARGV[7])
  end
  if n > tonumber(ARGV[6]) then
    return {-1, tostring(n)}
  end
end
local returning = tonumber(ARGV[15])
local fields = 16 + 2 * returning
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  if ARGV[11] ~= '1' then
    return {0, existing}
  end
  local sub = ARGV[12] .. existing
  local v = redis.call('HMGET', sub, 's', 'cm', 'cn')
  local now = tonumber(ARGV[5])
  local recent = now - tonumber(v[2] or '0') < tonumber(ARGV[13])
  local confirm = 'confirm:' .. existing
  if v[1] == 'pending' then
    local sent = tonumber(v[3] or '1')
    if recent or sent >= tonumber(ARGV[14]) then
      return {0, existing, 'throttled'}
    end
    redis.call('HSET', sub, 'cm', ARGV[5], 'cn', tostring(sent + 1))
    redis.call('ZADD', KEYS[4], ARGV[5], confirm)
    return {0, existing, 'resent'}
  elseif v[1] == 'confirmed' then
    return {0, existing, 'already'}
  elseif v[1] == 'unsubscribed' and not redis.call('HGET', KEYS[8], ARGV[1]) then
    if recent then
      return {0, existing, 'throttled'}
    end
    if ARGV[8] ~= '' then
      redis.call('HSETNX', KEYS[6], ARGV[8], ARGV[9])
    end
    redis.call('ZREM', KEYS[11], existing)
    redis.call('ZADD', KEYS[3], ARGV[5], existing)
    if returning > 0 then
      redis.call('HSET', sub, unpack(ARGV, 16, fields - 1))
    end
    redis.call('ZREM', KEYS[12], 'drip:' .. existing)
    redis.call('ZADD', KEYS[4], ARGV[5], confirm)
    return {0, existing, 'returned'}
  end
  return {0, existing, 'suppressed'}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, fields))
if ARGV[8] ~= '' then
  redis.call('HSETNX', KEYS[6], ARGV[8], ARGV[9])
end
redis.call('HINCRBY', KEYS[7], ARGV[10], 1)
local suppressed = redis.call('HGET', KEYS[8], ARGV[1])
if suppressed then
  local status, reason = string.match(suppressed, '^[^|]*|([^|]*)|(.*)$')
  if status ~= 'complained' then
    status = 'bounced'
  end
  redis.call('HSET', KEYS[2], 's', status, 'r', status .. '|' .. ARGV[5] .. '|' .. (reason or ''))
  redis.call('ZADD', status == 'bounced' and KEYS[9] or KEYS[10], ARGV[5], ARGV[2])
  return {1, ARGV[2]}
end
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
end
return {1, ARGV[2]}
