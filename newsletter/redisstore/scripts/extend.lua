-- extend: a living worker's heartbeat on the jobs it holds.
--
-- A claimed job sits in its lane at the end of a short lease. While the
-- worker that claimed it lives, it moves the lease on every few seconds;
-- when it dies, the lease runs out within WORKER_LEASE and another worker
-- takes the job. A job is moved only while it still sits exactly where
-- this worker's lease put it: one already settled (removed, or queued
-- again for its next step) or handed back is left alone.
--
-- KEYS[1..n] the lane of each job (see Store.lane)
-- ARGV[1] the new lease end (ms), then for each job: id, old lease end (ms)
--
-- Returns, for each job, 1 when its lease was extended and 0 otherwise.
local out = {}
for i = 1, #KEYS do
  local id, old = ARGV[2 * i], ARGV[2 * i + 1]
  local score = redis.call('ZSCORE', KEYS[i], id)
  if score and tonumber(score) == tonumber(old) then
    redis.call('ZADD', KEYS[i], ARGV[1], id)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
