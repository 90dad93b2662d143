/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-relayd: reads the settings (config.h), starts the relay (relay.h) and runs
 * its loop until SIGTERM or SIGINT has stopped it gracefully.
 *
 * Exit status: 0 after a clean stop; 1 if the relay could not start (a port in use, the
 * spool could not be opened) or if the spool failed while running; 2 for a usage or
 * configuration error (a bad setting, key file or roster), which a restart cannot fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "config.h"
#include "log.h"
#include "rejsepost_errors.h"
#include "relay.h"

/* The build sets it from the project version. */
#ifndef RP_VERSION
#define RP_VERSION "unknown"
#endif

/* Each connection is a descriptor, and systemd's default soft limit (1,024) is below
 * what the default settings may use: take what the hard limit allows. relay.c warns if
 * even that is too low for the settings. */
static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* A daemon started with stdin, stdout or stderr closed would hand those numbers to the
 * first files it opens (the epoll descriptor, a socket, the spool): log lines would go
 * into them, and libuv asserts at exit. Each closed one gets /dev/null first thing.
 * Returns 0, or -1 if /dev/null cannot be opened (then nothing can be logged either). */
static int std_fds_open(void) {
  for (int fd = 0; fd <= 2; fd++) {
    int nfd;
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    /* The lowest free number is fd itself, since the ones below are open by now. */
    if ((nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)) < 0) return -1;
    if (nfd != fd) {
      close(nfd);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  static rp__config cfg; /* large (paths): keep it off the stack */
  char err[RP__CFG_ERR_MAX];
  rp__config_action action;
  rp__relay *relay = NULL;
  uv_loop_t loop;
  int rc, status = 1;

  if (std_fds_open() != 0) return 1;
  /* Lines carry their journald priority when stderr is the journal. */
  rp__log_set_journal(rp__log_journal_detect(2));

  if (rp__config_from_args(&cfg, argc, argv, &action, err, sizeof err) != 0) {
    fprintf(stderr, "rejsepost-relayd: %s\n", err);
    fprintf(stderr, "Try 'rejsepost-relayd --help'.\n");
    return 2;
  }
  if (action == RP__CONFIG_HELP) {
    rp__config_help(stdout, "rejsepost-relayd");
    return 0;
  }
  if (action == RP__CONFIG_VERSION) {
    printf("rejsepost-relayd %s\n", RP_VERSION);
    return 0;
  }
  rp__log_set_level(cfg.log_level);
  raise_nofile();
  /* A peer that closes while we write must be an error code on that connection, not
   * the end of the process. */
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0 || uv_loop_init(&loop) != 0) {
    rp__log_error("relay_start_failed why=init");
    return 1;
  }
  if ((rc = rp__relay_new(&relay, &loop, &cfg, argc, argv)) != 0) {
    status = rc == RP_ECONFIG ? 2 : 1;
    goto out;
  }
  rp__log_info("relay_start version=%s listen_count=%zu", RP_VERSION, cfg.listen_count);
  if (rp__relay_start(relay) != 0) {
    rp__relay_stop(relay);
    uv_run(&loop, UV_RUN_DEFAULT);
    status = 1;
    goto out;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  status = rp__relay_exit_code(relay);
out:
  rp__relay_free(relay);
  if (uv_loop_close(&loop) != 0) rp__log_warn("loop_close_busy");
  return status;
}
