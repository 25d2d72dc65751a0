#include "loop/fd_watches.hpp"

namespace sluice::detail {

FdWatches::~FdWatches() {
  for (auto& [fd, w] : watches_) loop_.unwatch(fd);
}

bool FdWatches::watch(int fd, std::function<void()> on_readable) {
  auto w = std::make_unique<Watch>(std::move(on_readable));
  if (loop_.watch(fd, w.get(), true, false) != 0) return false;
  watches_[fd] = std::move(w);
  return true;
}

void FdWatches::set_paused(int fd, bool paused) {
  auto it = watches_.find(fd);
  if (it != watches_.end()) loop_.rewatch(fd, it->second.get(), !paused, false);
}

void FdWatches::unwatch(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  loop_.unwatch(fd);
  loop_.forget(it->second.get());  // an event for it later in this batch must not reach it
  // The callback may be the caller (a watch that unwatches itself): free it after this turn.
  loop_.post([w = std::shared_ptr<Watch>(std::move(it->second))] {});
  watches_.erase(it);
}

}  // namespace sluice::detail
