#include "http/request_reader.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "http/handshake.hpp"
#include "http/tokens.hpp"

namespace sluice::detail {

namespace {

// Copies `from` into `block` (which has room for its total size) and points `to` at the copy.
class Copier {
 public:
  explicit Copier(char* block) : at_(block) {}
  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    std::memcpy(at_, s.data(), s.size());
    std::string_view out(at_, s.size());
    at_ += s.size();
    return out;
  }
  char* at() const { return at_; }

 private:
  char* at_;
};

std::size_t text_size(const HttpRequest& r) {
  std::size_t n = r.method.size() + r.target.size() + r.remote_address.size();
  for (const HttpHeader& h : r.headers) n += h.name.size() + h.value.size();
  return n;
}

}  // namespace

struct RequestReader::Gathered {
  std::unique_ptr<char[]> block;  // the head's text, then the body
  std::size_t charged = 0;
  std::vector<HttpHeader> headers;
  HttpRequest request;
  char* body = nullptr;
  std::size_t body_have = 0;
  std::size_t body_want = 0;
};

BodyLength declared_body_length(const HttpRequest& req) {
  BodyLength out;
  if (req.has_header("transfer-encoding")) {
    out.error_status = 411;
    out.reason = "only Content-Length request bodies are accepted";
    return out;
  }
  bool seen = false;
  for (const HttpHeader& h : req.headers) {
    if (!iequals(h.name, "content-length")) continue;
    std::string_view v = h.value;
    if (v.empty() || v.size() > 15) return {0, 400, "malformed Content-Length"};
    std::size_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return {0, 400, "malformed Content-Length"};
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (seen && n != out.bytes) return {0, 400, "conflicting Content-Length headers"};
    seen = true;
    out.bytes = n;
  }
  return out;
}

RequestReader::RequestReader(RequestLimits limits, mem::MemoryAccount& account)
    : limits_(limits), account_(account) {
  parser_.emplace(limits.max_header_bytes, limits.max_headers);
}

RequestReader::~RequestReader() { release(); }

void RequestReader::release() {
  if (!gathered_) return;
  account_.uncharge(gathered_->charged);
  gathered_.reset();
}

void RequestReader::reset() {
  release();
  ++served_;
  parser_.emplace(limits_.max_header_bytes, limits_.max_headers);
  keep_alive_ = false;
  continue_sent_ = false;
}

bool RequestReader::keep_alive() const { return keep_alive_; }

void RequestReader::set_remote_address(std::string_view address) {
  address_size_ = static_cast<std::uint8_t>(std::min(address.size(), sizeof address_));
  std::memcpy(address_, address.data(), address_size_);
}

const HttpRequest& RequestReader::request() const {
  return gathered_ ? gathered_->request : parser_->head().request;
}

RequestReader::Result RequestReader::feed(std::span<const std::uint8_t> chunk) {
  if (gathered_) return gather(chunk);
  RequestParser::Result r = parser_->feed(chunk);
  switch (r.status) {
    case RequestParser::Status::need_more: return {};
    case RequestParser::Status::error: return {Kind::error, 0, false, r.http_status, r.reason};
    case RequestParser::Status::complete: break;
  }
  return on_head(chunk, r.consumed);
}

RequestReader::Result RequestReader::on_head(std::span<const std::uint8_t> chunk, std::size_t head_bytes) {
  RequestHead& head = parser_->head();
  HttpRequest& req = head.request;
  req.remote_address = {address_, address_size_};
  if (wants_websocket(req)) return {Kind::upgrade, head_bytes};
  keep_alive_ = head.minor_version == 1 ? !has_token(req, "connection", "close")
                                        : has_token(req, "connection", "keep-alive");
  BodyLength len = declared_body_length(req);
  if (len.error_status) return {Kind::error, head_bytes, false, len.error_status, len.reason};
  if (len.bytes > limits_.max_body_bytes)
    return {Kind::error, head_bytes, false, 413, "request body too large"};
  const std::size_t here = chunk.size() - head_bytes;
  if (here >= len.bytes) {  // the whole body came with the head: served in place
    req.body = {reinterpret_cast<const char*>(chunk.data()) + head_bytes, len.bytes};
    return {Kind::request, head_bytes + len.bytes};
  }

  // The body spans reads: copy the head out of the read buffer, with room for the body.
  const std::size_t total = text_size(req) + len.bytes;
  if (!account_.try_charge(total, total))
    return {Kind::error, head_bytes, false, 503, "server memory budget exhausted"};
  gathered_ = std::make_unique<Gathered>();
  Gathered& g = *gathered_;
  g.charged = total;
  g.block = std::make_unique<char[]>(total);
  Copier c(g.block.get());
  g.request.method = c.copy(req.method);
  g.request.target = c.copy(req.target);
  const std::size_t q = g.request.target.find('?');
  g.request.path = g.request.target.substr(0, q);
  g.request.query = q == std::string_view::npos ? std::string_view{} : g.request.target.substr(q + 1);
  g.request.remote_address = c.copy(req.remote_address);
  g.headers.reserve(req.headers.size());
  for (const HttpHeader& h : req.headers) {
    std::string_view name = c.copy(h.name);
    g.headers.push_back({name, c.copy(h.value)});
  }
  g.request.headers = g.headers;
  g.body = c.at();
  g.body_want = len.bytes;
  Result r = gather(chunk.subspan(head_bytes));
  r.consumed += head_bytes;
  if (r.kind == Kind::need_more && !continue_sent_ && has_token(req, "expect", "100-continue")) {
    r.send_continue = true;
    continue_sent_ = true;
  }
  return r;
}

RequestReader::Result RequestReader::gather(std::span<const std::uint8_t> chunk) {
  Gathered& g = *gathered_;
  const std::size_t take = std::min(chunk.size(), g.body_want - g.body_have);
  std::memcpy(g.body + g.body_have, chunk.data(), take);
  g.body_have += take;
  if (g.body_have < g.body_want) return {Kind::need_more, take};
  g.request.body = {g.body, g.body_want};
  return {Kind::request, take};
}

}  // namespace sluice::detail
