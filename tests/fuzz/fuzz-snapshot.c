/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-snapshot.c: client/transport/snapshot-reader.c, which libnss_aarp runs inside
 * every process over names.snapshot, a file shared with the daemon.  A
 * corrupt or truncated file must never make it read outside the image or
 * return something malformed.  The image is an exact-size heap block (ASan
 * sees a read past its end), 8-byte aligned as an mmap() is.
 *
 * Input: the image itself.  Each run looks up a few names (those stored by
 * the seed files, a miss, an upper-case variant) for every family, at the
 * image's own creation time (so that the seeds' answers are live and the
 * whole path, unsealing included, runs).  The seeds are format version 3:
 * names hashed, answers sealed under the file's key (aarp-snapshot.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "aarp-snapshot.h"
#include "fuzz.h"
#include "snapshot-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = { "svc.lab", "SVC.LAB.", "host7.lab", "nosuch.example" };
        uint64_t now = 1000000;
        static const int families[] = { AF_UNSPEC, AF_INET, AF_INET6 };
        void *image = NULL;

        if (size > 0 && posix_memalign(&image, 8, size) != 0)
                return 0;
        if (size > 0)
                memcpy(image, data, size);
        if (size >= sizeof(AarpSnapshotHeader))
                now = ((const AarpSnapshotHeader *) image)->created_usec + 1;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
                        SnapshotAnswer ans;
                        int r = snapshot_reader_lookup_in(image, size, names[i], families[f], now, &ans);

                        FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EBADMSG);
                        if (r == 0) {
                                FUZZ_CHECK(ans.n >= 1 && ans.n <= AARP_ADDRESSES_MAX);
                                FUZZ_CHECK(strlen(ans.canonical) <= AARP_NAME_MAX + 1);
                                for (size_t k = 0; k < ans.n; k++)
                                        FUZZ_CHECK(ans.addresses[k].family == AF_INET ||
                                                   ans.addresses[k].family == AF_INET6);
                        }
                }
        free(image);
        return 0;
}
