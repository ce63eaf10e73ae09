/*
 * mirrorsink's optional batch UDP receiver (Linux): one recvmmsg(2) call reads up to a batch of
 * datagrams straight into memory that JavaScript owns, and one call into JavaScript hands the
 * whole batch over. Node's dgram makes a Buffer, an rinfo object and a JavaScript callback per
 * datagram, which costs more than mirrorsink's whole pipeline does (see bench/live.ts).
 * The sending side (sendmmsg) serves `mirrorsink send` and the live benchmark's sender.
 *
 * Layout shared with src/source/batch-socket.ts (keep both in step):
 *   data  ArrayBuffer of slots * slotSize bytes; datagram i is at i * slotSize.
 *   meta  Uint32Array: [count, tsSec, tsNsec, spare] (the clock right after the call) then per
 *         datagram [length, flags, port, a0, a1, a2, a3, tsSec, tsNsec, spare]: the sender
 *         address as 32-bit words in host order (a0 = the whole IPv4 address; for IPv6 a0 is
 *         the most significant) and the time the kernel received the datagram (SO_TIMESTAMPNS;
 *         the batch's clock when the kernel gave none).
 * flags bit 0: the datagram was larger than its slot and was cut (MSG_TRUNC).
 */
#include <node_api.h>

#ifdef __linux__
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define META_HEADER_WORDS 4
#define META_ENTRY_WORDS 10
/* Room for one SCM_TIMESTAMPNS control message per datagram. */
#define CONTROL_BYTES CMSG_SPACE(sizeof(struct timespec))
#define FLAG_TRUNCATED 1u
/* Batches read per readiness event before the event loop gets a turn (HTTP, timers). */
#define MAX_ROUNDS 16

typedef struct {
  napi_env env;
  int fd;
  int closing;
  uv_poll_t poll;
  napi_ref data_ref;
  napi_ref meta_ref;
  napi_ref on_batch_ref;
  napi_ref on_error_ref;
  napi_ref resource_ref;
  napi_ref on_closed_ref;
  napi_async_context async_context;
  uint8_t *data;
  uint32_t *meta;
  size_t slots;
  size_t slot_size;
  struct mmsghdr *msgs;
  struct iovec *iovs;
  struct sockaddr_in6 *addrs;
  uint8_t *control;
} receiver_t;

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error(env, "ERR_MIRRORSINK_NATIVE", "napi call failed: " #call); \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, uv_err_name(-err), msg);
  return NULL;
}

static void call_js(receiver_t *r, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = r->env;
  napi_value fn, resource;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok) return;
  if (napi_get_reference_value(env, r->resource_ref, &resource) != napi_ok) return;
  /* make_callback, not call_function: microtasks queued by the batch run afterwards, as they
   * do after any I/O callback. */
  napi_make_callback(env, r->async_context, resource, fn, argc, argv, NULL);
}

static void stop_polling(receiver_t *r) {
  if (!r->closing) uv_poll_stop(&r->poll);
}

static void report_error(receiver_t *r, int err) {
  napi_env env = r->env;
  napi_value argv[2];
  stop_polling(r);
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &argv[1]);
  call_js(r, r->on_error_ref, 2, argv);
}

