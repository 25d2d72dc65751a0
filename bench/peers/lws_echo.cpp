// peer-lws-echo: a WebSocket echo server on libwebsockets (Debian's libwebsockets-dev), written
// the way lws expects: one protocol callback, per-session data that lws allocates, receive into
// the session, ask for a writeable callback, write from there. Text comes back as text, binary
// as binary. Used by the benchmarks to compare with sluice-echo; the context is created with
// lws's defaults, so its fd table is sized by the process's fd limit, as for any lws user.
//
// Usage: peer-lws-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
#include <libwebsockets.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_sigterm(int) { interrupted = 1; }

// Per connection (lws allocates per_session_data_size bytes for each one). While a message is
// being assembled or waits to be written, `buf` holds it with LWS_PRE bytes of headroom in
// front; an idle connection holds nothing else.
struct Session {
  unsigned char* buf;
  size_t len;
  size_t cap;
  bool binary;
  bool complete;  // the whole message is in buf and waits for a writeable callback
};

void release(Session* s) {
  std::free(s->buf);
  s->buf = nullptr;
  s->len = s->cap = 0;
  s->complete = false;
}

bool append(Session* s, const void* in, size_t len) {
  if (s->len + len > s->cap) {
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + len) cap *= 2;
    auto* grown = static_cast<unsigned char*>(std::realloc(s->buf, LWS_PRE + cap));
    if (!grown) return false;
    s->buf = grown;
    s->cap = cap;
  }
  std::memcpy(s->buf + LWS_PRE + s->len, in, len);
  s->len += len;
  return true;
}

int callback_echo(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto* s = static_cast<Session*>(user);
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: *s = Session{}; break;

    case LWS_CALLBACK_RECEIVE:
      if (lws_is_first_fragment(wsi)) {
        s->len = 0;
        s->binary = lws_frame_is_binary(wsi) != 0;
      }
      if (!append(s, in, len)) return -1;
      if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        s->complete = true;
        // Hold further input until this message is written back.
        lws_rx_flow_control(wsi, 0);
        lws_callback_on_writable(wsi);
      }
      break;

    case LWS_CALLBACK_SERVER_WRITEABLE: {
      if (!s->complete) break;
      const auto mode = s->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT;
      const int n = lws_write(wsi, s->buf + LWS_PRE, s->len, mode);
      release(s);
      if (n < 0) return -1;
      lws_rx_flow_control(wsi, 1);
      break;
    }

    case LWS_CALLBACK_CLOSED: release(s); break;

    default: break;
  }
  return 0;
}

const struct lws_protocols protocols[] = {
    {"echo", callback_echo, sizeof(Session), 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

int usage() {
  std::fprintf(stderr, "usage: peer-lws-echo --port P\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char* end = nullptr;
      const long p = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || p < 0 || p > 65535) return usage();
      port = static_cast<int>(p);
    } else {
      return usage();
    }
  }
  if (port < 0) return usage();

  std::signal(SIGTERM, on_sigterm);
  std::signal(SIGINT, on_sigterm);
  lws_set_log_level(LLL_ERR, nullptr);

  struct lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = port;
  info.iface = "127.0.0.1";
  info.protocols = protocols;
  info.gid = -1;
  info.uid = -1;

  struct lws_context* context = lws_create_context(&info);
  if (!context) {
    std::fprintf(stderr, "peer-lws-echo: lws_create_context failed\n");
    return 1;
  }
  struct lws_vhost* vhost = lws_get_vhost_by_name(context, "default");
  const int bound = vhost ? lws_get_vhost_listen_port(vhost) : port;
  std::printf("peer-lws-echo listening on ws://127.0.0.1:%d/\n", bound);
  std::fflush(stdout);

  int n = 0;
  while (n >= 0 && !interrupted) n = lws_service(context, 0);

  lws_context_destroy(context);
  return 0;
}
