/* SPDX-License-Identifier: MIT */
/*
 * The attachments of a received message: descriptors from the payload, bytes from the
 * inbox's sealed chunks, opened again on each read (the library never writes them in
 * plain; rp_received_attachment_save writes where the host says).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "attach.h"
#include "chunk.h"
#include "client.h"
#include "export.h"
#include "received_int.h"
#include "store.h"

static int list(const rp_received *r, rp__attachment **atts, uint32_t *n) {
  uint32_t *count;
  *n = 0;
  /* The list is read only; the cast serves the shared resolver. */
  if (rp__attach_list((rp__payload *)&r->p, atts, &count) != 0) return RP_ENOTFOUND;
  *n = *count;
  return 0;
}

RP_PUBLIC size_t rp_received_attachments(const rp_received *r) {
  rp__attachment *atts;
  uint32_t n = 0;
  if (r == NULL) return 0;
  list(r, &atts, &n);
  return n;
}

RP_PUBLIC int rp_received_attachment(const rp_received *r, size_t i, const char **name,
                                     const char **mime, uint64_t *size, const char **kind) {
  char path[48];
  int rc;
  if (name) *name = NULL;
  if (mime) *mime = NULL;
  if (size) *size = 0;
  if (kind) *kind = NULL;
  if (r == NULL) return RP_EINVAL;
  if (i >= rp_received_attachments(r)) return RP_ENOTFOUND;
  /* The getters keep NUL-terminated copies in r (borrowed until rp_received_free). */
  snprintf(path, sizeof path, "attachments.%zu.name", i);
  if (name && (rc = rp_received_get_text(r, path, name)) != 0) return rc;
  snprintf(path, sizeof path, "attachments.%zu.mime", i);
  if (mime && (rc = rp_received_get_text(r, path, mime)) != 0) return rc;
  snprintf(path, sizeof path, "attachments.%zu.kind", i);
  if (kind && (rc = rp_received_get_enum(r, path, kind)) != 0) return rc;
  snprintf(path, sizeof path, "attachments.%zu.size", i);
  if (size && (rc = rp_received_get_uint(r, path, size)) != 0) return rc;
  return 0;
}

/*
 * Decision: reading attachment i opens every chunk of the message from the first with
 * one chunk reader (proto/chunk.h), and hands out only attachment i's bytes. The reader
 * is the one implementation of 6.7's checks (order, padding, each attachment's sha256);
 * a second one that starts at i's first chunk would save decrypting the attachments
 * before it (at most 16 in a message of at most the caps) at the price of repeating
 * them. Memory: one sealed and one plaintext chunk.
 */
RP_PUBLIC int rp_received_attachment_read(rp_client *c, const rp_received *r, size_t i,
                                          rp_write_fn write, void *ctx) {
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX], n_chunks = 0;
  uint8_t sha[RP_PAYLOAD_ATTACHMENTS_MAX][32], *ct = NULL, *pt = NULL;
  rp__chunk_reader rd;
  rp__attachment *atts;
  uint32_t n = 0;
  int rc = RP_EINVAL;
  memset(&rd, 0, sizeof rd);
  if (c == NULL || r == NULL || write == NULL) return RP_EINVAL;
  if (list(r, &atts, &n) != 0 || i >= n) return RP_ENOTFOUND;
  for (uint32_t a = 0; a < n; a++) {
    sizes[a] = atts[a].size;
    memcpy(sha[a], atts[a].sha256, 32);
  }
  if ((rc = rp__chunk_plan(sizes, n, RP__CHUNK_ATTACHMENT_MAX, UINT64_MAX, &n_chunks)) !=
          0 ||
      (rc = rp__chunk_reader_init(&rd, r->op.chunk_key, r->p.msg_id, sizes,
                                  (const uint8_t(*)[32])sha, n, RP__CHUNK_ATTACHMENT_MAX,
                                  UINT64_MAX)) != 0)
    goto out;
  rc = RP_ENOMEM;
  if ((ct = malloc(RP__CHUNK_SEALED_MAX)) == NULL ||
      (pt = sodium_malloc(RP__CHUNK_SIZE)) == NULL)
    goto out;
  for (uint64_t g = 0; g < n_chunks; g++) {
    size_t len = 0, pl = 0;
    uint32_t att = 0;
    bool done = false;
    if ((rc = rp__store_in_chunk_get(c->st, r->p.msg_id, g, ct, RP__CHUNK_SEALED_MAX,
                                     &len)) != 0 ||
        (rc = rp__chunk_reader_open(&rd, g, ct, len, pt, RP__CHUNK_SIZE, &pl, &att,
                                    &done)) != 0)
      goto out;
    if (att == i && pl > 0 && write(ctx, pt, pl) != 0) {
      rc = RP_EIO;
      goto out;
    }
    sodium_memzero(pt, pl);
    if (att == i && done) break; /* its sha256 matched: the rest is other attachments' */
  }
  rc = 0;
out:
  rp__chunk_reader_wipe(&rd);
  free(ct);
  sodium_free(pt);
  return rc;
}

static int write_fd(void *ctx, const uint8_t *buf, size_t len) {
  int fd = *(int *)ctx;
  while (len > 0) {
    ssize_t k = write(fd, buf, len);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    buf += k;
    len -= (size_t)k;
  }
  return 0;
}

RP_PUBLIC int rp_received_attachment_save(rp_client *c, const rp_received *r, size_t i,
                                          const char *path) {
  int fd, rc;
  if (c == NULL || r == NULL || path == NULL) return RP_EINVAL;
  if (i >= rp_received_attachments(r)) return RP_ENOTFOUND;
  /* A new file only: never through a link, never over what is there. */
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno == EEXIST   ? RP_EEXIST
           : errno == EACCES ? RP_EPERM
           : errno == ENOENT ? RP_ENOTFOUND
                             : RP_EIO;
  rc = rp_received_attachment_read(c, r, i, write_fd, &fd);
  if (rc == 0 && fsync(fd) != 0) rc = RP_EFSYNC;
  if (close(fd) != 0 && rc == 0) rc = RP_EIO;
  if (rc != 0) unlink(path); /* nothing partial or unverified stays */
  return rc;
}
