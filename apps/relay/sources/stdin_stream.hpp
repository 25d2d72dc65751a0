// StdinStream: `type = "stdin"`: the relay's standard input as a stream (a pipe, a socket, a
// terminal, or a file redirected in, which is read straight through). At its end the source
// is stopped, for good. A sink writes back to the relay's standard output.
#pragma once

#include <memory>

#include "sources/source.hpp"
#include "sources/stream_channel.hpp"

namespace sluice::relay {

class StdinStream final : public Source {
 public:
  StdinStream(SourceContext& context, SourceConfig config);
  ~StdinStream() override;
  void start() override;

 private:
  void close() override;
  void on_sink_ready() override;
  void on_end(StreamEnd end, int error);

  std::unique_ptr<StreamChannel> channel_;
  int saved_flags_ = -1;      // stdin's file status flags before O_NONBLOCK, put back at the end
  int saved_out_flags_ = -1;  // stdout's, when the sink made it non-blocking
};

}  // namespace sluice::relay
