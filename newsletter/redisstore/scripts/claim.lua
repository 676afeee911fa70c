-- claim: take the jobs that are due and hide them for a lease.
--
-- A claimed job stays in the queue with its score moved to the end of the
-- lease. A worker that finishes removes or reschedules it (record.lua); a
-- worker that dies lets the lease run out, and the job is due again for
-- whoever claims next. That is the at-least-once half of delivery; the
-- ledger is the at-most-once half.
--
-- KEYS[1] the job queue (zset job id -> due ms)
-- KEYS[2] attempts (hash job id -> failed tries so far)
-- ARGV[1] now (ms), ARGV[2] lease end (ms), ARGV[3] most jobs to take
--
-- Returns a flat list: id1, attempts1, id2, attempts2, ...
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or '0'
end
return out
