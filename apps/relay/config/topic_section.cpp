// One [[topic]]: the pattern it applies to, its subscribers' send limits, its history bounds,
// and who may publish and subscribe.
#include "config/sections.hpp"
#include "topics/topic_pattern.hpp"

namespace sluice::relay::detail {
namespace {

constexpr EnumName<SubscribeAccess> subscribe_names[] = {
    {"anyone", SubscribeAccess::anyone},
    {"api_key", SubscribeAccess::api_key},
    {"nobody", SubscribeAccess::nobody},
};

enum class Publisher : std::uint8_t { http, clients, sources };

constexpr EnumName<Publisher> publisher_names[] = {
    {"http", Publisher::http},
    {"clients", Publisher::clients},
    {"sources", Publisher::sources},
};

void read_publish(const TableReader& r, PublishRights& out) {
  const toml::node* node = r.find("publish");
  if (node == nullptr) return;
  const toml::array* array = node->as_array();
  if (array == nullptr)
    r.fail("publish", "expected an array such as [\"http\", \"sources\"], got " + type_name(*node));
  PublishRights rights{false, false, false};
  for (const toml::node& element : *array) {
    bool* flag = nullptr;
    switch (r.enum_value<Publisher>(element, "publish", publisher_names)) {
      case Publisher::http: flag = &rights.http; break;
      case Publisher::clients: flag = &rights.clients; break;
      case Publisher::sources: flag = &rights.sources; break;
    }
    if (*flag) r.fail(element, "publish", "lists \"" + element.as_string()->get() + "\" twice");
    *flag = true;
  }
  out = rights;
}

void read_history(const TableReader& r, TopicConfig& t) {
  r.read_int("history", 0, 1'000'000, t.history);
  r.read_size("history_bytes", 0, 64 * GiB, t.history_bytes);
  if (t.history > 0 && t.history_bytes == 0) {
    r.fail("history_bytes", "must be above 0B when history keeps messages");
  }
  r.read_duration("history_age", milliseconds{0}, std::chrono::hours{24 * 365}, t.history_age);
  r.read_bool("retain_last", t.retain_last);
}

}  // namespace

TopicEntry read_topic(const TableReader& r) {
  r.check_keys(topic_keys());
  if (!r.has("match")) r.fail_table("[[topic]] needs 'match': the topic name or pattern it configures");
  TopicEntry entry;
  TopicConfig& t = entry.config;
  r.read_string("match", t.match);
  if (const TopicCheck c = check_topic_pattern(t.match); c != TopicCheck::ok) {
    r.fail("match", "\"" + t.match + "\" " + std::string(describe(c)));
  }
  if (r.has("policy")) {
    SlowConsumerPolicy p{};
    r.read_enum("policy", policy_names(), p);
    t.policy = p;
  }
  if (r.has("compression")) {
    sluice::Compression c{};
    r.read_enum("compression", compression_names(), c);
    t.compression = c;
  }
  // A connection's own cap is kept in KiB by the engine (WebSocket::set_max_buffered_bytes).
  r.read_size("max_buffered_bytes", 1, 65535 * KiB, t.max_buffered_bytes);
  r.read_size("send_buffer_bytes", 0, 1 * GiB, t.send_buffer_bytes);
  read_history(r, t);
  read_publish(r, t.publish);
  r.read_enum("subscribe", subscribe_names, t.subscribe);
  r.read_bool("metrics", t.metrics);
  entry.match_at = r.where("match");
  return entry;
}

}  // namespace sluice::relay::detail
