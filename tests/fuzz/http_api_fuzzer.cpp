// Fuzzes the relay's HTTP API with the raw bytes of a connection: the engine's RequestReader
// read by read, as Connection::on_handshake_bytes drives it (pipelined requests, bodies across
// reads, 100-continue, keep-alive), then the relay's routes (apps/relay/relay/http_api.cpp,
// found through the engine's RouteTable as the server finds them) or, for an upgrade, the
// relay's WebSocketApi::on_upgrade. Nothing listens: the relay's Server is never started.
//
// Every answer must be one well-formed HTTP/1.1 response (read back with the engine's own
// response parser) whose Content-Length is its body's, with a status the route can give; every
// JSON body must be valid JSON. A publish answered 200 must come from a peer the rules let
// publish, carry the topic's next sequence number, and be counted by the topic; an accepted
// upgrade must hold a subscription the topic settings allow. Memory the reader charged for
// gathered bodies must all be given back.
//
// Input: [options] [n] [n read lengths] [stream] (fuzz_support.hpp). options bit 0 picks the
// relay configuration (open defaults, or an API key, an origin list, small messages and
// per-topic rules), bit 1 a memory budget of 300 bytes for gathered bodies, bits 2-3 the peer's
// address.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "fuzz_support.hpp"
#include "http/handshake.hpp"
#include "http/request_parser.hpp"
#include "http/request_reader.hpp"
#include "http/response.hpp"
#include "http/route_table.hpp"
#include "json_check.hpp"
#include "mem/memory_account.hpp"
#include "relay/access.hpp"
#include "relay/http_api.hpp"
#include "relay/relay.hpp"
#include "relay/server_options.hpp"
#include "relay/subscription_request.hpp"
#include "relay/websocket_api.hpp"
#include "sluice/sluice.hpp"

namespace sluice::fuzz {
namespace {

using detail::RequestReader;
using Kind = RequestReader::Kind;

constexpr std::string_view kKey = "fuzz-key";

// A relay that checks keys, origins and per-topic rules, with messages small enough that 413
// and bodies across reads are easy to reach.
constexpr std::string_view kStrictConfig = R"(
[server]
api_key = "fuzz-key"
allowed_origins = ["https://ok.example"]
max_message_size = "64B"

[[topic]]
match = "hist/**"
history = 4
history_bytes = "1KiB"
retain_last = true

[[topic]]
match = "closed/*"
subscribe = "nobody"
publish = []

[[topic]]
match = "keyed/**"
subscribe = "api_key"
publish = ["clients"]
)";

const relay::RelayConfig& config_for(std::uint8_t options) {
  static const relay::RelayConfig open = relay::default_config();
  static const relay::RelayConfig strict = [] {
    relay::ConfigResult r = relay::load_config_string(kStrictConfig, "strict.toml");
    FUZZ_CHECK(r.ok());
    return *r.config;
  }();
  return options & 1 ? strict : open;
}

constexpr const char* kPeers[] = {"127.0.0.1", "::1", "10.9.8.7", "2001:db8::1"};

// A memory account with a limit, to reach the reader's 503; it must end at zero.
class SmallAccount final : public detail::mem::MemoryAccount {
 public:
  explicit SmallAccount(std::size_t limit) : limit_(limit) {}
  bool try_charge(std::size_t bytes, std::size_t) override {
    if (used_ + bytes > limit_) return false;
    used_ += bytes;
    return true;
  }
  void uncharge(std::size_t bytes) override {
    FUZZ_CHECK(bytes <= used_);
    used_ -= bytes;
  }
  std::size_t used() const { return used_; }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
};

// The statuses each route can answer with.
bool status_allowed(std::string_view method, std::string_view path, int status) {
  const bool get = method == "GET" || method == "HEAD";
  auto any_of = [&](std::initializer_list<int> s) {
    return std::find(s.begin(), s.end(), status) != s.end();
  };
  if (status == 404 || status == 405) return true;  // unknown paths and methods, or unknown topics
  if (method == "POST" && path.starts_with("/topics/")) return any_of({200, 400, 401, 403, 413});
  if (get && path == "/topics") return status == 200;
  if (get && path.starts_with("/topics/")) return any_of({200, 400});
  if (get && path == "/stats") return status == 200;
  if (get && (path == "/" || path == "/index.html" || path == "/sluice.js" || path.starts_with("/assets/")))
    return any_of({200, 304});
  return false;
}

// Reads an answer back with the engine's response parser; returns its status.
int check_response(const std::string& wire, bool head_only) {
  detail::RequestParser parser(wire.size(), 64, detail::HeadKind::response);
  auto r = parser.feed({reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()});
  FUZZ_CHECK(r.status == detail::RequestParser::Status::complete);
  const detail::RequestHead& head = parser.head();
  const std::string_view body = std::string_view(wire).substr(r.consumed);
  const std::string_view length = head.request.header("content-length");
  if (head_only) {
    // The length the body would have had, and no body.
    FUZZ_CHECK(!length.empty() && length.find_first_not_of("0123456789") == std::string_view::npos);
    FUZZ_CHECK(body.empty());
    return head.status;
  }
  FUZZ_CHECK(length == std::to_string(body.size()));
  if (head.request.header("content-type") == "application/json") FUZZ_CHECK(JsonCheck::valid(body));
  return head.status;
}

// The sequence number in a 200 publish answer: {"topic":...,"seq":N,...} (with the comma, no
// escaped topic name can spell it).
std::uint64_t seq_of(std::string_view body) {
  constexpr std::string_view kSeq = ",\"seq\":";
  const std::size_t at = body.find(kSeq);
  FUZZ_CHECK(at != std::string_view::npos);
  std::uint64_t n = 0;
  for (std::size_t i = at + kSeq.size(); i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i)
    n = n * 10 + static_cast<std::uint64_t>(body[i] - '0');
  return n;
}

// The relay's memory_limit as if resolved at start; the fuzzer's own account bounds gathered bodies.
constexpr std::uint64_t kMemoryLimit = std::uint64_t{1} << 30;

class Harness {
 public:
  Harness(std::uint8_t options, std::string_view peer)
      : config_(config_for(options)),
        server_(relay::engine_options(config_.server, kMemoryLimit), {}),
        relay_(server_, config_),
        access_(config_.server),
        http_(relay_, access_, refusals_, readiness_, counts_, [] { return std::string("{\"stats\":{}}"); }),
        websocket_(relay_, access_, refusals_, readiness_, counts_),
        account_(options & 2 ? 300 : SIZE_MAX),
        reader_(std::make_unique<RequestReader>(limits(), account_)) {
    http_.for_each_route([&](std::string_view method, std::string path, HttpHandler handler) {
      routes_.add(method, std::move(path), std::move(handler));
    });
    reader_->set_remote_address(peer);
  }

