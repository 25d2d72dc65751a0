// The termios settings of a serial source: raw mode (no echo, no line editing, no CR/LF
// translation, no signals from special characters), then the configured rate, data bits,
// parity, stop bits and flow control. Split from the I/O (serial_port.cpp) so that the mapping
// is unit-tested.
#pragma once

#include <termios.h>

#include <cstdint>
#include <optional>

#include "config/config.hpp"

namespace sluice::relay {

// The termios speed constant (B9600, ...) for a rate in baud; nothing for a non-standard rate.
std::optional<speed_t> baud_constant(std::uint32_t baud);

// `current` with raw mode and `settings` applied. False for a rate termios does not define.
bool apply_serial_settings(termios& current, const SerialSource& settings);

}  // namespace sluice::relay
