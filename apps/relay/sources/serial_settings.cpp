// cfmakeraw gives 8N1 without flow control; the configured framing is applied on top of it.
// VMIN = 1 and VTIME = 0: a read returns as soon as one byte is there (the descriptor is
// non-blocking anyway, and the poller says when to read).
#include "sources/serial_settings.hpp"

#include <utility>

namespace sluice::relay {

namespace {

constexpr std::pair<std::uint32_t, speed_t> speeds[] = {
    {50, B50},           {75, B75},           {110, B110},         {134, B134},         {150, B150},
    {200, B200},         {300, B300},         {600, B600},         {1200, B1200},       {1800, B1800},
    {2400, B2400},       {4800, B4800},       {9600, B9600},       {19200, B19200},     {38400, B38400},
    {57600, B57600},     {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
    {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000}, {4000000, B4000000},
};

tcflag_t data_bits_flag(int bits) {
  switch (bits) {
    case 5: return CS5;
    case 6: return CS6;
    case 7: return CS7;
    default: return CS8;
  }
}

}  // namespace

std::optional<speed_t> baud_constant(std::uint32_t baud) {
  for (const auto& [rate, constant] : speeds) {
    if (rate == baud) return constant;
  }
  return std::nullopt;
}

bool apply_serial_settings(termios& t, const SerialSource& s) {
  const auto speed = baud_constant(s.baud);
  if (!speed) return false;
  ::cfmakeraw(&t);
  ::cfsetispeed(&t, *speed);
  ::cfsetospeed(&t, *speed);
  t.c_cflag |= CLOCAL | CREAD;  // ignore modem lines for carrier; enable the receiver
  t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  t.c_cflag |= data_bits_flag(s.data_bits);
  if (s.parity != Parity::none) {
    t.c_cflag |= PARENB;
    if (s.parity == Parity::odd) t.c_cflag |= PARODD;
    t.c_iflag |= INPCK;  // check parity on input
  }
  if (s.stop_bits == 2) t.c_cflag |= CSTOPB;
  t.c_iflag &= ~(IXON | IXOFF | IXANY);
  if (s.flow_control == FlowControl::rtscts) t.c_cflag |= CRTSCTS;
  if (s.flow_control == FlowControl::xonxoff) t.c_iflag |= IXON | IXOFF;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  return true;
}

}  // namespace sluice::relay
