/* SPDX-License-Identifier: MIT */
/*
 * A small, strict JSON reader for test vector files: objects, arrays and strings only.
 * Numbers, true, false and null are refused, as are duplicate keys, trailing commas,
 * trailing bytes, control characters and bytes outside ASCII in strings, and \u escapes
 * above 0x7f. That is all the Noise vector file needs, and refusing the rest means a
 * damaged vector file fails loudly instead of being half read.
 *
 * Not a *_test.c file, so the test build does not pick it up on its own: a test either
 * #includes json_mini.c or the file is added to the test utility library.
 */
#ifndef RP_JSON_MINI_H
#define RP_JSON_MINI_H

#include <stddef.h>

typedef enum { JM_STRING = 1, JM_ARRAY, JM_OBJECT } jm_kind;

typedef struct jm_node {
  jm_kind kind;
  char *str;              /* JM_STRING: the decoded text, NUL-terminated */
  size_t len;             /* JM_STRING: its length */
  struct jm_node **items; /* JM_ARRAY: the elements; JM_OBJECT: the values */
  char **keys;            /* JM_OBJECT: the keys, parallel to items */
  size_t n;               /* JM_ARRAY, JM_OBJECT: number of items */
} jm_node;

/*
 * Parse exactly one JSON value filling text[0..len). Returns a tree the caller frees
 * with jm_free, or NULL on any error, after writing a one-line reason to stderr.
 */
jm_node *jm_parse(const char *text, size_t len);

/* Free a tree from jm_parse. Accepts NULL. */
void jm_free(jm_node *node);

/* The value under `key` of an object, or NULL (absent, or `obj` is not an object). */
const jm_node *jm_get(const jm_node *obj, const char *key);

/* The text of a string node, or NULL if `node` is NULL or not a string. */
const char *jm_str(const jm_node *node);

#endif
