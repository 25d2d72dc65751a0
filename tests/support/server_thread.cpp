// A sluice::Server on its own thread for the length of a test; see server_thread.hpp.
#include "server_thread.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <utility>

namespace sluice_test {

sluice::ServerOptions test_options() {
  sluice::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.handle_signals = false;
  o.close_timeout = milliseconds(1000);
  o.shutdown_timeout = milliseconds(1000);
  return o;
}

ServerThread::ServerThread(sluice::ServerOptions options, sluice::Behaviors behaviors,
                           const std::function<void(sluice::Server&)>& configure)
    : server_(std::move(options), std::move(behaviors)) {
  sluice::set_log_level(sluice::LogLevel::off);
  if (configure) configure(server_);
  server_.listen();
  port_ = server_.port();
  std::packaged_task<void()> task([this] { server_.run(); });
  done_ = task.get_future();
  thread_ = std::thread(std::move(task));
}

ServerThread::~ServerThread() {
  if (!stop_and_join()) fatal("sluice::Server::run() did not return within the deadline", 3);
}

void ServerThread::fatal(const char* what, int code) {
  std::fprintf(stderr, "FATAL: %s\n", what);
  std::fflush(stderr);
  std::_Exit(code);
}

bool ServerThread::stop_and_join(milliseconds timeout) {
  if (!thread_.joinable()) return true;
  server_.stop();
  if (done_.wait_for(timeout) != std::future_status::ready) return false;
  thread_.join();
  try {
    done_.get();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "run() threw: " << e.what();
  }
  return true;
}

bool ServerThread::on_loop(std::function<void()> fn, milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> f = done->get_future();
  server_.post([fn = std::move(fn), done] {
    fn();
    done->set_value();
  });
  return f.wait_for(timeout) == std::future_status::ready;
}

}  // namespace sluice_test
