/*
 * hacore_native: the socket and scheduling calls that Node.js cannot make,
 * for @hacore/checker-icmp and @hacore/vrrp (wrapped in TypeScript by src/).
 *
 * - raw IP sockets (ICMP, ICMPv6, VRRP): socket/setsockopt, sendto with an
 *   address in text (IPv6 zone accepted), recvmsg with the IPv6 ancillary data
 *   (IPV6_HOPLIMIT, IPV6_PKTINFO) and sendmsg with IPV6_PKTINFO/IPV6_HOPLIMIT.
 * - UDP sockets with bind and the received TTL / hop limit (IP_RECVTTL,
 *   IPV6_RECVHOPLIMIT), for BFD's TTL 255 check (RFC 5881).
 * - AF_PACKET: gratuitous ARP and unsolicited NA go out as whole Ethernet frames.
 * - poll(fd, events, cb): a libuv poll handle, so reads (and writes waiting for
 *   room) stay event driven. Any fd works, e.g. a timerfd later.
 * - setRealtime: SCHED_RR with RLIMIT_RTTIME.
 * - sendUnixDatagram: one AF_UNIX datagram (sd_notify's $NOTIFY_SOCKET).
 * - setStopFrames / installStopSignals / stopFramesSent: datagrams (VRRP's
 *   priority-0 adverts) sent from the SIGTERM/SIGINT handler itself, before the
 *   event loop wakes; setSignalForward: pids the handler passes SIGTERM on to
 *   (the supervisor's children).
 * - attachFilter / detachFilter: a classic BPF program on a socket (SO_ATTACH_FILTER).
 * - timerfdCreate / timerfdArm / timerfdRead / monotonicMs: a CLOCK_MONOTONIC
 *   timerfd armed at an absolute deadline and polled like a socket: VRRP's timers
 *   to the microsecond (libuv's own timers run on a millisecond clock that may be
 *   the coarse one, a jiffy).
 *
 * Every function is synchronous and non-blocking; errors throw an Error whose
 * `code` is the errno name (EPERM, ENODEV, EAGAIN, ...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#include <signal.h>
#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, "HACORE_ERR_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  /* libuv's names (EPERM, EAGAIN, ...): uv error codes are -errno on Linux, and
     uv_err_name avoids glibc 2.32's strerrorname_np, so older glibc loads the prebuild. */
  const char *name = uv_err_name(-err);
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, name && name[0] == 'E' ? name : "EUNKNOWN", msg);
  return NULL;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static napi_value make_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* socket(family, type, protocol) -> fd; always non-blocking and close-on-exec. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t family, type, protocol;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_i32(env, argv[0], &family) || !get_i32(env, argv[1], &type) || !get_i32(env, argv[2], &protocol)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "socket(family, type, protocol) takes three integers");
    return NULL;
  }
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket", errno);
  return make_i32(env, fd);
}

/* setsockopt(fd, level, name, value: int | Buffer) */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, level, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setsockopt(fd, level, name, value) takes integers and an int or Buffer");
    return NULL;
  }
  bool is_buf = false;
  napi_is_buffer(env, argv[3], &is_buf);
  int rc;
  if (is_buf) {
    void *data;
    size_t len;
    CHECK(napi_get_buffer_info(env, argv[3], &data, &len));
    rc = setsockopt(fd, level, name, data, (socklen_t)len);
  } else {
    int32_t v;
    if (!get_i32(env, argv[3], &v)) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setsockopt value must be an integer or a Buffer");
      return NULL;
    }
    int iv = v;
    rc = setsockopt(fd, level, name, &iv, sizeof iv);
  }
  if (rc < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* sendFrame(fd, ifindex, frame): a whole Ethernet frame out of a packet socket. */
static napi_value js_send_frame(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, ifindex;
  void *data;
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &ifindex) ||
      napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok || len < 14) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sendFrame(fd, ifindex, frame) takes two integers and a Buffer of at least 14 bytes");
    return NULL;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  sll.sll_halen = ETH_ALEN;
  memcpy(&sll.sll_protocol, (unsigned char *)data + 12, 2);
  memcpy(sll.sll_addr, data, ETH_ALEN);
  ssize_t n = sendto(fd, data, len, 0, (struct sockaddr *)&sll, sizeof sll);
  if (n < 0) return throw_errno(env, "sendto", errno);
  return make_i32(env, (int32_t)n);
}