static void fill_entry(uint32_t *e, struct mmsghdr *m, const struct sockaddr_in6 *a, const struct timespec *batch_ts) {
  const struct timespec *ts = batch_ts;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m->msg_hdr); c != NULL; c = CMSG_NXTHDR(&m->msg_hdr, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      ts = (const struct timespec *)CMSG_DATA(c);
      break;
    }
  }
  e[7] = (uint32_t)ts->tv_sec;
  e[8] = (uint32_t)ts->tv_nsec;
  e[0] = m->msg_len;
  e[1] = (m->msg_hdr.msg_flags & MSG_TRUNC) ? FLAG_TRUNCATED : 0;
  if (a->sin6_family == AF_INET) {
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
    e[2] = ntohs(a4->sin_port);
    e[3] = ntohl(a4->sin_addr.s_addr);
    e[4] = e[5] = e[6] = 0;
  } else {
    const uint8_t *b = a->sin6_addr.s6_addr;
    e[2] = ntohs(a->sin6_port);
    for (int w = 0; w < 4; w++)
      e[3 + w] = ((uint32_t)b[4 * w] << 24) | ((uint32_t)b[4 * w + 1] << 16) | ((uint32_t)b[4 * w + 2] << 8) | b[4 * w + 3];
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  receiver_t *r = handle->data;
  if (r->closing) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(r->env, &scope) != napi_ok) return;
  if (status < 0) {
    /* libuv says EBADF for any POLLERR: the socket's own error says what happened (e.g.
     * ECONNABORTED when it was destroyed with `ss -K`). */
    int err = 0;
    socklen_t err_len = sizeof err;
    if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0 || err == 0) err = -status;
    report_error(r, err);
  } else {
    for (int round = 0; round < MAX_ROUNDS && !r->closing; round++) {
      for (size_t i = 0; i < r->slots; i++) {
        r->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
        r->msgs[i].msg_hdr.msg_controllen = CONTROL_BYTES;
      }
      int n = recvmmsg(r->fd, r->msgs, (unsigned)r->slots, MSG_DONTWAIT, NULL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) report_error(r, errno);
        break;
      }
      if (n == 0) break;
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      r->meta[0] = (uint32_t)n;
      r->meta[1] = (uint32_t)ts.tv_sec;
      r->meta[2] = (uint32_t)ts.tv_nsec;
      for (int i = 0; i < n; i++) fill_entry(r->meta + META_HEADER_WORDS + (size_t)i * META_ENTRY_WORDS, &r->msgs[i], &r->addrs[i], &ts);
      call_js(r, r->on_batch_ref, 0, NULL);
      if ((size_t)n < r->slots) break;
    }
  }
  napi_close_handle_scope(r->env, scope);
}

static void free_receiver(receiver_t *r) {
  napi_env env = r->env;
  if (r->fd >= 0) close(r->fd);
  napi_ref refs[] = {r->data_ref, r->meta_ref, r->on_batch_ref, r->on_error_ref, r->resource_ref, r->on_closed_ref};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i] != NULL) napi_delete_reference(env, refs[i]);
  if (r->async_context != NULL) napi_async_destroy(env, r->async_context);
  free(r->msgs);
  free(r->iovs);
  free(r->addrs);
  free(r->control);
  free(r);
}

static void on_closed(uv_handle_t *handle) {
  receiver_t *r = handle->data;
  /* The socket is closed before JavaScript hears of it: its port is free again by then. */
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  if (r->on_closed_ref != NULL) {
    napi_handle_scope scope;
    if (napi_open_handle_scope(r->env, &scope) == napi_ok) {
      call_js(r, r->on_closed_ref, 0, NULL);
      napi_close_handle_scope(r->env, scope);
    }
  }
  free_receiver(r);
}

static int parse_address(int family, const char *text, int port, struct sockaddr_in6 *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (family == 4) {
    struct sockaddr_in *a4 = (struct sockaddr_in *)out;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
    return inet_pton(AF_INET, text, &a4->sin_addr) == 1;
  }
  out->sin6_family = AF_INET6;
  out->sin6_port = htons((uint16_t)port);
  *len = sizeof *out;
  return inet_pton(AF_INET6, text, &out->sin6_addr) == 1;
}

