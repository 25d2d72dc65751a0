// Fuzzes the TLS 1.3 record layer sluice keeps after the handshake (src/net/tls_records): two
// record layers facing each other with crossed secrets, one sealing what the input says (data,
// any content type with any content, key updates, alerts) and the other opening it, plus raw
// bytes taken as a record off the wire. Each outcome is held against a model written from RFC
// 8446 (§5.1 record headers, §5.2 padding and content type, §4.6.3 KeyUpdate, §6 alerts): data
// comes back byte for byte, a key update keeps both sides in step, every refusal names the alert
// the RFC asks for, a forged record never opens, and a key used for kRecordsPerKey records is
// owed a change.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "net/tls_records.hpp"

namespace sluice::fuzz {
namespace {

using detail::TlsRecords;
using Kind = TlsRecords::Received::Kind;

struct Expected {
  Kind kind = Kind::nothing;
  std::uint8_t alert = 0;
  std::vector<std::uint8_t> data;
  bool moves_read_key = false;  // a KeyUpdate the receiver acted on
  bool asks_update = false;     // ... with update_requested
};

Expected refused(std::uint8_t alert) { return {Kind::error, alert, {}, false, false}; }

Expected model_handshake(std::span<const std::uint8_t> c, bool receiver_is_server) {
  if (c.empty()) return refused(10);
  Expected e;
  while (!c.empty()) {
    if (c.size() < 4) return refused(10);
    const std::size_t length = std::size_t{c[1]} << 16 | std::size_t{c[2]} << 8 | c[3];
    if (c.size() - 4 < length) return refused(10);
    const std::uint8_t type = c[0];
    const std::span<const std::uint8_t> body = c.subspan(4, length);
    c = c.subspan(4 + length);
    if (type == 4 && !receiver_is_server) continue;
    if (type != 24) return refused(10);
    if (length != 1) return refused(50);
    if (body[0] > 1) return refused(47);
    if (!c.empty()) return refused(10);
    e.moves_read_key = true;
    e.asks_update = body[0] == 1;
  }
  return e;
}

// What opening a record sealed from `content` then `type` must give.
Expected model_open(std::uint8_t type, std::span<const std::uint8_t> content, bool receiver_is_server) {
  std::vector<std::uint8_t> inner(content.begin(), content.end());
  inner.push_back(type);
  while (!inner.empty() && inner.back() == 0) inner.pop_back();
  if (inner.empty()) return refused(10);
  const std::uint8_t t = inner.back();
  inner.pop_back();
  if (inner.size() > TlsRecords::kMaxPlain) return refused(22);
  switch (t) {
    case TlsRecords::kApplicationData: return {Kind::data, 0, inner, false, false};
    case TlsRecords::kHandshake: return model_handshake(inner, receiver_is_server);
    case TlsRecords::kAlert:
      if (inner.size() != 2) return refused(50);
      if (inner[1] == 0) return {Kind::close_notify, 0, {}, false, false};
      if (inner[1] == 90) return {};
      return {Kind::peer_alert, 0, {}, false, false};
    default: return refused(10);
  }
}

// §5.1/§5.2 on a header alone.
TlsRecords::Size model_size(std::span<const std::uint8_t> in) {
  if (in.size() < 5) return {};
  const std::size_t length = std::size_t{in[3]} << 8 | in[4];
  if (in[0] != 23) return {0, 10};
  if (length > TlsRecords::kMaxPlain + 256) return {0, 22};
  if (length < 17) return {0, 50};
  return {5 + length, 0};
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  bool done() const { return in_.empty(); }
  std::uint8_t byte() {
    if (in_.empty()) return 0;
    const std::uint8_t b = in_[0];
    in_ = in_.subspan(1);
    return b;
  }
  std::size_t u16() { return std::size_t{byte()} << 8 | byte(); }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, in_.size());
    const auto out = in_.first(n);
    in_ = in_.subspan(n);
    return out;
  }

