/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: resolved.conf, read with GKeyFile.
 *
 * GKeyFile knows no line numbers, so when a key is unknown or its value bad
 * the raw text is scanned once more to name the line: a message like
 * "resolved.conf:7: ProbeTimeout: ..." lets an administrator fix it at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "aarp-def.h"
#include "config.h"
#include "log.h"

#define GROUP "Resolve"

Config *config_new_default(void) {
        Config *c = g_new0(Config, 1);

        c->probe_timeout_msec = AARP_PROBE_TIMEOUT_MSEC_DEFAULT;
        c->probe_retries = AARP_PROBE_RETRIES_DEFAULT;
        c->anycast_ttl_sec = AARP_ANYCAST_TTL_SEC_DEFAULT;
        c->unicast_ttl_sec = AARP_UNICAST_TTL_SEC_DEFAULT;
        c->no_reply_ttl_sec = AARP_NO_REPLY_TTL_SEC_DEFAULT;
        c->cache_size = AARP_CACHE_SIZE_DEFAULT;
        c->probes_in_flight = AARP_PROBES_IN_FLIGHT_DEFAULT;
        c->member_probes = AARP_MEMBER_PROBES_DEFAULT;
        c->probe_rate_limit = AARP_PROBE_RATE_LIMIT_DEFAULT;
        c->probe_rate_burst = AARP_PROBE_RATE_BURST_DEFAULT;
        c->requests_per_client = AARP_REQUESTS_PER_CLIENT_DEFAULT;
        c->publish_snapshot = TRUE;
        c->probe_addresses = PROBE_ADDRESSES_ALL;
        c->member_scope = MEMBER_SCOPE_STRICT;
        c->probe_socket = PROBE_SOCKET_AUTO;
        c->anycast_prefixes = g_array_new(FALSE, FALSE, sizeof(Prefix));
        c->log_level = G_LOG_LEVEL_INFO;
        c->dns_stub_listener_address.s_addr = htonl(AARP_DNS_STUB_ADDRESS_DEFAULT);
        c->dns_servers = g_array_new(FALSE, FALSE, sizeof(NameServer));
        c->nscd_socket = g_strdup(AARP_NSCD_SOCKET_DEFAULT);
        return c;
}

void config_free(Config *c) {
        if (!c)
                return;
        if (c->anycast_prefixes)
                g_array_unref(c->anycast_prefixes);
        if (c->dns_servers)
                g_array_unref(c->dns_servers);
        g_free(c->nscd_socket);
        g_free(c);
}

gboolean config_parse_timespan(const char *s, uint64_t max_msec, uint64_t *ret_msec) {
        static const struct {
                const char *suffix;
                double msec;
        } units[] = {
                { "ms", 1 },      { "msec", 1 },    { "s", 1000 },   { "sec", 1000 },
                { "min", 60000 }, { "m", 60000 },   { "h", 3600000 }, { "", 1000 },
        };
        char *end;
        double v;

        while (g_ascii_isspace(*s))
                s++;
        if (!g_ascii_isdigit(*s))
                return FALSE;
        errno = 0;
        v = g_ascii_strtod(s, &end);
        if (errno != 0 || end == s)
                return FALSE;
        while (g_ascii_isspace(*end))
                end++;
        for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
                if (strcmp(end, units[i].suffix) != 0)
                        continue;
                double msec = v * units[i].msec;
                if (msec > (double) max_msec)
                        return FALSE;
                *ret_msec = (uint64_t) (msec + 0.5);
                return TRUE;
        }
        return FALSE;
}

gboolean config_parse_prefix(const char *s, Prefix *ret) {
        g_autofree char *copy = g_strdup(s);
        char *slash = strchr(copy, '/'), *end;
        unsigned long len = 128;
        Prefix p = { 0 };

        if (slash) {
                *slash = '\0';
                if (!g_ascii_isdigit(slash[1]))
                        return FALSE;
                errno = 0;
                len = strtoul(slash + 1, &end, 10);
                if (errno != 0 || *end != '\0' || len > 128)
                        return FALSE;
        }
        if (inet_pton(AF_INET6, copy, &p.prefix) != 1)
                return FALSE;
        p.prefixlen = (unsigned) len;
        /* Clear host bits so prefix comparison never depends on them. */
        for (unsigned bit = p.prefixlen; bit < 128; bit++)
                p.prefix.s6_addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        *ret = p;
        return TRUE;
}

