-- parkletter: put aside a claimed send of a held letter.
--
-- A send of a held letter leaves the queue for the letter's parked set
-- (keeping its attempts), where nothing claims it, until the author
-- releases the letter (releaseletter.lua queues it again) or cancels it
-- (cancelletter.lua drops it). When the letter is no longer held (it was
-- released or cancelled meanwhile), the send is due again at once, to be
-- judged afresh; a send another worker settled meanwhile stays settled.
--
-- KEYS[1] the letter hash, KEYS[2] the queue, KEYS[3] the parked set
-- ARGV[1] the send's job id, ARGV[2] now (ms)
--
-- Returns 1 when it parked the send, 0 otherwise.
if redis.call('HGET', KEYS[1], 'st') == 'held' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 1
end
redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[1])
return 0
