/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-nss-pack.c: nss/pack.c, which writes lookup results into buffers
 * that glibc (or nscd, or any program calling gethostbyname_r) hands to
 * libnss_aarp.  A byte written outside the buffer corrupts another
 * program's memory, so the buffer is an exact-size heap block whose
 * leading misalignment bytes are poisoned: ASan reports a write on either
 * side.  Also checked: ERANGE leaves the buffer untouched and reports a
 * size that then fits exactly, and a packed result says what was asked.
 *
 * Input: family selector[1] buffer length[2] misalignment[1] name length[1]
 *        address count[1], the name, then per address family[1] ifindex[4]
 *        address[16].
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void) (p), (void) (n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void) (p), (void) (n))
#endif

#include "aarp-def.h"
#include "fuzz.h"
#include "pack.h"

#define FILL 0x5a

typedef struct {
        char *block;
        char *buffer;
        size_t misalign, len;
} Buffer;

static void buffer_new(Buffer *b, size_t misalign, size_t len) {
        b->misalign = misalign;
        b->len = len;
        b->block = malloc(misalign + len + 1);
        FUZZ_CHECK(b->block);
        b->buffer = b->block + misalign;
        memset(b->block, FILL, misalign + len);
        ASAN_POISON_MEMORY_REGION(b->block, misalign);
        /* The extra byte keeps an empty buffer's pointer inside the block,
         * and is poisoned so that it does not widen the buffer. */
        ASAN_POISON_MEMORY_REGION(b->buffer + len, 1);
}

static void buffer_free(Buffer *b) {
        ASAN_UNPOISON_MEMORY_REGION(b->block, b->misalign + b->len + 1);
        free(b->block);
}

static int untouched(const Buffer *b) {
        for (size_t i = 0; i < b->len; i++)
                if ((unsigned char) b->buffer[i] != FILL)
                        return 0;
        return 1;
}

static int inside(const Buffer *b, const void *p, size_t n) {
        const char *c = p;

        return c >= b->buffer && n <= b->len && (size_t) (c - b->buffer) <= b->len - n;
}

static size_t count(const BusAddress *a, size_t n, int family) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                k += family == AF_UNSPEC || a[i].family == family;
        return k;
}

static void check_tuples(const Buffer *b, const char *name, const BusAddress *a, size_t n,
                         int family, const struct gaih_addrtuple *t) {
        size_t i = 0;

        for (; t; t = t->next) {
                FUZZ_CHECK(inside(b, t, sizeof(*t)));
                FUZZ_CHECK(inside(b, t->name, strlen(name) + 1) && strcmp(t->name, name) == 0);
                while (i < n && family != AF_UNSPEC && a[i].family != family)
                        i++;
                FUZZ_CHECK(i < n);
                FUZZ_CHECK(t->family == a[i].family);
                FUZZ_CHECK(memcmp(t->addr, a[i].address, a[i].family == AF_INET ? 4 : 16) == 0);
                /* Only a link-local address carries its link. */
                FUZZ_CHECK(t->scopeid == 0 ||
                           (a[i].family == AF_INET6 && (uint32_t) a[i].ifindex == t->scopeid &&
                            IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *) (const void *) a[i].address)));
                i++;
        }
        while (i < n && family != AF_UNSPEC && a[i].family != family)
                i++;
        FUZZ_CHECK(i == n);
}

static void check_hostent(const Buffer *b, const char *name, const BusAddress *a, size_t n,
                          int family, const struct hostent *h) {
        size_t alen = family == AF_INET ? 4 : 16, k = 0;

        FUZZ_CHECK(h->h_addrtype == family && (size_t) h->h_length == alen);
        FUZZ_CHECK(inside(b, h->h_name, strlen(name) + 1) && strcmp(h->h_name, name) == 0);
        FUZZ_CHECK(inside(b, h->h_aliases, sizeof(char *)) && h->h_aliases[0] == NULL);
        for (size_t i = 0; i < n; i++) {
                if (a[i].family != family)
                        continue;
                FUZZ_CHECK(inside(b, &h->h_addr_list[k], sizeof(char *)));
                FUZZ_CHECK(inside(b, h->h_addr_list[k], alen));
                FUZZ_CHECK(memcmp(h->h_addr_list[k], a[i].address, alen) == 0);
                k++;
        }
        FUZZ_CHECK(inside(b, &h->h_addr_list[k], sizeof(char *)) && h->h_addr_list[k] == NULL);
}

