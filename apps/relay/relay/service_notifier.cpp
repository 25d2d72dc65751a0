#include "relay/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "relay/log_line.hpp"

namespace sluice::relay {

ServiceNotifier::ServiceNotifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_timeout_ = std::chrono::milliseconds(usec / 1000);
    watchdog_interval_ = std::chrono::milliseconds(std::max<std::uint64_t>(usec / 2000, 1));
  }
}

void ServiceNotifier::send(std::string_view state) const {
  const int r = sd_notify(0, std::string(state).c_str());
  if (r < 0) log_line(LogLevel::warn, "notifying the service manager failed: {}", std::strerror(-r));
}

void ServiceNotifier::ready(std::string_view status) const { send("READY=1\nSTATUS=" + std::string(status)); }

void ServiceNotifier::reloading() const { send("RELOADING=1\nSTATUS=reloading the configuration"); }

void ServiceNotifier::stopping() const { send("STOPPING=1\nSTATUS=shutting down"); }

void ServiceNotifier::watchdog() const { send("WATCHDOG=1"); }

}  // namespace sluice::relay
