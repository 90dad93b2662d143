/* SPDX-License-Identifier: MIT */
/*
 * The smallest program that embeds librejsepost and sends one advisory request.
 *
 *   send_one STATE_DIR HOST PORT RELAY_KEY IDENTITY_FILE ADMIN_KEY ROSTER_FILE
 *
 * RELAY_KEY and ADMIN_KEY are 64 hex characters or public key files. An encrypted
 * identity file takes its passphrase from the environment variable REJSEPOST_PASSPHRASE.
 * Build: cc send_one.c $(pkg-config --cflags --libs rejsepost)
 */
#include <stdio.h>
#include <stdlib.h>

#include <rejsepost.h>

#define CHECK(call)                                                                        \
  do {                                                                                     \
    int rc_ = (call);                                                                      \
    if (rc_ != 0) {                                                                        \
      fprintf(stderr, "%s: %s %s\n", #call, rp_strerror(rc_), rp_config_error(cfg));       \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

int main(int argc, char **argv) {
  rp_config *cfg = NULL;
  rp_client *c = NULL;
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN];
  int rc;

  if (argc != 8) {
    fprintf(stderr,
            "usage: %s STATE_DIR HOST PORT RELAY_KEY IDENTITY_FILE ADMIN_KEY "
            "ROSTER_FILE\n",
            argv[0]);
    return 2;
  }
  CHECK(rp_config_new(&cfg));
  CHECK(rp_config_set_state_dir(cfg, argv[1]));
  CHECK(rp_config_set_relay(cfg, argv[2], (unsigned)strtoul(argv[3], NULL, 10)));
  CHECK(rp_config_set_relay_key(cfg, argv[4]));
  CHECK(rp_config_set_identity_file(cfg, argv[5]));
  CHECK(rp_config_set_passphrase_env(cfg, "REJSEPOST_PASSPHRASE"));
  CHECK(rp_config_set_admin_key(cfg, argv[6]));
  CHECK(rp_config_set_roster_file(cfg, argv[7]));
  CHECK(rp_client_new(cfg, &c));
  rp_config_free(cfg);
  cfg = NULL;

  /* An anonymous sparring request; the team member of the roster is the recipient and
   * the library fills in sender_org, our municipality code, from the signed roster. */
  if ((rc = rp_msg_new("request", &m)) == 0 &&
      (rc = rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver")) == 0 &&
      (rc = rp_msg_set_text(m, "sender_ref", "cw-17")) == 0 &&
      (rc = rp_msg_set_enum(m, "request_type", "anonym_sparring")) == 0 &&
      (rc = rp_msg_set_enum(m, "urgency", "haster")) == 0 &&
      (rc = rp_msg_add_to_set(m, "categories", "negativ_social_kontrol")) == 0 &&
      (rc = rp_msg_set_enum(m, "risk.level", "middel")) == 0 &&
      (rc = rp_msg_set_enum(m, "risk.tool", "ingen")) == 0 &&
      (rc = rp_msg_set_enum(m, "citizen.age_band", "18_22")) == 0 &&
      (rc = rp_msg_set_enum(m, "identifiability.mode", "anonym")) == 0 &&
      (rc = rp_msg_set_enum(m, "identifiability.consent", "ingen")) == 0 &&
      (rc = rp_msg_set_text(m, "question", "How do we plan a safe first meeting?")) == 0)
    rc = rp_send(c, m, id);
  if (rc != 0) {
    fprintf(stderr, "send: %s (field %s)\n", rp_strerror(rc),
            rp_msg_error_field(m) ? rp_msg_error_field(m) : "-");
  } else {
    printf("queued %s\n", id);
    /* Wait a little for the relay; what is not sent now goes on the next run. */
    if (rp_client_flush(c, 10000) == 0) printf("relayed %s\n", id);
  }
  rp_msg_free(m);
  rp_client_free(c);
  return rc == 0 ? 0 : 1;
}