/* One call of each layout at (misalign, len); on ERANGE, the reported size
 * must fit at the same alignment and one byte less must not. */
static void pack(const char *name, const BusAddress *a, size_t n, int family, size_t misalign,
                 size_t len) {
        Buffer b;
        struct gaih_addrtuple *first = NULL;
        struct hostent host;
        size_t needed = 0;
        int r;

        buffer_new(&b, misalign, len);
        r = pack_addrtuples(name, a, n, family, b.buffer, b.len, &first, &needed);
        if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
                FUZZ_CHECK(r == -EAFNOSUPPORT);
        else if (count(a, n, family) == 0)
                FUZZ_CHECK(r == -ENODATA);
        else if (r == -ERANGE) {
                FUZZ_CHECK(untouched(&b));
                FUZZ_CHECK(needed > len);
                {
                        Buffer ok;

                        buffer_new(&ok, misalign, needed);
                        FUZZ_CHECK(pack_addrtuples(name, a, n, family, ok.buffer, ok.len, &first,
                                                   NULL) == 0);
                        check_tuples(&ok, name, a, n, family, first);
                        buffer_free(&ok);
                        buffer_new(&ok, misalign, needed - 1);
                        FUZZ_CHECK(pack_addrtuples(name, a, n, family, ok.buffer, ok.len, &first,
                                                   NULL) == -ERANGE);
                        FUZZ_CHECK(untouched(&ok));
                        buffer_free(&ok);
                }
        } else {
                FUZZ_CHECK(r == 0);
                check_tuples(&b, name, a, n, family, first);
        }
        buffer_free(&b);

        buffer_new(&b, misalign, len);
        needed = 0;
        r = pack_hostent(name, a, n, family, b.buffer, b.len, &host, NULL, &needed);
        if (family != AF_INET && family != AF_INET6)
                FUZZ_CHECK(r == -EAFNOSUPPORT);
        else if (count(a, n, family) == 0)
                FUZZ_CHECK(r == -ENODATA);
        else if (r == -ERANGE) {
                FUZZ_CHECK(untouched(&b));
                FUZZ_CHECK(needed > len);
                {
                        Buffer ok;

                        buffer_new(&ok, misalign, needed);
                        FUZZ_CHECK(pack_hostent(name, a, n, family, ok.buffer, ok.len, &host, NULL,
                                                NULL) == 0);
                        check_hostent(&ok, name, a, n, family, &host);
                        buffer_free(&ok);
                        buffer_new(&ok, misalign, needed - 1);
                        FUZZ_CHECK(pack_hostent(name, a, n, family, ok.buffer, ok.len, &host, NULL,
                                                NULL) == -ERANGE);
                        FUZZ_CHECK(untouched(&ok));
                        buffer_free(&ok);
                }
        } else {
                FUZZ_CHECK(r == 0);
                check_hostent(&b, name, a, n, family, &host);
        }
        buffer_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const int families[] = { AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX };
        FuzzInput in = { data, size };
        int family = families[fuzz_u8(&in) % (sizeof(families) / sizeof(families[0]))];
        size_t len = (size_t) fuzz_u8(&in) << 8 | fuzz_u8(&in);
        size_t misalign = fuzz_u8(&in) % 16;
        size_t name_len = fuzz_u8(&in);
        size_t n = fuzz_u8(&in) % (AARP_ADDRESSES_MAX + 1);
        char *name = calloc(1, name_len + 1);
        BusAddress *a = calloc(n ? n : 1, sizeof(*a));

        FUZZ_CHECK(name && a);
        fuzz_bytes(&in, name, name_len);
        for (size_t i = 0; i < n; i++) {
                a[i].family = fuzz_u8(&in) & 1 ? AF_INET6 : AF_INET;
                a[i].ifindex = (int) fuzz_u32(&in);
                fuzz_bytes(&in, a[i].address, sizeof(a[i].address));
        }
        pack(name, a, n, family, misalign, len);
        free(a);
        free(name);
        return 0;
}
