/* SPDX-License-Identifier: MIT */
/* The client handle: start-up (identity, roster, store, loop) and shutdown. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client.h"
#include "clock.h"
#include "config_int.h"
#include "export.h"
#include "file.h"
#include "keyfile.h"
#include "loop.h"

RP_PUBLIC unsigned rp_version(void) {
  return (RP_VERSION_MAJOR << 16) | (RP_VERSION_MINOR << 8) | RP_VERSION_PATCH;
}

RP_PUBLIC const char *rp_version_string(void) {
  return "0.1.0";
}

RP_PUBLIC void rp_free(void *p) {
  free(p);
}

/* The passphrase from the configured source into buf (sodium_malloc'd by the caller). */
static int get_pass(struct rp_config *cfg, char *buf, size_t cap, size_t *len) {
  *len = 0;
  if (cfg->pass_fn != NULL) {
    if (cfg->pass_fn(cfg->pass_data, buf, cap, len) != 0 || *len > cap)
      return RP_EPASSPHRASE;
    return 0;
  }
  if (cfg->pass_env != NULL) {
    const char *v = getenv(cfg->pass_env);
    if (v == NULL) return RP_EPASSPHRASE;
    *len = strlen(v) < cap ? strlen(v) : cap;
    memcpy(buf, v, *len);
    return 0;
  }
  if (cfg->pass_file != NULL) {
    struct stat sb;
    int fd = open(cfg->pass_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return RP_ENOTFOUND;
    if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0) {
      close(fd);
      return RP_EPERM;
    }
    int rc = rp__file_read_line(fd, buf, cap, len);
    close(fd);
    return rc;
  }
  return 0;
}

/* The passphrase source is asked only for an encrypted file: a plain daemon key file
 * loads without one, so a host may configure a source for both cases. */
static int load_identity(rp_client *c) {
  char *pass;
  size_t plen = 0;
  int rc = rp__keyfile_load(c->cfg.identity_file, NULL, 0, &c->me);
  if (rc != RP_EPASSPHRASE) return rc;
  if ((pass = sodium_malloc(RP_PASSPHRASE_MAX)) == NULL) return RP_ENOMEM;
  if ((rc = get_pass(&c->cfg, pass, RP_PASSPHRASE_MAX, &plen)) == 0)
    rc = rp__keyfile_load(c->cfg.identity_file, plen ? pass : NULL, plen, &c->me);
  sodium_free(pass);
  return rc;
}

/* Adopts the newest of the stored roster and the configured file. */
static int load_roster(rp_client *c) {
  uint8_t *doc = NULL;
  size_t len = 0;
  rp__roster *held = NULL, *nr = NULL;
  int rc;
  if (rp__store_meta_get(c->st, RP__CL_ROSTER_META, &doc, &len) == 0) {
    rp__roster_verify(doc, len, c->cfg.admin_pk, &held);
    free(doc);
  }
  if (c->cfg.roster_file != NULL) {
    if ((rc = rp__file_read(c->cfg.roster_file, RP_ROSTER_MAX, &doc, &len)) != 0) {
      rp__roster_free(held);
      return rc;
    }
    rc = rp__roster_accept(held, doc, len, c->cfg.admin_pk, &nr);
    free(doc);
    if (rc == 0) {
      rp__roster_free(held);
      held = nr;
    } else if (rc != RP_EROLLBACK || held == NULL) {
      rp__roster_free(held);
      return rc;
    }
  }
  if (held == NULL) return RP_ECONFIG;
  c->roster = held;
  if (rp__roster_document(held, (const uint8_t **)&doc, &len) == 0)
    rp__store_meta_put(c->st, RP__CL_ROSTER_META, doc, len);
  return 0;
}

int rp__client_roster_accept(rp_client *c, const uint8_t *doc, size_t len) {
  rp__roster *nr = NULL;
  int rc;
  pthread_mutex_lock(&c->mu);
  rc = rp__roster_accept(c->roster, doc, len, c->cfg.admin_pk, &nr);
  if (rc == 0) {
    rp__roster_free(c->roster);
    c->roster = nr;
  }
  pthread_mutex_unlock(&c->mu);
  if (rc == 0) rc = rp__store_meta_put(c->st, RP__CL_ROSTER_META, doc, len);
  return rc;
}

static int check_config(rp_config *cfg) {
  const char *miss = !cfg->state_dir       ? "state_dir"
                     : cfg->nrelays == 0   ? "relay"
                     : !cfg->has_relay_pk  ? "relay_key"
                     : !cfg->identity_file ? "identity_file"
                     : !cfg->has_admin_pk  ? "admin_key"
                                           : NULL;
  if (miss == NULL) return 0;
  snprintf(cfg->err, sizeof cfg->err, "%s: required setting is missing", miss);
  return RP_ECONFIG;
}

