-- create: store a new subscriber unless the address is already known.
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
-- ARGV[1] email, ARGV[2] new id, ARGV[3] job id to queue ("" for none),
-- ARGV[4] its due time (ms), ARGV[5] created (ms),
-- ARGV[6] most requests in the counter's window (0: no limit),
-- ARGV[7] the counter's time to live (s),
-- ARGV[8] consent version ("" for none), ARGV[9] its exact wording,
-- ARGV[10] the quarter hour of ARGV[5] (field of KEYS[7]),
-- ARGV[11..] field/value pairs of the subscriber hash.
--
-- The limit counts this request first, known address or not, as
-- Store.Hit does: a signup is one round trip. The counter's time to live
-- is set when the window's first request creates it.
--
-- An address on the suppression list is stored in the status it has
-- there (bounced or complained, with its reason) instead, and no job is
-- queued: it gets no mail.
--
-- Returns {1, id} when created, {0, existing id} when the address is known,
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
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return {0, existing}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 11))
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
