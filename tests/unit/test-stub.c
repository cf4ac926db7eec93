/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The DNS stub listener's configuration keys, message checks and cache
 * (resolverd/common/config.c, stub-packet.c, stub-cache.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "config.h"
#include "stub-cache.h"
#include "stub-packet.h"

static Config *parse(const char *text, GError **error) {
        return config_parse(text, strlen(text), "test.conf", error);
}

Test(stub, listener_is_off_by_default_on_127_0_0_153) {
        g_autoptr(Config) c = parse("", NULL);

        cr_assert_not(c->dns_stub_listener);
        cr_assert_not(c->map_anycast_answers);
        cr_assert_eq(ntohl(c->dns_stub_listener_address.s_addr), 0x7f000099u);
        cr_assert_eq(c->dns_servers->len, 0);
}

Test(stub, keys_parse) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("[Resolve]\nDNSStubListener=yes\nDNSStubListenerAddress=127.1.2.3\n"
                                    "DNS=192.0.2.1 2001:db8:a::1 fe80::1%1\nMapAnycastAnswers=yes\n", &e);

        cr_assert_not_null(c, "%s", e ? e->message : "");
        cr_assert(c->dns_stub_listener && c->map_anycast_answers);
        cr_assert_eq(ntohl(c->dns_stub_listener_address.s_addr), 0x7f010203u);
        cr_assert_eq(c->dns_servers->len, 3);
        cr_assert_eq(g_array_index(c->dns_servers, NameServer, 0).family, AF_INET);
        cr_assert_eq(g_array_index(c->dns_servers, NameServer, 1).family, AF_INET6);
        cr_assert_eq(g_array_index(c->dns_servers, NameServer, 2).ifindex, 1);
}

Test(stub, listener_address_must_be_loopback) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("[Resolve]\nDNSStubListenerAddress=192.0.2.1\n", &e);

        cr_assert_null(c);
        cr_assert(strstr(e->message, "test.conf:2: DNSStubListenerAddress") != NULL, "%s", e->message);
}

Test(stub, bad_dns_entry_is_an_error) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("[Resolve]\nDNS=192.0.2.1 nameserver.example\n", &e);

        cr_assert_null(c);
        cr_assert(strstr(e->message, "DNS:") != NULL, "%s", e->message);
}

static const uint8_t query_a[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
                                   3, 'S', 'v', 'c', 3, 'l', 'a', 'b', 0, 0, 1, 0, 1,
                                   /* OPT: 1232 bytes, DO */
                                   0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0 };

Test(stub, query_is_parsed_with_edns) {
        StubQuestion q;

        cr_assert_eq(stub_packet_parse_query(query_a, sizeof(query_a), &q), 0);
        cr_assert_eq(q.id, 0x1234);
        cr_assert_eq(q.type, 1);
        cr_assert(q.edns && q.do_bit);
        cr_assert_eq(q.udp_size, 1232);
        cr_assert_eq(q.name_len, 9);
        cr_assert_eq(memcmp(q.name, "\3svc\3lab\0", 9), 0, "the name is lower-cased");
}

Test(stub, bad_queries_get_the_right_rcode_or_nothing) {
        uint8_t p[sizeof(query_a)];
        StubQuestion q;

        memcpy(p, query_a, sizeof(p));
        p[5] = 2; /* two questions */
        cr_assert_eq(stub_packet_parse_query(p, sizeof(p), &q), STUB_RCODE_FORMERR);
        memcpy(p, query_a, sizeof(p));
        p[2] |= 0x80; /* a response: never answered */
        cr_assert_eq(stub_packet_parse_query(p, sizeof(p), &q), -1);
        memcpy(p, query_a, sizeof(p));
        p[2] |= 0x28; /* opcode 5 */
        cr_assert_eq(stub_packet_parse_query(p, sizeof(p), &q), STUB_RCODE_NOTIMP);
        memcpy(p, query_a, sizeof(p));
        p[22] = 252; /* AXFR */
        cr_assert_eq(stub_packet_parse_query(p, sizeof(p), &q), STUB_RCODE_REFUSED);
        cr_assert_eq(stub_packet_parse_query(p, 11, &q), -1);
        cr_assert_eq(stub_packet_parse_query(query_a, sizeof(query_a) - 1, &q), STUB_RCODE_FORMERR);
}

/* NXDOMAIN for svc.lab with an SOA (TTL 300, MINIMUM 30) in authority. */
static const uint8_t nxdomain[] = {
        0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,
        3, 's', 'v', 'c', 3, 'l', 'a', 'b', 0, 0, 1, 0, 1,
        0xc0, 16, 0, 6, 0, 1, 0, 0, 1, 0x2c, 0, 28,
        1, 'n', 0xc0, 16, 1, 'h', 0xc0, 16,
        0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 30,
};

Test(stub, negative_answer_lives_for_the_soa_minimum_and_ages) {
        StubQuestion q;
        uint32_t ttl = 0;
        size_t len = 0;

        cr_assert_eq(stub_packet_parse_query(query_a, sizeof(query_a), &q), 0);
        cr_assert(stub_packet_reply_matches(nxdomain, sizeof(nxdomain), &q));
        cr_assert(stub_packet_min_ttl(nxdomain, sizeof(nxdomain), &ttl));
        cr_assert_eq(ttl, 30);

        g_autoptr(StubCache) c = stub_cache_new(8, 4096);
        g_autoptr(GBytes) key = stub_packet_cache_key(&q);
        stub_cache_put(c, key, nxdomain, sizeof(nxdomain), ttl, 0);
        g_autofree uint8_t *aged = stub_cache_lookup(c, key, 10 * G_USEC_PER_SEC, &len);
        cr_assert_not_null(aged);
        cr_assert_eq(len, sizeof(nxdomain));
        cr_assert(stub_packet_min_ttl(aged, len, &ttl));
        cr_assert_eq(ttl, 20, "30 s minus 10 s in the cache");
        cr_assert_null(stub_cache_lookup(c, key, 30 * G_USEC_PER_SEC, &len), "expired");
}

Test(stub, cache_is_bounded_oldest_out_first) {
        g_autoptr(StubCache) c = stub_cache_new(2, 1 << 20);
        g_autoptr(GBytes) k1 = g_bytes_new_static("1", 1), k2 = g_bytes_new_static("2", 1),
                          k3 = g_bytes_new_static("3", 1);
        size_t len;

        stub_cache_put(c, k1, nxdomain, sizeof(nxdomain), 60, 0);
        stub_cache_put(c, k2, nxdomain, sizeof(nxdomain), 60, 0);
        stub_cache_put(c, k3, nxdomain, sizeof(nxdomain), 60, 0);
        cr_assert_eq(stub_cache_size(c), 2);
        cr_assert_null(stub_cache_lookup(c, k1, 0, &len));
        g_free(stub_cache_lookup(c, k3, 0, &len));
        cr_assert_eq(stub_cache_bytes(c), 2 * sizeof(nxdomain));
}

Test(stub, truncated_reply_keeps_the_question) {
        StubQuestion q;
        uint8_t buf[STUB_HEADER_SIZE + 259];

        cr_assert_eq(stub_packet_parse_query(query_a, sizeof(query_a), &q), 0);
        size_t n = stub_packet_make_empty_reply(query_a, &q, 0, TRUE, buf);
        cr_assert_eq(n, 25);
        cr_assert(buf[2] & 0x02, "TC");
        cr_assert(buf[2] & 0x80, "QR");
        cr_assert(stub_packet_reply_matches(buf, n, &q));
}
