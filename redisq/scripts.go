package redisq

import "github.com/redis/go-redis/v9"

// Every step that must see the shutdown marker and the stream in one state
// is a Lua script: Redis runs a script alone, so a Put cannot slip between
// a ShutdownNow's marker and its drop, nor two Puts past one free slot.
// Every script names all of its keys in KEYS, and the keys share the hash
// tag {name}, so the scripts also run on Redis Cluster.

// putScript adds ARGV[3:] as entries unless the queue is shut down or the
// entries do not fit. KEYS: stream, marker. ARGV: group, capacity (0:
// unbounded), payloads. Returns {"ok"}, {"shut"} or {"full"}.
var putScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return {'shut'} end
local capacity = tonumber(ARGV[2])
if capacity > 0 then
  local queued = 0
  if redis.call('EXISTS', KEYS[1]) == 1 then
    queued = redis.call('XLEN', KEYS[1]) - redis.call('XPENDING', KEYS[1], ARGV[1])[1]
  end
  if queued + #ARGV - 2 > capacity then return {'full'} end
end
for i = 3, #ARGV do redis.call('XADD', KEYS[1], '*', 'v', ARGV[i]) end
return {'ok'}
`)

// takeScript takes up to ARGV[3] entries without blocking: first entries
// whose consumer has held them longer than ARGV[4] ms (skipped when ARGV[4]
// is -1), else new ones (XREADGROUP). KEYS: stream, marker. ARGV: group,
// consumer, count, min idle. Returns {status, entries}: status "claimed" or
// "new" with the entries, "now" after ShutdownNow, "shut" once shut down
// and every item is done, or "empty".
//
// Abandoned entries are found by XPENDING's IDLE filter, which walks the
// whole pending list inside Redis in one call, then taken with XCLAIM (a
// thousand at a time: unpack puts its results on Lua's stack, which holds
// about 8,000). XAUTOCLAIM, used before, looks at only ten entries per item
// asked for, from a cursor kept between calls: behind a long list of items
// still held, finding an abandoned one took one round trip per ten held
// (282 ms for one TryGet behind 20,000, 1.4 ms now), and a look that began
// part-way missed one behind the cursor
// (TestTryGetLooksThroughThePendingListAtOnce).
var takeScript = redis.NewScript(`
local mode = redis.call('GET', KEYS[2])
if mode == 'now' then return {'now', {}} end
if tonumber(ARGV[4]) >= 0 then
  local idle = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[4], '-', '+', ARGV[3])
  local got = {}
  for i = 1, #idle, 1000 do
    local ids = {}
    for j = i, math.min(i + 999, #idle) do table.insert(ids, idle[j][1]) end
    local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], unpack(ids))
    for _, e in ipairs(claimed) do
      if e then table.insert(got, e) end -- a deleted entry reads as nil on Redis 6.2
    end
  end
  if #got > 0 then return {'claimed', got} end
end
local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
if read and #read[1][2] > 0 then return {'new', read[1][2]} end
if mode == 'drain' and redis.call('XLEN', KEYS[1]) == 0 then return {'shut', {}} end
return {'empty', {}}
`)

// ackScript marks entries done and deletes them, so that the stream holds
// exactly the items not yet done: Join waits for XLEN 0. KEYS: stream.
// ARGV: group, ids. Returns how many were still pending (an entry
// redelivered and done elsewhere already is not). It goes through the ids
// a thousand at a time: unpack puts its results on Lua's stack, which
// holds about 8,000, and a GetBatch may return more items than that.
var ackScript = redis.NewScript(`
local n = 0
for i = 2, #ARGV, 1000 do
  local j = math.min(i + 999, #ARGV)
  n = n + redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, i, j))
  redis.call('XDEL', KEYS[1], unpack(ARGV, i, j))
end
return n
`)

// asideScript moves an entry that does not decode to the malformed stream,
// with its id and the reason, and acknowledges it. KEYS: stream, malformed.
// ARGV: group, id, reason.
var asideScript = redis.NewScript(`
local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #e > 0 then
  local f = e[1][2]
  table.insert(f, 'redisq-id'); table.insert(f, ARGV[2])
  table.insert(f, 'redisq-error'); table.insert(f, ARGV[3])
  redis.call('XADD', KEYS[2], '*', unpack(f))
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`)

// lenScript counts the entries not yet delivered. KEYS: stream. ARGV: group.
var lenScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('XLEN', KEYS[1]) - redis.call('XPENDING', KEYS[1], ARGV[1])[1]
`)

// shutdownScript sets the marker to 'drain', unless it is 'now' already.
// KEYS: marker.
var shutdownScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= 'now' then redis.call('SET', KEYS[1], 'drain') end
return 1
`)

// shutdownNowScript sets the marker to 'now' and deletes the entries not
// yet delivered: those after the group's last delivered id. KEYS: stream,
// marker. ARGV: group. Returns how many it dropped.
var shutdownNowScript = redis.NewScript(`
redis.call('SET', KEYS[2], 'now')
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = '0-0'
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  if info['name'] == ARGV[1] then last = info['last-delivered-id'] end
end
local dropped = 0
while true do
  local batch = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 500)
  if #batch == 0 then return dropped end
  for _, e in ipairs(batch) do redis.call('XDEL', KEYS[1], e[1]) end
  dropped = dropped + #batch
  last = batch[#batch][1]
end
`)
