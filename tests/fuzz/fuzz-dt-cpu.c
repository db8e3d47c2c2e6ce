/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CPU model's parsers of kernel bytes. The first input byte picks one, modulo 3:
 *   0: /cpus nodes for dt_cpu_parse_interrupt_servers(), dt_cpus_add_node() and dt_cpus_finish():
 *      the rest is nodes, each one length byte then that many bytes of ibm,ppc-interrupt-server#s
 *      (reg is the node's index). On success the threads are sorted and unique, each node's are
 *      among them, the set id is not 0 and does not depend on the order of the nodes.
 *   1: a CPU list for cpu_mask_parse(). On success the mask printed back as a list parses to
 *      the same mask, and n_set counts its bits.
 *   2: cpuN/physical_id for cpu_physical_id_parse(): the id printed back parses to itself.
 * Errors are -EBADMSG with a printable message naming what and (but physical_id) a byte. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt_env.h>

#include "alloc-util.h"
#include "cpu-set.h"
#include "dt-cpu.h"
#include "fuzz.h"
#include "macro.h"

#define NODES_MAX 256

static void check_message(const Error *e, bool offset) {
        FUZZ_CHECK(e->message[0]);
        if (offset)
                FUZZ_CHECK(strstr(e->message, "byte"));
        for (const char *p = e->message; *p; p++)
                FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
}

typedef struct Node {
        const uint8_t *data;
        size_t size;
} Node;

static int build(const Node *nodes, size_t n, bool reverse, DtCpus *ret, Error *e) {
        DtCpus c = {};
        int r;

        for (size_t k = 0; k < n; k++) {
                size_t i = reverse ? n - 1 - k : k;
                fdt32_t reg = cpu_to_fdt32((uint32_t) i);
                char name[32];

                snprintf(name, sizeof(name), "PowerPC,POWER9@%zx", i);
                r = dt_cpus_add_node(&c, name, &reg, sizeof(reg), nodes[i].data, nodes[i].size, e);
                if (r < 0) {
                        FUZZ_CHECK(r == -EBADMSG);
                        FUZZ_CHECK(strstr(e->message, name));
                        FUZZ_CHECK(strstr(e->message, DT_PROP_INTERRUPT_SERVERS));
                        check_message(e, true);
                        dt_cpus_done(&c);
                        return r;
                }
        }
        r = dt_cpus_finish(&c, e);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                FUZZ_CHECK(strstr(e->message, "is listed by the nodes"));
                check_message(e, false);
                dt_cpus_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

static bool contains(const uint32_t *v, size_t n, uint32_t x) {
        for (size_t i = 0; i < n; i++)
                if (v[i] == x)
                        return true;
        return false;
}

static void fuzz_nodes(const uint8_t *data, size_t size) {
        Node nodes[NODES_MAX];
        _cleanup_(dt_cpus_done) DtCpus c = {}, rev = {};
        size_t n = 0, total = 0;
        Error e = {};
        int r;

        for (size_t i = 0; i < size && n < NODES_MAX;) {
                size_t l = MIN((size_t) data[i], size - i - 1);
                uint32_t threads[DT_CPU_THREADS_MAX];

                nodes[n] = (Node) { .data = data + i + 1, .size = l };
                i += 1 + l;

                /* Each property alone: a count and the values, or a located error. */
                r = dt_cpu_parse_interrupt_servers("n", nodes[n].data, l, threads, &e);
                if (r < 0) {
                        FUZZ_CHECK(r == -EBADMSG);
                        check_message(&e, true);
                } else {
                        FUZZ_CHECK(l % 4 == 0 && (size_t) r == l / 4 && r > 0 && r <= DT_CPU_THREADS_MAX);
                        for (int k = 0; k < r; k++) {
                                fdt32_t v;

                                memcpy(&v, nodes[n].data + 4 * k, 4);
                                FUZZ_CHECK(threads[k] == fdt32_to_cpu(v));
                        }
                        total += (size_t) r;
                }
                n++;
        }

        r = build(nodes, n, false, &c, &e);
        if (r < 0)
                return;

        FUZZ_CHECK(c.n_threads == total);
        FUZZ_CHECK(c.n_nodes == n);
        FUZZ_CHECK(c.set_id != CPU_SET_ID_UNKNOWN);
        for (size_t i = 1; i < c.n_threads; i++)
                FUZZ_CHECK(c.threads[i - 1] < c.threads[i]);
        for (size_t i = 0; i < c.n_nodes; i++) {
                FUZZ_CHECK(i == 0 || c.nodes[i - 1].reg < c.nodes[i].reg);
                for (uint32_t k = 0; k < c.nodes[i].n_threads; k++)
                        FUZZ_CHECK(contains(c.threads, c.n_threads, c.node_threads[c.nodes[i].first + k]));
        }

        FUZZ_CHECK(build(nodes, n, true, &rev, &e) == 0);
        FUZZ_CHECK(rev.set_id == c.set_id);
        FUZZ_CHECK(rev.n_threads == c.n_threads);
        FUZZ_CHECK(c.n_threads == 0 || memcmp(rev.threads, c.threads, c.n_threads * sizeof(uint32_t)) == 0);
}

static void fuzz_list(const uint8_t *data, size_t size) {
        _cleanup_(cpu_mask_done) CpuMask m = {}, again = {};
        _cleanup_free_ char *text = NULL;
        size_t len = 0, n = 0;
        Error e = {};
        int r;

        r = cpu_mask_parse("online", (const char *) data, size, &m, &e);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                FUZZ_CHECK(strncmp(e.message, "online: ", 8) == 0);
                check_message(&e, true);
                return;
        }
        FUZZ_CHECK(r == 0);

        /* An independent reading of the accepted text: ranges "a" or "a-b" separated by commas,
         * ascending and disjoint, whose sizes add up to n_set and whose ends are in the mask. */
        {
                _cleanup_free_ char *copy = strndup((const char *) data, size);
                uint64_t count = 0;
                long prev = -1;

                FUZZ_CHECK(copy && strlen(copy) == size);
                for (char *tok = strtok(copy, ",\n"); tok; tok = strtok(NULL, ",\n")) {
                        char *end;
                        unsigned long a = strtoul(tok, &end, 10), b = a;

                        if (*end == '-')
                                b = strtoul(end + 1, &end, 10);
                        FUZZ_CHECK(*end == 0 && a <= b && (long) a > prev && b < CPU_SET_MAX_CPUS);
                        FUZZ_CHECK(cpu_mask_test(&m, (uint32_t) a) && cpu_mask_test(&m, (uint32_t) b));
                        count += b - a + 1;
                        prev = (long) b;
                }
                FUZZ_CHECK(count == m.n_set);
        }

        /* Print it back as maximal ranges: 8 bytes per CPU is more than enough. */
        text = malloc((size_t) m.n_set * 24 + 2);
        FUZZ_CHECK(text);
        for (uint32_t a = cpu_mask_next(&m, 0); a != UINT32_MAX;) {
                uint32_t b = a;

                while (cpu_mask_next(&m, b + 1) == b + 1)
                        b++;
                n += b - a + 1;
                len += (size_t) sprintf(text + len, len ? ",%" PRIu32 : "%" PRIu32, a);
                if (b != a)
                        len += (size_t) sprintf(text + len, "-%" PRIu32, b);
                a = b + 1 < CPU_SET_MAX_CPUS ? cpu_mask_next(&m, b + 1) : UINT32_MAX;
        }
        text[len++] = '\n';
        FUZZ_CHECK(n == m.n_set);

        FUZZ_CHECK(cpu_mask_parse("again", text, len, &again, &e) == 0);
        FUZZ_CHECK(again.n_set == m.n_set);
        for (size_t w = 0; w < MAX(m.n_words, again.n_words); w++)
                FUZZ_CHECK((w < m.n_words ? m.words[w] : 0) == (w < again.n_words ? again.words[w] : 0));
}

static void fuzz_physical_id(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = malloc(size + 1);
        uint32_t v, again;
        char buf[32];
        Error e = {};
        int r;

        FUZZ_CHECK(text);
        memcpy(text, data, size);
        text[size] = 0;

        r = cpu_physical_id_parse("cpu1/physical_id", text, &v, &e);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                FUZZ_CHECK(strstr(e.message, "cpu1/physical_id: "));
                check_message(&e, false);
                return;
        }
        if (v == CPU_HW_ID_NONE)
                snprintf(buf, sizeof(buf), "-1\n");
        else
                snprintf(buf, sizeof(buf), "%" PRIu32 "\n", v);
        FUZZ_CHECK(cpu_physical_id_parse("again", buf, &again, &e) == 0);
        FUZZ_CHECK(again == v);
        /* The kernel's text, and only that: with or without its newline. */
        FUZZ_CHECK(strcmp(text, buf) == 0 || (strncmp(text, buf, strlen(buf) - 1) == 0 && strlen(text) == strlen(buf) - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;

        switch (data[0] % 3) {
        case 0:
                fuzz_nodes(data + 1, size - 1);
                break;
        case 1:
                fuzz_list(data + 1, size - 1);
                break;
        default:
                fuzz_physical_id(data + 1, size - 1);
        }
        return 0;
}
