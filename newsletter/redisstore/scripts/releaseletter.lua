-- releaseletter: the author sends a held letter now.
--
-- Its parked sends are due at once. A letter held before its fan-out
-- finished ('rc' < 0) is scheduled again with its fan-out due now; one
-- held while sending goes on sending (or is sent, when the mail in flight
-- at the hold settled the rest). Either way 'sch' becomes now, so that
-- the guard's grace counts from the release.
--
-- KEYS[1] the letter hash, KEYS[2] the queue, KEYS[3] the parked set
-- ARGV[1] now (ms), ARGV[2] the letter's fan-out job id, ARGV[3] the
-- sends settled, or "" to read them from the letter hash (on a cluster
-- the caller sums the partitions' shadows)
--
-- Returns "ok", or the letter's status when it is not held ("" when there
-- is no letter).
local st = redis.call('HGET', KEYS[1], 'st')
if not st then
  return ''
end
if st ~= 'held' then
  return st
end
local parked = redis.call('SMEMBERS', KEYS[3])
for i = 1, #parked, 1000 do
  local args = {}
  for k = i, math.min(i + 999, #parked) do
    args[#args + 1] = ARGV[1]
    args[#args + 1] = parked[k]
  end
  redis.call('ZADD', KEYS[2], unpack(args))
end
redis.call('DEL', KEYS[3])
redis.call('HDEL', KEYS[1], 'hd', 'hw', 'hg')
local v = redis.call('HMGET', KEYS[1], 'rc', 'sent', 'failed', 'skipped')
local rc = tonumber(v[1] or '-1') or -1
local next = 'sending'
if rc < 0 then
  next = 'scheduled'
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
elseif (ARGV[3] ~= '' and tonumber(ARGV[3]) or
    (tonumber(v[2] or '0') or 0) + (tonumber(v[3] or '0') or 0) + (tonumber(v[4] or '0') or 0)) >= rc then
  next = 'sent'
  redis.call('HSET', KEYS[1], 'done', ARGV[1])
end
redis.call('HSET', KEYS[1], 'st', next, 'sch', ARGV[1])
return 'ok'
