-- pause: pause sending unless it is paused already.
--
-- KEYS[1] the sending hash (st, why, at, by)
-- ARGV[1] reason, ARGV[2] now (ms), ARGV[3] who pauses
--
-- The first reason stands: a pause by the breaker does not hide the
-- author's own, nor the other way round.
--
-- Returns 1 when it paused, 0 when sending was paused already.
if redis.call('HGET', KEYS[1], 'st') == 'paused' then
  return 0
end
redis.call('HSET', KEYS[1], 'st', 'paused', 'why', ARGV[1], 'at', ARGV[2], 'by', ARGV[3])
return 1
