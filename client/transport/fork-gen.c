/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fork-gen.c: the fork generation (see fork-gen.h).
 */
#include <errno.h>
#include <pthread.h>

#include "fork-gen.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*hooks[FORK_GEN_HOOKS_MAX])(void);
static unsigned n_hooks;
static unsigned generation;

static void on_child(void) {
        /* The forking thread is alone in the child: nobody writes the
         * hook table now. */
        unsigned n = __atomic_load_n(&n_hooks, __ATOMIC_ACQUIRE);

        hooks_lock = (pthread_mutex_t) PTHREAD_MUTEX_INITIALIZER;
        for (unsigned i = 0; i < n; i++)
                hooks[i]();
        __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
}

static void register_once(void) {
        (void) pthread_atfork(NULL, NULL, on_child);
}

unsigned fork_gen_current(void) {
        (void) pthread_once(&once, register_once);
        return __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
}

int fork_gen_add_child_hook(void (*hook)(void)) {
        int r = 0;

        (void) pthread_once(&once, register_once);
        pthread_mutex_lock(&hooks_lock);
        for (unsigned i = 0; i < n_hooks; i++)
                if (hooks[i] == hook)
                        goto out;
        if (n_hooks == FORK_GEN_HOOKS_MAX) {
                r = -ENOSPC;
                goto out;
        }
        hooks[n_hooks] = hook;
        __atomic_store_n(&n_hooks, n_hooks + 1, __ATOMIC_RELEASE);
out:
        pthread_mutex_unlock(&hooks_lock);
        return r;
}
