/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub.c: the DNS stub listener (see stub.h): its lifetime and
 * configuration.  The parts are listed in stub-private.h.
 *
 * A Query is one client's question on its way upstream.  It tries the
 * upstreams in order, each for STUB_TRY_MSEC, over a socket of its own
 * (a fresh source port per query, and a random ID); a reply counts only if
 * it comes on that socket with that ID and the same question.  An upstream
 * waiting for its AARP mapping holds the queries that need it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "errors.h"
#include "resolvconf.h"
#include "stub-private.h"
#include "stub-sockets.h"

/* Log a limit being hit, at most every 10 s: a flood must not flood the
 * journal too. */
void stub_note_limit(Stub *s, const char *what, uint64_t who) {
        gint64 now = g_get_monotonic_time();

        if (s->last_limit_log_usec && now - s->last_limit_log_usec < 10 * G_USEC_PER_SEC)
                return;
        s->last_limit_log_usec = now;
        if (who <= G_MAXUINT32)
                g_message("DNS stub: %s for uid %u: dropping its queries for now", what, (unsigned) who);
        else
                g_message("DNS stub: %s for an unidentified sender: dropping its queries for now", what);
}

/* ---- lifetime ---- */

static void apply_config(Stub *s, const Config *c) {
        stub_peers_free(s->probe_budget);
        s->probe_budget = stub_peers_new(c->probe_rate_limit, c->probe_rate_burst);
        g_array_set_size(s->configured, 0);
        g_array_append_vals(s->configured, c->dns_servers->data, c->dns_servers->len);
        s->map_anycast = c->map_anycast_answers;
        file_stamp_update(&s->resolv_stamp, s->resolv_conf_path);
        stub_refresh_servers(s, TRUE);
}

Stub *stub_new(Resolver *resolver, const Config *config, const char *resolv_conf_path,
               const char *runtime_dir, GError **error) {
        g_autoptr(GError) local = NULL;
        Stub *s = g_new0(Stub, 1);
        char text[INET_ADDRSTRLEN];

        s->resolver = resolver;
        s->address = config->dns_stub_listener_address;
        s->udp_fd = s->tcp_fd = -1;
        s->resolv_conf_path = g_strdup(resolv_conf_path);
        s->configured = g_array_new(FALSE, FALSE, sizeof(NameServer));
        s->servers = g_ptr_array_new();
        g_queue_init(&s->pending);
        g_queue_init(&s->conns);
        s->own_ports = g_hash_table_new(g_direct_hash, g_direct_equal);
        s->cache = stub_cache_new(STUB_CACHE_ENTRIES, STUB_CACHE_BYTES);
        s->peers = stub_peers_new(STUB_RATE_PER_USER, STUB_RATE_BURST);
        if (!stub_sockets_open(s->address, &s->udp_fd, &s->tcp_fd, error)) {
                stub_free(s);
                return NULL;
        }
        s->udp_watch = g_unix_fd_add(s->udp_fd, G_IO_IN, stub_on_udp_query, s);
        s->tcp_watch = g_unix_fd_add(s->tcp_fd, G_IO_IN, stub_on_tcp_accept, s);
        apply_config(s, config);
        if (!stub_write_resolv_conf(runtime_dir, s->address, &local))
                g_warning("DNS stub: %s", local->message);
        inet_ntop(AF_INET, &s->address, text, sizeof(text));
        g_message("DNS stub listener on %s:53 (UDP and TCP)", text);
        return s;
}

void stub_set_config(Stub *s, const Config *config) {
        if (config->dns_stub_listener_address.s_addr != s->address.s_addr)
                g_warning("DNS stub: a new DNSStubListenerAddress= takes effect at restart");
        apply_config(s, config);
        stub_cache_flush(s->cache);
}

void stub_invalidate(Stub *s) {
        for (guint i = 0; i < s->servers->len; i++)
                ((Server *) s->servers->pdata[i])->expiry_usec = 0;
        stub_cache_flush(s->cache);
}

void stub_free(Stub *s) {
        if (!s)
                return;
        while (!g_queue_is_empty(&s->conns))
                stub_conn_free(s->conns.head->data);
        while (!g_queue_is_empty(&s->pending))
                stub_query_free(s->pending.head->data);
        for (guint i = 0; i < s->servers->len; i++)
                stub_server_free(s->servers->pdata[i]);
        g_ptr_array_unref(s->servers);
        g_clear_handle_id(&s->udp_watch, g_source_remove);
        g_clear_handle_id(&s->tcp_watch, g_source_remove);
        if (s->udp_fd >= 0)
                close(s->udp_fd);
        if (s->tcp_fd >= 0)
                close(s->tcp_fd);
        g_hash_table_unref(s->own_ports);
        stub_cache_free(s->cache);
        stub_peers_free(s->peers);
        stub_peers_free(s->probe_budget);
        g_array_unref(s->configured);
        g_free(s->resolv_conf_path);
        g_free(s);
}

void stub_get_stats(const Stub *s, StubStats *ret) {
        *ret = s->stats;
        ret->pending = s->pending.length;
        ret->tcp_connections = s->conns.length;
        ret->cache_entries = stub_cache_size(s->cache);
}

