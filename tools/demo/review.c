/* SPDX-License-Identifier: MIT */
/*
 * The demo's documents: a municipality asks the team to review its draft beredskabsplan
 * (a plan review carrying a PDF made by pdf.c, a demo fixture), the advisor sees it in
 * `show`, saves it with `rejsepost advisor save` (the sha256 compared with what the
 * municipality sent), and replies with an annotated copy (the PDF with a second page of
 * comments) through `reply --attach`; the municipality receives it, saves it and
 * compares it too.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "file.h"
#include "flow.h"
#include "pdf.h"

/* The municipality that sends the plan review (the one with the plan request). */
#define REVIEWER 2

static void nap(void) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static void sha_hex(const uint8_t *p, size_t n, char hex[65]) {
  uint8_t h[32];
  crypto_hash_sha256(h, p, n);
  sodium_bin2hex(hex, 65, h, sizeof h);
}

/* One advisor command that must succeed and print `expect` (may be NULL). */
static int advisor(flow *f, const char *input, const char *const *args, const char *expect,
                   char **out) {
  char *o = NULL, *e = NULL;
  int st = dm_advisor(f->d, input, args, &o, &e), rc = 0;
  if (st != 0 || (expect != NULL && strstr(o, expect) == NULL)) {
    e[strcspn(e, "\n")] = '\0';
    rc = dm_fail(f->d, "advisor", "%s: exit status %d (%s)", args[0], st,
                 e[0] != '\0' ? e : "unexpected output");
  }
  if (out != NULL && rc == 0)
    *out = o;
  else
    free(o);
  free(e);
  return rc;
}

static int send_review(flow *f, const uint8_t *pdf, size_t len, char id[RP_ID_STRLEN]) {
  dm_member *m = &f->d->munis[REVIEWER];
  rp_msg *msg = NULL;
  int rc;
  if ((rc = rp_msg_new("plan_review", &msg)) == 0 &&
      (rc = rp_msg_set_text(msg, "sender_org", m->code)) == 0 &&
      (rc = rp_msg_set_enum(msg, "plan", "beredskabsplan")) == 0 &&
      (rc = rp_msg_set_text(msg, "question",
                            "FIKTIVT DEMO-EKSEMPEL. Vil I gennemgå vores udkast?")) == 0 &&
      (rc = rp_msg_attach_buffer(msg, pdf, len, "beredskabsplan-udkast.pdf",
                                 "application/pdf", "beredskabsplan_udkast")) == 0)
    rc = rp_send(f->muni[REVIEWER], msg, id);
  if (rc != 0)
    dm_fail(f->d, m->id, "plan review: %s (%s)", rp_strerror(rc),
            msg != NULL && rp_msg_error_field(msg) ? rp_msg_error_field(msg) : "-");
  rp_msg_free(msg);
  return rc != 0 ? -1 : 0;
}

static int wait_delivered(flow *f, const char *id) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)f->d->timeout_ms;
  int st = 0;
  while (rp_status(f->muni[REVIEWER], id, &st, NULL) != 0 ||
         rp_status_rank(st) < rp_status_rank(RP_STATUS_DELIVERED)) {
    if (rp__clock_mono_ms() > deadline)
      return dm_fail(f->d, f->d->munis[REVIEWER].id, "plan review %.8s is '%s'", id,
                     rp_status_name(st));
    nap();
  }
  return 0;
}

/* The plan review's thread in the advisor's listing. */
static int find_thread(flow *f, const char *id, char th[RP_ID_STRLEN]) {
  static const char *const args[] = {"list", "--json", NULL};
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)f->d->timeout_ms;
  th[0] = '\0';
  while (th[0] == '\0') {
    char *out = NULL;
    json_t *a, *o;
    size_t i;
    if (advisor(f, NULL, args, NULL, &out) != 0) return -1;
    a = json_loads(out, 0, NULL);
    free(out);
    json_array_foreach(a, i, o) {
      const char *first = json_string_value(json_object_get(o, "first_msg"));
      const char *t = json_string_value(json_object_get(o, "thread_id"));
      if (first != NULL && t != NULL && strcmp(first, id) == 0)
        snprintf(th, RP_ID_STRLEN, "%s", t);
    }
    json_decref(a);
    if (th[0] == '\0' && rp__clock_mono_ms() > deadline)
      return dm_fail(f->d, "advisor", "the plan review is not listed");
    if (th[0] == '\0') nap();
  }
  return 0;
}

/* The file at path holds bytes with sha256 `want`. */
static int same_file(flow *f, const char *who, const char *path, const char *want) {
  uint8_t *b = NULL;
  size_t n = 0;
  char hex[65];
  if (rp__file_read(path, 1u << 20, &b, &n) != 0)
    return dm_fail(f->d, who, "cannot read %s", path);
  sha_hex(b, n, hex);
  free(b);
  if (strcmp(hex, want) != 0)
    return dm_fail(f->d, who, "%s: sha256 %.16s, expected %.16s", path, hex, want);
  return 0;
}

/* The advisor: show lists the PDF, save writes it (sha256 compared), and the reply
 * carries the annotated copy. */
