// One line per type: the only place that knows every Source subclass.
#include "sources/source_factory.hpp"

#include "sources/demo_generator.hpp"
#include "sources/exec_runner.hpp"
#include "sources/serial_port.hpp"
#include "sources/stdin_stream.hpp"
#include "sources/tcp_acceptor.hpp"
#include "sources/tcp_dialer.hpp"
#include "sources/udp_receiver.hpp"

namespace sluice::relay {

std::unique_ptr<Source> make_source(SourceContext& context, const SourceConfig& config) {
  switch (config.type()) {
    case SourceType::udp: return std::make_unique<UdpReceiver>(context, config);
    case SourceType::tcp:
      if (std::get<TcpSource>(config.settings).role == TcpRole::listen)
        return std::make_unique<TcpAcceptor>(context, config);
      return std::make_unique<TcpDialer>(context, config);
    case SourceType::serial: return std::make_unique<SerialPort>(context, config);
    case SourceType::standard_input: return std::make_unique<StdinStream>(context, config);
    case SourceType::exec: return std::make_unique<ExecRunner>(context, config);
    case SourceType::demo: return std::make_unique<DemoGenerator>(context, config);
  }
  return nullptr;
}

}  // namespace sluice::relay
