/* SPDX-License-Identifier: MIT */
/*
 * Where settings come from: INI text (through libinih), files, and the command line.
 * libinih as packaged does not pass line numbers to the handler, so the text reaches it
 * through our own reader, which counts lines; the reader also strips leading blanks so
 * that an indented line is never taken as a continuation of the previous value.
 */
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "file.h"
#include "hex.h"
#include "rejsepost_errors.h"

#define SEEN_MAX 64u

typedef struct {
  rp__config *cfg;
  const char *fname;
  const char *p; /* next byte for the reader */
  int line;      /* lines handed to libinih so far: the line being handled */
  int fail_line; /* line of the first error, 0 if none */
  int listen_seen;
  size_t nseen;
  struct {
    char name[64];
    int line;
  } seen[SEEN_MAX];
  char *err;
  size_t errlen;
} ini_ctx;

static void ctx_fail(ini_ctx *c, int line, const char *what, const char *detail) {
  if (c->fail_line != 0) return; /* the first error is the one reported */
  c->fail_line = line;
  if (c->errlen > 0)
    snprintf(c->err, c->errlen, "%s:%d: %s%s", c->fname, line, what, detail);
}

static char *text_reader(char *str, int num, void *stream) {
  ini_ctx *c = stream;
  const char *s = c->p;
  size_t len;
  if (*s == '\0') return NULL;
  len = strcspn(s, "\n");
  c->p += len + (s[len] == '\n');
  c->line++;
  while (len > 0 && (*s == ' ' || *s == '\t')) {
    s++;
    len--;
  }
  /* libinih's buffer is `num` bytes, newline and NUL included; it would split a longer
   * line into two and misread the rest, so such a line is refused here. */
  if (len + 2 > (size_t)num) {
    char detail[64];
    snprintf(detail, sizeof detail, " (at most %d characters)", num - 3);
    ctx_fail(c, c->line, "line too long", detail);
    len = 0;
  }
  memcpy(str, s, len);
  str[len] = '\n';
  str[len + 1] = '\0';
  return str;
}

static int on_setting(void *user, const char *section, const char *key, const char *value) {
  ini_ctx *c = user;
  char name[64], where[RP_PATH_MAX + 16];
  if (c->fail_line != 0) return 1;
  if (section[0] == '\0') {
    ctx_fail(c, c->line, key,
             ": setting outside a section (put it under [relay], [limits] "
             "or [log])");
    return 1;
  }
  if (strcmp(section, "relay") != 0 && strcmp(section, "limits") != 0 &&
      strcmp(section, "log") != 0) {
    char detail[128];
    snprintf(detail, sizeof detail,
             "[%.40s]: unknown section (sections are [relay], "
             "[limits] and [log])",
             section);
    ctx_fail(c, c->line, detail, "");
    return 1;
  }
  if ((size_t)snprintf(name, sizeof name, "%s.%s", section, key) >= sizeof name) {
    ctx_fail(c, c->line, "setting name too long", "");
    return 1;
  }
  int is_listen = strcmp(name, "relay.listen") == 0;
  for (size_t i = 0; i < c->nseen && !is_listen; i++) {
    if (strcmp(c->seen[i].name, name) == 0) {
      char detail[80];
      snprintf(detail, sizeof detail, ": set twice (first on line %d)", c->seen[i].line);
      ctx_fail(c, c->line, name, detail);
      return 1;
    }
  }
  if (c->nseen < SEEN_MAX) {
    memcpy(c->seen[c->nseen].name, name, sizeof name);
    c->seen[c->nseen++].line = c->line;
  }
  snprintf(where, sizeof where, "%s:%d", c->fname, c->line);
  /* The file's first listen address replaces the built-in ones rather than adding. */
  size_t saved = c->cfg->listen_count;
  if (is_listen && !c->listen_seen) c->cfg->listen_count = 0;
  if (rp__config_set(c->cfg, name, value, where, c->err, c->errlen) != 0) {
    if (is_listen && !c->listen_seen) c->cfg->listen_count = saved;
    c->fail_line = c->line;
    return 1;
  }
  c->listen_seen |= is_listen;
  return 1;
}

int rp__config_parse_string(rp__config *cfg, const char *fname, const char *text, char *err,
                            size_t errlen) {
  ini_ctx *c = calloc(1, sizeof *c);
  int r = RP_ECONFIG, ret;
  if (c == NULL) {
    snprintf(err, errlen, "%s: out of memory", fname);
    return RP_ENOMEM;
  }
  c->cfg = cfg;
  c->fname = fname;
  c->p = text;
  c->err = err;
  c->errlen = errlen;
  ret = ini_parse_stream(text_reader, c, on_setting, c);
  /* libinih reports the first line it could not parse; ours may come later or earlier. */
  if (ret > 0 && (c->fail_line == 0 || ret < c->fail_line)) {
    c->fail_line = 0;
    ctx_fail(c, ret, "syntax error: expected '[section]' or 'key = value'", "");
  } else if (ret < 0 && c->fail_line == 0) {
    snprintf(err, errlen, "%s: libinih failed (%d)", fname, ret);
    c->fail_line = -1;
  }
  if (c->fail_line == 0) r = 0;
  free(c);
  return r;
}

