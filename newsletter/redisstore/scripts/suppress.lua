-- suppress: put an address on the suppression list and stop all mail to
-- its subscriber.
--
-- KEYS[1] the suppression list (hash address -> "<ms>|<status>|<reason>")
-- KEYS[2] the subscriber hash (a key that does not exist when the
--         address has no subscriber)
-- KEYS[3] the set of the new status (bounced or complained)
-- KEYS[4] the job queue, KEYS[5] its urgent lane
-- KEYS[6..] every status set
-- ARGV[1] address, ARGV[2] subscriber id ("" for none),
-- ARGV[3] new status, ARGV[4] at (ms), ARGV[5] reason,
-- ARGV[6] its drip job id, ARGV[7] its confirmation job id
--
-- The list keeps an address's first entry. The subscriber moves unless it
-- is bounced or complained already (its first reason stands); the record
-- keeps the reason as "<status>|<ms>|<reason>", which holds while its
-- status and update time ('u') are these. Its queued sequence step and
-- confirmation mail are dropped; letter sends still queued find it gone
-- from the confirmed and are skipped.
--
-- Returns 1 when the subscriber's status changed, 0 otherwise.
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[4] .. '|' .. ARGV[3] .. '|' .. ARGV[5])
if ARGV[2] == '' then
  return 0
end
local old = redis.call('HGET', KEYS[2], 's')
if not old or old == 'bounced' or old == 'complained' then
  return 0
end
for i = 6, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[2])
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('HSET', KEYS[2], 's', ARGV[3], 'u', ARGV[4], 'r', ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5])
redis.call('ZREM', KEYS[4], ARGV[6])
redis.call('ZREM', KEYS[5], ARGV[7])
return 1
