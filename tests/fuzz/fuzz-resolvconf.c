/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-resolvconf.c: resolverd/names/resolvconf.c.  resolv.conf is rewritten by
 * DHCP clients, VPN software and NetworkManager, i.e. from data that came
 * off the network; the parse must never fail and must respect glibc's
 * limits, which later code relies on.
 */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "names-syntax.h"
#include "resolvconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(ResolvConf) rc = resolv_conf_parse((const char *) data, size);

        FUZZ_CHECK(rc);
        FUZZ_CHECK(rc->servers->len >= 1 && rc->servers->len <= RESOLV_CONF_SERVERS_MAX);
        for (guint i = 0; i < rc->servers->len; i++) {
                const NameServer *s = &g_array_index(rc->servers, NameServer, i);

                FUZZ_CHECK(s->family == AF_INET || s->family == AF_INET6);
                FUZZ_CHECK(s->ifindex >= 0);
                FUZZ_CHECK(s->family == AF_INET6 || s->ifindex == 0);
        }
        FUZZ_CHECK(rc->search->len <= RESOLV_CONF_SEARCH_MAX);
        for (guint i = 0; i < rc->search->len; i++) {
                const char *d = g_ptr_array_index(rc->search, i);
                size_t len = strlen(d);

                FUZZ_CHECK(len > 0 && d[len - 1] != '.');
                FUZZ_CHECK(names_validate(d, NULL));
        }
        FUZZ_CHECK(rc->ndots <= RESOLV_CONF_NDOTS_MAX);
        FUZZ_CHECK(rc->timeout_sec >= 1 && rc->timeout_sec <= RESOLV_CONF_TIMEOUT_MAX);
        FUZZ_CHECK(rc->attempts >= 1 && rc->attempts <= RESOLV_CONF_ATTEMPTS_MAX);
        return 0;
}
