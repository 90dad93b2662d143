/* SPDX-License-Identifier: MIT */
/*
 * The core of the load generator: the send schedule, the bookkeeping of acks and
 * deliveries, and the printed results (see loadgen.h).
 *
 * Open loop at a fixed rate: message i is due at t0 + i / rate, and its latencies are
 * measured from that scheduled time, not from the moment it was actually written. A
 * target that stalls therefore shows the stall in every message that should have gone
 * out meanwhile, instead of quietly slowing the generator down (coordinated omission).
 * The pacer is a timerfd watched by uv_poll rather than a uv_timer, because libuv
 * timers have millisecond resolution, and waiting up to a millisecond for the next
 * tick would add that much to every latency measured from the scheduled time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loadgen.h"

#define SETTLE_MS 1000u /* idle test: time for the target to finish its allocations */
#define LINGER_MS 2000u /* after stopping: how long queued bytes may take to drain */

struct lg_run {
  uv_loop_t loop;
  const lg_driver *d;
  void *ds;
  lg_opts o;
  uv_timer_t deadline, settle, linger;
  uv_check_t check;
  uv_poll_t pace;
  int tfd;
  bool ready, done, failed, stopped, pace_open;
  char err[512];
  uint64_t t_start, t0, t_last_ack, t_last_del, t_end;
  uint64_t next_id, acked, nacked, delivered, dup_acks, dup_dels;
  int last_nack;
  uint64_t *sched; /* per message: scheduled send time (ns); 0 = not sent */
  uint8_t *seen;   /* per message: SEEN_* bits */
  lg_hist ack, del;
  lg_proc p0, p1;
  bool have_proc;
};

#define SEEN_ACK 1u
#define SEEN_DEL 2u
#define SEEN_NACK 4u

/* ---- histogram ---------------------------------------------------------------- */

static size_t hist_index(uint64_t v) {
  if (v < 2 * LG_HIST_SUB) return (size_t)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - 6u; /* keeps the top 7 bits: 64..127 */
  size_t i = (size_t)LG_HIST_SUB * shift + (size_t)(v >> shift);
  return i < LG_HIST_BUCKETS ? i : LG_HIST_BUCKETS - 1;
}

static uint64_t hist_upper(size_t i) {
  if (i < 2 * LG_HIST_SUB) return i;
  unsigned shift = (unsigned)(i / LG_HIST_SUB) - 1u;
  uint64_t m = i - (uint64_t)LG_HIST_SUB * shift;
  return ((m + 1) << shift) - 1;
}

void lg_hist_record(lg_hist *h, uint64_t us) {
  h->c[hist_index(us)]++;
  if (h->n == 0 || us < h->min) h->min = us;
  h->n++;
  if (us > h->max) h->max = us;
}

uint64_t lg_hist_pct(const lg_hist *h, double p) {
  if (h->n == 0) return 0;
  /* The rank of the sample wanted, 1-based, rounded up as nearest-rank does. */
  uint64_t rank = (uint64_t)(p * (double)h->n);
  if ((double)rank < p * (double)h->n) rank++;
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < LG_HIST_BUCKETS; i++) {
    seen += h->c[i];
    if (seen >= rank) {
      uint64_t v = hist_upper(i);
      return v < h->max ? v : h->max;
    }
  }
  return h->max;
}

/* ---- /proc -------------------------------------------------------------------- */

static ssize_t read_small(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, cap - 1, f);
  int bad = ferror(f);
  fclose(f);
  if (bad) return -1;
  buf[n] = '\0';
  return (ssize_t)n;
}

static uint64_t status_kb(const char *status, const char *key) {
  const char *p = strstr(status, key);
  if (p == NULL) return 0;
  return strtoull(p + strlen(key), NULL, 10);
}

int lg_proc_sample(int pid, lg_proc *out) {
  char path[64], buf[8192];
  memset(out, 0, sizeof *out);
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (read_small(path, buf, sizeof buf) < 0) return -1;
  /* The command name is in parentheses and may hold spaces: count fields after the
   * last ')'. utime and stime are fields 14 and 15; the first after ')' is field 3. */
  char *p = strrchr(buf, ')');
  if (p == NULL) return -1;
  p++;
  for (int field = 3; field < 14; field++) {
    p = strchr(p + 1, ' ');
    if (p == NULL) return -1;
  }
  char *end;
  uint64_t ut = strtoull(p, &end, 10);
  uint64_t st = strtoull(end, NULL, 10);
  out->ticks = ut + st;
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (read_small(path, buf, sizeof buf) < 0) return -1;
  out->hwm_kb = status_kb(buf, "VmHWM:");
  out->rss_kb = status_kb(buf, "VmRSS:");
  return out->rss_kb > 0 ? 0 : -1;
}