/* Text address (IPv4, or IPv6 with an optional %zone) to a sockaddr; 0 on success. */
static int parse_address(const char *text, uint32_t scope, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    *len = sizeof *sin;
    return 0;
  }
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  snprintf(buf, sizeof buf, "%s", text);
  char *zone = strchr(buf, '%');
  if (zone) *zone++ = 0;
  if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1) return -1;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_scope_id = scope;
  if (zone && *zone) {
    unsigned idx = if_nametoindex(zone);
    if (!idx) idx = (unsigned)strtoul(zone, NULL, 10);
    sin6->sin6_scope_id = idx;
  }
  *len = sizeof *sin6;
  return 0;
}

static void set_port(struct sockaddr_storage *ss, int32_t port) {
  if (ss->ss_family == AF_INET) ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
  else ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* bind(fd, address, port, scopeId?): for UDP sockets whose received TTL is read (BFD). */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, port, scope = 0;
  char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t alen = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_i32(env, argv[0], &fd) || napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &alen) != napi_ok ||
      !get_i32(env, argv[2], &port) || port < 0 || port > 65535 || (argc > 3 && !get_i32(env, argv[3], &scope))) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "bind(fd, address, port, scopeId?)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t slen;
  if (parse_address(addr, (uint32_t)scope, &ss, &slen) < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "bind: not an IP address");
    return NULL;
  }
  set_port(&ss, port);
  if (bind(fd, (struct sockaddr *)&ss, slen) < 0) return throw_errno(env, "bind", errno);
  return NULL;
}

/* sendTo(fd, buffer, address, scopeId, port) -> bytes sent; EAGAIN throws like any errno.
   port matters for UDP sockets (BFD); raw sockets ignore it. */
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t fd, scope = 0, port = 0;
  void *data;
  size_t len;
  char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t alen = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_i32(env, argv[0], &fd) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], addr, sizeof addr, &alen) != napi_ok || (argc > 3 && !get_i32(env, argv[3], &scope)) ||
      (argc > 4 && !get_i32(env, argv[4], &port)) || port < 0 || port > 65535) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sendTo(fd, buffer, address, scopeId?, port?)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t slen;
  if (parse_address(addr, (uint32_t)scope, &ss, &slen) < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "sendTo: not an IP address");
    return NULL;
  }
  set_port(&ss, port);
  ssize_t n = sendto(fd, data, len, 0, (struct sockaddr *)&ss, slen);
  if (n < 0) return throw_errno(env, "sendto", errno);
  return make_i32(env, (int32_t)n);
}

