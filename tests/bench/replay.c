/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c: how much probe traffic AARP causes and how long to cache,
 * answered by simulation against the real cache code
 * (resolverd/anycast/cache.c from the daemon's static library).
 *
 *   replay [--destinations N] [--zipf S] [--anycast-share P] [--silent-share Q]
 *          [--members M] [--change-interval SEC] [--rate R] [--duration SEC]
 *          [--member-probes K] [--sweep anycast|unicast|noreply] [--ttls LIST]
 *          [--seed X]
 *
 * Workload: lookups arrive as a Poisson process of R per second, each for
 * one of N destinations drawn from a Zipf(S) popularity law (a few hot
 * destinations, a long tail).  A share P of destinations are anycast with
 * M members, whose nearest member changes at exponentially distributed
 * times with mean --change-interval (per address: routing changes that the
 * client cannot see, since a change in its own routes flushes the daemon's
 * cache anyway); a share Q are silent (no echo reply); the rest are
 * unicast.
 *
 * Each lookup does what resolver.c does: cache_lookup(); a hit in the last
 * tenth of the entry's lifetime starts a background re-probe (modelled as
 * completing at once: a probe RTT is tiny next to a TTL); a miss probes and
 * inserts the result with the TTL of its kind.  Probes cost one echo
 * request (anycast: plus --member-probes flow-label discovery probes;
 * silent: 1 + ProbeRetries attempts, and the lookup waits ProbeTimeout ×
 * attempts).  A hit on an anycast address whose cached member is no longer
 * the nearest counts as stale.
 *
 * Output: one line per TTL of the swept kind (the other two at their
 * defaults): probes and echo requests per lookup and per second, the stale
 * share of anycast lookups, and the share of lookups that waited for a
 * probe (and for a full timeout).  Deterministic for a given --seed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aarp-def.h"
#include "cache.h"

typedef enum { KIND_UNICAST, KIND_ANYCAST, KIND_SILENT } Kind;

typedef struct {
        Kind kind;
        unsigned nearest;     /* anycast: index of the nearest member now */
        uint64_t next_change; /* anycast: when it changes next (usec) */
} Dest;

typedef struct {
        unsigned n_dest, members, member_probes;
        double zipf, anycast_share, silent_share, change_interval, rate, duration;
        uint64_t seed;
} Workload;

typedef struct {
        uint64_t lookups, anycast_lookups, probes, echoes, stale, waited, waited_timeout;
} Result;

/* xorshift64*: fast and deterministic; quality is ample for workloads. */
static uint64_t rng_state;

