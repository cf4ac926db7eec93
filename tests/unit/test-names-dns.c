/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names_resolve() end to end against a real DNS server: dnsmasq on
 * 127.0.0.1 and ::1 at a high port (names_set_dns_port_for_test), loopback
 * only.  A fake address resolver stands in for AARP so that the anycast
 * cases (nameserver and answer addresses mapped to unicast members) can be
 * exercised without a lab; one test uses the real Resolver.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aarp-def.h"
#include "config.h"
#include "errors.h"
#include "names-test.h"
#include "names.h"
#include "resolver.h"

#define MANY 40 /* AAAA records of many.test: > 512 bytes, so UDP truncates */

static char *dir;
static GPid dnsmasq_pid;
static uint16_t port;
static gint64 fake_now;
static guint fake_calls;

static gint64 fake_clock(gpointer user_data) {
        return fake_now;
}

static void write_file(const char *name, const char *text) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);

        cr_assert(g_file_set_contents(tmp, text, -1, NULL));
        cr_assert_eq(g_rename(tmp, path), 0); /* new inode, like real tools */
}

static gboolean port_open_at(uint16_t p) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        gboolean ok = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;

        close(fd);
        return ok;
}

/* dnsmasq with @args (NULL-terminated, without --port) on a port nobody
 * holds, its pid in *ret_pid and the port in *ret_port.  Ports are tried
 * in 20000..32767, below Linux's ephemeral range (outgoing sockets take
 * those), from a point that depends on the pid (Criterion runs tests in
 * parallel, and other test runs may share the machine); a port some other
 * process holds makes dnsmasq exit, and the next one is tried. */
static void spawn_dnsmasq(const char *const *args, GPid *ret_pid, uint16_t *ret_port) {
        for (unsigned attempt = 0; attempt < 40; attempt++) {
                uint16_t p = (uint16_t) (20000 + ((unsigned) getpid() * 37u + attempt * 997u) % 12768u);
                g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
                g_autoptr(GError) error = NULL;
                gboolean exited = FALSE;
                GPid pid;

                if (port_open_at(p))
                        continue;
                for (const char *const *a = args; *a; a++)
                        g_ptr_array_add(argv, g_strdup(*a));
                g_ptr_array_add(argv, g_strdup_printf("--port=%u", p));
                g_ptr_array_add(argv, NULL);
                cr_assert(g_spawn_async(NULL, (char **) argv->pdata, NULL,
                                        G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                        NULL, NULL, &pid, &error),
                          "dnsmasq: %s", error ? error->message : "");
                for (int i = 0; i < 250 && !exited; i++) {
                        if (port_open_at(p)) {
                                *ret_pid = pid;
                                *ret_port = p;
                                return;
                        }
                        exited = waitpid(pid, NULL, WNOHANG) == pid;
                        if (!exited)
                                g_usleep(20000);
                }
                if (!exited) {
                        kill(pid, SIGTERM);
                        waitpid(pid, NULL, 0);
                }
        }
        cr_assert_fail("dnsmasq did not start on any of 40 ports");
}

static void start_dnsmasq(void) {
        g_autoptr(GString) many = g_string_new(NULL);

        dir = g_dir_make_tmp("test-names-XXXXXX", NULL);
        cr_assert_not_null(dir);
        for (int i = 1; i <= MANY; i++)
                g_string_append_printf(many, "2001:db8:1::%x many.test\n", i);
        write_file("many.hosts", many->str);
        write_file("hosts", "192.0.2.200 fromhosts.test\n");
        write_file("resolv.conf", "nameserver ::1\nsearch test\n");

        g_autofree char *addn = g_strdup_printf("--addn-hosts=%s/many.hosts", dir);
        const char *argv[] = {
                "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--user=root", "--pid-file=", "--bind-interfaces",
                "--listen-address=127.0.0.1", "--listen-address=::1", addn,
                "--local=/test/", "--local-ttl=60",
                "--host-record=dual.test,192.0.2.1,2001:db8::1",
                "--host-record=dual.test,192.0.2.2,2001:db8::2",
                "--host-record=v4only.test,192.0.2.4",
                "--host-record=v6only.test,2001:db8::6",
                "--host-record=printer.test.test,192.0.2.7",
                "--host-record=fromhosts.test,192.0.2.100",
                "--host-record=anycast.test,2001:db8:a::1,2001:db8:a::2",
                "--cname=alias.test,dual.test",
                NULL,
        };
        spawn_dnsmasq(argv, &dnsmasq_pid, &port);
}

