#include "gateway/rate_limit/redis_scripts.hpp"

namespace sovra::gateway::rate_limit {

// Shared prologue: time, the leaky-bucket drain, and the state encoding. Integers are written with %.0f (Lua's
// tostring would round them to 14 significant digits).
#define SOVRA_RL_PROLOGUE                                                                         \
  "local K = 60000\n"                                                                             \
  "local t = redis.call('TIME')\n"                                                                \
  "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"                       \
  "local function drained(level, last, tick, limit)\n"                                            \
  "  local elapsed = tick - last\n"                                                               \
  "  if elapsed <= 0 then return level end\n"                                                     \
  "  if elapsed > math.floor(level / limit) then return 0 end\n"                                  \
  "  return level - elapsed * limit\n"                                                            \
  "end\n"                                                                                         \
  "local function load_bucket(key, tick)\n"                                                              \
  "  local st = redis.call('HMGET', key, 'l', 't')\n"                                             \
  "  return tonumber(st[1]) or 0, tonumber(st[2]) or tick\n"                                      \
  "end\n"                                                                                         \
  "local function store(key, level, tick, limit, tick_ms)\n"                                      \
  "  if level <= 0 then redis.call('DEL', key) return end\n"                                      \
  "  redis.call('HSET', key, 'l', string.format('%.0f', level), 't', string.format('%.0f', tick))\n" \
  "  redis.call('PEXPIRE', key, string.format('%.0f', (math.floor(level / limit) + 2) * tick_ms))\n" \
  "end\n"

const char* const kAcquireScript = SOVRA_RL_PROLOGUE
    "local lease = ARGV[1]\n"
    "local lease_ms = tonumber(ARGV[2])\n"
    "local n = #KEYS\n"
    "local out = {1, 0, 0}\n"
    "local levels = {}\n"
    "local charged = {}\n"
    "for i = 1, n do\n"
    "  local b = 2 + (i - 1) * 4\n"
    "  local kind, limit, window, cost = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])\n"
    "  local remaining, reset = 0, 0\n"
    "  if kind == 0 then\n"
    "    local tick_ms = window / K\n"
    "    local tick = math.floor(now / tick_ms)\n"
    "    local level, last = load_bucket(KEYS[i], tick)\n"
    "    level = drained(level, last, tick, limit)\n"
    "    local retry = 0\n"
    "    local ok = true\n"
    "    if cost > limit then ok = false retry = -1\n"
    "    elseif level + cost * K > limit * K then\n"
    "      ok = false\n"
    "      retry = math.ceil((level + cost * K - limit * K) / limit) * tick_ms\n"
    "    else level = level + cost * K charged[i] = true end\n"
    "    levels[i] = level\n"
    "    if not ok and out[1] == 1 then out[1] = 0 out[2] = i out[3] = retry end\n"
    "    remaining = math.floor(math.max(limit * K - level, 0) / K)\n"
    "    reset = math.ceil(level / limit) * tick_ms\n"
    "  else\n"
    "    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)\n"
    "    local held = redis.call('ZCARD', KEYS[i])\n"
    "    if held + 1 > limit then\n"
    "      if out[1] == 1 then out[1] = 0 out[2] = i out[3] = 1000 end\n"
    "      remaining = math.max(limit - held, 0)\n"
    "    else remaining = limit - held - 1 charged[i] = true end\n"
    "  end\n"
    "  out[#out + 1] = remaining\n"
    "  out[#out + 1] = reset\n"
    "end\n"
    "if out[1] == 1 then\n"
    "  for i = 1, n do\n"
    "    local b = 2 + (i - 1) * 4\n"
    "    local kind, limit, window = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])\n"
    "    if kind == 0 then\n"
    "      local tick_ms = window / K\n"
    "      store(KEYS[i], levels[i], math.floor(now / tick_ms), limit, tick_ms)\n"
    "    else\n"
    "      redis.call('ZADD', KEYS[i], string.format('%.0f', now + lease_ms), lease)\n"
    "      redis.call('PEXPIRE', KEYS[i], string.format('%.0f', lease_ms))\n"
    "    end\n"
    "  end\n"
    "else\n"
    // Refused: report the states without this call's charge.
    "  for i = 1, n do\n"
    "    local b = 2 + (i - 1) * 4\n"
    "    local kind, limit, cost = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 4])\n"
    "    if kind == 1 and charged[i] then out[2 + 2 * i] = out[2 + 2 * i] + 1 end\n"
    "    if kind == 0 and charged[i] then\n"
    "      local window = tonumber(ARGV[b + 3])\n"
    "      local tick_ms = window / K\n"
    "      local level = levels[i] - cost * K\n"
    "      if level < 0 then level = 0 end\n"
    "      out[2 + 2 * i] = math.floor(math.max(limit * K - level, 0) / K)\n"
    "      out[3 + 2 * i] = math.ceil(level / limit) * tick_ms\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return out\n";

const char* const kSettleScript = SOVRA_RL_PROLOGUE
    "local lease = ARGV[1]\n"
    "for i = 1, #KEYS do\n"
    "  local b = 2 + (i - 1) * 4\n"
    "  local kind, limit, window, cost = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])\n"
    "  if kind == 0 then\n"
    "    if cost ~= 0 then\n"
    "      local tick_ms = window / K\n"
    "      local tick = math.floor(now / tick_ms)\n"
    "      local level, last = load_bucket(KEYS[i], tick)\n"
    "      level = drained(level, last, tick, limit) + cost * K\n"
    "      if level < 0 then level = 0 end\n"
    "      store(KEYS[i], level, tick, limit, tick_ms)\n"
    "    end\n"
    "  else\n"
    "    redis.call('ZREM', KEYS[i], lease)\n"
    "  end\n"
    "end\n"
    "return 1\n";

#undef SOVRA_RL_PROLOGUE

}  // namespace sovra::gateway::rate_limit
