/* sd_notify(3) for the daemon under systemd: one datagram to $NOTIFY_SOCKET (Node has no AF_UNIX SOCK_DGRAM). */
#include <node_api.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_MESSAGE 4096

/* notify(socketPath, message): a path (/run/systemd/notify) or an abstract name (@…); throws with the errno's text. */
static napi_value notify_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  struct sockaddr_un sa;
  char path[sizeof sa.sun_path + 1];
  static char msg[MAX_MESSAGE + 1];
  size_t plen = 0, mlen = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2
      || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &plen) != napi_ok || plen >= sizeof sa.sun_path
      || napi_get_value_string_utf8(env, argv[1], msg, sizeof msg, &mlen) != napi_ok || mlen >= MAX_MESSAGE
      || plen < 2 || (path[0] != '/' && path[0] != '@')) {
    napi_throw_type_error(env, NULL, "notify(socket, message) expects an absolute or @abstract socket path and a message under 4 KiB");
    return NULL;
  }
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path, plen);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/' ? 1 : 0));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int err = 0;
  if (fd < 0) err = errno;
  else if (sendto(fd, msg, mlen, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0) err = errno;
  if (fd >= 0) close(fd);
  if (err) {
    char text[160];
    snprintf(text, sizeof text, "sd_notify to %s: %s", path, strerror(err));
    napi_throw_error(env, err == ENOENT ? "ENOENT" : err == ECONNREFUSED ? "ECONNREFUSED" : err == EACCES ? "EACCES" : "ENOTIFY", text);
  }
  return NULL;
}

/* Called by the addon's init (icmp.c): adds `notify` to its exports. */
void mwan_define_notify(napi_env env, napi_value exports) {
  napi_property_descriptor prop = { "notify", NULL, notify_send, NULL, NULL, NULL, napi_default, NULL };
  napi_define_properties(env, exports, 1, &prop);
}
