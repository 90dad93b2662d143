/* SPDX-License-Identifier: MIT */
/*
 * The program of docs/INTEGRATION.md ("the first hour"): a request from a municipality,
 * the team's reply, and the reply read by the municipality, through a real relay.
 *
 *   first_hour send      as the municipality: send a request, wait until it is relayed
 *   first_hour answer    as the team: take the oldest unhandled message and reply to it
 *   first_hour receive   as the municipality: print the reply and the request's statuses
 *
 * The member's settings come from the environment, as bindings/testnet/testnet.sh
 * writes them to DIR/kbh.env and DIR/team.env: STATE_DIR IDENTITY_FILE RELAY_HOST
 * RELAY_PORT RELAY_KEY ADMIN_KEY ROSTER_FILE. Exit status 0 done, 1 failed, 2 usage.
 * Build: cc first_hour.c $(pkg-config --cflags --libs rejsepost)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rejsepost.h>

static const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') {
    fprintf(stderr, "first_hour: %s is not set (source a testnet .env file)\n", name);
    exit(2);
  }
  return v;
}

/* A client from the environment's settings, or NULL with the reason printed. */
static rp_client *open_client(void) {
  rp_config *cfg = NULL;
  rp_client *c = NULL;
  int rc;

  if ((rc = rp_config_new(&cfg)) == 0 &&
      (rc = rp_config_set_state_dir(cfg, env("STATE_DIR"))) == 0 &&
      (rc = rp_config_set_identity_file(cfg, env("IDENTITY_FILE"))) == 0 &&
      (rc = rp_config_set_relay(cfg, env("RELAY_HOST"),
                                (unsigned)strtoul(env("RELAY_PORT"), NULL, 10))) == 0 &&
      (rc = rp_config_set_relay_key(cfg, env("RELAY_KEY"))) == 0 &&
      (rc = rp_config_set_admin_key(cfg, env("ADMIN_KEY"))) == 0 &&
      (rc = rp_config_set_roster_file(cfg, env("ROSTER_FILE"))) == 0)
    rc = rp_client_new(cfg, &c);
  if (rc != 0)
    fprintf(stderr, "first_hour: %s (%s): %s\n", rp_err_name(rc), rp_strerror(rc),
            cfg != NULL ? rp_config_error(cfg) : "");
  rp_config_free(cfg);
  return c;
}

/* The oldest unhandled message, waiting up to 20 s for the relay to deliver one. */
static rp_received *wait_for_message(rp_client *c) {
  rp_received *r = NULL;
  struct timespec tick = {0, 100 * 1000 * 1000};
  for (int i = 0; i < 200; i++) {
    if (rp_inbox_next(c, &r) == 0) return r;
    nanosleep(&tick, NULL);
  }
  fprintf(stderr, "first_hour: nothing arrived (last connection error: %s)\n",
          rp_err_name(rp_client_last_error(c)));
  return NULL;
}

static int send_request(rp_client *c) {
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN];
  int rc;

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
    /* One line for a person: the field at fault and what to do. */
    fprintf(stderr, "first_hour: %s: %s\n", rp_err_name(rc),
            m != NULL && rp_msg_error_text(m) != NULL ? rp_msg_error_text(m)
                                                      : rp_strerror(rc));
  } else {
    printf("queued %s\n", id);
    if ((rc = rp_client_flush(c, 20000)) == 0) printf("relayed %s\n", id);
  }
  rp_msg_free(m);
  return rc;
}

static int answer(rp_client *c) {
  rp_received *r = wait_for_message(c);
  rp_msg *m = NULL;
  const char *question = NULL;
  char id[RP_ID_STRLEN];
  int rc;

  if (r == NULL) return RP_ETIMEDOUT;
  (void)rp_received_get_text(r, "question", &question);
  printf("received %s %s from %s: %s\n", rp_received_kind(r), rp_received_msg_id(r),
         rp_received_sender(r), question != NULL ? question : "-");
  /* The reply joins the request's thread and goes to its sender by itself. */
  if ((rc = rp_msg_new("reply", &m)) == 0 &&
      (rc = rp_msg_set_hex(m, "in_reply_to", rp_received_msg_id(r))) == 0 &&
      (rc = rp_msg_set_enum(m, "advisor.role", "raadgiver")) == 0 &&
      (rc = rp_msg_set_text(m, "advisor.id", "Sara R.")) == 0 &&
      (rc = rp_msg_set_text(m, "advice",
                            "Meet at a neutral place, never with the family.")) == 0 &&
      (rc = rp_msg_set_bool(m, "reporting_duty", 0)) == 0 &&
      (rc = rp_send(c, m, id)) == 0 && (rc = rp_client_flush(c, 20000)) == 0)
    rc = rp_inbox_mark_handled(c, rp_received_msg_id(r));
  if (rc != 0)
    fprintf(stderr, "first_hour: %s: %s\n", rp_err_name(rc),
            m != NULL && rp_msg_error_text(m) != NULL ? rp_msg_error_text(m)
                                                      : rp_strerror(rc));
  else
    printf("replied %s\n", id);
  rp_msg_free(m);
  rp_received_free(r);
  return rc;
}

static int print_status(void *data, const char *msg_id, const char *kind,
                        const char *thread_id, const char *recipient, int status,
                        uint64_t queued_at) {
  (void)data;
  (void)thread_id;
  (void)queued_at;
  printf("sent %s %s to %s: %s\n", kind, msg_id, recipient, rp_status_name(status));
  return 0;
}

static int receive(rp_client *c) {
  rp_received *r = wait_for_message(c);
  char *json = NULL;
  int rc;

  if (r == NULL) return RP_ETIMEDOUT;
  if ((rc = rp_received_to_json(r, &json)) == 0) printf("%s\n", json);
  rp_free(json);
  if (rc == 0) rc = rp_inbox_mark_handled(c, rp_received_msg_id(r));
  rp_received_free(r);
  if (rc == 0) rc = rp_outbox_foreach(c, print_status, NULL);
  return rc;
}

int main(int argc, char **argv) {
  rp_client *c;
  int rc;

  if (argc != 2 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "answer") != 0 &&
                    strcmp(argv[1], "receive") != 0)) {
    fprintf(stderr, "usage: %s send|answer|receive\n", argv[0]);
    return 2;
  }
  if ((c = open_client()) == NULL) return 1;
  if (strcmp(argv[1], "send") == 0)
    rc = send_request(c);
  else if (strcmp(argv[1], "answer") == 0)
    rc = answer(c);
  else
    rc = receive(c);
  rp_client_free(c);
  return rc == 0 ? 0 : 1;
}
