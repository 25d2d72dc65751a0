// StderrLines: a child's standard error, cut into lines for the relay's log ("source 'sensor'
// stderr: ..."). A line is logged when its LF arrives; a line longer than max_line is logged in
// pieces of max_line bytes, so a program that never prints an LF cannot make the relay hold
// more than that. Pure: the caller reads, this only cuts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::relay {

class StderrLines {
 public:
  using OnLine = std::function<void(std::string_view line)>;

  StderrLines(std::size_t max_line, OnLine on_line) : max_line_(max_line), on_line_(std::move(on_line)) {}

  void feed(std::span<const std::uint8_t> bytes);
  // The stream ended: an unfinished last line is logged as it is.
  void finish();

 private:
  void emit(std::string_view line);

  std::size_t max_line_;
  OnLine on_line_;
  std::string partial_;
};

}  // namespace sluice::relay
