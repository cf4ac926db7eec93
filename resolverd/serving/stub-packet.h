/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-packet.h: the DNS messages the stub listener handles, checked and
 * edited in place without ever reading past their end.
 *
 * The stub forwards a client's query unchanged (EDNS options, DO and CD
 * bits included) but for its ID, so it only needs to know the question
 * (to key the cache and match replies), the client's EDNS UDP size (to
 * truncate cached answers as the client needs) and the TTLs of a reply (to
 * cache it and to age it).  RFC 1035 §4.1, RFC 6891 §6 (OPT), RFC 2308 §5
 * (negative TTL from the SOA).
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define STUB_HEADER_SIZE   12u
#define STUB_UDP_PLAIN_MAX 512u   /* RFC 1035 §4.2.1: without EDNS */
#define STUB_MESSAGE_MAX   65535u /* the TCP length prefix's limit */

/* RCODEs the stub answers itself. */
#define STUB_RCODE_NOERROR  0
#define STUB_RCODE_FORMERR  1
#define STUB_RCODE_SERVFAIL 2
#define STUB_RCODE_NXDOMAIN 3
#define STUB_RCODE_NOTIMP   4
#define STUB_RCODE_REFUSED  5

typedef struct {
        uint16_t id;
        uint16_t flags;          /* header flags word as received */
        uint8_t name[255];       /* the QNAME in wire form, lower-cased */
        size_t name_len;
        uint16_t type, class;
        size_t question_end;     /* offset just past the question */
        gboolean edns;           /* an OPT record is present */
        gboolean do_bit;
        uint16_t udp_size;       /* what the client accepts over UDP, >= 512 */
} StubQuestion;

/* Check a client query: QR clear, one question with an uncompressed name,
 * no answer or authority records, at most one OPT in the additional
 * section, nothing after the last record.  Returns 0 and fills @ret, or an
 * RCODE to answer with (STUB_RCODE_FORMERR, _NOTIMP for an opcode other than
 * QUERY, _REFUSED for zone transfers); @ret->id, ->flags and (when the
 * question was read, ->question_end > 0) the question are set even then.
 * -1 if @len < 12 or QR is set: such a packet gets no answer at all. */
int stub_packet_parse_query(const uint8_t *packet, size_t len, StubQuestion *ret);

/* Build an answer with no records to the query @q came from, into @buf
 * (at least STUB_HEADER_SIZE + 259 bytes): ID and RD from the query, QR
 * and RA set, @rcode, TC if @truncated, and the question if it was read.
 * Returns its length. */
size_t stub_packet_make_empty_reply(const uint8_t *query, const StubQuestion *q, int rcode,
                                    gboolean truncated, uint8_t *buf);

/* Check an upstream reply to @q: QR set, opcode QUERY, and one question
 * equal to @q's (names compared case-insensitively).  TRUE if it matches. */
gboolean stub_packet_reply_matches(const uint8_t *reply, size_t len, const StubQuestion *q);

/* Walk every record of @reply.  Sets @ret_ttl_sec to the smallest TTL of
 * its records (the OPT pseudo-record excluded), lowered for an answer
 * without records to the SOA's MINIMUM (RFC 2308 §5); G_MAXUINT32 if it
 * holds no records at all.  FALSE if the message is malformed. */
gboolean stub_packet_min_ttl(const uint8_t *reply, size_t len, uint32_t *ret_ttl_sec);

/* Lower every TTL in @reply (but the OPT's) by @elapsed_sec, stopping at 0.
 * @reply must have passed stub_packet_min_ttl().  FALSE if malformed. */
gboolean stub_packet_age(uint8_t *reply, size_t len, uint32_t elapsed_sec);

/* Visit each AAAA record of the answer section: @visit gets a pointer to
 * its 16 address bytes (which it may rewrite).  FALSE if malformed. */
typedef void (*StubAddressVisitor)(uint8_t *address, gpointer user_data);
gboolean stub_packet_foreach_aaaa(uint8_t *reply, size_t len, StubAddressVisitor visit,
                                  gpointer user_data);

/* The cache key of @q: question, class, and the bits that change what a
 * server answers (RD, CD, DO, EDNS present). */
GBytes *stub_packet_cache_key(const StubQuestion *q);

static inline uint16_t stub_get16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

static inline void stub_put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}
