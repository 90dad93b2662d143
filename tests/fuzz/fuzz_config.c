/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the daemons' settings files: one binary per reader (see
 * fuzz_config.variants): the relay's (relayd.conf, parsed from memory), the inbox
 * daemon's (inboxd.conf) and webd's (webd.conf), both read from a file, as they are
 * in service. An operator writes these files, not a peer, but a typing error must still
 * end in a message naming the line and never in a crash or a half-read setting:
 * - every refusal comes with a message, every acceptance without leftovers of one;
 * - the relay's reader is pure: the same text read twice gives the same settings, and
 *   its cross-field check either passes or names what is wrong.
 * Values that name other files (keys, templates) are read as the daemon would, relative
 * to the settings file's folder (a temporary folder of the harness's own).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rejsepost_errors.h"

#ifndef RP_FUZZ_VARIANT
#error "RP_FUZZ_VARIANT names the reader (tests/fuzz/CMakeLists.txt sets it)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal must say why; an acceptance leaves no message. */
static void check_outcome(int r, const char *err) {
  if (r == 0) {
    if (err[0] != '\0') abort();
  } else {
    if (r != RP_ECONFIG && r != RP_ENOMEM) abort();
    if (err[0] == '\0' || memchr(err, '\0', 512) == NULL) abort();
  }
}

#if defined(RP_FUZZ_CONFIG_RELAY)
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rp__config a, b;
  char *text = malloc(size + 1), err[512] = "", err2[512] = "";
  if (text == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  rp__config_defaults(&a);
  rp__config_defaults(&b);
  int r = rp__config_parse_string(&a, "relayd.conf", text, err, sizeof err);
  int r2 = rp__config_parse_string(&b, "relayd.conf", text, err2, sizeof err2);
  check_outcome(r, err);
  if (r != r2 || strcmp(err, err2) != 0) abort();
  if (r == 0) {
    if (memcmp(&a, &b, sizeof a) != 0) abort();
    err[0] = '\0';
    r = rp__config_check(&a, err, sizeof err);
    check_outcome(r, err);
  }
  free(text);
  return 0;
}

#else /* the readers that take a path */
#if defined(RP_FUZZ_CONFIG_INBOX)
#include "ibx_config.h"
typedef rp__ibx_config conf_t;
#define CONF_DEFAULTS rp__ibx_config_defaults
#define CONF_LOAD rp__ibx_config_load
#elif defined(RP_FUZZ_CONFIG_WEB)
#include "web_config.h"
typedef rp__web_config conf_t;
#define CONF_DEFAULTS rp__web_config_defaults
#define CONF_LOAD rp__web_config_load
#else
#error "unknown RP_FUZZ_VARIANT for fuzz_config"
#endif

static char dir[512], path[600];

static void remove_dir(void) {
  unlink(path);
  rmdir(dir);
}

/* A folder of its own under $TMPDIR for the file each input is written to, so that
 * nothing lands in the folder the harness was started from. */
static void make_dir(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/rp-fuzz-config-XXXXXX", tmp != NULL ? tmp : P_tmpdir);
  if (mkdtemp(dir) == NULL) abort();
  snprintf(path, sizeof path, "%s/settings.conf", dir);
  atexit(remove_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static conf_t c;
  char err[512] = "";
  FILE *f;
  if (dir[0] == '\0') make_dir();
  if ((f = fopen(path, "w")) == NULL) abort();
  if (size > 0 && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
  memset(&c, 0, sizeof c);
  CONF_DEFAULTS(&c);
  int r = CONF_LOAD(path, &c, err, sizeof err);
  if (r == RP_ENOTFOUND) abort(); /* the file was just written */
  check_outcome(r, err);
  unlink(path);
  return 0;
}
#endif