static void stop_dnsmasq(void) {
        if (dnsmasq_pid > 0) {
                kill(dnsmasq_pid, SIGTERM);
                waitpid(dnsmasq_pid, NULL, 0);
        }
        if (dir) {
                g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
                const char *f;
                while (d && (f = g_dir_read_name(d))) {
                        g_autofree char *p = g_build_filename(dir, f, NULL);
                        g_unlink(p);
                }
                g_rmdir(dir);
        }
}

TestSuite(names_dns, .init = start_dnsmasq, .fini = stop_dnsmasq, .timeout = 60);

/* ---- the fake AARP ---- */

typedef struct {
        ResolverAddressCallback callback;
        gpointer user_data;
        AddressAnswer answer;
} FakeReply;

static gboolean fake_deliver(gpointer p) {
        FakeReply *r = p;

        r->callback(&r->answer, NULL, r->user_data);
        g_free(r);
        return G_SOURCE_REMOVE;
}

/* 2001:db8:aaaa::53 (the "anycast nameserver") -> ::1 where dnsmasq is;
 * 2001:db8:a::1 and ::2 (one anycast service) -> member 2001:db8:b::7,
 * mapping TTL 10 s; anything else unchanged, NOT_PROBED.  Answers for
 * 2001:db8:a::* are asynchronous, the rest synchronous: both paths run. */
static void fake_resolve(gpointer data, int ifindex, const struct in6_addr *address, uint64_t flags, uid_t payer,
                         ResolverAddressCallback callback, gpointer user_data) {
        struct in6_addr ns, svc;
        AddressAnswer a = { .unicast = *address, .flags = AARP_FLAG_NOT_PROBED,
                            .ttl_sec = AARP_NOT_PROBED_TTL_SEC };

        fake_calls++;
        inet_pton(AF_INET6, "2001:db8:aaaa::53", &ns);
        inet_pton(AF_INET6, "2001:db8:a::", &svc);
        if (memcmp(address, &ns, 16) == 0) {
                a.unicast = in6addr_loopback;
                a.flags = AARP_FLAG_ANYCAST;
                a.ttl_sec = 60;
        } else if (memcmp(address, &svc, 14) == 0) {
                FakeReply *r = g_new0(FakeReply, 1);

                inet_pton(AF_INET6, "2001:db8:b::7", &r->answer.unicast);
                r->answer.flags = AARP_FLAG_ANYCAST;
                r->answer.ttl_sec = 10;
                r->callback = callback;
                r->user_data = user_data;
                g_idle_add(fake_deliver, r);
                return;
        }
        callback(&a, NULL, user_data);
}

/* ---- helpers ---- */

typedef struct {
        gboolean done;
        GArray *addresses;
        char *canonical;
        uint64_t flags;
        uint32_t ttl;
        GError *error;
} Result;

static void result_free(Result *r) {
        if (r->addresses)
                g_array_unref(r->addresses);
        g_free(r->canonical);
        g_clear_error(&r->error);
        g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Result, result_free)

static void on_result(GArray *addresses, const char *canonical, uint64_t flags, uint32_t ttl_sec,
                      const GError *error, gpointer user_data) {
        Result *r = user_data;

        cr_assert_not(r->done, "callback called twice");
        r->done = TRUE;
        if (error) {
                cr_assert_null(addresses);
                r->error = g_error_copy(error);
                return;
        }
        cr_assert_not_null(addresses);
        cr_assert_gt(addresses->len, 0);
        r->addresses = g_array_copy(addresses);
        r->canonical = g_strdup(canonical);
        r->flags = flags;
        r->ttl = ttl_sec;
}

static Result *resolve(Names *n, const char *name, int family, uint64_t flags) {
        Result *r = g_new0(Result, 1);

        names_resolve(n, 0, name, family, flags, on_result, r);
        while (!r->done)
                g_main_context_iteration(NULL, TRUE);
        return r;
}

