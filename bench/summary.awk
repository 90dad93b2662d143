# SPDX-License-Identifier: MIT
# bench/run.sh's table: reads the LGRESULT lines of one run (key=value words), prints
# the relay beside mosquitto, the sanity checks and the issue's targets. Exits 1 when an
# acked message was not delivered (the one thing a benchmark run may not show).
# Usage: awk -v idle=10000 -f bench/summary.awk results.txt
{
  for (i = 2; i <= NF; i++) {
    split($i, kv, "=");
    v[kv[1]] = kv[2];
  }
  key = v["target"] "/" v["mode"] "/" (v["mode"] == "idle" || v["mode"] == "fsync" ? "" : v["rate"] + 0);
  if (v["ok"] != 1) bad[key] = 1;
  for (k in v) val[key "/" k] = v[k];
  delete v;
}
function has(target, mode, rate, k) { return (target "/" mode "/" rate "/" k) in val; }
function get(target, mode, rate, k) { return val[target "/" mode "/" rate "/" k] + 0; }
function cell(target, mode, rate, k,   key) {
  key = target "/" mode "/" rate;
  if (!((key "/" k) in val)) return "-";
  return val[key "/" k] (key in bad ? "!" : "");
}
function row(name, mode, rate, k,   a, b, ratio) {
  a = cell("relay", mode, rate, k); b = cell("mosquitto", mode, rate, k);
  ratio = (a != "-" && b != "-" && b + 0 > 0) ? sprintf("%.2f", a / b) : "-";
  printf "%-44s %12s %12s %8s\n", name, a, b, ratio;
}
function derived(name, value) { printf "%-44s %12s %12s %8s\n", name, value, "-", "-"; }
function block(title, mode, rate,   a, s) {
  row(title ": acked msg/s", mode, rate, "ack_tput");
  row(title ": delivered msg/s", mode, rate, "del_tput");
  row(title ": send-to-ack min us", mode, rate, "ack_min");
  row(title ": send-to-ack p50 us", mode, rate, "ack_p50");
  row(title ": send-to-ack p99 us", mode, rate, "ack_p99");
  row(title ": send-to-ack p99.9 us", mode, rate, "ack_p999");
  row(title ": send-to-delivery min us", mode, rate, "del_min");
  row(title ": send-to-delivery p50 us", mode, rate, "del_p50");
  row(title ": send-to-delivery p99 us", mode, rate, "del_p99");
  row(title ": send-to-delivery p99.9 us", mode, rate, "del_p999");
  row(title ": target CPU us per msg", mode, rate, "cpu_us");
  row(title ": target peak RSS kB", mode, rate, "hwm_kb");
  row(title ": acked, never delivered", mode, rate, "lost");
  row(title ": delivered, never acked", mode, rate, "unacked_del");
  row(title ": duplicate deliveries", mode, rate, "dup_del");
  if (has("relay", mode, rate, "syncs")) {
    s = get("relay", mode, rate, "syncs");
    a = get("relay", mode, rate, "acked");
    derived(title ": relay fsyncs during the run", s);
    derived(title ": relay envelopes per fsync (stores+deletes)", s > 0 ? sprintf("%.1f", a / s) : "-");
  }
}
function verdict(name, ok, detail) {
  printf "  %-9s %s (%s)\n", ok ? "met" : "NOT MET", name, detail;
}
END {
  printf "%-44s %12s %12s %8s\n", "metric", "relay", "mosquitto", "ratio";
  block("full speed", "full", 0);
  block("5000/s", "rate", 5000);
  block("20000/s", "rate", 20000);
  row("idle: bytes per connection (" idle ")", "idle", "", "bytes_per_conn");
  if (has("disk", "fsync", "", "fsync_p50"))
    printf "%-44s %12s\n", "disk: fdatasync min / p50 / p99 us",
      get("disk", "fsync", "", "fsync_min") " / " get("disk", "fsync", "", "fsync_p50") " / " \
      get("disk", "fsync", "", "fsync_p99");
  print "(! = that run failed, timed out or its books did not balance; mosquitto runs";
  print " without persistence and acks from memory; the relay acks after fsync)";

  print "\nchecks";
  lost = 0;
  for (k in val) if (k ~ /\/(lost|unacked_del)$/) lost += val[k];
  printf("  %-9s every acked message delivered, in every run (%d mismatches)\n",
    (lost == 0 ? "ok" : "FAILED"), lost);
  fmin = get("disk", "fsync", "", "fsync_min");
  if (fmin > 0) {
    amin = -1;
    split("full/0 rate/5000 rate/20000", runs, " ");
    for (i = 1; i <= 3; i++) {
      split(runs[i], mr, "/");
      if (has("relay", mr[1], mr[2], "ack_min")) {
        x = get("relay", mr[1], mr[2], "ack_min");
        if (amin < 0 || x < amin) amin = x;
      }
    }
    if (amin >= 0)
      printf("  %-9s fastest relay send-to-ack %d us vs fastest fdatasync %d us%s\n",
        (amin >= fmin ? "ok" : "SUSPECT"), amin, fmin,
        (amin >= fmin ? "" : ": an ack faster than any sync; does the relay ack before fsync?"));
    if (has("relay", "full", 0, "syncs") && get("relay", "full", 0, "syncs") > 0) {
      s = get("relay", "full", 0, "syncs"); t = get("relay", "full", 0, "ack_tput");
      a = get("relay", "full", 0, "acked");
      printf("  %-9s full speed: %.0f envelopes/s = %.1f per fsync x %.0f fsyncs/s (%s %.0f)\n",
        (s * t / a <= 1e6 / fmin ? "ok" : "SUSPECT"), t, a / s, s * t / a,
        "the disk allows at most", 1e6 / fmin);
    }
  }

  print "\ntargets (issue 3)";
  if (has("relay", "full", 0, "ack_tput") && has("mosquitto", "full", 0, "ack_tput")) {
    r = get("relay", "full", 0, "ack_tput"); m = get("mosquitto", "full", 0, "ack_tput");
    verdict("durable envelopes/s >= mosquitto QoS 1 msg/s in the same run", (r >= m),
      sprintf("%.0f vs %.0f, ratio %.2f", r, m, m > 0 ? r / m : 0));
  }
  if (has("relay", "rate", 5000, "ack_p99"))
    verdict("send-to-ack p99 < 1 ms at 5000/s", get("relay", "rate", 5000, "ack_p99") < 1000,
      get("relay", "rate", 5000, "ack_p99") " us");
  if (has("relay", "rate", 5000, "del_p50") && fmin > 0)
    verdict("delivery does not wait for the fsync",
      (get("relay", "rate", 5000, "del_p50") < get("relay", "rate", 5000, "ack_p50") &&
        get("relay", "rate", 5000, "del_min") < fmin),
      "5000/s: send-to-delivery p50 " get("relay", "rate", 5000, "del_p50") \
      " us vs send-to-ack p50 " get("relay", "rate", 5000, "ack_p50") \
      " us; fastest delivery " get("relay", "rate", 5000, "del_min") \
      " us vs fastest sync " fmin " us");
  if (has("relay", "idle", "", "bytes_per_conn"))
    verdict("idle authenticated connection < 2 KiB",
      get("relay", "idle", "", "bytes_per_conn") < 2048,
      get("relay", "idle", "", "bytes_per_conn") " bytes; mosquitto " \
      cell("mosquitto", "idle", "", "bytes_per_conn") " bytes");
  exit (lost == 0 ? 0 : 1);
}
