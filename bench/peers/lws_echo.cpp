// peer-lws-echo: a WebSocket echo server on libwebsockets (Debian's libwebsockets-dev), written
// the way lws expects: one protocol callback, per-session data that lws allocates, receive into
// the session, ask for a writeable callback, write from there (one lws_write per callback).
// Text comes back as text, binary as binary. Used by the benchmarks to compare with sluice-echo;
// the context is created with lws's defaults, so its fd table is sized by the process's fd
// limit, as for any lws user.
//
// Connections whose path is /broadcast instead form one room, as in sluice-echo: every message
// one of them sends goes to all of them, the sender included. The room follows lws's broadcast
// examples (minimal-ws-server-ring): per-vhost data holds the list of sessions and one log of
// messages, each session keeps its own tail in that log, a new message asks every session for a
// writeable callback, and every session writes the same buffer (one copy per message, whatever
// the number of readers). Unlike lws_ring, whose fixed size makes those examples drop new
// messages or cull the laggard when it is full, the log grows: a reader that stalls holds back
// only itself, and what it has not read stays in memory until it reads it or goes away.
//
// Usage: peer-lws-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
//        ws://127.0.0.1:P/broadcast is the room; any other path echoes.
#include "port_option.hpp"

#include <libwebsockets.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_sigterm(int) { interrupted = 1; }

// One message published to the room, written by every session that was in the room when it
// arrived. `buf` has LWS_PRE bytes of headroom in front of the payload, where lws_write puts
// the frame header.
struct Message {
  unsigned char* buf;
  size_t len;
  bool binary;
  int refs;  // sessions that have yet to write it (or to leave)
};

struct Session;

// Per vhost (lws_protocol_vh_priv_zalloc): the room. `log` is a circular array of the messages
// some session has yet to write, with sequence numbers first .. first + count - 1. A message
// is freed when its last reader has written it; since every reader goes through the log in
// order, that is always the oldest one.
struct Room {
  Session* sessions;  // linked through Session::room_next
  int members;
  Message** log;
  size_t cap;
  size_t start;  // index of sequence number `first` in log
  size_t count;
  std::uint64_t first;
};

// Per connection (lws allocates per_session_data_size bytes for each one, zeroed). While a
// message is being assembled, or (echo) waits to be written, `buf` holds it with LWS_PRE bytes
// of headroom in front; an idle connection holds nothing else.
struct Session {
  unsigned char* buf;
  size_t len;
  size_t cap;
  bool binary;
  bool complete;  // echo: the whole message is in buf and waits for a writeable callback
  // The room (/broadcast) only:
  bool in_room;
  struct lws* wsi;
  Session* room_next;
  std::uint64_t tail;  // sequence number of the next message of the room to write
};

void release(Session* s) {
  std::free(s->buf);
  s->buf = nullptr;
  s->len = s->cap = 0;
  s->complete = false;
}

bool append(Session* s, const void* in, size_t len) {
  if (!s->buf || s->len + len > s->cap) {  // an empty message still needs the headroom
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + len) cap *= 2;
    auto* grown = static_cast<unsigned char*>(std::realloc(s->buf, LWS_PRE + cap));
    if (!grown) return false;
    s->buf = grown;
    s->cap = cap;
  }
  if (len) std::memcpy(s->buf + LWS_PRE + s->len, in, len);
  s->len += len;
  return true;
}

Message*& at(Room* room, std::uint64_t seq) {
  return room->log[(room->start + static_cast<size_t>(seq - room->first)) % room->cap];
}

void unref(Room* room, std::uint64_t seq) {
  Message*& m = at(room, seq);
  if (--m->refs > 0) return;
  std::free(m->buf);
  std::free(m);
  m = nullptr;
  while (room->count && !room->log[room->start]) {
    room->start = (room->start + 1) % room->cap;
    ++room->first;
    --room->count;
  }
}

