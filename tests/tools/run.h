/* SPDX-License-Identifier: MIT */
/*
 * Runs the real rejsepost binary ($RP_BUILD_DIR/tools/rejsepost), or the demo
 * ($RP_BUILD_DIR/tools/demo/rejsepost-demo), as a child process in a given folder, with
 * its stdout and stderr captured, and a deadline so that a test never hangs.
 * Header-only: each tools test includes it.
 */
#ifndef RP_TESTS_TOOLS_RUN_H
#define RP_TESTS_TOOLS_RUN_H

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "testutil.h"

#define TT_ARGS_MAX 64

typedef struct tt_result {
  int status; /* exit status 0..255, 128+signal, or -1 if it had to be killed */
  char *out;  /* captured stdout, NUL-terminated (malloc'd) */
  char *err;  /* captured stderr */
} tt_result;

static inline void tt_result_free(tt_result *r) {
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

/* $RP_BUILD_DIR/rel (static). */
static inline const char *tt_built(const char *rel) {
  static char path[1024];
  const char *b = getenv("RP_BUILD_DIR");
  snprintf(path, sizeof path, "%s/%s", b != NULL ? b : ".", rel);
  return path;
}

static inline uint64_t tt_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Runs the program at build-tree path `rel` (named `name` in its argv[0]) with argv
 * (NULL-terminated list after `dir`) in folder `dir`, stdin from /dev/null, for at most
 * timeout_ms. */
static inline tt_result tt_run_prog(const char *rel, const char *name, const char *dir,
                                    int timeout_ms, const char *const *args) {
  tt_result r = {-1, NULL, NULL};
  char outp[1200], errp[1200];
  char *argv[TT_ARGS_MAX + 2], exe[1024];
  size_t n = 0;
  pid_t pid;
  int st;

  snprintf(outp, sizeof outp, "%s/.stdout", dir);
  snprintf(errp, sizeof errp, "%s/.stderr", dir);
  snprintf(exe, sizeof exe, "%s", tt_built(rel));
  argv[n++] = (char *)name;
  while (args[n - 1] != NULL && n <= TT_ARGS_MAX) {
    argv[n] = (char *)args[n - 1];
    n++;
  }
  argv[n] = NULL;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int in = open("/dev/null", O_RDONLY);
    int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || o < 0 || e < 0 || chdir(dir) != 0) _exit(126);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    execv(exe, argv);
    _exit(127);
  }
  if (pid < 0) return r;
  uint64_t deadline = tt_mono_ms() + (uint64_t)timeout_ms;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (tt_mono_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      r.status = -1;
      break;
    }
    usleep(2000);
  }
  r.out = tu_read_file(outp, NULL);
  r.err = tu_read_file(errp, NULL);
  if (r.out == NULL) r.out = strdup("");
  if (r.err == NULL) r.err = strdup("");
  return r;
}

/* rejsepost with argv in `dir`, for at most timeout_ms. */
static inline tt_result tt_runv(const char *dir, int timeout_ms, const char *const *args) {
  return tt_run_prog("tools/rejsepost", "rejsepost", dir, timeout_ms, args);
}

/* tt_run(dir, "keys", "new", ..., NULL) with a 60 s deadline. */
#define tt_run(dir, ...) tt_runv((dir), 60000, (const char *const[]){__VA_ARGS__, NULL})

/* rejsepost-demo with argv in `dir`, for at most timeout_ms. */
#define tt_demo(dir, timeout_ms, ...)                                                      \
  tt_run_prog("tools/demo/rejsepost-demo", "rejsepost-demo", (dir), (timeout_ms),          \
              (const char *const[]){__VA_ARGS__, NULL})

/* Asserts that r exited 0 (printing its output if not) and frees it. */
static inline void tt_ok(tt_result r) {
  if (r.status != 0) fprintf(stderr, "stdout: %s\nstderr: %s\n", r.out, r.err);
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
}

/* The test program's scratch folder, where the commands run: made by tt_dir_setup and
 * removed with all it holds by tt_dir_teardown (cmocka group fixtures). */
static const char *g_dir __attribute__((unused));

static inline int tt_dir_setup(void **state) {
  (void)state;
  if (sodium_init() < 0) return -1;
  g_dir = strdup(tu_tmpdir("tools"));
  return g_dir != NULL ? 0 : -1;
}

static inline int tt_dir_teardown(void **state) {
  (void)state;
  tu_rmtree(g_dir);
  free((void *)g_dir);
  g_dir = NULL;
  return 0;
}

/* Writes a small text file dir/name. */
static inline void tt_write(const char *dir, const char *name, const char *text,
                            unsigned mode) {
  char path[1200];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "w");
  if (f == NULL) abort();
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

/* The value after "label" on its line of text, copied into out (up to the newline). */
static inline int tt_field(const char *text, const char *label, char *out, size_t cap) {
  const char *p = strstr(text, label);
  size_t n;
  if (p == NULL) return -1;
  p += strlen(label);
  while (*p == ' ')
    p++;
  n = strcspn(p, "\n");
  if (n >= cap) return -1;
  memcpy(out, p, n);
  out[n] = '\0';
  return 0;
}

#endif /* RP_TESTS_TOOLS_RUN_H */
