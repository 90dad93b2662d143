/* SPDX-License-Identifier: MIT */
/*
 * The administrator's account commands (docs/WEB.md "Accounts"):
 *   account add NAME | reset NAME | unlock NAME | delete NAME | list
 * add and reset print a one-time password; the advisor chooses their own password and
 * enrols an authenticator app at the first login with it.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rejsepost_errors.h"
#include "web_int.h"
#include "web_parse.h"

int rp__web_admin(rp__webd *w, int argc, char **argv);

/* 20 characters from 32 that cannot be mistaken for each other (100 bits), in groups. */
static void one_time_password(char out[32]) {
  static const char k_alpha[] = "abcdefghjkmnpqrstuvwxyz23456789";
  size_t j = 0;
  for (int i = 0; i < 20; i++) {
    if (i > 0 && i % 5 == 0) out[j++] = '-';
    out[j++] = k_alpha[randombytes_uniform((uint32_t)(sizeof k_alpha - 1))];
  }
  out[j] = 0;
}

static void list_one(void *data, const rp__web_acct *a) {
  int64_t now = *(const int64_t *)data;
  printf("%-32s %-22s %s\n", a->name,
         a->one_time   ? "awaits first login"
         : a->has_totp ? "enrolled"
                       : "no second factor",
         a->locked_until > now ? "locked" : "");
}

int rp__web_admin(rp__webd *w, int argc, char **argv) {
  const char *cmd = argc > 0 ? argv[0] : "";
  const char *name = argc > 1 ? argv[1] : NULL;
  char pw[32], hash[crypto_pwhash_STRBYTES];
  int64_t now = (int64_t)time(NULL);
  int r;
  if (strcmp(cmd, "list") == 0 && argc == 1) {
    printf("%-32s %-22s %s\n", "NAME", "STATE", "LOCK");
    return rp__web_acct_each(w->accts, list_one, &now) == 0 ? 0 : 1;
  }
  if (argc != 2 || !rp__web_name_ok(name)) {
    fprintf(stderr,
            "rejsepost-webd: account %s needs one NAME: the advisor's name in the "
            "inbox daemon's [advisors] ([A-Za-z0-9._-], at most 32)\n",
            cmd);
    return 2;
  }
  if (strcmp(cmd, "add") == 0 || strcmp(cmd, "reset") == 0) {
    one_time_password(pw);
    if (rp__web_pw_hash(pw, hash) != 0) return 1;
    r = cmd[0] == 'a' ? rp__web_acct_add(w->accts, name, hash, now)
                      : rp__web_acct_reset(w->accts, name, hash);
    if (r == RP_EEXIST || r == RP_ENOTFOUND) {
      fprintf(stderr, "rejsepost-webd: account %s %s\n", name,
              r == RP_EEXIST ? "exists (use reset)" : "does not exist (use add)");
      sodium_memzero(pw, sizeof pw);
      return 1;
    }
    if (r != 0) {
      fprintf(stderr, "rejsepost-webd: account %s: %s\n", name, rp_strerror(r));
      return 1;
    }
    printf("one-time password for %s: %s\n", name, pw);
    printf("Give it to %s in person. At the first login with it they choose their own "
           "password and set up their authenticator app.\n",
           name);
    sodium_memzero(pw, sizeof pw);
    return 0;
  }
  if (strcmp(cmd, "unlock") == 0 || strcmp(cmd, "delete") == 0) {
    r = cmd[0] == 'u' ? rp__web_acct_unlock(w->accts, name)
                      : rp__web_acct_delete(w->accts, name);
    if (r != 0) {
      fprintf(stderr, "rejsepost-webd: account %s: %s\n", name,
              r == RP_ENOTFOUND ? "no such account" : rp_strerror(r));
      return 1;
    }
    printf("%s %s\n", cmd[0] == 'u' ? "unlocked" : "deleted", name);
    return 0;
  }
  fprintf(stderr, "rejsepost-webd: unknown account command '%s'\n", cmd);
  return 2;
}
