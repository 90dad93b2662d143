/* SPDX-License-Identifier: MIT */
/*
 * The two clocks every part reads (issue 10: one of each). Wall time is what goes on the
 * wire, in the stores and in log lines; monotonic time measures timeouts and intervals,
 * which must not jump when the system clock is set. Neither can fail on Linux for these
 * clock ids, so both return plain numbers.
 *
 * A libuv loop has its own cached clock (uv_now); code that schedules timers on a loop
 * keeps using that one, so that a deadline and the timer that checks it agree.
 */
#ifndef RP_CLOCK_H
#define RP_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
uint64_t rp__clock_wall_ms(void);

/* Milliseconds since an arbitrary start (CLOCK_MONOTONIC): only differences mean
 * anything. */
uint64_t rp__clock_mono_ms(void);

#endif /* RP_CLOCK_H */
