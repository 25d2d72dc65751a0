// RawPeer: one client socket driven by hand, for the scenarios that must do what no polite client
// does (cut a handshake halfway, reset an upgraded connection) and for the storm's thousands of
// simultaneous connects. Blocking calls are bounded by SO_RCVTIMEO/SO_SNDTIMEO; each peer binds
// a 127.0.0.x source address of its own so that many connections fit (see raw_ws.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "raw_ws.hpp"

namespace sluice::bench {

// The opening handshake for `target` (RFC 6455 §4.1), with a fixed key.
std::string upgrade_request(const WsTarget& target);

class RawPeer {
 public:
  RawPeer() = default;
  ~RawPeer() { close(); }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  // A socket bound to 127.0.0.(2 + source % 200), connecting to `target`: blocking (bounded by
  // `timeout_ms`) or not. False with `error` set when that fails at once.
  bool open(const WsTarget& target, int source, int timeout_ms, bool blocking, std::string& error);
  int fd() const { return fd_; }
  bool send_all(std::string_view data, std::string& error);
  // Blocking: reads the response head; true for a 101 (`error` names anything else).
  bool read_upgrade(std::string& error);
  // Reads what is there without blocking into the head buffer; true once a whole head arrived
  // (then `upgraded()` says whether it was a 101). False with `error` set when the peer went.
  bool poll_upgrade(std::string& error);
  bool upgraded() const { return upgraded_; }
  // Blocking: reads one server frame (unmasked), returning its first byte and payload.
  bool read_frame(std::uint8_t& first, std::string& payload, std::string& error);
  // Sends a masked close frame with code 1000 (RFC 6455 §5.5.1).
  bool send_close(std::string& error);
  // Blocking: reads until the server closes (true) or the timeout passes.
  bool wait_eof();
  // Closes with a TCP reset (SO_LINGER 0) instead of a FIN.
  void reset();
  void close();

 private:
  bool recv_exact(char* out, std::size_t n, std::string& error);

  int fd_ = -1;
  std::string head_;  // the response head as it arrives, then what followed it
  bool upgraded_ = false;
};

}  // namespace sluice::bench