  // One read of the connection; false once the connection is done (closed or upgraded).
  bool feed(std::span<std::uint8_t> in) {
    while (open_) {
      RequestReader::Result r = reader_->feed(in);
      switch (r.kind) {
        case Kind::need_more:
          if (r.send_continue) FUZZ_CHECK(++continues_ == 1);  // once per request
          return true;
        case Kind::error:
          FUZZ_CHECK(r.http_status == 400 || r.http_status == 411 || r.http_status == 413 ||
                     r.http_status == 431 || r.http_status == 503 || r.http_status == 505);
          FUZZ_CHECK(check_response(detail::simple_response(r.http_status, "text/plain", r.reason), false) ==
                     r.http_status);
          open_ = false;
          return false;
        case Kind::upgrade:
          upgrade(reader_->head());
          open_ = false;
          return false;
        case Kind::request:
          in = in.subspan(r.consumed);
          serve(reader_->request(), reader_->keep_alive());
          if (!open_) return false;
          reader_->reset();
          continues_ = 0;
          if (in.empty()) return true;
          break;
      }
    }
    return false;
  }

  // Every topic counts exactly the publishes answered 200; nothing stays charged.
  void finish() {
    for (const auto& [topic, count] : published_) {
      const std::optional<relay::TopicSummary> t = relay_.topic(topic);
      FUZZ_CHECK(t && t->published == count && t->last_seq == count);
    }
    reader_.reset();
    FUZZ_CHECK(account_.used() == 0);
  }

 private:
  detail::RequestLimits limits() const {
    const ServerOptions o = relay::engine_options(config_.server, kMemoryLimit);
    return {o.max_header_bytes, o.max_headers, o.max_body_bytes};
  }

