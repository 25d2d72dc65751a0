// Interest: the readiness a connection waits for on its socket, as the loop registers it.
#pragma once

namespace sluice::detail {

struct Interest {
  bool read = true;
  bool write = false;
  bool operator==(const Interest&) const = default;
};

}  // namespace sluice::detail
