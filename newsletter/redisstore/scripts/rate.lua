-- rate: MAIL_RATE's token bucket, shared by every worker process, handing
-- out tokens in batches (GCRA: the bucket is kept as one time).
--
-- The key holds the time (µs) at which the next token is scheduled, on the
-- Redis server's clock, so that workers on machines whose clocks disagree
-- still share one schedule. Tokens are scheduled one interval apart; a call
-- reserves the next ARGV[2] of them, never more than the burst, and says
-- how long the caller must wait before spending them: until the last of
-- the batch is within the burst of now. The caller waits exactly that long
-- (no polling: every call is a grant) and spends the tokens itself. After
-- an idle spell the schedule restarts at now: a token nobody took is not
-- saved up beyond one burst.
--
-- KEYS[1] the bucket (string), under the service's prefix
-- ARGV[1] the interval between two tokens (µs, at least 1)
-- ARGV[2] tokens asked for (1 .. burst)
-- ARGV[3] the burst: tokens that may be spent at once after an idle spell
-- ARGV[4] now in µs, or '' for the Redis server's clock (TIME); tests pass
--         the time of their own clock
--
-- Returns {tokens granted, µs to wait before spending them}.
local now
if ARGV[4] ~= nil and ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = tonumber(ARGV[1])
local burst = math.max(1, tonumber(ARGV[3]))
local n = math.min(math.max(1, tonumber(ARGV[2])), burst)
local first = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local nextTok = first + n * interval
-- The last token of the batch is due at first + (n-1)·interval; it may be
-- spent (burst-1) intervals early.
local wait = math.max(0, first + (n - burst) * interval - now)
-- string.format: tostring would keep 14 digits of a 16-digit time.
redis.call('SET', KEYS[1], string.format('%.0f', nextTok), 'PX', math.floor((nextTok - now) / 1000) + 1000)
return {n, wait}
