// ConnectionList: an intrusive, doubly linked list of one worker's connections, through the
// links inside each Connection, newest first. Adding, removing and finding the oldest are O(1)
// and allocate nothing. A worker keeps two: connections not upgraded (handshakes in flight,
// refusals being answered), whose oldest is the first to go at max_handshakes, and the rest.
#pragma once

#include <cstddef>

#include "conn/connection.hpp"

namespace sluice::detail {

class ConnectionList {
 public:
  void push_front(Connection* c) {
    c->prev_in_worker = nullptr;
    c->next_in_worker = head_;
    (head_ ? head_->prev_in_worker : tail_) = c;
    head_ = c;
    ++size_;
  }
  void remove(Connection* c) {
    (c->prev_in_worker ? c->prev_in_worker->next_in_worker : head_) = c->next_in_worker;
    (c->next_in_worker ? c->next_in_worker->prev_in_worker : tail_) = c->prev_in_worker;
    c->prev_in_worker = c->next_in_worker = nullptr;
    --size_;
  }
  Connection* first() const { return head_; }  // then follow next_in_worker
  Connection* oldest() const { return tail_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  Connection* head_ = nullptr;
  Connection* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace sluice::detail
