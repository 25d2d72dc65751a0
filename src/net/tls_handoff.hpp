// What a TLS 1.3 session must hand over when sluice takes its records from OpenSSL after the
// handshake (tls_records.hpp): the two application traffic secrets, which OpenSSL gives out only
// through its key log callback, and how many records each side has already sent under them
// (the server's session tickets go out under its key before the handshake call returns), which
// its message callback lets us count. Nothing is logged or written anywhere: the secrets stay in
// this record, which lives only as long as the handshake.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstdint>

namespace sluice::detail {

struct TlsHandoff {
  static constexpr std::size_t kMaxSecret = 48;  // SHA-384's output, the largest TLS 1.3 hash
  struct Secret {
    std::array<std::uint8_t, kMaxSecret> bytes{};
    std::uint8_t size = 0;  // 0: not given yet
  };
  Secret client;  // CLIENT_TRAFFIC_SECRET_0
  Secret server;  // SERVER_TRAFFIC_SECRET_0
  // Records written after our Finished and read after the peer's: the sequence numbers under
  // the application keys.
  std::uint64_t written_after_finished = 0;
  std::uint64_t read_after_finished = 0;
  bool own_finished_written = false;
  bool peer_finished_read = false;

  ~TlsHandoff();  // wipes the secrets
};

// Makes every session of `ctx` give its traffic secrets to the TlsHandoff attached to it.
void capture_traffic_secrets(SSL_CTX* ctx);
// Attaches `handoff` to `ssl` (secrets and record counts go there) or, with null, detaches it.
void attach_handoff(SSL* ssl, TlsHandoff* handoff);

}  // namespace sluice::detail
