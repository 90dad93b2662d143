/* SPDX-License-Identifier: MIT */
/*
 * The demo's advisor: the real command line run as `rejsepost advisor --socket S ...` in
 * a child process, as an advisor at a terminal would run it, with its output captured
 * and a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"
#include "rejsepost_errors.h"

#define DM_ADVISOR_ARGS_MAX 24
#define DM_ADVISOR_OUT_MAX (4u * 1024 * 1024)

extern char **environ;

static char *slurp(const char *path) {
  uint8_t *text = NULL;
  size_t len = 0;
  if (rp__file_read(path, DM_ADVISOR_OUT_MAX, &text, &len) != 0) return strdup("");
  return (char *)text;
}

/* Waits for the child until the deadline; its exit status, or -1 (killed, or signal). */
static int reap(dm_demo *d, pid_t pid) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)d->timeout_ms;
  struct timespec ts = {0, 2 * 1000 * 1000};
  int st;
  while (rp__clock_mono_ms() < deadline) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (w < 0 && errno != EINTR) return -1;
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return -1;
}

static int spawn(dm_demo *d, const char *in, const char *out, const char *err, char **argv,
                 pid_t *pid) {
  posix_spawn_file_actions_t fa;
  int rc;
  if (posix_spawn_file_actions_init(&fa) != 0) return RP_ENOMEM;
  posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  rc = posix_spawn(pid, d->rejsepost_exe, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? 0 : RP_EIO;
}

int dm_advisor(dm_demo *d, const char *input, const char *const *args, char **out,
               char **err) {
  char in[PATH_MAX + 32], o[PATH_MAX + 32], e[PATH_MAX + 32];
  char *argv[DM_ADVISOR_ARGS_MAX + 5];
  size_t n = 0;
  pid_t pid;
  int st = -1;

  *out = *err = NULL;
  snprintf(in, sizeof in, "%s/advisor.in", d->inbox_dir);
  snprintf(o, sizeof o, "%s/advisor.out", d->inbox_dir);
  snprintf(e, sizeof e, "%s/advisor.err", d->inbox_dir);
  if (rp__file_write(in, input != NULL ? input : "", input != NULL ? strlen(input) : 0,
                     0600, 1) != 0)
    return -1;
  argv[n++] = (char *)"rejsepost";
  argv[n++] = (char *)"advisor";
  argv[n++] = (char *)"--socket";
  argv[n++] = d->sock;
  for (size_t i = 0; args[i] != NULL && i < DM_ADVISOR_ARGS_MAX; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  fflush(NULL);
  if (spawn(d, in, o, e, argv, &pid) == 0) st = reap(d, pid);
  *out = slurp(o);
  *err = slurp(e);
  /* The advice text is content: it does not stay in the folder longer than needed. */
  unlink(in);
  return st;
}
