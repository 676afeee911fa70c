-- page: one page of a sorted set in its (score, member) order, after a
-- cursor, for listings that take many calls while the set changes.
--
-- An offset drifts when members are added or removed before it, and the
-- next page repeats or skips some. A cursor names the last member returned
-- instead, and the next page starts right after it wherever it now stands.
-- If that member has left the set meanwhile, the page starts where it was:
-- after every member with a lower score, and after those of the same score
-- that sort before it (ties are ordered by member; ids are lowercase hex,
-- which every collation orders the same way).
--
-- KEYS[1] the sorted set
-- ARGV[1] the last member returned ("" for the first page)
-- ARGV[2] its score
-- ARGV[3] most members to return
--
-- Returns a flat list: member1, score1, member2, score2, ...
local limit = tonumber(ARGV[3])
local start = 0
if ARGV[1] ~= '' then
  local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
  if rank then
    start = rank + 1
  else
    start = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[2])
    local ties = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])
    for _, m in ipairs(ties) do
      if m < ARGV[1] then
        start = start + 1
      else
        break
      end
    end
  end
end
return redis.call('ZRANGE', KEYS[1], start, start + limit - 1, 'WITHSCORES')
