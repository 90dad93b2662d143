/* SPDX-License-Identifier: MIT */
/* The strict JSON reader of json_mini.h: recursive descent with a depth limit. */
#include "json_mini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JM_DEPTH_MAX 32

typedef struct {
  const char *start;
  const char *p;
  const char *end;
  int depth;
} jm_parser;

static jm_node *jm_value(jm_parser *ps);

static void jm_fail(const jm_parser *ps, const char *why) {
  fprintf(stderr, "json_mini: %s at byte offset %ld\n", why, (long)(ps->p - ps->start));
}

/* RFC 8259 whitespace: space, tab, line feed, carriage return. Nothing else. */
static void jm_ws(jm_parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int jm_hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

/* A string at ps->p (which is at the opening quote); the decoded text is never longer. */
static char *jm_string(jm_parser *ps, size_t *len) {
  const char *s = ps->p + 1;
  size_t cap = 0, n = 0;
  char *out;

  /* The closing quote bounds the decoded length, so find it first. */
  for (const char *q = s; q < ps->end && *q != '"'; q++, cap++) {
    if (*q != '\\') continue;
    if (ps->end - q < 2) break;
    q++;
  }
  if ((out = malloc(cap + 1)) == NULL) return NULL;
  while (s < ps->end && *s != '"') {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c >= 0x80) goto bad;
    if (c != '\\') {
      out[n++] = (char)c;
      s++;
      continue;
    }
    if (s + 1 >= ps->end) goto bad;
    switch (s[1]) {
    case '"':
      out[n++] = '"';
      break;
    case '\\':
      out[n++] = '\\';
      break;
    case '/':
      out[n++] = '/';
      break;
    case 'b':
      out[n++] = '\b';
      break;
    case 'f':
      out[n++] = '\f';
      break;
    case 'n':
      out[n++] = '\n';
      break;
    case 'r':
      out[n++] = '\r';
      break;
    case 't':
      out[n++] = '\t';
      break;
    case 'u': {
      unsigned v;
      if (ps->end - s < 6 || jm_hex4(s + 2, &v) != 0 || v == 0 || v >= 0x80) goto bad;
      out[n++] = (char)v;
      s += 4;
      break;
    }
    default:
      goto bad;
    }
    s += 2;
  }
  if (s >= ps->end) goto bad;
  out[n] = '\0';
  *len = n;
  ps->p = s + 1;
  return out;
bad:
  ps->p = s;
  jm_fail(ps, "bad string");
  free(out);
  return NULL;
}

static jm_node *jm_new(jm_kind kind) {
  jm_node *node = calloc(1, sizeof *node);
  if (node != NULL) node->kind = kind;
  return node;
}

/* Append one item (and key, for objects) to a container, growing its arrays. */
static int jm_push(jm_node *node, char *key, jm_node *item) {
  jm_node **items = realloc(node->items, (node->n + 1) * sizeof *items);
  if (items == NULL) return -1;
  node->items = items;
  if (node->kind == JM_OBJECT) {
    char **keys = realloc(node->keys, (node->n + 1) * sizeof *keys);
    if (keys == NULL) return -1;
    node->keys = keys;
    node->keys[node->n] = key;
  }
  node->items[node->n++] = item;
  return 0;
}

/* An array or object; ps->p is at '[' or '{'. */
static jm_node *jm_container(jm_parser *ps, jm_kind kind) {
  const char close = kind == JM_ARRAY ? ']' : '}';
  jm_node *node = jm_new(kind);
  char *key = NULL;
  jm_node *item = NULL;

  if (node == NULL) return NULL;
  if (++ps->depth > JM_DEPTH_MAX) {
    jm_fail(ps, "nesting too deep");
    goto bad;
  }
  ps->p++;
  jm_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return node;
  }
  for (;;) {
    size_t klen;
    jm_ws(ps);
    if (kind == JM_OBJECT) {
      if (ps->p >= ps->end || *ps->p != '"') {
        jm_fail(ps, "expected a key");
        goto bad;
      }
      if ((key = jm_string(ps, &klen)) == NULL) goto bad;
      if (strlen(key) != klen || jm_get(node, key) != NULL) {
        jm_fail(ps, "duplicate or unusable key");
        goto bad;
      }
      jm_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        jm_fail(ps, "expected ':'");
        goto bad;
      }
      ps->p++;
    }
    if ((item = jm_value(ps)) == NULL) goto bad;
    if (jm_push(node, key, item) != 0) goto bad;
    key = NULL;
    item = NULL;
    jm_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      ps->depth--;
      return node;
    }
    jm_fail(ps, "expected ',' or the end of the container");
    goto bad;
  }
bad:
  free(key);
  jm_free(item);
  jm_free(node);
  return NULL;
}

static jm_node *jm_value(jm_parser *ps) {
  jm_node *node;

  jm_ws(ps);
  if (ps->p >= ps->end) {
    jm_fail(ps, "unexpected end");
    return NULL;
  }
  switch (*ps->p) {
  case '{':
    return jm_container(ps, JM_OBJECT);
  case '[':
    return jm_container(ps, JM_ARRAY);
  case '"':
    if ((node = jm_new(JM_STRING)) == NULL) return NULL;
    if ((node->str = jm_string(ps, &node->len)) == NULL) {
      free(node);
      return NULL;
    }
    return node;
  default:
    jm_fail(ps, "unsupported value (only objects, arrays and strings)");
    return NULL;
  }
}

jm_node *jm_parse(const char *text, size_t len) {
  jm_parser ps = {text, text, text + len, 0};
  jm_node *root;

  if (text == NULL) return NULL;
  if ((root = jm_value(&ps)) == NULL) return NULL;
  jm_ws(&ps);
  if (ps.p != ps.end) {
    jm_fail(&ps, "trailing bytes");
    jm_free(root);
    return NULL;
  }
  return root;
}

void jm_free(jm_node *node) {
  if (node == NULL) return;
  for (size_t i = 0; i < node->n; i++) {
    jm_free(node->items[i]);
    if (node->keys != NULL) free(node->keys[i]);
  }
  free(node->items);
  free(node->keys);
  free(node->str);
  free(node);
}

const jm_node *jm_get(const jm_node *obj, const char *key) {
  if (obj == NULL || obj->kind != JM_OBJECT || key == NULL) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

const char *jm_str(const jm_node *node) {
  return node != NULL && node->kind == JM_STRING ? node->str : NULL;
}