int lg_proc_reset_hwm(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/clear_refs", pid);
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  int r = fputs("5", f) < 0 ? -1 : 0;
  if (fclose(f) != 0) r = -1;
  return r;
}

/* ---- the run ------------------------------------------------------------------ */

uv_loop_t *lg_loop(lg_run *run) {
  return &run->loop;
}
bool lg_failed(const lg_run *run) {
  return run->failed;
}

static void on_closed(uv_handle_t *h) {
  (void)h;
}

static void close_if(uv_handle_t *h) {
  if (h->loop != NULL && !uv_is_closing(h)) uv_close(h, on_closed);
}

/* The second call of the driver's stop closes whatever has not closed yet. */
static void on_linger(uv_timer_t *t) {
  lg_run *run = t->data;
  run->d->stop(run->ds);
}

/* Stops everything: our handles and the driver's. Safe to call more than once. */
static void stop_all(lg_run *run) {
  if (run->stopped) return;
  run->stopped = true;
  run->t_end = uv_hrtime();
  close_if((uv_handle_t *)&run->deadline);
  close_if((uv_handle_t *)&run->settle);
  close_if((uv_handle_t *)&run->check);
  if (run->pace_open) close_if((uv_handle_t *)&run->pace);
  if (run->ds != NULL) {
    run->d->stop(run->ds);
    /* The driver ends its connections gracefully, so that answers still queued (the
     * receiver's last acknowledgements) reach the target and do not come back as
     * redeliveries in the next run. The linger timer bounds that; unreferenced, it
     * does not keep the loop alive once everything has closed. */
    uv_timer_start(&run->linger, on_linger, LINGER_MS, 0);
    uv_unref((uv_handle_t *)&run->linger);
  }
}

void lg_fail(lg_run *run, const char *fmt, ...) {
  if (run->failed || run->done) return;
  run->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(run->err, sizeof run->err, fmt, ap);
  va_end(ap);
  stop_all(run);
}

static void finish(lg_run *run) {
  if (run->done || run->failed) return;
  if (run->o.pid > 0 && lg_proc_sample(run->o.pid, &run->p1) == 0) run->have_proc = true;
  run->done = true;
  stop_all(run);
}

static void check_complete(lg_run *run) {
  if (run->acked + run->nacked == run->o.count && run->delivered == run->acked) finish(run);
}

static void send_one(lg_run *run, unsigned sender, uint64_t sched) {
  uint64_t id = run->next_id++;
  run->sched[id] = sched;
  if (run->d->send(run->ds, sender, id, sched) != 0 && !run->failed)
    lg_fail(run, "%s: send of message %" PRIu64 " failed", run->d->name, id);
}

static int check_id(lg_run *run, uint64_t id, const char *what) {
  if (id < run->o.count && run->sched[id] != 0) return 0;
  lg_fail(run, "%s: %s for message %" PRIu64 ", which was never sent", run->d->name, what,
          id);
  return -1;
}

/* Is a message scheduled at `sched` measured? All are, unless --skip left out those of
 * the first seconds (every message is still counted in the books). */
static bool measured(const lg_run *run, uint64_t sched) {
  return run->o.skip_s <= 0 || sched >= run->t0 + (uint64_t)(run->o.skip_s * 1e9);
}

void lg_acked(lg_run *run, unsigned sender, uint64_t id) {
  if (run->stopped || check_id(run, id, "ack") != 0) return;
  uint64_t now = uv_hrtime();
  if (run->seen[id] & (SEEN_ACK | SEEN_NACK)) {
    run->dup_acks++;
    return;
  }
  run->seen[id] |= SEEN_ACK;
  run->acked++;
  run->t_last_ack = now;
  if (measured(run, run->sched[id]))
    lg_hist_record(&run->ack, (now - run->sched[id]) / 1000u);
  /* Closed loop: the ack frees a slot in this sender's window. */
  if (run->o.rate == 0 && run->next_id < run->o.count) send_one(run, sender, uv_hrtime());
  check_complete(run);
}

void lg_nacked(lg_run *run, unsigned sender, uint64_t id, int code) {
  if (run->stopped || check_id(run, id, "nack") != 0) return;
  if (run->seen[id] & (SEEN_ACK | SEEN_NACK)) {
    run->dup_acks++;
    return;
  }
  run->seen[id] |= SEEN_NACK;
  run->nacked++;
  run->last_nack = code;
  if (run->o.rate == 0 && run->next_id < run->o.count) send_one(run, sender, uv_hrtime());
  check_complete(run);
}

