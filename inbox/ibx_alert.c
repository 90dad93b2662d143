/* SPDX-License-Identifier: MIT */
/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34). */
#define _GNU_SOURCE
#include "ibx_alert.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "rejsepost_errors.h"

void rp__ibx_alerts_init(rp__ibx_alerts *a) {
  memset(a, 0, sizeof *a);
}

static int from_errno(int e) {
  return e == ENOENT                 ? RP_ENOTFOUND
         : e == EACCES || e == EPERM ? RP_EPERM
         : e == ENOMEM               ? RP_ENOMEM
                                     : RP_EIO;
}

/* The child's start: fds, signals, process group. */
static int prepare(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at) {
  sigset_t none, dfl;
  int r = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
  if (r == 0) r = posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
  /* Only 0-2: not the store, the audit log, the socket, the relay connection. */
  if (r == 0) r = posix_spawn_file_actions_addclosefrom_np(fa, 3);
  sigemptyset(&none);
  /* The daemon ignores SIGPIPE and catches TERM, INT, HUP and CHLD: the alert gets the
   * defaults. */
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGPIPE);
  sigaddset(&dfl, SIGTERM);
  sigaddset(&dfl, SIGINT);
  sigaddset(&dfl, SIGHUP);
  sigaddset(&dfl, SIGCHLD);
  if (r == 0)
    r = posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                         POSIX_SPAWN_SETSIGDEF);
  if (r == 0) r = posix_spawnattr_setpgroup(at, 0);
  if (r == 0) r = posix_spawnattr_setsigmask(at, &none);
  if (r == 0) r = posix_spawnattr_setsigdefault(at, &dfl);
  return r;
}

int rp__ibx_alert_start(rp__ibx_alerts *a, const char *cmd, unsigned timeout_ms,
                        const char *thread, const char *short_id, const char *urgency,
                        const char *event) {
  static char *const envp[] = {(char *)"PATH=/usr/local/bin:/usr/bin:/bin",
                               (char *)"LANG=C.UTF-8", NULL};
  char *argv[] = {(char *)cmd, (char *)short_id, (char *)urgency, (char *)event, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  rp__ibx_alert_run *slot = NULL;
  pid_t pid = 0;
  int e, r = 0;
  for (unsigned i = 0; i < RP_IBX_ALERTS_MAX && slot == NULL; i++)
    if (a->run[i].pid == 0) slot = &a->run[i];
  if (slot == NULL) {
    r = RP_EBUSY;
  } else if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
    r = from_errno(e);
  } else {
    if ((e = posix_spawnattr_init(&at)) == 0) {
      if ((e = prepare(&fa, &at)) == 0) e = posix_spawn(&pid, cmd, &fa, &at, argv, envp);
      posix_spawnattr_destroy(&at);
    }
    posix_spawn_file_actions_destroy(&fa);
    r = e != 0 ? from_errno(e) : 0;
  }
  if (r != 0) {
    rp__log_error("event=alert_failed thread=%s urgency=%s alert=%s error=%s reason=\"%s\"",
                  thread, urgency, event, rp_err_name(r),
                  r == RP_EBUSY ? "too many alerts running"
                                : "cannot start the alert command");
    return r;
  }
  memset(slot, 0, sizeof *slot);
  slot->pid = pid;
  slot->deadline = rp__clock_mono_ms() + timeout_ms;
  snprintf(slot->thread, sizeof slot->thread, "%s", thread);
  snprintf(slot->urgency, sizeof slot->urgency, "%s", urgency);
  snprintf(slot->event, sizeof slot->event, "%s", event);
  rp__log_info("event=alert thread=%s urgency=%s alert=%s pid=%ld", thread, urgency, event,
               (long)pid);
  return 0;
}

static void finished(rp__ibx_alert_run *s, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    rp__log_info("event=alert_done thread=%s urgency=%s alert=%s", s->thread, s->urgency,
                 s->event);
  else if (WIFEXITED(status))
    rp__log_error("event=alert_failed thread=%s urgency=%s alert=%s status=%d", s->thread,
                  s->urgency, s->event, WEXITSTATUS(status));
  else if (!s->killed)
    rp__log_error("event=alert_failed thread=%s urgency=%s alert=%s signal=%d", s->thread,
                  s->urgency, s->event, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  memset(s, 0, sizeof *s);
}

int rp__ibx_alerts_poll(rp__ibx_alerts *a, uint64_t now) {
  int next = -1, status = 0;
  for (unsigned i = 0; i < RP_IBX_ALERTS_MAX; i++) {
    rp__ibx_alert_run *s = &a->run[i];
    if (s->pid == 0) continue;
    pid_t w = waitpid(s->pid, &status, WNOHANG);
    if (w == s->pid || (w < 0 && errno == ECHILD)) {
      finished(s, w == s->pid ? status : 0);
      continue;
    }
    if (!s->killed && now >= s->deadline) {
      /* The whole group: a script's own children go too. */
      kill(-s->pid, SIGKILL);
      s->killed = 1;
      rp__log_error("event=alert_failed thread=%s urgency=%s alert=%s error=%s", s->thread,
                    s->urgency, s->event, rp_err_name(RP_ETIMEDOUT));
    }
    /* A killed one is reaped at the next SIGCHLD; until then look again soon. */
    int left = s->killed ? 100 : (int)(s->deadline - now);
    if (next < 0 || left < next) next = left;
  }
  return next;
}