/* send6(fd, dst16, ifindex, payload, src16 | null, hopLimit (-1 = socket default)) */
static napi_value js_send6(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  int32_t fd, ifindex, hops;
  void *dst, *data, *src = NULL;
  size_t dlen, len, slen = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool ok = argc >= 6 && get_i32(env, argv[0], &fd) && napi_get_buffer_info(env, argv[1], &dst, &dlen) == napi_ok && dlen == 16 &&
            get_i32(env, argv[2], &ifindex) && napi_get_buffer_info(env, argv[3], &data, &len) == napi_ok && get_i32(env, argv[5], &hops);
  napi_valuetype t;
  napi_typeof(env, argv[4], &t);
  if (ok && t != napi_null && t != napi_undefined) ok = napi_get_buffer_info(env, argv[4], &src, &slen) == napi_ok && slen == 16;
  if (!ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "send6(fd, dst16, ifindex, payload, src16|null, hopLimit)");
    return NULL;
  }
  struct sockaddr_in6 sin6;
  memset(&sin6, 0, sizeof sin6);
  sin6.sin6_family = AF_INET6;
  memcpy(&sin6.sin6_addr, dst, 16);
  /* link-local and multicast link-scope destinations need the scope id */
  sin6.sin6_scope_id = (uint32_t)ifindex;
  struct iovec iov = {data, len};
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &sin6;
  msg.msg_namelen = sizeof sin6;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  size_t clen = 0;
  struct cmsghdr *c = (struct cmsghdr *)u.buf;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  if (src) memcpy(&pi.ipi6_addr, src, 16);
  pi.ipi6_ifindex = (unsigned)ifindex;
  memcpy(CMSG_DATA(c), &pi, sizeof pi);
  clen += CMSG_SPACE(sizeof(struct in6_pktinfo));
  if (hops >= 0) {
    c = (struct cmsghdr *)(u.buf + clen);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int h = hops;
    memcpy(CMSG_DATA(c), &h, sizeof h);
    clen += CMSG_SPACE(sizeof(int));
  }
  msg.msg_controllen = clen;
  ssize_t n = sendmsg(fd, &msg, 0);
  if (n < 0) return throw_errno(env, "sendmsg", errno);
  return make_i32(env, (int32_t)n);
}

/*
 * recvFrom(fd, buf) -> null when nothing is queued, else
 * { bytes, src: text, srcBytes: Buffer(4|16), dst: Buffer16 | undefined, hopLimit (-1 unknown), ifindex, truncated }
 * dst/hopLimit/ifindex come from IPv6 ancillary data (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT).
 */
static napi_value js_recv_from(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_i32(env, argv[0], &fd) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "recvFrom(fd, buffer)");
    return NULL;
  }
  struct sockaddr_storage from;
  memset(&from, 0, sizeof from);
  struct iovec iov = {data, len};
  union {
    char buf[512];
    struct cmsghdr align;
  } u;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  ssize_t n = recvmsg(fd, &msg, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, "recvmsg", errno);
  }
  int hops = -1, ifindex = 0, have_dst = 0;
  struct in6_addr dst;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    /* IP_RECVTTL on a UDP socket: the received TTL, reported as hopLimit like IPv6's */
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) memcpy(&hops, CMSG_DATA(c), sizeof hops);
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) memcpy(&hops, CMSG_DATA(c), sizeof hops);
    if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      dst = pi.ipi6_addr;
      ifindex = (int)pi.ipi6_ifindex;
      have_dst = 1;
    }
  }
  napi_value obj, v;
  void *p;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_set_named_property(env, obj, "bytes", make_i32(env, (int32_t)n)));
  char text[INET6_ADDRSTRLEN] = "";
  int32_t src_port = 0;
  if (from.ss_family == AF_INET) {
    struct sockaddr_in *f4 = (struct sockaddr_in *)&from;
    inet_ntop(AF_INET, &f4->sin_addr, text, sizeof text);
    CHECK(napi_create_buffer_copy(env, 4, &f4->sin_addr, &p, &v));
    src_port = ntohs(f4->sin_port);
  } else {
    struct sockaddr_in6 *f6 = (struct sockaddr_in6 *)&from;
    inet_ntop(AF_INET6, &f6->sin6_addr, text, sizeof text);
    CHECK(napi_create_buffer_copy(env, 16, &f6->sin6_addr, &p, &v));
    src_port = ntohs(f6->sin6_port);
  }
  CHECK(napi_set_named_property(env, obj, "srcPort", make_i32(env, src_port)));
  CHECK(napi_set_named_property(env, obj, "srcBytes", v));
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "src", v));
  if (have_dst) {
    CHECK(napi_create_buffer_copy(env, 16, &dst, &p, &v));
    CHECK(napi_set_named_property(env, obj, "dst", v));
  }
  CHECK(napi_set_named_property(env, obj, "hopLimit", make_i32(env, hops)));
  CHECK(napi_set_named_property(env, obj, "ifindex", make_i32(env, ifindex)));
  CHECK(napi_get_boolean(env, (msg.msg_flags & MSG_TRUNC) != 0, &v));
  CHECK(napi_set_named_property(env, obj, "truncated", v));
  return obj;
}

