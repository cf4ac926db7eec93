/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolvconf.c: a glibc-compatible resolv.conf parser (see resolvconf.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names-syntax.h"
#include "resolvconf.h"

static ResolvConf *resolv_conf_new(void) {
        ResolvConf *rc = g_new0(ResolvConf, 1);

        rc->servers = g_array_new(FALSE, TRUE, sizeof(NameServer));
        rc->search = g_ptr_array_new_with_free_func(g_free);
        rc->ndots = 1;
        rc->timeout_sec = 5;
        rc->attempts = 2;
        return rc;
}

void resolv_conf_free(ResolvConf *rc) {
        if (!rc)
                return;
        g_array_unref(rc->servers);
        g_ptr_array_unref(rc->search);
        g_free(rc);
}

static void add_nameserver(ResolvConf *rc, const char *token) {
        NameAddress a;

        if (!token || rc->servers->len >= RESOLV_CONF_SERVERS_MAX)
                return;
        if (!names_parse_literal(token, &a))
                return;

        NameServer s = { .family = a.family, .ifindex = a.ifindex };
        memcpy(s.address, a.address, sizeof(s.address));
        g_array_append_val(rc->servers, s);
}

static void set_search(ResolvConf *rc, char **tokens) {
        /* A later "search" or "domain" line replaces an earlier one. */
        g_ptr_array_set_size(rc->search, 0);
        for (; *tokens && rc->search->len < RESOLV_CONF_SEARCH_MAX; tokens++) {
                NameAddress literal;

                if (**tokens == '\0' || strcmp(*tokens, ".") == 0)
                        continue; /* "." (root) adds nothing to the as-is try */
                if (!names_validate(*tokens, NULL) || names_parse_literal(*tokens, &literal))
                        continue;

                size_t len = strlen(*tokens);
                if ((*tokens)[len - 1] == '.')
                        len--;
                g_ptr_array_add(rc->search, g_strndup(*tokens, len));
        }
}

/* "prefix:N": TRUE if @option has @prefix (so no other option needs to
 * look at it); *@ret is set only if N is a well-formed number, clamped
 * to [@min, @max].  Malformed values are ignored, like glibc does. */
static gboolean option_value(const char *option, const char *prefix, unsigned min, unsigned max,
                             unsigned *ret) {
        size_t plen = strlen(prefix);
        char *end = NULL;

        if (strncmp(option, prefix, plen) != 0)
                return FALSE;
        if (!g_ascii_isdigit(option[plen]))
                return TRUE;
        unsigned long v = strtoul(option + plen, &end, 10);
        if (*end != '\0')
                return TRUE;
        *ret = (unsigned) CLAMP(v, (unsigned long) min, (unsigned long) max);
        return TRUE;
}

static void parse_options(ResolvConf *rc, char **tokens) {
        for (; *tokens; tokens++) {
                const char *o = *tokens;

                if (option_value(o, "ndots:", 0, RESOLV_CONF_NDOTS_MAX, &rc->ndots) ||
                    option_value(o, "timeout:", 1, RESOLV_CONF_TIMEOUT_MAX, &rc->timeout_sec) ||
                    option_value(o, "attempts:", 1, RESOLV_CONF_ATTEMPTS_MAX, &rc->attempts))
                        continue;
                if (strcmp(o, "rotate") == 0)
                        rc->rotate = TRUE;
                else if (strcmp(o, "edns0") == 0)
                        rc->edns0 = TRUE;
        }
}

static void parse_line(ResolvConf *rc, char *line) {
        line[strcspn(line, "#;")] = '\0';

        g_auto(GStrv) split = g_strsplit_set(line, " \t\r\f\v", -1);
        g_autoptr(GPtrArray) tokens = g_ptr_array_new();
        for (char **t = split; *t; t++)
                if (**t != '\0')
                        g_ptr_array_add(tokens, *t);
        g_ptr_array_add(tokens, NULL);

        char **tv = (char **) tokens->pdata;
        if (!tv[0])
                return;
        if (strcmp(tv[0], "nameserver") == 0)
                add_nameserver(rc, tv[1]);
        else if (strcmp(tv[0], "search") == 0 || strcmp(tv[0], "domain") == 0)
                set_search(rc, tv + 1);
        else if (strcmp(tv[0], "options") == 0)
                parse_options(rc, tv + 1);
}

ResolvConf *resolv_conf_parse(const char *text, gsize length) {
        ResolvConf *rc = resolv_conf_new();
        const char *p = text, *end = text + length;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eol = nl ? nl : end;
                g_autofree char *line = g_strndup(p, (gsize) (eol - p));

                parse_line(rc, line);
                p = nl ? nl + 1 : end;
        }

        if (rc->servers->len == 0) {
                NameServer s = { .family = AF_INET, .address = { 127, 0, 0, 1 } };
                g_array_append_val(rc->servers, s);
        }
        return rc;
}

ResolvConf *resolv_conf_load(const char *path, GError **error) {
        g_autofree char *text = NULL;
        gsize length = 0;
        g_autoptr(GError) local = NULL;

        if (!g_file_get_contents(path, &text, &length, &local)) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return resolv_conf_parse("", 0);
                g_propagate_error(error, g_steal_pointer(&local));
                return NULL;
        }
        return resolv_conf_parse(text, length);
}