static Names *new_names(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *hosts = g_build_filename(dir, "hosts", NULL);
        g_autofree char *rc = g_build_filename(dir, "resolv.conf", NULL);
        Names *n = names_new(NULL, hosts, rc, &error);

        cr_assert_not_null(n, "%s", error ? error->message : "");
        names_check_files_every_lookup_for_test(n);
        names_set_address_resolver_for_test(n, fake_resolve, NULL);
        names_set_dns_port_for_test(n, port);
        names_set_clock_for_test(n, fake_clock, NULL);
        fake_now = 1000 * G_USEC_PER_SEC;
        return n;
}

static void assert_address(const Result *r, guint i, const char *text) {
        NameAddress want = { 0 };

        cr_assert_lt(i, r->addresses->len);
        want.family = strchr(text, ':') ? AF_INET6 : AF_INET;
        inet_pton(want.family, text, want.address);
        const NameAddress *a = &g_array_index(r->addresses, NameAddress, i);
        char got[INET6_ADDRSTRLEN];
        inet_ntop(a->family, a->address, got, sizeof(got));
        cr_assert_eq(a->family, want.family, "address %u: %s, want %s", i, got, text);
        cr_assert_arr_eq(a->address, want.address, 16, "address %u: %s, want %s", i, got, text);
}

/* dnsmasq rotates equal records, so order within a family is not fixed. */
static void assert_has_address(const Result *r, guint from, guint to, const char *text) {
        NameAddress want = { 0 };

        want.family = strchr(text, ':') ? AF_INET6 : AF_INET;
        inet_pton(want.family, text, want.address);
        for (guint i = from; i < to && i < r->addresses->len; i++) {
                const NameAddress *a = &g_array_index(r->addresses, NameAddress, i);

                if (a->family == want.family && memcmp(a->address, want.address, 16) == 0)
                        return;
        }
        cr_assert_fail("%s not among addresses %u..%u", text, from, to - 1);
}

static void assert_error(const Result *r, int code) {
        cr_assert_not_null(r->error, "expected error %d, got an answer", code);
        cr_assert(g_error_matches(r->error, AARP_ERROR, code), "got %s (%d), want %d",
                  r->error->message, r->error->code, code);
}

/* ---- tests ---- */

Test(names_dns, unspec_queries_aaaa_and_a_and_puts_ipv6_first) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "dual.test", AF_UNSPEC, 0);

        cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
        cr_assert_eq(r->addresses->len, 4);
        assert_has_address(r, 0, 2, "2001:db8::1");
        assert_has_address(r, 0, 2, "2001:db8::2");
        assert_has_address(r, 2, 4, "192.0.2.1");
        assert_has_address(r, 2, 4, "192.0.2.2");
        cr_assert_str_eq(r->canonical, "dual.test");
        cr_assert_eq(r->flags & (AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE), 0);
        /* The records' TTL (dnsmasq --local-ttl=60), the same from the cache. */
        cr_assert_eq(r->ttl, 60);

        g_autoptr(Result) r4 = resolve(n, "dual.test", AF_INET, 0);
        cr_assert_eq(r4->addresses->len, 2);
        assert_has_address(r4, 0, 2, "192.0.2.1");
        g_autoptr(Result) r6 = resolve(n, "dual.test", AF_INET6, 0);
        cr_assert_eq(r6->addresses->len, 2);
        assert_has_address(r6, 0, 2, "2001:db8::1");
}

Test(names_dns, search_list_and_cname_give_the_canonical_name) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "dual", AF_INET, 0);

        cr_assert_null(r->error);
        cr_assert_str_eq(r->canonical, "dual.test");
        g_autoptr(Result) c = resolve(n, "alias.test", AF_INET, 0);
        cr_assert_null(c->error);
        cr_assert_str_eq(c->canonical, "dual.test");
        assert_has_address(c, 0, 2, "192.0.2.1");
}