static uint64_t rng_next(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static double rng_unit(void) {
        return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
}

static double rng_exp(double mean) {
        return -mean * log(1.0 - rng_unit());
}

static void dest_addr(unsigned i, struct in6_addr *a) {
        memset(a, 0, sizeof(*a));
        a->s6_addr[0] = 0x20;
        a->s6_addr[1] = 0x01;
        a->s6_addr[2] = 0x0d;
        a->s6_addr[3] = 0xb8;
        a->s6_addr[12] = (uint8_t)(i >> 24);
        a->s6_addr[13] = (uint8_t)(i >> 16);
        a->s6_addr[14] = (uint8_t)(i >> 8);
        a->s6_addr[15] = (uint8_t)i;
}

/* Member @m of destination @i: a unicast address of its own. */
static void member_addr(unsigned i, unsigned m, struct in6_addr *a) {
        dest_addr(i, a);
        a->s6_addr[4] = 0x0e;
        a->s6_addr[5] = (uint8_t)(m + 1);
}

static unsigned zipf_draw(const double *cdf, unsigned n) {
        double u = rng_unit();
        unsigned lo = 0, hi = n - 1;

        while (lo < hi) {
                unsigned mid = lo + (hi - lo) / 2;
                if (cdf[mid] < u)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static void run(const Workload *w, const double *cdf, uint32_t ttl_any, uint32_t ttl_uni, uint32_t ttl_silent,
                Result *res) {
        const uint64_t usec = 1000000u;
        const unsigned attempts = 1 + AARP_PROBE_RETRIES_DEFAULT;
        Dest *d = calloc(w->n_dest, sizeof(Dest));
        Cache *c = cache_new(AARP_CACHE_SIZE_DEFAULT);
        uint64_t now = 0, end = (uint64_t)(w->duration * (double)usec);

        if (!d) {
                fprintf(stderr, "replay: out of memory\n");
                exit(1);
        }
        memset(res, 0, sizeof(*res));
        /* The same workload for every TTL: the seed fixes classes, change
         * times and the lookup sequence, so rows differ only by the TTL. */
        rng_state = w->seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
        for (unsigned i = 0; i < w->n_dest; i++) {
                double u = rng_unit();

                d[i].kind = u < w->anycast_share                   ? KIND_ANYCAST
                            : u < w->anycast_share + w->silent_share ? KIND_SILENT
                                                                     : KIND_UNICAST;
                d[i].nearest = (unsigned)(rng_next() % w->members);
                d[i].next_change = (uint64_t)(rng_exp(w->change_interval) * (double)usec);
        }
        for (;;) {
                struct in6_addr a, nearest;
                const CacheEntry *e;
                unsigned i;
                Dest *x;

                now += (uint64_t)(rng_exp(1.0 / w->rate) * (double)usec) + 1;
                if (now >= end)
                        break;
                i = zipf_draw(cdf, w->n_dest);
                x = &d[i];
                /* Catch up with the route changes since this destination
                 * was last looked at (only its state at lookups matters). */
                while (x->kind == KIND_ANYCAST && x->next_change <= now) {
                        x->nearest = (x->nearest + 1 + (unsigned)(rng_next() % (w->members - 1))) % w->members;
                        x->next_change += (uint64_t)(rng_exp(w->change_interval) * (double)usec) + 1;
                }
                res->lookups++;
                if (x->kind == KIND_ANYCAST)
                        res->anycast_lookups++;
                dest_addr(i, &a);
                member_addr(i, x->nearest, &nearest);

                e = cache_lookup(c, &a, 0, now);
                if (e) {
                        bool refresh = (e->expiry_usec - now) * 10 <= e->lifetime_usec;

                        if (x->kind == KIND_ANYCAST && memcmp(&e->members[0].address, &nearest, 16) != 0)
                                res->stale++;
                        if (!refresh)
                                continue;
                } else {
                        res->waited++;
                        if (x->kind == KIND_SILENT)
                                res->waited_timeout++;
                }
                /* A probe: on a miss the lookup waited for it, on a refresh
                 * it runs behind the answer already given. */
                res->probes++;
                {
                        Member m = {.rtt_usec = 1000};
                        uint64_t flags;
                        uint32_t ttl;

                        switch (x->kind) {
                        case KIND_ANYCAST:
                                m.address = nearest;
                                flags = AARP_FLAG_ANYCAST;
                                ttl = ttl_any;
                                res->echoes += 1 + w->member_probes;
                                break;
                        case KIND_SILENT:
                                m.address = a;
                                flags = AARP_FLAG_NO_REPLY;
                                ttl = ttl_silent;
                                res->echoes += attempts;
                                break;
                        default:
                                m.address = a;
                                flags = AARP_FLAG_UNICAST;
                                ttl = ttl_uni;
                                res->echoes += 1;
                                break;
                        }
                        cache_insert(c, &a, 0, &m, 1, flags, ttl, now);
                }
        }
        cache_free(c);
        free(d);
}

static void usage(const char *argv0) {
        fprintf(stderr,
                "usage: %s [--destinations N] [--zipf S] [--anycast-share P] [--silent-share Q]\n"
                "          [--members M] [--change-interval SEC] [--rate R] [--duration SEC]\n"
                "          [--member-probes K] [--sweep anycast|unicast|noreply] [--ttls T1,T2,...]\n"
                "          [--seed X]\n",
                argv0);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                {"destinations", required_argument, NULL, 'n'}, {"zipf", required_argument, NULL, 'z'},
                {"anycast-share", required_argument, NULL, 'a'}, {"silent-share", required_argument, NULL, 's'},
                {"members", required_argument, NULL, 'm'},    {"change-interval", required_argument, NULL, 'c'},
                {"rate", required_argument, NULL, 'r'},       {"duration", required_argument, NULL, 'd'},
                {"member-probes", required_argument, NULL, 'k'}, {"sweep", required_argument, NULL, 'w'},
                {"ttls", required_argument, NULL, 't'},       {"seed", required_argument, NULL, 'x'},
                {NULL, 0, NULL, 0},
        };
        Workload w = {
                .n_dest = 10000, .members = 3, .member_probes = AARP_MEMBER_PROBES_DEFAULT, .zipf = 1.0,
                .anycast_share = 0.2, .silent_share = 0.05, .change_interval = 3600, .rate = 10,
                .duration = 86400, .seed = 1,
        };
        const char *sweep = "anycast", *ttls = "0,5,15,30,60,120,300,600,1800,3600";
        double *cdf, sum = 0;
        char *list, *tok, *save = NULL;
        int o;

        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'n': w.n_dest = (unsigned)strtoul(optarg, NULL, 10); break;
                case 'z': w.zipf = strtod(optarg, NULL); break;
                case 'a': w.anycast_share = strtod(optarg, NULL); break;
                case 's': w.silent_share = strtod(optarg, NULL); break;
                case 'm': w.members = (unsigned)strtoul(optarg, NULL, 10); break;
                case 'c': w.change_interval = strtod(optarg, NULL); break;
                case 'r': w.rate = strtod(optarg, NULL); break;
                case 'd': w.duration = strtod(optarg, NULL); break;
                case 'k': w.member_probes = (unsigned)strtoul(optarg, NULL, 10); break;
                case 'w': sweep = optarg; break;
                case 't': ttls = optarg; break;
                case 'x': w.seed = strtoull(optarg, NULL, 10); break;
                default: usage(argv[0]); return 2;
                }
        }
        if (w.n_dest < 1 || w.n_dest > 10000000 || w.members < 2 || w.rate <= 0 || w.duration <= 0 ||
            w.change_interval <= 0 || w.anycast_share < 0 || w.silent_share < 0 ||
            w.anycast_share + w.silent_share > 1 || w.zipf < 0 ||
            (strcmp(sweep, "anycast") && strcmp(sweep, "unicast") && strcmp(sweep, "noreply"))) {
                usage(argv[0]);
                return 2;
        }
        cdf = malloc(sizeof(double) * w.n_dest);
        if (!cdf)
                return 1;
        for (unsigned i = 0; i < w.n_dest; i++)
                sum += 1.0 / pow((double)(i + 1), w.zipf);
        for (unsigned i = 0; i < w.n_dest; i++)
                cdf[i] = (i ? cdf[i - 1] : 0.0) + 1.0 / pow((double)(i + 1), w.zipf) / sum;
        cdf[w.n_dest - 1] = 1.0;

        printf("# replay destinations %u zipf %.2f anycast_share %.2f silent_share %.2f members %u "
               "change_interval_s %.0f rate_per_s %.1f duration_s %.0f member_probes %u seed %llu sweep %s\n",
               w.n_dest, w.zipf, w.anycast_share, w.silent_share, w.members, w.change_interval, w.rate,
               w.duration, w.member_probes, (unsigned long long)w.seed, sweep);
        printf("# ttl_s lookups probes_per_lookup echoes_per_lookup echoes_per_s stale_share_anycast "
               "waited_share waited_timeout_share\n");
        list = strdup(ttls);
        for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                uint32_t ttl = (uint32_t)strtoul(tok, NULL, 10);
                uint32_t any = AARP_ANYCAST_TTL_SEC_DEFAULT, uni = AARP_UNICAST_TTL_SEC_DEFAULT,
                         silent = AARP_NO_REPLY_TTL_SEC_DEFAULT;
                Result r;

                if (strcmp(sweep, "anycast") == 0)
                        any = ttl;
                else if (strcmp(sweep, "unicast") == 0)
                        uni = ttl;
                else
                        silent = ttl;
                run(&w, cdf, any, uni, silent, &r);
                printf("%u %llu %.4f %.4f %.3f %.5f %.4f %.5f\n", ttl, (unsigned long long)r.lookups,
                       (double)r.probes / (double)r.lookups, (double)r.echoes / (double)r.lookups,
                       (double)r.echoes / w.duration,
                       r.anycast_lookups ? (double)r.stale / (double)r.anycast_lookups : 0.0,
                       (double)r.waited / (double)r.lookups, (double)r.waited_timeout / (double)r.lookups);
                fflush(stdout);
        }
        free(list);
        free(cdf);
        return 0;
}