/*
 * A poller lives until both its libuv handle is closed and the JS external
 * that names it is collected, so a second unpoll() (or one racing the close
 * callback) reads a live struct and is refused instead of touching freed memory.
 */
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  int closing;       /* uv_close() called */
  int closed;        /* on_closed ran */
  int external_gone; /* the JS handle was collected (or never made) */
} poller_t;

static void on_closed(uv_handle_t *h);

static void poller_close(poller_t *p) {
  if (p->closing) return;
  p->closing = 1;
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, on_closed);
}

static void on_closed(uv_handle_t *h) {
  poller_t *p = (poller_t *)h->data;
  if (p->cb) napi_delete_reference(p->env, p->cb);
  if (p->ctx) napi_async_destroy(p->env, p->ctx);
  p->cb = NULL;
  p->ctx = NULL;
  p->closed = 1;
  if (p->external_gone) free(p);
}

static void on_external_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  poller_t *p = (poller_t *)data;
  p->external_gone = 1;
  if (p->closed) free(p);
}

static void on_event(uv_poll_t *h, int status, int events) {
  poller_t *p = (poller_t *)h->data;
  if (p->closing || !p->cb) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global, args[2], result;
  napi_get_reference_value(env, p->cb, &cb);
  napi_get_global(env, &global);
  napi_create_int32(env, status, &args[0]);
  napi_create_int32(env, events, &args[1]);
  if (napi_make_callback(env, p->ctx, global, cb, 2, args, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

/*
 * poll(fd, events, cb) -> handle; cb(status, events) runs on the event loop
 * whenever fd is ready for `events` (1 readable, 2 writable: libuv's UV_READABLE
 * and UV_WRITABLE). status < 0 is a libuv error: the handle has stopped.
 */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, events;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 3) napi_typeof(env, argv[2], &t);
  if (argc < 3 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &events) || t != napi_function ||
      (events & ~(UV_READABLE | UV_WRITABLE)) != 0 || events == 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "poll(fd, events 1|2|3, callback)");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  poller_t *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, "calloc", ENOMEM);
  p->env = env;
  p->external_gone = 1; /* until the external exists */
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc < 0) {
    free(p);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  p->handle.data = p;
  /* From here on the handle is registered with the loop: every failure closes it
     (on_closed frees p) rather than freeing memory libuv still points at. */
  napi_value name, ext;
  const char *failed = NULL;
  if (napi_create_string_utf8(env, "hacore_native.poll", NAPI_AUTO_LENGTH, &name) != napi_ok) failed = "napi_create_string_utf8";
  else if (napi_create_reference(env, argv[2], 1, &p->cb) != napi_ok) failed = "napi_create_reference";
  else if (napi_async_init(env, NULL, name, &p->ctx) != napi_ok) failed = "napi_async_init";
  else if (napi_create_external(env, p, on_external_gone, NULL, &ext) != napi_ok) failed = "napi_create_external";
  if (failed) {
    poller_close(p);
    napi_throw_error(env, "HACORE_ERR_NATIVE", failed);
    return NULL;
  }
  p->external_gone = 0;
  rc = uv_poll_start(&p->handle, events, on_event);
  if (rc < 0) {
    poller_close(p);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  return ext;
}

/* unpoll(handle): stops and releases a poll handle; call it before close(fd). A second call throws. */
static napi_value js_unpoll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *ptr = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_external(env, argv[0], &ptr) != napi_ok || !ptr) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "unpoll(handle)");
    return NULL;
  }
  poller_t *p = (poller_t *)ptr;
  if (p->closing) {
    napi_throw_error(env, "ERR_INVALID_STATE", "unpoll: the handle is already released");
    return NULL;
  }
  poller_close(p);
  return NULL;
}

