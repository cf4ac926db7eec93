/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.h: what every fuzz target shares.  A target defines
 * LLVMFuzzerTestOneInput() and is linked either with libFuzzer
 * (-Dfuzzing=true, clang) or with replay.c (every other build).
 *
 * FUZZ_CHECK() states an invariant of the code under test.  It aborts, so a
 * wrong answer is a finding just like a memory error, with the failed
 * expression in the report.  It is not assert(): NDEBUG must not turn it
 * off.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(expr)                                                                   \
        do {                                                                               \
                if (!(expr)) {                                                             \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                                #expr);                                                    \
                        abort();                                                           \
                }                                                                          \
        } while (0)

/* A byte reader over the fuzz input: the structured targets take their
 * parameters from the front of the input.  Reading past the end gives
 * zeros, so every input is usable. */
typedef struct {
        const uint8_t *data;
        size_t size;
} FuzzInput;

static inline uint8_t fuzz_u8(FuzzInput *in) {
        uint8_t v = 0;

        if (in->size > 0) {
                v = in->data[0];
                in->data++;
                in->size--;
        }
        return v;
}

static inline uint32_t fuzz_u32(FuzzInput *in) {
        uint32_t v = 0;

        for (int i = 0; i < 4; i++)
                v = v << 8 | fuzz_u8(in);
        return v;
}

static inline void fuzz_bytes(FuzzInput *in, void *ret, size_t n) {
        uint8_t *p = ret;

        for (size_t i = 0; i < n; i++)
                p[i] = fuzz_u8(in);
}
