/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-syntax.c: host name validation (names_validate()), lookup keys and
 * IP literal parsing.  Kept apart from names.c because the hosts-file and
 * resolv.conf parsers apply the same rules to the names they read.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "names-syntax.h"

char *names_key(const char *name) {
        return g_ascii_strdown(name, -1);
}

char *names_hosts_key(const char *name) {
        size_t len = strlen(name);

        if (len > 1 && name[len - 1] == '.')
                len--;
        return g_ascii_strdown(name, (gssize) len);
}

static int parse_scope(const char *scope) {
        char *end = NULL;
        unsigned long v;

        if (*scope == '\0')
                return -1;
        if (g_ascii_isdigit(*scope)) {
                v = strtoul(scope, &end, 10);
                if (*end != '\0' || v == 0 || v > G_MAXINT)
                        return -1;
                return (int) v;
        }
        v = if_nametoindex(scope);
        return v == 0 ? -1 : (int) v;
}

gboolean names_parse_literal(const char *name, NameAddress *ret) {
        NameAddress a = { 0 };
        char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

        if (strlen(name) >= sizeof(buf))
                return FALSE;

        if (inet_pton(AF_INET, name, a.address) == 1) {
                a.family = AF_INET;
                *ret = a;
                return TRUE;
        }

        g_strlcpy(buf, name, sizeof(buf));
        char *percent = strchr(buf, '%');
        if (percent) {
                *percent = '\0';
                a.ifindex = parse_scope(percent + 1);
                if (a.ifindex < 0)
                        return FALSE;
        }
        if (inet_pton(AF_INET6, buf, a.address) != 1)
                return FALSE;
        a.family = AF_INET6;
        *ret = a;
        return TRUE;
}

gboolean names_address_is_link_local(const NameAddress *a) {
        return a->family == AF_INET6 && a->address[0] == 0xfe && (a->address[1] & 0xc0) == 0x80;
}

/* Which bytes a label may hold.  Letters, digits and '-' are RFC 952/1123
 * host names; '_' is common in real names (and resolved accepts it); bytes
 * >= 0x80 are UTF-8 (validated as a whole), which we pass on as is:
 * IDNA conversion is the caller's job, as with getaddrinfo(AI_IDN).
 * Everything else (controls, space, '\\', '%', '/', ...) has no business in
 * a host name and some of it would be read as escapes by the DNS encoder. */
static gboolean label_char_ok(unsigned char c) {
        return g_ascii_isalnum(c) || c == '-' || c == '_' || c >= 0x80;
}

gboolean names_validate(const char *name, GError **error) {
        NameAddress literal;

        if (!name || *name == '\0') {
                g_set_error_literal(error, AARP_ERROR, AARP_E_INVALID_NAME, "Empty host name");
                return FALSE;
        }

        size_t len = strlen(name);
        if (!g_utf8_validate(name, (gssize) len, NULL)) {
                g_set_error_literal(error, AARP_ERROR, AARP_E_INVALID_NAME,
                                    "Host name is not valid UTF-8");
                return FALSE;
        }

        /* IP literals are accepted and answered as themselves (an IPv6
         * one after AARP resolution): that is what getaddrinfo() does, and
         * it lets a client resolve an anycast literal by "name". */
        if (names_parse_literal(name, &literal))
                return TRUE;

        if (name[len - 1] == '.')
                len--;
        if (len == 0 || len > AARP_NAME_MAX) {
                g_set_error(error, AARP_ERROR, AARP_E_INVALID_NAME,
                            "Host name must be 1-%u characters long", AARP_NAME_MAX);
                return FALSE;
        }

        size_t label = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) name[i];

                if (c == '.') {
                        if (label == 0) {
                                g_set_error_literal(error, AARP_ERROR, AARP_E_INVALID_NAME,
                                                    "Host name has an empty label");
                                return FALSE;
                        }
                        label = 0;
                        continue;
                }
                if (!label_char_ok(c)) {
                        g_set_error(error, AARP_ERROR, AARP_E_INVALID_NAME,
                                    "Host name contains an invalid character (0x%02x)", c);
                        return FALSE;
                }
                if (++label > AARP_LABEL_MAX) {
                        g_set_error(error, AARP_ERROR, AARP_E_INVALID_NAME,
                                    "Host name has a label longer than %u bytes",
                                    AARP_LABEL_MAX);
                        return FALSE;
                }
        }
        if (label == 0) { /* "host.." */
                g_set_error_literal(error, AARP_ERROR, AARP_E_INVALID_NAME,
                                    "Host name has an empty label");
                return FALSE;
        }
        return TRUE;
}
