/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c: a main() for the fuzz targets when they are built without
 * libFuzzer (gcc, or clang without -Dfuzzing=true).  It feeds every file
 * named on the command line, or found directly inside a directory named
 * there, to LLVMFuzzerTestOneInput() once.  This is how the seed corpora
 * and fixed crashers are replayed as regression tests in every build,
 * including the ASan+UBSan one of tests/sanitize.sh, without needing clang.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Optional in each target, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path) {
        FILE *f = fopen(path, "rb");
        uint8_t *data = NULL;
        size_t size = 0, cap = 0;

        if (!f) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                return -1;
        }
        for (;;) {
                if (size == cap) {
                        cap = cap ? cap * 2 : 4096;
                        uint8_t *n = realloc(data, cap);
                        if (!n) {
                                free(data);
                                fclose(f);
                                return -1;
                        }
                        data = n;
                }
                size_t r = fread(data + size, 1, cap - size, f);
                if (r == 0)
                        break;
                size += r;
        }
        fclose(f);
        /* An exact-size copy, so that ASan sees a read past the input's end
         * just as it would under libFuzzer. */
        uint8_t *exact = malloc(size ? size : 1);
        if (!exact) {
                free(data);
                return -1;
        }
        memcpy(exact, data, size);
        free(data);
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
        LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        return 0;
}

int main(int argc, char **argv) {
        unsigned n = 0;

        if (LLVMFuzzerInitialize)
                LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (replay_file(argv[i]) < 0)
                                return 1;
                        n++;
                        continue;
                }
                struct dirent **entries;
                int k = scandir(argv[i], &entries, NULL, alphasort);
                if (k < 0) {
                        fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                for (int j = 0; j < k; j++) {
                        char path[4096];
                        int bad = 0;

                        if (entries[j]->d_name[0] != '.') {
                                snprintf(path, sizeof(path), "%s/%s", argv[i], entries[j]->d_name);
                                if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                                        bad = replay_file(path) < 0;
                                        n++;
                                }
                        }
                        free(entries[j]);
                        if (bad)
                                return 1;
                }
                free(entries);
        }
        fprintf(stderr, "replay: %u input(s), no crash\n", n);
        /* A corpus that went missing must not pass as "nothing crashed". */
        return n > 0 ? 0 : 1;
}
