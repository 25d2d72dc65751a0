// DeferredAnswer: what a server connection keeps while a route's answer is given later
// (HttpResponse::later()): how the answer is to be written (a HEAD request's has no body; a
// kept-alive connection goes back to reading requests after it), whether it has been given, and
// the bytes the client sent behind the request, which are its next requests, read once the
// answer has gone out. Those bytes are charged to the memory account; past kMaxUnread the
// connection stops reading until the answer is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "mem/memory_account.hpp"

namespace sluice::detail {

class DeferredAnswer final {
 public:
  enum class Stage : std::uint8_t { waiting, answered };
  // As much of the next requests as one waiting answer holds before reading stops.
  static constexpr std::size_t kMaxUnread = 16 * 1024;

  DeferredAnswer(bool head_only, bool keep_alive, mem::MemoryAccount& account)
      : account_(account), head_only_(head_only), keep_alive_(keep_alive) {}
  ~DeferredAnswer();
  DeferredAnswer(const DeferredAnswer&) = delete;
  DeferredAnswer& operator=(const DeferredAnswer&) = delete;

  bool head_only() const { return head_only_; }
  bool keep_alive() const { return keep_alive_; }
  Stage stage() const { return stage_; }
  void answered() { stage_ = Stage::answered; }

  // Appends bytes read behind the request; false (nothing kept) when the budget has no room.
  bool keep(std::span<const std::uint8_t> bytes);
  bool full() const { return size_ >= kMaxUnread; }
  std::span<std::uint8_t> unread() { return {bytes_.get(), size_}; }

 private:
  mem::MemoryAccount& account_;
  std::unique_ptr<std::uint8_t[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  bool head_only_;
  bool keep_alive_;
  Stage stage_ = Stage::waiting;
};

}  // namespace sluice::detail
