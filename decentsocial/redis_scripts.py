"""The Lua scripts of the Redis job store (:mod:`decentsocial.redis_store`), kept apart from it.

Each change to the scheduler's records that reads before it writes is one of these scripts, run
atomically by Redis, so claims and leases hold however many workers race. Every script takes the
key prefix as ``ARGV[1]``.
"""

from __future__ import annotations

from .jobs import CRISIS_NOTE

# Notes: compare-and-swap (ARGV: prefix, name, has-old, old, has-new, new), so two processes starting
# a crisis at once cannot both win, and a crisis ended twice cannot end the next one.
_SWAP_NOTE = """
local k = ARGV[1] .. 'note:' .. ARGV[2]
local current = redis.call('GET', k)
if ARGV[3] == '1' then
  if current ~= ARGV[4] then return 0 end
elseif current then
  return 0
end
if ARGV[5] == '1' then redis.call('SET', k, ARGV[6]) else redis.call('DEL', k) end
return 1
"""

#: Lua: whether a crisis holds every job (checked in the same script as a claim or a dispatch).
_IN_CRISIS = f"redis.call('EXISTS', ARGV[1] .. 'note:{CRISIS_NOTE}') == 1"

# Claiming: running under ``owner`` until ``lease_until``; out of due/queued, into leases. ``taken``:
# the job was running under a lease that expired (its worker stopped), one more takeover counted.
_CLAIM = """
local function claim(p, id, owner, lease_until, taken)
  local h = p .. 'job:' .. id
  redis.call('HSET', h, 'status', 'running', 'lease_owner', owner, 'lease_until', lease_until)
  if taken then redis.call('HINCRBY', h, 'takeovers', 1) end
  redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'claimed', 'resent')
  redis.call('ZREM', p .. 'due', id)
  redis.call('ZREM', p .. 'queued', id)
  redis.call('ZADD', p .. 'leases', lease_until, id)
end
"""

#: Lua: whether job ``id``'s record is some other kind of key than a hash (damaged by hand or by
#: another program): no script can claim or send it, so it leaves the queues (it stays listed, as a
#: job that cannot be read). Left in them, every worker's claim and the dispatcher failed on it.
_UNUSABLE = """
local function unusable(p, id)
  local kind = redis.call('TYPE', p .. 'job:' .. id)['ok']
  if kind == 'hash' or kind == 'none' then return false end
  redis.call('ZREM', p .. 'due', id)
  redis.call('ZREM', p .. 'queued', id)
  redis.call('ZREM', p .. 'leases', id)
  return true
end
"""

#: Lua: the score a job is due at, its ``at`` as kept (a time that is no number, a damaged record:
#: at once, so a worker claims it and marks it failed; ZADD refused it, half-way through a move).
_DUE_AT = """
local function due_at(h)
  local at = redis.call('HGET', h, 'at')
  if at and tonumber(at) then return at end
  return '-inf'
end
"""

_ADD = """
local p, key, id = ARGV[1], ARGV[2], ARGV[3]
local existing = redis.call('HGET', p .. 'keys', key)
if existing then return existing end
redis.call('HSET', p .. 'keys', key, id)
local h = p .. 'job:' .. id
redis.call('HSET', h, 'id', id, 'key', key, 'status', 'scheduled', 'at', ARGV[4], 'occurrence', '0',
           'targets', ARGV[7], 'draft', ARGV[8], 'created_at', ARGV[9])
if ARGV[5] ~= '' then redis.call('HSET', h, 'every', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', h, 'until', ARGV[6]) end
if ARGV[10] ~= '' then redis.call('HSET', h, 'local_at', ARGV[10]) end
redis.call('ZADD', p .. 'all', ARGV[4], id)
redis.call('ZADD', p .. 'due', ARGV[4], id)
return id
"""