/* pollEvents(handle, events): changes what a live poll handle waits for (1, 2 or 3). */
static napi_value js_poll_events(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *ptr = NULL;
  int32_t events;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_external(env, argv[0], &ptr) != napi_ok || !ptr || !get_i32(env, argv[1], &events) ||
      (events & ~(UV_READABLE | UV_WRITABLE)) != 0 || events == 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pollEvents(handle, events 1|2|3)");
    return NULL;
  }
  poller_t *p = (poller_t *)ptr;
  if (p->closing) {
    napi_throw_error(env, "ERR_INVALID_STATE", "pollEvents: the handle is released");
    return NULL;
  }
  int rc = uv_poll_start(&p->handle, events, on_event);
  if (rc < 0) return throw_errno(env, "uv_poll_start", -rc);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_i32(env, argv[0], &fd)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "close(fd)");
    return NULL;
  }
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/*
 * setRealtime(priority, rttimeLimitUs): SCHED_RR at `priority` (1-99) for the
 * calling thread (Linux schedules threads; Node's helper threads keep their
 * policy), as keepalived's vrrp_rt_priority, with RLIMIT_RTTIME so that a
 * runaway loop gets SIGXCPU instead of freezing the machine. SCHED_RESET_ON_FORK:
 * a thread or process started from here later (libuv's pool, a track script)
 * runs SCHED_OTHER, not real-time. 0 returns to SCHED_OTHER.
 */
static napi_value js_set_realtime(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t prio, limit;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_i32(env, argv[0], &prio) || !get_i32(env, argv[1], &limit) || prio < 0 || prio > 99) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setRealtime(priority 0-99, rttimeLimitUs)");
    return NULL;
  }
  if (prio > 0 && limit > 0) {
    struct rlimit rl = {(rlim_t)limit, (rlim_t)limit};
    if (setrlimit(RLIMIT_RTTIME, &rl) < 0) return throw_errno(env, "setrlimit(RLIMIT_RTTIME)", errno);
  }
  struct sched_param sp;
  memset(&sp, 0, sizeof sp);
  sp.sched_priority = prio;
  if (sched_setscheduler(0, prio > 0 ? SCHED_RR | SCHED_RESET_ON_FORK : SCHED_OTHER, &sp) < 0) return throw_errno(env, "sched_setscheduler", errno);
  return NULL;
}

/*
 * sendUnixDatagram(path, message): one datagram to an AF_UNIX SOCK_DGRAM socket
 * from a fresh unbound socket, closed again (sd_notify(3)'s protocol; Node's net
 * has no datagram unix sockets). A leading '@' names an abstract socket.
 */
static napi_value js_send_unix_datagram(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  struct sockaddr_un sun;
  char path[sizeof sun.sun_path + 1];
  size_t plen = 0;
  void *data;
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &plen) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sendUnixDatagram(path, buffer)");
    return NULL;
  }
  if (plen == 0 || plen >= sizeof sun.sun_path) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "sendUnixDatagram: path empty or too long");
    return NULL;
  }
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path, plen);
  if (path[0] == '@') sun.sun_path[0] = '\0';
  socklen_t slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '@' ? 0 : 1));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_UNIX)", errno);
  ssize_t n = sendto(fd, data, len, MSG_NOSIGNAL, (struct sockaddr *)&sun, slen);
  int err = errno;
  close(fd);
  if (n < 0) return throw_errno(env, "sendto(AF_UNIX)", err);
  return make_i32(env, (int32_t)n);
}


/* ---- stop signal ---------------------------------------------------------
 * A process that must say goodbye at once (a VRRP Master's priority-0 advert)
 * arms datagrams here; the SIGTERM/SIGINT handler sends them itself (sendto and
 * sendmsg are async-signal-safe) and then chains to the handler it replaced
 * (libuv's, so Node still emits the signal). The table is double-buffered:
 * JS fills the idle copy and publishes it with one atomic store, so a handler
 * running on any thread reads a whole table. The supervisor sets the pids its
 * SIGTERM is passed to (its children), sent from the same handler.
 */
