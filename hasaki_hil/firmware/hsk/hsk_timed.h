/* hsk_link_run for serial harnesses with a free-running cycle counter (32-bit boards).
 *
 * Include after hsk_link.h. The harness defines hsk_counter_read() (static inline, one
 * load or CSR read), HSK_COUNTER_MASK (the counter's width) and, for a counter that counts
 * down (SysTick), HSK_COUNTER_DOWN. hsk_timed_calibrate() at start-up measures what two
 * back-to-back reads see with nothing between them (the read's own cost); hsk_link_run
 * subtracts it, so the figure covers the call of hsk_predict, as the emulator harness's
 * marker window does. An inference longer than the counter's period would wrap: SysTick's
 * 24 bits hold 16.7 M cycles. */
#ifndef HSK_TIMED_H
#define HSK_TIMED_H

static uint32_t hsk_counter_overhead;

static uint32_t hsk_elapsed(uint32_t t0, uint32_t t1)
{
#if defined(HSK_COUNTER_DOWN)
    return (t0 - t1) & HSK_COUNTER_MASK;
#else
    return (t1 - t0) & HSK_COUNTER_MASK;
#endif
}

static void hsk_timed_calibrate(void)
{
    uint32_t best = 0xFFFFFFFFu, t0, t1, k;
    for (k = 0; k < 8; k++) {
        t0 = hsk_counter_read();
        t1 = hsk_counter_read();
        if (hsk_elapsed(t0, t1) < best)
            best = hsk_elapsed(t0, t1);
    }
    hsk_counter_overhead = best;
}

static hsk_status hsk_link_run(uint32_t *cycles)
{
    hsk_status st;
    uint32_t t0, t1;
    t0 = hsk_counter_read();
    st = hsk_predict(hsk_in, hsk_out);
    t1 = hsk_counter_read();
    *cycles = hsk_elapsed(t0, t1) - hsk_counter_overhead;
    return st;
}

#endif /* HSK_TIMED_H */