# ARGV: prefix, job id ('' for all), target, who pauses, has-held-by, held-by, now (a resume: a job
# under a lease live then is left, and listed, for the store to decide on; '' for none), sources...
# Returns {moved, left}.
_MOVE = (
    _UNUSABLE
    + _DUE_AT
    + """
local p, job_id, target, by, has_held, held_by = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local now = tonumber(ARGV[7])
local sources = {}
for i = 8, #ARGV do sources[ARGV[i]] = true end
local function leased(h)
  local f = redis.call('HMGET', h, 'lease_owner', 'lease_until')
  return now and f[1] and tonumber(f[2]) and tonumber(f[2]) > now
end
local ids
if job_id ~= '' then
  if redis.call('EXISTS', p .. 'job:' .. job_id) == 0 then return false end
  ids = {job_id}
else
  ids = redis.call('ZRANGE', p .. 'all', 0, -1)
end
local moved, left = {}, {}
for _, id in ipairs(ids) do
  local h = p .. 'job:' .. id
  local status = not unusable(p, id) and redis.call('HGET', h, 'status')
  local who = status and redis.call('HGET', h, 'paused_by') or ''
  local chosen = sources[status] and (has_held == '0' or who == held_by)
  chosen = chosen and not (status == target and who == by)
  if chosen and leased(h) then
    left[#left + 1] = id
  elseif chosen then
    redis.call('HSET', h, 'status', target)
    if target == 'paused' then
      redis.call('HSET', h, 'paused_by', by)
    else
      redis.call('HDEL', h, 'paused_by')
    end
    if target == 'scheduled' then redis.call('HDEL', h, 'takeovers') end
    redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'resent')
    redis.call('ZREM', p .. 'queued', id)
    redis.call('ZREM', p .. 'leases', id)
    if target == 'scheduled' then
      redis.call('ZADD', p .. 'due', due_at(h), id)
    else
      redis.call('ZREM', p .. 'due', id)
    end
    moved[#moved + 1] = id
  end
end
return {moved, left}
"""
)

_SET_AT = """
local p, id, at = ARGV[1], ARGV[2], ARGV[3]
local h = p .. 'job:' .. id
local status = redis.call('HGET', h, 'status')
if status ~= 'scheduled' and status ~= 'paused' then return 0 end
redis.call('HSET', h, 'at', at)
if ARGV[4] ~= '' then redis.call('HSET', h, 'local_at', ARGV[4]) end
redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'resent', 'takeovers')
redis.call('ZREM', p .. 'queued', id)
redis.call('ZADD', p .. 'all', at, id)
if status == 'scheduled' then redis.call('ZADD', p .. 'due', at, id) end
return 1
"""

_CLAIM_DUE = (
    _CLAIM
    + _UNUSABLE
    + """
local p, now, lease_until, owner, due_only = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
if """
    + _IN_CRISIS
    + """ then return false end
local due, expired
repeat
  due = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1)
until not due[1] or not unusable(p, due[1])
repeat
  expired = redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', '(' .. now, 'LIMIT', 0, 1)
until not expired[1] or not unusable(p, expired[1])
local id, taken = due[1], false
if expired[1] and not due_only then
  -- a time that is no number (a damaged record) comes first: its worker marks it failed
  local at = tonumber(redis.call('HGET', p .. 'job:' .. expired[1], 'at')) or -math.huge
  if not id or at < tonumber(due[2]) then id, taken = expired[1], true end
end
if not id then return false end
claim(p, id, owner, lease_until, taken)
return {id, taken and 1 or 0}
"""
)

_CLAIM_TOKEN = (
    _CLAIM
    + _UNUSABLE
    + """
local p, id, token, now, lease_until, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if """
    + _IN_CRISIS
    + """ then return 0 end
if unusable(p, id) then return 0 end
local f = redis.call('HMGET', p .. 'job:' .. id, 'status', 'dispatch', 'claimed', 'lease_until')
local expired = f[1] == 'running' and f[4] and tonumber(f[4]) < tonumber(now)
local sent = f[2] == token and (f[1] == 'scheduled' or expired)
local redelivered = f[3] == token and expired
if not (sent or redelivered) then return 0 end
claim(p, id, owner, lease_until, expired)
redis.call('HSET', p .. 'job:' .. id, 'claimed', token)
return 1
"""
)

_RENEW = """
local p, id, owner, lease_until = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local h = p .. 'job:' .. id
local f = redis.call('HMGET', h, 'status', 'lease_owner')
if f[1] ~= 'running' or f[2] ~= owner then return 0 end
redis.call('HSET', h, 'lease_until', lease_until)
redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'resent')
redis.call('ZREM', p .. 'queued', id)
redis.call('ZADD', p .. 'leases', lease_until, id)
return 1
"""