Test(names_dns, nxdomain_nodata_and_negative_cache) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) nx = resolve(n, "nosuch.test", AF_UNSPEC, 0);
        assert_error(nx, AARP_E_NO_SUCH_NAME);
        g_autoptr(Result) nd = resolve(n, "v4only.test", AF_INET6, 0);
        assert_error(nd, AARP_E_NO_DATA);
        g_autoptr(Result) nd6 = resolve(n, "v6only.test", AF_INET, 0);
        assert_error(nd6, AARP_E_NO_DATA);
        g_autoptr(Result) ok = resolve(n, "v4only.test", AF_UNSPEC, 0);
        cr_assert_null(ok->error, "one family is enough for AF_UNSPEC");
        cr_assert_eq(ok->addresses->len, 1);
        /* Per query type: nosuch.test AAAA and A, v4only.test AAAA
         * (NoData, then reused by the AF_UNSPEC lookup) and A, v6only.test
         * A. */
        cr_assert_eq(names_cache_size_for_test(n), 5);

        /* Negative answers are cached briefly (<= 30 s), then asked again. */
        g_autoptr(Result) nx2 = resolve(n, "nosuch.test", AF_UNSPEC, 0);
        assert_error(nx2, AARP_E_NO_SUCH_NAME);
        fake_now += 31 * G_USEC_PER_SEC;
        g_autoptr(Result) nx3 = resolve(n, "nosuch.test", AF_UNSPEC, 0);
        assert_error(nx3, AARP_E_NO_SUCH_NAME);
}

Test(names_dns, truncated_answer_falls_back_to_tcp) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "many.test", AF_INET6, 0);

        cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
        cr_assert_eq(r->addresses->len, MANY);
        assert_has_address(r, 0, MANY, "2001:db8:1::1");
        assert_has_address(r, 0, MANY, "2001:db8:1::28");
}

Test(names_dns, hosts_file_answers_before_dns_and_reloads) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "FromHosts.test", AF_INET, 0);

        cr_assert_null(r->error);
        cr_assert_eq(r->addresses->len, 1);
        assert_address(r, 0, "192.0.2.200");
        cr_assert_str_eq(r->canonical, "fromhosts.test");

        g_autoptr(Result) nd = resolve(n, "fromhosts.test", AF_INET6, 0);
        assert_error(nd, AARP_E_NO_DATA);

        write_file("hosts", "# emptied\n");
        g_autoptr(Result) d = resolve(n, "fromhosts.test", AF_INET, 0);
        cr_assert_null(d->error);
        assert_address(d, 0, "192.0.2.100");
}

Test(names_dns, anycast_answers_are_mapped_deduplicated_and_cached_for_the_mapping_ttl) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "anycast.test", AF_UNSPEC, 0);

        cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
        /* Both anycast addresses map to one member: it appears once. */
        cr_assert_eq(r->addresses->len, 1);
        assert_address(r, 0, "2001:db8:b::7");
        cr_assert(r->flags & AARP_FLAG_ANYCAST);
        cr_assert_not(r->flags & AARP_FLAG_FROM_CACHE);

        /* The answer's TTL is the mapping's (10 s), shorter than DNS's. */
        cr_assert_eq(r->ttl, 10);

        fake_now += 3 * G_USEC_PER_SEC;
        g_autoptr(Result) c = resolve(n, "anycast.test", AF_UNSPEC, 0);
        cr_assert_eq(c->flags & (AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE),
                     AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE);
        /* From the cache: what is left of it. */
        cr_assert_eq(c->ttl, 7, "ttl %u after 3 of 10 s", c->ttl);
        fake_now -= 3 * G_USEC_PER_SEC;

        /* DNS TTL 60, mapping TTL 10: gone from the cache after 10 s. */
        fake_now += 10 * G_USEC_PER_SEC;
        g_autoptr(Result) e = resolve(n, "anycast.test", AF_UNSPEC, 0);
        cr_assert_not(e->flags & AARP_FLAG_FROM_CACHE);

        g_autoptr(Result) nc = resolve(n, "anycast.test", AF_UNSPEC, AARP_FLAG_NO_CACHE);
        cr_assert_not(nc->flags & AARP_FLAG_FROM_CACHE);
}

