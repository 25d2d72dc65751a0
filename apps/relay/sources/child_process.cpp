// fork and execve, with everything the child needs (argv, envp, the program's path) made
// before the fork: between fork and exec the child of a threaded process may only make
// async-signal-safe calls. A close-on-exec pipe tells the parent whether the exec happened:
// it reads end-of-file when it did, or the step and errno that failed.
#include "sources/child_process.hpp"

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

extern char** environ;

namespace sluice::relay {

namespace {

enum class Step : int { chdir, exec };

struct ExecFailure {
  Step step;
  int error;
};

// What the child does after fork(); only async-signal-safe calls.
[[noreturn]] void run_child(const char* path, char* const* argv, char* const* envp, const char* cwd, int in,
                            int out, int err, bool pty, int status_fd) {
  ::setsid();
  if (pty) ::ioctl(out, TIOCSCTTY, 0);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the relay blocks the signals it reads
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);  // SIG_IGN would survive exec
  // Any descriptor the relay opened without O_CLOEXEC stays out of the child.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ExecFailure failure{Step::exec, 0};
  if (cwd != nullptr && ::chdir(cwd) != 0) {
    failure = {Step::chdir, errno};
  } else {
    ::execve(path, argv, envp);
    failure.error = errno;
  }
  [[maybe_unused]] auto n = ::write(status_fd, &failure, sizeof failure);
  ::_exit(127);
}

bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

void set_nonblocking(const UniqueFd& fd) {
  if (fd) ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
}

// glibc 2.36 declares pidfd_open without C linkage for C++: the system call itself.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::string variable_name(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// The relay's environment with the source's variables set over it.
std::vector<std::string> child_environment(const ExecSource& settings) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const auto& [name, value] : settings.env) {
    std::erase_if(env, [&](const std::string& entry) { return variable_name(entry) == name; });
    env.push_back(name + "=" + value);
  }
  return env;
}

std::string path_variable(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) return entry.substr(5);
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (!signaled) return "exited with status " + std::to_string(value);
  const char* name = ::strsignal(value);
  return "was killed by signal " + std::to_string(value) +
         (name ? std::string(" (") + name + ")" : std::string());
}

std::string find_program(const std::string& program, const std::string& path) {
  if (program.find('/') != std::string::npos) return program;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

ChildProcess::Spawned ChildProcess::spawn(const ExecSource& settings, bool with_stdin) {
  Spawned out;
  std::vector<std::string> env = child_environment(settings);
  const std::string path = find_program(settings.command.front(), path_variable(env));
  if (path.empty()) {
    out.error = settings.command.front() + ": not found on PATH";
    return out;
  }
  std::vector<std::string> args = settings.command;
  std::vector<char*> argv = pointers(args);
  std::vector<char*> envp = pointers(env);

  ChildProcess& c = out.child;
  UniqueFd child_in, child_out, child_err, status_read, status_write;
  if (settings.pty) {
    termios raw{};
    ::cfmakeraw(&raw);  // no echo, no CR/LF translation: the bytes arrive as the program wrote them
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, &raw, nullptr) != 0) {
      out.error = std::string("openpty: ") + std::strerror(errno);
      return out;
    }
    c.output_.reset(master);
    child_out.reset(slave);
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    c.on_pty_ = true;
  } else if (!make_pipe(c.output_, child_out)) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  if (settings.pty) {
    child_in.reset(::fcntl(child_out.get(), F_DUPFD_CLOEXEC, 0));
  } else if (with_stdin) {
    make_pipe(child_in, c.input_);
  } else {
    child_in.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  if (!child_in || !make_pipe(c.errors_, child_err) || !make_pipe(status_read, status_write)) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    out.error = std::string("fork: ") + std::strerror(errno);
    return out;
  }
  if (pid == 0) {
    run_child(path.c_str(), argv.data(), envp.data(), settings.cwd.empty() ? nullptr : settings.cwd.c_str(),
              child_in.get(), child_out.get(), child_err.get(), settings.pty, status_write.get());
  }
  c.pid_ = pid;
  status_write.reset();
  child_in.reset();
  child_out.reset();
  child_err.reset();

  ExecFailure failure{};
  ssize_t n;
  do {
    n = ::read(status_read.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof failure) {
    c.kill_and_reap();
    out.error = (failure.step == Step::chdir ? "chdir " + settings.cwd : "exec " + path) + ": " +
                std::strerror(failure.error);
    return out;
  }
  c.pidfd_.reset(open_pidfd(pid));
  if (!c.pidfd_) {
    out.error = std::string("pidfd_open: ") + std::strerror(errno);
    c.kill_and_reap();
    return out;
  }
  set_nonblocking(c.output_);
  set_nonblocking(c.errors_);
  set_nonblocking(c.input_);
  return out;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      output_(std::move(o.output_)),
      errors_(std::move(o.errors_)),
      input_(std::move(o.input_)),
      on_pty_(o.on_pty_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    kill_and_reap();
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
    output_ = std::move(o.output_);
    errors_ = std::move(o.errors_);
    input_ = std::move(o.input_);
    on_pty_ = o.on_pty_;
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

void ChildProcess::signal(int signo) const {
  // Until it is reaped the child's pid, and so its group id, cannot be reused. Right after
  // fork the child may not have made its own group yet: then it is signalled alone.
  if (pid_ > 0 && ::kill(-pid_, signo) != 0) ::kill(pid_, signo);
}

std::optional<ExitStatus> ChildProcess::try_reap() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return std::nullopt;
  pid_ = -1;
  pidfd_.reset();
  if (WIFSIGNALED(status)) return ExitStatus{true, WTERMSIG(status)};
  return ExitStatus{false, WEXITSTATUS(status)};
}

ExitStatus ChildProcess::wait_for(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (pid_ > 0) {
    if (auto status = try_reap()) return *status;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (pid_ <= 0) return ExitStatus{};
  signal(SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  pidfd_.reset();
  return ExitStatus{true, SIGKILL};
}

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0) return;
  signal(SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace sluice::relay
