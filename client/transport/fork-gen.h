/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fork-gen.h: which process we are, without a system call.  A counter that
 * a pthread_atfork() child handler bumps, so that per-process state (kept
 * connections, the snapshot mapping) can tell it was inherited by fork()
 * with one memory load instead of a getpid() per call.  The one place in
 * client/ that registers an atfork handler: others hook into it.
 *
 * A child made by a raw clone() or vfork() runs no atfork handler and sees
 * its parent's generation; bus-conn.c still compares pids where a shared
 * socket would mix two processes' replies.
 */
#pragma once

/* The current fork generation: 0 in the process that first loaded us,
 * one more in each fork()ed child.  Registers the handler on first use. */
unsigned fork_gen_current(void);

/* Run @hook in the child after every fork(), before the generation is
 * bumped (only the forking thread exists then: no locks, async-signal-safe
 * work only).  At most FORK_GEN_HOOKS_MAX hooks; returns 0, or -ENOSPC. */
#define FORK_GEN_HOOKS_MAX 4
int fork_gen_add_child_hook(void (*hook)(void));
