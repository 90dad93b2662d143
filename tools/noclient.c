/* SPDX-License-Identifier: MIT */
/* Built when the client library is not part of the build: the commands that need it say
 * so instead of pretending. */
#include "cli.h"
#include "demo.h"

static int no_client(char **argv) {
  return tl_fail("'%s' needs the client library (client/), which this build does not "
                 "include",
                 argv[0]);
}

int tl_cmd_setup(int argc, char **argv) { (void)argc; return no_client(argv); }
int tl_cmd_send(int argc, char **argv) { (void)argc; return no_client(argv); }
int tl_cmd_status(int argc, char **argv) { (void)argc; return no_client(argv); }
int tl_cmd_inbox(int argc, char **argv) { (void)argc; return no_client(argv); }
int tl_cmd_read(int argc, char **argv) { (void)argc; return no_client(argv); }
int tl_cmd_mark(int argc, char **argv) { (void)argc; return no_client(argv); }
int dm_flow_run(dm_demo *d) {
  return dm_fail(d, "demo", "the message flow needs the client library (client/), which "
                            "this build does not include");
}
int dm_flow_check(void) {
  return tl_fail("'demo' needs the client library (client/), which this build does not "
                 "include");
}