/* The 1-based line of @key inside [@group] in @data, or 0. */
static unsigned find_line(const char *data, const char *group, const char *key) {
        g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
        gboolean in_group = FALSE;

        for (unsigned i = 0; lines[i]; i++) {
                char *l = g_strstrip(lines[i]);

                if (l[0] == '[') {
                        char *close = strchr(l, ']');
                        in_group = close && (size_t) (close - l - 1) == strlen(group) &&
                                   strncmp(l + 1, group, strlen(group)) == 0;
                        continue;
                }
                if (!in_group || group == NULL)
                        continue;
                size_t n = strlen(key);
                if (strncmp(l, key, n) == 0 && (l[n] == '=' || g_ascii_isspace(l[n])))
                        return i + 1;
        }
        return 0;
}

static unsigned find_group_line(const char *data, const char *group) {
        g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
        g_autofree char *header = g_strdup_printf("[%s]", group);

        for (unsigned i = 0; lines[i]; i++)
                if (strcmp(g_strstrip(lines[i]), header) == 0)
                        return i + 1;
        return 0;
}

G_GNUC_PRINTF(6, 7)
static gboolean fail(GError **error, const char *path, const char *data, const char *group,
                     const char *key, const char *fmt, ...) {
        g_autofree char *msg = NULL;
        va_list ap;
        unsigned line = key ? find_line(data, group, key) : find_group_line(data, group);

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s:%u: %s%s%s",
                    path, line, key ? key : "", key ? ": " : "", msg);
        return FALSE;
}

static gboolean parse_uint(const char *v, uint64_t min, uint64_t max, uint64_t *ret) {
        char *end;
        guint64 n;

        if (!g_ascii_isdigit(v[0]))
                return FALSE;
        errno = 0;
        n = g_ascii_strtoull(v, &end, 10);
        if (errno != 0 || *end != '\0' || n < min || n > max)
                return FALSE;
        *ret = n;
        return TRUE;
}

/* An interface index written as a number. */
static gboolean parse_uint_int(const char *v, int *ret) {
        uint64_t n;

        if (!parse_uint(v, 1, G_MAXINT, &n))
                return FALSE;
        *ret = (int) n;
        return TRUE;
}

typedef gboolean (*KeyParser)(Config *c, const char *value, const char **ret_why);

/* Loopback only: the stub answers anyone who can reach it and has no
 * access control of its own. */