Test(names_dns, anycast_nameserver_is_resolved_before_use) {
        /* resolv.conf names an address nobody serves; AARP maps it to ::1. */
        write_file("resolv.conf", "nameserver 2001:db8:aaaa::53\n");
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "dual.test", AF_INET, 0);

        cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
        assert_has_address(r, 0, 2, "192.0.2.1");
        /* TCP to the member works too. */
        g_autoptr(Result) m = resolve(n, "many.test", AF_INET6, 0);
        cr_assert_null(m->error, "%s", m->error ? m->error->message : "");
        cr_assert_eq(m->addresses->len, MANY);

        /* The mapping is redone after its TTL (60 s). */
        guint before = fake_calls;
        fake_now += 61 * G_USEC_PER_SEC;
        g_autoptr(Result) again = resolve(n, "v4only.test", AF_INET, 0);
        cr_assert_null(again->error);
        cr_assert_gt(fake_calls, before);
}

/* "printer.test." is asked as is (no such name); "printer.test" goes
 * through the search list first (ndots:5) and is printer.test.test.  An
 * answer to one must never be served for the other, in either order. */
Test(names_dns, absolute_and_relative_names_are_cached_apart) {
        write_file("resolv.conf", "nameserver ::1\nsearch test\noptions ndots:5\n");
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) abs1 = resolve(n, "printer.test.", AF_UNSPEC, 0);
        assert_error(abs1, AARP_E_NO_SUCH_NAME);
        g_autoptr(Result) rel1 = resolve(n, "printer.test", AF_UNSPEC, 0);
        cr_assert_null(rel1->error, "the relative name got the absolute one's answer: %s",
                       rel1->error ? rel1->error->message : "");
        assert_address(rel1, 0, "192.0.2.7");
        cr_assert_str_eq(rel1->canonical, "printer.test.test");

        /* Both cached now, each with its own answer. */
        g_autoptr(Result) abs2 = resolve(n, "PRINTER.test.", AF_UNSPEC, 0);
        assert_error(abs2, AARP_E_NO_SUCH_NAME);
        g_autoptr(Result) rel2 = resolve(n, "Printer.Test", AF_UNSPEC, 0);
        cr_assert_null(rel2->error);
        cr_assert(rel2->flags & AARP_FLAG_FROM_CACHE);
        assert_address(rel2, 0, "192.0.2.7");

        /* The other order: a relative answer is not the absolute one's. */
        g_autoptr(Result) rel3 = resolve(n, "printer.test.test", AF_INET, 0);
        cr_assert_null(rel3->error);
        g_autoptr(Result) abs3 = resolve(n, "printer.test.test.", AF_INET, 0);
        cr_assert_null(abs3->error);
        cr_assert_not(abs3->flags & AARP_FLAG_FROM_CACHE);
}

/* A lookup that started under the old search list must not cache its
 * answer under the new one. */
Test(names_dns, search_list_change_flushes_relative_names) {
        write_file("resolv.conf", "nameserver ::1\nsearch test\noptions ndots:5\n");
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r1 = resolve(n, "printer.test", AF_INET, 0);
        cr_assert_null(r1->error);
        assert_address(r1, 0, "192.0.2.7");

        /* No search list any more: "printer.test" is itself, which does
         * not exist. */
        write_file("resolv.conf", "nameserver ::1\noptions ndots:5\n");
        g_autoptr(Result) r2 = resolve(n, "printer.test", AF_INET, 0);
        assert_error(r2, AARP_E_NO_SUCH_NAME);
}

/* ---- a server that answers one query type and refuses the other ---- */

/* How many queries for @name the server logged (dnsmasq --log-queries). */
static guint logged_queries(const char *log, const char *name) {
        g_autofree char *text = NULL;
        g_autofree char *needle = g_strdup_printf("] %s from ", name);
        guint count = 0;

        if (!g_file_get_contents(log, &text, NULL, NULL))
                return 0;
        for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
                count++;
        return count;
}

/* Ask @marker (a name nobody looked up) and wait until the server logged
 * it: the server handles queries in order, so every earlier query is in
 * the log by then. */