#define STOP_MAX 64
#define STOP_BYTES 1280
typedef struct {
  int32_t key;
  int fd;
  int family;
  size_t len;
  unsigned char buf[STOP_BYTES];
  struct sockaddr_storage dst;
  socklen_t dlen;
  unsigned char src6[16];
  int has_src6;
  int ifindex;
} stop_frame_t;
typedef struct {
  int count;
  stop_frame_t frames[STOP_MAX];
} stop_table_t;
static stop_table_t stop_tables[2];
static stop_table_t *volatile stop_current = NULL;
static int stop_next = 0;
static volatile sig_atomic_t stop_fired = 0;
static int32_t stop_sent_keys[STOP_MAX];
static volatile sig_atomic_t stop_sent_count = 0;
#define FORWARD_MAX 16
static pid_t forward_pids[2][FORWARD_MAX];
static int forward_counts[2];
static volatile int forward_current = -1;
static struct sigaction stop_prev[2];
static int stop_installed[2];

static void send_stop_frame(const stop_frame_t *f) {
  if (f->family == 4) {
    (void)sendto(f->fd, f->buf, f->len, 0, (const struct sockaddr *)&f->dst, f->dlen);
    return;
  }
  struct iovec iov = {(void *)f->buf, f->len};
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = (void *)&f->dst;
  msg.msg_namelen = f->dlen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  struct cmsghdr *c = (struct cmsghdr *)u.buf;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  if (f->has_src6) memcpy(&pi.ipi6_addr, f->src6, 16);
  pi.ipi6_ifindex = (unsigned)f->ifindex;
  memcpy(CMSG_DATA(c), &pi, sizeof pi);
  (void)sendmsg(f->fd, &msg, 0);
}

