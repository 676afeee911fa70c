-- tallyunsub: claim the unsubscribes not yet counted, up to a time.
--
-- The unsubscribed set scores each member with the time it left. The
-- stats hash keeps a cursor ('ucur', ms): every unsubscribe at or before
-- it was handed out already. This moves the cursor on and returns what
-- lies between, so that two processes tallying at once never count one
-- unsubscribe twice. At most ARGV[2] are taken, but never half of the
-- members that share a time: the cursor must be able to pass them.
--
-- KEYS[1] the unsubscribed set (zset id -> time it left, ms)
-- KEYS[2] the stats hash (field 'ucur')
-- ARGV[1] up to (ms), ARGV[2] most to take
--
-- Returns a flat list: id1, time1, id2, time2, ...
local cur = redis.call('HGET', KEYS[2], 'ucur') or '-1'
if tonumber(ARGV[1]) <= tonumber(cur) then
  return {}
end
local got = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. cur, ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local upto = ARGV[1]
if #got / 2 >= tonumber(ARGV[2]) then
  upto = got[#got]
  local last = tonumber(upto)
  local out = {}
  for i = 1, #got, 2 do
    if tonumber(got[i + 1]) < last then
      out[#out + 1] = got[i]
      out[#out + 1] = got[i + 1]
    end
  end
  local same = redis.call('ZRANGEBYSCORE', KEYS[1], upto, upto, 'WITHSCORES')
  for i = 1, #same do
    out[#out + 1] = same[i]
  end
  got = out
end
redis.call('HSET', KEYS[2], 'ucur', upto)
return got
