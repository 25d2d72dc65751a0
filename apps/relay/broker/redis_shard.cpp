#include "broker/redis_shard.hpp"

#include <random>

#include "broker/redis_scripts.hpp"
#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

std::string_view text_of(const redisReply* r) { return {r->str, r->len}; }

bool is_error(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_ERROR; }

std::string why_failed(const redisReply* r) {
  if (r == nullptr) return "the broker connection failed";
  if (r->type == REDIS_REPLY_ERROR) return "Redis: " + std::string(text_of(r));
  return "unexpected reply from Redis";
}

std::uint64_t integer_of(const redisReply* r) {
  if (r->type == REDIS_REPLY_INTEGER) return static_cast<std::uint64_t>(r->integer);
  if (r->type == REDIS_REPLY_STRING) return std::strtoull(std::string(text_of(r)).c_str(), nullptr, 10);
  return 0;
}

RedisTimeouts timeouts_of(const BrokerConfig& c) {
  return {c.connect_timeout, c.command_timeout, c.reconnect_min, c.reconnect_max};
}

// One stream entry: {id, {"t", time, "o", opcode, "d", payload}}.
bool parse_entry(const redisReply* e, StoredMessage& out) {
  if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
    return false;
  out.seq = std::strtoull(std::string(text_of(e->element[0])).c_str(), nullptr, 10);
  const redisReply* fields = e->element[1];
  if (fields->type != REDIS_REPLY_ARRAY || out.seq == 0) return false;
  bool have_data = false;
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
    const std::string_view name = text_of(fields->element[i]);
    const redisReply* value = fields->element[i + 1];
    if (value->type != REDIS_REPLY_STRING) return false;
    if (name == "t") {
      out.time_ms = std::strtoll(std::string(text_of(value)).c_str(), nullptr, 10);
    } else if (name == "o") {
      out.opcode = text_of(value) == "b" ? Opcode::binary : Opcode::text;
    } else if (name == "d") {
      out.payload.assign(value->str, value->len);
      have_data = true;
    }
  }
  return have_data;
}

}  // namespace

std::string random_hex64() {
  std::random_device random;
  const std::uint64_t bits = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) out[static_cast<std::size_t>(i)] = digits[(bits >> (60 - 4 * i)) & 0xf];
  return out;
}

RedisShard::RedisShard(sluice::Server& server, std::uint32_t index, const RedisUrl& url,
                       const BrokerConfig& config, const ScriptShas& shas, std::string node_id, Events events)
    : server_(server),
      index_(index),
      config_(config),
      shas_(shas),
      keys_(config.prefix),
      probe_channel_(keys_.probe(node_id)),
      events_(std::move(events)),
      cmd_(server, url, "shard " + std::to_string(index) + " commands", timeouts_of(config),
           {[this] { command_ready(); }, [this](const std::string& why) { set_down(why); }}),
      sub_(server, url, "shard " + std::to_string(index) + " subscriptions", timeouts_of(config),
           {[this] { pubsub_ready(); },
            [this](const std::string& why) {
              table_.reset();
              probe_outstanding_ = false;
              set_down(why);
            }}) {
  // The probe channel is wanted for as long as the shard lives.
  table_.add(SubscriptionTable::Kind::channel, probe_channel_);
}

RedisShard::~RedisShard() { events_ = {}; }

void RedisShard::start() {
  cmd_.start();
  sub_.start();
}

void RedisShard::set_down(const std::string& why) {
  scripts_loaded_ = scripts_loaded_ && cmd_.ready();
  if (!up_) return;
  up_ = false;
  if (events_.on_down) events_.on_down(why);
}

void RedisShard::command_ready() {
  ++generation_;
  scripts_loaded_ = false;
  // The epoch a script writes if it finds none (Redis lost its data): one per connection is
  // enough, and saves drawing random bits for every publish.
  fresh_epoch_ = random_hex64();
  // Scripts are loaded before the first publish, so that EVALSHA never falls back to EVAL in
  // the middle of a pipeline, where the fallback could reorder publishes.
  const std::uint64_t generation = generation_;
  auto loaded = std::make_shared<int>(0);
  for (std::string_view text : {redis_scripts::publish, redis_scripts::read, redis_scripts::epoch}) {
    const std::string_view load[] = {"SCRIPT", "LOAD", text};
    cmd_.command(load, [this, loaded, generation](const redisReply* r) {
      if (generation != generation_ || r == nullptr) return;
      if (is_error(r)) {
        cmd_.fail("SCRIPT LOAD: " + why_failed(r));
        return;
      }
      if (++*loaded < 3) return;
      const std::string key = keys_.epoch();
      const std::string_view epoch[] = {"EVALSHA", shas_.epoch, "1", key, fresh_epoch_};
      cmd_.command(epoch, [this, generation](const redisReply* e) {
        if (generation != generation_ || e == nullptr) return;
        if (e->type != REDIS_REPLY_STRING) {
          cmd_.fail("epoch script: " + why_failed(e));
          return;
        }
        const std::string was = epoch_;
        epoch_.assign(e->str, e->len);
        if (!was.empty() && was != epoch_)
          log_line(LogLevel::error,
                   "broker: shard {} has a new epoch {} (was {}): Redis lost its data; clients are told",
                   index_, epoch_, was);
        scripts_loaded_ = true;
        check_up();
      });
    });
  }
}

