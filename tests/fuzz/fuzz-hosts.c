/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-hosts.c: resolverd/names/hosts.c, the hosts-file parser and lookup.  The
 * daemon re-reads /etc/hosts whenever it changes; whatever is in it, the
 * parse must not fail and lookups must only return what the file said.
 * The input's own words are looked up, so that names that are present get
 * found and exercised.
 */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "hosts.h"
#include "names-syntax.h"

static void lookup(const Hosts *h, const char *name) {
        static const int families[] = { AF_UNSPEC, AF_INET, AF_INET6 };

        for (size_t f = 0; f < G_N_ELEMENTS(families); f++) {
                g_autoptr(GArray) addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
                g_autofree char *canonical = NULL;

                if (!hosts_lookup(h, name, families[f], addresses, &canonical)) {
                        FUZZ_CHECK(addresses->len == 0 && canonical == NULL);
                        continue;
                }
                /* Only names that could be asked for are ever found. */
                FUZZ_CHECK(names_validate(name, NULL));
                FUZZ_CHECK((addresses->len > 0) == (canonical != NULL));
                if (canonical)
                        FUZZ_CHECK(names_validate(canonical, NULL));
                for (guint i = 0; i < addresses->len; i++) {
                        const NameAddress *a = &g_array_index(addresses, NameAddress, i);

                        FUZZ_CHECK(a->family == AF_INET || a->family == AF_INET6);
                        FUZZ_CHECK(families[f] == AF_UNSPEC || a->family == families[f]);
                        FUZZ_CHECK(a->ifindex >= 0);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(Hosts) h = hosts_parse((const char *) data, size);

        FUZZ_CHECK(h);
        (void) hosts_size(h);

        /* Look up the first few words of the input. */
        g_autofree char *text = g_strndup((const char *) data, size);
        g_auto(GStrv) words = g_strsplit_set(text, " \t\r\n\f\v#", -1);
        unsigned looked = 0;
        for (size_t i = 0; words[i] && looked < 16; i++) {
                if (words[i][0] == '\0')
                        continue;
                lookup(h, words[i]);
                looked++;
        }
        return 0;
}
