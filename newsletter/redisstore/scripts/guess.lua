-- guess: count a failed guess of the admin token from one client, and lock
-- the client out once it has made too many within a window.
--
-- KEYS[1] the client's failures (zset: unique member -> time in ms)
-- KEYS[2] the client's lock-out (string: ms until which it holds)
-- ARGV[1] now (ms), ARGV[2] the window (ms), ARGV[3] most failures in the
-- window, ARGV[4] how long a lock-out lasts (ms), ARGV[5] a unique member
--
-- Both keys expire on their own (real time, at least as long as they
-- matter); the times inside them are the service's clock.
--
-- Returns the ms the client is locked out for from now (0: not locked).
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  return 0
end
local untilms = now + tonumber(ARGV[4])
local held = tonumber(redis.call('GET', KEYS[2]) or '0')
if held > untilms then
  untilms = held
end
redis.call('SET', KEYS[2], tostring(untilms), 'PX', untilms - now)
redis.call('DEL', KEYS[1])
return untilms - now
