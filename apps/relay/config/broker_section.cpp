// [broker]: none, or Redis with one URL per shard. Every URL is parsed here, so that a typo is
// reported at its position in the file rather than found by a relay that cannot connect.
#include "config/sections.hpp"

namespace sluice::relay::detail {
namespace {

using std::chrono::hours;

constexpr EnumName<BrokerType> broker_types[] = {
    {"none", BrokerType::none},
    {"redis", BrokerType::redis},
};

constexpr std::size_t max_shards = 64;

RedisUrl url_at(const TableReader& r, const toml::node& node) {
  const auto* s = node.as_string();
  if (s == nullptr) r.fail(node, "url", "expected a string, got " + type_name(node));
  auto parsed = parse_redis_url(s->get());
  if (auto* why = std::get_if<std::string>(&parsed)) r.fail(node, "url", "\"" + s->get() + "\": " + *why);
  return std::get<RedisUrl>(std::move(parsed));
}

}  // namespace

BrokerConfig read_broker(const TableReader& r) {
  r.check_keys(broker_keys());
  BrokerConfig b;
  r.read_enum<BrokerType>("type", broker_types, b.type);
  if (const toml::node* node = r.find("url")) {
    if (const toml::array* list = node->as_array()) {
      if (list->empty()) r.fail("url", "an empty list: name at least one Redis");
      if (list->size() > max_shards) r.fail("url", "at most 64 shards");
      for (const toml::node& element : *list) b.shards.push_back(url_at(r, element));
    } else {
      b.shards.push_back(url_at(r, *node));
    }
  }
  if (b.type == BrokerType::redis && b.shards.empty())
    r.fail_table("broker: type = \"redis\" needs url = \"redis://HOST:PORT/DB\"");
  if (b.type == BrokerType::none && !b.shards.empty())
    r.fail_key("url", "broker.url: set type = \"redis\" to use it");
  r.read_string("prefix", b.prefix);
  for (char c : b.prefix)
    if (c <= ' ' || c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' ||
        static_cast<unsigned char>(c) >= 0x7f)
      r.fail("prefix", "letters, digits and punctuation only (no spaces or glob characters)");
  r.read_duration("connect_timeout", std::chrono::milliseconds(50), hours(1), b.connect_timeout);
  r.read_duration("command_timeout", std::chrono::milliseconds(50), hours(1), b.command_timeout);
  r.read_duration("probe_interval", std::chrono::milliseconds(50), hours(1), b.probe_interval);
  r.read_duration("reconnect_min", std::chrono::milliseconds(1), hours(1), b.reconnect_min);
  r.read_duration("reconnect_max", std::chrono::milliseconds(1), hours(1), b.reconnect_max);
  if (b.reconnect_max < b.reconnect_min) r.fail("reconnect_max", "must not be below reconnect_min");
  r.read_int("inbound_queue", 1, 100'000'000, b.inbound_queue);
  r.read_int("repair_history", 0, 100'000'000, b.repair_history);
  return b;
}

}  // namespace sluice::relay::detail