/* The arguments of a call, or a TypeError naming how many it takes. */
#define GET_ARGS(n, name)                                                    \
  size_t argc = (n);                                                         \
  napi_value argv[(n)];                                                      \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));               \
  if (argc < (n)) {                                                          \
    napi_throw_type_error(env, NULL, name "() takes " #n " arguments");      \
    return NULL;                                                             \
  }

/* What open() and openSender() start with: family, address, port and a socket buffer size. */
typedef struct {
  int family;
  struct sockaddr_in6 addr;
  socklen_t addr_len;
  int buffer_bytes; /* 0 = leave the kernel's default */
} endpoint_t;

/* argv[0..3] → endpoint; 0 with a JavaScript error thrown when they do not make one. */
static int read_endpoint(napi_env env, napi_value *argv, int min_port, endpoint_t *ep) {
  int32_t family, port;
  double bytes;
  char address[INET6_ADDRSTRLEN + 1];
  size_t address_len;
  if (napi_get_value_int32(env, argv[0], &family) != napi_ok || napi_get_value_string_utf8(env, argv[1], address, sizeof address, &address_len) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || napi_get_value_double(env, argv[3], &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected (family, address, port, bufferBytes)");
    return 0;
  }
  if ((family != 4 && family != 6) || port < min_port || port > 65535 || !parse_address(family, address, port, &ep->addr, &ep->addr_len)) {
    napi_throw_error(env, "EINVAL", "not an IP address and port of the socket's family");
    return 0;
  }
  ep->family = family;
  ep->buffer_bytes = bytes > 0 && bytes <= INT_MAX ? (int)bytes : 0;
  return 1;
}

static int udp_socket(const endpoint_t *ep) {
  return socket(ep->family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/*
 * open(family, address, port, receiveBufferBytes, data, meta, slotSize, onBatch, onError)
 *   → { handle, port, receiveBuffer }
 * Binds a non-blocking UDP socket (IPv6 ones v6-only), asks for the receive buffer (a refusal
 * is not an error: the granted size is returned), and starts reading on the event loop.
 */
static napi_value Open(napi_env env, napi_callback_info info) {
  /* A 10th argument (optional): true joins a SO_REUSEPORT group (serve's pipeline threads). */
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 9) {
    napi_throw_type_error(env, NULL, "open() takes 9 or 10 arguments");
    return NULL;
  }
  bool reuse_port = false;
  if (argc >= 10) napi_get_value_bool(env, argv[9], &reuse_port);
  endpoint_t ep;
  if (!read_endpoint(env, argv, 0, &ep)) return NULL;
  int32_t slot_size;
  void *data, *meta;
  size_t data_len, meta_len;
  CHECK(napi_get_arraybuffer_info(env, argv[4], &data, &data_len));
  CHECK(napi_get_arraybuffer_info(env, argv[5], &meta, &meta_len));
  CHECK(napi_get_value_int32(env, argv[6], &slot_size));
  if (slot_size <= 0 || data_len < (size_t)slot_size) {
    napi_throw_range_error(env, NULL, "open(): the data buffer must hold at least one slot");
    return NULL;
  }
  size_t slots = data_len / (size_t)slot_size;
  if (meta_len < (META_HEADER_WORDS + slots * META_ENTRY_WORDS) * sizeof(uint32_t)) {
    napi_throw_range_error(env, NULL, "open(): meta buffer too small for the slots");
    return NULL;
  }

  int fd = udp_socket(&ep);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int one = 1;
  if (ep.family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "setsockopt(IPV6_V6ONLY)");
  }
  /* The kernel spreads a group's datagrams by a hash of the 4-tuple (one sender port: one socket). */
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "setsockopt(SO_REUSEPORT)");
  }
  if (bind(fd, (struct sockaddr *)&ep.addr, ep.addr_len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind");
  }
  if (ep.buffer_bytes > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &ep.buffer_bytes, sizeof ep.buffer_bytes); /* capped by net.core.rmem_max */
  /* Arrival times from the kernel: a datagram may wait in the buffer long after it came. */
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  int granted = 0;
  socklen_t granted_len = sizeof granted;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &granted_len);
  struct sockaddr_in6 bound;
  socklen_t bound_len = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  int bound_port = ntohs(bound.sin6_port); /* sin_port sits at the same offset */

  receiver_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "open");
  }
  r->env = env;
  r->fd = fd;
  r->data = data;
  r->meta = meta;
  r->slots = slots;
  r->slot_size = (size_t)slot_size;
  r->msgs = calloc(slots, sizeof *r->msgs);
  r->iovs = calloc(slots, sizeof *r->iovs);
  r->addrs = calloc(slots, sizeof *r->addrs);
  r->control = calloc(slots, CONTROL_BYTES);
  if (r->msgs == NULL || r->iovs == NULL || r->addrs == NULL || r->control == NULL) {
    free_receiver(r);
    return throw_errno(env, ENOMEM, "open");
  }
  for (size_t i = 0; i < slots; i++) {
    r->iovs[i].iov_base = r->data + i * r->slot_size;
    r->iovs[i].iov_len = r->slot_size;
    r->msgs[i].msg_hdr.msg_iov = &r->iovs[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    r->msgs[i].msg_hdr.msg_name = &r->addrs[i];
    r->msgs[i].msg_hdr.msg_control = r->control + i * CONTROL_BYTES;
  }
  napi_value resource, resource_name;
  if (napi_create_reference(env, argv[4], 1, &r->data_ref) != napi_ok ||
      napi_create_reference(env, argv[5], 1, &r->meta_ref) != napi_ok ||
      napi_create_reference(env, argv[7], 1, &r->on_batch_ref) != napi_ok ||
      napi_create_reference(env, argv[8], 1, &r->on_error_ref) != napi_ok ||
      napi_create_object(env, &resource) != napi_ok ||
      napi_create_reference(env, resource, 1, &r->resource_ref) != napi_ok ||
      napi_create_string_utf8(env, "mirrorsink.BatchSocket", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, resource, resource_name, &r->async_context) != napi_ok) {
    free_receiver(r);
    napi_throw_error(env, "ERR_MIRRORSINK_NATIVE", "cannot hold the receiver's JavaScript values");
    return NULL;
  }
  uv_loop_t *loop;
  int rc;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || (rc = uv_poll_init(loop, &r->poll, fd)) != 0) {
    free_receiver(r);
    napi_throw_error(env, "ERR_MIRRORSINK_NATIVE", "cannot watch the socket on the event loop");
    return NULL;
  }
  r->poll.data = r;
  if ((rc = uv_poll_start(&r->poll, UV_READABLE, on_readable)) != 0) {
    r->closing = 1;
    uv_close((uv_handle_t *)&r->poll, on_closed);
    return throw_errno(env, -rc, "uv_poll_start");
  }

  napi_value result, handle_value, port_value, rcvbuf_value;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_external(env, r, NULL, NULL, &handle_value));
  CHECK(napi_create_int32(env, bound_port, &port_value));
  CHECK(napi_create_int32(env, granted, &rcvbuf_value));
  CHECK(napi_set_named_property(env, result, "handle", handle_value));
  CHECK(napi_set_named_property(env, result, "port", port_value));
  CHECK(napi_set_named_property(env, result, "receiveBuffer", rcvbuf_value));
  return result;
}