/* Reads a whole small file (rp__file_read, at most max bytes) as a NUL-terminated text. */
static int slurp(const char *path, size_t max, char **out, char *err, size_t errlen,
                 const char *what) {
  uint8_t *buf = NULL;
  size_t n = 0;
  int r = rp__file_read(path, max, &buf, &n);
  *out = NULL;
  if (r == RP_ENOTFOUND)
    snprintf(err, errlen, "%s%s: cannot open: %s", what, path, strerror(ENOENT));
  else if (r == RP_ENOMEM)
    snprintf(err, errlen, "%s%s: out of memory", what, path);
  else if (r == RP_ETOOBIG)
    snprintf(err, errlen, "%s%s: larger than %zu bytes", what, path, max);
  else if (r == RP_EINVAL)
    snprintf(err, errlen, "%s%s: not a regular file", what, path);
  else if (r != 0)
    snprintf(err, errlen, "%s%s: cannot read: %s", what, path, strerror(errno));
  else if (strlen((const char *)buf) != n)
    snprintf(err, errlen, "%s%s: contains a NUL byte", what, path);
  else {
    *out = (char *)buf;
    return 0;
  }
  free(buf);
  return RP_ECONFIG;
}

int rp__config_load_file(rp__config *cfg, const char *path, char *err, size_t errlen) {
  char *text = NULL;
  int r = slurp(path, RP__CFG_FILE_MAX, &text, err, errlen, "");
  if (r == 0) r = rp__config_parse_string(cfg, path, text, err, errlen);
  free(text);
  return r;
}

static int load_admin_key(rp__config *cfg, char *err, size_t errlen) {
  char path[RP_PATH_MAX + RP_PATH_MAX];
  char *text = NULL;
  int r;
  if (cfg->admin_key_file[0] == '\0') return 0;
  if (rp__config_path(cfg, cfg->admin_key_file, path, sizeof path) != 0) {
    snprintf(err, errlen, "relay.admin_key_file: path too long");
    return RP_ECONFIG;
  }
  if ((r = slurp(path, 1024, &text, err, errlen, "relay.admin_key_file: ")) != 0) return r;
  text[strcspn(text, " \t\r\n")] = '\0';
  if (rp__unhex(cfg->admin_key, RP__CFG_ADMIN_KEY_BYTES, text) != 0) {
    snprintf(err, errlen,
             "relay.admin_key_file: %s: must hold 64 hex digits (an Ed25519 "
             "public key)",
             path);
    r = RP_ECONFIG;
  } else {
    cfg->has_admin_key = 1;
    cfg->admin_key_from_file = 1;
  }
  free(text);
  return r;
}

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"state-dir", required_argument, NULL, 'd'},
    {"key", required_argument, NULL, 'k'},
    {"roster", required_argument, NULL, 'r'},
    {"log-level", required_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
static const char short_opts[] = ":c:l:hV";

int rp__config_from_args(rp__config *cfg, int argc, char *const argv[],
                         rp__config_action *action, char *err, size_t errlen) {
  const char *config_path = NULL;
  int c, r, first_listen = 1;

  *action = RP__CONFIG_RUN;
  if (errlen > 0) err[0] = '\0';
  rp__config_defaults(cfg);
  /* First pass: find --config, --help, --version and reject malformed flags, so that the
   * file is read before the flags that override it are applied. */
  opterr = 0;
  optind = 0; /* 0, not 1: makes glibc reinitialize completely */
  while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
    const char *opt = argv[optind - 1];
    if (c == '?') {
      snprintf(err, errlen, "unknown option '%s' (see --help)", opt);
      return RP_ECONFIG;
    }
    if (c == ':') {
      snprintf(err, errlen, "option '%s' needs a value", opt);
      return RP_ECONFIG;
    }
    if (c == 'c') config_path = optarg;
    if (c == 'h' && *action == RP__CONFIG_RUN) *action = RP__CONFIG_HELP;
    if (c == 'V' && *action == RP__CONFIG_RUN) *action = RP__CONFIG_VERSION;
  }
  if (optind < argc) {
    snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
    return RP_ECONFIG;
  }
  if (*action != RP__CONFIG_RUN) return 0;
  if (config_path != NULL && (r = rp__config_load_file(cfg, config_path, err, errlen)) != 0)
    return r;

  optind = 0;
  while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
    const char *name = NULL, *flag = NULL;
    switch (c) {
    case 'l':
      if (first_listen) cfg->listen_count = 0; /* the flags replace the file's list */
      first_listen = 0;
      name = "relay.listen";
      flag = "--listen";
      break;
    case 'd':
      name = "relay.state_dir";
      flag = "--state-dir";
      break;
    case 'k':
      name = "relay.key_file";
      flag = "--key";
      break;
    case 'r':
      name = "relay.roster_file";
      flag = "--roster";
      break;
    case 'L':
      name = "log.level";
      flag = "--log-level";
      break;
    default:
      continue;
    }
    if ((r = rp__config_set(cfg, name, optarg, flag, err, errlen)) != 0) return r;
  }
  if ((r = rp__config_check(cfg, err, errlen)) != 0) return r;
  return load_admin_key(cfg, err, errlen);
}
