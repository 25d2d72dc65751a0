#include "net/tls_records.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string_view>

#include "net/tls_handoff.hpp"

namespace sluice::detail {
namespace {

// Message types and alerts (RFC 8446 §4, §6).
constexpr std::uint8_t kNewSessionTicket = 4;
constexpr std::uint8_t kKeyUpdate = 24;
constexpr std::uint8_t kCloseNotify = 0;
constexpr std::uint8_t kUnexpectedMessage = 10;
constexpr std::uint8_t kBadRecordMac = 20;
constexpr std::uint8_t kRecordOverflow = 22;
constexpr std::uint8_t kIllegalParameter = 47;
constexpr std::uint8_t kDecodeError = 50;
constexpr std::uint8_t kUserCanceled = 90;

const EVP_CIPHER* fetched(const char* name) { return EVP_CIPHER_fetch(nullptr, name, nullptr); }

// The AEAD of a TLS 1.3 cipher suite and its key length; null for a suite not taken over (CCM).
const EVP_CIPHER* aead_of(std::uint16_t suite, std::uint8_t& key_size) {
  static const EVP_CIPHER* aes128 = fetched("AES-128-GCM");
  static const EVP_CIPHER* aes256 = fetched("AES-256-GCM");
  static const EVP_CIPHER* chacha = fetched("ChaCha20-Poly1305");
  switch (suite) {
    case 0x1301: key_size = 16; return aes128;
    case 0x1302: key_size = 32; return aes256;
    case 0x1303: key_size = 32; return chacha;
    default: return nullptr;
  }
}

// HKDF-Expand-Label(secret, label, "", size) (§7.1).
bool expand_label(const EVP_MD* hash, std::span<const std::uint8_t> secret, std::string_view label,
                  std::uint8_t* out, std::size_t size) {
  static EVP_KDF* hkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  constexpr std::string_view kPrefix = "tls13 ";
  std::uint8_t info[2 + 1 + 32 + 1];
  const std::size_t label_size = kPrefix.size() + label.size();
  info[0] = static_cast<std::uint8_t>(size >> 8);
  info[1] = static_cast<std::uint8_t>(size);
  info[2] = static_cast<std::uint8_t>(label_size);
  std::memcpy(info + 3, kPrefix.data(), kPrefix.size());
  std::memcpy(info + 3 + kPrefix.size(), label.data(), label.size());
  info[3 + label_size] = 0;  // no context
  EVP_KDF_CTX* kdf = hkdf ? EVP_KDF_CTX_new(hkdf) : nullptr;
  if (!kdf) return false;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(hash)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 4 + label_size),
      OSSL_PARAM_construct_end(),
  };
  const bool ok = EVP_KDF_derive(kdf, out, size, params) == 1;
  EVP_KDF_CTX_free(kdf);
  return ok;
}

TlsRecords::Received failure(std::uint8_t alert, const char* why) {
  return {TlsRecords::Received::Kind::error, {}, alert, why};
}

}  // namespace

std::unique_ptr<TlsRecords> TlsRecords::take(SSL* ssl, const TlsHandoff& h) {
  if (SSL_version(ssl) != TLS1_3_VERSION || !h.own_finished_written || !h.peer_finished_read) return nullptr;
  if (SSL_has_pending(ssl) || BIO_wpending(SSL_get_wbio(ssl)) > 0) return nullptr;
  const SSL_CIPHER* suite = SSL_get_current_cipher(ssl);
  if (!suite) return nullptr;
  const bool server = SSL_is_server(ssl) == 1;
  const TlsHandoff::Secret& ours = server ? h.server : h.client;
  const TlsHandoff::Secret& theirs = server ? h.client : h.server;
  return from_secrets(SSL_CIPHER_get_protocol_id(suite), server, {ours.bytes.data(), ours.size},
                      {theirs.bytes.data(), theirs.size}, h.written_after_finished, h.read_after_finished);
}

