/* SPDX-License-Identifier: MIT */
/*
 * Payload files (JSON or msgpack) and 'rejsepost check', which validates a request file
 * offline exactly as a send would (every rule of the kind, then the CPR guard), so a
 * case system integrator can test the files it writes without a relay.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "cpr.h"
#include "json_payload.h"
#include "rejsepost_errors.h"

void tl_payload_file_free(tl_payload_file *f) {
  if (f->json != NULL) json_decref(f->json);
  free(f->raw);
  memset(f, 0, sizeof *f);
}

static int from_json(const char *path, rp__payload_kind kind, tl_payload_file *f) {
  json_error_t jerr;
  json_t *k;
  char err[256];
  if ((f->json = json_loadb((const char *)f->raw, f->rawlen, JSON_REJECT_DUPLICATES,
                            &jerr)) == NULL)
    return tl_fail("%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column, jerr.text);
  if ((k = json_object_get(f->json, "kind")) != NULL &&
      (!json_is_string(k) || rp__payload_kind_from_name(json_string_value(k), &kind) != 0))
    return tl_fail("%s: \"kind\" must name a payload kind, e.g. \"request\"", path);
  if (tl_json_to_payload(f->json, kind, &f->p, err, sizeof err) != 0)
    return tl_fail("%s: %s", path, err);
  return TL_OK;
}

int tl_payload_file_read(const char *path, rp__payload_kind default_kind,
                         tl_payload_file *f) {
  const char *where = NULL;
  size_t i = 0;
  int rc;

  memset(f, 0, sizeof *f);
  if ((rc = tl_read_file(path, RP_PAYLOAD_MAX, &f->raw, &f->rawlen)) != 0)
    return tl_fail("cannot read %s: %s", path,
                   rc == RP_ENOTFOUND ? "no such file" : rp_strerror(rc));
  while (i < f->rawlen && (f->raw[i] == ' ' || f->raw[i] == '\n' || f->raw[i] == '\t' ||
                           f->raw[i] == '\r'))
    i++;
  if (i < f->rawlen && f->raw[i] == '{') return from_json(path, default_kind, f);
  /* Not JSON: an encoded payload, checked by the strict decoder. */
  f->is_msgpack = 1;
  if ((rc = rp__payload_decode(f->raw, f->rawlen, &f->p, &where)) != 0)
    return tl_fail("%s is neither a JSON object nor a valid msgpack payload (%s%s%s)", path,
                   rp_strerror(rc), where != NULL ? " at " : "", where != NULL ? where : "");
  return TL_OK;
}

int tl_payload_check(const rp__payload *p, uint8_t *buf, size_t *len) {
  const char *where = NULL;
  size_t off = 0;
  int rc;
  if ((rc = rp__payload_cpr_check(p, &where, &off)) != 0)
    return tl_fail("refused: the field '%s' holds a CPR number (at byte %zu). Remove it: "
                   "requests are anonymous or pseudonymous, never identified by CPR",
                   where != NULL ? where : "?", off);
  if ((rc = rp__payload_encode(p, buf, RP_PAYLOAD_MAX, len, &where)) != 0)
    return tl_fail("the %s is not valid: field '%s': %s", rp__payload_kind_name(p->kind),
                   where != NULL ? where : "?", rp_strerror(rc));
  return TL_OK;
}

int tl_cmd_check(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  tl_payload_file f;
  uint8_t *buf = NULL;
  size_t len = 0;
  char *text;
  int c, status = TL_FAIL;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c != 'o')
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    out = optarg;
  }
  if (optind + 1 != argc) return tl_usage(argv[0], "give exactly one payload file");
  if (tl_payload_file_read(argv[optind], RP__PL_REQUEST, &f) != TL_OK) goto out;
  if (!f.is_msgpack) {
    /* The ids and time a send would give it. */
    randombytes_buf(f.p.msg_id, sizeof f.p.msg_id);
    memcpy(f.p.thread_id, f.p.msg_id, sizeof f.p.thread_id);
    f.p.created = tl_unix_ms();
  }
  if ((buf = malloc(RP_PAYLOAD_MAX)) == NULL || tl_payload_check(&f.p, buf, &len) != TL_OK)
    goto out;
  if (out != NULL && tl_write_file(out, buf, len, 0600) != 0) {
    tl_fail("cannot write %s", out);
    goto out;
  }
  json_t *j = tl_payload_to_json(&f.p);
  text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  printf("valid %s (%s), %zu bytes encoded\n%s\n", rp__payload_kind_name(f.p.kind),
         rp__payload_kind_label(f.p.kind), len, text != NULL ? text : "");
  free(text);
  json_decref(j);
  status = TL_OK;
out:
  free(buf);
  tl_payload_file_free(&f);
  return status;
}
