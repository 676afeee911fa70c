-- parkstep: while a sequence is paused, take a due drip job out of the
-- queue to wait in the sequence's parking until the author resumes it.
--
-- A parked job costs nothing while it waits: no worker claims it again
-- and again. The pause is checked here, in the same step that parks, so
-- that a resume (resumeseq.lua) either finds the job parked and puts it
-- back, or came first and the job is not parked at all.
--
-- KEYS[1] paused sequences (hash sequence id -> since ms)
-- KEYS[2] the sequence's parking (zset job id -> due ms)
-- KEYS[3] the job queue, KEYS[4] attempts (hash job id -> failed tries)
-- ARGV[1] sequence id, ARGV[2] job id, ARGV[3] due (ms)
--
-- Returns 1 when parked, 0 when the sequence is not paused.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[4], ARGV[2])
return 1
