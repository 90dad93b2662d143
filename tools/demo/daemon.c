/* SPDX-License-Identifier: MIT */
/* Finding the programs the demo runs, and running the daemons as child processes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "rejsepost_errors.h"

extern char **environ;

static int executable(const char *path) {
  return access(path, X_OK) == 0;
}

/* Finds program `name`: `override`, else $`env`, else next to this program (`rel` lists
 * the places relative to our folder). */
static int find_prog(const char *override, const char *env_name, const char *const *rel,
                     size_t nrel, char *out, size_t cap) {
  const char *env = getenv(env_name);
  char self[PATH_MAX];
  ssize_t n;

  if (override != NULL || (env != NULL && env[0] != '\0')) {
    snprintf(out, cap, "%s", override != NULL ? override : env);
    return executable(out) ? 0 : RP_ENOTFOUND;
  }
  if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) return RP_ENOTFOUND;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash == NULL) return RP_ENOTFOUND;
  *slash = '\0';
  for (size_t i = 0; i < nrel; i++) {
    char cand[PATH_MAX + 64], real[PATH_MAX];
    snprintf(cand, sizeof cand, "%s/%s", self, rel[i]);
    if (!executable(cand)) continue;
    /* The resolved path, so the timeline shows build/server/..., not tools/demo/../... */
    snprintf(out, cap, "%s", realpath(cand, real) != NULL ? real : cand);
    return 0;
  }
  return RP_ENOTFOUND;
}

int dm_find_relayd(const char *override, char *out, size_t cap) {
  static const char *const rel[] = {"../../server/rejsepost-relayd", "rejsepost-relayd"};
  return find_prog(override, "REJSEPOST_RELAYD", rel, sizeof rel / sizeof rel[0], out, cap);
}

int dm_find_inboxd(const char *override, char *out, size_t cap) {
  static const char *const rel[] = {"../../inbox/rejsepost-inboxd", "rejsepost-inboxd"};
  return find_prog(override, "REJSEPOST_INBOXD", rel, sizeof rel / sizeof rel[0], out, cap);
}

int dm_find_webd(const char *override, char *out, size_t cap) {
  static const char *const rel[] = {"../../web/rejsepost-webd", "rejsepost-webd"};
  return find_prog(override, "REJSEPOST_WEBD", rel, sizeof rel / sizeof rel[0], out, cap);
}

int dm_find_rejsepost(const char *override, char *out, size_t cap) {
  static const char *const rel[] = {"../rejsepost", "rejsepost"};
  return find_prog(override, "REJSEPOST_CLI", rel, sizeof rel / sizeof rel[0], out, cap);
}

static int log_has(const char *log, const char *needle) {
  uint8_t *text = NULL;
  size_t len = 0;
  int hit;
  if (rp__file_read(log, 64u * 1024 * 1024, &text, &len) != 0) return 0;
  hit = strstr((char *)text, needle) != NULL;
  free(text);
  return hit;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int dm_daemon_start(dm_daemon *d, const char *exe, char *const *args, const char *log,
                    const char *ready, int timeout_ms) {
  posix_spawn_file_actions_t fa;
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int rc, st;

  d->pid = -1;
  snprintf(d->log, sizeof d->log, "%s", log);
  if (posix_spawn_file_actions_init(&fa) != 0) return RP_ENOMEM;
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  rc = posix_spawn(&d->pid, exe, &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    d->pid = -1;
    return RP_EIO;
  }
  while (rp__clock_mono_ms() < deadline) {
    if (log_has(log, ready)) return 0;
    if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
      d->pid = -1;
      return RP_EIO;
    }
    sleep_ms(10);
  }
  return RP_ETIMEDOUT;
}

int dm_relayd_start(dm_daemon *d, const char *exe, const char *conf, const char *log,
                    int timeout_ms) {
  char *args[] = {(char *)"rejsepost-relayd", (char *)"--config", (char *)conf, NULL};
  return dm_daemon_start(d, exe, args, log, "listening addr=", timeout_ms);
}

int dm_daemon_stop(dm_daemon *d, int timeout_ms) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int st;
  if (d->pid <= 0) return RP_EINVAL;
  kill(d->pid, SIGTERM);
  while (rp__clock_mono_ms() < deadline) {
    pid_t w = waitpid(d->pid, &st, WNOHANG);
    if (w == d->pid) {
      d->pid = -1;
      if (WIFEXITED(st)) return WEXITSTATUS(st);
      return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : RP_EINTERNAL;
    }
    sleep_ms(5);
  }
  kill(d->pid, SIGKILL);
  waitpid(d->pid, &st, 0);
  d->pid = -1;
  return RP_ETIMEDOUT;
}
