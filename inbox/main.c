/* SPDX-License-Identifier: MIT */
/* rejsepost-inboxd: the team's advisor inbox daemon. docs/INBOX.md is its manual. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ibx_daemon.h"
#include "log.h"

static const char k_help[] =
    "Usage: rejsepost-inboxd --config FILE [--check]\n"
    "\n"
    "The travelling team's inbox: receives, verifies, decrypts and stores every message\n"
    "for the team (bodies encrypted at rest), keeps the service clock, escalates overdue\n"
    "akut and haster requests, answers akut requests out of office hours, and serves the\n"
    "advisors ('rejsepost advisor ...') on a local Unix socket.\n"
    "\n"
    "  --config FILE   the INI configuration (docs/INBOX.md lists every setting)\n"
    "  --check         load the configuration, key, store and roster, then exit\n"
    "  --help, --version\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the settings and fetches\n"
    "the relay's newest roster.\n"
    "Exit status: 0 clean stop, 1 runtime failure, 2 configuration error.\n";

/* A daemon started with fd 0, 1 or 2 closed would hand those numbers to the first files
 * and pipes it opens, and its log lines (written to fd 2) would land in one of them, or
 * a read of stdin would drain its signal pipe. /dev/null takes each closed one before
 * anything else is opened. If even that fails, starting is not safe. */
static int stdio_guard(void) {
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int n = open("/dev/null", O_RDWR);
    if (n != fd) return -1; /* the lowest free number: fd itself, or something is wrong */
  }
  return 0;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                       {"check", no_argument, NULL, 'k'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'v'},
                                       {NULL, 0, NULL, 0}};
  const char *config = NULL;
  int check = 0, c, r;
  rp__ibx_daemon d;
  char err[512];
  if (stdio_guard() != 0) return 1;
  /* systemd.exec(5): JOURNAL_STREAM names the stream it connected stderr to; a child
   * whose stderr was redirected inherits the variable, so it counts only for fd 2. */
  rp__log_set_journal(rp__log_journal_detect(STDERR_FILENO));
  while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      config = optarg;
      break;
    case 'k':
      check = 1;
      break;
    case 'h':
      fputs(k_help, stdout);
      return 0;
    case 'v':
      printf("rejsepost-inboxd %s\n", rp_version_string());
      return 0;
    default:
      fputs(k_help, stderr);
      return 2;
    }
  }
  if (config == NULL || optind != argc) {
    fputs(k_help, stderr);
    return 2;
  }
  if (sodium_init() < 0) return 1;
  r = rp__ibx_daemon_open(&d, config, err, sizeof err);
  if (r != 0) {
    rp__log_error("event=start_failed reason=\"%s\"", err);
    rp__ibx_daemon_close(&d);
    return r == RP_ECONFIG ? 2 : 1;
  }
  if (!check) r = rp__ibx_daemon_run(&d);
  rp__ibx_daemon_close(&d);
  rp__log_info("event=stopped status=%s", r == 0 ? "clean" : rp_err_name(r));
  return r == 0 ? 0 : 1;
}
