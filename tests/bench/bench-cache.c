/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-cache.c: the daemon's address cache (resolverd/anycast/cache.c, linked from
 * the daemon's static library, not a copy) filled to 1k, 10k, 100k and 1M
 * entries: lookup cost and the process's resident memory at each size.
 *
 *   bench-cache [MAX_ENTRIES] [LOOKUPS]
 *
 * The cache grows in one process, so the RSS printed at each size is what
 * a daemon with that many mappings would hold for them (the baseline: the
 * RSS before the first insert, printed first).  Entries look like the
 * daemon's most common kind, an anycast mapping with one member.  Lookups
 * hit random present keys, drawn beforehand so that the random number
 * generator is not timed; the lookup cost at 1k entries is the baseline the
 * larger sizes are quoted against (flat means a ratio near 1: a hash table
 * whose working set outgrows the CPU caches is expected to drift up).
 * Two access patterns: uniform over all entries (the worst case: every
 * lookup a CPU cache miss) and Zipf(1) (a few hot destinations, as
 * traffic has).  A miss (absent key) is timed too.  Once the cache is full
 * (its bound is MAX_ENTRIES), inserting new keys evicts: the first insert
 * (the one whose eviction may have to pass over every entry the lookups
 * hit) and the mean over a batch are printed last.  Not a
 * pass/fail test.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aarp-def.h"
