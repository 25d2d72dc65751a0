#include "loop/fd_watches.hpp"

namespace sluice::detail {

FdWatches::~FdWatches() {
  for (auto& [fd, w] : watches_) loop_.unwatch(fd);
}

namespace {

bool reads(IoInterest i) { return i == IoInterest::read || i == IoInterest::read_write; }
bool writes(IoInterest i) { return i == IoInterest::write || i == IoInterest::read_write; }

}  // namespace

bool FdWatches::watch(int fd, std::function<void()> on_readable) {
  return watch(fd, IoInterest::read, [fn = std::move(on_readable)](IoReady) { fn(); });
}

bool FdWatches::watch(int fd, IoInterest interest, IoCallback on_io) {
  auto w = std::make_unique<Watch>(std::move(on_io));
  if (loop_.watch(fd, w.get(), reads(interest), writes(interest)) != 0) return false;
  watches_[fd] = std::move(w);
  return true;
}

void FdWatches::set_paused(int fd, bool paused) {
  set_interest(fd, paused ? IoInterest::none : IoInterest::read);
}

void FdWatches::set_interest(int fd, IoInterest interest) {
  auto it = watches_.find(fd);
  if (it != watches_.end()) loop_.rewatch(fd, it->second.get(), reads(interest), writes(interest));
}

void FdWatches::unwatch(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  loop_.unwatch(fd);
  loop_.forget(it->second.get());  // an event for it later in this batch must not reach it
  // The callback may be the caller (a watch that unwatches itself): free it after this turn.
  loop_.post_control([w = std::shared_ptr<Watch>(std::move(it->second))] {});
  watches_.erase(it);
}

}  // namespace sluice::detail