#: A worker's mark of a publish under way, kept only while the job is running under its lease (one
#: step: a pause and resume, or a crisis's skip, between its check and its mark let the job go).
_MARK = """
local p, id, owner, field, mark = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('TYPE', p .. 'job:' .. id)['ok'] ~= 'hash' then return 0 end
local f = redis.call('HMGET', p .. 'job:' .. id, 'status', 'lease_owner')
if f[1] ~= 'running' or f[2] ~= owner then return 0 end
redis.call('HSET', p .. 'out:' .. id, field, mark)
return 1
"""

# ``was``: the status read before (``paused``: paused after its last target began; it stays paused).
_FINISH = """
local p, id, owner, at, occurrence = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local status, following, next_occurrence, was = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local h = p .. 'job:' .. id
local f = redis.call('HMGET', h, 'status', 'lease_owner', 'at', 'occurrence')
if f[1] ~= was or f[2] ~= owner or f[3] ~= at or f[4] ~= occurrence then return 0 end
redis.call('HDEL', h, 'lease_owner', 'lease_until', 'claimed', 'takeovers')
redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'resent')
redis.call('ZREM', p .. 'leases', id)
redis.call('ZREM', p .. 'queued', id)
if status == 'scheduled' and was == 'paused' then
  redis.call('HSET', h, 'at', following, 'occurrence', next_occurrence)
  redis.call('ZADD', p .. 'all', following, id)
elseif status == 'scheduled' then
  redis.call('HSET', h, 'status', 'scheduled', 'at', following, 'occurrence', next_occurrence)
  redis.call('ZADD', p .. 'all', following, id)
  redis.call('ZADD', p .. 'due', following, id)
else
  redis.call('HSET', h, 'status', status)
end
return 1
"""

_DISPATCH = (
    _UNUSABLE
    + """
local p, now, limit, before = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local first_wait, max_wait = tonumber(ARGV[5]), tonumber(ARGV[6])
local out, n = {}, 0
if """
    + _IN_CRISIS
    + """ then return out end
-- sent as counting from ``since`` (a re-send: put off, so the next one waits longer)
local function send(id, token, since)
  redis.call('HSET', p .. 'job:' .. id, 'dispatch', token, 'dispatched_at', now)
  redis.call('ZADD', p .. 'queued', since or now, id)
  out[#out + 1] = id
  out[#out + 1] = token
  n = n + 1
end
-- sent with a new token: its re-sends are counted anew
local function fresh(id)
  redis.call('HDEL', p .. 'job:' .. id, 'resent')
  send(id, tostring(redis.call('INCR', p .. 'tokens')))
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', p .. 'due', id)
  if not unusable(p, id) then fresh(id) end
end
if n < limit then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', '(' .. now)) do
    if n >= limit then break end
    if not unusable(p, id) and not redis.call('HGET', p .. 'job:' .. id, 'dispatch') then fresh(id) end
  end
end
if n < limit then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'queued', '-inf', before, 'LIMIT', 0, limit - n)) do
    if not unusable(p, id) then
      local h = p .. 'job:' .. id
      local f = redis.call('HMGET', h, 'status', 'dispatch', 'lease_until', 'resent')
      local expired = f[1] == 'running' and f[3] and tonumber(f[3]) < tonumber(now)
      if f[2] and (f[1] == 'scheduled' or expired) then
        -- how many times this token was sent again (absent, unreadable or another token's: none)
        local count, of = string.match(f[4] or '', '^(%d+) (.+)$')
        count = of == f[2] and math.min(tonumber(count), 64) or 0
        redis.call('HSET', h, 'resent', (count + 1) .. ' ' .. f[2])
        -- the next re-send waits twice as long as this one did: counted as sent that much later
        local wait = math.min(first_wait * 2 ^ (count + 1), math.max(max_wait, first_wait))
        send(id, f[2], tonumber(now) + wait - first_wait)
      else
        redis.call('ZREM', p .. 'queued', id)
        redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'resent')
      end
    end
  end
end
return out
"""
)

_UNDISPATCH = (
    _DUE_AT
    + """
local p, id, token = ARGV[1], ARGV[2], ARGV[3]
local h = p .. 'job:' .. id
if redis.call('HGET', h, 'dispatch') ~= token then return 0 end
redis.call('HDEL', h, 'dispatch', 'dispatched_at', 'resent')
redis.call('ZREM', p .. 'queued', id)
if redis.call('HGET', h, 'status') == 'scheduled' then
  redis.call('ZADD', p .. 'due', due_at(h), id)
end
return 1
"""
)
