// The log sink behind detail::log (src/log.hpp): a bounded queue of formatted lines (text, or
// one JSON object a line) and one writer thread that empties it into stderr with blocking writes. Loop
// threads only take a mutex for a moment, so a log sink that is slow or not read at all (stderr on a full
// pipe) costs them nothing; lines that find the queue full are dropped and counted, and the writer says how
// many once it can write again. Per-site rate limits (kLogBurst lines a second) keep a flood of one warning
// from filling the queue in the first place.
#include "log.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <cmath>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "ws/utf8.hpp"

namespace sluice {
namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
std::atomic<LogFormat> g_format{LogFormat::text};
constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
}  // namespace

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }
void set_log_format(LogFormat format) { g_format.store(format, std::memory_order_relaxed); }
LogFormat log_format() { return g_format.load(std::memory_order_relaxed); }

bool parse_log_format(std::string_view name, LogFormat& out) {
  if (name != "text" && name != "json") return false;
  out = name == "json" ? LogFormat::json : LogFormat::text;
  return true;
}

LogField::LogField(std::string_view k, double v) : key(k), number(true) {
  if (!std::isfinite(v)) {
    value = "null";
    return;
  }
  char out[64];
  std::snprintf(out, sizeof out, "%.3f", v);
  value = out;
  while (value.back() == '0') value.pop_back();  // 12.500 -> 12.5, 3.000 -> 3
  if (value.back() == '.') value.pop_back();
}