void lg_delivered(lg_run *run, const uint8_t stamp[LG_STAMP_BYTES]) {
  uint64_t id = lg_get64(stamp), sched = lg_get64(stamp + 8);
  if (run->stopped || check_id(run, id, "delivery") != 0) return;
  if (sched != run->sched[id]) {
    lg_fail(run, "%s: message %" PRIu64 " arrived with a wrong stamp", run->d->name, id);
    return;
  }
  uint64_t now = uv_hrtime();
  if (run->seen[id] & SEEN_DEL) {
    run->dup_dels++;
    return;
  }
  run->seen[id] |= SEEN_DEL;
  run->delivered++;
  run->t_last_del = now;
  if (measured(run, sched)) lg_hist_record(&run->del, (now - sched) / 1000u);
  check_complete(run);
}

/* Open loop: send every message whose scheduled time has come. */
static void on_pace(uv_poll_t *p, int status, int events) {
  lg_run *run = p->data;
  uint64_t expirations;
  (void)events;
  if (status < 0) {
    lg_fail(run, "pacer: %s", uv_strerror(status));
    return;
  }
  if (read(run->tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) {
    lg_fail(run, "pacer: read: %s", strerror(errno));
    return;
  }
  uint64_t now = uv_hrtime();
  if (now < run->t0) return;
  double due_d = (double)(now - run->t0) * run->o.rate / 1e9 + 1.0;
  uint64_t due = due_d >= (double)run->o.count ? run->o.count : (uint64_t)due_d;
  while (run->next_id < due && !run->stopped) {
    uint64_t i = run->next_id;
    uint64_t sched = run->t0 + (uint64_t)((double)i * 1e9 / run->o.rate);
    send_one(run, (unsigned)(i % run->o.senders), sched);
  }
  if (run->next_id >= run->o.count && !run->stopped) uv_poll_stop(&run->pace);
}

static int start_pacer(lg_run *run) {
  double period = 1e9 / run->o.rate;
  struct itimerspec its;
  /* Without this, the kernel may defer each wakeup by the default 50 us of timer slack. */
  (void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  run->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (run->tfd < 0) return -1;
  run->t0 = uv_hrtime() + 1000000u; /* start 1 ms from now, on a clean schedule */
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = (time_t)(run->t0 / 1000000000u);
  its.it_value.tv_nsec = (long)(run->t0 % 1000000000u);
  its.it_interval.tv_nsec = period < 1000.0 ? 1000 : (long)period;
  if (period >= 1e9) its.it_interval.tv_sec = 1, its.it_interval.tv_nsec = 0;
  if (timerfd_settime(run->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) return -1;
  if (uv_poll_init(&run->loop, &run->pace, run->tfd) != 0) return -1;
  run->pace_open = true;
  run->pace.data = run;
  return uv_poll_start(&run->pace, UV_READABLE, on_pace) == 0 ? 0 : -1;
}

static void on_settled(uv_timer_t *t) {
  lg_run *run = t->data;
  finish(run);
}

void lg_idle_opened(lg_run *run) {
  if (run->stopped) return;
  uv_timer_start(&run->settle, on_settled, SETTLE_MS, 0);
}

void lg_ready(lg_run *run) {
  if (run->ready || run->stopped) return;
  run->ready = true;
  if (run->o.pid > 0) {
    (void)lg_proc_reset_hwm(run->o.pid);
    if (lg_proc_sample(run->o.pid, &run->p0) != 0) {
      lg_fail(run, "cannot read /proc/%d", run->o.pid);
      return;
    }
  }
  if (run->o.idle > 0) {
    if (run->d->open_idle(run->ds, run->o.idle) != 0)
      lg_fail(run, "%s: opening idle connections failed", run->d->name);
    return;
  }
  run->t0 = uv_hrtime();
  if (run->o.rate > 0) {
    if (start_pacer(run) != 0) lg_fail(run, "pacer: %s", strerror(errno));
    return;
  }
  for (unsigned w = 0; w < run->o.window && !run->stopped; w++)
    for (unsigned s = 0; s < run->o.senders && run->next_id < run->o.count; s++)
      send_one(run, s, uv_hrtime());
}

static void on_check(uv_check_t *c) {
  lg_run *run = c->data;
  if (run->ready && !run->stopped) run->d->flush(run->ds);
}

static void on_deadline(uv_timer_t *t) {
  lg_run *run = t->data;
  lg_fail(run,
          "timed out after %.0f s: %" PRIu64 " sent, %" PRIu64 " acked, %" PRIu64
          " delivered of %" PRIu64,
          run->o.timeout_s, run->next_id, run->acked, run->delivered, run->o.count);
}

/* ---- results ------------------------------------------------------------------ */

static double secs(uint64_t ns) {
  return (double)ns / 1e9;
}

static double self_cpu_s(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void print_lat(const char *name, const lg_hist *h) {
  printf("  %-22s min %5" PRIu64 "  p50 %6" PRIu64 "  p99 %6" PRIu64 "  p99.9 %6" PRIu64
         "  max %7" PRIu64 "  (%" PRIu64 " samples)\n",
         name, h->min, lg_hist_pct(h, 0.50), lg_hist_pct(h, 0.99), lg_hist_pct(h, 0.999),
         h->max, h->n);
}

/* The books, message by message: an envelope acked but never delivered is lost; one
 * delivered but never acked was refused or is unaccounted for; both are mismatches,
 * whatever the totals say. */
typedef struct audit {
  uint64_t lost, unacked_del, unanswered;
} audit;

static audit audit_run(const lg_run *run) {
  audit a = {0, 0, 0};
  for (uint64_t i = 0; i < run->next_id; i++) {
    uint8_t s = run->seen[i];
    if ((s & SEEN_ACK) && !(s & SEEN_DEL)) a.lost++;
    if ((s & SEEN_DEL) && !(s & SEEN_ACK)) a.unacked_del++;
    if (!(s & (SEEN_ACK | SEEN_NACK))) a.unanswered++;
  }
  return a;
}

static void print_idle(const lg_run *run) {
  const lg_opts *o = &run->o;
  double per = 0;
  if (run->have_proc && o->idle > 0)
    per = ((double)run->p1.rss_kb - (double)run->p0.rss_kb) * 1024.0 / o->idle;
  printf("%s: %u idle connections, each past its handshake\n", o->label, o->idle);
  if (run->have_proc)
    printf("  target RSS %" PRIu64 " kB before, %" PRIu64 " kB after: %.0f bytes per "
           "connection\n",
           run->p0.rss_kb, run->p1.rss_kb, per);
  printf("LGRESULT target=%s mode=idle ok=%d conns=%u rss_before_kb=%" PRIu64
         " rss_after_kb=%" PRIu64 " bytes_per_conn=%.0f\n",
         o->label, run->done ? 1 : 0, o->idle, run->p0.rss_kb, run->p1.rss_kb, per);
}

/* Prints one run; returns the number of mismatches in its books. */
static uint64_t print_run(const lg_run *run) {
  const lg_opts *o = &run->o;
  const audit a = audit_run(run);
  double ack_s = run->t_last_ack > run->t0 ? secs(run->t_last_ack - run->t0) : 0;
  double del_s = run->t_last_del > run->t0 ? secs(run->t_last_del - run->t0) : 0;
  double ack_tput = ack_s > 0 ? (double)run->acked / ack_s : 0;
  double del_tput = del_s > 0 ? (double)run->delivered / del_s : 0;
  double cpu_s = 0, cpu_us = 0;
  if (run->have_proc) {
    cpu_s = (double)(run->p1.ticks - run->p0.ticks) / (double)sysconf(_SC_CLK_TCK);
    if (run->acked > 0) cpu_us = cpu_s * 1e6 / (double)run->acked;
  }
  if (o->rate > 0)
    printf("%s: open loop at %.0f msg/s, %u senders, %" PRIu64 " messages of %u bytes\n",
           o->label, o->rate, o->senders, o->count, LG_MSG_BYTES);
  else
    printf("%s: closed loop at full speed, %u senders x window %u, %" PRIu64
           " messages of %u bytes\n",
           o->label, o->senders, o->window, o->count, LG_MSG_BYTES);
  printf("  sent %" PRIu64 ", acked %" PRIu64 ", refused %" PRIu64 ", delivered %" PRIu64
         " (+%" PRIu64 " duplicates)\n",
         run->next_id, run->acked, run->nacked, run->delivered, run->dup_dels);
  printf("  books: %" PRIu64 " acked but not delivered, %" PRIu64
         " delivered but not acked, %" PRIu64 " never answered, %" PRIu64
         " duplicate deliveries, %" PRIu64 " duplicate acks: %s\n",
         a.lost, a.unacked_del, a.unanswered, run->dup_dels, run->dup_acks,
         a.lost + a.unacked_del == 0 ? "every acked message was delivered" : "MISMATCH");
  printf("  acked %.0f msg/s over %.3f s; delivered %.0f msg/s over %.3f s\n", ack_tput,
         ack_s, del_tput, del_s);
  print_lat("send-to-ack (us)", &run->ack);
  print_lat("send-to-delivery (us)", &run->del);
  if (run->have_proc)
    printf("  target pid %d: %.2f CPU s = %.2f us per message; peak RSS (VmHWM) %" PRIu64
           " kB\n",
           o->pid, cpu_s, cpu_us, run->p1.hwm_kb);
  printf("  load generator: %.2f CPU s\n", self_cpu_s());
  printf("LGRESULT target=%s mode=%s ok=%d rate=%.0f senders=%u window=%u count=%" PRIu64
         " acked=%" PRIu64 " nacked=%" PRIu64 " delivered=%" PRIu64 " lost=%" PRIu64
         " unacked_del=%" PRIu64 " dup_del=%" PRIu64 " ack_tput=%.0f del_tput=%.0f"
         " ack_min=%" PRIu64 " ack_p50=%" PRIu64 " ack_p99=%" PRIu64 " ack_p999=%" PRIu64
         " del_min=%" PRIu64 " del_p50=%" PRIu64 " del_p99=%" PRIu64 " del_p999=%" PRIu64
         " cpu_s=%.2f cpu_us=%.2f hwm_kb=%" PRIu64 " lg_cpu_s=%.2f\n",
         o->label, o->rate > 0 ? "rate" : "full",
         run->done && a.lost + a.unacked_del == 0 ? 1 : 0, o->rate, o->senders, o->window,
         o->count, run->acked, run->nacked, run->delivered, a.lost, a.unacked_del,
         run->dup_dels, ack_tput, del_tput, run->ack.min, lg_hist_pct(&run->ack, 0.5),
         lg_hist_pct(&run->ack, 0.99), lg_hist_pct(&run->ack, 0.999), run->del.min,
         lg_hist_pct(&run->del, 0.5), lg_hist_pct(&run->del, 0.99),
         lg_hist_pct(&run->del, 0.999), cpu_s, cpu_us, run->p1.hwm_kb, self_cpu_s());
  return a.lost + a.unacked_del;
}

/* Prints the results; returns the number of mismatches (0 for the idle test). */
static uint64_t print_results(const lg_run *run) {
  uint64_t bad = 0;
  if (run->failed) fprintf(stderr, "%s: FAILED: %s\n", run->o.label, run->err);
  if (run->o.idle > 0)
    print_idle(run);
  else
    bad = print_run(run);
  fflush(stdout);
  return bad;
}

int lg_run_main(const lg_driver *d, const lg_opts *o) {
  static lg_run run; /* large (two histograms); one run per process */
  int code = 1;
  memset(&run, 0, sizeof run);
  run.d = d;
  run.o = *o;
  run.tfd = -1;
  if (o->idle == 0) {
    run.sched = calloc(o->count, sizeof *run.sched);
    run.seen = calloc(o->count, 1);
    if (run.sched == NULL || run.seen == NULL) {
      fprintf(stderr, "loadgen: out of memory\n");
      goto out;
    }
  }
  if (uv_loop_init(&run.loop) != 0) goto out;
  uv_timer_init(&run.loop, &run.deadline);
  uv_timer_init(&run.loop, &run.settle);
  uv_timer_init(&run.loop, &run.linger);
  uv_check_init(&run.loop, &run.check);
  run.deadline.data = run.settle.data = run.linger.data = run.check.data = &run;
  uv_check_start(&run.check, on_check);
  uv_timer_start(&run.deadline, on_deadline, (uint64_t)(o->timeout_s * 1000.0), 0);
  run.t_start = uv_hrtime();
  if (d->start(&run, o, &run.ds) != 0) {
    if (!run.failed) lg_fail(&run, "%s: start failed", d->name);
    stop_all(&run);
  }
  uv_run(&run.loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&run.linger, on_closed);
  uv_run(&run.loop, UV_RUN_DEFAULT);
  if (run.ds != NULL) d->destroy(run.ds);
  if (uv_loop_close(&run.loop) != 0) fprintf(stderr, "loadgen: handles left open\n");
  if (run.tfd >= 0) close(run.tfd);
  code = print_results(&run) == 0 && run.done ? 0 : 1;
out:
  free(run.sched);
  free(run.seen);
  return code;
}
