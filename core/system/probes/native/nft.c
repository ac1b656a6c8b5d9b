/* In-process nft for the kernel adapter: libnftables, opened with dlopen so that the addon loads without it (mwan then runs `nft -f`). */
#include <node_api.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<nftables/libnftables.h>)
#include <nftables/libnftables.h> /* libnftables-dev: the prototypes below are checked against it */
#define MWAN_HAVE_NFT_HEADER 1
#endif
#endif
#ifndef MWAN_HAVE_NFT_HEADER
struct nft_ctx;
#endif

typedef struct nft_ctx *(*ctx_new_fn)(uint32_t);
typedef int (*ctx_buffer_fn)(struct nft_ctx *);
typedef const char *(*ctx_get_buffer_fn)(struct nft_ctx *);
typedef int (*run_fn)(struct nft_ctx *, const char *);
typedef void (*set_flags_fn)(struct nft_ctx *, unsigned int);

#define MWAN_NFT_OUTPUT_JSON (1u << 4) /* NFT_CTX_OUTPUT_JSON, what `nft -j` sets */

static struct {
  int tried;
  char why[256];
  struct nft_ctx *ctx;
  ctx_get_buffer_fn error_buffer;
  ctx_get_buffer_fn output_buffer;
  run_fn run;
  /* A second context for `list` commands, with JSON output: the apply context's output stays plain text. */
  struct nft_ctx *list_ctx;
} lib;

/* Opens libnftables.so.1 once and keeps one context (nft's own cache lives in it); false with `lib.why` set. */
static int nft_open(void) {
  if (lib.tried) return lib.ctx != NULL;
  lib.tried = 1;
  void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(lib.why, sizeof lib.why, "libnftables.so.1: %s", dlerror());
    return 0;
  }
  ctx_new_fn ctx_new = (ctx_new_fn)dlsym(h, "nft_ctx_new");
  ctx_buffer_fn buffer_output = (ctx_buffer_fn)dlsym(h, "nft_ctx_buffer_output");
  ctx_buffer_fn buffer_error = (ctx_buffer_fn)dlsym(h, "nft_ctx_buffer_error");
  lib.error_buffer = (ctx_get_buffer_fn)dlsym(h, "nft_ctx_get_error_buffer");
  lib.run = (run_fn)dlsym(h, "nft_run_cmd_from_buffer");
  lib.output_buffer = (ctx_get_buffer_fn)dlsym(h, "nft_ctx_get_output_buffer");
  set_flags_fn output_flags = (set_flags_fn)dlsym(h, "nft_ctx_output_set_flags");
#ifdef MWAN_HAVE_NFT_HEADER
  /* the header's declarations and ours must agree (a compile error otherwise) */
  (void)sizeof(ctx_new == nft_ctx_new);
  (void)sizeof(lib.run == nft_run_cmd_from_buffer);
  (void)sizeof(lib.error_buffer == nft_ctx_get_error_buffer);
  (void)sizeof(lib.output_buffer == nft_ctx_get_output_buffer);
  (void)sizeof(output_flags == nft_ctx_output_set_flags);
  _Static_assert(MWAN_NFT_OUTPUT_JSON == NFT_CTX_OUTPUT_JSON, "NFT_CTX_OUTPUT_JSON");
#endif
  if (!ctx_new || !buffer_output || !buffer_error || !lib.error_buffer || !lib.run) {
    snprintf(lib.why, sizeof lib.why, "libnftables.so.1 lacks nft_ctx_new/nft_run_cmd_from_buffer");
    return 0;
  }
  lib.ctx = ctx_new(0);
  if (!lib.ctx) {
    snprintf(lib.why, sizeof lib.why, "nft_ctx_new failed");
    return 0;
  }
  buffer_output(lib.ctx); /* a script's own output (echo, monitor) is not ours to print */
  buffer_error(lib.ctx);
  if (lib.output_buffer && output_flags && (lib.list_ctx = ctx_new(0)) != NULL) {
    output_flags(lib.list_ctx, MWAN_NFT_OUTPUT_JSON);
    buffer_output(lib.list_ctx);
    buffer_error(lib.list_ctx);
  }
  return 1;
}

/* nftAvailable(): '' when libnftables is usable, else why not. */
static napi_value nft_available(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, nft_open() ? "" : lib.why, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* nftRun(script): runs the script as `nft -f -` does (one transaction); returns '' or nft's error text. */
static napi_value nft_run(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "nftRun(script) expects a string");
    return NULL;
  }
  if (!nft_open()) {
    napi_throw_error(env, "ENONFT", lib.why);
    return NULL;
  }
  char *script = malloc(len + 1);
  if (!script) {
    napi_throw_error(env, "ENOMEM", "nftRun: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], script, len + 1, &len);
  int rc = lib.run(lib.ctx, script);
  free(script);
  const char *err = lib.error_buffer(lib.ctx); /* reading it also empties it for the next run */
  napi_create_string_utf8(env, rc == 0 ? "" : (err && *err ? err : "nft failed"), NAPI_AUTO_LENGTH, &out);
  return out;
}

/*
 * nftList(command): runs one read-only `list …` command as `nft -j` does and returns its JSON text; throws with
 * nft's error text (code ENFT) when it fails. Anything but a single `list` command is refused.
 */
static napi_value nft_list(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "nftList(command) expects a string");
    return NULL;
  }
  if (!nft_open() || !lib.list_ctx) {
    napi_throw_error(env, "ENONFT", lib.ctx ? "libnftables.so.1 lacks nft_ctx_get_output_buffer" : lib.why);
    return NULL;
  }
  char *command = malloc(len + 1);
  if (!command) {
    napi_throw_error(env, "ENOMEM", "nftList: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], command, len + 1, &len);
  if (strncmp(command, "list ", 5) != 0 || strpbrk(command, ";\n{}#") != NULL) {
    free(command);
    napi_throw_error(env, "EINVAL", "nftList: one `list ...` command only");
    return NULL;
  }
  int rc = lib.run(lib.list_ctx, command);
  free(command);
  /* reading a buffer also empties it for the next run: read both either way */
  const char *text = lib.output_buffer(lib.list_ctx);
  const char *err = lib.error_buffer(lib.list_ctx);
  if (rc != 0) {
    napi_throw_error(env, "ENFT", err && *err ? err : "nft list failed");
    return NULL;
  }
  napi_create_string_utf8(env, text ? text : "", NAPI_AUTO_LENGTH, &out);
  return out;
}

/* Called by the addon's init (icmp.c): adds `nftAvailable`, `nftRun` and `nftList` to its exports. */
void mwan_define_nft(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "nftAvailable", NULL, nft_available, NULL, NULL, NULL, napi_default, NULL },
    { "nftRun", NULL, nft_run, NULL, NULL, NULL, napi_default, NULL },
    { "nftList", NULL, nft_list, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, 3, props);
}
