#include "ws/deflate_stream.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace sluice::detail {
namespace {

voidpf counted_alloc(voidpf opaque, uInt items, uInt size) {
  auto* c = static_cast<ZlibCharge*>(opaque);
  void* p = std::malloc(static_cast<std::size_t>(items) * size);
  if (!p) return Z_NULL;
  const std::size_t n = malloc_usable_size(p);
  if (!c->account->try_charge(n, c->held + n)) {
    std::free(p);
    return Z_NULL;
  }
  c->held += n;
  return p;
}

void counted_free(voidpf opaque, voidpf p) {
  auto* c = static_cast<ZlibCharge*>(opaque);
  const std::size_t n = malloc_usable_size(p);
  c->account->uncharge(n);
  c->held -= n;
  std::free(p);
}

std::unique_ptr<z_stream> new_stream(ZlibCharge& charge) {
  auto z = std::make_unique<z_stream>();
  std::memset(z.get(), 0, sizeof(z_stream));
  z->zalloc = counted_alloc;
  z->zfree = counted_free;
  z->opaque = &charge;
  return z;
}

// The tail a sync flush leaves, which §7.2.1 takes off and §7.2.2 puts back.
constexpr std::uint8_t kTail[4] = {0x00, 0x00, 0xff, 0xff};

// Output grows in steps of this much, so that a message's size is checked before zlib writes it.
constexpr std::size_t kStep = 16 * 1024;

}  // namespace

bool Deflater::compress(std::string_view in, std::string& out, bool keep_context) {
  if (!z_) {
    z_ = new_stream(charge_);
    // memLevel 8 is zlib's default; a raw stream (negative bits) has no zlib header (§7.2.1).
    if (deflateInit2(z_.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits_, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      z_.reset();
      return false;
    }
  }
  out.resize(deflateBound(z_.get(), in.size()) + 8);
  z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_->avail_in = static_cast<uInt>(in.size());
  z_->next_out = reinterpret_cast<Bytef*>(out.data());
  z_->avail_out = static_cast<uInt>(out.size());
  const int r = deflate(z_.get(), Z_SYNC_FLUSH);
  if ((r != Z_OK && r != Z_BUF_ERROR) || z_->avail_in != 0 || z_->avail_out == 0) {
    release();
    return false;
  }
  std::size_t n = out.size() - z_->avail_out;
  if (n >= 4 && std::memcmp(out.data() + n - 4, kTail, 4) == 0) n -= 4;
  out.resize(n);
  if (!keep_context) deflateReset(z_.get());
  return true;
}

void Deflater::release() {
  if (!z_) return;
  deflateEnd(z_.get());
  z_.reset();
}

Inflater::Result Inflater::inflate(std::span<const std::uint8_t> in, std::string& out, std::size_t limit,
                                   bool keep_context) {
  if (!z_) {
    z_ = new_stream(charge_);
    // A 15-bit window reads what any smaller one wrote.
    if (inflateInit2(z_.get(), -15) != Z_OK) {
      z_.reset();
      return Result::error;
    }
  }
  out.clear();
  for (std::span<const std::uint8_t> src : {in, std::span<const std::uint8_t>(kTail, 4)}) {
    z_->next_in = const_cast<Bytef*>(src.data());
    z_->avail_in = static_cast<uInt>(src.size());
    do {
      const std::size_t used = out.size();
      // One byte past the limit tells a message of exactly `limit` bytes from a bigger one.
      if (used > limit) return fail(Result::too_big);
      const std::size_t room = std::min(kStep, limit + 1 - used);
      out.resize(used + room);
      z_->next_out = reinterpret_cast<Bytef*>(out.data() + used);
      z_->avail_out = static_cast<uInt>(room);
      const int r = ::inflate(z_.get(), Z_SYNC_FLUSH);
      out.resize(used + room - z_->avail_out);
      if (r == Z_STREAM_END) return ended(out, limit, keep_context);
      if (r == Z_BUF_ERROR) break;  // no progress: the input is used up
      if (r != Z_OK) return fail(Result::error);
    } while (z_->avail_in > 0 || z_->avail_out == 0);
  }
  if (out.size() > limit) return fail(Result::too_big);
  if (!keep_context) inflateReset(z_.get());
  return Result::ok;
}

// A block with BFINAL set ends the sender's DEFLATE stream (RFC 7692 §7.2.3.4 allows it as a
// flush): what follows it in the message, the tail put back included, is not DEFLATE data and
// is passed over. The next message starts a new stream, which may still refer back to this
// one's data when the context is kept.
Inflater::Result Inflater::ended(const std::string& out, std::size_t limit, bool keep_context) {
  if (out.size() > limit) return fail(Result::too_big);
  if (keep_context) {
    inflateResetKeep(z_.get());
  } else {
    inflateReset(z_.get());
  }
  return Result::ok;
}

Inflater::Result Inflater::fail(Result r) {
  release();
  return r;
}

void Inflater::release() {
  if (!z_) return;
  inflateEnd(z_.get());
  z_.reset();
}

}  // namespace sluice::detail