static void sync_log(Names *n, const char *log, const char *marker) {
        g_autoptr(Result) r = resolve(n, marker, AF_INET6, AARP_FLAG_NO_CACHE);

        for (int i = 0; i < 500 && logged_queries(log, marker) == 0; i++)
                g_usleep(10000);
        cr_assert_gt(logged_queries(log, marker), 0, "the server never logged %s", marker);
}

/* dnsmasq without --local answers REFUSED for a type it has no record of
 * (the A of an AAAA-only name), where an authoritative server says NoData;
 * partial and split setups do the same.  The AAAA answer must still be
 * cached: otherwise every lookup of the name goes to DNS. */
Test(names_dns, a_refused_type_does_not_make_the_answered_type_uncacheable) {
        g_autofree char *log = g_build_filename(dir, "refusing.log", NULL);
        g_autofree char *log_arg = g_strdup_printf("--log-facility=%s", log);
        uint16_t port2;
        GPid pid;
        const char *argv[] = {
                "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--user=root", "--pid-file=", "--bind-interfaces", "--listen-address=127.0.0.1",
                "--local-ttl=60", "--host-record=v6only.test,2001:db8::6", "--log-queries", log_arg, NULL,
        };

        spawn_dnsmasq(argv, &pid, &port2);
        write_file("resolv.conf", "nameserver 127.0.0.1\n");

        g_autoptr(Names) n = new_names();
        names_set_dns_port_for_test(n, port2);

        g_autoptr(Result) r1 = resolve(n, "v6only.test", AF_UNSPEC, 0);
        cr_assert_null(r1->error, "%s", r1->error ? r1->error->message : "");
        cr_assert_eq(r1->addresses->len, 1);
        assert_address(r1, 0, "2001:db8::6");
        sync_log(n, log, "marker1.test");
        guint first = logged_queries(log, "v6only.test");
        /* AAAA and A (c-ares may ask a refused A twice). */
        cr_assert_geq(first, 2, "the first lookup should ask AAAA and A, the server logged %u", first);

        /* The second lookup, and one for IPv6 only: no query at all. */
        g_autoptr(Result) r2 = resolve(n, "v6only.test", AF_UNSPEC, 0);
        cr_assert_null(r2->error);
        assert_address(r2, 0, "2001:db8::6");
        cr_assert(r2->flags & AARP_FLAG_FROM_CACHE, "not from the cache (%u entries)", names_cache_size_for_test(n));
        g_autoptr(Result) r3 = resolve(n, "v6only.test", AF_INET6, 0);
        cr_assert_null(r3->error);
        cr_assert(r3->flags & AARP_FLAG_FROM_CACHE);
        sync_log(n, log, "marker2.test");
        cr_assert_eq(logged_queries(log, "v6only.test"), first,
                     "the second lookup reached DNS: %u queries, after the first %u",
                     logged_queries(log, "v6only.test"), first);

        /* The refusal is remembered briefly; then only A is asked again,
         * the AAAA answer (60 s) still comes from the cache. */
        fake_now += (NAME_CACHE_FAILURE_TTL_SEC + 1) * G_USEC_PER_SEC;
        g_autoptr(Result) r4 = resolve(n, "v6only.test", AF_UNSPEC, 0);
        cr_assert_null(r4->error);
        assert_address(r4, 0, "2001:db8::6");
        sync_log(n, log, "marker3.test");
        guint later = logged_queries(log, "v6only.test");
        cr_assert(later > first && later < first + first, "after the refusal expired: %u queries, before %u", later,
                  first);

        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
}

Test(names_dns, resolv_conf_change_is_picked_up) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) r = resolve(n, "dual.test", AF_INET, 0);
        cr_assert_null(r->error);

        /* Now a server where nothing listens: connection refused. */
        write_file("resolv.conf", "nameserver 127.0.0.2\n");
        g_autoptr(Result) f = resolve(n, "dual.test", AF_INET, 0);
        assert_error(f, AARP_E_TEMPORARY_FAILURE);
}