  // As Connection::serve_plain_http answers a plain request.
  void serve(const HttpRequest& req, bool keep_alive) {
    const bool head_only = req.method == "HEAD";
    detail::RouteTable::Match route = routes_.find(req.method, req.path);
    HttpResponse resp{404, "text/plain; charset=utf-8", "not found\n", {}};
    if (route.handler) {
      resp = (*route.handler)(req);
    } else if (route.path_known) {
      resp = {405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", route.allow}}};
    }
    FUZZ_CHECK(status_allowed(req.method, req.path, resp.status));
    const std::string wire = detail::http_response(resp, head_only, keep_alive);
    FUZZ_CHECK(check_response(wire, head_only) == resp.status);
    if (req.method == "POST" && resp.status == 200) on_published(req, resp.body);
    if (!keep_alive) open_ = false;
  }

  void on_published(const HttpRequest& req, std::string_view body) {
    if (config_.server.api_key.empty()) {
      const std::string_view peer = req.remote_address;
      FUZZ_CHECK(peer == "127.0.0.1" || peer == "::1");  // http_publish_from: loopback
    } else {
      FUZZ_CHECK(relay::bearer_token(req) == kKey);
    }
    FUZZ_CHECK(req.body.size() <= config_.server.max_message_size);
    const std::optional<std::string> topic = relay::topic_from_path(req.path);
    FUZZ_CHECK(topic && relay::check_topic_name(*topic) == relay::TopicCheck::ok);
    FUZZ_CHECK(seq_of(body) == ++published_[*topic]);
  }

  // As Connection::accept_upgrade asks the application, after the engine's own checks.
  void upgrade(const detail::RequestHead& head) {
    const detail::HandshakeCheck check = detail::check_upgrade(head);
    if (check.status != 0) return;  // answered by the engine (the request parser fuzzer's part)
    UpgradeRequest req;
    static_cast<HttpRequest&>(req) = head.request;
    UpgradeDecision d = websocket_.on_upgrade(req);
    if (d.status != 101) {
      FUZZ_CHECK(d.status == 400 || d.status == 401 || d.status == 403 || d.status == 404);
      FUZZ_CHECK(d.user_data == nullptr && !d.body.empty());
      FUZZ_CHECK(check_response(detail::simple_response(d.status, "text/plain", d.body), false) == d.status);
      return;
    }
    FUZZ_CHECK(d.subprotocol.empty() && d.user_data != nullptr);
    std::unique_ptr<relay::Subscriber> s(static_cast<relay::Subscriber*>(d.user_data));
    FUZZ_CHECK(access_.origin_allowed(req));
    if (s->kind == relay::Subscriber::Kind::stats) {
      FUZZ_CHECK(req.path == "/stats/ws");
      return;
    }
    const relay::SubscriptionRequest& sub = s->request;
    FUZZ_CHECK(!sub.patterns.empty() && sub.patterns.size() <= relay::max_patterns_per_subscription);
    FUZZ_CHECK(!sub.key.empty() && sub.key != relay::stats_feed_topic);
    FUZZ_CHECK(sub.resume.size() <= relay::max_resume_points);
    for (const relay::ResumePoint& point : sub.resume) FUZZ_CHECK(sub.matches(point.topic));
    for (const relay::TopicPattern& p : sub.patterns) {
      const relay::SubscribeAccess who = relay_.settings_for(p.text()).subscribe;
      FUZZ_CHECK(who != relay::SubscribeAccess::nobody);
      if (who == relay::SubscribeAccess::api_key) FUZZ_CHECK(access_.key_matches(req, sub.api_key));
    }
  }

  const relay::RelayConfig& config_;
  Server server_;
  relay::Relay relay_;
  relay::Access access_;
  relay::Refusals refusals_;
  relay::Readiness readiness_;
  relay::HttpCounts counts_;
  relay::HttpApi http_;
  relay::WebSocketApi websocket_;
  detail::RouteTable routes_;
  SmallAccount account_;
  std::unique_ptr<RequestReader> reader_;
  std::map<std::string, std::uint64_t> published_;
  int continues_ = 0;
  bool open_ = true;
};

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sluice::set_log_level(sluice::LogLevel::off);  // refusals are logged; the fuzzer checks them
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  StreamInput in;
  if (!parse_stream_input(data, size, in)) return 0;
  Harness h(in.options, kPeers[in.options >> 2 & 3]);
  for_each_read(in.stream, in.reads, [&](std::span<std::uint8_t> read, std::size_t) { return h.feed(read); });
  h.finish();
  return 0;
}
