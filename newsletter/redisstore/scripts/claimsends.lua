-- claimsends: claim.lua, and for each letter send it takes, what the send
-- must read before its mail goes out, in the same call: the letter's
-- status (its shadow in the partition), whether the letter is in the
-- subscriber's ledger, and the subscriber's hash. A batch of sends costs
-- the worker one round trip, and Redis a few commands per batch and two
-- per letter send (HEXISTS, HGETALL) instead of a call and three commands
-- per send (Store.LetterRecipient); one (HGETALL) for a send never
-- claimed before.
--
-- Claiming works as in claim.lua: the urgent lane first, then the queue,
-- each in order of due time; while sending is paused only the urgent lane.
-- Each lane's claimed jobs move to the lease end in one ZADD.
--
-- KEYS[1] the urgent lane, KEYS[2] the queue (zsets job id -> due ms)
-- KEYS[3] attempts (hash job id -> failed tries so far)
-- KEYS[4] the sending hash (st = paused while sending is paused)
-- ARGV[1] now (ms), ARGV[2] lease end (ms), ARGV[3] most jobs to take
-- ARGV[4] the partition's key prefix (the store's prefix and the
-- partition's hash tag, the tag of KEYS): a subscriber's hash is
-- ARGV[4] .. 'sub:' .. id, its ledger ARGV[4] .. 'ledger:' .. id, a
-- letter's shadow ARGV[4] .. 'letter:' .. id, all in the slot of KEYS
-- ARGV[5] a letter's ledger key without the letter id ('letter:')
--
-- A send whose score has the fraction .5 was queued by its letter's first
-- fan-out and never claimed since (a claim moves it to a whole lease end;
-- every other writer of the queue writes whole milliseconds): it cannot
-- be in the ledger, which is then not read (see Store.FanOutLetter).
--
-- Returns one list per job, in order: {id, attempts}, and for a letter
-- send ('lsend:<letter>:<subscriber>') {id, attempts, letter status ('' when
-- the shadow has none), 1 when the ledger holds the letter else 0, the
-- subscriber's hash as a flat list (empty when erased)}. The ledger and the
-- subscriber are not read for a letter that is held or cancelled.
local lanes = 2
if redis.call('HGET', KEYS[4], 'st') == 'paused' then
  lanes = 1
end
local ids, fresh = {}, {}
for lane = 1, lanes do
  local left = tonumber(ARGV[3]) - #ids
  if left <= 0 then
    break
  end
  local got = redis.call('ZRANGEBYSCORE', KEYS[lane], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, left)
  if #got > 0 then
    local args = {}
    for i = 1, #got, 2 do
      local id, score = got[i], tonumber(got[i + 1])
      args[#args + 1] = ARGV[2]
      args[#args + 1] = id
      ids[#ids + 1] = id
      fresh[#ids] = score - math.floor(score) == 0.5
    end
    redis.call('ZADD', KEYS[lane], unpack(args))
  end
end
if #ids == 0 then
  return {}
end
local tries = redis.call('HMGET', KEYS[3], unpack(ids))
local status = {}
local out = {}
for i, id in ipairs(ids) do
  local row = {id, tries[i] or '0'}
  local letter, sub = string.match(id, '^lsend:([^:]+):([^:]+)$')
  if letter then
    local st = status[letter]
    if st == nil then
      st = redis.call('HGET', ARGV[4] .. 'letter:' .. letter, 'st') or ''
      status[letter] = st
    end
    row[3] = st
    if st ~= 'held' and st ~= 'cancelled' then
      row[4] = 0
      if not fresh[i] then
        row[4] = redis.call('HEXISTS', ARGV[4] .. 'ledger:' .. sub, ARGV[5] .. letter)
      end
      row[5] = redis.call('HGETALL', ARGV[4] .. 'sub:' .. sub)
    else
      row[4] = 0
      row[5] = {}
    end
  end
  out[i] = row
end
return out
