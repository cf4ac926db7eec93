/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-names-validate.c: resolverd/names/names-syntax.c.  names_validate() is
 * the gate every ResolveHostname name from any local user passes, and
 * the hosts and resolv.conf parsers apply it too.  Beyond memory safety:
 * what it accepts is either an IP literal or a name within the documented
 * limits, and a rejection always carries AARP_E_INVALID_NAME.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "fuzz.h"
#include "names-syntax.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* D-Bus strings cannot hold NUL; cut there as the bus would refuse. */
        g_autofree char *name = g_strndup((const char *) data, size);
        g_autoptr(GError) error = NULL;
        NameAddress literal;
        gboolean is_literal = names_parse_literal(name, &literal);
        gboolean ok = names_validate(name, &error);

        FUZZ_CHECK(ok == (error == NULL));
        if (!ok) {
                FUZZ_CHECK(g_error_matches(error, AARP_ERROR, AARP_E_INVALID_NAME));
                FUZZ_CHECK(!is_literal);
                return 0;
        }

        size_t len = strlen(name);
        FUZZ_CHECK(len > 0);
        FUZZ_CHECK(g_utf8_validate(name, (gssize) len, NULL));
        if (is_literal) {
                char text[INET6_ADDRSTRLEN];

                FUZZ_CHECK(literal.family == AF_INET || literal.family == AF_INET6);
                FUZZ_CHECK(literal.ifindex >= 0);
                FUZZ_CHECK(inet_ntop(literal.family, literal.address, text, sizeof(text)));
                return 0;
        }

        /* A host name: the documented shape. */
        if (name[len - 1] == '.')
                len--;
        FUZZ_CHECK(len >= 1 && len <= AARP_NAME_MAX);
        size_t label = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) name[i];

                if (c == '.') {
                        FUZZ_CHECK(label > 0);
                        label = 0;
                        continue;
                }
                FUZZ_CHECK(g_ascii_isalnum(c) || c == '-' || c == '_' || c >= 0x80);
                FUZZ_CHECK(++label <= AARP_LABEL_MAX);
        }
        FUZZ_CHECK(label > 0);

        /* The cache key is the whole name lowercased, a trailing dot kept
         * (absolute and relative names are different questions); the hosts
         * key drops the dot.  Each is a valid name that keys to itself. */
        g_autofree char *key = names_key(name);
        FUZZ_CHECK(strlen(key) == strlen(name));
        FUZZ_CHECK(g_ascii_strcasecmp(key, name) == 0);
        FUZZ_CHECK(names_validate(key, NULL));
        g_autofree char *key2 = names_key(key);
        FUZZ_CHECK(strcmp(key, key2) == 0);
        g_autofree char *hkey = names_hosts_key(name);
        FUZZ_CHECK(strlen(hkey) == len);
        FUZZ_CHECK(g_ascii_strncasecmp(hkey, name, len) == 0);
        FUZZ_CHECK(names_validate(hkey, NULL));
        g_autofree char *hkey2 = names_hosts_key(hkey);
        FUZZ_CHECK(strcmp(hkey, hkey2) == 0);
        return 0;
}
