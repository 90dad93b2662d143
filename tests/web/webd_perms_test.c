/* SPDX-License-Identifier: MIT */
/*
 * webd cannot read the inbox (docs/WEB.md "Running it", docs/INBOX.md "The store and
 * encryption at rest"): with the permissions the documentation and the systemd units
 * give (the inbox daemon's state folder 0700, its database, data key and the team's
 * key file 0600, all the daemon's user's), a process running as another Unix user,
 * as webd does, cannot open any of them: EACCES, even as a member of the team's group
 * (which webd is, to open the advisor socket), and even if the folder were left
 * traversable by mistake. It can still connect to the socket, which is all it needs.
 *
 * The inbox is a real one (the daemon created the database and the data key). The
 * other user is a child of the test that drops to uid/gid 65534 (nobody) with the
 * team's group as a supplementary group, which needs root: as any other user the test
 * skips, and says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ibx_fixture.h"

#define NOBODY 65534
#define TEAM_GID 64999 /* the team's group (rejseholdet); any gid will do */

static fx g;
static char g_key[800], g_datakey[800];

static int setup(void **state) {
  (void)state;
  if (geteuid() != 0) return 0; /* each test skips */
  int rc = fx_init(&g, "webd_perms");
  if (rc != 0) return rc;
  snprintf(g_key, sizeof g_key, "%s/team.key", g.dir);
  snprintf(g_datakey, sizeof g_datakey, "%s/inbox.datakey", g.dir);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (geteuid() != 0) return 0;
  chmod(g.dir, 0700);
  fx_free(&g);
  return 0;
}

/* errno of open(path, O_RDONLY), 0 if it opened. */
static int try_open(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd >= 0 ? 0 : errno;
}

/* errno of connect() to the Unix socket at path, 0 if it connected. */
static int try_connect(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t pl = strlen(path);
  if (pl >= sizeof sa.sun_path) return -1;
  memcpy(sa.sun_path, path, pl + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  return connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : errno;
}

/* What try(path) returns in a child as uid/gid 65534 with the team's group (-2: the
 * child could not become that user; -1: no answer). */
static int as_other(int (*try)(const char *), const char *path) {
  int p[2];
  if (pipe(p) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    gid_t groups[1] = {TEAM_GID};
    int e = -2;
    close(p[0]);
    if (setgroups(1, groups) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0 &&
        getuid() == NOBODY)
      e = try(path);
    if (write(p[1], &e, sizeof e) != (ssize_t)sizeof e) _exit(1);
    _exit(0);
  }
  close(p[1]);
  int e = -1;
  if (read(p[0], &e, sizeof e) != (ssize_t)sizeof e) e = -1;
  close(p[0]);
  waitpid(pid, NULL, 0);
  return e;
}

static void mode_is(const char *path, unsigned mode) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  if ((st.st_mode & 0777) != mode)
    fail_msg("%s has mode %03o, expected %03o", path, (unsigned)(st.st_mode & 0777), mode);
}

static void need_root(void) {
  if (geteuid() != 0) {
    print_message("SKIPPED: running a child as another user (uid %d) needs root; this "
                  "test runs as uid %d\n",
                  NOBODY, (int)geteuid());
    skip();
  }
}

/* The documented permissions: the state folder 0700, the files 0600, the daemon's
 * user's (here root's; the team's group on them too, which must not matter). */
static void test_recommended_modes_refuse(void **state) {
  (void)state;
  need_root();
  const char *files[] = {g.db, g_datakey, g_key};
  assert_int_equal(chmod(g.dir, 0700), 0);
  assert_int_equal(chown(g.dir, 0, TEAM_GID), 0);
  for (unsigned i = 0; i < 3; i++) {
    assert_int_equal(chown(files[i], 0, TEAM_GID), 0);
    mode_is(files[i], 0600); /* as the daemon and the key tools made them */
    int e = as_other(try_open, files[i]);
    print_message("open(%s) as uid %d: %s\n", strrchr(files[i], '/') + 1, NOBODY,
                  e == 0 ? "opened" : strerror(e));
    assert_int_equal(e, EACCES);
  }
  /* The control: the same child opens a file that is readable to it. */
  char ok[900];
  snprintf(ok, sizeof ok, "%s/readable.txt", g.dir);
  fx_write(ok, "x\n");
  assert_int_equal(chmod(ok, 0644), 0);
  assert_int_equal(chmod(g.dir, 0711), 0);
  assert_int_equal(as_other(try_open, ok), 0);
  assert_int_equal(chmod(g.dir, 0700), 0);
  unlink(ok);
}

/* A folder left traversable by mistake (0711) does not open the files either: each is
 * 0600 on its own. The socket (0660, the team's group) is what the other user reaches. */
static void test_files_refuse_without_folder(void **state) {
  (void)state;
  need_root();
  const char *files[] = {g.db, g_datakey, g_key};
  assert_int_equal(chmod(g.dir, 0711), 0);
  for (unsigned i = 0; i < 3; i++)
    assert_int_equal(as_other(try_open, files[i]), EACCES);
  /* Nor does SQLite's write-ahead log, if there is one. */
  char wal[900];
  snprintf(wal, sizeof wal, "%s-wal", g.db);
  if (access(wal, F_OK) == 0) assert_int_equal(as_other(try_open, wal), EACCES);
  mode_is(g.sock, 0660);
  assert_int_equal(chown(g.sock, 0, TEAM_GID), 0);
  assert_int_equal(as_other(try_connect, g.sock), 0);
  assert_int_equal(chmod(g.dir, 0700), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recommended_modes_refuse),
      cmocka_unit_test(test_files_refuse_without_folder),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
