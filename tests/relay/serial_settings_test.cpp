// apply_serial_settings: raw mode, then rate, data bits, parity, stop bits and flow control as
// configured, whatever the port's settings were before.
#include <gtest/gtest.h>

#include "sources/serial_settings.hpp"

namespace sluice::relay {
namespace {

termios cooked() {
  termios t{};
  t.c_iflag = ICRNL | IXON | INPCK;
  t.c_oflag = OPOST | ONLCR;
  t.c_lflag = ICANON | ECHO | ISIG | IEXTEN;
  t.c_cflag = CS7 | PARENB | CSTOPB | CRTSCTS;
  return t;
}

TEST(SerialSettings, RawEightNoneOneByDefault) {
  termios t = cooked();
  ASSERT_TRUE(apply_serial_settings(t, SerialSource{}));
  EXPECT_EQ(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0u);
  EXPECT_EQ(t.c_oflag & OPOST, 0u);
  EXPECT_EQ(t.c_iflag & (ICRNL | IXON | IXOFF), 0u);
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(t.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0u);
  EXPECT_NE(t.c_cflag & CREAD, 0u);
  EXPECT_NE(t.c_cflag & CLOCAL, 0u);
  EXPECT_EQ(::cfgetispeed(&t), static_cast<speed_t>(B115200));
  EXPECT_EQ(::cfgetospeed(&t), static_cast<speed_t>(B115200));
  EXPECT_EQ(t.c_cc[VMIN], 1);
  EXPECT_EQ(t.c_cc[VTIME], 0);
}

TEST(SerialSettings, EverySettingIsApplied) {
  SerialSource s;
  s.baud = 9600;
  s.data_bits = 7;
  s.parity = Parity::odd;
  s.stop_bits = 2;
  s.flow_control = FlowControl::rtscts;
  termios t{};
  ASSERT_TRUE(apply_serial_settings(t, s));
  EXPECT_EQ(::cfgetospeed(&t), static_cast<speed_t>(B9600));
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS7));
  EXPECT_NE(t.c_cflag & PARENB, 0u);
  EXPECT_NE(t.c_cflag & PARODD, 0u);
  EXPECT_NE(t.c_iflag & INPCK, 0u);
  EXPECT_NE(t.c_cflag & CSTOPB, 0u);
  EXPECT_NE(t.c_cflag & CRTSCTS, 0u);

  s.parity = Parity::even;
  s.data_bits = 5;
  s.flow_control = FlowControl::xonxoff;
  ASSERT_TRUE(apply_serial_settings(t, s));
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS5));
  EXPECT_NE(t.c_cflag & PARENB, 0u);
  EXPECT_EQ(t.c_cflag & PARODD, 0u);
  EXPECT_EQ(t.c_cflag & CRTSCTS, 0u);
  EXPECT_EQ(t.c_iflag & (IXON | IXOFF), static_cast<tcflag_t>(IXON | IXOFF));
}

TEST(SerialSettings, EveryStandardRateHasItsConstant) {
  EXPECT_EQ(baud_constant(50), B50);
  EXPECT_EQ(baud_constant(921600), B921600);
  EXPECT_EQ(baud_constant(4000000), B4000000);
  EXPECT_EQ(baud_constant(12345), std::nullopt);
  SerialSource s;
  s.baud = 12345;
  termios t{};
  EXPECT_FALSE(apply_serial_settings(t, s));
}

}  // namespace
}  // namespace sluice::relay
