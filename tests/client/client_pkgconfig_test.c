/* SPDX-License-Identifier: MIT */
/*
 * What a host's build does with an installed library: `cmake --install` into a
 * temporary prefix, the tree moved elsewhere (an unpacked archive, a container image),
 * then examples/send_one.c compiled with `pkg-config --cflags --libs rejsepost` against
 * the moved tree and run against a real relay. The .pc file must find its prefix from
 * where it lies, not from where it was installed.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cl_fixture.h"

/* The example must be built the way this test was: with the sanitizers of an ASan
 * build (the library's undefined references are theirs), by the same compiler. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef __clang__
#define CC "clang"
#else
#define CC "cc"
#endif

#define ARGS_MAX 64

/* Runs argv (PATH searched) with `env` ("NAME=value", may be NULL) added, stdout to
 * out_path; stderr goes to ours. Returns the exit status, or -1. */
static int run(char *const argv[], const char *env, const char *out_path) {
  pid_t pid;
  int st;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) _exit(126);
    dup2(fd, 1);
    if (env != NULL) putenv((char *)env);
    execvp(argv[0], argv);
    _exit(127);
  }
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char g_found[700];

static int find_pc(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  size_t n = strlen(path);
  (void)sb, (void)ftw;
  if (flag == FTW_F && n > 13 && strcmp(path + n - 13, "/rejsepost.pc") == 0) {
    snprintf(g_found, sizeof g_found, "%.*s", (int)(n - 13), path);
    return 1;
  }
  return 0;
}

static void test_moved_install_builds_and_runs(void **state) {
  const char *build = getenv("RP_BUILD_DIR"), *src = getenv("RP_SOURCE_DIR");
  tp_relay f;
  char from[700], to[700], pcdir[700], libdir[700], out[760], exe[720], example[700];
  char env_pc[760], env_ld[760], port[8], relay_hex[65], admin_hex[65], key[700];
  char state_dir[700], flags[2048], *text;
  char *argv[ARGS_MAX];
  size_t n = 0;
  (void)state;
  assert_non_null(build);
  assert_non_null(src);
  assert_int_equal(cl_relay_up(&f, "cl-pkgconfig"), 0);
  snprintf(from, sizeof from, "%s/installed", f.dir);
  snprintf(to, sizeof to, "%s/moved", f.dir);
  snprintf(out, sizeof out, "%s/out.txt", f.dir);

  /* Install, then move the whole tree. */
  {
    char *a[] = {"cmake", "--install", (char *)build, "--prefix", from, NULL};
    assert_int_equal(run(a, NULL, out), 0);
  }
  assert_int_equal(rename(from, to), 0);
  assert_int_equal(nftw(to, find_pc, 16, FTW_PHYS), 1);
  snprintf(pcdir, sizeof pcdir, "%s", g_found);
  /* libdir is pcdir without its last component ("pkgconfig"). */
  snprintf(libdir, sizeof libdir, "%s", pcdir);
  *strrchr(libdir, '/') = '\0';

  /* pkg-config answers with the moved tree's paths. */
  snprintf(env_pc, sizeof env_pc, "PKG_CONFIG_PATH=%s", pcdir);
  {
    char *a[] = {"pkg-config", "--cflags", "--libs", "rejsepost", NULL};
    assert_int_equal(run(a, env_pc, out), 0);
  }
  assert_non_null(text = tu_read_file(out, NULL));
  snprintf(flags, sizeof flags, "%s", text);
  free(text);
  flags[strcspn(flags, "\n")] = '\0';
  fprintf(stderr, "pkg-config: %s\n", flags);
  assert_null(strstr(flags, from));
  assert_non_null(strstr(flags, to)); /* the moved tree, wherever it lies */

  /* Build the example with those flags, as a host's Makefile would. */
  snprintf(example, sizeof example, "%s/examples/send_one.c", src);
  snprintf(exe, sizeof exe, "%s/send_one", f.dir);
  argv[n++] = CC;
  argv[n++] = example;
  /* The flags are words separated by spaces (the temporary paths hold none). */
  for (char *p = flags; *p != '\0' && n < ARGS_MAX - 6;) {
    size_t w = strcspn(p, " ");
    if (w > 0) argv[n++] = p;
    p += w;
    if (*p == ' ') *p++ = '\0';
  }
#ifdef SANITIZED
  argv[n++] = "-fsanitize=address,undefined";
#endif
  argv[n++] = "-o";
  argv[n++] = exe;
  argv[n] = NULL;
  assert_int_equal(run(argv, NULL, out), 0);

  /* Run it against the relay: one request queued and relayed. */
  snprintf(env_ld, sizeof env_ld, "LD_LIBRARY_PATH=%s", libdir);
  snprintf(state_dir, sizeof state_dir, "%s/state-example", f.dir);
  snprintf(port, sizeof port, "%u", (unsigned)f.port);
  sodium_bin2hex(relay_hex, sizeof relay_hex, f.relay->pub.transport_pk, 32);
  sodium_bin2hex(admin_hex, sizeof admin_hex, f.admin->pub.identity_pk, 32);
  snprintf(key, sizeof key, "%s/%s.key", f.dir, CL_MUNI);
  {
    char *a[] = {exe, state_dir, "127.0.0.1",   port, relay_hex,
                 key, admin_hex, f.roster_path, NULL};
    assert_int_equal(run(a, env_ld, out), 0);
  }
  assert_non_null(text = tu_read_file(out, NULL));
  fprintf(stderr, "send_one: %s", text);
  assert_non_null(strstr(text, "queued "));
  assert_non_null(strstr(text, "relayed "));
  free(text);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_moved_install_builds_and_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
