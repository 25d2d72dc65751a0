// SubscriptionTable: what one PUB/SUB connection should be subscribed to, what it is, and the
// batched commands that bring the two together. Interest is counted per channel (SUBSCRIBE) or
// glob (PSUBSCRIBE); a name is subscribed while anyone wants it and unsubscribed when the last
// interest ends.
//
// A name is never subscribed again while its UNSUBSCRIBE is unanswered: hiredis 0.14.1 removes
// a channel's callback when the unsubscribe confirmation arrives, so a SUBSCRIBE sent in
// between would lose its callback and its messages silently. Pure bookkeeping, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::relay {

class SubscriptionTable {
 public:
  enum class Kind : std::uint8_t { channel, pattern };

  struct Batch {
    Kind kind;
    bool subscribe;  // false: unsubscribe
    std::vector<std::string> names;
  };

  void add(Kind kind, const std::string& name);
  void remove(Kind kind, const std::string& name);

  // The commands that move the connection toward what is wanted, at most `per_batch` names
  // each. What they ask for counts as in flight until confirmed().
  std::vector<Batch> take_changes(std::size_t per_batch = 256);
  // Redis confirmed a (p)subscribe or (p)unsubscribe of `name`.
  void confirmed(Kind kind, std::string_view name, bool subscribed);
  // The connection is gone: nothing is subscribed any more; every wanted name must be again.
  void reset();

  bool settled() const { return in_flight_ == 0; }  // every command answered
  bool wants(Kind kind, std::string_view name) const;
  std::size_t wanted() const;

 private:
  enum class State : std::uint8_t { none, subscribing, subscribed, unsubscribing };
  struct Entry {
    std::size_t interest = 0;
    State state = State::none;
  };
  using Map = std::map<std::string, Entry, std::less<>>;
  Map& map(Kind k) { return k == Kind::channel ? channels_ : patterns_; }
  const Map& map(Kind k) const { return k == Kind::channel ? channels_ : patterns_; }

  Map channels_;
  Map patterns_;
  std::size_t in_flight_ = 0;
};

}  // namespace sluice::relay
