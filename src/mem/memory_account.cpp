#include "mem/memory_account.hpp"

namespace sluice::detail::mem {
namespace {

class Unlimited final : public MemoryAccount {
 public:
  bool try_charge(std::size_t, std::size_t) override { return true; }
  void uncharge(std::size_t) override {}
};

}  // namespace

MemoryAccount& unlimited_account() {
  static Unlimited account;
  return account;
}

}  // namespace sluice::detail::mem
