/* Counter arithmetic (counters.h), after HAProxy 2.6's freq_ctr.c and
 * swrate_* helpers. */
#include "engine/counters.h"

#define PERIOD 1000u

unsigned
ctr_freq_add(struct ctr_freq *f, unsigned inc, uint32_t now)
{
	uint32_t tick = atomic_load_explicit(&f->tick, memory_order_relaxed);
	for (;;) {
		if ((uint32_t)(now - tick) < PERIOD)
			return atomic_fetch_add(&f->curr, inc) + inc;
		/* a rotation is needed: one thread moves the period on, the
		 * others retry with the new tick */
		uint32_t ntick = tick + PERIOD;
		unsigned cur = atomic_load(&f->curr);
		unsigned prev = cur;
		if ((uint32_t)(now - ntick) >= PERIOD) {
			/* two periods or more went by without an event */
			prev = 0;
			ntick = now;
		}
		if (atomic_compare_exchange_weak(&f->tick, &tick, ntick)) {
			atomic_store(&f->prev, prev);
			/* events counted meanwhile into the old period are
			 * moved to the previous one's count: negligible */
			atomic_fetch_sub(&f->curr, cur);
			tick = ntick;
		}
	}
}

unsigned
ctr_freq_read(const struct ctr_freq *f, uint32_t now)
{
	uint32_t tick = atomic_load(&((struct ctr_freq *)f)->tick);
	unsigned long long curr = atomic_load(&((struct ctr_freq *)f)->curr);
	unsigned long long past = atomic_load(&((struct ctr_freq *)f)->prev);
	long long remain = (long long)(int32_t)(tick + PERIOD - now);
	if (remain < 0) {
		/* past the current period: what was current is the
		 * previous one, if not too old */
		remain += PERIOD;
		past = remain >= 0 ? curr : 0;
		curr = 0;
	}
	if (remain < 0)
		remain = 0;
	if (remain > (long long)PERIOD)
		remain = PERIOD;
	return (unsigned)((past * (unsigned long long)remain + curr * PERIOD) / PERIOD);
}

void
ctr_freq_clear(struct ctr_freq *f)
{
	atomic_store(&f->curr, 0);
	atomic_store(&f->prev, 0);
}

void
ctr_max(atomic_uint *m, unsigned v)
{
	unsigned old = atomic_load_explicit(m, memory_order_relaxed);
	while (old < v && !atomic_compare_exchange_weak(m, &old, v))
		;
}

void
ctr_swrate_add(atomic_ullong *sum, unsigned n, unsigned v)
{
	unsigned long long old = atomic_load_explicit(sum, memory_order_relaxed), nv;
	do {
		nv = old - (n ? (old + n - 1) / n : 0) + v;
	} while (!atomic_compare_exchange_weak(sum, &old, nv));
}

unsigned
ctr_swrate_avg(unsigned long long sum, unsigned n)
{
	if (n == 0)
		return 0;
	return (unsigned)((sum + n - 1) / n);
}

void
ctr_times_add(struct ctr_times *t, unsigned long long samples,
              unsigned q, unsigned c, unsigned d, unsigned tt)
{
	/* HAProxy: a plain sum until the window is full, then the window */
	unsigned n = samples > CTR_TIME_SAMPLES ? CTR_TIME_SAMPLES : 0;
	ctr_swrate_add(&t->q, n, q);
	ctr_swrate_add(&t->c, n, c);
	ctr_swrate_add(&t->d, n, d);
	ctr_swrate_add(&t->t, n, tt);
	ctr_max(&t->q_max, q);
	ctr_max(&t->c_max, c);
	ctr_max(&t->d_max, d);
	ctr_max(&t->t_max, tt);
}

unsigned
ctr_times_avg(unsigned long long sum, unsigned long long samples)
{
	unsigned n = CTR_TIME_SAMPLES;
	if (samples > 0 && samples < CTR_TIME_SAMPLES)
		n = (unsigned)samples;
	return ctr_swrate_avg(sum, n);
}