static void on_stop_signal(int sig, siginfo_t *si, void *uc) {
  int saved = errno;
  int fc = forward_current;
  if (fc >= 0)
    for (int i = 0; i < forward_counts[fc]; i++) (void)kill(forward_pids[fc][i], SIGTERM);
  if (!stop_fired) {
    stop_fired = 1;
    stop_table_t *t = __atomic_load_n(&stop_current, __ATOMIC_ACQUIRE);
    if (t) {
      for (int i = 0; i < t->count; i++) {
        send_stop_frame(&t->frames[i]);
        stop_sent_keys[i] = t->frames[i].key;
      }
      stop_sent_count = t->count;
    }
  }
  errno = saved;
  struct sigaction *prev = &stop_prev[sig == SIGINT ? 1 : 0];
  if (prev->sa_flags & SA_RESETHAND) {
    /* The replaced handler was one-shot (Node's own SignalExit: reset stdio, then
       raise again): reset as the kernel would have, or its raise() comes back here forever. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
  }
  if (prev->sa_flags & SA_SIGINFO) {
    if (prev->sa_sigaction) prev->sa_sigaction(sig, si, uc);
  } else if (prev->sa_handler != SIG_IGN && prev->sa_handler != SIG_DFL && prev->sa_handler) {
    prev->sa_handler(sig);
  } else if (prev->sa_handler == SIG_DFL) {
    /* Nobody else handles it: the default action (terminate) as before. */
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

/* installStopSignals(): our handler in front of SIGTERM's and SIGINT's (idempotent).
   Call it after the process registered its own listeners (libuv's handler is chained). */
static napi_value js_install_stop_signals(napi_env env, napi_callback_info info) {
  int sigs[2] = {SIGTERM, SIGINT};
  for (int i = 0; i < 2; i++) {
    struct sigaction cur;
    if (sigaction(sigs[i], NULL, &cur) < 0) return throw_errno(env, "sigaction", errno);
    if (stop_installed[i] && (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_stop_signal) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_stop_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    if (sigaction(sigs[i], &sa, &stop_prev[i]) < 0) return throw_errno(env, "sigaction", errno);
    stop_installed[i] = 1;
  }
  return NULL;
}

/* setStopFrames([{ key, fd, family, bytes, dst, scopeId?, src16?, ifindex? }]): the datagrams the handler sends. */
static napi_value js_set_stop_frames(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t n = 0;
  if (argc < 1 || napi_get_array_length(env, argv[0], &n) != napi_ok || n > STOP_MAX) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setStopFrames(array of at most 64 frames)");
    return NULL;
  }
  stop_table_t *t = &stop_tables[stop_next];
  memset(t, 0, sizeof *t);
  for (uint32_t i = 0; i < n; i++) {
    napi_value o, v;
    CHECK(napi_get_element(env, argv[0], i, &o));
    stop_frame_t *f = &t->frames[i];
    int32_t key = 0, fd = -1, family = 0, scope = 0, ifindex = 0;
    void *data = NULL;
    size_t len = 0;
    char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    size_t alen = 0;
    bool ok = napi_get_named_property(env, o, "key", &v) == napi_ok && get_i32(env, v, &key) &&
              napi_get_named_property(env, o, "fd", &v) == napi_ok && get_i32(env, v, &fd) &&
              napi_get_named_property(env, o, "family", &v) == napi_ok && get_i32(env, v, &family) && (family == 4 || family == 6) &&
              napi_get_named_property(env, o, "bytes", &v) == napi_ok && napi_get_buffer_info(env, v, &data, &len) == napi_ok && len <= STOP_BYTES &&
              napi_get_named_property(env, o, "dst", &v) == napi_ok && napi_get_value_string_utf8(env, v, addr, sizeof addr, &alen) == napi_ok;
    if (ok && napi_get_named_property(env, o, "ifindex", &v) == napi_ok) {
      napi_valuetype ty;
      napi_typeof(env, v, &ty);
      if (ty == napi_number) ok = get_i32(env, v, &ifindex);
    }
    scope = ifindex;
    if (ok && napi_get_named_property(env, o, "src16", &v) == napi_ok) {
      napi_valuetype ty;
      napi_typeof(env, v, &ty);
      if (ty != napi_undefined && ty != napi_null) {
        void *src;
        size_t slen;
        ok = napi_get_buffer_info(env, v, &src, &slen) == napi_ok && slen == 16;
        if (ok) {
          memcpy(f->src6, src, 16);
          f->has_src6 = 1;
        }
      }
    }
    if (!ok || parse_address(addr, (uint32_t)scope, &f->dst, &f->dlen) < 0) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "setStopFrames: { key, fd, family 4|6, bytes (<= 1280), dst, ifindex?, src16? }");
      return NULL;
    }
    f->key = key;
    f->fd = fd;
    f->family = family;
    f->len = len;
    f->ifindex = ifindex;
    memcpy(f->buf, data, len);
  }
  t->count = (int)n;
  __atomic_store_n(&stop_current, t, __ATOMIC_RELEASE);
  stop_next ^= 1;
  return NULL;
}

/* stopFramesSent() -> keys of the frames the signal handler sent (empty until a signal came). */
static napi_value js_stop_frames_sent(napi_env env, napi_callback_info info) {
  napi_value arr;
  CHECK(napi_create_array(env, &arr));
  int n = stop_fired ? stop_sent_count : 0;
  for (int i = 0; i < n; i++) CHECK(napi_set_element(env, arr, (uint32_t)i, make_i32(env, stop_sent_keys[i])));
  return arr;
}

/* setSignalForward([pid, ...]): the handler passes SIGTERM/SIGINT on to these as SIGTERM (installs it). */
static napi_value js_set_signal_forward(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t n = 0;
  if (argc < 1 || napi_get_array_length(env, argv[0], &n) != napi_ok || n > FORWARD_MAX) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setSignalForward(array of at most 16 pids)");
    return NULL;
  }
  int next = forward_current == 0 ? 1 : 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int32_t pid;
    CHECK(napi_get_element(env, argv[0], i, &v));
    if (!get_i32(env, v, &pid) || pid <= 1) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "setSignalForward: pids > 1");
      return NULL;
    }
    forward_pids[next][i] = pid;
  }
  forward_counts[next] = (int)n;
  __atomic_store_n(&forward_current, next, __ATOMIC_RELEASE);
  return js_install_stop_signals(env, info);
}