// The session's assembled message becomes the room's next one (its buffer moves, no copy), and
// every member is asked for a writeable callback.
bool publish(Room* room, Session* s) {
  if (room->count == room->cap) {
    const size_t cap = room->cap ? room->cap * 2 : 1024;
    auto* grown = static_cast<Message**>(std::malloc(cap * sizeof(Message*)));
    if (!grown) return false;
    for (size_t i = 0; i < room->count; ++i) grown[i] = room->log[(room->start + i) % room->cap];
    std::free(room->log);
    room->log = grown;
    room->cap = cap;
    room->start = 0;
  }
  auto* m = static_cast<Message*>(std::malloc(sizeof(Message)));
  if (!m) return false;
  *m = Message{s->buf, s->len, s->binary, room->members};
  s->buf = nullptr;
  s->len = s->cap = 0;
  room->log[(room->start + room->count) % room->cap] = m;
  ++room->count;
  for (Session* member = room->sessions; member; member = member->room_next)
    lws_callback_on_writable(member->wsi);
  return true;
}

void join(Room* room, Session* s, struct lws* wsi) {
  s->in_room = true;
  s->wsi = wsi;
  s->tail = room->first + room->count;
  lws_ll_fwd_insert(s, room_next, room->sessions);
  ++room->members;
}

void leave(Room* room, Session* s) {
  for (std::uint64_t seq = s->tail; seq < room->first + room->count; ++seq) unref(room, seq);
  lws_ll_fwd_remove(Session, room_next, s, room->sessions);
  --room->members;
  s->in_room = false;
}

int callback_echo(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto* s = static_cast<Session*>(user);
  auto* room = static_cast<Room*>(lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi)));
  switch (reason) {
    case LWS_CALLBACK_PROTOCOL_INIT:
      if (!lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi), lws_get_protocol(wsi), sizeof(Room))) return -1;
      break;

    case LWS_CALLBACK_PROTOCOL_DESTROY:
      if (room) {
        for (size_t i = 0; i < room->count; ++i) {
          Message* m = room->log[(room->start + i) % room->cap];
          if (m) std::free(m->buf);
          std::free(m);
        }
        std::free(room->log);
      }
      break;

    case LWS_CALLBACK_ESTABLISHED: {
      *s = Session{};
      char uri[16];
      if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) > 0 && std::strcmp(uri, "/broadcast") == 0)
        join(room, s, wsi);
      break;
    }

    case LWS_CALLBACK_RECEIVE:
      if (lws_is_first_fragment(wsi)) {
        s->len = 0;
        s->binary = lws_frame_is_binary(wsi) != 0;
      }
      if (!append(s, in, len)) return -1;
      if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        if (s->in_room) {
          if (!publish(room, s)) return -1;
          break;
        }
        s->complete = true;
        // Hold further input until this message is written back.
        lws_rx_flow_control(wsi, 0);
        lws_callback_on_writable(wsi);
      }
      break;

    case LWS_CALLBACK_SERVER_WRITEABLE: {
      if (s->in_room) {
        if (s->tail == room->first + room->count) break;  // nothing new for this one
        const std::uint64_t seq = s->tail++;
        const Message* m = at(room, seq);
        const int n = lws_write(wsi, m->buf + LWS_PRE, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
        unref(room, seq);
        if (n < 0) return -1;
        if (s->tail != room->first + room->count) lws_callback_on_writable(wsi);
        break;
      }
      if (!s->complete) break;
      const auto mode = s->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT;
      const int n = lws_write(wsi, s->buf + LWS_PRE, s->len, mode);
      release(s);
      if (n < 0) return -1;
      lws_rx_flow_control(wsi, 1);
      break;
    }

    case LWS_CALLBACK_CLOSED:
      if (s->in_room) leave(room, s);
      release(s);
      break;

    default: break;
  }
  return 0;
}

const struct lws_protocols protocols[] = {
    {"echo", callback_echo, sizeof(Session), 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

int main(int argc, char** argv) {
  const int port = port_option(argc, argv, "peer-lws-echo");
  if (port < 0) return 2;

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