std::unique_ptr<TlsRecords> TlsRecords::from_secrets(std::uint16_t suite, bool server,
                                                     std::span<const std::uint8_t> ours,
                                                     std::span<const std::uint8_t> theirs,
                                                     std::uint64_t written, std::uint64_t read) {
  std::unique_ptr<TlsRecords> r(new TlsRecords);
  r->cipher_ = aead_of(suite, r->key_size_);
  r->hash_ = suite == 0x1302 ? EVP_sha384() : EVP_sha256();
  if (!r->cipher_) return nullptr;
  const auto secret_size = static_cast<std::size_t>(EVP_MD_get_size(r->hash_));
  if (ours.size() != secret_size || theirs.size() != secret_size) return nullptr;
  r->secret_size_ = static_cast<std::uint8_t>(secret_size);
  r->server_ = server;
  std::memcpy(r->write_.secret, ours.data(), secret_size);
  std::memcpy(r->read_.secret, theirs.data(), secret_size);
  if (!r->install(r->write_, true) || !r->install(r->read_, false)) return nullptr;
  r->write_.sequence = written;
  r->read_.sequence = read;
  return r;
}

TlsRecords::~TlsRecords() {
  EVP_CIPHER_CTX_free(read_.aead);
  EVP_CIPHER_CTX_free(write_.aead);
  OPENSSL_cleanse(read_.secret, sizeof read_.secret);
  OPENSSL_cleanse(write_.secret, sizeof write_.secret);
}

bool TlsRecords::install(Direction& d, bool sealing) {
  std::uint8_t key[32];
  const std::span<const std::uint8_t> secret(d.secret, secret_size_);
  bool ok = expand_label(hash_, secret, "key", key, key_size_) &&
            expand_label(hash_, secret, "iv", d.iv, sizeof d.iv);
  if (ok && !d.aead) d.aead = EVP_CIPHER_CTX_new();
  ok = ok && d.aead && EVP_CipherInit_ex(d.aead, cipher_, nullptr, key, nullptr, sealing ? 1 : 0) == 1;
  OPENSSL_cleanse(key, sizeof key);
  d.sequence = 0;
  return ok;
}

bool TlsRecords::next_secret(Direction& d, bool sealing) {
  std::uint8_t next[48];
  if (!expand_label(hash_, {d.secret, secret_size_}, "traffic upd", next, secret_size_)) return false;
  std::memcpy(d.secret, next, secret_size_);
  OPENSSL_cleanse(next, sizeof next);
  return install(d, sealing);
}

// §5.3: the IV with the record's sequence number, left-padded, XORed into its last 8 bytes.
void TlsRecords::nonce(const Direction& d, std::uint8_t out[12]) const {
  std::memcpy(out, d.iv, 12);
  for (int i = 0; i < 8; ++i) out[11 - i] ^= static_cast<std::uint8_t>(d.sequence >> (8 * i));
}

TlsRecords::Size TlsRecords::record_size(std::span<const std::uint8_t> in) {
  if (in.size() < kHeader) return {};
  const std::size_t length = std::size_t{in[3]} << 8 | in[4];
  if (in[0] != kApplicationData) return {0, kUnexpectedMessage};  // all are protected now
  if (length > kMaxWire - kHeader) return {0, kRecordOverflow};
  if (length < kTag + 1) return {0, kDecodeError};
  return {kHeader + length, 0};
}

TlsRecords::Received TlsRecords::open(std::span<std::uint8_t> record) {
  if (read_.sequence == UINT64_MAX)
    return failure(kUnexpectedMessage, "TLS error: record sequence exhausted");
  std::uint8_t* body = record.data() + kHeader;
  const std::size_t sealed = record.size() - kHeader - kTag;
  std::uint8_t iv[12];
  nonce(read_, iv);
  EVP_CIPHER_CTX* c = read_.aead;
  int n = 0;
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, iv) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, kTag, body + sealed) != 1 ||
      EVP_DecryptUpdate(c, nullptr, &n, record.data(), kHeader) != 1 ||
      EVP_DecryptUpdate(c, body, &n, body, static_cast<int>(sealed)) != 1 ||
      EVP_DecryptFinal_ex(c, body + n, &n) != 1)
    return failure(kBadRecordMac, "TLS error: bad record mac");
  ++read_.sequence;
  std::size_t end = sealed;  // the content type is the last byte that is not padding
  while (end > 0 && body[end - 1] == 0) --end;
  if (end == 0) return failure(kUnexpectedMessage, "TLS error: a record without a content type");
  const std::uint8_t type = body[end - 1];
  std::span<std::uint8_t> content(body, end - 1);
  if (content.size() > kMaxPlain) return failure(kRecordOverflow, "TLS error: record overflow");
  switch (type) {
    case kApplicationData: return {Received::Kind::data, content};
    case kHandshake: return on_handshake(content);
    case kAlert:
      if (content.size() != 2) return failure(kDecodeError, "TLS error: a malformed alert");
      if (content[1] == kCloseNotify) return {Received::Kind::close_notify, {}, 0, ""};
      if (content[1] == kUserCanceled) return {};  // a close_notify follows
      return {Received::Kind::peer_alert, {}, 0, SSL_alert_desc_string_long(content[1])};
    default: return failure(kUnexpectedMessage, "TLS error: unexpected record type");
  }
}

