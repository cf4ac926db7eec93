/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hosts.c: parse the hosts file into a name -> lines index.  The whole file
 * is parsed on (re)load, so a lookup is one hash lookup however large the
 * file; names.c reloads it when filestamp.c says it changed.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "hosts.h"
#include "names-syntax.h"

typedef struct {
        NameAddress address;
        char *canonical;
        GPtrArray *names; /* every name of the line, in order (the canonical first); for reverse lookups */
} HostsLine;

struct Hosts {
        GArray *lines;       /* of HostsLine, in file order */
        GHashTable *by_name; /* names_hosts_key() -> GArray of guint (line index) */
        guint pairs;
};

static void hosts_line_clear(gpointer p) {
        HostsLine *l = p;

        g_free(l->canonical);
        if (l->names)
                g_ptr_array_unref(l->names);
}

static void index_free(gpointer p) {
        g_array_unref(p);
}

static gboolean parse_address(const char *token, NameAddress *ret) {
        if (!names_parse_literal(token, ret))
                return FALSE;
        if (ret->family == AF_INET6) {
                static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

                if (memcmp(ret->address, v4mapped, sizeof(v4mapped)) == 0) {
                        memmove(ret->address, ret->address + 12, 4);
                        memset(ret->address + 4, 0, 12);
                        ret->family = AF_INET;
                        ret->ifindex = 0;
                }
        }
        return TRUE;
}

static void parse_line(Hosts *h, char *line) {
        char *hash = strchr(line, '#');
        if (hash)
                *hash = '\0';

        g_auto(GStrv) tokens = g_strsplit_set(line, " \t\r\f\v", -1);
        const char *address_token = NULL;
        guint line_index = h->lines->len;
        gboolean added = FALSE;

        for (char **t = tokens; *t; t++) {
                if (**t == '\0')
                        continue;
                if (!address_token) {
                        HostsLine l = { 0 };

                        address_token = *t;
                        if (!parse_address(address_token, &l.address))
                                return;
                        g_array_append_val(h->lines, l);
                        continue;
                }

                NameAddress literal;
                /* Names that are not valid host names cannot be asked for;
                 * an address as a name ("1.2.3.4 5.6.7.8") is nonsense. */
                if (!names_validate(*t, NULL) || names_parse_literal(*t, &literal))
                        continue;

                HostsLine *l = &g_array_index(h->lines, HostsLine, line_index);
                if (!l->canonical)
                        l->canonical = g_strdup(*t);
                if (!l->names)
                        l->names = g_ptr_array_new_with_free_func(g_free);
                g_ptr_array_add(l->names, g_strdup(*t));

                g_autofree char *key = names_hosts_key(*t);
                GArray *idx = g_hash_table_lookup(h->by_name, key);
                if (!idx) {
                        idx = g_array_new(FALSE, FALSE, sizeof(guint));
                        g_hash_table_insert(h->by_name, g_steal_pointer(&key), idx);
                }
                /* "1.2.3.4 foo foo" lists the line once for foo. */
                if (idx->len == 0 || g_array_index(idx, guint, idx->len - 1) != line_index)
                        g_array_append_val(idx, line_index);
                h->pairs++;
                added = TRUE;
        }

        if (address_token && !added)
                g_array_set_size(h->lines, line_index); /* address without names */
}

Hosts *hosts_parse(const char *text, gsize length) {
        Hosts *h = g_new0(Hosts, 1);
        const char *p = text, *end = text + length;

        h->lines = g_array_new(FALSE, TRUE, sizeof(HostsLine));
        g_array_set_clear_func(h->lines, hosts_line_clear);
        h->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, index_free);

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eol = nl ? nl : end;
                /* Copy so parse_line can cut at '#'; also drops NUL bytes'
                 * effect to "end of line", which is the worst they do. */
                g_autofree char *line = g_strndup(p, (gsize) (eol - p));

                parse_line(h, line);
                p = nl ? nl + 1 : end;
        }
        return h;
}

Hosts *hosts_load(const char *path, GError **error) {
        g_autofree char *text = NULL;
        gsize length = 0;
        g_autoptr(GError) local = NULL;

        if (!g_file_get_contents(path, &text, &length, &local)) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return hosts_parse("", 0);
                g_propagate_error(error, g_steal_pointer(&local));
                return NULL;
        }
        return hosts_parse(text, length);
}

void hosts_free(Hosts *h) {
        if (!h)
                return;
        g_hash_table_unref(h->by_name);
        g_array_unref(h->lines);
        g_free(h);
}

static gboolean address_equal(const NameAddress *a, const NameAddress *b) {
        return a->family == b->family && a->ifindex == b->ifindex &&
               memcmp(a->address, b->address, sizeof(a->address)) == 0;
}

gboolean hosts_lookup(const Hosts *h, const char *name, int family, GArray *ret_addresses,
                      char **ret_canonical) {
        g_autofree char *key = names_hosts_key(name);
        GArray *idx = g_hash_table_lookup(h->by_name, key);
        guint first = ret_addresses->len;

        *ret_canonical = NULL;
        if (!idx)
                return FALSE;

        for (guint i = 0; i < idx->len; i++) {
                const HostsLine *l = &g_array_index(h->lines, HostsLine, g_array_index(idx, guint, i));
                gboolean dup = FALSE;

                if (family != AF_UNSPEC && l->address.family != family)
                        continue;
                for (guint j = first; j < ret_addresses->len && !dup; j++)
                        dup = address_equal(&g_array_index(ret_addresses, NameAddress, j),
                                            &l->address);
                if (dup)
                        continue;
                g_array_append_val(ret_addresses, l->address);
                if (!*ret_canonical)
                        *ret_canonical = g_strdup(l->canonical);
        }
        return TRUE;
}

gboolean hosts_lookup_address(const Hosts *h, int family, const uint8_t *address, GPtrArray *ret_names) {
        gboolean found = FALSE;

        /* A walk over the lines: reverse lookups are rare, and no index is
         * kept for them. */
        for (guint i = 0; i < h->lines->len; i++) {
                const HostsLine *l = &g_array_index(h->lines, HostsLine, i);

                if (l->address.family != family || memcmp(l->address.address, address, family == AF_INET ? 4 : 16) != 0)
                        continue;
                found = TRUE;
                for (guint j = 0; l->names && j < l->names->len; j++) {
                        gboolean dup = FALSE;

                        for (guint k = 0; k < ret_names->len && !dup; k++)
                                dup = g_ascii_strcasecmp(ret_names->pdata[k], l->names->pdata[j]) == 0;
                        if (!dup)
                                g_ptr_array_add(ret_names, g_strdup(l->names->pdata[j]));
                }
        }
        return found;
}

guint hosts_size(const Hosts *h) {
        return h->pairs;
}
