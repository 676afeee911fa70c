-- mirrorletter: bring a letter's shadow in one partition in line with the
-- letter (Redis Cluster only; see partition.go).
--
-- A partition's scripts read the letter's status from its shadow: the
-- worker skips the sends of a cancelled letter and parks those of a held
-- one (parkletter.lua). This sets the shadow's status and, in the same
-- step, deals with the partition's parked sends: a release puts them back
-- in the queue, due now; a cancel drops them with their attempt counts.
-- Because parkletter.lua reads the shadow in the same slot, a send is
-- either parked before this runs (and moved by it) or sees the new status.
--
-- KEYS[1] the shadow, KEYS[2] the partition's queue, KEYS[3] its parked
-- set of the letter, KEYS[4] its attempts
-- ARGV[1] the status to mirror, ARGV[2] now (ms),
-- ARGV[3] "release", "cancel" or "" (status only)
--
-- Returns how many parked sends it moved or dropped.
redis.call('HSET', KEYS[1], 'st', ARGV[1])
local parked = redis.call('SMEMBERS', KEYS[3])
if #parked == 0 or ARGV[3] == '' then
  return 0
end
for i = 1, #parked, 1000 do
  local last = math.min(i + 999, #parked)
  if ARGV[3] == 'release' then
    local args = {}
    for k = i, last do
      args[#args + 1] = ARGV[2]
      args[#args + 1] = parked[k]
    end
    redis.call('ZADD', KEYS[2], unpack(args))
  else
    redis.call('HDEL', KEYS[4], unpack(parked, i, last))
  end
end
redis.call('DEL', KEYS[3])
return #parked
