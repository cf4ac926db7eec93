/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-config.c: resolverd/common/config.c, the resolved.conf parser (GKeyFile
 * plus our value parsers and the line finder used in error messages).
 * The file is root's, but a crash on a bad edit would take name resolution
 * down at the next SIGHUP, and every accepted value must be in range.
 */
#include <string.h>

#include "aarp-def.h"
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Config) c = config_parse((const char *) data, size, "fuzz.conf", &error);

        /* Exactly one of a configuration and an error, and errors name the
         * file so an administrator can find it. */
        FUZZ_CHECK((c == NULL) != (error == NULL));
        if (error) {
                FUZZ_CHECK(error->message && strncmp(error->message, "fuzz.conf", 9) == 0);
        } else {
                FUZZ_CHECK(c->probe_timeout_msec >= 10 && c->probe_timeout_msec <= 60000);
                FUZZ_CHECK(c->probe_retries <= 10);
                FUZZ_CHECK(c->anycast_ttl_sec <= 86400 && c->unicast_ttl_sec <= 86400 &&
                           c->no_reply_ttl_sec <= 86400);
                FUZZ_CHECK(c->cache_size >= 1 && c->cache_size <= AARP_CACHE_SIZE_MAX);
                FUZZ_CHECK(c->probes_in_flight >= 1 &&
                           c->probes_in_flight <= AARP_PROBES_IN_FLIGHT_MAX);
                for (guint i = 0; i < c->anycast_prefixes->len; i++)
                        FUZZ_CHECK(g_array_index(c->anycast_prefixes, Prefix, i).prefixlen <= 128);
        }

        /* The value parsers on their own, with the first line as a value:
         * they are reached with any text after '=' in the file. */
        const uint8_t *nl = memchr(data, '\n', size);
        g_autofree char *line = g_strndup((const char *) data, nl ? (gsize) (nl - data) : size);
        uint64_t msec = 0;
        Prefix p;

        if (config_parse_timespan(line, 86400000, &msec))
                FUZZ_CHECK(msec <= 86400000);
        if (config_parse_prefix(line, &p)) {
                FUZZ_CHECK(p.prefixlen <= 128);
                /* Host bits are cleared. */
                for (unsigned bit = p.prefixlen; bit < 128; bit++)
                        FUZZ_CHECK(!(p.prefix.s6_addr[bit / 8] & (0x80u >> (bit % 8))));
        }
        return 0;
}
