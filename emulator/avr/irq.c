/* Interrupts, taken at instruction boundaries.
 *
 * An interrupt is pending while its flag and enable bits are both set (level, as in the
 * datasheet); the sources are the timers' overflows, sorted by vector number, so the first
 * pending one has the highest priority. Taking it pushes the 2-byte PC, clears I and the
 * flag, and starts the vector `irq_entry` cycles after the interrupted instruction ended.
 * After I goes from 0 to 1 a set number of instructions runs first (irq_hold). How many
 * cycles and instructions is per-MCU data (InterruptTiming in emulator/avr/mcu.py).
 */
#include "cpu.h"

static const Timer16 *first_pending(const Cpu *c)
{
    const uint8_t *data = c->data.buf;
    for (unsigned i = 0; i < c->n_timers; i++) {
        const Timer16 *t = &c->timers[i];
        if (data[t->tifr] & data[t->timsk] & t->tov)
            return t;
    }
    return NULL;
}

/* Sleeping: idle until an enabled interrupt is pending. Returns 0 when awake, or still
 * asleep at the cycle limit (the loop then stops for it), or STOP_SLEEP if nothing can wake. */
static int sleep_until_wake(Cpu *c, Regs *r, unsigned long long cycle_limit)
{
    if (!first_pending(c)) {
        unsigned long long wake = timers_next_wake(c);
        if (wake == NEVER) {
            c->sleeping = 0; /* the host decides; running again goes on after SLEEP */
            return STOP_SLEEP;
        }
        if (wake + c->irq_wake > cycle_limit) {
            if (cycle_limit > r->cyc)
                r->cyc = cycle_limit;
            return 0;
        }
        r->cyc = wake + c->irq_wake;
        timers_advance(c, r->cyc);
    }
    c->sleeping = 0;
    c->irq_hold = 0; /* SEI; SLEEP: the sleep was the instruction after SEI */
    return 0;
}

int irq_boundary(Cpu *c, Regs *r, unsigned long long cycle_limit)
{
    uint8_t *data = c->data.buf;
    timers_advance(c, r->cyc);
    if (c->sleeping) {
        int stop = sleep_until_wake(c, r, cycle_limit);
        if (stop || c->sleeping)
            return stop;
    }
    if (c->irq_hold && --c->irq_hold)
        return 0;
    const Timer16 *t = (r->sreg & F_I) ? first_pending(c) : NULL;
    if (!t)
        return 0;
    if (r->sp > c->ramend) {
        c->fault = r->sp;
        return STOP_DATA_FAULT;
    }
    if (r->sp < c->stack_limit + 1) {
        c->fault = r->sp - 2;
        return STOP_STACK;
    }
    data[r->sp] = (uint8_t)r->pc; /* low byte first, like CALL */
    data[r->sp - 1] = (uint8_t)(r->pc >> 8);
    r->sp -= 2;
    if (r->sp < r->sp_min)
        r->sp_min = r->sp;
    r->sreg &= (uint8_t)~F_I;
    data[t->tifr] &= (uint8_t)~t->tov; /* the hardware clears TOVn when it takes the interrupt */
    r->pc = (t->vector * c->vector_words) & c->pc_mask;
    r->cyc += c->irq_entry;
    return 0;
}
