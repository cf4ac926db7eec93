/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-siphash.h: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012) with 64- or 128-bit output, written after the
 * paper's reference description.  Header-only and libc-free, since the NSS
 * module (no GLib) and the daemon must compute the same values from
 * names.snapshot.  tests/unit/test-snapshot.c checks it against the
 * published test vectors.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline uint64_t aarp_sip_rotl(uint64_t x, unsigned b) {
        return (x << b) | (x >> (64u - b));
}

static inline uint64_t aarp_sip_le64(const uint8_t *p) {
        uint64_t v = 0;

        for (unsigned i = 0; i < 8; i++)
                v |= (uint64_t) p[i] << (8u * i);
        return v;
}

static inline void aarp_sip_put_le64(uint8_t *p, uint64_t v) {
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8u * i));
}

static inline void aarp_sip_round(uint64_t v[4]) {
        v[0] += v[1];
        v[1] = aarp_sip_rotl(v[1], 13);
        v[1] ^= v[0];
        v[0] = aarp_sip_rotl(v[0], 32);
        v[2] += v[3];
        v[3] = aarp_sip_rotl(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = aarp_sip_rotl(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = aarp_sip_rotl(v[1], 17);
        v[1] ^= v[2];
        v[2] = aarp_sip_rotl(v[2], 32);
}

/* SipHash-2-4 of @in (@len bytes) under the 16-byte @key into @out, whose
 * size @out_len is 8 or 16. */
static inline void aarp_siphash24(const void *in, size_t len, const uint8_t key[16], uint8_t *out, size_t out_len) {
        const uint8_t *p = in;
        uint64_t k0 = aarp_sip_le64(key), k1 = aarp_sip_le64(key + 8);
        uint64_t v[4] = { UINT64_C(0x736f6d6570736575) ^ k0, UINT64_C(0x646f72616e646f6d) ^ k1,
                          UINT64_C(0x6c7967656e657261) ^ k0, UINT64_C(0x7465646279746573) ^ k1 };
        uint64_t b = (uint64_t) len << 56, m;
        size_t full = len & ~(size_t) 7u;

        if (out_len == 16)
                v[1] ^= 0xee;
        for (size_t i = 0; i < full; i += 8) {
                m = aarp_sip_le64(p + i);
                v[3] ^= m;
                aarp_sip_round(v);
                aarp_sip_round(v);
                v[0] ^= m;
        }
        for (size_t i = full; i < len; i++)
                b |= (uint64_t) p[i] << (8u * (i - full));
        v[3] ^= b;
        aarp_sip_round(v);
        aarp_sip_round(v);
        v[0] ^= b;

        v[2] ^= out_len == 16 ? 0xee : 0xff;
        for (unsigned i = 0; i < 4; i++)
                aarp_sip_round(v);
        aarp_sip_put_le64(out, v[0] ^ v[1] ^ v[2] ^ v[3]);
        if (out_len != 16)
                return;
        v[1] ^= 0xdd;
        for (unsigned i = 0; i < 4; i++)
                aarp_sip_round(v);
        aarp_sip_put_le64(out + 8, v[0] ^ v[1] ^ v[2] ^ v[3]);
}
