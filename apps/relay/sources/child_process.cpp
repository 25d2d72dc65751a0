// posix_spawn (glibc's: clone with CLONE_VM and CLONE_VFORK), so starting a program copies
// nothing of the relay's memory and the loop waits only for the exec itself; it reports a failed
// exec as an error. Everything the child needs (argv, envp, the program's path) is made first.
// With a pty, the child opens the terminal by its name after setsid(), which makes it the child's
// controlling terminal.
#include "sources/child_process.hpp"

#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <sys/stat.h>
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

namespace {

// The spawn's settings, released whatever way spawn() returns.
struct SpawnSetup {
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
};

}  // namespace

ChildProcess::Spawned ChildProcess::spawn(const ExecSource& settings, bool with_stdin) {
  Spawned out;
  std::vector<std::string> env = child_environment(settings);
  const std::string path = find_program(settings.command.front(), path_variable(env));
  if (path.empty()) {
    out.error = settings.command.front() + ": not found on PATH";
    return out;
  }
  struct stat dir {};
  if (!settings.cwd.empty() && (::stat(settings.cwd.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode))) {
    out.error = "chdir " + settings.cwd + ": " + std::strerror(errno == 0 ? ENOTDIR : errno);
    return out;
  }
  std::vector<std::string> args = settings.command;
  std::vector<char*> argv = pointers(args);
  std::vector<char*> envp = pointers(env);

  ChildProcess& c = out.child;
  SpawnSetup setup;
  UniqueFd child_in, child_out, child_err;
  if (settings.pty) {
    termios raw{};
    ::cfmakeraw(&raw);  // no echo, no CR/LF translation: the bytes arrive as the program wrote them
    int master = -1, slave = -1;
    char name[128];
    if (::openpty(&master, &slave, name, &raw, nullptr) != 0) {
      out.error = std::string("openpty: ") + std::strerror(errno);
      return out;
    }
    c.output_.reset(master);
    child_out.reset(slave);  // held open until the child has opened its own
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    c.on_pty_ = true;
    ::posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, name, O_RDWR, 0);
    ::posix_spawn_file_actions_adddup2(&setup.actions, STDIN_FILENO, STDOUT_FILENO);
  } else {
    if (!make_pipe(c.output_, child_out)) {
      out.error = std::string("pipe: ") + std::strerror(errno);
      return out;
    }
    if (with_stdin) {
      make_pipe(child_in, c.input_);
    } else {
      child_in.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    if (!child_in) {
      out.error = std::string("pipe: ") + std::strerror(errno);
      return out;
    }
    ::posix_spawn_file_actions_adddup2(&setup.actions, child_in.get(), STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&setup.actions, child_out.get(), STDOUT_FILENO);
  }
  if (!make_pipe(c.errors_, child_err)) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  ::posix_spawn_file_actions_adddup2(&setup.actions, child_err.get(), STDERR_FILENO);
  // Any descriptor the relay opened without O_CLOEXEC stays out of the child.
  ::posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (!settings.cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&setup.actions, settings.cwd.c_str());
  // A session of its own; no signal blocked (the relay blocks those it reads) and none ignored.
  sigset_t none, all;
  ::sigemptyset(&none);
  ::sigfillset(&all);
  ::posix_spawnattr_setsigmask(&setup.attributes, &none);
  ::posix_spawnattr_setsigdefault(&setup.attributes, &all);
  ::posix_spawnattr_setflags(&setup.attributes,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  if (const int rc =
          ::posix_spawn(&pid, path.c_str(), &setup.actions, &setup.attributes, argv.data(), envp.data());
      rc != 0) {
    out.error = "exec " + path + ": " + std::strerror(rc);
    return out;
  }
  c.pid_ = pid;
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
  // Until it is reaped the child's pid, and so its group id, cannot be reused. The group is the
  // child's from its start (posix_spawn returns after setsid); should it be gone, the child alone.
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
