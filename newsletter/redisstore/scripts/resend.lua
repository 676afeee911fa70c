-- resend: queue another confirmation mail for a pending subscriber, at
-- most once per interval.
--
-- KEYS[1] the subscriber hash, KEYS[2] the urgent lane of the queue
-- ARGV[1] confirm job id, ARGV[2] now (ms), ARGV[3] interval (ms),
-- ARGV[4] when the job is due (ms)
--
-- Returns 1 when queued, 0 when too soon or not pending.
local v = redis.call('HMGET', KEYS[1], 's', 'cm')
if v[1] ~= 'pending' then
  return 0
end
local last = tonumber(v[2] or '0')
if tonumber(ARGV[2]) - last < tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], 'cm', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
