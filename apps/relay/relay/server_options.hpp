// The engine's ServerOptions from the relay's [server] table.
#pragma once

#include <sluice/server_options.hpp>

#include "config/config.hpp"

namespace sluice::relay {

sluice::ServerOptions engine_options(const ServerConfig& server);
// The [server] keys a reload cannot change in a running engine (listener, threads, caps and
// deadlines), named in a reload's log line when they differ; empty when none do.
std::string settings_needing_restart(const ServerConfig& running, const ServerConfig& loaded);

}  // namespace sluice::relay
