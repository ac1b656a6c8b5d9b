// ICMP and ICMPv6 echo for mwan's health probes: one raw socket per WAN and family (bound to its device and address),
// sends, and non-blocking drains of the replies with the kernel's receive timestamps, so JavaScript wakes per batch.
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_FILTER_OPT 1 /* linux/icmp.h ICMP_FILTER: a bitmask of ICMP types the raw socket drops */
#define ICMP6_ECHO_REQUEST_TYPE 128
#define ICMP6_ECHO_REPLY_TYPE 129
#define PAYLOAD 56        /* as ping: 8 bytes of header + 56 = 64 */
#define MAX_DRAIN 1024

static napi_value fail(napi_env env, const char *what, int err) {
  char code[32];
  char msg[160];
  snprintf(code, sizeof code, "E%d", err);
  const char *name = NULL;
  switch (err) {
    case EPERM: name = "EPERM"; break;
    case EACCES: name = "EACCES"; break;
    case ENODEV: name = "ENODEV"; break;
    case EADDRNOTAVAIL: name = "EADDRNOTAVAIL"; break;
    case ENETUNREACH: name = "ENETUNREACH"; break;
    case EHOSTUNREACH: name = "EHOSTUNREACH"; break;
    case ENETDOWN: name = "ENETDOWN"; break;
    case EINVAL: name = "EINVAL"; break;
    case ENOBUFS: name = "ENOBUFS"; break;
    case EAGAIN: name = "EAGAIN"; break;
    case EBADF: name = "EBADF"; break;
  }
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, name ? name : code, msg);
  return NULL;
}

static int arg_string(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) return -1;
  return len < size - 1 ? 0 : -1;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1;
}

static uint16_t checksum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* The family of each socket open() made, by fd (6 for ICMPv6, 4 for ICMP, 0 unknown): send and drain run about
 * 250 times a second at 8 WANs, and a getsockopt each was a system call apiece. Larger fds ask the kernel. */
#define FAMILY_CACHE 1024
static unsigned char fd_family[FAMILY_CACHE];

static void remember_family(int fd, int family) {
  if (fd >= 0 && fd < FAMILY_CACHE) fd_family[fd] = family == AF_INET6 ? 6 : family == AF_INET ? 4 : 0;
}

/* AF_INET or AF_INET6: what kind of socket `fd` is (-1 if it is none). */
static int socket_family(int fd) {
  if (fd >= 0 && fd < FAMILY_CACHE && fd_family[fd]) return fd_family[fd] == 6 ? AF_INET6 : AF_INET;
  int family = -1;
  socklen_t len = sizeof family;
  return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0 ? -1 : family;
}

static double ts_ms(const struct timespec *t) { return (double)t->tv_sec * 1e3 + (double)t->tv_nsec / 1e6; }

/* A raw ICMPv6 socket: the kernel fills in the checksum (RFC 3542: always for IPPROTO_ICMPV6) and gives us the
 * ICMPv6 message without the IPv6 header; ICMP6_FILTER lets only echo replies through. */
static int open6(const char *device, const char *source, const char **what) {
  struct sockaddr_in6 addr = { .sin6_family = AF_INET6 };
  inet_pton(AF_INET6, source, &addr.sin6_addr);
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (fd < 0) { *what = "socket"; return -1; }
  struct icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY_TYPE, &filter);
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device) + 1) < 0) *what = "bind to device";
  else if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) *what = "bind to source";
  else if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0) *what = "ICMPv6 filter";
  else if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) *what = "timestamps";
  else return fd;
  int e = errno;
  close(fd);
  errno = e;
  return -1;
}

/* open(device, source) → fd: a non-blocking raw ICMP (or ICMPv6, for an IPv6 source) socket that sees only echo
 * replies on `device` to `source`. */
