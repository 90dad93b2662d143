/* SPDX-License-Identifier: MIT */
/*
 * config.c owns struct rp_config, the configuration object behind the public rp_config
 * handle: the host fills it through the typed setters, rp_client_new deep-copies it
 * into the client (rp__config_copy), and the copy is the client's until rp_client_free.
 */
#ifndef RP_CLIENT_CONFIG_INT_H
#define RP_CLIENT_CONFIG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "client_caps.h"
#include "identity.h"
#include "rejsepost.h"

struct rp_config {
  char *state_dir, *identity_file, *roster_file, *pass_file, *pass_env;
  /* The relay's addresses in the order they are tried (conn.c): [0] from
   * rp_config_set_relay, the rest appended by rp_config_add_relay. */
  char *hosts[RP__CL_RELAY_ADDRS_MAX];
  unsigned ports[RP__CL_RELAY_ADDRS_MAX];
  unsigned nrelays;
  uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES];
  uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES];
  bool has_relay_pk, has_admin_pk;
  rp_passphrase_fn pass_fn;
  void *pass_data;
  unsigned backoff_min, backoff_max;
  uint64_t expiry_ms;
  uint64_t retention_ms; /* rp_config_set_retention */
  rp_receive_fn on_recv;
  void *recv_data;
  rp_status_fn on_status;
  void *status_data;
  rp_content_hook_fn hook;
  void *hook_data;
  rp_attachment_hook_fn att_hook;
  void *att_hook_data;
  rp_log_fn log;
  void *log_data;
  int receive;
  uint64_t att_max, msg_att_max; /* attachment caps, bytes */
  rp_progress_fn progress;
  void *progress_data;
  char err[320];
};

/* A deep copy of src into dst, whose strings dst owns; on RP_ENOMEM what was copied
 * is still dst's to clear. */
int rp__config_copy(struct rp_config *dst, const rp_config *src);
/* Frees the strings a copy owns and wipes it (not c itself: it may be embedded). */
void rp__config_clear(struct rp_config *c);

#endif /* RP_CLIENT_CONFIG_INT_H */