static int advisor_side(flow *f, const char *th, const char *id, const char *sent_hex,
                        const char *annotated, const char *ann_hex) {
  char saved[1200], *out = NULL;
  const char *const show[] = {"show", th, NULL}, *const save[] = {"save", th, "1", saved,
                                                                  NULL};
  char attach[1300];
  const char *const reply[] = {"reply", th,         "--stdin", "--reporting-duty",
                               "no",    "--attach", attach,    NULL};
  if (advisor(f, NULL, show, "bilag 1: navn beredskabsplan-udkast.pdf", &out) != 0)
    return -1;
  char *line = strstr(out, "bilag 1:"), *sha;
  line[strcspn(line, "\n")] = '\0';
  if ((sha = strstr(line, ", sha256")) != NULL) *sha = '\0';
  dm_event(f->d, "advisor", id, "$ rejsepost advisor show %.8s: %s", th, line);
  free(out);
  snprintf(saved, sizeof saved, "%s/advisor-udkast.pdf", f->d->inbox_dir);
  if (advisor(f, NULL, save, "saved beredskabsplan-udkast.pdf", NULL) != 0 ||
      same_file(f, "advisor", saved, sent_hex) != 0)
    return -1;
  dm_event(f->d, "advisor", id,
           "$ rejsepost advisor save %.8s 1 advisor-udkast.pdf: written by the advisor's "
           "command (0600), sha256 %.16s... matches the municipality's",
           th, sent_hex);
  snprintf(attach, sizeof attach, "%s:beredskabsplan_udkast", annotated);
  if (advisor(f,
              "FIKTIVT DEMO-SVAR. Vores kommentarer står på side 2 i den vedlagte kopi af "
              "udkastet.\n",
              reply, NULL, NULL) != 0)
    return -1;
  dm_event(f->d, "advisor", id,
           "replied with the annotated copy (reply --attach, 2 pages, sha256 %.16s...)",
           ann_hex);
  return 0;
}

/* The municipality receives the reply with the annotated copy and saves it. */
static int municipality_side(flow *f, const char *id, const char *ann_hex) {
  const char *who = f->d->munis[REVIEWER].id, *name = NULL;
  char path[1200];
  rp_received *r = NULL;
  uint64_t size = 0;
  int rc;
  for (;;) {
    if (fl_wait_kind(f, REVIEWER, "reply", &r) != 0) return -1;
    const char *re = rp_received_in_reply_to(r);
    if (re != NULL && strcmp(re, id) == 0) break;
    rp_inbox_mark_handled(f->muni[REVIEWER], rp_received_msg_id(r));
    rp_received_free(r);
  }
  snprintf(path, sizeof path, "%s/%s-kommenteret.pdf", f->d->dir, who);
  if (rp_received_attachments(r) != 1 ||
      rp_received_attachment(r, 0, &name, NULL, &size, NULL) != 0)
    rc = dm_fail(f->d, who, "the reply carries %zu attachments, not 1",
                 rp_received_attachments(r));
  else if ((rc = rp_received_attachment_save(f->muni[REVIEWER], r, 0, path)) != 0)
    rc = dm_fail(f->d, who, "save %s: %s", name, rp_strerror(rc));
  else if ((rc = same_file(f, who, path, ann_hex)) == 0)
    dm_event(f->d, who, rp_received_msg_id(r),
             "received the reply with %s (%llu bytes); saved (0600), sha256 %.16s... "
             "matches the advisor's copy",
             name, (unsigned long long)size, ann_hex);
  rp_inbox_mark_handled(f->muni[REVIEWER], rp_received_msg_id(r));
  rp_received_free(r);
  return rc;
}

int fl_plan_review(flow *f) {
  dm_member *m = &f->d->munis[REVIEWER];
  char line1[160], id[RP_ID_STRLEN], th[RP_ID_STRLEN], sent_hex[65], ann_hex[65],
      annotated[1200];
  const char *pages[2];
  uint8_t *pdf = NULL, *ann = NULL;
  size_t len = 0, alen = 0;
  int rc = -1;
  snprintf(line1, sizeof line1, "FIKTIVT DEMO-EKSEMPEL: Beredskabsplan (udkast), %s",
           m->name);
  pages[0] = line1;
  pages[1] = "Rejseholdets kommentarer: beskriv hvem der kontaktes ved akut fare.";
  if (dm_pdf_make(pages, 1, &pdf, &len) != 0 || dm_pdf_make(pages, 2, &ann, &alen) != 0) {
    dm_fail(f->d, m->id, "cannot make the demo PDF");
    goto out;
  }
  sha_hex(pdf, len, sent_hex);
  sha_hex(ann, alen, ann_hex);
  snprintf(annotated, sizeof annotated, "%s/kommenteret-udkast.pdf", f->d->inbox_dir);
  if (rp__file_write(annotated, ann, alen, 0600, 1) != 0) {
    dm_fail(f->d, "advisor", "cannot write %s", annotated);
    goto out;
  }
  if (send_review(f, pdf, len, id) != 0) goto out;
  dm_event(f->d, m->id, id,
           "plan review with the draft plan (PDF, %zu bytes, sha256 %.16s...) durable in "
           "the outbox",
           len, sent_hex);
  if (wait_delivered(f, id) != 0) goto out;
  dm_event(f->d, m->id, id, "delivered: the inbox daemon stored the draft (encrypted)");
  if (find_thread(f, id, th) != 0 ||
      advisor_side(f, th, id, sent_hex, annotated, ann_hex) != 0 ||
      municipality_side(f, id, ann_hex) != 0)
    goto out;
  rc = 0;
out:
  free(pdf);
  free(ann);
  return rc;
}
