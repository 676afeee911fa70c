-- upgrade: move one chunk of the layout-1 indexes into layout 2.
--
-- Layout 1 kept every address in one hash (emails) and every subscriber in
-- a sorted set by creation (subs). Layout 2 cuts the address index into
-- buckets and counts creations per quarter hour instead (see store.go).
-- Each run moves what it is given and deletes it from the old keys, in one
-- atomic step: run twice, or by two processes at once, it counts and moves
-- each entry once.
--
-- KEYS[1] the old address hash (emails), KEYS[2] the old set (subs),
-- KEYS[3] signups (hash quarter hour -> count)
-- KEYS[4..] for each address moved: its bucket, then its subscriber hash
-- ARGV[1] how many members of subs to move (from its start)
-- ARGV[2] the length of a signups slot (ms; a quarter hour)
-- ARGV[3..] for each address moved: the address
--
-- An address whose subscriber hash is gone (erased meanwhile) is dropped
-- rather than moved. Returns {addresses left in emails, members left in
-- subs, addresses this run moved}.
local subs = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
for i = 1, #subs, 2 do
  local slot = string.format('%d', math.floor(tonumber(subs[i + 1]) / tonumber(ARGV[2])))
  redis.call('HINCRBY', KEYS[3], slot, 1)
  redis.call('ZREM', KEYS[2], subs[i])
end
local moved = 0
for j = 1, #ARGV - 2 do
  local email = ARGV[2 + j]
  local id = redis.call('HGET', KEYS[1], email)
  if id and redis.call('EXISTS', KEYS[3 + 2 * j]) == 1 then
    moved = moved + redis.call('HSETNX', KEYS[2 + 2 * j], email, id)
  end
  redis.call('HDEL', KEYS[1], email)
end
return {redis.call('HLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), moved}
