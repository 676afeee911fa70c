-- claim: take the jobs that are due and hide them for a lease.
--
-- A claimed job stays in the queue with its score moved to the end of the
-- lease. A worker that finishes removes or reschedules it (record.lua); a
-- worker that dies lets the lease run out, and the job is due again for
-- whoever claims next. That is the at-least-once half of delivery; the
-- ledger is the at-most-once half.
--
-- The urgent lane (confirmation mails) is emptied first; what room is
-- left goes to the rest of the queue, each lane in order of due time.
-- While sending is paused only the urgent lane is claimed: letters and
-- steps wait in the queue, untouched, until the author resumes.
--
-- KEYS[1] the urgent lane, KEYS[2] the queue (zsets job id -> due ms)
-- KEYS[3] attempts (hash job id -> failed tries so far)
-- KEYS[4] the sending hash (st = paused while sending is paused)
-- ARGV[1] now (ms), ARGV[2] lease end (ms), ARGV[3] most jobs to take
--
-- Returns a flat list: id1, attempts1, id2, attempts2, ...
local out = {}
local left = tonumber(ARGV[3])
local lanes = 2
if redis.call('HGET', KEYS[4], 'st') == 'paused' then
  lanes = 1
end
for lane = 1, lanes do
  if left <= 0 then
    break
  end
  local ids = redis.call('ZRANGEBYSCORE', KEYS[lane], '-inf', ARGV[1], 'LIMIT', 0, left)
  for _, id in ipairs(ids) do
    redis.call('ZADD', KEYS[lane], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', KEYS[3], id) or '0'
  end
  left = left - #ids
end
return out