static int setup(rp_client *c, rp_config *cfg) {
  const rp__member *mine;
  int rc;
  if ((rc = load_identity(c)) != 0) {
    snprintf(cfg->err, sizeof cfg->err, "identity_file: %s", rp_strerror(rc));
    return rc;
  }
  if ((rc = rp__store_open(c->cfg.state_dir, &c->st)) != 0) {
    snprintf(cfg->err, sizeof cfg->err, "state_dir: %s", rp_strerror(rc));
    return rc;
  }
  if ((rc = load_roster(c)) != 0) {
    snprintf(cfg->err, sizeof cfg->err, "roster_file: %s",
             rc == RP_ECONFIG ? "no roster held yet; set roster_file" : rp_strerror(rc));
    return rc;
  }
  mine = rp__roster_find_id(c->roster, c->me->pub.id);
  if (mine == NULL ||
      memcmp(mine->pub.message_pk, c->me->pub.message_pk, RP_X25519_PUBLICKEYBYTES) != 0) {
    snprintf(cfg->err, sizeof cfg->err, "identity_file: member %s is not in the roster",
             c->me->pub.id);
    return RP_EUNKNOWNMEMBER;
  }
  c->my_kind = mine->kind;
  return 0;
}

RP_PUBLIC int rp_client_new(const rp_config *cfg_in, rp_client **out) {
  rp_config *cfg = (rp_config *)cfg_in; /* only its error text is written */
  rp_client *c = NULL;
  int rc = RP_EINVAL;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (cfg == NULL) return RP_EINVAL;
  if (sodium_init() < 0) return RP_ECRYPTO;
  if ((rc = check_config(cfg)) != 0) return rc;
  if ((c = calloc(1, sizeof *c)) == NULL) return RP_ENOMEM;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  if ((rc = rp__config_copy(&c->cfg, cfg)) != 0 || (rc = setup(c, cfg)) != 0 ||
      (rc = rp__loop_start(c)) != 0) {
    rp_client_free(c);
    return rc;
  }
  cfg->err[0] = '\0';
  *out = c;
  return 0;
}

RP_PUBLIC void rp_client_free(rp_client *c) {
  if (c == NULL) return;
  rp__loop_stop(c);
  rp__store_close(c->st);
  rp__roster_free(c->roster);
  rp__identity_free(c->me);
  rp__config_clear(&c->cfg);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

RP_PUBLIC void rp_client_set_data(rp_client *c, void *data) {
  if (c != NULL) __atomic_store_n(&c->data, data, __ATOMIC_RELEASE);
}

RP_PUBLIC void *rp_client_get_data(const rp_client *c) {
  return c ? __atomic_load_n(&c->data, __ATOMIC_ACQUIRE) : NULL;
}

RP_PUBLIC const char *rp_client_member_id(const rp_client *c) {
  return c != NULL ? c->me->pub.id : "";
}

RP_PUBLIC int rp_client_conn_state(rp_client *c) {
  int s;
  if (c == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  s = c->conn_state;
  pthread_mutex_unlock(&c->mu);
  return s;
}

RP_PUBLIC int rp_client_last_error(rp_client *c) {
  int e;
  if (c == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  e = c->last_error;
  pthread_mutex_unlock(&c->mu);
  return e;
}

RP_PUBLIC int rp_client_roster_version(rp_client *c, uint64_t *version) {
  if (c == NULL || version == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  *version = rp__roster_version(c->roster);
  pthread_mutex_unlock(&c->mu);
  return 0;
}

/* The public bits are the roster's, passed through unchanged. */
_Static_assert(RP_MEMBER_NET_EAST == RP_NETWORK_EAST &&
                   RP_MEMBER_NET_WEST == RP_NETWORK_WEST,
               "network bits of rejsepost.h and roster.h differ");

RP_PUBLIC int rp_client_members(rp_client *c, rp_member_fn fn, void *data) {
  uint64_t now = rp__clock_wall_ms();
  int rc = 0;
  if (c == NULL || fn == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  for (uint32_t i = 0; rc == 0 && i < rp__roster_count(c->roster); i++) {
    const rp__member *m = rp__roster_member(c->roster, i);
    if (rp__roster_member_active(m, now) == 0)
      rc = fn(data, m->pub.id, rp__roster_kind_name(m->kind), m->municipality, m->networks);
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}

/* Absolute deadline for pthread_cond_timedwait (CLOCK_REALTIME). */
static struct timespec deadline_in(int ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

RP_PUBLIC int rp_client_refresh_roster(rp_client *c, int timeout_ms) {
  struct timespec ts = deadline_in(timeout_ms < 0 ? 0 : timeout_ms);
  uint64_t gen;
  int rc = 0;
  if (c == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  gen = c->roster_gen;
  c->roster_wanted = true;
  pthread_mutex_unlock(&c->mu);
  rp__loop_wake(c);
  pthread_mutex_lock(&c->mu);
  while (c->roster_gen == gen && rc == 0)
    if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) rc = RP_ETIMEDOUT;
  if (rc == 0) rc = c->roster_result;
  pthread_mutex_unlock(&c->mu);
  return rc;
}

RP_PUBLIC int rp_client_flush(rp_client *c, int timeout_ms) {
  struct timespec ts = deadline_in(timeout_ms < 0 ? 0 : timeout_ms);
  uint64_t n = 0;
  int rc;
  if (c == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    if ((rc = rp__store_out_queued_count(c->st, &n)) != 0 || n == 0) break;
    if (timeout_ms < 0) {
      pthread_cond_wait(&c->cv, &c->mu);
    } else if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) {
      rc = rp__store_out_queued_count(c->st, &n) == 0 && n == 0 ? 0 : RP_ETIMEDOUT;
      break;
    }
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}