void RedisShard::pubsub_ready() {
  table_.reset();
  probe_outstanding_ = false;
  flush_subscriptions();
}

void RedisShard::flush_subscriptions() {
  if (!sub_.ready()) return;
  const bool was_settled = table_.settled();
  std::vector<SubscriptionTable::Batch> changes = table_.take_changes();
  if (was_settled && !changes.empty()) last_confirmation_ = Clock::now();
  for (SubscriptionTable::Batch& b : changes) {
    const bool pattern = b.kind == SubscriptionTable::Kind::pattern;
    std::vector<std::string_view> args;
    args.reserve(b.names.size() + 1);
    args.push_back(b.subscribe ? (pattern ? "PSUBSCRIBE" : "SUBSCRIBE")
                               : (pattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE"));
    for (const std::string& n : b.names) args.push_back(n);
    if (!sub_.raw_command(args, on_pubsub, this)) {
      sub_.fail("could not send " + std::string(args[0]));
      return;
    }
  }
  check_up();
}

void RedisShard::watch(SubscriptionTable::Kind kind, const std::string& name) { table_.add(kind, name); }
void RedisShard::unwatch(SubscriptionTable::Kind kind, const std::string& name) { table_.remove(kind, name); }

void RedisShard::on_pubsub(redisAsyncContext*, void* reply, void* privdata) {
  if (reply == nullptr) return;  // the connection is being freed
  static_cast<RedisShard*>(privdata)->pubsub_reply(static_cast<const redisReply*>(reply));
}

void RedisShard::pubsub_reply(const redisReply* r) {
  if (!sub_.ready() || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const std::string_view kind = text_of(r->element[0]);
  if (kind == "message" || kind == "pmessage") {
    const bool pattern = kind == "pmessage";
    if (r->elements < (pattern ? 4u : 3u)) return;
    const std::string_view channel = text_of(r->element[pattern ? 2 : 1]);
    const std::string_view payload = text_of(r->element[pattern ? 3 : 2]);
    if (channel == probe_channel_) {
      probe_outstanding_ = false;
      return;
    }
    const std::string_view topic = keys_.topic_of(channel);
    auto message = parse_broker_message(payload);
    if (topic.empty() || !message) {
      log_line(LogLevel::warn, "broker: shard {}: a message on '{}' that is not one of a relay's; ignored",
               index_, channel);
      return;
    }
    ++received_;
    if (events_.on_message) events_.on_message(topic, *message);
    return;
  }
  const bool pattern = kind.front() == 'p';
  const auto k = pattern ? SubscriptionTable::Kind::pattern : SubscriptionTable::Kind::channel;
  const std::string_view name = text_of(r->element[1]);
  last_confirmation_ = Clock::now();
  if (kind == "subscribe" || kind == "psubscribe") {
    table_.confirmed(k, name, true);
  } else if (kind == "unsubscribe" || kind == "punsubscribe") {
    table_.confirmed(k, name, false);
    // Interest that came back while the unsubscribe was in flight is subscribed again now.
    if (table_.wants(k, name)) flush_subscriptions();
  }
  check_up();
}

void RedisShard::check_up() {
  const bool now_up = cmd_.ready() && scripts_loaded_ && sub_.ready() && table_.settled();
  if (now_up == up_) return;
  if (!now_up) return;  // going down is reported by set_down, with its reason
  up_ = true;
  next_probe_ = Clock::now() + config_.probe_interval;
  if (events_.on_up) events_.on_up(epoch_);
}

void RedisShard::probe(Clock::time_point now) {
  if (sub_.ready() && !table_.settled() && now - last_confirmation_ >= config_.command_timeout) {
    ++probes_failed_;
    sub_.fail("subscription silent: Redis confirmed no (un)subscribe within command_timeout (" +
              std::to_string(config_.command_timeout.count()) + " ms)");
    return;
  }
  if (probe_outstanding_) {
    if (now - probe_sent_ >= config_.command_timeout) {
      ++probes_failed_;
      probe_outstanding_ = false;
      sub_.fail("subscription silent: its probe did not arrive within command_timeout (" +
                std::to_string(config_.command_timeout.count()) + " ms)");
    }
    return;
  }
  if (now < next_probe_ || !cmd_.ready() || !sub_.ready() || !table_.settled()) return;
  next_probe_ = now + config_.probe_interval;
  const std::string_view publish[] = {"PUBLISH", probe_channel_, "probe"};
  const bool sent = cmd_.command(publish, [this](const redisReply* r) {
    // Redis itself says whether our subscription exists: 0 receivers means it does not.
    if (r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer == 0 && sub_.ready() &&
        table_.settled()) {
      ++probes_failed_;
      probe_outstanding_ = false;
      sub_.fail("Redis has no subscription of this relay's probe channel");
    }
  });
  if (!sent) return;
  probe_outstanding_ = true;
  probe_sent_ = now;
}

void RedisShard::tick(Clock::time_point now) {
  cmd_.tick(now);
  sub_.tick(now);
  flush_subscriptions();
  probe(now);
}

void RedisShard::run_script(const std::string& sha, std::string_view text, std::vector<std::string> args,
                            RedisConnection::ReplyFn done) {
  std::vector<std::string_view> argv;
  argv.reserve(args.size() + 1);
  argv.push_back("EVALSHA");
  argv.push_back(sha);
  for (const std::string& a : args) argv.push_back(a);
  auto held = std::make_shared<std::vector<std::string>>(std::move(args));
  const bool sent = cmd_.command(argv, [this, text, held, done](const redisReply* r) mutable {
    if (r != nullptr && r->type == REDIS_REPLY_ERROR && text_of(r).starts_with("NOSCRIPT")) {
      // Someone flushed the scripts (SCRIPT FLUSH): run the text, which loads it again.
      std::vector<std::string_view> eval = {"EVAL", text};
      for (const std::string& a : *held) eval.push_back(a);
      if (!cmd_.command(eval, done)) done(nullptr);
      return;
    }
    done(r);
  });
  if (!sent) done(nullptr);
}

void RedisShard::publish(const BrokerPublish& m, std::function<void(PublishReceipt)> done) {
  if (!up_) {
    done(PublishReceipt{false, 0, 0, "the broker is unreachable"});
    return;
  }
  const char op[2] = {opcode_letter(m.opcode), 0};
  run_script(shas_.publish, redis_scripts::publish,
             {"3", keys_.epoch(), keys_.meta(m.topic), keys_.log(m.topic), keys_.channel(m.topic), m.payload,
              op, std::to_string(m.keep), std::to_string(m.max_age.count()), fresh_epoch_},
             [done = std::move(done)](const redisReply* r) {
               if (is_error(r) || r->type != REDIS_REPLY_ARRAY || r->elements < 4) {
                 done(PublishReceipt{false, 0, 0, why_failed(r)});
                 return;
               }
               done(PublishReceipt{true, integer_of(r->element[0]), integer_of(r->element[3]), {}});
             });
}

void RedisShard::read(const std::string& topic, std::uint64_t after, std::size_t max,
                      std::chrono::milliseconds max_age, std::function<void(TopicRead)> done) {
  if (!cmd_.ready() || !scripts_loaded_) {
    done(TopicRead{false, 0, {}, {}, "the broker is unreachable"});
    return;
  }
  run_script(shas_.read, redis_scripts::read,
             {"3", keys_.epoch(), keys_.meta(topic), keys_.log(topic),
              after == kNewestOnly ? std::string("-1") : std::to_string(after), std::to_string(max),
              std::to_string(max_age.count()), fresh_epoch_},
             [done = std::move(done)](const redisReply* r) {
               TopicRead out;
               if (is_error(r) || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
                   r->element[1]->type != REDIS_REPLY_STRING || r->element[2]->type != REDIS_REPLY_ARRAY) {
                 out.error = why_failed(r);
                 done(std::move(out));
                 return;
               }
               out.ok = true;
               out.last = integer_of(r->element[0]);
               out.epoch.assign(r->element[1]->str, r->element[1]->len);
               const redisReply* entries = r->element[2];
               out.entries.reserve(entries->elements);
               for (std::size_t i = 0; i < entries->elements; ++i) {
                 StoredMessage m;
                 if (parse_entry(entries->element[i], m)) out.entries.push_back(std::move(m));
               }
               done(std::move(out));
             });
}

}  // namespace sluice::relay