bool parse_log_level(std::string_view name, LogLevel& out) {
  for (int i = 0; i < 5; ++i) {
    if (name == kNames[i]) {
      out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

namespace detail {
namespace {

using Clock = std::chrono::steady_clock;

std::string timestamp() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
  return out;
}

// A JSON string's contents: quotes, backslashes and control characters escaped, and every byte
// that is not part of valid UTF-8 (a peer's bytes may land in a line) replaced by U+FFFD.
void append_json_text(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        out += fmt::format("\\u{:04x}", c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    const std::string_view sequence = s.substr(i, length);
    if (length > 1 && sequence.size() == length && is_valid_utf8(sequence)) {
      out += sequence;
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
}

// A text field's value goes in quotes when it would not read as one word.
bool needs_quotes(std::string_view v) {
  return v.empty() || v.find_first_of(" \"=") != std::string_view::npos;
}

std::string format_text(LogLevel level, std::string_view text, std::span<const LogField> fields,
                        std::uint64_t suppressed) {
  std::string line = fmt::format("{} sluice {}: {}", timestamp(), kNames[static_cast<int>(level)], text);
  for (const LogField& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    if (f.number || !needs_quotes(f.value)) {
      line += f.value;
      continue;
    }
    line += '"';
    for (char c : f.value) {
      if (c == '"' || c == '\\') line += '\\';
      line += c == '\n' ? ' ' : c;
    }
    line += '"';
  }
  if (suppressed > 0) line += fmt::format(" ({} more like it were suppressed)", suppressed);
  line += '\n';
  return line;
}

std::string format_json(LogLevel level, std::string_view text, std::span<const LogField> fields,
                        std::uint64_t suppressed) {
  std::string line =
      "{\"time\":\"" + timestamp() + "\",\"level\":\"" + kNames[static_cast<int>(level)] + "\",\"msg\":\"";
  append_json_text(line, text);
  line += '"';
  for (const LogField& f : fields) {
    line += ",\"";
    append_json_text(line, f.key);
    line += "\":";
    if (f.number) {
      line += f.value;
      continue;
    }
    line += '"';
    append_json_text(line, f.value);
    line += '"';
  }
  if (suppressed > 0) line += fmt::format(",\"suppressed\":{}", suppressed);
  line += "}\n";
  return line;
}

std::string format_line(LogLevel level, std::string_view text) { return format_log_line(level, text, {}, 0); }

// One call site's rate limit: a window of one second and the lines it admitted in it.
struct SiteState {
  const char* file = nullptr;
  std::uint32_t line = 0;
  Clock::time_point window_start{};
  int admitted = 0;
  std::uint64_t suppressed = 0;  // since the site's last written line
  LogLevel level = LogLevel::info;
  std::string last_text;  // of its last written line, for the summary of what was held back
};

class Sink {
 public:
  static constexpr std::size_t kMaxQueuedBytes = 256 * 1024;
  static constexpr std::size_t kSites = 256;  // more sites than the code has; overflow shares

  bool admit(const LogSite& site, std::uint64_t& suppressed) {
    std::lock_guard lock(mutex_);
    SiteState& s = state_of(site);
    const Clock::time_point now = Clock::now();
    if (now - s.window_start >= std::chrono::seconds(1)) {
      s.window_start = now;
      s.admitted = 0;
    }
    if (s.admitted >= kLogBurst) {
      ++s.suppressed;
      return false;
    }
    ++s.admitted;
    suppressed = std::exchange(s.suppressed, 0);
    return true;
  }

  void push(LogLevel level, const LogSite& site, std::string_view text, std::uint64_t suppressed,
            std::span<const LogField> fields) {
    std::string line = format_log_line(level, text, fields, suppressed);
    {
      std::lock_guard lock(mutex_);
      SiteState& s = state_of(site);
      s.level = level;
      s.last_text.assign(text.substr(0, 200));
      if (queued_bytes_ + line.size() > kMaxQueuedBytes) {
        ++dropped_;
        ++dropped_total_;
        return;
      }
      queued_bytes_ += line.size();
      queue_.push_back(std::move(line));
      start_writer();
    }
    wake_.notify_one();
  }

  std::uint64_t dropped_total() {
    std::lock_guard lock(mutex_);
    return dropped_total_;
  }

  bool flush(int timeout_ms) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [this] { return queue_.empty() && !writing_; });
  }

 private:
  SiteState& state_of(const LogSite& site) {
    const std::size_t h =
        (reinterpret_cast<std::uintptr_t>(site.file) >> 3 ^ site.line * 2654435761u) % kSites;
    for (std::size_t i = 0; i < kSites; ++i) {
      SiteState& s = sites_[(h + i) % kSites];
      if (s.file == site.file && s.line == site.line) return s;
      if (!s.file) {
        s.file = site.file;
        s.line = site.line;
        return s;
      }
    }
    return sites_[h];  // the table is full: share a slot
  }

  void start_writer() {
    if (started_) return;
    started_ = true;
    // Never joined: at exit a stuck sink must not hold the process; flush_at_exit waits a bound.
    // Started with every signal blocked, so that a signal meant for the application (SIGTERM,
    // which a server takes through signalfd) is never delivered to this thread instead.
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    std::thread([this] { run(); }).detach();
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    std::atexit([] { flush_log(2000); });
  }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return !queue_.empty(); });
      collect_summaries();
      while (!queue_.empty()) {
        std::string line = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        lock.unlock();
        write_all(line);
        lock.lock();
        writing_ = false;
        queued_bytes_ -= line.size();
        if (queue_.empty() && dropped_ > 0) {
          std::string note = format_line(
              LogLevel::warn, fmt::format("{} log lines were dropped: the log output did not keep up",
                                          std::exchange(dropped_, 0)));
          queued_bytes_ += note.size();
          queue_.push_back(std::move(note));
        }
      }
      idle_.notify_all();
    }
  }

  // A site that went quiet while holding lines back says so once its window is over.
  void collect_summaries() {
    const Clock::time_point now = Clock::now();
    for (SiteState& s : sites_) {
      if (!s.file || s.suppressed == 0 || now - s.window_start < std::chrono::seconds(1)) continue;
      std::string line = format_line(
          s.level, fmt::format("{} more lines like this were suppressed: {}", s.suppressed, s.last_text));
      s.suppressed = 0;
      if (queued_bytes_ + line.size() > kMaxQueuedBytes) continue;
      queued_bytes_ += line.size();
      queue_.push_back(std::move(line));
    }
  }

  static void write_all(const std::string& line) {
    std::size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return;  // stderr is closed or broken: nothing more can be done for this line
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_ = 0;  // since the last note about it
  std::uint64_t dropped_total_ = 0;
  bool started_ = false;
  bool writing_ = false;
  std::array<SiteState, kSites> sites_;
};

// Never destroyed: the writer thread may still use it while the process exits.
Sink& sink() {
  static Sink* s = new Sink();
  return *s;
}

}  // namespace

std::string format_log_line(LogLevel level, std::string_view text, std::span<const LogField> fields,
                            std::uint64_t suppressed) {
  return log_format() == sluice::LogFormat::json ? format_json(level, text, fields, suppressed)
                                                 : format_text(level, text, fields, suppressed);
}

bool log_admit(const LogSite& site, std::uint64_t& suppressed) { return sink().admit(site, suppressed); }

void write_log_line(LogLevel level, const LogSite& site, std::string_view line, std::uint64_t suppressed,
                    std::span<const LogField> fields) {
  sink().push(level, site, line, suppressed, fields);
}

std::uint64_t log_lines_dropped() { return sink().dropped_total(); }

bool flush_log(int timeout_ms) { return sink().flush(timeout_ms); }

}  // namespace detail
}  // namespace sluice

namespace sluice {

void write_log(LogLevel level, std::string_view text, std::source_location where) {
  write_log(level, text, {}, where);
}

void write_log(LogLevel level, std::string_view text, std::span<const LogField> fields,
               std::source_location where) {
  if (level < log_level()) return;
  const detail::LogSite site{where.file_name(), where.line()};
  std::uint64_t suppressed = 0;
  if (!detail::log_admit(site, suppressed)) return;
  detail::write_log_line(level, site, text, suppressed, fields);
}

bool flush_log(int timeout_ms) { return detail::flush_log(timeout_ms); }

}  // namespace sluice
