/*
 * counting.c -- a counting bit generator (see counting.h).
 */
#include "counting.h"

static uint64_t counter_next_uint64(void *st)
{
    counter_t *c = st;
    c->n64++;
    return c->inner->next_uint64(c->inner->state);
}

static uint32_t counter_next_uint32(void *st)
{
    counter_t *c = st;
    c->n32++;
    return c->inner->next_uint32(c->inner->state);
}

static double counter_next_double(void *st)
{
    counter_t *c = st;
    c->n64++;
    return c->inner->next_double(c->inner->state);
}

static uint64_t counter_next_raw(void *st)
{
    counter_t *c = st;
    c->nraw++;
    return c->inner->next_raw(c->inner->state);
}

void counter_init(counter_t *c, bitgen_t *inner)
{
    c->outer.state = c;
    c->outer.next_uint64 = counter_next_uint64;
    c->outer.next_uint32 = counter_next_uint32;
    c->outer.next_double = counter_next_double;
    c->outer.next_raw = counter_next_raw;
    c->inner = inner;
    c->n32 = c->n64 = c->nraw = 0;
}
