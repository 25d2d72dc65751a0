#include "support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "support/frame_header.hpp"
#include "support/http_reply.hpp"

namespace sluice_client_test {

std::string echo_program() { return SLUICE_ECHO_PROGRAM; }
std::string python_program() { return SLUICE_PYTHON_PROGRAM; }
std::string python_server_script() { return SLUICE_PYTHON_SERVER; }
std::string node_program() { return SLUICE_NODE_PROGRAM; }
std::string node_server_script() { return SLUICE_NODE_SERVER; }
std::string node_modules_dir() {
  // The environment may point elsewhere (a developer's own install of `ws`).
  if (const char* dir = std::getenv("SLUICE_NODE_WS_DIR"); dir && *dir) return dir;
  return SLUICE_NODE_WS_DIR;
}

// ---- LoopThread ---------------------------------------------------------------------------

LoopThread::LoopThread() {
  sluice::set_log_level(sluice::LogLevel::off);
  std::packaged_task<void()> task([this] { loop_.run(); });
  done_ = task.get_future();
  thread_ = std::thread(std::move(task));
}

LoopThread::~LoopThread() {
  loop_.stop();
  if (done_.wait_for(kWait) != std::future_status::ready) hang("Loop::run() after stop()");
  thread_.join();
}

void LoopThread::hang(const char* what) {
  std::fprintf(stderr, "FATAL: %s did not finish within the deadline\n", what);
  std::fflush(stderr);
  std::_Exit(3);
}

// ---- Events -------------------------------------------------------------------------------

sluice::ClientBehaviors Events::behaviors() {
  sluice::ClientBehaviors b;
  b.on_open = [this](sluice::ClientWebSocket ws) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      opens_.push_back(Clock::now());
    }
    changed();
    if (on_open_hook) on_open_hook(ws);
  };
  b.on_reconnect = [this](sluice::ClientWebSocket ws, unsigned attempts) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reconnects_.push_back(attempts);
    }
    changed();
    if (on_reconnect_hook) on_reconnect_hook(ws, attempts);
  };
  b.on_message = [this](sluice::ClientWebSocket ws, std::string_view data, sluice::Opcode opcode) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      messages_.push_back({std::string(data), opcode});
    }
    changed();
    if (on_message_hook) on_message_hook(ws, data, opcode);
  };
  b.on_close = [this](sluice::ClientWebSocket, std::uint16_t code, std::string_view reason) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closes_.emplace_back(code, std::string(reason));
    }
    changed();
  };
  b.on_error = [this](std::string_view why) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      errors_.emplace_back(why);
      error_times_.push_back(Clock::now());
    }
    changed();
  };
  b.on_stopped = [this] {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stopped_;
    }
    changed();
  };
  return b;
}

void Events::changed() { cv_.notify_all(); }

bool Events::wait(const std::function<bool(const Events&)>& pred, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    lock.unlock();
    bool ok = pred(*this);
    lock.lock();
    if (ok) return true;
    if (Clock::now() >= deadline) return false;
    cv_.wait_for(lock, milliseconds(20));
  }
}

int Events::opens() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(opens_.size());
}
int Events::closes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(closes_.size());
}
int Events::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopped_;
}
std::vector<unsigned> Events::reconnects() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reconnects_;
}
std::vector<Message> Events::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}
std::vector<std::string> Events::errors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_;
}
std::vector<Clock::time_point> Events::error_times() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_times_;
}
std::vector<Clock::time_point> Events::open_times() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return opens_;
}
std::vector<std::pair<std::uint16_t, std::string>> Events::close_events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closes_;
}
std::size_t Events::count_messages(std::string_view data) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(messages_.begin(), messages_.end(), [&](const Message& m) { return m.data == data; }));
}

// ---- TestClient ---------------------------------------------------------------------------

sluice::ClientOptions quick_options() {
  sluice::ClientOptions o;
  o.connect_timeout = milliseconds(3000);
  o.handshake_timeout = milliseconds(3000);
  o.close_timeout = milliseconds(1000);
  o.ping_interval = milliseconds(0);
  o.idle_timeout = milliseconds(0);
  return o;
}

TestClient::TestClient(LoopThread& lt, std::string url, sluice::ClientOptions options, Events& events)
    : lt_(lt) {
  lt_.call([&] {
    client_ = std::make_unique<sluice::Client>(lt_.loop(), url, std::move(options), events.behaviors());
    client_->connect();
  });
}

TestClient::~TestClient() {
  lt_.call([this] { client_.reset(); });
}

sluice::SendStatus TestClient::send(std::string data, sluice::Opcode opcode) {
  return lt_.call([&] { return client_->send(data, opcode); });
}