Test(names_dns, silent_server_fails_temporarily_within_the_bound) {
        /* A UDP socket that never answers: every try times out. */
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000003) };
        socklen_t len = sizeof(sa);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        getsockname(fd, (struct sockaddr *) &sa, &len);

        write_file("resolv.conf", "nameserver 127.0.0.3\noptions timeout:30 attempts:5\n");
        g_autoptr(Names) n = new_names();
        names_set_dns_port_for_test(n, ntohs(sa.sin_port));

        gint64 start = g_get_monotonic_time();
        g_autoptr(Result) r = resolve(n, "dual.test", AF_UNSPEC, 0);
        gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;

        assert_error(r, AARP_E_TEMPORARY_FAILURE);
        cr_assert_lt(elapsed_ms, AARP_CLIENT_TIMEOUT_MSEC, "took %" G_GINT64_FORMAT " ms", elapsed_ms);
        cr_assert_geq(elapsed_ms, NAMES_TIMEOUT_MSEC - 100);
        cr_assert_eq(names_cache_size_for_test(n), 0, "temporary failures must not be cached");
        close(fd);
}

Test(names_dns, ip_literals_are_answered_as_themselves_after_mapping) {
        g_autoptr(Names) n = new_names();
        g_autoptr(Result) v4 = resolve(n, "192.0.2.55", AF_UNSPEC, 0);
        cr_assert_null(v4->error);
        assert_address(v4, 0, "192.0.2.55");
        g_autoptr(Result) any = resolve(n, "2001:db8:a::1", AF_INET6, 0);
        cr_assert_null(any->error);
        assert_address(any, 0, "2001:db8:b::7");
        cr_assert(any->flags & AARP_FLAG_ANYCAST);
        g_autoptr(Result) wrong = resolve(n, "192.0.2.55", AF_INET6, 0);
        assert_error(wrong, AARP_E_NO_DATA);
}

static void free_names_in_callback(GArray *addresses, const char *canonical, uint64_t flags, uint32_t ttl_sec,
                                   const GError *error, gpointer user_data) {
        Names **np = user_data;

        names_free(*np);
        *np = NULL;
}

Test(names_dns, free_with_lookups_in_flight_and_from_a_callback) {
        Names *n = new_names();
        g_autoptr(Result) a = g_new0(Result, 1);
        g_autoptr(Result) b = g_new0(Result, 1);

        names_resolve(n, 0, "dual.test", AF_UNSPEC, 0, on_result, a);
        names_resolve(n, 0, "anycast.test", AF_UNSPEC, 0, on_result, b);
        names_free(n);
        cr_assert(a->done && b->done, "lookups in flight must be completed");
        assert_error(a, AARP_E_TEMPORARY_FAILURE);

        /* Freeing from inside a callback, while c-ares is on the stack. */
        n = new_names();
        names_resolve(n, 0, "dual.test", AF_UNSPEC, 0, free_names_in_callback, &n);
        g_autoptr(Result) c = g_new0(Result, 1);
        names_resolve(n, 0, "v4only.test", AF_INET, 0, on_result, c);
        while (n)
                g_main_context_iteration(NULL, TRUE);
        cr_assert(c->done);
        /* Let abandoned c-ares state and idles run out. */
        for (int i = 0; i < 50; i++)
                g_main_context_iteration(NULL, FALSE);
}

Test(names_dns, real_resolver_passes_loopback_unchanged) {
        g_autoptr(Config) config = config_new_default();
        g_autoptr(GError) error = NULL;
        g_autoptr(Resolver) resolver = resolver_new(config, &error);
        if (!resolver)
                cr_skip_test("no probe socket: %s", error->message);

        g_autofree char *hosts = g_build_filename(dir, "hosts", NULL);
        g_autofree char *rc = g_build_filename(dir, "resolv.conf", NULL);
        write_file("hosts", "::1 self6.test\n");
        g_autoptr(Names) n = names_new(resolver, hosts, rc, &error);
        cr_assert_not_null(n);
        names_check_files_every_lookup_for_test(n);
        names_set_dns_port_for_test(n, port);

        g_autoptr(Result) r = resolve(n, "self6.test", AF_UNSPEC, 0);
        cr_assert_null(r->error);
        assert_address(r, 0, "::1");
        cr_assert_not(r->flags & AARP_FLAG_ANYCAST);
        g_autoptr(Result) d = resolve(n, "dual.test", AF_INET, 0);
        cr_assert_null(d->error, "%s", d->error ? d->error->message : "");
}
