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

static int holds(const char *p, size_t len, const uint8_t *b, size_t n) {
  for (size_t i = 0; n > 0 && i + n <= len; i++)
    if ((uint8_t)p[i] == b[0] && memcmp(p + i, b, n) == 0) return 1;
  return 0;
}

int tu_dir_holds(const char *dir, const void *bytes, size_t n) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[1024];
  int found = 0;
  if (d == NULL) return -1;
  while (!found && (e = readdir(d)) != NULL) {
    struct stat st;
    size_t len = 0;
    char *text;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if ((text = tu_read_file(path, &len)) == NULL) continue;
    found = holds(text, len, bytes, n);
    free(text);
  }
  closedir(d);
  return found;
}
