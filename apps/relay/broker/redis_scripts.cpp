#include "broker/redis_scripts.hpp"

#include <string>

namespace sluice::relay::redis_scripts {

namespace {

// Every script begins alike: the shard's epoch, written first by whoever finds none, from the
// script's last argument. TIME in a script needs effect replication, the default from Redis 5
// and the only mode from 7; the call is there for Redis 3.2 to 4, and harmless after.
constexpr std::string_view kPrologue = R"lua(
pcall(redis.replicate_commands)
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[#ARGV]
  redis.call('SET', KEYS[1], epoch)
end
)lua";

const std::string publish_text = std::string(kPrologue) + R"lua(
local seq = redis.call('HINCRBY', KEYS[2], 's', 1)
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local maxlen = tonumber(ARGV[4])
if maxlen > 0 then
  local id = seq .. '-0'
  local added = redis.pcall('XADD', KEYS[3], 'MAXLEN', '~', maxlen, id, 't', ms, 'o', ARGV[3], 'd', ARGV[2])
  if type(added) == 'table' and added.err then
    -- The stream outlived its sequence (a key deleted by hand): it starts again with this one.
    redis.call('DEL', KEYS[3])
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, id, 't', ms, 'o', ARGV[3], 'd', ARGV[2])
  end
  local age = tonumber(ARGV[5])
  if age > 0 then
    -- A few of the oldest entries per publish: the trim keeps up with any steady publish rate
    -- at a bounded cost per call, and a reader filters by age anyway.
    local cut = nil
    for _, e in ipairs(redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 16)) do
      if tonumber(e[2][2]) < ms - age then cut = tonumber(string.match(e[1], '^(%d+)')) else break end
    end
    if cut then redis.call('XTRIM', KEYS[3], 'MINID', (cut + 1) .. '-0') end
  end
end
local relays = redis.call('PUBLISH', ARGV[1], seq .. ' ' .. ms .. ' ' .. ARGV[3] .. ' ' .. epoch .. '\n' .. ARGV[2])
return {seq, ms, epoch, relays}
)lua";

const std::string read_text = std::string(kPrologue) + R"lua(
local last = tonumber(redis.call('HGET', KEYS[2], 's') or '0')
local after = tonumber(ARGV[1])
if after < 0 then after = math.max(last - 1, 0) end  -- -1: the newest message alone
local entries = {}
if last > after and tonumber(ARGV[2]) > 0 then
  entries = redis.call('XRANGE', KEYS[3], (after + 1) .. '-0', '+', 'COUNT', ARGV[2])
  local age = tonumber(ARGV[3])
  if age > 0 then
    local now = redis.call('TIME')
    local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - age
    local kept = {}
    for _, e in ipairs(entries) do
      if tonumber(e[2][2]) >= cutoff then kept[#kept + 1] = e end
    end
    entries = kept
  end
end
return {last, epoch, entries}
)lua";

const std::string epoch_text = std::string(kPrologue) + R"lua(
return epoch
)lua";

}  // namespace

const std::string_view publish = publish_text;
const std::string_view read = read_text;
const std::string_view epoch = epoch_text;

}  // namespace sluice::relay::redis_scripts
