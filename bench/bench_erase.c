/* SPDX-License-Identifier: MIT */
/*
 * How long erasing a thread takes in the client store (rp_thread_erase: secure_delete,
 * then the truncating WAL checkpoint, then the chunk files unlinked), for a thread that
 * holds one message with an attachment of -a MiB (default 100), on both sides (RP_BUILD_DIR
 * must name the build root; default "."):
 *  - the sender, before the relay has any of it: the municipality's client starts while
 *    the relay is down, so the sealed chunks stay in its outbox; the erase is timed;
 *  - the recipient: the relay is started, the message travels, the team's client stores
 *    it whole (sealed chunks in its inbox), and its erase is timed.
 * Each time is printed with the size of client.db before and after, the size of its
 * -wal after (0: truncated), and the disk space of the chunk files before and after. Times
 * are printed, never asserted.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cl_fixture.h"
#include "clock.h"
#include "keyfile.h"
#include "peer.h"
#include "rejsepost.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101"};

typedef struct stream {
  uint64_t left;
  uint64_t x;
} stream;

static long long stream_read(void *ctx, uint8_t *buf, size_t cap) {
  stream *s = ctx;
  size_t n = cap < s->left ? cap : (size_t)s->left;
  for (size_t i = 0; i < n; i++) {
    s->x = s->x * 6364136223846793005ull + 1442695040888963407ull;
    buf[i] = (uint8_t)(s->x >> 56);
  }
  s->left -= n;
  return (long long)n;
}

/* The tests' client configuration (tests/client/cl_fixture.h) with the bench's caps. */
static rp_client *client(tp_relay *f, const char *id, uint64_t att_max) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  int rc;
  if (cfg == NULL) return NULL;
  rp_config_set_attachment_max(cfg, att_max);
  if ((rc = rp_client_new(cfg, &c)) != 0)
    fprintf(stderr, "rp_client_new: %s (%s)\n", rp_strerror(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  return c;
}

static long long file_size(tp_relay *f, const char *id, const char *suffix) {
  char path[800];
  struct stat sb;
  snprintf(path, sizeof path, "%s/state-%s/client.db%s", f->dir, id, suffix);
  return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Disk blocks in use under the state folder's chunks/ (its files are sparse, so the
 * blocks and not st_size say what is held), in bytes; -1 if it cannot be read. */
static long long chunk_bytes(tp_relay *f, const char *id) {
  static const char *const sub[] = {"out", "in"};
  long long sum = 0;
  for (size_t i = 0; i < 2; i++) {
    char dir[800], path[1200];
    struct dirent *e;
    struct stat sb;
    DIR *d;
    snprintf(dir, sizeof dir, "%s/state-%s/chunks/%s", f->dir, id, sub[i]);
    if ((d = opendir(dir)) == NULL) continue;
    while ((e = readdir(d)) != NULL) {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) sum += (long long)sb.st_blocks * 512;
    }
    closedir(d);
  }
  return sum;
}

static void timed_erase(tp_relay *f, rp_client *c, const char *id, const char *thread,
                        const char *what) {
  long long before = file_size(f, id, ""), chunks_before = chunk_bytes(f, id);
  uint64_t t0 = rp__clock_mono_ms();
  int rc = rp_thread_erase(c, thread);
  uint64_t ms = rp__clock_mono_ms() - t0;
  printf("%s: rp_thread_erase %s in %llu ms; client.db %lld bytes before, %lld after, "
         "-wal %lld after; chunk files %lld bytes on disk before, %lld after\n",
         what, rc == 0 ? "done" : rp_err_name(rc), (unsigned long long)ms, before,
         file_size(f, id, ""), file_size(f, id, "-wal"), chunks_before, chunk_bytes(f, id));
}

typedef struct thread_of {
  const char *id;
  char thread[RP_ID_STRLEN];
} thread_of;

static int find_cb(void *data, const char *id, const char *kind, const char *thread,
                   const char *to, int status, uint64_t at) {
  thread_of *t = data;
  (void)kind, (void)to, (void)status, (void)at;
  if (strcmp(id, t->id) == 0) snprintf(t->thread, sizeof t->thread, "%s", thread);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t mib = 100, bytes;
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN];
  thread_of t = {id, ""};
  stream s;
  int opt, rc;
  while ((opt = getopt(argc, argv, "a:")) != -1)
    if (opt == 'a') mib = strtoull(optarg, NULL, 10);
  bytes = mib << 20;
  if (sodium_init() < 0 || tp_relay_init(&f, "bench-erase", ids, 2, NULL) != 0 ||
      cl_write_keys(&f) != 0)
    return 1;
  /* The sender, the relay down: everything stays in its outbox. */
  if ((muni = client(&f, "k101", bytes + 1)) == NULL) return 1;
  s = (stream){bytes, 1};
  if (rp_msg_new("plan_review", &m) != 0 ||
      rp_msg_set_enum(m, "plan", "beredskabsplan") != 0 ||
      rp_msg_attach_stream(m, stream_read, &s, "plan.pdf", "application/pdf",
                           "beredskabsplan_udkast") != 0 ||
      (rc = rp_send(muni, m, id)) != 0) {
    fprintf(stderr, "send failed: %s\n",
            m != NULL && rp_msg_error_text(m) ? rp_msg_error_text(m) : "-");
    return 1;
  }
  rp_msg_free(m);
  rp_outbox_foreach(muni, find_cb, &t);
  timed_erase(&f, muni, "k101", t.thread, "sender, before the relay had it");
  /* Again, and this time it travels. */
  s = (stream){bytes, 2};
  m = NULL;
  if (rp_msg_new("plan_review", &m) != 0 ||
      rp_msg_set_enum(m, "plan", "beredskabsplan") != 0 ||
      rp_msg_attach_stream(m, stream_read, &s, "plan.pdf", "application/pdf",
                           "beredskabsplan_udkast") != 0 ||
      rp_send(muni, m, id) != 0)
    return 1;
  rp_msg_free(m);
  if (tp_relay_start(&f) != 0 || (team = client(&f, "team", bytes + 1)) == NULL) return 1;
  for (int i = 0; i < 6000 && (rc = rp_inbox_next(team, &r)) == RP_ENOTFOUND; i++)
    usleep(20000);
  if (r == NULL) {
    fprintf(stderr, "nothing arrived\n");
    return 1;
  }
  snprintf(t.thread, sizeof t.thread, "%s", rp_received_thread_id(r));
  rp_received_free(r);
  timed_erase(&f, team, "team", t.thread, "recipient, the whole message in its inbox");
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_stop(&f, 15, 10000);
  tp_relay_free(&f);
  return 0;
}
