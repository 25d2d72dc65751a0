// RedisLoopAdapter: runs one hiredis asynchronous context on the sluice server's first loop.
// hiredis asks for read and write readiness through its event hooks (addRead, delWrite, ...);
// the adapter turns them into the loop's fd watch with an interest (Server::watch), and turns
// readiness back into redisAsyncHandleRead/Write. The engine knows nothing of Redis: this is
// an ordinary user of its public fd-watch API.
//
// hiredis 0.14.1 has no timer hook: connect and command deadlines are the owner's
// (RedisConnection).
#pragma once

#include <memory>

#include <sluice/sluice.hpp>

struct redisAsyncContext;

namespace sluice::relay {

class RedisLoopAdapter {
 public:
  // Installs the hooks on `ac`. The adapter's state lives until the context's cleanup hook has
  // run and the loop has let go of the watch's callback, whichever is later.
  static void attach(redisAsyncContext* ac, sluice::Server& server);
};

}  // namespace sluice::relay
