/* SPDX-License-Identifier: MIT */
/*
 * Attachments on the way out: the rp_msg_attach_* builders, and the sealing of their
 * bytes into the outbox during rp_send (attach.h). docs/PROTOCOL.md 6.7 is the format;
 * proto/chunk.h seals one chunk.
 */
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "chunk.h"
#include "export.h"
#include "msg_field.h"
#include "msg_int.h"
#include "sha256.h"

int rp__attach_list(rp__payload *p, rp__attachment **atts, uint32_t **count) {
  rp__target t;
  *atts = NULL;
  *count = NULL;
  if (rp__path_resolve(p, "attachments", false, false, &t) != 0 || t.f->type != RP__F_LIST)
    return RP_ENOTFOUND;
  *atts = (rp__attachment *)(t.base + t.f->off);
  *count = (uint32_t *)(t.base + t.f->count_off);
  return 0;
}

/* An argument refused before the schema sees it: rp_msg_error_field and _text name it,
 * as for the setters (a stale error from an earlier call would mislead the caller). */
static int refuse(rp_msg *m, const char *field, const char *why) {
  rp__msg_set_error(m, RP_EINVAL, field, 0);
  snprintf(m->err_text, sizeof m->err_text, "%s: %s", field, why);
  return RP_EINVAL;
}

/* Adds a descriptor (name, mime, kind) and its source; on failure nothing stays. */
static int add(rp_msg *m, const char *name, const char *mime, const char *kind,
               const rp__att_src *src) {
  rp__attachment *atts;
  uint32_t *count, i;
  int rc;
  if (m == NULL) return RP_EINVAL;
  if (name == NULL || mime == NULL || kind == NULL)
    return refuse(m,
                  name == NULL   ? "attachments.name"
                  : mime == NULL ? "attachments.mime"
                                 : "attachments.kind",
                  "is required");
  /* A file name, not a path (the schema says so again at rp_send; saying it here names
   * the call that is wrong). */
  if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
      strcmp(name, "..") == 0)
    return refuse(m, "attachments.name",
                  "must be a file name: not empty, no '/', not '.' or '..'");
  if ((rc = rp_msg_list_add(m, "attachments")) != 0) return rc;
  if (rp__attach_list(&m->p, &atts, &count) != 0) return RP_EINTERNAL;
  i = *count - 1;
  if ((rc = rp_msg_set_text(m, "attachments.name", name)) != 0 ||
      (rc = rp_msg_set_text(m, "attachments.mime", mime)) != 0 ||
      (rc = rp_msg_set_enum(m, "attachments.kind", kind)) != 0) {
    memset(&atts[i], 0, sizeof atts[i]);
    (*count)--;
    return rc;
  }
  free(m->src[i].path); /* an element removed before may have left one */
  m->src[i] = *src;
  return 0;
}

RP_PUBLIC int rp_msg_attach_file(rp_msg *m, const char *path, const char *name,
                                 const char *mime, const char *kind) {
  rp__att_src src = {.type = RP__ATT_SRC_FILE};
  const char *slash;
  int rc;
  if (m == NULL) return RP_EINVAL;
  if (path == NULL || path[0] == '\0')
    return refuse(m, "attachments", "no file path given");
  if (name == NULL) {
    slash = strrchr(path, '/');
    name = slash != NULL ? slash + 1 : path;
  }
  if ((src.path = strdup(path)) == NULL) return RP_ENOMEM;
  if ((rc = add(m, name, mime, kind, &src)) != 0) free(src.path);
  return rc;
}

RP_PUBLIC int rp_msg_attach_buffer(rp_msg *m, const void *data, size_t len,
                                   const char *name, const char *mime, const char *kind) {
  rp__att_src src = {.type = RP__ATT_SRC_BUFFER, .data = data, .len = len};
  if (m == NULL) return RP_EINVAL;
  if (data == NULL && len != 0) return refuse(m, "attachments", "no buffer given");
  return add(m, name, mime, kind, &src);
}

RP_PUBLIC int rp_msg_attach_stream(rp_msg *m, rp_read_fn read, void *ctx, const char *name,
                                   const char *mime, const char *kind) {
  rp__att_src src = {.type = RP__ATT_SRC_STREAM, .read = read, .ctx = ctx};
  if (m == NULL) return RP_EINVAL;
  if (read == NULL) return refuse(m, "attachments", "no read function given");
  return add(m, name, mime, kind, &src);
}

/* ---- sealing ---- */

