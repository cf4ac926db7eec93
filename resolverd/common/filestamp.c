/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * filestamp.c: has a configuration file changed since we last read it?
 * See filestamp.h for why this polls with stat() instead of watching.
 */
#include <string.h>
#include <sys/stat.h>

#include "filestamp.h"

static gboolean timespec_equal(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

gboolean file_stamp_update(FileStamp *stamp, const char *path) {
        FileStamp now = { .valid = TRUE };
        struct stat st;

        if (stat(path, &st) == 0) {
                now.exists = TRUE;
                now.dev = st.st_dev;
                now.ino = st.st_ino;
                now.size = st.st_size;
                now.mtime = st.st_mtim;
                now.ctime = st.st_ctim;
        }

        gboolean changed = !stamp->valid || stamp->exists != now.exists ||
                           (now.exists && (stamp->dev != now.dev || stamp->ino != now.ino ||
                                           stamp->size != now.size ||
                                           !timespec_equal(&stamp->mtime, &now.mtime) ||
                                           !timespec_equal(&stamp->ctime, &now.ctime)));
        *stamp = now;
        return changed;
}
