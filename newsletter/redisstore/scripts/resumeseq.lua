-- resumeseq: resume a paused sequence and put every drip job parked
-- while it was paused back in the queue, due now.
--
-- Each subscriber has one drip job, and a job sends one step: a reader
-- whose step came due during the pause gets that step once, and the step
-- after it is timed from that send as usual (no burst of missed steps). A
-- job that is in the queue already (re-planned meanwhile) keeps its place.
--
-- KEYS[1] paused sequences (hash sequence id -> since ms)
-- KEYS[2] the sequence's parking (zset job id -> due ms)
-- KEYS[3] the job queue
-- ARGV[1] sequence id, ARGV[2] now (ms)
--
-- Returns {1 when it was paused else 0, jobs put back}.
local was = redis.call('HDEL', KEYS[1], ARGV[1])
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
local moved = 0
for _, id in ipairs(ids) do
  moved = moved + redis.call('ZADD', KEYS[3], 'NX', ARGV[2], id)
end
redis.call('DEL', KEYS[2])
return {was, moved}