/* One source being read: fills buf up to cap, fewer bytes only at its end. */
typedef struct reader {
  rp__att_src *src;
  int fd;
  size_t off;    /* BUFFER: bytes handed out */
  uint64_t want; /* its size as planned (UINT64_MAX: not known before reading) */
} reader;

static int open_src(reader *r, rp__att_src *src, uint64_t want) {
  struct stat sb;
  memset(r, 0, sizeof *r);
  r->src = src;
  r->fd = -1;
  r->want = want;
  if (src->type == RP__ATT_SRC_STREAM) {
    if (src->consumed) return RP_ESTATE;
    src->consumed = true;
  }
  if (src->type != RP__ATT_SRC_FILE) return 0;
  if ((r->fd = open(src->path, O_RDONLY | O_CLOEXEC)) < 0)
    return errno == ENOENT ? RP_ENOTFOUND : errno == EACCES ? RP_EPERM : RP_EIO;
  /* The file planned is the file read (not one put in its place since). */
  if (want != UINT64_MAX && (fstat(r->fd, &sb) != 0 || (uint64_t)sb.st_size != want))
    return RP_EIO;
  return 0;
}

/* The size of a source before it is read, if it has one that can be trusted: a buffer's
 * length, a regular file's size (not 0: procfs and sysfs say 0 for files that have
 * content); UINT64_MAX otherwise (a stream, anything else). */
static uint64_t size_before(const rp__att_src *src) {
  struct stat sb;
  if (src->type == RP__ATT_SRC_BUFFER) return src->len;
  if (src->type != RP__ATT_SRC_FILE || stat(src->path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
      sb.st_size <= 0)
    return UINT64_MAX;
  return (uint64_t)sb.st_size;
}

static void close_src(reader *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
}

static int fill(reader *r, uint8_t *buf, size_t cap, size_t *got) {
  *got = 0;
  while (*got < cap) {
    long long n;
    if (r->src->type == RP__ATT_SRC_BUFFER) {
      size_t left = r->src->len - r->off, take = left < cap - *got ? left : cap - *got;
      if (take > 0) memcpy(buf + *got, r->src->data + r->off, take);
      r->off += take;
      n = (long long)take;
    } else if (r->src->type == RP__ATT_SRC_FILE) {
      ssize_t k = read(r->fd, buf + *got, cap - *got);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) return RP_EIO;
      n = k;
    } else {
      n = r->src->read(r->src->ctx, buf + *got, cap - *got);
      if (n < 0 || (unsigned long long)n > cap - *got) return RP_EIO;
    }
    if (n == 0) break;
    *got += (size_t)n;
  }
  return 0;
}

/* Memory of one sealing: the chunk at hand, the one read ahead (to know whether the
 * chunk at hand is its attachment's last) and the sealed chunk. The two plaintext
 * buffers are locked memory and wiped; nothing else grows with the files. */
typedef struct bufs {
  uint8_t *cur, *next, *sealed;
} bufs;

static void free_bufs(bufs *b) {
  sodium_free(b->cur); /* sodium_free wipes */
  sodium_free(b->next);
  free(b->sealed);
}

/* The host's check of one piece of plaintext (rejsepost.h, rp_attachment_hook_fn). */
static int hook_piece(rp__attach_job *job, const rp__attachment *d, const uint8_t *buf,
                      size_t len, uint64_t offset, bool last) {
  char name[RP_TEXT_SHORT_MAX + 1], mime[RP_TEXT_SHORT_MAX + 1];
  size_t bad = (size_t)offset;
  if (job->hook == NULL) return 0;
  snprintf(name, sizeof name, "%.*s", (int)d->name.n, d->name.p);
  snprintf(mime, sizeof mime, "%.*s", (int)d->mime.n, d->mime.p);
  if (job->hook(job->hook_data, name, mime, buf, len, offset, last, &bad) == 0) return 0;
  job->offset = bad;
  return RP_EHOOK;
}

