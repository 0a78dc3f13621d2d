/* 16-bit timer/counters in normal mode (Timer/Counter1 on the ATmega328P).
 *
 * The count is never stepped: it is worked out from the cycle counter when TCNTnL is read,
 * as the count at the cycle the reading instruction began (the value simavr gives too).
 * A running timer therefore costs the execution loop nothing but one event per overflow,
 * at which TOVn is set (irq.c takes the interrupt).
 *
 * 16-bit access goes through TEMP as the datasheet describes; TEMP is kept in the data
 * space at TCNTnH, so a read of TCNTnH is a plain read of the byte latched by the last
 * TCNTnL read, and a write of TCNTnH a plain store that the next TCNTnL write picks up.
 */
#include "cpu.h"

static Timer16 *timer_at(Cpu *c, unsigned a)
{
    for (unsigned i = 0; i < c->n_timers; i++) {
        Timer16 *t = &c->timers[i];
        if (a == t->tcntl || a == t->tccra || a == t->tccrb || a == t->tifr || a == t->timsk)
            return t;
    }
    return NULL; /* core.py marks only these addresses HOOK_NATIVE */
}

static unsigned count_at(const Timer16 *t, unsigned long long now)
{
    return t->ps ? (unsigned)((t->count + (now - t->base) / t->ps) & 0xffff) : t->count;
}

static unsigned long long next_overflow(const Timer16 *t)
{
    return t->ps ? t->base + (unsigned long long)(0x10000 - t->count) * t->ps : NEVER;
}

static void schedule(Cpu *c)
{
    c->next_event = NEVER;
    for (unsigned i = 0; i < c->n_timers; i++) {
        unsigned long long at = next_overflow(&c->timers[i]);
        if (at < c->next_event)
            c->next_event = at;
    }
}

/* The count goes on from `count` at the rate `ps`, from the cycle of the write. */
static void set_count(Cpu *c, Timer16 *t, unsigned count, unsigned ps)
{
    t->count = count;
    t->ps = ps;
    t->base = c->cycles;
    schedule(c);
    c->recheck = 1; /* the loop looks at next_event at its next boundary */
}

static int configure(Cpu *c, Timer16 *t)
{
    const uint8_t *data = c->data.buf;
    unsigned cs = data[t->tccrb] & 7, wgm = (data[t->tccra] & 3) | ((data[t->tccrb] >> 1) & 0xc);
    /* Other waveform modes and the external clock pin count differently: refuse rather
     * than give firmware a wrong count. Setting them up while stopped is allowed. */
    if (cs && (wgm || !t->prescale[cs])) {
        c->fault = t->tccrb;
        return -STOP_UNSUPPORTED;
    }
    if (t->prescale[cs] != t->ps)
        set_count(c, t, count_at(t, c->cycles), t->prescale[cs]);
    return 0;
}

int timer_read(Cpu *c, unsigned a)
{
    uint8_t *data = c->data.buf;
    Timer16 *t = timer_at(c, a);
    if (a != t->tcntl)
        return data[a];
    unsigned count = count_at(t, c->cycles);
    data[a + 1] = (uint8_t)(count >> 8); /* TEMP */
    return data[a] = (uint8_t)count;
}

int timer_write(Cpu *c, unsigned a, uint8_t v)
{
    uint8_t *data = c->data.buf;
    Timer16 *t = timer_at(c, a);
    if (a == t->tifr) {
        data[a] &= (uint8_t)~v; /* flags are cleared by writing ones */
        return 0;
    }
    data[a] = v;
    if (a == t->tcntl) {
        set_count(c, t, ((unsigned)data[a + 1] << 8) | v, t->ps);
        return 0;
    }
    if (a == t->timsk) {
        c->recheck = 1; /* enabling TOIEn with TOVn set makes an interrupt pending */
        return 0;
    }
    return configure(c, t);
}

void timers_advance(Cpu *c, unsigned long long now)
{
    uint8_t *data = c->data.buf;
    if (now < c->next_event)
        return;
    for (unsigned i = 0; i < c->n_timers; i++) {
        Timer16 *t = &c->timers[i];
        for (unsigned long long at; (at = next_overflow(t)) <= now;) {
            data[t->tifr] |= t->tov;
            t->count = 0;
            t->base = at;
        }
    }
    schedule(c);
}

unsigned long long timers_next_wake(const Cpu *c)
{
    const uint8_t *data = c->data.buf;
    unsigned long long wake = NEVER;
    for (unsigned i = 0; i < c->n_timers; i++) {
        const Timer16 *t = &c->timers[i];
        unsigned long long at = next_overflow(t);
        if ((data[t->timsk] & t->tov) && at < wake)
            wake = at;
    }
    return wake;
}

void timers_reset(Cpu *c)
{
    for (unsigned i = 0; i < c->n_timers; i++) {
        c->timers[i].ps = c->timers[i].count = 0;
        c->timers[i].base = 0;
    }
    c->next_event = NEVER;
}
