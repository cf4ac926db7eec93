/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-stub-packet.c: the DNS stub listener's packet path: a client's
 * query (resolverd/serving/stub-packet.c: parse, the answer we would build, the
 * cache key) and the same bytes as an upstream reply (matched against the
 * query, TTLs read and aged, AAAA records visited, stored in and served
 * from resolverd/serving/stub-cache.c).  Both come from outside the daemon: any
 * local user sends queries, and replies come from the network.
 */
#include <string.h>

#include "fuzz.h"
#include "stub-cache.h"
#include "stub-packet.h"

static void count_aaaa(uint8_t *address, gpointer user_data) {
        (*(unsigned *) user_data)++;
        address[0] ^= 0; /* a write inside the record: ASan checks it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StubQuestion q;
        uint8_t reply[STUB_HEADER_SIZE + 259];
        uint32_t ttl = 0, ttl2 = 0;
        unsigned n_aaaa = 0;

        if (size > STUB_MESSAGE_MAX)
                return 0;
        /* An exact-size copy: a read past the message is an ASan report. */
        uint8_t *p = malloc(size ? size : 1);
        FUZZ_CHECK(p);
        memcpy(p, data, size);

        int r = stub_packet_parse_query(p, size, &q);
        FUZZ_CHECK(r >= -1 && r <= STUB_RCODE_REFUSED);
        if (r >= 0) {
                FUZZ_CHECK(q.question_end <= size);
                FUZZ_CHECK(q.name_len <= 255);
                FUZZ_CHECK(q.udp_size >= STUB_UDP_PLAIN_MAX);
                size_t n = stub_packet_make_empty_reply(p, &q, r ? r : STUB_RCODE_SERVFAIL, r == 0, reply);
                FUZZ_CHECK(n >= STUB_HEADER_SIZE && n <= sizeof(reply));
                /* Our own answer to a question we read must match it. */
                if (q.question_end > 0)
                        FUZZ_CHECK(stub_packet_reply_matches(reply, n, &q));
                if (r == 0) {
                        FUZZ_CHECK(q.question_end > 0);
                        GBytes *key = stub_packet_cache_key(&q);
                        FUZZ_CHECK(g_bytes_get_size(key) == q.name_len + 5);
                        g_bytes_unref(key);
                }
        }

        /* The same bytes as a reply from upstream. */
        if (r == 0)
                (void) stub_packet_reply_matches(p, size, &q);
        if (stub_packet_min_ttl(p, size, &ttl)) {
                FUZZ_CHECK(stub_packet_age(p, size, 7));
                FUZZ_CHECK(stub_packet_min_ttl(p, size, &ttl2));
                FUZZ_CHECK(ttl2 <= ttl);
                FUZZ_CHECK(stub_packet_foreach_aaaa(p, size, count_aaaa, &n_aaaa));

                StubCache *c = stub_cache_new(2, 1 << 20);
                GBytes *key = g_bytes_new_static("k", 1);
                size_t len = 0;
                stub_cache_put(c, key, p, size, 60, 0);
                uint8_t *back = stub_cache_lookup(c, key, 3 * G_USEC_PER_SEC, &len);
                FUZZ_CHECK(size > (1 << 20) ? back == NULL : back != NULL && len == size);
                g_free(back);
                FUZZ_CHECK(stub_cache_lookup(c, key, 61 * G_USEC_PER_SEC, &len) == NULL);
                FUZZ_CHECK(stub_cache_size(c) == 0 && stub_cache_bytes(c) == 0);
                g_bytes_unref(key);
                stub_cache_free(c);
        }
        free(p);
        return 0;
}
