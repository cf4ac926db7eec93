/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * brlock.c: the big reader lock (see brlock.h).  Dekker-style: a reader
 * stores its flag then loads the writer's, a writer stores its flag then
 * loads the readers', both sequentially consistent, so at least one of
 * them sees the other and no reader reads while a writer writes.
 */
#include <sched.h>
#include <string.h>

#include "brlock.h"

static struct {
        _Alignas(64) unsigned active;
} readers[BRLOCK_SLOTS];
static unsigned writer;
static unsigned next_slot;
/* -1: none yet; -2: none left.  Initial-exec, as snapshot-memo.c's memo
 * (see there why). */
static __thread int my_slot __attribute__((tls_model("initial-exec"))) = -1;

bool brlock_read_begin(int *ret_slot) {
        int slot = my_slot;

        if (slot == -1) {
                unsigned s = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);

                /* Slots are not given back when a thread exits: a program
                 * that keeps making threads ends up on the fallback lock,
                 * which is what every thread used before. */
                slot = my_slot = s < BRLOCK_SLOTS ? (int) s : -2;
        }
        if (slot < 0)
                return false;
        __atomic_store_n(&readers[slot].active, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&writer, __ATOMIC_SEQ_CST)) {
                __atomic_store_n(&readers[slot].active, 0, __ATOMIC_RELEASE);
                return false;
        }
        *ret_slot = slot;
        return true;
}

void brlock_read_end(int slot) {
        __atomic_store_n(&readers[slot].active, 0, __ATOMIC_RELEASE);
}

void brlock_write_begin(void) {
        __atomic_store_n(&writer, 1, __ATOMIC_SEQ_CST);
        for (unsigned i = 0; i < BRLOCK_SLOTS; i++)
                /* A read section is a few hundred nanoseconds of work
                 * without a lock or a system call. */
                while (__atomic_load_n(&readers[i].active, __ATOMIC_SEQ_CST))
                        sched_yield();
}

void brlock_write_end(void) {
        __atomic_store_n(&writer, 0, __ATOMIC_RELEASE);
}

void brlock_reset_after_fork(void) {
        memset(readers, 0, sizeof(readers));
        writer = 0;
}
