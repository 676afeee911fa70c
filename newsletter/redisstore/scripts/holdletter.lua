-- holdletter: the late-letter guard's look at one letter, atomic with the
-- change it makes (see letters_held.go).
--
-- A letter that has not started ('scheduled') is late when now is more
-- than the grace past the later of its send time ('at') and when it was
-- last scheduled or released ('sch'; its creation 'c' for letters stored
-- before 'sch' was kept). A letter that is sending is stalled when sends
-- remain (or its fan-out never finished) and nothing moved for the grace:
-- the later of its fan-out ('fo'), its last progress ('pg', written by
-- record.lua) and its release ('sch'). Either becomes 'held': its fan-out
-- job leaves the queue, no recipient list is taken, and the letter waits
-- for the author. 'hd' is when, 'hw' why ("late" or "stalled") and 'hg'
-- the grace (ms) it was held under.
--
-- With ARGV[4] = "start" this is the fan-out's first step: a scheduled
-- letter that is not held becomes 'sending' ('fo' = now).
--
-- KEYS[1] the letter hash, KEYS[2] the queue
-- ARGV[1] now (ms), ARGV[2] grace (ms; 0 never holds),
-- ARGV[3] the letter's fan-out job id, ARGV[4] "start" or "",
-- ARGV[5] sends settled and ARGV[6] last progress (ms), both "" to read
-- them from the letter hash (on a cluster they live in the partitions'
-- shadows, and the caller sums them: see partition.go)
--
-- Returns {status after the call ("" when there is no letter), 1 when this
-- call held it else 0}.
local v = redis.call('HMGET', KEYS[1], 'st', 'at', 'c', 'sch', 'fo', 'pg', 'rc', 'sent', 'failed', 'skipped')
local st = v[1]
if not st then
  return {'', 0}
end
local function num(x)
  return tonumber(x or '0') or 0
end
local now, grace = tonumber(ARGV[1]), tonumber(ARGV[2])
local from, reason = nil, nil
if st == 'scheduled' then
  from = math.max(num(v[2]), num(v[4] or v[3]))
  reason = 'late'
elseif st == 'sending' then
  local rc = tonumber(v[7] or '-1') or -1
  local done, pg = num(v[8]) + num(v[9]) + num(v[10]), num(v[6])
  if ARGV[5] ~= '' then
    done, pg = num(ARGV[5]), num(ARGV[6])
  end
  if rc < 0 or done < rc then
    from = math.max(num(v[2]), num(v[4]), num(v[5]), pg)
    reason = 'stalled'
  end
else
  return {st, 0}
end
if grace > 0 and from ~= nil and now - from > grace then
  redis.call('HSET', KEYS[1], 'st', 'held', 'hd', ARGV[1], 'hw', reason, 'hg', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return {'held', 1}
end
if ARGV[4] == 'start' and st == 'scheduled' then
  redis.call('HSET', KEYS[1], 'st', 'sending', 'fo', ARGV[1])
  return {'sending', 0}
end
return {st, 0}
