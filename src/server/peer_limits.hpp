// PeerLimits: max_connections and max_connections_per_ip for one server, across its workers.
// A connection is admitted at accept and released when it is destroyed; an address leaves the
// table with its last connection, so the table follows live connections. Taken once per accept
// and close, under a mutex, never per message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace sluice::detail {

class PeerLimits {
 public:
  enum class Admit : std::uint8_t { ok, over_total, over_per_peer };

  // 0: no limit.
  PeerLimits(std::size_t max_total, std::size_t max_per_peer)
      : max_total_(max_total), max_per_peer_(max_per_peer) {}

  // `peer` is net/socket.hpp's peer_key.
  Admit admit(std::uint64_t peer) {
    std::lock_guard lock(mutex_);
    if (max_total_ > 0 && total_ >= max_total_) return Admit::over_total;
    if (max_per_peer_ > 0) {
      std::uint32_t& n = per_peer_[peer];
      if (n >= max_per_peer_) return Admit::over_per_peer;
      ++n;
    }
    ++total_;
    return Admit::ok;
  }
  void release(std::uint64_t peer) {
    std::lock_guard lock(mutex_);
    --total_;
    if (max_per_peer_ == 0) return;
    auto it = per_peer_.find(peer);
    if (it != per_peer_.end() && --it->second == 0) per_peer_.erase(it);
  }

 private:
  std::mutex mutex_;
  std::size_t max_total_;
  std::size_t max_per_peer_;
  std::size_t total_ = 0;
  std::unordered_map<std::uint64_t, std::uint32_t> per_peer_;
};

}  // namespace sluice::detail
