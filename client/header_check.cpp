// SPDX-License-Identifier: MIT
// The public header on its own in C++: extern "C" and no C-only constructs.
#include "rejsepost.h"

#include <cstdio>
#include <string>

int main() {
  rp_msg *m = nullptr;
  int rc = rp_msg_new("request", &m);
  if (rc != 0) return 1;
  rc = rp_msg_set_enum(m, "urgency", "akut");
  std::string kind = rp_msg_kind(m);
  rp_msg_free(m);
  std::printf("%s %s %s\n", rp_version_string(), kind.c_str(), rp_strerror(rc));
  return rc == 0 && kind == "request" ? 0 : 1;
}
