/* SPDX-License-Identifier: MIT */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex.h"

uint8_t *tu_unhex(const char *hex, size_t *len) {
  size_t n = strlen(hex);
  if (n % 2 != 0) {
    fprintf(stderr, "tu_unhex: odd length\n");
    abort();
  }
  uint8_t *out = malloc(n / 2 + 1);
  if (out == NULL) abort();
  if (rp__unhex(out, n / 2, hex) != 0) {
    fprintf(stderr, "tu_unhex: bad digit\n");
    abort();
  }
  *len = n / 2;
  return out;
}

char *tu_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      char *nb = realloc(buf, cap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got < 4096) break;
  }
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

const char *tu_vector_path(const char *name) {
  static char path[4096];
  const char *dir = getenv("RP_TEST_VECTORS");
  if (dir == NULL) dir = "tests/vectors";
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

const char *tu_tmpdir(const char *tag) {
  static char path[4096];
  const char *base = getenv("TMPDIR");
  if (base == NULL || base[0] == '\0') base = "/tmp";
  snprintf(path, sizeof path, "%s/rp-%s-XXXXXX", base, tag);
  if (mkdtemp(path) == NULL) {
    perror("mkdtemp");
    abort();
  }
  return path;
}

void tu_rmtree(const char *path) {
  DIR *d = opendir(path);
  if (d != NULL) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      struct stat st;
      if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
        tu_rmtree(sub);
      else
        unlink(sub);
    }
    closedir(d);
  }
  rmdir(path);
}
