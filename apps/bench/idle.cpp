// idle: open N upgraded connections on raw sockets (spread over 127.0.0.x source addresses)
// and hold them; the server's RSS before and after gives its memory per idle connection.
// While held, whatever the server sends (pings) is read and dropped, and closes are counted.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "proc_sampler.hpp"
#include "raw_ws.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "sluice/loop.hpp"

namespace sluice::bench {

int run_idle(const CommonOptions& common, const IdleOptions& o) {
  std::string error;
  auto target = parse_ws_target(common.url, error);
  if (!target) {
    std::fprintf(stderr, "sluice-bench: %s\n", error.c_str());
    return 2;
  }
  std::optional<ProcSample> before, after;
  if (common.server_pid) before = sample_process(common.server_pid);

  std::uint64_t t0 = now_ns();
  std::vector<int> fds = open_raw_upgraded(*target, {.count = o.connections, .receive_buffer = 0}, error);
  double open_s = static_cast<double>(now_ns() - t0) / 1e9;
  if (!error.empty())
    std::fprintf(stderr, "sluice-bench: idle: after %zu connections: %s\n", fds.size(), error.c_str());

  sluice::Loop loop;
  int closed = 0;
  for (int& fd : fds) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    loop.watch(fd, [&loop, &fd, &closed] {
      char buf[512];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        loop.unwatch(fd);
        ::close(fd);
        fd = -1;
        ++closed;
      }
    });
  }
  loop.after(std::chrono::milliseconds(static_cast<long>(o.hold_s * 1000)), [&loop] { loop.stop(); });
  loop.run();
  if (common.server_pid) after = sample_process(common.server_pid);
  for (int fd : fds) {
    if (fd < 0) continue;
    loop.unwatch(fd);
    ::close(fd);
  }

  const auto opened = static_cast<long>(fds.size());
  Report r("idle");
  r.json()
      .add("url", common.url)
      .add("connections", o.connections)
      .add("connected", opened)
      .add("open_s", open_s)
      .add("connections_per_s", open_s > 0 ? static_cast<double>(opened) / open_s : 0.0)
      .add("hold_s", o.hold_s)
      .add("closed_during_hold", closed);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "idle: %ld/%d connections opened in %.2f s, held %.1f s, %d closed by the server", opened,
                o.connections, open_s, o.hold_s, closed);
  r.line(buf);
  if (before && after) {
    long grown_kb = after->rss_kb - before->rss_kb;
    double per_conn = opened > 0 ? static_cast<double>(grown_kb) * 1024.0 / static_cast<double>(opened) : 0.0;
    r.json()
        .add("server_rss_before_kb", before->rss_kb)
        .add("server_rss_kb", after->rss_kb)
        .add("server_bytes_per_connection", per_conn);
    std::snprintf(buf, sizeof buf, "server: rss %ld kB -> %ld kB, %.0f bytes per connection", before->rss_kb,
                  after->rss_kb, per_conn);
    r.line(buf);
  }
  r.print(common.json);
  return opened == o.connections ? 0 : 1;
}

}  // namespace sluice::bench
