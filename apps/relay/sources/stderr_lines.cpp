// A CR before the LF is removed, as line framing does; empty lines are not logged.
#include "sources/stderr_lines.hpp"

#include <algorithm>

namespace sluice::relay {

void StderrLines::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) on_line_(line);
}

void StderrLines::feed(std::span<const std::uint8_t> bytes) {
  std::string_view rest(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  while (!rest.empty()) {
    const std::size_t lf = rest.find('\n');
    const std::size_t take =
        std::min(lf == std::string_view::npos ? rest.size() : lf, max_line_ - partial_.size());
    partial_.append(rest.substr(0, take));
    rest.remove_prefix(take);
    if (!rest.empty() && rest.front() == '\n') {
      rest.remove_prefix(1);
    } else if (partial_.size() < max_line_) {
      return;  // the line goes on in the next read
    }
    emit(partial_);
    partial_.clear();
  }
}

void StderrLines::finish() {
  emit(partial_);
  partial_.clear();
}

}  // namespace sluice::relay
