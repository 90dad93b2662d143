/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-loadgen: the command line, and the small helpers every driver shares
 * (output buffers, big-endian integers, the loopback address).
 *
 *   rejsepost-loadgen mqtt  [options]    MQTT 3.1.1 QoS 1 against a broker
 *   rejsepost-loadgen relay [options]    the rejsepost relay (needs --dir from setup)
 *   rejsepost-loadgen setup --dir D ...  keys, roster and relay config for the relay run
 *   rejsepost-loadgen fsync --dir D      how long fdatasync takes there
 *   rejsepost-loadgen flood --port P     idle sockets, reopened as they close
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "lg_setup.h"
#include "loadgen.h"

/* ---- helpers for drivers -------------------------------------------------------- */

void lg_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

void lg_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (uint8_t)v;
}

uint16_t lg_get16(const uint8_t *p) {
  return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint64_t lg_get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

void lg_stamp_put(uint8_t out[LG_STAMP_BYTES], uint64_t id, uint64_t sched_ns) {
  lg_be64(out, id);
  lg_be64(out + 8, sched_ns);
}

int lg_addr(const lg_opts *o, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  /* The benchmark opens thousands of connections as fast as it can: it must never aim
   * them at anything but this machine. */
  if (strcmp(o->host, "127.0.0.1") == 0)
    return uv_ip4_addr(o->host, o->port, (struct sockaddr_in *)ss) == 0 ? 0 : -1;
  if (strcmp(o->host, "::1") == 0)
    return uv_ip6_addr(o->host, o->port, (struct sockaddr_in6 *)ss) == 0 ? 0 : -1;
  fprintf(stderr, "loadgen: --host must be 127.0.0.1 or ::1 (loopback only)\n");
  return -1;
}

uint8_t *lg_out_reserve(lg_out *o, size_t n) {
  if (n > LG_OUT_MAX - o->len) return NULL;
  if (o->len + n > o->cap) {
    size_t cap = o->cap ? o->cap : 4096u;
    while (cap < o->len + n)
      cap *= 2;
    if (cap > LG_OUT_MAX) cap = LG_OUT_MAX;
    uint8_t *b = realloc(o->buf, cap);
    if (b == NULL) return NULL;
    o->buf = b;
    o->cap = cap;
  }
  uint8_t *p = o->buf + o->len;
  o->len += n;
  return p;
}

typedef struct out_req {
  uv_write_t req;
  uint8_t *buf;
} out_req;

static void on_out_written(uv_write_t *req, int status) {
  out_req *w = (out_req *)req;
  (void)status; /* the driver learns about a broken connection from its read side */
  free(w->buf);
  free(w);
}

int lg_out_flush(lg_out *o, uv_stream_t *s) {
  if (o->len == 0) return 0;
  if (s->write_queue_size > LG_OUT_MAX) return UV_ENOBUFS;
  out_req *w = malloc(sizeof *w);
  if (w == NULL) return UV_ENOMEM;
  /* The buffer goes with the request; the next reserve starts a fresh one. */
  w->buf = o->buf;
  uv_buf_t b = uv_buf_init((char *)o->buf, (unsigned)o->len);
  o->buf = NULL;
  o->len = o->cap = 0;
  int r = uv_write(&w->req, s, &b, 1, on_out_written);
  if (r != 0) {
    free(w->buf);
    free(w);
  }
  return r;
}

void lg_out_free(lg_out *o) {
  free(o->buf);
  memset(o, 0, sizeof *o);
}

static void on_tcp_closed(uv_handle_t *h) {
  (void)h;
}

static void on_tcp_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  if (!uv_is_closing((uv_handle_t *)req->handle))
    uv_close((uv_handle_t *)req->handle, on_tcp_closed);
}

void lg_close_tcp(uv_tcp_t *tcp, uv_shutdown_t *sreq, lg_out *out, bool graceful) {
  if (uv_is_closing((uv_handle_t *)tcp)) return;
  if (graceful) {
    (void)lg_out_flush(out, (uv_stream_t *)tcp);
    if (uv_shutdown(sreq, (uv_stream_t *)tcp, on_tcp_shutdown) == 0) return;
  }
  uv_close((uv_handle_t *)tcp, on_tcp_closed);
}

/* ---- command line -------------------------------------------------------------- */