static napi_value icmp_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char device[64], source[64];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || arg_string(env, argv[0], device, sizeof device) || arg_string(env, argv[1], source, sizeof source)) {
    napi_throw_type_error(env, NULL, "open(device, source) expects two short strings");
    return NULL;
  }
  struct in6_addr probe6;
  if (inet_pton(AF_INET6, source, &probe6) == 1) {
    const char *what = "";
    int fd6 = open6(device, source, &what);
    if (fd6 < 0) return fail(env, what, errno);
    remember_family(fd6, AF_INET6);
    napi_value out6;
    napi_create_int32(env, fd6, &out6);
    return out6;
  }
  struct sockaddr_in addr = { .sin_family = AF_INET };
  if (inet_pton(AF_INET, source, &addr.sin_addr) != 1) return fail(env, "source address", EINVAL);
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) return fail(env, "socket", errno);
  uint32_t filter = ~(1u << ICMP_ECHO_REPLY);
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device) + 1) < 0) { int e = errno; close(fd); return fail(env, "bind to device", e); }
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { int e = errno; close(fd); return fail(env, "bind to source", e); }
  if (setsockopt(fd, SOL_RAW, ICMP_FILTER_OPT, &filter, sizeof filter) < 0) { int e = errno; close(fd); return fail(env, "ICMP filter", e); }
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) { int e = errno; close(fd); return fail(env, "timestamps", e); }
  remember_family(fd, AF_INET);
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* send(fd, target, id, seq): one echo request carrying its wall-clock send time. */
static napi_value icmp_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char target[64];
  int32_t fd, id, seq;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || arg_int(env, argv[0], &fd) || arg_string(env, argv[1], target, sizeof target) ||
      arg_int(env, argv[2], &id) || arg_int(env, argv[3], &seq)) {
    napi_throw_type_error(env, NULL, "send(fd, target, id, seq) expects a number, a string and two numbers");
    return NULL;
  }
  struct sockaddr_in to = { .sin_family = AF_INET };
  struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
  int v6 = socket_family(fd) == AF_INET6;
  if (v6 ? inet_pton(AF_INET6, target, &to6.sin6_addr) != 1 : inet_pton(AF_INET, target, &to.sin_addr) != 1)
    return fail(env, "target address", EINVAL);
  uint8_t pkt[8 + PAYLOAD];
  memset(pkt, 0, sizeof pkt);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  pkt[0] = v6 ? ICMP6_ECHO_REQUEST_TYPE : ICMP_ECHO_REQUEST;
  pkt[4] = (uint8_t)(id >> 8); pkt[5] = (uint8_t)id;
  pkt[6] = (uint8_t)(seq >> 8); pkt[7] = (uint8_t)seq;
  int64_t sec = now.tv_sec, nsec = now.tv_nsec;
  memcpy(pkt + 8, &sec, 8);
  memcpy(pkt + 16, &nsec, 8);
  if (!v6) {
    uint16_t sum = checksum(pkt, sizeof pkt);
    pkt[2] = (uint8_t)(sum >> 8); pkt[3] = (uint8_t)sum;
  }
  ssize_t sent = v6 ? sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to6, sizeof to6)
                    : sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to);
  if (sent < 0) return fail(env, "send", errno);
  return NULL;
}

/* drain(fd, id) → [sourceAddress, seq, rttMs, …] for every echo reply with this id waiting on the socket; the
 * address is a uint32 on an ICMP socket, 32 lowercase hex digits (the 16 bytes) on an ICMPv6 one. */
static napi_value icmp_drain(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t fd, id;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &id)) {
    napi_throw_type_error(env, NULL, "drain(fd, id) expects two numbers");
    return NULL;
  }
  napi_create_array(env, &out);
  int v6 = socket_family(fd) == AF_INET6;
  uint32_t n = 0;
  for (int i = 0; i < MAX_DRAIN; i++) {
    uint8_t buf[256];
    char control[256];
    struct sockaddr_in6 from; /* large enough for either family */
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
    struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control, .msg_controllen = sizeof control };
    ssize_t len = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return fail(env, "receive", errno);
    }
    /* An ICMP socket gets the IPv4 header first; an ICMPv6 one gets the message alone. */
    if (!v6 && len < 20) continue;
    size_t ihl = v6 ? 0 : (size_t)(buf[0] & 0x0f) * 4;
    if ((!v6 && ihl < 20) || (size_t)len < ihl + 8 + 16) continue;
    const uint8_t *icmp = buf + ihl;
    if (icmp[0] != (v6 ? ICMP6_ECHO_REPLY_TYPE : ICMP_ECHO_REPLY) || icmp[1] != 0) continue;
    if (((icmp[4] << 8) | icmp[5]) != (id & 0xffff)) continue;
    struct timespec rx = { 0, 0 }, tx;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) memcpy(&rx, CMSG_DATA(c), sizeof rx);
    int64_t sec, nsec;
    memcpy(&sec, icmp + 8, 8);
    memcpy(&nsec, icmp + 16, 8);
    tx.tv_sec = (time_t)sec;
    tx.tv_nsec = (long)nsec;
    /* No timestamp: timestamps were only just turned on (the kernel does that a moment after the first socket asks). */
    double rtt = rx.tv_sec == 0 ? -1 : ts_ms(&rx) - ts_ms(&tx);
    napi_value v;
    if (v6) {
      char hex[33];
      for (int b = 0; b < 16; b++) snprintf(hex + 2 * b, 3, "%02x", from.sin6_addr.s6_addr[b]);
      napi_create_string_utf8(env, hex, 32, &v);
    } else {
      napi_create_uint32(env, ntohl(((struct sockaddr_in *)&from)->sin_addr.s_addr), &v);
    }
    napi_set_element(env, out, n++, v);
    napi_create_uint32(env, (uint32_t)((icmp[6] << 8) | icmp[7]), &v); napi_set_element(env, out, n++, v);
    napi_create_double(env, rx.tv_sec != 0 && rtt < 0 ? 0 : rtt, &v); napi_set_element(env, out, n++, v);
  }
  return out;
}

static napi_value icmp_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || arg_int(env, argv[0], &fd)) { napi_throw_type_error(env, NULL, "close(fd) expects a number"); return NULL; }
  remember_family(fd, 0);
  close(fd);
  return NULL;
}

void mwan_define_notify(napi_env env, napi_value exports); /* notify.c */
void mwan_define_nft(napi_env env, napi_value exports);    /* nft.c */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "open", NULL, icmp_open, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, icmp_send, NULL, NULL, NULL, napi_default, NULL },
    { "drain", NULL, icmp_drain, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, icmp_close, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  mwan_define_notify(env, exports);
  mwan_define_nft(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
