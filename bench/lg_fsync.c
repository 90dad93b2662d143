/* SPDX-License-Identifier: MIT */
/*
 * `rejsepost-loadgen fsync --dir DIR [--count N]`: how long fdatasync takes on the
 * filesystem that holds the relay's spool, so that the relay's figures can be checked
 * against it. A relay that truly syncs before it acks can answer no send faster than
 * one sync, and with group commit it can sync at most 1 / (sync time) times a second.
 *
 * Each round appends one 4 KiB page (what a small SQLite WAL commit writes) to a file
 * preallocated to its final size, then fdatasyncs it, as SQLite does in WAL mode with
 * synchronous=FULL. The file is removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

#define PAGE 4096u
#define ROUNDS_DEF 500u
#define ROUNDS_MAX 100000u

static int usage(void) {
  fprintf(stderr, "usage: rejsepost-loadgen fsync --dir DIR [--count N (1..%u)]\n",
          ROUNDS_MAX);
  return 2;
}

static int rounds(int fd, unsigned n, lg_hist *h) {
  static uint8_t page[PAGE];
  memset(page, 0xa5, sizeof page);
  for (unsigned i = 0; i < n; i++) {
    if (pwrite(fd, page, sizeof page, (off_t)i * PAGE) != (ssize_t)sizeof page) return -1;
    uint64_t t = uv_hrtime();
    if (fdatasync(fd) != 0) return -1;
    lg_hist_record(h, (uv_hrtime() - t) / 1000u);
  }
  return 0;
}

int lg_fsync_main(int argc, char **argv) {
  static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
                                       {"count", required_argument, NULL, 'n'},
                                       {NULL, 0, NULL, 0}};
  static lg_hist h;
  char path[PATH_MAX];
  const char *dir = NULL;
  unsigned long n = ROUNDS_DEF;
  char *end;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'd') {
      dir = optarg;
    } else if (c == 'n') {
      n = strtoul(optarg, &end, 10);
      if (end == optarg || *end != '\0' || n == 0 || n > ROUNDS_MAX) return usage();
    } else {
      return usage();
    }
  }
  if (dir == NULL || optind != argc) return usage();
  if ((size_t)snprintf(path, sizeof path, "%s/fsync-probe", dir) >= sizeof path)
    return usage();
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  /* Preallocated, so that each sync writes the page and not the file's growing size. */
  int r = fd < 0 ? -1 : posix_fallocate(fd, 0, (off_t)n * PAGE) == 0 ? 0 : -1;
  if (r == 0 && fsync(fd) != 0) r = -1;
  if (r == 0) r = rounds(fd, (unsigned)n, &h);
  int err = errno;
  if (fd >= 0) close(fd);
  unlink(path);
  if (r != 0) {
    fprintf(stderr, "fsync: %s: %s\n", path, strerror(err));
    return 1;
  }
  printf("disk: fdatasync after a 4 KiB write, %lu rounds: min %" PRIu64 "  p50 %" PRIu64
         "  p99 %" PRIu64 "  max %" PRIu64 " us\n",
         n, h.min, lg_hist_pct(&h, 0.5), lg_hist_pct(&h, 0.99), h.max);
  printf("LGRESULT target=disk mode=fsync ok=1 rounds=%lu fsync_min=%" PRIu64
         " fsync_p50=%" PRIu64 " fsync_p99=%" PRIu64 "\n",
         n, h.min, lg_hist_pct(&h, 0.5), lg_hist_pct(&h, 0.99));
  return 0;
}
