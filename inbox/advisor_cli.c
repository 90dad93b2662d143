/* SPDX-License-Identifier: MIT */
/* The advisor commands: dispatch, the socket round trip, and printing. */
#include "advisor_cli.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advisor_int.h"
#include "ibx_sock.h"

static const char k_usage[] =
    "Usage: rejsepost advisor [--socket PATH] <command> [options]\n"
    "\n"
    "The team's advisor commands; they talk to rejsepost-inboxd over its local socket\n"
    "(default " RP_ADVISOR_SOCKET_DEFAULT ", or $RP_ADVISOR_SOCKET).\n"
    "\n"
    "  list [--state S] [--municipality NNN] [--category C] [--all] [--json]\n"
    "      threads, akut first, then by deadline; '!!' marks akut, OVERDUE a missed deadline\n"
    "  show THREAD [--json]          the thread; the first opening sends the 'opened' receipt\n"
    "  claim THREAD [--takeover]     take the thread (--takeover: from another advisor)\n"
    "  assign THREAD --to USER       give the thread you hold to a colleague\n"
    "  reply THREAD [--file F | --stdin]   send advice (default: edit it in $EDITOR)\n"
    "  ask THREAD [--file F | --stdin]     ask the municipality for more information\n"
    "  close THREAD --outcome O      close with an anonymous outcome code\n"
    "  announce --network oest|vest --date YYYY-MM-DD --host NNN --title T\n"
    "           --deadline YYYY-MM-DD [--file F | --stdin]   programme to every member\n"
    "  registrations [--json]        registrations received for announcements\n"
    "  export THREAD --out PREFIX    write PREFIX.json and PREFIX.txt (mode 0600)\n"
    "  audit-verify                  check the audit log's hash chain\n";

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

static int print_resp(const rp__ibx_req *req, const rp__adv_opts *o, const rp__ibx_resp *rs) {
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
  int fd = -1, r, ret = 3;
  if ((buf = malloc(RP_IBX_REQ_MAX)) == NULL) return 1;
  if ((r = rp__ibx_req_encode(req, buf, RP_IBX_REQ_MAX, &len)) != 0) {
    fprintf(stderr, "rejsepost advisor: request not valid (%s)\n", rp_strerror(r));
    ret = 2;
  } else if ((r = rp__ibx_sock_connect(path, &fd)) != 0) {
    fprintf(stderr, "rejsepost advisor: cannot reach rejsepost-inboxd at %s: %s\n", path,
            rp_strerror(r));
  } else if ((r = rp__ibx_sock_write_frame(fd, buf, len)) != 0 ||
             (r = rp__ibx_sock_read_frame(fd, RP_IBX_RESP_MAX, 120000, &resp, &rlen)) != 0 ||
             (r = rp__ibx_resp_decode(resp, rlen, &rs)) != 0) {
    fprintf(stderr, "rejsepost advisor: no valid answer from rejsepost-inboxd: %s\n",
            rp_strerror(r));
  } else {
    ret = print_resp(req, o, &rs);
  }
  if (fd >= 0) close(fd);
  if (resp != NULL) {
    sodium_memzero(resp, rlen);
    free(resp);
  }
  sodium_memzero(buf, RP_IBX_REQ_MAX);
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
    fputs(k_usage, i >= argc ? stderr : stdout);
    return i >= argc ? 2 : 0;
  }
  req.version = RP_SCHEMA_VERSION;
  if ((r = rp__adv_parse(argc - i, argv + i, &req, &o, &text)) == 0) r = round_trip(o.socket, &req, &o);
  if (text != NULL) {
    sodium_memzero(text, strlen(text));
    free(text);
  }
  return r;
}
