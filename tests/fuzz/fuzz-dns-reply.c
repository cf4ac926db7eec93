/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dns-reply.c: resolverd/names/dns-reply.c, what the daemon takes out of a
 * DNS answer: addresses, TTL and canonical name (through c-ares), and the
 * RFC 2308 negative TTL and the host names of a PTR answer (our own walks
 * over the message, compressed names included).  DNS replies come from the network; a spoofed or broken one
 * must not crash the daemon or produce more addresses than the limit.
 */
#include <arpa/nameser.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "dns-reply.h"
#include "fuzz.h"
#include "name-address.h"
#include "names-syntax.h"

static void parse(const unsigned char *abuf, int alen, int type) {
        g_autoptr(GArray) addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
        g_autofree char *canonical = NULL;
        uint32_t ttl = 0;
        guint n = dns_reply_parse_addresses(abuf, alen, type, addresses, &ttl, &canonical);

        FUZZ_CHECK(n == addresses->len);
        FUZZ_CHECK(n <= AARP_ADDRESSES_MAX);
        if (n == 0)
                FUZZ_CHECK(ttl == G_MAXUINT32 && canonical == NULL);
        for (guint i = 0; i < n; i++)
                FUZZ_CHECK(g_array_index(addresses, NameAddress, i).family ==
                           (type == ns_t_aaaa ? AF_INET6 : AF_INET));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 65535) /* a DNS message's limit (TCP length field) */
                return 0;

        /* An exact-size copy: a read past the message is an ASan report. */
        unsigned char *abuf = malloc(size ? size : 1);
        FUZZ_CHECK(abuf);
        memcpy(abuf, data, size);

        parse(abuf, (int) size, ns_t_a);
        parse(abuf, (int) size, ns_t_aaaa);
        (void) dns_reply_negative_ttl(abuf, (int) size);

        /* PTR answers: only valid host names, at most the limit, none twice. */
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        uint32_t ttl = 0;
        guint n = dns_reply_parse_ptr(abuf, (int) size, names, &ttl);
        FUZZ_CHECK(n == names->len && n <= DNS_REPLY_PTR_MAX);
        FUZZ_CHECK(n > 0 || ttl == G_MAXUINT32);
        for (guint i = 0; i < n; i++) {
                FUZZ_CHECK(names_validate(names->pdata[i], NULL));
                for (guint j = 0; j < i; j++)
                        FUZZ_CHECK(g_ascii_strcasecmp(names->pdata[i], names->pdata[j]) != 0);
        }

        free(abuf);
        return 0;
}
