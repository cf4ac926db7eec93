/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-reply.c: reply parsing on top of c-ares's parsers.  Addresses come
 * from ares_parse_a_reply()/ares_parse_aaaa_reply() (which give per-address
 * TTLs already lowered to the CNAME chain's); the SOA for negative caching
 * is read by hand from the authority section, which c-ares 1.18's
 * ares_parse_soa_reply() does not look at.
 */
#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "dns-reply.h"
#include "names-syntax.h"

guint dns_reply_parse_addresses(const unsigned char *abuf, int alen, int type,
                                GArray *ret_addresses, uint32_t *ret_ttl_sec,
                                char **ret_canonical) {
        struct hostent *host = NULL;
        int n = AARP_ADDRESSES_MAX;
        int r;
        guint added = 0;

        *ret_ttl_sec = G_MAXUINT32;
        *ret_canonical = NULL;
        if (!abuf || alen <= 0)
                return 0;

        if (type == ns_t_aaaa) {
                struct ares_addr6ttl ttls[AARP_ADDRESSES_MAX];

                r = ares_parse_aaaa_reply(abuf, alen, &host, ttls, &n);
                if (r != ARES_SUCCESS)
                        n = 0;
                for (int i = 0; i < n; i++) {
                        NameAddress a = { .family = AF_INET6 };

                        memcpy(a.address, &ttls[i].ip6addr, 16);
                        g_array_append_val(ret_addresses, a);
                        *ret_ttl_sec = MIN(*ret_ttl_sec, (uint32_t) MAX(ttls[i].ttl, 0));
                        added++;
                }
        } else {
                struct ares_addrttl ttls[AARP_ADDRESSES_MAX];

                r = ares_parse_a_reply(abuf, alen, &host, ttls, &n);
                if (r != ARES_SUCCESS)
                        n = 0;
                for (int i = 0; i < n; i++) {
                        NameAddress a = { .family = AF_INET };

                        memcpy(a.address, &ttls[i].ipaddr, 4);
                        g_array_append_val(ret_addresses, a);
                        *ret_ttl_sec = MIN(*ret_ttl_sec, (uint32_t) MAX(ttls[i].ttl, 0));
                        added++;
                }
        }

        if (host) {
                if (added > 0 && host->h_name)
                        *ret_canonical = g_strdup(host->h_name);
                ares_free_hostent(host);
        }
        return added;
}

/* Skip a (possibly compressed) name at @p; NULL if malformed. */
static const unsigned char *skip_name(const unsigned char *p, const unsigned char *abuf, int alen) {
        char *s = NULL;
        long len = 0;

        if (ares_expand_name(p, abuf, alen, &s, &len) != ARES_SUCCESS)
                return NULL;
        ares_free_string(s);
        return p + len;
}

static uint32_t get32(const unsigned char *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint16_t get16(const unsigned char *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

uint32_t dns_reply_negative_ttl(const unsigned char *abuf, int alen) {
        const unsigned char *end = abuf + alen, *p;

        if (!abuf || alen < NS_HFIXEDSZ)
                return G_MAXUINT32;

        unsigned qd = get16(abuf + 4), an = get16(abuf + 6), ns = get16(abuf + 8);
        p = abuf + NS_HFIXEDSZ;

        for (unsigned i = 0; i < qd; i++) {
                if (!(p = skip_name(p, abuf, alen)) || end - p < NS_QFIXEDSZ)
                        return G_MAXUINT32;
                p += NS_QFIXEDSZ;
        }
        for (unsigned i = 0; i < an + ns; i++) {
                if (!(p = skip_name(p, abuf, alen)) || end - p < NS_RRFIXEDSZ)
                        return G_MAXUINT32;

                uint16_t type = get16(p);
                uint32_t ttl = get32(p + 4);
                uint16_t rdlen = get16(p + 8);
                const unsigned char *rdata = p + NS_RRFIXEDSZ;

                if (end - rdata < rdlen)
                        return G_MAXUINT32;
                if (i >= an && type == ns_t_soa) {
                        const unsigned char *q = skip_name(rdata, abuf, alen); /* MNAME */

                        if (q)
                                q = skip_name(q, abuf, alen); /* RNAME */
                        if (!q || q + 20 > rdata + rdlen)
                                return G_MAXUINT32;
                        /* SERIAL REFRESH RETRY EXPIRE MINIMUM */
                        uint32_t minimum = get32(q + 16);
                        return MIN(ttl & 0x7fffffffu, minimum);
                }
                p = rdata + rdlen;
        }
        return G_MAXUINT32;
}

guint dns_reply_parse_ptr(const unsigned char *abuf, int alen, GPtrArray *ret_names, uint32_t *ret_ttl_sec) {
        const unsigned char *end = abuf + alen, *p;
        guint added = 0;

        *ret_ttl_sec = G_MAXUINT32;
        if (!abuf || alen < NS_HFIXEDSZ)
                return 0;

        unsigned qd = get16(abuf + 4), an = get16(abuf + 6);
        p = abuf + NS_HFIXEDSZ;
        for (unsigned i = 0; i < qd; i++) {
                if (!(p = skip_name(p, abuf, alen)) || end - p < NS_QFIXEDSZ)
                        return 0;
                p += NS_QFIXEDSZ;
        }
        /* Every PTR in the answer section: the server put there what
         * answers the question, CNAMEs of a classless delegation (RFC 2317)
         * included.  The names come from whoever runs the reverse zone, so
         * only valid host names are taken. */
        for (unsigned i = 0; i < an; i++) {
                if (!(p = skip_name(p, abuf, alen)) || end - p < NS_RRFIXEDSZ)
                        return added;

                uint16_t type = get16(p), class = get16(p + 2);
                uint32_t ttl = get32(p + 4) & 0x7fffffffu;
                uint16_t rdlen = get16(p + 8);
                const unsigned char *rdata = p + NS_RRFIXEDSZ;
                char *s = NULL;
                long len = 0;

                if (end - rdata < rdlen)
                        return added;
                p = rdata + rdlen;
                if (type != ns_t_ptr || class != ns_c_in || ret_names->len >= DNS_REPLY_PTR_MAX)
                        continue;
                if (ares_expand_name(rdata, abuf, alen, &s, &len) != ARES_SUCCESS)
                        continue;
                gboolean dup = FALSE;
                for (guint j = 0; j < ret_names->len && !dup; j++)
                        dup = g_ascii_strcasecmp(ret_names->pdata[j], s) == 0;
                NameAddress literal;
                if (!dup && *s && names_validate(s, NULL) && !names_parse_literal(s, &literal)) {
                        g_ptr_array_add(ret_names, g_strdup(s));
                        *ret_ttl_sec = MIN(*ret_ttl_sec, ttl);
                        added++;
                }
                ares_free_string(s);
        }
        return added;
}
