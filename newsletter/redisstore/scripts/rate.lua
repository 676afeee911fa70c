-- rate: one step of MAIL_RATE's pacing (GCRA with a burst of one).
--
-- The key holds the "theoretical arrival time" (TAT) of the next message,
-- in microseconds of the Redis server's clock, so that workers on machines
-- whose clocks disagree still share one schedule. A message may go when
-- the TAT is not in the future; it then moves the TAT one interval past
-- now. A slot nobody takes is not saved up for later.
--
-- KEYS[1] the limiter's TAT (string), under the service's prefix
-- ARGV[1] the interval between two messages (µs)
--
-- Returns {1, 0} when the message may go, {0, µs to wait} otherwise.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then
  return {0, tat - now}
end
redis.call('SET', KEYS[1], tostring(now + interval), 'PX', math.floor(interval / 1000) + 1000)
return {1, 0}
