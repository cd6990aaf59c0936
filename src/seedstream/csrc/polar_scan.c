/*
 * polar_scan.c -- counting the accepted attempts of numpy's legacy polar method
 * (see polar_scan.h).
 */
#include "polar_scan.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* The hot loops, per path                                                   */

SS_INLINE void temper_block_body(const uint32_t *key, uint32_t *out)
{
    for (int i = 0; i < MT_N; i++) {
        uint32_t y = key[i];
        y ^= (y >> 11);
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= (y >> 18);
        out[i] = y;
    }
}

/* Branch-free, so that the compiler vectorises it.  u = numpy's legacy double
 * from two words a, b: ((a >> 5) * 2^26 + (b >> 6)) / 2^53. */
SS_INLINE long long polar_flags_body(const uint32_t *restrict w, unsigned char *restrict flags,
                                     int k)
{
    long long accepted = 0;
    for (int j = 0; j < k; j++) {
        double u1 = ((double)(w[4 * j] >> 5) * 67108864.0 + (double)(w[4 * j + 1] >> 6)) *
                    (1.0 / 9007199254740992.0);
        double u2 = ((double)(w[4 * j + 2] >> 5) * 67108864.0 + (double)(w[4 * j + 3] >> 6)) *
                    (1.0 / 9007199254740992.0);
        double x1 = 2.0 * u1 - 1.0, x2 = 2.0 * u2 - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        unsigned char ok = (unsigned char)((r2 < 1.0) & (r2 != 0.0));
        flags[j] = ok;
        accepted += ok;
    }
    return accepted;
}

/* The bodies above, inlined into each build and compiled for its target. */
#define POLAR_BUILD(suffix, attr)                                                               \
    attr static void temper_block_##suffix(const uint32_t *key, uint32_t *out)                 \
    {                                                                                           \
        temper_block_body(key, out);                                                            \
    }                                                                                           \
    attr static long long polar_flags_##suffix(const uint32_t *restrict w,                      \
                                               unsigned char *restrict flags, int k)            \
    {                                                                                           \
        return polar_flags_body(w, flags, k);                                                   \
    }                                                                                           \
    const polar_loops_t polar_loops_##suffix = {temper_block_##suffix, polar_flags_##suffix};
SS_EACH_TARGET(POLAR_BUILD)

/* ------------------------------------------------------------------------ */
/* Over words already drawn                                                  */

/* numpy's legacy double from two 32-bit MT19937 words, or next_double of a
 * 64-bit generator.  Exact in IEEE double arithmetic (integers below 2**53,
 * division by a power of two), as numpy's own C code computes it. */
static inline double polar_double(const uint64_t *raw, size_t *i, int mt)
{
    if (mt) {
        uint64_t a = (raw[*i] & 0xffffffffu) >> 5, b = (raw[*i + 1] & 0xffffffffu) >> 6;
        *i += 2;
        return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
    }
    uint64_t w = raw[*i];
    *i += 1;
    return (double)(w >> 11) * (1.0 / 9007199254740992.0);
}

void polar_scan(const uint64_t *raw, size_t n, int mt, long long want, long long *accepted,
                long long *index)
{
    const size_t per = mt ? 4 : 2;
    long long count = 0, found = -1;
    size_t i = 0;
    for (long long attempt = 0; i + per <= n; attempt++) {
        double x1 = 2.0 * polar_double(raw, &i, mt) - 1.0;
        double x2 = 2.0 * polar_double(raw, &i, mt) - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        if (r2 < 1.0 && r2 != 0.0) {
            if (count == want) found = attempt;
            count++;
        }
    }
    *accepted = count;
    *index = found;
}

/* ------------------------------------------------------------------------ */
/* Over an MT19937 state, stepped here                                       */

static void mt_next_block(uint32_t *key)
{
    int i = 0;
    for (; i < MT_N - MT_M; i++) key[i] = mt_twist(key[i], key[i + 1], key[i + MT_M]);
    for (; i < MT_N - 1; i++) key[i] = mt_twist(key[i], key[i + 1], key[i + MT_M - MT_N]);
    key[MT_N - 1] = mt_twist(key[MT_N - 1], key[0], key[MT_M - 1]);
}

static void stream_init(polar_work_t *st, const uint32_t *key, int pos, const polar_loops_t *loops)
{
    memcpy(st->key, key, sizeof st->key);
    loops->temper_block(st->key, st->out);
    st->pos = pos;
}

/* The next tempered word, exactly as numpy's mt19937_next32. */
static inline uint32_t stream_next(polar_work_t *st, void (*temper_block)(const uint32_t *,
                                                                          uint32_t *))
{
    if (st->pos >= MT_N) {
        mt_next_block(st->key);
        temper_block(st->key, st->out);
        st->pos = 0;
    }
    return st->out[st->pos++];
}

/* words[0..4 k) = the next 4 k words. */
static void stream_fill(polar_work_t *st, int k, const polar_loops_t *loops)
{
    void (*temper_block)(const uint32_t *, uint32_t *) = loops->temper_block;
    for (int i = 0; i < 4 * k; i++) st->words[i] = stream_next(st, temper_block);
}

void polar_scan_mt19937(const uint32_t *key, int pos, long long attempts, long long want,
                        long long *accepted, long long *index, polar_work_t *work,
                        const polar_loops_t *loops)
{
    long long count = 0, found = -1;
    stream_init(work, key, pos, loops);
    for (long long done = 0; done < attempts;) {
        int k = (int)((attempts - done < POLAR_BATCH) ? attempts - done : POLAR_BATCH);
        stream_fill(work, k, loops);
        long long got = loops->polar_flags(work->words, work->flags, k);
        if (found < 0 && want >= count && want < count + got) {
            long long seen = count;
            for (int j = 0; j < k; j++) {
                if (work->flags[j] && seen++ == want) {
                    found = done + j;
                    break;
                }
            }
        }
        count += got;
        done += k;
    }
    *accepted = count;
    *index = found;
}

void polar_flags_mt19937(const uint32_t *key, int pos, long long attempts, unsigned char *flags,
                         polar_work_t *work, const polar_loops_t *loops)
{
    stream_init(work, key, pos, loops);
    for (long long done = 0; done < attempts;) {
        int k = (int)((attempts - done < POLAR_BATCH) ? attempts - done : POLAR_BATCH);
        stream_fill(work, k, loops);
        loops->polar_flags(work->words, flags + done, k);
        done += k;
    }
}
