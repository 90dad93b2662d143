/* SPDX-License-Identifier: MIT */
/*
 * The demo's world, built with the same helpers as 'keys new', 'roster add' and
 * 'relay init': an administrator, a relay, the team and three fictitious municipalities
 * (real municipality codes, invented case data), and a signed roster.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"
#include "relay_setup.h"
#include "rejsepost_errors.h"

/* A free TCP port on 127.0.0.1: bound to port 0 and read back, then released. */
static uint16_t free_port(void) {
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  uint16_t port = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
      getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
    port = ntohs(sa.sin_port);
  close(fd);
  return port;
}

static void member_init(dm_demo *d, dm_member *m, const char *id, const char *name,
                        const char *code, unsigned networks) {
  m->id = id;
  m->name = name;
  m->code = code;
  m->networks = networks;
  snprintf(m->key, sizeof m->key, "%s/%s.key", d->dir, id);
  snprintf(m->state, sizeof m->state, "%s/%s-state", d->dir, id);
}

/* Creates the member's key files and enrols it. */
static int enrol(dm_demo *d, rp__roster *r, const dm_member *m, int kind) {
  rp__identity *ident = NULL;
  int rc = tl_key_create(m->key, m->id, NULL, NULL, &ident);
  if (rc == 0)
    rc = tl_roster_add_member(r, &ident->pub, kind, m->name, m->code, m->networks);
  rp__identity_free(ident);
  if (rc != 0) return dm_fail(d, m->id, "enrol: %s", rp_strerror(rc));
  dm_event(d, "admin", NULL, "enrolled %s (%s%s%s, %s network)", m->id, m->name,
           m->code != NULL ? ", " : "", m->code != NULL ? m->code : "",
           tl_networks_name(m->networks));
  return 0;
}

int dm_world_create(dm_demo *d) {
  char path[PATH_MAX + 32];
  rp__identity *admin = NULL, *relay = NULL;
  rp__roster *r = NULL;
  int rc, ret = -1;

  member_init(d, &d->team, "rejseholdet", "Rejseholdet (SIRI)", NULL, 0);
  member_init(d, &d->munis[0], "kbh-101", "Københavns Kommune", "101", RP_NETWORK_EAST);
  member_init(d, &d->munis[1], "roskilde-265", "Roskilde Kommune", "265", RP_NETWORK_EAST);
  member_init(d, &d->munis[2], "aarhus-751", "Aarhus Kommune", "751", RP_NETWORK_WEST);
  if ((d->port = free_port()) == 0) return dm_fail(d, "demo", "no free port on 127.0.0.1");
  snprintf(d->listen, sizeof d->listen, "127.0.0.1:%u", (unsigned)d->port);
  snprintf(d->relay_dir, sizeof d->relay_dir, "%s/relay", d->dir);

  snprintf(path, sizeof path, "%s/admin.key", d->dir);
  if ((rc = tl_key_create(path, "admin", NULL, NULL, &admin)) != 0) {
    dm_fail(d, "admin", "keys: %s", rp_strerror(rc));
    goto out;
  }
  memcpy(d->admin_pk, admin->pub.identity_pk, sizeof d->admin_pk);
  dm_event(d, "admin", NULL, "created the administrator key");
  if ((rc = tl_relay_create(d->relay_dir, "relay", d->listen, d->admin_pk, "info",
                            &relay)) != 0) {
    dm_fail(d, "relay", "relay init: %s", rp_strerror(rc));
    goto out;
  }
  memcpy(d->relay_pk, relay->pub.transport_pk, sizeof d->relay_pk);
  dm_event(d, "relay", NULL, "created the relay key and config (%s)", d->listen);
  if ((rc = rp__roster_create(1, rp__clock_wall_ms(), &r)) != 0 ||
      (rc = tl_roster_add_member(r, &admin->pub, RP_MEMBER_ADMIN, "Administrator", NULL,
                                 0)) != 0 ||
      (rc = tl_roster_add_member(r, &relay->pub, RP_MEMBER_RELAY, "Relay", NULL, 0)) != 0) {
    dm_fail(d, "admin", "roster: %s", rp_strerror(rc));
    goto out;
  }
  if (enrol(d, r, &d->team, RP_MEMBER_TEAM) != 0) goto out;
  for (int i = 0; i < DM_MUNIS; i++)
    if (enrol(d, r, &d->munis[i], RP_MEMBER_MUNICIPALITY) != 0) goto out;
  snprintf(path, sizeof path, "%s/roster.msgpack", d->relay_dir);
  if ((rc = tl_roster_save(path, r, admin)) != 0) {
    dm_fail(d, "admin", "roster sign: %s", rp_strerror(rc));
    goto out;
  }
  dm_event(d, "admin", NULL, "signed roster version %llu, %u members",
           (unsigned long long)rp__roster_version(r), (unsigned)rp__roster_count(r));
  ret = 0;
out:
  rp__roster_free(r);
  rp__identity_free(relay);
  rp__identity_free(admin);
  return ret;
}
