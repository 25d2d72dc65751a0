// PublishTime: when a message was published, in milliseconds of the system clock (Unix time).
// It is stamped once, at publish, and travels with the message into the history ring and
// every envelope; nothing downstream reads a clock of its own.
#pragma once

#include <chrono>

namespace sluice::relay {

using PublishTime = std::chrono::sys_time<std::chrono::milliseconds>;

}  // namespace sluice::relay
