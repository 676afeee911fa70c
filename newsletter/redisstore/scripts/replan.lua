-- replan: move an enrolment's drip job to a new due time after its
-- sequence was edited, unless a worker may hold it right now.
--
-- A claimed job sits at the end of its lease, somewhere in (now, now+lease].
-- Moving it would let a second worker claim it while the first is still
-- sending, so such a job is left alone: whoever holds it re-plans it from
-- the current files anyway. A job that is absent (the subscriber had
-- finished), due, or further out than a lease is moved.
--
-- KEYS[1] the job queue
-- ARGV[1] job id, ARGV[2] new due (ms), ARGV[3] now (ms), ARGV[4] lease end (ms)
--
-- Returns 1 when moved, 0 when left alone.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then
  local s = tonumber(score)
  if s > tonumber(ARGV[3]) and s <= tonumber(ARGV[4]) then
    return 0
  end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