/* close(handle[, onClosed]): stop reading now; the socket is closed and onClosed called when
 * libuv has released the watcher (later in this event-loop turn). */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  receiver_t *r;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&r) != napi_ok || r == NULL) {
    napi_throw_type_error(env, NULL, "close() takes the handle open() returned");
    return NULL;
  }
  if (r->closing) return NULL;
  napi_valuetype type = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &type);
  if (type == napi_function) CHECK(napi_create_reference(env, argv[1], 1, &r->on_closed_ref));
  uv_poll_stop(&r->poll);
  r->closing = 1;
  uv_close((uv_handle_t *)&r->poll, on_closed);
  return NULL;
}

/* ---- sending: sendmmsg(2) on a connected socket, for `mirrorsink send` and the live bench ---- */

#define SEND_BATCH 1024 /* UIO_MAXIOV: the most sendmmsg takes per call */

typedef struct {
  int fd;
  struct mmsghdr msgs[SEND_BATCH];
  struct iovec iovs[SEND_BATCH];
} sender_t;

/* The handle's memory goes with the handle (garbage collection); the socket with closeSender. */
static void finalize_sender(napi_env env, void *data, void *hint) {
  sender_t *snd = data;
  if (snd->fd >= 0) close(snd->fd);
  free(snd);
}

/* openSender(family, address, port, sendBufferBytes) → { handle, localPort } */
static napi_value OpenSender(napi_env env, napi_callback_info info) {
  GET_ARGS(4, "openSender");
  endpoint_t ep;
  if (!read_endpoint(env, argv, 1, &ep)) return NULL;
  int fd = udp_socket(&ep);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (ep.buffer_bytes > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &ep.buffer_bytes, sizeof ep.buffer_bytes);
  if (connect(fd, (struct sockaddr *)&ep.addr, ep.addr_len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "connect");
  }
  struct sockaddr_in6 local;
  socklen_t local_len = sizeof local;
  getsockname(fd, (struct sockaddr *)&local, &local_len);
  sender_t *snd = calloc(1, sizeof *snd);
  if (snd == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "openSender");
  }
  snd->fd = fd;
  for (int i = 0; i < SEND_BATCH; i++) {
    snd->msgs[i].msg_hdr.msg_iov = &snd->iovs[i];
    snd->msgs[i].msg_hdr.msg_iovlen = 1;
  }
  napi_value result, handle_value, port_value;
  CHECK(napi_create_object(env, &result));
  if (napi_create_external(env, snd, finalize_sender, NULL, &handle_value) != napi_ok) {
    finalize_sender(env, snd, NULL);
    napi_throw_error(env, "ERR_MIRRORSINK_NATIVE", "cannot make the sender handle");
    return NULL;
  }
  CHECK(napi_create_int32(env, ntohs(local.sin6_port), &port_value));
  CHECK(napi_set_named_property(env, result, "handle", handle_value));
  CHECK(napi_set_named_property(env, result, "localPort", port_value));
  return result;
}

