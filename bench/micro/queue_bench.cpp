// SendQueue: push a batch of frames, describe them with fill_iovecs, and consume them as a
// writev that took everything would. The queue never touches payload bytes, so bytes/s here
// is frames/s times the frame size; frames/s (items) is the figure that carries over.
#include <benchmark/benchmark.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench_sizes.hpp"
#include "send/frame_buffer.hpp"
#include "send/send_queue.hpp"

namespace {

using sluice::Opcode;
using sluice::detail::encode_frame;
using sluice::detail::FrameRef;
using sluice::detail::SendQueue;

constexpr int kFrames = 64;  // frames queued per flush: a corked burst or a slow reader's backlog

void BM_queue_push_flush(benchmark::State& state) {
  std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  FrameRef frame = encode_frame(Opcode::binary, payload);  // shared, as a broadcast would be
  SendQueue q;
  iovec iov[kFrames];
  for (auto _ : state) {
    for (int i = 0; i < kFrames; ++i) q.push(frame.share());
    int n = q.fill_iovecs(iov, kFrames);
    std::size_t total = 0;
    for (int i = 0; i < n; ++i) total += iov[i].iov_len;
    benchmark::DoNotOptimize(iov);
    std::uint32_t done = q.consume(total).messages;
    benchmark::DoNotOptimize(done);
  }
  if (!q.empty()) state.SkipWithError("queue not drained");
  state.SetBytesProcessed(state.iterations() * kFrames * static_cast<std::int64_t>(frame.size()));
  state.SetItemsProcessed(state.iterations() * kFrames);
}
BENCHMARK(BM_queue_push_flush)->Apply(sluice_bench::all_sizes);

// Same, with the socket taking 64 KiB per writev: frames split across writes stay partly
// written at the front of the queue.
void BM_queue_push_flush_partial(benchmark::State& state) {
  std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  FrameRef frame = encode_frame(Opcode::binary, payload);
  SendQueue q;
  iovec iov[kFrames];
  constexpr std::size_t kWrite = 64 << 10;
  for (auto _ : state) {
    for (int i = 0; i < kFrames; ++i) q.push(frame.share());
    while (!q.empty()) {
      int n = q.fill_iovecs(iov, kFrames);
      std::size_t total = 0;
      for (int i = 0; i < n && total < kWrite; ++i) total += iov[i].iov_len;
      if (total > kWrite) total = kWrite;
      benchmark::DoNotOptimize(iov);
      std::uint32_t done = q.consume(total).messages;
      benchmark::DoNotOptimize(done);
    }
  }
  state.SetBytesProcessed(state.iterations() * kFrames * static_cast<std::int64_t>(frame.size()));
  state.SetItemsProcessed(state.iterations() * kFrames);
}
BENCHMARK(BM_queue_push_flush_partial)->Apply(sluice_bench::all_sizes);

}  // namespace
