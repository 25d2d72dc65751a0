// TLS 1.3 records after the handshake (RFC 8446 §5), kept by sluice instead of OpenSSL's SSL
// object. OpenSSL makes the handshake; once it is done, its session holds some 14 KiB for the
// life of the connection (the SSL object alone is 7.6 KiB in 3.0), which would make an idle
// secure connection 70 times the size of a plain one. What the records need is far less: per
// direction a traffic secret, the AEAD context made from it (OpenSSL's, so the cryptography stays
// OpenSSL's), a static IV and a sequence number. This is the hand-over OpenSSL makes to the
// kernel for kernel TLS, made to our own code.
//
// A record is opened and sealed in place. What arrives after the handshake besides application
// data is handled here as RFC 8446 says: KeyUpdate (§4.6.3) moves the read key on and, when asked,
// ours; a client ignores session tickets (it keeps no sessions); close_notify ends the stream;
// any other alert, message or record is an error with the alert to send back.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace sluice::detail {

struct TlsHandoff;

class TlsRecords {
 public:
  static constexpr std::size_t kHeader = 5;
  static constexpr std::size_t kTag = 16;
  static constexpr std::size_t kMaxPlain = 16 * 1024;                        // RFC 8446 §5.1
  static constexpr std::size_t kMaxWire = kHeader + kMaxPlain + 256;         // §5.2: the largest to accept
  static constexpr std::size_t kMaxSealed = kHeader + kMaxPlain + 1 + kTag;  // the largest we make
  // §5.5: AES-GCM keys are good for about 2^24.5 full records; we move ours on well before.
  static constexpr std::uint64_t kRecordsPerKey = std::uint64_t{1} << 24;
  // Record content types (§5.1).
  static constexpr std::uint8_t kAlert = 21;
  static constexpr std::uint8_t kHandshake = 22;
  static constexpr std::uint8_t kApplicationData = 23;

  // Takes the records of `ssl`, an established TLS 1.3 session whose traffic secrets and record
  // counts `handoff` collected; null when they cannot be taken (another version, a cipher other
  // than AES-GCM or ChaCha20-Poly1305, a secret not given, a byte still held by OpenSSL), and the
  // session then stays with OpenSSL.
  static std::unique_ptr<TlsRecords> take(SSL* ssl, const TlsHandoff& handoff);
  // The same from the secrets themselves: `suite` is the cipher suite's number (0x1301 to 0x1303),
  // `ours` and `theirs` the traffic secrets we write and read with, `written` and `read` the
  // records already sent under each. Null when the suite is not one of those or a secret is not
  // its hash's size.
  static std::unique_ptr<TlsRecords> from_secrets(std::uint16_t suite, bool server,
                                                  std::span<const std::uint8_t> ours,
                                                  std::span<const std::uint8_t> theirs, std::uint64_t written,
                                                  std::uint64_t read);
  ~TlsRecords();
  TlsRecords(const TlsRecords&) = delete;
  TlsRecords& operator=(const TlsRecords&) = delete;

  // The length on the wire of the record at the front of `in`: 0 while its header is incomplete,
  // or an alert to send when the header is bad (wrong type, too long).
  struct Size {
    std::size_t bytes = 0;
    std::uint8_t alert = 0;
  };
  static Size record_size(std::span<const std::uint8_t> in);

  // What one record said, once opened.
  struct Received {
    enum class Kind : std::uint8_t {
      data,          // application bytes, in `data`
      nothing,       // a handshake message handled here (a key update, a session ticket)
      close_notify,  // the peer's end of stream
      peer_alert,    // a fatal alert from the peer; `why` names it
      error,         // alert `alert` to send (0: none); `why` for the log
    };
    Kind kind = Kind::nothing;
    std::span<std::uint8_t> data;
    std::uint8_t alert = 0;
    const char* why = "";
  };
  // Opens the whole record `record` in place (record_size(record).bytes == record.size()).
  Received open(std::span<std::uint8_t> record);

  // Seals `plain` (at most kMaxPlain bytes; it may start at out + kHeader) as application data
  // into `out`, which holds kMaxSealed; returns the record's length, 0 when sealing failed. A
  // key update we owe goes first (seal_key_update).
  std::size_t seal_data(std::span<const std::uint8_t> plain, std::uint8_t* out);
  // Our KeyUpdate, then our next key: owed when the peer asked for it, or when this key has
  // sealed so many records that RFC 8446 §5.5 wants it changed.
  bool key_update_owed() const { return key_update_owed_; }
  std::size_t seal_key_update(std::uint8_t* out);
  // An alert record (close_notify is 0), 0 when sealing failed.
  std::size_t seal_alert(std::uint8_t description, std::uint8_t* out);
  // A record of any content type: `plain` then `type` sealed (seal_data, seal_alert and
  // seal_key_update are made of it).
  std::size_t seal(std::uint8_t type, std::span<const std::uint8_t> plain, std::uint8_t* out);

 private:
  struct Direction {
    EVP_CIPHER_CTX* aead = nullptr;
    std::uint8_t secret[48] = {};
    std::uint8_t iv[12] = {};
    std::uint64_t sequence = 0;
  };
  TlsRecords() = default;
  bool install(Direction& d, bool sealing);      // the key and IV of d.secret
  bool next_secret(Direction& d, bool sealing);  // RFC 8446 §7.2, then install
  void nonce(const Direction& d, std::uint8_t out[12]) const;
  Received on_handshake(std::span<const std::uint8_t> messages);

  const EVP_CIPHER* cipher_ = nullptr;
  const EVP_MD* hash_ = nullptr;
  std::uint8_t secret_size_ = 0;
  std::uint8_t key_size_ = 0;
  bool server_ = false;
  bool key_update_owed_ = false;
  Direction read_;
  Direction write_;
};

}  // namespace sluice::detail
