-- settle: record.lua for a batch of letter sends of one partition whose
-- mails the SMTP server accepted, in one atomic step.
--
-- For each send, as record.lua: the ledger entry is written once (HSETNX)
-- while the subscriber still exists (one erased while the mail was in
-- flight gets no ledger back); the job leaves the queue; the letter counts
-- the send as sent unless the ledger already held it (the same mail
-- recorded twice, e.g. by two workers after a lost lease). What record.lua
-- does per send is done here once per batch: the queue's ZREM, the
-- attempts' HDEL (only when a send of the batch had failed tries), the
-- breaker's reset, and per letter one read and one write of its counters
-- and its progress 'pg'. One EXISTS tells both whether every subscriber
-- lives and whether the breaker has counted refusals: each subscriber's
-- key is named twice and the breaker's once, so the answer is odd when the
-- breaker has a count, and twice the living subscribers besides.
--
-- KEYS[1] the queue, KEYS[2] attempts, KEYS[3] the breaker's count of sends
-- refused in a row (see sending.go)
-- ARGV[1] now (ms), ARGV[2] the partition's key prefix (see claimsends.lua:
-- ARGV[2] .. 'sub:' .. id, 'ledger:', 'letter:' for the shadow), ARGV[3]
-- '1' when attempts may hold a send of the batch, then five per send: job
-- id, subscriber id, letter id, ledger key, ledger value
--
-- Returns {one 1 or 0 per send: whether its ledger entry is new, the ids
-- of the letters this batch finished (on a cluster: the partition's share;
-- the caller then looks at the whole letter)}.
local now, prefix = ARGV[1], ARGV[2]
local m = (#ARGV - 3) / 5
local keys = {}
for i = 1, m do
  local k = prefix .. 'sub:' .. ARGV[3 + 5 * (i - 1) + 2]
  keys[#keys + 1] = k
  keys[#keys + 1] = k
end
keys[#keys + 1] = KEYS[3]
local c = redis.call('EXISTS', unpack(keys))
local refused = c % 2 == 1
if refused then
  c = c - 1
end
local everyone = c == 2 * m
local fresh, ids, counts, letters = {}, {}, {}, {}
for i = 1, m do
  local b = 3 + 5 * (i - 1)
  local id, sub, letter = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3]
  local alive = everyone or redis.call('EXISTS', prefix .. 'sub:' .. sub) == 1
  local f = 0
  if alive then
    f = redis.call('HSETNX', prefix .. 'ledger:' .. sub, ARGV[b + 4], ARGV[b + 5])
  end
  fresh[i] = f
  ids[i] = id
  if f == 1 or not alive then
    if counts[letter] == nil then
      counts[letter] = 0
      letters[#letters + 1] = letter
    end
    counts[letter] = counts[letter] + 1
  end
end
redis.call('ZREM', KEYS[1], unpack(ids))
if ARGV[3] == '1' then
  redis.call('HDEL', KEYS[2], unpack(ids))
end
if refused then
  redis.call('DEL', KEYS[3])
end
local finished = {}
for _, letter in ipairs(letters) do
  local k = prefix .. 'letter:' .. letter
  local v = redis.call('HMGET', k, 'rc', 'sent', 'failed', 'skipped', 'st')
  local rc = tonumber(v[1] or '-1')
  local sent = tonumber(v[2] or '0') + counts[letter]
  local done = sent + tonumber(v[3] or '0') + tonumber(v[4] or '0')
  if rc >= 0 and v[5] == 'sending' and done >= rc then
    redis.call('HSET', k, 'sent', sent, 'pg', now, 'st', 'sent', 'done', now)
    finished[#finished + 1] = letter
  else
    redis.call('HSET', k, 'sent', sent, 'pg', now)
  end
end
return {fresh, finished}
