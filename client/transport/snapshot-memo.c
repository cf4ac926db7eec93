/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-memo.c: per-thread memo of unsealed snapshot answers (see
 * snapshot-memo.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot-memo.h"

/* A few names per thread: programs resolve one or two names again and
 * again; a slot is about 700 bytes. */
#define MEMO_SLOTS 4u
#define MEMO_ADDRESSES_MAX 8u

typedef struct {
        bool used;
        int family;
        uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE];
        uint64_t expiry_usec;
        size_t n;
        BusAddress addresses[MEMO_ADDRESSES_MAX];
        char name[AARP_NAME_MAX + 2];
        size_t canonical_len;
        char canonical[AARP_NAME_MAX + 2];
} MemoSlot;

typedef struct {
        unsigned next; /* round robin */
        MemoSlot slots[MEMO_SLOTS];
} Memo;

/* Initial-exec: libnss_aarp is dlopen()ed, and a dynamic TLS variable in a
 * dlopen()ed object lives in glibc's per-thread DTV, which LeakSanitizer's
 * tracer crashes on (clang 14 / GCC 12 on glibc 2.36: "Tracer caught
 * signal 11" at exit).  A few bytes of glibc's static TLS surplus, which
 * is reserved for dlopen()ed objects, avoid the DTV altogether, and the
 * access is a plain load. */
static __thread Memo *memo __attribute__((tls_model("initial-exec")));
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static bool key_ok;

static void make_key(void) {
        /* The destructor frees a thread's memo when it exits. */
        key_ok = pthread_key_create(&key, free) == 0;
}

int snapshot_memo_find(const uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE], const char *name, int family, uint64_t now,
                       SnapshotAnswer *ret) {
        const MemoSlot *s = NULL;

        if (!memo)
                return -ENOENT;
        for (unsigned i = 0; i < MEMO_SLOTS && !s; i++) {
                const MemoSlot *c = &memo->slots[i];

                if (c->used && c->family == family && strcmp(c->name, name) == 0 &&
                    memcmp(c->file_key, file_key, AARP_SNAPSHOT_KEY_SIZE) == 0)
                        s = c;
        }
        if (!s || s->expiry_usec <= now)
                return -ENOENT;
        memcpy(ret->addresses, s->addresses, s->n * sizeof(s->addresses[0]));
        ret->n = s->n;
        memcpy(ret->canonical, s->canonical, s->canonical_len + 1);
        ret->ttl_sec = snapshot_ttl_left(s->expiry_usec, now);
        return 0;
}

void snapshot_memo_store(const uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE], const char *name, int family,
                         uint64_t expiry_usec, const SnapshotAnswer *answer) {
        size_t canonical_len = strlen(answer->canonical);
        MemoSlot *s;

        if (answer->n == 0 || answer->n > MEMO_ADDRESSES_MAX || strlen(name) > AARP_NAME_MAX + 1 ||
            canonical_len > AARP_NAME_MAX + 1)
                return;
        if (!memo) {
                (void) pthread_once(&key_once, make_key);
                if (!key_ok)
                        return;
                memo = calloc(1, sizeof(*memo));
                if (!memo)
                        return;
                if (pthread_setspecific(key, memo) != 0) {
                        free(memo);
                        memo = NULL;
                        return;
                }
        }
        /* The same question again (its answer had expired) takes its old
         * slot: find() must never meet a stale twin first. */
        s = NULL;
        for (unsigned i = 0; i < MEMO_SLOTS && !s; i++)
                if (memo->slots[i].used && memo->slots[i].family == family && strcmp(memo->slots[i].name, name) == 0)
                        s = &memo->slots[i];
        if (!s) {
                s = &memo->slots[memo->next];
                memo->next = (memo->next + 1) % MEMO_SLOTS;
        }
        s->used = true;
        s->family = family;
        memcpy(s->file_key, file_key, AARP_SNAPSHOT_KEY_SIZE);
        s->expiry_usec = expiry_usec;
        s->n = answer->n;
        memcpy(s->addresses, answer->addresses, answer->n * sizeof(answer->addresses[0]));
        strcpy(s->name, name);
        memcpy(s->canonical, answer->canonical, canonical_len + 1);
        s->canonical_len = canonical_len;
}