static void usage(void) {
  fprintf(stderr,
          "usage: rejsepost-loadgen mqtt|relay [options]\n"
          "       rejsepost-loadgen setup --dir DIR --port PORT\n"
          "       rejsepost-loadgen fsync --dir DIR [--count N]\n"
          "       rejsepost-loadgen flood --port P [--sockets N] [--from ADDR]\n"
          "                               [--addresses K] [--seconds S]\n"
          "  --host ADDR     127.0.0.1 (default) or ::1\n"
          "  --port N        the target's port\n"
          "  --senders N     concurrent senders (default 4)\n"
          "  --window N      closed loop: messages in flight per sender (default 32)\n"
          "  --count N       messages (default 100000)\n"
          "  --rate R        open loop at R msg/s (default: closed loop, full speed)\n"
          "  --idle K        instead: open K idle authenticated connections\n"
          "  --timeout S     give up after S seconds (default 60)\n"
          "  --skip S        leave the first S seconds out of the latencies\n"
          "  --pid P         sample this process's CPU time and memory\n"
          "  --dir DIR       relay: the directory written by setup\n"
          "  --label NAME    the target's name in the output\n");
}

static int num(const char *s, double lo, double hi, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= lo && v <= hi)) {
    fprintf(stderr, "loadgen: '%s' is not a number in [%g, %g]\n", s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse(int argc, char **argv, lg_opts *o) {
  static const struct option opts[] = {{"host", required_argument, NULL, 'h'},
                                       {"port", required_argument, NULL, 'p'},
                                       {"senders", required_argument, NULL, 's'},
                                       {"window", required_argument, NULL, 'w'},
                                       {"count", required_argument, NULL, 'n'},
                                       {"rate", required_argument, NULL, 'r'},
                                       {"idle", required_argument, NULL, 'i'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"pid", required_argument, NULL, 'P'},
                                       {"dir", required_argument, NULL, 'd'},
                                       {"label", required_argument, NULL, 'l'},
                                       {"skip", required_argument, NULL, 'k'},
                                       {NULL, 0, NULL, 0}};
  double v;
  int c;
  *o = (lg_opts){
      .host = "127.0.0.1", .senders = 4, .window = 32, .count = 100000, .timeout_s = 60};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int r = 0;
    switch (c) {
    case 'h':
      o->host = optarg;
      break;
    case 'd':
      o->dir = optarg;
      break;
    case 'l':
      o->label = optarg;
      break;
    case 'p':
      r = num(optarg, 1, 65535, &v), o->port = (int)v;
      break;
    case 's':
      r = num(optarg, 1, LG_SENDERS_MAX, &v), o->senders = (unsigned)v;
      break;
    case 'w':
      r = num(optarg, 1, LG_WINDOW_MAX, &v), o->window = (unsigned)v;
      break;
    case 'n':
      r = num(optarg, 1, LG_COUNT_MAX, &v), o->count = (uint64_t)v;
      break;
    case 'r':
      r = num(optarg, 1, LG_RATE_MAX, &v), o->rate = v;
      break;
    case 'i':
      r = num(optarg, 1, LG_IDLE_MAX, &v), o->idle = (unsigned)v;
      break;
    case 't':
      r = num(optarg, 1, LG_TIMEOUT_MAX, &v), o->timeout_s = v;
      break;
    case 'P':
      r = num(optarg, 1, 4194304, &v), o->pid = (int)v;
      break;
    case 'k':
      r = num(optarg, 0, LG_TIMEOUT_MAX, &v), o->skip_s = v;
      break;
    default:
      usage();
      return -1;
    }
    if (r != 0) return -1;
  }
  if (optind != argc || o->port == 0) {
    usage();
    return -1;
  }
  return 0;
}

/* Each idle connection is a descriptor: lift the soft limit (and the hard one, where we
 * may) to what the test needs, and say so when the system will not allow it. */
static void raise_nofile(unsigned idle) {
  struct rlimit rl;
  rlim_t want = (rlim_t)idle + 256u;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
    struct rlimit up = {want, want};
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) return;
  }
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
    fprintf(stderr, "loadgen: descriptor limit %llu is below the %llu this test needs\n",
            (unsigned long long)rl.rlim_cur, (unsigned long long)want);
}

int main(int argc, char **argv) {
  lg_opts o;
  const lg_driver *d = NULL;
  if (argc < 2) {
    usage();
    return 2;
  }
  if (strcmp(argv[1], "setup") == 0) return lg_setup_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "fsync") == 0) return lg_fsync_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "flood") == 0) return lg_flood_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "mqtt") == 0) d = &lg_mqtt_driver;
  if (strcmp(argv[1], "relay") == 0) d = &lg_relay_driver;
  if (d == NULL) {
    usage();
    return 2;
  }
  if (parse(argc - 1, argv + 1, &o) != 0) return 2;
  if (o.label == NULL) o.label = d->name;
  if (o.idle > 0) raise_nofile(o.idle);
  return lg_run_main(d, &o);
}
