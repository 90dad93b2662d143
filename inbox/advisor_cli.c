/* SPDX-License-Identifier: MIT */
/* The advisor commands: dispatch, the socket round trip, and printing. */
#include "advisor_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advisor_int.h"
#include "ibx_sock.h"

/* --help or -h among a command's arguments (before a "--") asks for its usage. */
static int wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
  }
  return 0;
}

static int write_file(const char *prefix, const char *ext, const char *s, size_t n) {
  char path[4096];
  int fd, r = 0;
  snprintf(path, sizeof path, "%s%s", prefix, ext);
  if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
    fprintf(stderr, "rejsepost advisor: cannot write %s\n", path);
    return 1;
  }
  if (write(fd, s, n) != (ssize_t)n || fsync(fd) != 0) r = 1;
  close(fd);
  if (r == 0) printf("wrote %s\n", path);
  return r;
}

static int print_resp(const rp__ibx_req *req, const rp__adv_opts *o,
                      const rp__ibx_resp *rs) {
  if (rs->error != 0) {
    fprintf(stderr, "rejsepost advisor: %s: %.*s\n", rp__ibx_action_name(req->action),
            (int)rs->message.n, rs->message.p);
    return 1;
  }
  if (req->action == RP_IBX_A_EXPORT) {
    int r = write_file(o->out, ".json", rs->json.p, rs->json.n);
    return r != 0 ? r : write_file(o->out, ".txt", rs->text.p, rs->text.n);
  }
  if (o->json && rs->json.n > 0) {
    fwrite(rs->json.p, 1, rs->json.n, stdout);
    fputc('\n', stdout);
  } else if (rs->text.n > 0) {
    fwrite(rs->text.p, 1, rs->text.n, stdout);
  }
  /* With --json, stdout carries only the JSON; a note goes to stderr. */
  if (rs->message.n > 0)
    fprintf(o->json ? stderr : stdout, "%.*s\n", (int)rs->message.n, rs->message.p);
  return 0;
}

static int round_trip(const char *path, const rp__ibx_req *req, const rp__adv_opts *o) {
  uint8_t *buf = NULL, *resp = NULL;
  size_t len = 0, rlen = 0;
  rp__ibx_resp rs;
  int fd = -1, out = -1, r, ret = 3, handed = 0;
  /* save: the file is made first, by us, as the advisor; an existing path is refused
   * before the daemon is asked anything. */
  if (o->save_path != NULL &&
      (out = open(o->save_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600)) < 0) {
    fprintf(stderr, "rejsepost advisor: save: %s %s; nothing was written\n", o->save_path,
            errno == EEXIST ? "exists (save writes a new file only)" : "cannot be created");
    return 1;
  }
  if ((buf = malloc(RP_IBX_REQ_MAX)) == NULL) {
    ret = 1;
  } else if ((r = rp__ibx_req_encode(req, buf, RP_IBX_REQ_MAX, &len)) != 0) {
    fprintf(stderr, "rejsepost advisor: request not valid (%s)\n", rp_strerror(r));
    ret = 2;
  } else if ((r = rp__ibx_sock_connect(path, &fd)) != 0) {
    fprintf(stderr, "rejsepost advisor: cannot reach rejsepost-inboxd at %s: %s\n", path,
            rp_strerror(r));
  } else if ((r = o->nattach > 0
                      ? rp__adv_send_with_fds(fd, buf, len, o->attach_fds, o->nattach)
                      : rp__ibx_sock_write_frame(fd, buf, len)) != 0 ||
             (r = rp__ibx_sock_read_frame(fd, RP_IBX_RESP_MAX, 120000, &resp, &rlen)) !=
                 0 ||
             (r = rp__ibx_resp_decode(resp, rlen, &rs)) != 0) {
    fprintf(stderr, "rejsepost advisor: no valid answer from rejsepost-inboxd: %s\n",
            rp_strerror(r));
  } else if (out >= 0 && rs.error == 0) {
    handed = 1; /* it removes the file itself if the save fails */
    ret = rp__adv_save_receive(fd, o->save_path, out, &rs);
  } else {
    ret = print_resp(req, o, &rs);
  }
  /* A save that did not finish leaves no file. */
  if (out >= 0 && ret != 0 && !handed) unlink(o->save_path);
  if (out >= 0) close(out);
  if (fd >= 0) close(fd);
  if (resp != NULL) {
    sodium_memzero(resp, rlen);
    free(resp);
  }
  if (buf != NULL) sodium_memzero(buf, RP_IBX_REQ_MAX);
  free(buf);
  return ret;
}

int rp__advisor_main(int argc, char **argv) {
  rp__ibx_req req;
  rp__adv_opts o;
  char *text = NULL;
  int i = 1, r;
  memset(&req, 0, sizeof req);
  memset(&o, 0, sizeof o);
  o.socket = getenv("RP_ADVISOR_SOCKET");
  if (o.socket == NULL || o.socket[0] == 0) o.socket = RP_ADVISOR_SOCKET_DEFAULT;
  if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
    o.socket = argv[i + 1];
    i += 2;
  }
  if (i >= argc || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
    rp__adv_usage_all(i >= argc ? stderr : stdout);
    return i >= argc ? 2 : 0;
  }
  /* A command's --help needs no daemon: its usage, exit 0. */
  if (wants_help(argc - i, argv + i) && rp__adv_usage_cmd(argv[i], stdout) == 0) return 0;
  req.version = RP_SCHEMA_VERSION;
  if ((r = rp__adv_parse(argc - i, argv + i, &req, &o, &text)) == 0 &&
      (r = rp__adv_attach_open(&o)) == 0) {
    if (o.attach_spec != NULL) req.attach = rp__str_c(o.attach_spec);
    r = round_trip(o.socket, &req, &o);
  }
  rp__adv_attach_close(&o);
  if (text != NULL) {
    sodium_memzero(text, strlen(text));
    free(text);
  }
  return r;
}
