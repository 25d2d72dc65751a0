// OwnedOneOf<Ts...>: owns at most one heap object, of one of the types Ts, in one pointer-sized
// word: which type it is lives in the pointer's low bits, which the types' alignment leaves
// free. A variant of owning pointers for objects that must stay small (a connection holds its
// handshake, then its session extras, in one word). get<T>() is null unless it holds a T.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace sluice::detail::mem {

template <typename... Ts>
class OwnedOneOf {
  static_assert(sizeof...(Ts) < 8, "three low bits tell the types apart");

 public:
  OwnedOneOf() = default;
  OwnedOneOf(const OwnedOneOf&) = delete;
  OwnedOneOf& operator=(const OwnedOneOf&) = delete;
  ~OwnedOneOf() { reset(); }

  explicit operator bool() const { return bits_ != 0; }
  template <typename T>
  bool holds() const {
    return (bits_ & kTagMask) == tag_of<T>();
  }
  template <typename T>
  T* get() const {
    if (!holds<T>()) return nullptr;
    T* p = reinterpret_cast<T*>(bits_ & ~kTagMask);
    if (p == nullptr) __builtin_unreachable();  // a tag is set only with a pointer: no second test
    return p;
  }

  // Replaces what is held with a new T made from `args`.
  template <typename T, typename... Args>
  T& emplace(Args&&... args) {
    static_assert(alignof(T) > kTagMask, "the tag needs the pointer's three low bits");
    reset();
    T* p = new T(std::forward<Args>(args)...);
    bits_ = reinterpret_cast<std::uintptr_t>(p) | tag_of<T>();
    return *p;
  }
  // Takes ownership of `p` (null: holds nothing).
  template <typename T>
  void adopt(T* p) {
    reset();
    if (p) bits_ = reinterpret_cast<std::uintptr_t>(p) | tag_of<T>();
  }

  // Deletes what is held (the types must be complete where this is instantiated).
  void reset() {
    if (bits_ == 0) return;
    destroy(std::index_sequence_for<Ts...>{});
    bits_ = 0;
  }

 private:
  static constexpr std::uintptr_t kTagMask = 7;
  template <typename T, std::size_t I = 0, typename First, typename... Rest>
  static constexpr std::uintptr_t index_in() {
    if constexpr (std::is_same_v<T, First>) {
      return I;
    } else {
      static_assert(sizeof...(Rest) > 0, "not one of the types");
      return index_in<T, I + 1, Rest...>();
    }
  }
  template <typename T>
  static constexpr std::uintptr_t tag_of() {
    return index_in<T, 0, Ts...>() + 1;  // 0 is "nothing held"
  }
  template <std::size_t... I>
  void destroy(std::index_sequence<I...>) {
    const std::uintptr_t tag = bits_ & kTagMask;
    void* p = reinterpret_cast<void*>(bits_ & ~kTagMask);
    ((tag == I + 1 ? delete static_cast<Ts*>(p) : void()), ...);
  }

  std::uintptr_t bits_ = 0;
};

}  // namespace sluice::detail::mem
