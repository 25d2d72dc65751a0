// getaddrinfo with AI_NUMERICHOST first, so an address literal never reaches DNS; the first
// answer is used.
#include "sources/socket_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

namespace sluice::relay {

namespace {

Resolved lookup(const Endpoint& endpoint, int socktype, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string port = std::to_string(endpoint.port);
  const int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &result);
  Resolved out;
  if (rc != 0 || result == nullptr) {
    out.error =
        "resolve " + endpoint.host + ": " + (rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc));
    return out;
  }
  std::memcpy(&out.address.storage, result->ai_addr, result->ai_addrlen);
  out.address.length = result->ai_addrlen;
  out.ok = true;
  ::freeaddrinfo(result);
  return out;
}

}  // namespace

std::string SocketAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "?";
}

bool numeric_address(const Endpoint& endpoint, SocketAddress& out) {
  Resolved r = lookup(endpoint, SOCK_STREAM, AI_NUMERICHOST);
  if (!r.ok) return false;
  out = r.address;
  return true;
}

Resolved resolve(const Endpoint& endpoint, int socktype) {
  Resolved numeric = lookup(endpoint, socktype, AI_NUMERICHOST | AI_PASSIVE);
  if (numeric.ok) return numeric;
  return lookup(endpoint, socktype, AI_PASSIVE);
}

struct AsyncResolution::Shared {
  std::mutex mutex;
  Resolved answer;
  UniqueFd ready;  // an eventfd the thread signals
};

AsyncResolution::AsyncResolution(SourcePoller& poller, Endpoint endpoint, int socktype,
                                 std::function<void(Resolved)> done)
    : shared_(std::make_shared<Shared>()), done_(std::move(done)) {
  shared_->ready.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!shared_->ready) throw std::system_error(errno, std::generic_category(), "resolver: eventfd");
  handle_ = std::make_unique<PollHandle>(poller, shared_->ready.get(), [this](std::uint32_t) {
    Resolved answer;
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      answer = shared_->answer;
    }
    static_cast<void>(handle_->set(Interest::none));
    done_(std::move(answer));  // may destroy this object: nothing follows
  });
  if (int rc = handle_->set(Interest::read); rc != 0)
    throw std::system_error(rc, std::generic_category(), "resolver: epoll_ctl");
  std::thread([shared = shared_, endpoint = std::move(endpoint), socktype] {
    Resolved answer = lookup(endpoint, socktype, 0);
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->answer = std::move(answer);
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(shared->ready.get(), &one, sizeof one);
  }).detach();
}

AsyncResolution::~AsyncResolution() { handle_.reset(); }

}  // namespace sluice::relay
