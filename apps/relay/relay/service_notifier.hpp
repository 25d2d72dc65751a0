// ServiceNotifier: the relay's side of systemd's notify protocol (sd_notify(3), through
// libsystemd), for Type=notify units: READY=1 once the listeners are bound and the loop runs,
// RELOADING=1 and READY=1 around a SIGHUP reload, STOPPING=1 at shutdown, STATUS= lines, and
// WATCHDOG=1 pings while every worker loop turns (WatchdogSec=). Without NOTIFY_SOCKET in the
// environment each call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::relay {

class ServiceNotifier {
 public:
  ServiceNotifier();

  // How often to ping: half of WATCHDOG_USEC, when the unit asks for a watchdog.
  std::optional<std::chrono::milliseconds> watchdog_interval() const { return watchdog_interval_; }
  std::chrono::milliseconds watchdog_timeout() const { return watchdog_timeout_; }

  void ready(std::string_view status) const;
  void reloading() const;
  void stopping() const;
  void watchdog() const;

 private:
  void send(std::string_view state) const;

  std::optional<std::chrono::milliseconds> watchdog_interval_;
  std::chrono::milliseconds watchdog_timeout_{0};
};

}  // namespace sluice::relay