void TestClient::close(std::uint16_t code, std::string reason) {
  lt_.call([&] { client_->close(code, reason); });
}

bool TestClient::is_open() {
  return lt_.call([this] { return client_->is_open(); });
}

std::size_t TestClient::held_bytes() {
  return lt_.call([this] { return client_->held_bytes(); });
}

void TestClient::with(const std::function<void(sluice::Client&)>& fn) {
  lt_.call([&] { fn(*client_); });
}

// ---- Process ------------------------------------------------------------------------------

Process::Process(std::vector<std::string> argv) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return;
  }
  if (pid == 0) {
    // Only async-signal-safe calls here. Die with the test, whatever happens to it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(pipefd[1], STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  pid_ = pid;
  out_ = pipefd[0];
}

Process::~Process() {
  stop();
  if (out_ >= 0) ::close(out_);
}

std::optional<std::string> Process::read_line(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (out_ < 0) return std::nullopt;
    pollfd p{out_, POLLIN, 0};
    int rc = ::poll(&p, 1, sluice_test::ms_left(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void Process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void Process::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = Clock::now() + milliseconds(1000);
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  kill_hard();
}

std::uint16_t read_port(Process& p, std::string_view marker) {
  auto deadline = Clock::now() + kWait;
  while (Clock::now() < deadline) {
    auto line = p.read_line(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
    if (!line) break;
    auto at = line->find(marker);
    if (at == std::string::npos) continue;
    return static_cast<std::uint16_t>(std::atoi(line->c_str() + at + marker.size()));
  }
  ADD_FAILURE() << "the server did not report its port ('" << marker << "')";
  return 0;
}

EchoProcess::EchoProcess(std::uint16_t port) {
  proc_ = std::make_unique<Process>(std::vector<std::string>{echo_program(), "--port", std::to_string(port),
                                                             "--host", "127.0.0.1", "--log-level", "warn"});
  port_ = read_port(*proc_, "ws://127.0.0.1:");
}

std::uint16_t refused_port() {
  RawListener l;
  return l.port();  // closed again when `l` goes: nothing listens there afterwards
}

// ---- RawListener / RawConn ----------------------------------------------------------------

RawListener::RawListener(int backlog) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, backlog) != 0) {
    ADD_FAILURE() << "raw listener: " << std::strerror(errno);
    return;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

RawListener::~RawListener() {
  if (fd_ >= 0) ::close(fd_);
}

int RawListener::accept_one(milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
  return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
}

std::optional<std::string> RawConn::read_head(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = buffer_.view().find("\r\n\r\n")) == std::string_view::npos) {
    if (buffer_.fill(socket_, deadline) != sluice_test::ReadStatus::ok) return std::nullopt;
  }
  std::string head(buffer_.view().substr(0, end + 4));
  buffer_.consume(end + 4);
  return head;
}

std::optional<std::string> RawConn::read_at_least(std::size_t want, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (buffer_.view().size() < want) {
    if (buffer_.fill(socket_, deadline) != sluice_test::ReadStatus::ok) return std::nullopt;
  }
  std::string all(buffer_.view());
  buffer_.clear();
  return all;
}

bool RawConn::wait_eof(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    buffer_.clear();
    auto s = buffer_.fill(socket_, deadline);
    if (s == sluice_test::ReadStatus::ok) continue;
    return s == sluice_test::ReadStatus::eof || s == sluice_test::ReadStatus::reset;
  }
}

std::string header_value(std::string_view head, std::string_view name) {
  auto headers = sluice_test::parse_header_lines(head);
  return headers ? sluice_test::find_header(*headers, name).value_or("") : std::string();
}

std::string accept_for(std::string_view key) {
  std::string in = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  char out[64];
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out), digest, SHA_DIGEST_LENGTH);
  return std::string(out, static_cast<std::size_t>(n));
}

std::optional<WireFrame> parse_frame(std::string_view b) {
  auto h = sluice_test::parse_frame_header(b);
  if (!h || b.size() - h->size < h->payload_size) return std::nullopt;
  WireFrame f;
  f.fin = h->fin;
  f.opcode = h->opcode;
  f.masked = h->masked;
  f.mask_key = std::uint32_t{h->mask[0]} << 24 | std::uint32_t{h->mask[1]} << 16 |
               std::uint32_t{h->mask[2]} << 8 | h->mask[3];
  f.wire_payload = std::string(b.substr(h->size, static_cast<std::size_t>(h->payload_size)));
  f.payload = f.wire_payload;
  sluice_test::apply_mask(f.payload, h->mask);
  f.size = h->size + static_cast<std::size_t>(h->payload_size);
  return f;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

}  // namespace sluice_client_test
