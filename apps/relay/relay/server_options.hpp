// The engine's ServerOptions from the relay's [server] table.
#pragma once

#include <sluice/server_options.hpp>

#include "config/config.hpp"

namespace sluice::relay {

// `memory_limit` is [server] memory_limit as resolved at start (the budget's default).
sluice::ServerOptions engine_options(const ServerConfig& server, std::uint64_t memory_limit);
// The [server] keys a reload cannot change in a running relay (listener, threads, caps,
// deadlines, the memory limit, metrics), named in a reload's log line when they differ; empty
// when none do.
std::string settings_needing_restart(const ServerConfig& running, const ServerConfig& loaded);

}  // namespace sluice::relay