TlsRecords::Received TlsRecords::on_handshake(std::span<const std::uint8_t> messages) {
  if (messages.empty()) return failure(kUnexpectedMessage, "TLS error: an empty handshake record");
  while (!messages.empty()) {
    if (messages.size() < 4)
      return failure(kUnexpectedMessage, "TLS error: a handshake message split across records");
    const std::size_t length = std::size_t{messages[1]} << 16 | std::size_t{messages[2]} << 8 | messages[3];
    if (messages.size() - 4 < length)
      return failure(kUnexpectedMessage, "TLS error: a handshake message split across records");
    const std::uint8_t type = messages[0];
    const std::span<const std::uint8_t> body = messages.subspan(4, length);
    messages = messages.subspan(4 + length);
    if (type == kNewSessionTicket && !server_) continue;  // no sessions are kept to resume
    if (type != kKeyUpdate) return failure(kUnexpectedMessage, "TLS error: unexpected handshake message");
    // §4.6.3: one byte, 0 or 1, and the last thing in its record (the key changes after it).
    if (length != 1) return failure(kDecodeError, "TLS error: a malformed key update");
    if (body[0] > 1) return failure(kIllegalParameter, "TLS error: a malformed key update");
    if (!messages.empty()) return failure(kUnexpectedMessage, "TLS error: data after a key update");
    if (!next_secret(read_, false)) return failure(0, "TLS error: cannot derive the next key");
    if (body[0] == 1) key_update_owed_ = true;
  }
  return {};
}

std::size_t TlsRecords::seal(std::uint8_t type, std::span<const std::uint8_t> plain, std::uint8_t* out) {
  if (write_.sequence == UINT64_MAX) return 0;
  const std::size_t length = plain.size() + 1 + kTag;
  out[0] = kApplicationData;
  out[1] = 3;
  out[2] = 3;
  out[3] = static_cast<std::uint8_t>(length >> 8);
  out[4] = static_cast<std::uint8_t>(length);
  std::uint8_t* body = out + kHeader;
  std::uint8_t iv[12];
  nonce(write_, iv);
  EVP_CIPHER_CTX* c = write_.aead;
  int n = 0;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, iv) != 1 ||
      EVP_EncryptUpdate(c, nullptr, &n, out, kHeader) != 1)
    return 0;
  if (!plain.empty() && EVP_EncryptUpdate(c, body, &n, plain.data(), static_cast<int>(plain.size())) != 1)
    return 0;
  if (EVP_EncryptUpdate(c, body + plain.size(), &n, &type, 1) != 1 ||
      EVP_EncryptFinal_ex(c, body + plain.size() + 1, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, kTag, body + plain.size() + 1) != 1)
    return 0;
  if (++write_.sequence >= kRecordsPerKey) key_update_owed_ = true;
  return kHeader + length;
}

std::size_t TlsRecords::seal_data(std::span<const std::uint8_t> plain, std::uint8_t* out) {
  return seal(kApplicationData, plain, out);
}

std::size_t TlsRecords::seal_key_update(std::uint8_t* out) {
  const std::uint8_t message[] = {kKeyUpdate, 0, 0, 1, 0};  // update_not_requested
  const std::size_t n = seal(kHandshake, message, out);
  if (n == 0 || !next_secret(write_, true)) return 0;
  key_update_owed_ = false;
  return n;
}

std::size_t TlsRecords::seal_alert(std::uint8_t description, std::uint8_t* out) {
  const std::uint8_t alert[] = {static_cast<std::uint8_t>(description == kCloseNotify ? 1 : 2), description};
  return seal(kAlert, alert, out);
}

}  // namespace sluice::detail