/* attachFilter(fd, program): SO_ATTACH_FILTER with struct sock_filter[] as bytes (8 each, host order). */
static napi_value js_attach_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_i32(env, argv[0], &fd) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || len == 0 ||
      len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "attachFilter(fd, program: 1..4096 instructions of 8 bytes)");
    return NULL;
  }
  struct sock_fprog prog = {(unsigned short)(len / sizeof(struct sock_filter)), (struct sock_filter *)data};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", errno);
  return NULL;
}

/* detachFilter(fd): SO_DETACH_FILTER (ENOENT when none is attached is not an error). */
static napi_value js_detach_filter(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_i32(env, argv[0], &fd)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "detachFilter(fd)");
    return NULL;
  }
  int dummy = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof dummy) < 0 && errno != ENOENT) return throw_errno(env, "setsockopt(SO_DETACH_FILTER)", errno);
  return NULL;
}

/* timerfdCreate() -> fd: CLOCK_MONOTONIC, non-blocking, close-on-exec. */
static napi_value js_timerfd_create(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "timerfd_create", errno);
  return make_i32(env, fd);
}

/* timerfdArm(fd, deadlineMs): one expiry at deadlineMs on monotonicMs()'s clock (absolute); 0 or less disarms. */
static napi_value js_timerfd_arm(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  double ms;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_i32(env, argv[0], &fd) || napi_get_value_double(env, argv[1], &ms) != napi_ok || ms != ms) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "timerfdArm(fd, deadlineMs)");
    return NULL;
  }
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (ms > 0) {
    double sec = (double)(long long)(ms / 1000.0);
    its.it_value.tv_sec = (time_t)sec;
    its.it_value.tv_nsec = (long)((ms - sec * 1000.0) * 1e6);
    if (its.it_value.tv_nsec >= 1000000000L) its.it_value.tv_nsec = 999999999L;
    if (its.it_value.tv_nsec < 0) its.it_value.tv_nsec = 0;
    /* An all-zero value would disarm: a deadline at the epoch of the clock is long past anyway. */
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  }
  if (timerfd_settime(fd, ms > 0 ? TFD_TIMER_ABSTIME : 0, &its, NULL) < 0) return throw_errno(env, "timerfd_settime", errno);
  return NULL;
}

/* timerfdRead(fd) -> expirations since the last read (0: none, the fd was not readable). */
static napi_value js_timerfd_read(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_i32(env, argv[0], &fd)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "timerfdRead(fd)");
    return NULL;
  }
  uint64_t n = 0;
  ssize_t r = read(fd, &n, sizeof n);
  if (r < 0) {
    if (errno == EAGAIN) return make_i32(env, 0);
    return throw_errno(env, "read(timerfd)", errno);
  }
  return make_i32(env, n > 0x7fffffff ? 0x7fffffff : (int32_t)n);
}

/* monotonicMs() -> CLOCK_MONOTONIC in milliseconds (fractional): the clock timerfdArm's deadlines are on. */
static napi_value js_monotonic_ms(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  napi_value r;
  napi_create_double(env, (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6, &r);
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendFrame", NULL, js_send_frame, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send6", NULL, js_send6, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvFrom", NULL, js_recv_from, NULL, NULL, NULL, napi_enumerable, NULL},
      {"poll", NULL, js_poll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollEvents", NULL, js_poll_events, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unpoll", NULL, js_unpoll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setRealtime", NULL, js_set_realtime, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendUnixDatagram", NULL, js_send_unix_datagram, NULL, NULL, NULL, napi_enumerable, NULL},
      {"installStopSignals", NULL, js_install_stop_signals, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setStopFrames", NULL, js_set_stop_frames, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopFramesSent", NULL, js_stop_frames_sent, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setSignalForward", NULL, js_set_signal_forward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"detachFilter", NULL, js_detach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerfdCreate", NULL, js_timerfd_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerfdArm", NULL, js_timerfd_arm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerfdRead", NULL, js_timerfd_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"monotonicMs", NULL, js_monotonic_ms, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
