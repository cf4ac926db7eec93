/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * filestamp.h: cheap change detection for the files names.c reads
 * (/etc/hosts, /etc/resolv.conf).
 *
 * names.c calls it at most once a second (a stat() costs about a
 * microsecond, two of them per call were most of the daemon's system calls
 * on a cached call), and it catches every way those files get replaced: edited in place (mtime,
 * ctime, size), replaced by rename (inode), removed or created.  It needs no
 * inotify watch, which would miss a file that appears in a directory created
 * later (NetworkManager and resolvconf both rename into place).
 */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include <time.h>

typedef struct {
        gboolean valid;  /* FALSE until the first file_stamp_update() */
        gboolean exists;
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
        struct timespec ctime;
} FileStamp;

/* stat() @path and store the result in @stamp.  Returns TRUE if the file
 * differs from what @stamp held before (always TRUE on the first call). */
gboolean file_stamp_update(FileStamp *stamp, const char *path);
