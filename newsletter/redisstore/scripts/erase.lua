-- erase: delete everything stored about a subscriber.
--
-- KEYS[1] the subscriber hash, KEYS[2] its ledger
-- KEYS[3] the email index bucket of its address (any key when unknown)
-- KEYS[4] signups (hash quarter hour -> count)
-- KEYS[5] the job queue, KEYS[6] attempts, KEYS[7] the queue's urgent lane
-- KEYS[8] the suppression list (hash address -> entry)
-- KEYS[9] its count of temporary failures
-- KEYS[10..] every status set
-- ARGV[1] id, ARGV[2] its address ("" when unknown),
-- ARGV[3] the quarter hour it was created in ("" when unknown),
-- ARGV[4] its drip job id, ARGV[5] its confirmation job id
--
-- The address (from the index and the suppression list) and the signup
-- count are taken back only while the record is there, so that two
-- erasures at once uncount it once. The sets, the count of temporary
-- failures and the queue are cleaned either way.
--
-- Returns 1 when the record was there, 0 otherwise.
local present = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
if present == 1 then
  if ARGV[2] ~= '' and redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then
    redis.call('HDEL', KEYS[3], ARGV[2])
  end
  if ARGV[2] ~= '' then
    redis.call('HDEL', KEYS[8], ARGV[2])
  end
  if ARGV[3] ~= '' then
    redis.call('HINCRBY', KEYS[4], ARGV[3], -1)
  end
end
redis.call('DEL', KEYS[9])
for i = 10, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[1])
end
redis.call('ZREM', KEYS[5], ARGV[4])
redis.call('ZREM', KEYS[7], ARGV[5])
redis.call('HDEL', KEYS[6], ARGV[4], ARGV[5])
return present
