// The server-side scripts the relay runs in Redis. Each runs atomically, so a topic's sequence
// number, its history and the message every relay receives can never disagree:
//
//   publish  numbers the message (HINCRBY on the topic's hash), appends it to the topic's
//            stream as entry SEQ-0 (bounded by MAXLEN ~ and, by age, XTRIM MINID), and
//            PUBLISHes it with its sequence, Redis's time and the shard's epoch
//   read     the topic's last sequence, the shard's epoch and the stream's entries after a
//            sequence (for a resume, or to repair a gap after a reconnect)
//   epoch    the shard's epoch, written first by whoever finds none (a Redis that lost its
//            data, or a new one)
//
// Each takes a new epoch as its last argument, for a shard that has none. They are sent by
// EVALSHA, and by EVAL when Redis answers NOSCRIPT (after a restart).
#pragma once

#include <string_view>

namespace sluice::relay::redis_scripts {

// KEYS: epoch, seq hash, log stream. ARGV: channel, payload, opcode letter, max entries (0: no
// stream), max age in ms (0: none), a new epoch in case the shard has none.
// Returns {seq, time_ms, epoch, relays that received it}.
extern const std::string_view publish;

// KEYS: epoch, seq hash, log stream. ARGV: after seq, max entries, max age in ms (0: none), a
// new epoch in case the shard has none. Returns {last_seq, epoch, entries}, each entry
// {id, {"t", time_ms, "o", opcode, "d", payload}}, oldest first.
extern const std::string_view read;

// KEYS: epoch. ARGV: a new epoch in case the shard has none. Returns the epoch.
extern const std::string_view epoch;

}  // namespace sluice::relay::redis_scripts
