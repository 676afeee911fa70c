-- cancelletter: cancel a letter not yet sent.
--
-- A scheduled or held letter never goes out (more); a sending one stops:
-- its queued sends are dropped when claimed, since they read the status
-- first. The fan-out job leaves the queue, and a held letter's parked
-- sends are dropped with their attempt counts. A draft, which was never
-- queued, is deleted (its hash and its place in the drafts index).
--
-- KEYS[1] the letter hash, KEYS[2] the queue, KEYS[3] the parked set,
-- KEYS[4] attempts, KEYS[5] the drafts index
-- ARGV[1] the letter's fan-out job id, ARGV[2] the letter's id
--
-- Returns "ok", or the letter's status when it cannot be cancelled (""
-- when there is no letter).
local st = redis.call('HGET', KEYS[1], 'st')
if not st then
  return ''
end
if st == 'draft' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[5], ARGV[2])
  return 'ok'
end
if st ~= 'scheduled' and st ~= 'sending' and st ~= 'held' then
  return st
end
redis.call('HSET', KEYS[1], 'st', 'cancelled')
redis.call('ZREM', KEYS[2], ARGV[1])
local parked = redis.call('SMEMBERS', KEYS[3])
for i = 1, #parked, 1000 do
  redis.call('HDEL', KEYS[4], unpack(parked, i, math.min(i + 999, #parked)))
end
redis.call('DEL', KEYS[3])
return 'ok'
