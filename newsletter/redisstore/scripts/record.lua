-- record: settle a claimed job in one atomic step.
--
-- Written as soon as the SMTP server accepted a message (or when the job
-- is dropped): the ledger entry, the subscriber's progress through its
-- sequence, the letter's counters and the job's next place in the queue
-- change together or not at all.
--
-- KEYS[1] the subscriber hash
-- KEYS[2] the subscriber's ledger (hash key -> send, see ledger.go)
-- KEYS[3] the job queue, KEYS[4] attempts
-- KEYS[5] the letter hash, or on a cluster its shadow in the subscriber's
-- partition (any key when no letter is concerned)
-- KEYS[6] the breaker's count of sends refused in a row (see sending.go)
-- ARGV[1] ledger key ("" when nothing was sent), ARGV[2] ledger value,
-- ARGV[3] job id, ARGV[4] next due (ms) or "" to remove the job,
-- ARGV[5] step name ("" when not a drip step), ARGV[6] now (ms),
-- ARGV[7] letter counter to increase ("" for none).
--
-- The job is queued again at ARGV[4] only while the subscriber is still
-- confirmed: one who left (or was erased) while the mail was in flight gets
-- no further work. A ledger key already present (the same mail recorded
-- twice, e.g. by two workers after a lost lease) neither moves the
-- subscriber's progress nor counts the letter again.
--
-- A mail that went out ends the breaker's run of refusals. A letter's
-- counter moving is its progress: 'pg' is when it last moved, which the
-- late-letter guard reads.
--
-- Returns 1 when the ledger entry is new, 0 otherwise, plus 2 when this
-- send settled the last of the letter's sends (of the partition's, on a
-- cluster, where the caller then looks at the whole letter).
local status = redis.call('HGET', KEYS[1], 's')
local alive = status ~= false
local fresh = 0
if ARGV[1] ~= '' and alive then
  fresh = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
  if fresh == 1 and ARGV[5] ~= '' then
    redis.call('HINCRBY', KEYS[1], 'k', 1)
    redis.call('HSET', KEYS[1], 'l', ARGV[5], 'ls', ARGV[6])
  end
end
if ARGV[4] ~= '' and status == 'confirmed' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
else
  redis.call('ZREM', KEYS[3], ARGV[3])
end
redis.call('HDEL', KEYS[4], ARGV[3])
local duplicate = ARGV[1] ~= '' and alive and fresh == 0
if ARGV[1] ~= '' then
  redis.call('DEL', KEYS[6])
end
if ARGV[7] ~= '' and not duplicate then
  redis.call('HINCRBY', KEYS[5], ARGV[7], 1)
  redis.call('HSET', KEYS[5], 'pg', ARGV[6])
  local v = redis.call('HMGET', KEYS[5], 'rc', 'sent', 'failed', 'skipped', 'st')
  local rc = tonumber(v[1] or '-1')
  local done = tonumber(v[2] or '0') + tonumber(v[3] or '0') + tonumber(v[4] or '0')
  if rc >= 0 and v[5] == 'sending' and done >= rc then
    redis.call('HSET', KEYS[5], 'st', 'sent', 'done', ARGV[6])
    return fresh + 2
  end
end
return fresh
