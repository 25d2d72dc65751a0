#include "broker/redis_loop_adapter.hpp"

#include <hiredis/async.h>

namespace sluice::relay {

namespace {

// One context's watch. Shared between the context's hooks (through ev.data, released at
// cleanup) and the loop's callback: the callback may run redisAsyncHandleRead, which may free
// the context (a disconnect), and must then see that it is gone before it handles a write.
struct Watch {
  sluice::Server& server;
  redisAsyncContext* ac;
  int fd;
  bool reading = false;
  bool writing = false;
  bool watched = false;
  std::shared_ptr<Watch> self;  // the hooks' reference, dropped at cleanup

  IoInterest interest() const {
    if (reading && writing) return IoInterest::read_write;
    if (reading) return IoInterest::read;
    if (writing) return IoInterest::write;
    return IoInterest::none;
  }
};

void on_ready(const std::shared_ptr<Watch>& w, IoReady ready) {
  if (ready.readable && w->ac) redisAsyncHandleRead(w->ac);
  // A read that ended the connection ran the cleanup hook, which cleared w->ac.
  if (ready.writable && w->ac) redisAsyncHandleWrite(w->ac);
}

void update(Watch* w) {
  if (w->watched) {
    w->server.set_interest(w->fd, w->interest());
    return;
  }
  std::shared_ptr<Watch> held = w->self;
  w->watched = w->server.watch(w->fd, w->interest(), [held](IoReady r) { on_ready(held, r); });
}

void add_read(void* p) {
  auto* w = static_cast<Watch*>(p);
  if (w->reading) return;
  w->reading = true;
  update(w);
}

void del_read(void* p) {
  auto* w = static_cast<Watch*>(p);
  if (!w->reading) return;
  w->reading = false;
  update(w);
}

void add_write(void* p) {
  auto* w = static_cast<Watch*>(p);
  if (w->writing) return;
  w->writing = true;
  update(w);
}

void del_write(void* p) {
  auto* w = static_cast<Watch*>(p);
  if (!w->writing) return;
  w->writing = false;
  update(w);
}

// hiredis calls it just before it closes the socket and frees the context.
void cleanup(void* p) {
  auto* w = static_cast<Watch*>(p);
  if (w->watched) w->server.unwatch(w->fd);
  w->watched = false;
  w->ac = nullptr;
  w->self.reset();  // may free w: last touch
}

}  // namespace

void RedisLoopAdapter::attach(redisAsyncContext* ac, sluice::Server& server) {
  auto w = std::make_shared<Watch>(Watch{server, ac, ac->c.fd, false, false, false, nullptr});
  w->self = w;
  ac->ev.data = w.get();
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
}

}  // namespace sluice::relay
