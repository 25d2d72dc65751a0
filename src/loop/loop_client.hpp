// LoopClient: anything the event loop calls back — on readiness, on a timer, before it sleeps.
// The loop finds it through the pointer stored in the epoll event itself (no fd-indexed table),
// and the intrusive hooks below mean registering with the loop allocates nothing.
#pragma once

#include <cstdint>

namespace sluice::detail {

// The same bits as EPOLLIN and EPOLLOUT, so translating epoll's report is one mask.
namespace io_event {
inline constexpr std::uint32_t readable = 0x001;
inline constexpr std::uint32_t writable = 0x004;
}  // namespace io_event

struct TimerNode {
  TimerNode* prev = nullptr;
  TimerNode* next = nullptr;  // null while not scheduled
  std::uint32_t expires = 0;  // absolute wheel tick
  bool scheduled() const { return next != nullptr; }
};

// Whether a client's on_before_sleep is due. While a client handles its own readiness it may
// hold its deferrals (EventLoop::hold_deferrals): a defer() then only notes that it asked, and
// the client does that work itself once its event is handled, without a turn through the
// loop's list. The values are bits: defer() marks any state but `none` as asked with one OR.
enum class Deferral : std::uint8_t {
  none = 0,
  queued = 1,  // in the loop's list, for the before-sleep pass
  held = 2,    // handling its own event; nobody asked yet
  asked = 3,   // handling its own event; something deferred it meanwhile
};

class LoopClient : public TimerNode {
 public:
  // `events` holds io_event bits; errors and hang-ups arrive as readable|writable so the next
  // read or write reports them.
  virtual void on_io(std::uint32_t events) = 0;
  virtual void on_timer() {}
  virtual void on_before_sleep() {}

  Deferral deferral = Deferral::none;  // sits in TimerNode's padding

 protected:
  ~LoopClient() = default;
};

}  // namespace sluice::detail
