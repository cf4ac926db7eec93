/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-shim-cache.c: client/shim/shim-cache.c, the state the aarp-run shim
 * keeps inside the application's process.  The input is a sequence of
 * operations with addresses, times and file descriptors from the input;
 * after each one the target checks what the header promises: an expired
 * entry is never returned, a fresh insert is found at once, a recorded
 * socket pair is found until replaced, and descriptors out of range are
 * refused rather than indexed.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "shim-cache.h"

static void address(FuzzInput *in, struct in6_addr *a) {
        /* Few distinct addresses, so that operations collide in a set and
         * replace each other; a real address every 8th byte value. */
        uint8_t b = fuzz_u8(in);

        memset(a, 0, sizeof(*a));
        if (b & 0x80) {
                fuzz_bytes(in, a, sizeof(*a));
                return;
        }
        a->s6_addr[0] = 0x20;
        a->s6_addr[1] = 0x01;
        a->s6_addr[15] = b & 0x3f;
}

static int descriptor(FuzzInput *in) {
        uint8_t b = fuzz_u8(in);

        switch (b >> 6) {
        case 0:
                return b & 0x3f;
        case 1:
                return -(int) (b & 0x3f) - 1;
        case 2:
                /* Out of range only: the top of the range would make the
                 * table 150 MB, which costs time and finds nothing. */
                return b & 1 ? INT_MAX : SHIM_SOCKETS_FD_MAX + (b & 0x3f);
        default:
                return (int) (fuzz_u32(in) % 70000);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FuzzInput in = { data, size };
        static ShimCache cache;
        ShimSockets sockets = { 0 };
        uint64_t now = 1000000;

        shim_cache_clear(&cache);
        for (unsigned ops = 0; in.size > 0 && ops < 512; ops++) {
                ShimMapping m = { 0 }, got;
                struct in6_addr anycast, unicast, back;
                dev_t dev;
                ino_t ino;
                int fd, r;

                switch (fuzz_u8(&in) % 7) {
                case 0: /* time passes */
                        now += fuzz_u32(&in);
                        break;
                case 1:
                        address(&in, &m.anycast);
                        address(&in, &m.unicast);
                        m.scope = fuzz_u8(&in) & 3;
                        m.rewrite = fuzz_u8(&in) & 1;
                        m.expires_usec = now - 1000000 + fuzz_u32(&in);
                        shim_cache_insert(&cache, &m, now);
                        if (m.expires_usec > now) {
                                FUZZ_CHECK(shim_cache_lookup(&cache, &m.anycast, m.scope, now, &got));
                                FUZZ_CHECK(memcmp(&got, &m, sizeof(m)) == 0);
                        } else {
                                FUZZ_CHECK(!shim_cache_lookup(&cache, &m.anycast, m.scope, now, &got) ||
                                           got.expires_usec > now);
                        }
                        break;
                case 2:
                        address(&in, &anycast);
                        m.scope = fuzz_u8(&in) & 3;
                        if (shim_cache_lookup(&cache, &anycast, m.scope, now, &got)) {
                                FUZZ_CHECK(got.expires_usec > now);
                                FUZZ_CHECK(got.scope == m.scope);
                                FUZZ_CHECK(IN6_ARE_ADDR_EQUAL(&got.anycast, &anycast));
                        }
                        break;
                case 3:
                        if (fuzz_u8(&in) == 0)
                                shim_cache_clear(&cache);
                        address(&in, &anycast);
                        (void) shim_address_is_candidate(&anycast, fuzz_u8(&in) & 1);
                        break;
                case 4:
                        fd = descriptor(&in);
                        dev = fuzz_u8(&in) & 1;
                        ino = fuzz_u8(&in) & 1;
                        address(&in, &anycast);
                        address(&in, &unicast);
                        r = shim_sockets_add(&sockets, fd, dev, ino, &anycast, &unicast);
                        if (fd < 0 || fd >= SHIM_SOCKETS_FD_MAX) {
                                FUZZ_CHECK(r == -EBADF);
                                break;
                        }
                        FUZZ_CHECK(r == 0);
                        FUZZ_CHECK(shim_sockets_lookup(&sockets, fd, &unicast, &back, &dev, &ino));
                        FUZZ_CHECK(IN6_ARE_ADDR_EQUAL(&back, &anycast));
                        break;
                case 5:
                        fd = descriptor(&in);
                        address(&in, &unicast);
                        if (shim_sockets_lookup(&sockets, fd, &unicast, &back, &dev, &ino))
                                FUZZ_CHECK(fd >= 0 && (size_t) fd < sockets.size);
                        break;
                case 6:
                        fd = descriptor(&in);
                        shim_sockets_forget(&sockets, fd);
                        address(&in, &unicast);
                        FUZZ_CHECK(!shim_sockets_lookup(&sockets, fd, &unicast, &back, &dev, &ino));
                        break;
                }
        }
        shim_sockets_free(&sockets);
        return 0;
}