#include "cache.h"

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long rss_kib(void) {
        long pages = 0, resident = 0;
        FILE *f = fopen("/proc/self/statm", "r");

        if (f) {
                if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
                        resident = 0;
                fclose(f);
        }
        return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Address number @i: distinct, spread over the low 64 bits like
 * destinations in many prefixes would be. */
static void make_addr(uint32_t i, struct in6_addr *a) {
        uint64_t x = (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15);

        memset(a, 0, sizeof(*a));
        a->s6_addr[0] = 0x20;
        a->s6_addr[1] = 0x01;
        a->s6_addr[2] = 0x0d;
        a->s6_addr[3] = 0xb8;
        memcpy(&a->s6_addr[8], &x, sizeof(x));
}

/* Mean nanoseconds per cache_lookup() of keys[0 .. n-1], after an untimed
 * pass over a tenth of them (every size starts equally warm). */
static double time_lookups(Cache *c, const struct in6_addr *keys, uint32_t n, uint64_t now) {
        uint64_t t0, found = 0;

        for (uint32_t i = 0; i < n / 10; i++)
                found += cache_lookup(c, &keys[i], 0, now) != NULL;
        t0 = now_nsec();
        for (uint32_t i = 0; i < n; i++)
                found += cache_lookup(c, &keys[i], 0, now) != NULL;
        t0 = now_nsec() - t0;
        if (found != n + n / 10) {
                fprintf(stderr, "bench-cache: a present key was not found\n");
                exit(1);
        }
        return (double)t0 / n;
}

/* Entry number of rank @r under a Zipf(1) popularity: a fixed scramble, so
 * that the hot entries are not neighbours in memory (as inserted). */
static uint32_t zipf_pick(const double *cdf, uint32_t n) {
        double u = (double)random() / ((double)RAND_MAX + 1.0);
        uint32_t lo = 0, hi = n - 1;

        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (cdf[mid] < u)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return (uint32_t)(((uint64_t)lo * 2654435761u) % n);
}

int main(int argc, char **argv) {
        uint32_t max = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000u;
        uint32_t lookups = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 2000000u;
        static const uint32_t sizes[] = {1000, 10000, 100000, 1000000, 4000000};
        g_autoptr(Cache) c = NULL;
        struct in6_addr *keys;
        double *cdf;
        uint32_t filled = 0;
        uint64_t now = 1000000;
        double base_uniform = 1, base_zipf = 1;
        long rss0;

        if (max < 1000 || max > AARP_CACHE_SIZE_MAX || lookups < 1000) {
                fprintf(stderr, "usage: %s [MAX_ENTRIES 1000..%u] [LOOKUPS >= 1000]\n", argv[0],
                        AARP_CACHE_SIZE_MAX);
                return 2;
        }
        /* Touched before the baseline, so that the key array is not
         * counted as cache memory. */
        keys = g_new0(struct in6_addr, lookups);
        memset(keys, 1, sizeof(*keys) * lookups);
        cdf = g_new0(double, max);
        memset(cdf, 0, sizeof(*cdf) * max);
        rss0 = rss_kib();
        c = cache_new(max);
        printf("cache_bench baseline_rss_kib %ld (process before any entry)\n", rss0);
        srandom(1);
        for (size_t s = 0; s < G_N_ELEMENTS(sizes) && sizes[s] <= max; s++) {
                uint64_t t0, miss_ns, sink = 0;
                double dt_uniform, dt_zipf;
                struct in6_addr miss;
                long rss;

                for (; filled < sizes[s]; filled++) {
                        Member m = {.rtt_usec = 500};
                        struct in6_addr a;

                        make_addr(filled, &a);
                        make_addr(filled + 0x40000000u, &m.address);
                        cache_insert(c, &a, 0, &m, 1, AARP_FLAG_ANYCAST, 3600, now);
                }
                rss = rss_kib();
                for (uint32_t i = 0; i < lookups; i++)
                        make_addr((uint32_t)random() % filled, &keys[i]);
                dt_uniform = time_lookups(c, keys, lookups, now);
                {
                        double sum = 0, acc = 0;

                        for (uint32_t i = 0; i < filled; i++)
                                sum += 1.0 / (i + 1);
                        for (uint32_t i = 0; i < filled; i++)
                                cdf[i] = (acc += 1.0 / (i + 1) / sum);
                        cdf[filled - 1] = 1.0;
                }
                for (uint32_t i = 0; i < lookups; i++)
                        make_addr(zipf_pick(cdf, filled), &keys[i]);
                dt_zipf = time_lookups(c, keys, lookups, now);
                make_addr(0x7fffffffu, &miss);
                t0 = now_nsec();
                for (uint32_t i = 0; i < lookups / 10; i++) {
                        miss.s6_addr[15] = (uint8_t)i;
                        sink += cache_lookup(c, &miss, 0, now) != NULL;
                }
                miss_ns = now_nsec() - t0;
                if (sink != 0) {
                        fprintf(stderr, "bench-cache: an absent key was found\n");
                        return 1;
                }
                if (s == 0) {
                        base_uniform = dt_uniform;
                        base_zipf = dt_zipf;
                }
                printf("cache_bench entries %u size %u hit_uniform_ns %.1f vs_1k %.2f hit_zipf_ns %.1f vs_1k %.2f "
                       "miss_ns %.1f rss_kib %ld rss_growth_kib %ld bytes_per_entry %.0f\n",
                       sizes[s], cache_size(c), dt_uniform, dt_uniform / base_uniform, dt_zipf, dt_zipf / base_zipf,
                       (double)miss_ns / (double)(lookups / 10), rss, rss - rss0,
                       (double)(rss - rss0) * 1024.0 / sizes[s]);
                fflush(stdout);
        }
        if (cache_size(c) == max) {
                uint32_t n = lookups / 10;
                uint64_t t0, first = 0, total = 0;
                uint64_t evictions0 = cache_evictions(c);

                for (uint32_t i = 0; i <= n; i++) {
                        Member m = {.rtt_usec = 500};
                        struct in6_addr a;

                        make_addr(0x80000000u + i, &a);
                        m.address = a;
                        if (i <= 1)
                                t0 = now_nsec(); /* before the first, then before the batch */
                        cache_insert(c, &a, 0, &m, 1, AARP_FLAG_ANYCAST, 3600, now);
                        if (i == 0)
                                first = now_nsec() - t0;
                }
                total = now_nsec() - t0;
                printf("cache_bench full %u inserts_evicting %u evictions %" G_GUINT64_FORMAT
                       " first_insert_us %.1f insert_ns %.1f\n",
                       cache_size(c), n + 1, cache_evictions(c) - evictions0, (double)first / 1000.0,
                       (double)total / n);
        }
        g_free(keys);
        g_free(cdf);
        return 0;
}
