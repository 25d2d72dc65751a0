// The public Loop: an EventLoop with application timers, fd watches and signals.
#include "sluice/loop.hpp"

#include <set>
#include <vector>

#include "loop/event_loop.hpp"
#include "loop/fd_watches.hpp"
#include "loop/signal_watch.hpp"

namespace sluice {

bool LoopHandle::post(std::function<void()> task) const { return loop_->post(std::move(task)); }

struct Loop::Impl {
  // A one-shot application timer; it frees itself once it has fired.
  class Timer final : public detail::LoopClient {
   public:
    Timer(Impl& owner, std::function<void()> fn) : owner_(owner), fn_(std::move(fn)) {}
    void on_io(std::uint32_t) override {}
    void on_timer() override {
      auto fn = std::move(fn_);
      owner_.timers.erase(this);
      delete this;  // the wheel has already unlinked it
      fn();
    }

   private:
    Impl& owner_;
    std::function<void()> fn_;
  };

  ~Impl() {
    for (Timer* t : timers) {
      loop.cancel_timer(t);
      delete t;
    }
  }

  detail::EventLoop loop;
  detail::FdWatches watches{loop};
  std::vector<std::unique_ptr<detail::SignalWatch>> signals;
  std::set<Timer*> timers;
};

Loop::Loop() : impl_(std::make_unique<Impl>()) {}
Loop::~Loop() = default;

void Loop::run() { impl_->loop.run(); }
void Loop::stop() {
  impl_->loop.post_control([this] { impl_->loop.stop(); });
}
bool Loop::post(std::function<void()> task) { return impl_->loop.post(std::move(task)); }

void Loop::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto* t = new Impl::Timer(*impl_, std::move(fn));
  impl_->timers.insert(t);
  impl_->loop.schedule(t, delay);
}

bool Loop::watch(int fd, std::function<void()> on_readable) {
  return impl_->watches.watch(fd, std::move(on_readable));
}
bool Loop::watch(int fd, IoInterest interest, IoCallback on_io) {
  return impl_->watches.watch(fd, interest, std::move(on_io));
}
void Loop::set_interest(int fd, IoInterest interest) { impl_->watches.set_interest(fd, interest); }
void Loop::set_paused(int fd, bool paused) { impl_->watches.set_paused(fd, paused); }
void Loop::unwatch(int fd) { impl_->watches.unwatch(fd); }

void Loop::on_signal(int signo, std::function<void()> handler) {
  detail::block_signals({signo});
  impl_->signals.push_back(std::make_unique<detail::SignalWatch>(impl_->loop, std::vector<int>{signo},
                                                                 [h = std::move(handler)](int) { h(); }));
}

detail::EventLoop& Loop::native() { return impl_->loop; }

}  // namespace sluice
