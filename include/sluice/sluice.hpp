// Umbrella header: everything an application needs to run a sluice server.
#pragma once

#include "sluice/behaviors.hpp"
#include "sluice/client.hpp"
#include "sluice/close_code.hpp"
#include "sluice/http.hpp"
#include "sluice/limits.hpp"
#include "sluice/log.hpp"
#include "sluice/loop.hpp"
#include "sluice/opcode.hpp"
#include "sluice/policy.hpp"
#include "sluice/process.hpp"
#include "sluice/send_status.hpp"
#include "sluice/server.hpp"
#include "sluice/server_options.hpp"
#include "sluice/stats.hpp"
#include "sluice/tls.hpp"
#include "sluice/websocket.hpp"
