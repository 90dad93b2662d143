/* SPDX-License-Identifier: MIT */
/*
 * 'rejsepost check': validates a request file (JSON or msgpack) offline with the client
 * library's own parsers and checks (rp_msg_from_json / rp_msg_from_msgpack, then
 * rp_msg_encode), so a case system integrator tests its files against exactly what
 * 'send --file' will accept, without a relay.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "payload.h"
#include "rejsepost.h"

const char tl_usage_check[] =
    "Usage: rejsepost check FILE [--out FILE.msgpack]\n"
    "\n"
    "Validates a payload file as 'send' would, without sending: every rule of its kind\n"
    "and the CPR guard. FILE is JSON (an object whose keys are the payload's field\n"
    "names; \"kind\" defaults to \"request\") or an encoded msgpack payload. Prints the\n"
    "payload as JSON; --out writes the msgpack encoding.\n"
    "\n"
    "Example request (fictitious):\n"
    "  {\"sender_org\": \"101\", \"sender_role\": \"myndighedsraadgiver\",\n"
    "   \"sender_ref\": \"cw-17\", \"request_type\": \"konkret_sag\", \"urgency\": "
    "\"haster\",\n"
    "   \"categories\": [\"negativ_social_kontrol\"],\n"
    "   \"risk\": {\"level\": \"middel\", \"acute\": false, \"tool\": \"ingen\"},\n"
    "   \"citizen\": {\"age_band\": \"15_17\", \"under_18\": true},\n"
    "   \"risk_assessed_before_family\": \"ja\",\n"
    "   \"identifiability\": {\"mode\": \"anonym\", \"consent\": \"ingen\"},\n"
    "   \"measures_taken\": [], \"question\": \"...\"}\n";

/* A JSON file's syntax is checked here to say where it breaks; a file without "kind"
 * is a request. The fields themselves are the library's to read. */
static int from_json(const char *path, const uint8_t *raw, size_t len, rp_msg **m) {
  json_error_t jerr;
  json_t *root;
  const char *where = NULL;
  char *text = NULL;
  int rc;
  if ((root = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
    return tl_fail("%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column, jerr.text);
  if (json_object_get(root, "kind") == NULL)
    json_object_set_new(root, "kind", json_string("request"));
  if ((text = json_dumps(root, JSON_COMPACT)) == NULL)
    rc = RP_ENOMEM;
  else
    rc = rp_msg_from_json(text, strlen(text), m, &where);
  free(text);
  json_decref(root);
  if (rc == RP_ENOTFOUND && where != NULL)
    return tl_fail("%s: unknown field '%s'", path, where);
  if (rc == RP_EENUM && where != NULL && strcmp(where, "kind") == 0)
    return tl_fail("%s: \"kind\" must name a payload kind, e.g. \"request\"", path);
  if (rc != 0)
    return tl_fail("%s: field '%s': %s", path, where != NULL ? where : "?",
                   rp_strerror(rc));
  return TL_OK;
}

static int read_msg(const char *path, rp_msg **m) {
  uint8_t *raw = NULL;
  const char *where = NULL;
  size_t len = 0, i = 0;
  int rc, status;
  if ((rc = rp__file_read(path, RP_PAYLOAD_MAX, &raw, &len)) != 0)
    return tl_fail("cannot read %s: %s", path,
                   rc == RP_ENOTFOUND ? "no such file" : rp_strerror(rc));
  while (i < len && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\t' || raw[i] == '\r'))
    i++;
  if (i < len && raw[i] == '{') {
    status = from_json(path, raw, len, m);
  } else if ((rc = rp_msg_from_msgpack(raw, len, m, &where)) != 0) {
    /* Not JSON: an encoded payload, checked by the strict decoder. */
    status =
        tl_fail("%s is neither a JSON object nor a valid msgpack payload (%s%s%s)", path,
                rp_strerror(rc), where != NULL ? " at " : "", where != NULL ? where : "");
  } else {
    status = TL_OK;
  }
  free(raw);
  return status;
}

/* Runs every check a send runs on the content; prints what is wrong and where. */
static int check_msg(rp_msg *m, uint8_t **buf, size_t *len) {
  const char *field;
  int rc;
  if ((rc = rp_msg_encode(m, buf, len)) == 0) return TL_OK;
  field = rp_msg_error_field(m) != NULL ? rp_msg_error_field(m) : "?";
  if (rc == RP_ECPR)
    return tl_fail("refused: the field '%s' holds a CPR number (at byte %zu). Remove it: "
                   "requests are anonymous or pseudonymous, never identified by CPR",
                   field, rp_msg_error_offset(m));
  return tl_fail("the %s is not valid: field '%s': %s", rp_msg_kind(m), field,
                 rp_strerror(rc));
}

/* The kind's Danish label ("henvendelse"), from the protocol's table. */
static const char *label(const rp_msg *m) {
  rp__payload_kind k;
  return rp__payload_kind_from_name(rp_msg_kind(m), &k) == 0 ? rp__payload_kind_label(k)
                                                             : "?";
}

/* The message as the library writes it, indented for a person (malloc'd, or NULL). */
static char *indented(const rp_msg *m) {
  char *line = NULL, *text = NULL;
  json_t *o;
  if (rp_msg_to_json(m, &line) != 0) return NULL;
  if ((o = json_loads(line, 0, NULL)) != NULL) text = json_dumps(o, JSON_INDENT(2));
  json_decref(o);
  rp_free(line);
  return text;
}

int tl_cmd_check(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  rp_msg *m = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  char *text = NULL;
  int c, status = TL_FAIL;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c != 'o')
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    out = optarg;
  }
  if (optind + 1 != argc) return tl_usage(argv[0], "give exactly one payload file");
  if (read_msg(argv[optind], &m) != TL_OK || check_msg(m, &buf, &len) != TL_OK) goto out;
  if (out != NULL && rp__file_write(out, buf, len, 0600, 1) != 0) {
    tl_fail("cannot write %s", out);
    goto out;
  }
  text = indented(m);
  printf("valid %s (%s), %zu bytes encoded\n%s\n", rp_msg_kind(m), label(m), len,
         text != NULL ? text : "");
  status = TL_OK;
out:
  free(text);
  rp_free(buf);
  rp_msg_free(m);
  return status;
}