 private:
  std::span<const std::uint8_t> in_;
};

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  if (size < 1) return 0;
  Reader in({data, size});
  const std::uint8_t options = in.byte();
  static constexpr std::uint16_t kSuites[] = {0x1301, 0x1302, 0x1303, 0x1303};
  const std::uint16_t suite = kSuites[options & 3];
  const bool receiver_is_server = (options & 4) != 0;
  static constexpr std::uint64_t kStarts[] = {0, TlsRecords::kRecordsPerKey - 2, UINT64_MAX - 2, 1};
  std::uint64_t sequence = kStarts[(options >> 3) & 3];
  const std::size_t secret_size = suite == 0x1302 ? 48 : 32;
  std::vector<std::uint8_t> a(secret_size, 0xA5), b(secret_size, 0x5A);
  a[0] = options;
  auto sender = TlsRecords::from_secrets(suite, !receiver_is_server, a, b, sequence, 0);
  auto receiver = TlsRecords::from_secrets(suite, receiver_is_server, b, a, 0, sequence);
  FUZZ_CHECK(sender && receiver);

  std::vector<std::uint8_t> out(TlsRecords::kMaxSealed);
  bool owed = false;  // the sender's key update, as the model sees it
  while (!in.done()) {
    const std::uint8_t op = in.byte() % 5;
    std::size_t n = 0;
    Expected want;
    if (op == 3) {  // raw bytes as a record: no forgery opens
      const std::span<const std::uint8_t> raw = in.take(in.u16() % 400);
      std::vector<std::uint8_t> record(raw.begin(), raw.end());
      const TlsRecords::Size got = TlsRecords::record_size(record);
      const TlsRecords::Size model = model_size(record);
      FUZZ_CHECK(got.bytes == model.bytes && got.alert == model.alert);
      if (got.alert != 0 || got.bytes == 0 || got.bytes > record.size()) return 0;
      const TlsRecords::Received r = receiver->open({record.data(), got.bytes});
      // An exhausted read sequence refuses before trying the tag.
      FUZZ_CHECK(r.kind == Kind::error && r.alert == (sequence == UINT64_MAX ? 10 : 20));
      return 0;
    }
    if (op == 1) {  // a key update from seal_key_update: both sides move on together
      n = sender->seal_key_update(out.data());
      if (sequence == UINT64_MAX) {
        FUZZ_CHECK(n == 0);
        return 0;
      }
      FUZZ_CHECK(n > 0 && !sender->key_update_owed());
      want =
          model_open(TlsRecords::kHandshake, std::vector<std::uint8_t>{24, 0, 0, 1, 0}, receiver_is_server);
      sequence = 0;
      owed = false;
    } else {
      std::uint8_t type = TlsRecords::kApplicationData;
      std::span<const std::uint8_t> content;
      std::vector<std::uint8_t> alert;
      if (op == 0) {
        content = in.take(in.u16() % (TlsRecords::kMaxPlain + 1));
        n = sender->seal_data(content, out.data());
      } else if (op == 2) {
        type = in.byte();
        content = in.take(in.byte());
        n = sender->seal(type, content, out.data());
      } else {
        const std::uint8_t description = in.byte();
        alert = {static_cast<std::uint8_t>(description == 0 ? 1 : 2), description};
        type = TlsRecords::kAlert;
        content = alert;
        n = sender->seal_alert(description, out.data());
      }
      if (sequence == UINT64_MAX) {
        FUZZ_CHECK(n == 0);
        return 0;
      }
      FUZZ_CHECK(n == 5 + content.size() + 1 + 16);
      want = model_open(type, content, receiver_is_server);
      owed = owed || sequence + 1 >= TlsRecords::kRecordsPerKey;
      ++sequence;
    }
    FUZZ_CHECK(sender->key_update_owed() == owed);
    const TlsRecords::Size size = TlsRecords::record_size({out.data(), n});
    FUZZ_CHECK(size.alert == 0 && size.bytes == n);
    const TlsRecords::Received got = receiver->open({out.data(), n});
    FUZZ_CHECK(got.kind == want.kind);
    if (got.kind == Kind::error) {
      FUZZ_CHECK(got.alert == want.alert);
      return 0;
    }
    if (got.kind == Kind::data)
      FUZZ_CHECK(got.data.size() == want.data.size() &&
                 std::equal(got.data.begin(), got.data.end(), want.data.begin()));
    if (got.kind == Kind::close_notify || got.kind == Kind::peer_alert) return 0;
    if (want.moves_read_key) {
      FUZZ_CHECK(receiver->key_update_owed() == want.asks_update);
      if (op != 1) return 0;  // the sender's key stayed: the two are out of step from here
    }
  }
  return 0;
}