/* Seals attachment a (source r) from chunk g on; adds its size and hash to d. */
static int seal_one(rp__attach_job *job, bufs *b, reader *r, uint32_t a, rp__attachment *d,
                    uint64_t *total) {
  rp__sha256 h;
  uint64_t size = 0, j = 0;
  size_t len = 0, next_len = 0, slen = 0;
  bool final = false;
  int rc;
  rp__sha256_init(&h);
  if ((rc = fill(r, b->cur, RP__CHUNK_SIZE, &len)) != 0) goto out;
  for (;;) {
    /* A short chunk is the last; a full one is the last if nothing follows it. */
    next_len = 0;
    if (len == RP__CHUNK_SIZE && (rc = fill(r, b->next, RP__CHUNK_SIZE, &next_len)) != 0)
      goto out;
    final = len < RP__CHUNK_SIZE || next_len == 0;
    /* A planned size is the chunk count the early upload announced: a file that grew
     * or shrank since is refused rather than sealed into another count. */
    if (r->want != UINT64_MAX &&
        (size + len > r->want || (final && size + len != r->want))) {
      rc = RP_EIO;
      goto out;
    }
    if ((rc = hook_piece(job, d, b->cur, len, size, final)) != 0) goto out;
    size += len;
    *total += len;
    if (size > job->att_max || *total > job->msg_att_max) {
      rc = RP_ETOOBIG;
      goto out;
    }
    rp__sha256_update(&h, b->cur, len);
    if ((rc = rp__chunk_seal(job->key, job->msg_id, a, j, job->n_chunks, final, b->cur, len,
                             b->sealed, RP__CHUNK_SEALED_MAX, &slen)) != 0 ||
        (rc = rp__store_out_chunk_put(job->st, job->msg_id, job->n_chunks, b->sealed,
                                      slen)) != 0)
      goto out;
    job->n_chunks++;
    j++;
    if (job->sealed != NULL && job->planned)
      job->sealed(job->sealed_data, job->planned, job->planned_bytes, job->n_chunks);
    if (final) break;
    uint8_t *t = b->cur;
    b->cur = b->next;
    b->next = t;
    len = next_len;
  }
  d->size = size;
  rp__sha256_final(&h, d->sha256);
out:
  sodium_memzero(&h, sizeof h);
  return rc;
}

int rp__attach_seal(rp__attach_job *job, rp_msg *m, rp__payload *p) {
  rp__attachment *atts;
  uint32_t *count, n, i;
  uint64_t total = 0, want[RP_PAYLOAD_ATTACHMENTS_MAX];
  bufs b = {0};
  int rc = 0, with_src = 0;
  job->n_chunks = 0;
  job->where[0] = '\0';
  if (rp__attach_list(p, &atts, &count) != 0 || *count == 0) return 0;
  n = *count;
  for (i = 0; i < n; i++)
    with_src += m->src[i].type != RP__ATT_SRC_NONE;
  /* A descriptor filled by hand (rp_msg_list_add) has no content to send, and the
   * recipient refuses a message whose header's chunks are not its descriptors' plan
   * (PROTOCOL.md 6.2): refused here, naming it, rather than failing at the recipient. */
  if ((uint32_t)with_src != n) {
    for (i = 0; m->src[i].type != RP__ATT_SRC_NONE; i++)
      ;
    snprintf(job->where, sizeof job->where, "attachments.%u", i);
    return RP_EMISSING;
  }
  /* The chunk count before the first read, when every size is known: then the loop may
   * upload chunks while the others are sealed (job->sealed, upload.h "Early"). */
  for (i = 0; i < n; i++)
    want[i] = size_before(&m->src[i]);
  job->planned = job->planned_bytes = 0;
  if (job->sealed != NULL) {
    for (i = 0; i < n && want[i] != UINT64_MAX; i++)
      ;
    if (i == n &&
        rp__chunk_plan(want, n, job->att_max, job->msg_att_max, &job->planned) != 0)
      job->planned = 0;
    for (i = 0; job->planned && i < n; i++) {
      uint64_t k = rp__chunk_count(want[i]), last = want[i] - (k - 1) * RP__CHUNK_SIZE;
      job->planned_bytes += (k - 1) * RP__CHUNK_SEALED_MAX + rp__chunk_sealed_size(last);
    }
    if (job->planned) job->sealed(job->sealed_data, job->planned, job->planned_bytes, 0);
  }
  if (!job->planned)
    for (i = 0; i < n; i++)
      want[i] = UINT64_MAX;
  b.cur = sodium_malloc(RP__CHUNK_SIZE);
  b.next = sodium_malloc(RP__CHUNK_SIZE);
  b.sealed = malloc(RP__CHUNK_SEALED_MAX);
  if (b.cur == NULL || b.next == NULL || b.sealed == NULL) {
    rc = RP_ENOMEM;
    goto out;
  }
  for (i = 0; i < n && rc == 0; i++) {
    reader r;
    if ((rc = open_src(&r, &m->src[i], want[i])) == 0)
      rc = seal_one(job, &b, &r, i, &atts[i], &total);
    close_src(&r);
    if (rc != 0) snprintf(job->where, sizeof job->where, "attachments.%u", i);
  }
out:
  free_bufs(&b);
  if (rc != 0) {
    rp__store_out_chunks_delete(job->st, job->msg_id);
    job->n_chunks = 0;
  }
  return rc;
}
