-- confirm: move a pending subscriber to confirmed and enrol it.
--
-- KEYS[1] the subscriber hash
-- KEYS[2] the pending set, KEYS[3] the confirmed set
-- KEYS[4] the job queue, KEYS[5] its urgent lane (confirmation mails)
-- ARGV[1] id, ARGV[2] now (ms), ARGV[3] drip job id,
-- ARGV[4] first step due (ms) or "" when the subscriber joins no sequence.
--
-- Returns 1 when confirmed now, 0 when it was not pending, -1 when absent.
local s = redis.call('HGET', KEYS[1], 's')
if not s then
  return -1
end
if s ~= 'pending' then
  return 0
end
redis.call('HINCRBY', KEYS[1], 'en', 1)
redis.call('HSET', KEYS[1], 's', 'confirmed', 'cc', ARGV[2], 'u', ARGV[2], 'k', 0, 'l', '', 'ls', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREM', KEYS[5], 'confirm:' .. ARGV[1])
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
end
return 1
