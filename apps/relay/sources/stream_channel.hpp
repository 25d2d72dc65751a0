// StreamChannel: one open byte stream of a stream source: a serial port, a TCP connection,
// stdin, a child's stdout. It reads when the descriptor is readable (one read per wake-up, so
// sources share the loop fairly) into the poller's scratch buffer and feeds a FramePublisher;
// with a sink, it writes the queue back whenever the target is writable. Under backpressure it
// stops reading while its publisher holds frames for a blocked topic, and reads on once they are
// published. The owner hears of the end once, through on_end, after every frame read has been
// published; the channel then does nothing more and may be freed (deferred).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "sources/frame_publisher.hpp"
#include "sources/sink_queue.hpp"
#include "sources/source.hpp"
#include "sources/unique_fd.hpp"

namespace sluice::relay {

struct StreamFds {
  UniqueFd read;               // the stream
  UniqueFd write;              // where the sink goes when that is another descriptor (a child's stdin)
  bool write_to_read = false;  // sockets, serial ports and ptys: one descriptor both ways
};

enum class StreamEnd : std::uint8_t {
  eof,          // the other end closed it
  read_error,   // errno given: the device went away (EIO), the peer reset the connection
  write_error,  // writing the sink back failed on the stream's own descriptor
};

class StreamChannel {
 public:
  using OnEnd = std::function<void(StreamEnd end, int error)>;

  StreamChannel(SourceContext& context, const SourceConfig& config, SourceStatus& status, SourceLogs& logs,
                StreamFds fds, SinkQueue* sink, OnEnd on_end);
  ~StreamChannel();
  StreamChannel(const StreamChannel&) = delete;
  StreamChannel& operator=(const StreamChannel&) = delete;

  // Starts reading (and writing, if the sink holds anything). Returns 0, or the errno of a
  // descriptor the poller refused.
  int start();
  // The sink has something to write.
  void on_sink_ready();
  // Closes a separate write descriptor (a child's stdin, so that it reads end-of-file); what the
  // sink holds and later receives is dropped. Nothing to do when reads and writes share one.
  void close_write();
  bool ended() const { return ended_; }

 private:
  void on_read_io(std::uint32_t events);
  void on_write_io(std::uint32_t events);
  void read_once();
  void write_sink();
  void update_interest();
  void end(StreamEnd how, int error);
  void on_resume();
  void set_paused(bool paused);
  void lose_stdin(int error);
  int write_fd() const;

  SourceContext& context_;
  const SourceConfig& config_;
  SourceStatus& status_;
  FramePublisher publisher_;
  StreamFds fds_;
  SinkQueue* sink_;
  OnEnd on_end_;
  bool ended_ = false;
  bool paused_ = false;  // not reading: the publisher holds frames for a blocked topic
  bool want_write_ = false;
  std::optional<std::pair<StreamEnd, int>> pending_end_;  // ended while frames were held
  // After the descriptors: removed from the poller before they close.
  std::unique_ptr<PollHandle> read_handle_;
  std::unique_ptr<PollHandle> write_handle_;  // a separate write descriptor only
};

}  // namespace sluice::relay