static gboolean parse_dns_stub_listener_address(Config *c, const char *v, const char **why) {
        struct in_addr a;

        *why = "expected an IPv4 loopback address (127.0.0.0/8), e.g. 127.0.0.153";
        if (inet_pton(AF_INET, v, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
                return FALSE;
        c->dns_stub_listener_address = a;
        return TRUE;
}

/* Nameserver addresses as resolv.conf writes them: IPv4, IPv6, IPv6%ifname. */
static gboolean parse_dns(Config *c, const char *v, const char **why) {
        g_auto(GStrv) words = g_strsplit_set(v, " \t,", -1);

        *why = "expected space-separated IPv4 or IPv6 addresses (fe80::1%eth0 for link-local), at most 8";
        g_array_set_size(c->dns_servers, 0);
        for (size_t i = 0; words[i]; i++) {
                NameServer s = { 0 };
                char *scope;

                if (words[i][0] == '\0')
                        continue;
                if (c->dns_servers->len >= AARP_DNS_SERVERS_MAX)
                        return FALSE;
                scope = strchr(words[i], '%');
                if (scope) {
                        *scope++ = '\0';
                        s.ifindex = (int) if_nametoindex(scope);
                        if (s.ifindex == 0 && !parse_uint_int(scope, &s.ifindex))
                                return FALSE;
                }
                if (inet_pton(AF_INET6, words[i], s.address) == 1)
                        s.family = AF_INET6;
                else if (!scope && inet_pton(AF_INET, words[i], s.address) == 1)
                        s.family = AF_INET;
                else
                        return FALSE;
                g_array_append_val(c->dns_servers, s);
        }
        return TRUE;
}

static gboolean parse_probe_addresses(Config *c, const char *v, const char **why) {
        *why = "expected 'all' or 'anycast-only'";
        if (strcmp(v, "all") == 0)
                c->probe_addresses = PROBE_ADDRESSES_ALL;
        else if (strcmp(v, "anycast-only") == 0)
                c->probe_addresses = PROBE_ADDRESSES_ANYCAST_ONLY;
        else
                return FALSE;
        return TRUE;
}

static gboolean parse_member_scope(Config *c, const char *v, const char **why) {
        *why = "expected 'strict' or 'any'";
        if (strcmp(v, "strict") == 0)
                c->member_scope = MEMBER_SCOPE_STRICT;
        else if (strcmp(v, "any") == 0)
                c->member_scope = MEMBER_SCOPE_ANY;
        else
                return FALSE;
        return TRUE;
}

static gboolean parse_anycast_prefixes(Config *c, const char *v, const char **why) {
        g_auto(GStrv) words = g_strsplit_set(v, " \t,", -1);

        *why = "expected space-separated IPv6 prefixes, e.g. 2001:db8:a::/64";
        g_array_set_size(c->anycast_prefixes, 0);
        for (size_t i = 0; words[i]; i++) {
                Prefix p;

                if (words[i][0] == '\0')
                        continue;
                if (!config_parse_prefix(words[i], &p))
                        return FALSE;
                g_array_append_val(c->anycast_prefixes, p);
        }
        return TRUE;
}

static gboolean parse_probe_socket(Config *c, const char *v, const char **why) {
        *why = "expected 'auto', 'raw' or 'ping'";
        if (strcmp(v, "auto") == 0)
                c->probe_socket = PROBE_SOCKET_AUTO;
        else if (strcmp(v, "raw") == 0)
                c->probe_socket = PROBE_SOCKET_RAW;
        else if (strcmp(v, "ping") == 0)
                c->probe_socket = PROBE_SOCKET_PING;
        else
                return FALSE;
        return TRUE;
}

static gboolean parse_log_level(Config *c, const char *v, const char **why) {
        *why = "expected err, warning, notice, info or debug";
        return log_parse_level(v, &c->log_level);
}

/* An absolute path, or "no". */
static gboolean parse_nscd_socket(Config *c, const char *v, const char **why) {
        *why = "expected an absolute path or no";
        if (strcmp(v, "no") == 0) {
                g_clear_pointer(&c->nscd_socket, g_free);
                return TRUE;
        }
        if (v[0] != '/' || strlen(v) >= 108)
                return FALSE;
        g_free(c->nscd_socket);
        c->nscd_socket = g_strdup(v);
        return TRUE;
}

/* ---- the values in force, written back (GetStatus) ---- */

typedef char *(*KeyFormatter)(const Config *c);

static char *format_probe_addresses(const Config *c) {
        return g_strdup(c->probe_addresses == PROBE_ADDRESSES_ANYCAST_ONLY ? "anycast-only" : "all");
}

static char *format_member_scope(const Config *c) {
        return g_strdup(c->member_scope == MEMBER_SCOPE_ANY ? "any" : "strict");
}

static char *format_probe_socket(const Config *c) {
        return g_strdup(c->probe_socket == PROBE_SOCKET_RAW    ? "raw"
                        : c->probe_socket == PROBE_SOCKET_PING ? "ping"
                                                               : "auto");
}

static char *format_log_level(const Config *c) {
        switch (c->log_level) {
        case G_LOG_LEVEL_ERROR:
        case G_LOG_LEVEL_CRITICAL:
                return g_strdup("err");
        case G_LOG_LEVEL_WARNING:
                return g_strdup("warning");
        case G_LOG_LEVEL_MESSAGE:
                return g_strdup("notice");
        case G_LOG_LEVEL_DEBUG:
                return g_strdup("debug");
        default:
                return g_strdup("info");
        }
}

static char *format_anycast_prefixes(const Config *c) {
        GString *out = g_string_new(NULL);
        char text[INET6_ADDRSTRLEN];

        for (guint i = 0; i < c->anycast_prefixes->len; i++) {
                const Prefix *p = &g_array_index(c->anycast_prefixes, Prefix, i);

                inet_ntop(AF_INET6, &p->prefix, text, sizeof text);
                g_string_append_printf(out, "%s%s/%u", i ? " " : "", text, p->prefixlen);
        }
        return g_string_free(out, FALSE);
}

static char *format_dns_stub_listener_address(const Config *c) {
        char text[INET_ADDRSTRLEN];

        return g_strdup(inet_ntop(AF_INET, &c->dns_stub_listener_address, text, sizeof text));
}

/* As parse_dns() reads them: a scope by name when the interface exists. */
static char *format_dns(const Config *c) {
        GString *out = g_string_new(NULL);

        for (guint i = 0; i < c->dns_servers->len; i++) {
                const NameServer *s = &g_array_index(c->dns_servers, NameServer, i);
                char text[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

                inet_ntop(s->family, s->address, text, sizeof text);
                g_string_append_printf(out, "%s%s", i ? " " : "", text);
                if (s->ifindex > 0) {
                        if (if_indextoname((unsigned) s->ifindex, ifname))
                                g_string_append_printf(out, "%%%s", ifname);
                        else
                                g_string_append_printf(out, "%%%d", s->ifindex);
                }
        }
        return g_string_free(out, FALSE);
}

static char *format_nscd_socket(const Config *c) {
        return g_strdup(c->nscd_socket ? c->nscd_socket : "no");
}

/* How a key's value is read.  Most keys are a number, a time span or a
 * boolean stored in one Config field; the rest have a parser of their own. */
typedef enum {
        KEY_NUMBER,   /* uint32_t field, min..max */
        KEY_MSEC,     /* uint32_t field in milliseconds, a time span min..max ms */
        KEY_TTL,      /* uint32_t field in seconds, a time span up to max ms */
        KEY_BOOL,     /* gboolean field */
        KEY_CUSTOM,   /* parse() */
} KeyKind;

typedef struct {
        const char *key;
        KeyKind kind;
        size_t offset;     /* of the field in Config, for all but KEY_CUSTOM */
        uint64_t min, max;
        const char *why;   /* what a valid value looks like, for the error */
        KeyParser parse;
        KeyFormatter format; /* KEY_CUSTOM: the value written back (GetStatus) */
} KeyDef;

#define NUMBER(k, field, lo, hi, text) { k, KEY_NUMBER, offsetof(Config, field), lo, hi, text, NULL, NULL }
#define BOOL(k, field) { k, KEY_BOOL, offsetof(Config, field), 0, 1, "expected yes or no", NULL, NULL }
#define TTL(k, field) \
        { k, KEY_TTL, offsetof(Config, field), 0, 86400000, "expected a time span from 0 to 1d, e.g. 60s or 5min", \
          NULL, NULL }
#define CUSTOM(k, fn, fmt) { k, KEY_CUSTOM, 0, 0, 0, NULL, fn, fmt }

static const KeyDef keys[] = {
        { "ProbeTimeout", KEY_MSEC, offsetof(Config, probe_timeout_msec), 10, 60000,
          "expected a time span between 10ms and 60s, e.g. 1s or 500ms", NULL, NULL },
        NUMBER("ProbeRetries", probe_retries, 0, 10, "expected a number from 0 to 10"),
        TTL("AnycastTTL", anycast_ttl_sec),
        TTL("UnicastTTL", unicast_ttl_sec),
        TTL("NoReplyTTL", no_reply_ttl_sec),
        NUMBER("CacheSize", cache_size, 1, AARP_CACHE_SIZE_MAX, "expected a number from 1 to 4194304"),
        NUMBER("ProbesInFlight", probes_in_flight, 1, AARP_PROBES_IN_FLIGHT_MAX, "expected a number from 1 to 65536"),
        NUMBER("MemberProbes", member_probes, 0, AARP_MEMBER_PROBES_MAX, "expected a number from 0 to 32"),
        NUMBER("ProbeRateLimit", probe_rate_limit, 0, 1000000,
               "expected a number of probes per second from 0 (no limit) to 1000000"),
        NUMBER("ProbeRateBurst", probe_rate_burst, 1, 1000000, "expected a number from 1 to 1000000"),
        NUMBER("RequestsPerClient", requests_per_client, 0, 1000000,
               "expected a number from 0 (no limit) to 1000000"),
        BOOL("PublishSnapshot", publish_snapshot),
        CUSTOM("ProbeAddresses", parse_probe_addresses, format_probe_addresses),
        CUSTOM("AnycastPrefixes", parse_anycast_prefixes, format_anycast_prefixes),
        CUSTOM("MemberScope", parse_member_scope, format_member_scope),
        CUSTOM("ProbeSocket", parse_probe_socket, format_probe_socket),
        CUSTOM("LogLevel", parse_log_level, format_log_level),
        BOOL("DNSStubListener", dns_stub_listener),
        CUSTOM("DNSStubListenerAddress", parse_dns_stub_listener_address, format_dns_stub_listener_address),
        CUSTOM("DNS", parse_dns, format_dns),
        BOOL("MapAnycastAnswers", map_anycast_answers),
        CUSTOM("NscdSocket", parse_nscd_socket, format_nscd_socket),
};

static gboolean parse_key(Config *c, const KeyDef *k, const char *v, const char **why) {
        void *field = (char *) c + k->offset;
        uint64_t n;

        if (k->kind == KEY_CUSTOM)
                return k->parse(c, v, why);
        *why = k->why;
        switch (k->kind) {
        case KEY_NUMBER:
                if (!parse_uint(v, k->min, k->max, &n))
                        return FALSE;
                *(uint32_t *) field = (uint32_t) n;
                return TRUE;
        case KEY_MSEC:
                if (!config_parse_timespan(v, k->max, &n) || n < k->min)
                        return FALSE;
                *(uint32_t *) field = (uint32_t) n;
                return TRUE;
        case KEY_TTL:
                if (!config_parse_timespan(v, k->max, &n))
                        return FALSE;
                /* Never round a non-zero TTL down to "disabled". */
                *(uint32_t *) field = n > 0 && n < 1000 ? 1 : (uint32_t) (n / 1000);
                return TRUE;
        case KEY_BOOL:
                if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
                        *(gboolean *) field = TRUE;
                else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
                        *(gboolean *) field = FALSE;
                else
                        return FALSE;
                return TRUE;
        case KEY_CUSTOM:
                break;
        }
        return FALSE;
}

/* @k's value in @c as the file would write it. */
static char *format_key(const Config *c, const KeyDef *k) {
        const void *field = (const char *) c + k->offset;

        switch (k->kind) {
        case KEY_NUMBER:
                return g_strdup_printf("%" G_GUINT32_FORMAT, *(const uint32_t *) field);
        case KEY_MSEC:
                return g_strdup_printf("%" G_GUINT32_FORMAT "ms", *(const uint32_t *) field);
        case KEY_TTL:
                return g_strdup_printf("%" G_GUINT32_FORMAT "s", *(const uint32_t *) field);
        case KEY_BOOL:
                return g_strdup(*(const gboolean *) field ? "yes" : "no");
        case KEY_CUSTOM:
                break;
        }
        return k->format(c);
}

void config_foreach_key(const Config *c, ConfigKeyFunc func, gpointer user_data) {
        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
                g_autofree char *value = format_key(c, &keys[i]);

                func(keys[i].key, value, user_data);
        }
}

Config *config_parse(const char *data, gsize length, const char *path, GError **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(Config) c = config_new_default();
        g_autofree char *text = g_strndup(data, length);
        g_auto(GStrv) groups = NULL;
        g_autoptr(GError) local = NULL;

        if (strlen(text) != length) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                            "%s: contains a NUL byte", path);
                return NULL;
        }
        if (!g_key_file_load_from_data(kf, text, length, G_KEY_FILE_NONE, &local)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path,
                            local->message);
                return NULL;
        }

        groups = g_key_file_get_groups(kf, NULL);
        for (size_t g = 0; groups[g]; g++) {
                g_auto(GStrv) names = NULL;

                if (strcmp(groups[g], GROUP) != 0) {
                        fail(error, path, text, groups[g], NULL,
                             "unknown section [%s] (only [" GROUP "] is read)", groups[g]);
                        return NULL;
                }
                names = g_key_file_get_keys(kf, GROUP, NULL, NULL);
                for (size_t k = 0; names && names[k]; k++) {
                        g_autofree char *value = g_key_file_get_value(kf, GROUP, names[k], NULL);
                        size_t i;

                        for (i = 0; i < G_N_ELEMENTS(keys); i++)
                                if (strcmp(keys[i].key, names[k]) == 0)
                                        break;
                        if (i == G_N_ELEMENTS(keys)) {
                                fail(error, path, text, GROUP, names[k], "unknown key");
                                return NULL;
                        }
                        const char *why = NULL;
                        if (!parse_key(c, &keys[i], g_strstrip(value), &why)) {
                                fail(error, path, text, GROUP, names[k], "invalid value '%s': %s",
                                     value, why);
                                return NULL;
                        }
                }
        }
        return g_steal_pointer(&c);
}

Config *config_load(const char *path, GError **error) {
        g_autofree char *data = NULL;
        gsize length = 0;
        g_autoptr(GError) local = NULL;

        if (!g_file_get_contents(path, &data, &length, &local)) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return config_new_default();
                g_propagate_error(error, g_steal_pointer(&local));
                return NULL;
        }
        return config_parse(data, length, path, error);
}