static sender_t *sender_arg(napi_env env, napi_value v) {
  sender_t *snd = NULL;
  if (napi_get_value_external(env, v, (void **)&snd) != napi_ok || snd == NULL || snd->fd < 0) {
    napi_throw_type_error(env, NULL, "not an open sender handle");
    return NULL;
  }
  return snd;
}

static int uint32_array(napi_env env, napi_value v, uint32_t **out, size_t *len) {
  napi_typedarray_type type;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != napi_uint32_array) return 0;
  *out = data;
  return 1;
}

/*
 * sendBatch(handle, arena: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, start, count)
 * → datagrams the kernel took, from index `start` on (fewer than count when the socket buffer
 * is full: EAGAIN). A hard error on the first datagram of a call throws with its errno name
 * (e.g. ECONNREFUSED after an ICMP port unreachable); that datagram was not sent.
 */
static napi_value SendBatch(napi_env env, napi_callback_info info) {
  GET_ARGS(6, "sendBatch");
  sender_t *snd = sender_arg(env, argv[0]);
  if (snd == NULL) return NULL;
  napi_typedarray_type type;
  size_t arena_len, offsets_len, lengths_len;
  void *arena_data;
  uint32_t *offsets, *lengths;
  int32_t start, count;
  if (napi_get_typedarray_info(env, argv[1], &type, &arena_len, &arena_data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      !uint32_array(env, argv[2], &offsets, &offsets_len) || !uint32_array(env, argv[3], &lengths, &lengths_len)) {
    napi_throw_type_error(env, NULL, "sendBatch(): arena must be a Uint8Array, offsets and lengths Uint32Arrays");
    return NULL;
  }
  CHECK(napi_get_value_int32(env, argv[4], &start));
  CHECK(napi_get_value_int32(env, argv[5], &count));
  if (start < 0 || count < 0 || (size_t)start + (size_t)count > offsets_len || (size_t)start + (size_t)count > lengths_len) {
    napi_throw_range_error(env, NULL, "sendBatch(): start/count outside offsets or lengths");
    return NULL;
  }
  uint8_t *arena = arena_data;
  int32_t sent = 0;
  while (sent < count) {
    int n = count - sent < SEND_BATCH ? count - sent : SEND_BATCH;
    for (int i = 0; i < n; i++) {
      size_t k = (size_t)start + (size_t)sent + (size_t)i;
      if ((size_t)offsets[k] + lengths[k] > arena_len) {
        napi_throw_range_error(env, NULL, "sendBatch(): a datagram lies outside the arena");
        return NULL;
      }
      snd->iovs[i].iov_base = arena + offsets[k];
      snd->iovs[i].iov_len = lengths[k];
    }
    int r = sendmmsg(snd->fd, snd->msgs, (unsigned)n, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (sent > 0) break; /* report what went; the error comes back on the next call */
      return throw_errno(env, errno, "sendmmsg");
    }
    sent += r;
    if (r < n) break;
  }
  napi_value result;
  CHECK(napi_create_int32(env, sent, &result));
  return result;
}

static napi_value CloseSender(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  sender_t *snd = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&snd) != napi_ok || snd == NULL || snd->fd < 0) return NULL;
  close(snd->fd);
  snd->fd = -1;
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, header, entry;
  CHECK(napi_create_function(env, "openSender", NAPI_AUTO_LENGTH, OpenSender, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "openSender", fn));
  CHECK(napi_create_function(env, "sendBatch", NAPI_AUTO_LENGTH, SendBatch, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "sendBatch", fn));
  CHECK(napi_create_function(env, "closeSender", NAPI_AUTO_LENGTH, CloseSender, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "closeSender", fn));
  CHECK(napi_create_function(env, "open", NAPI_AUTO_LENGTH, Open, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "open", fn));
  CHECK(napi_create_function(env, "close", NAPI_AUTO_LENGTH, Close, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "close", fn));
  CHECK(napi_create_int32(env, META_HEADER_WORDS, &header));
  CHECK(napi_set_named_property(env, exports, "metaHeaderWords", header));
  CHECK(napi_create_int32(env, META_ENTRY_WORDS, &entry));
  CHECK(napi_set_named_property(env, exports, "metaEntryWords", entry));
  napi_value reuse;
  CHECK(napi_get_boolean(env, true, &reuse));
  CHECK(napi_set_named_property(env, exports, "reusePort", reuse));
  return exports;
}

#else /* not Linux: no recvmmsg; the module loads and says so */

static napi_value Init(napi_env env, napi_value exports) {
  return exports;
}

#endif

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
