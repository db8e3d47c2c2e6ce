/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writes the seed corpus of the fuzz targets: valid inputs and the edge cases each parser must
 * reject. Regression inputs (crash-*) are added by hand and left alone.
 *
 *   make tests/fuzz/gen-corpus && tests/fuzz/gen-corpus $(srcdir)/tests/fuzz/corpus */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfdt_env.h>

#include "dt-blob.h"
#include "dt-memory.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define A DRCONF_MEM_ASSIGNED
#define R DRCONF_MEM_RESERVED

static const char *top;

static void write_file(const char *target, const char *name, const void *data, size_t size) {
        char dir[4096], path[4096];
        FILE *f;

        snprintf(dir, sizeof(dir), "%s/%s", top, target);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                perror(dir);
                exit(1);
        }
        snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
        f = fopen(path, "we");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
}

static void write_text(const char *target, const char *name, const char *text) {
        write_file(target, name, text, strlen(text));
}

/* Input of the DT targets: ibm,lmb-size, then the property. */
static void write_v1(const char *name, uint64_t lmb_size, const TestLmb *lmbs, size_t n) {
        Blob b = {};

        dt_blob_lmb_size(&b, lmb_size);
        dt_blob_v1(&b, lmbs, n);
        write_file("dt-v1", name, b.data, b.size);
        blob_done(&b);
}

static void write_v2(const char *name, uint64_t lmb_size, const TestLmbSet *sets, size_t n) {
        Blob b = {};

        dt_blob_lmb_size(&b, lmb_size);
        dt_blob_v2(&b, sets, n);
        write_file("dt-v2", name, b.data, b.size);
        blob_done(&b);
}

/* The same valid property with its last byte cut off, or with 4 bytes too many. */
static void write_v1_resized(const char *name, const TestLmb *lmbs, size_t n, int delta) {
        Blob b = {};

        dt_blob_lmb_size(&b, 256 * MiB);
        dt_blob_v1(&b, lmbs, n);
        if (delta > 0)
                blob_put32(&b, 0);
        else
                b.size--;
        write_file("dt-v1", name, b.data, b.size);
        blob_done(&b);
}

static void gen_dt_v1(void) {
        const uint64_t L = 256 * MiB;
        const TestLmb four[] = { { 0, A }, { L, A }, { 2 * L, A }, { 3 * L, A } };
        const TestLmb mixed[] = {
                { 0, A }, { L, A | R }, { 2 * L, 0 }, { 3 * L, R },
                { 4 * L, A | DRCONF_MEM_HOTREMOVABLE }, { 5 * L, A | DRCONF_MEM_DRC_INVALID | DRCONF_MEM_AI_INVALID },
                { 6 * L, 0xffffffff }, { 7 * L, A },
        };
        const TestLmb gap[] = { { 0, A }, { L, A }, { 8 * L, A }, { 9 * L, 0 }, { 10 * L, A } };
        const TestLmb top_ok[] = { { UINT64_MAX - 2 * GiB + 1, A } };       /* ends at 2^64 - 1 GiB */
        const TestLmb top_wrap[] = { { UINT64_MAX - GiB + 1, A } };         /* ends at exactly 2^64 */
        const TestLmb unsorted[] = { { 2 * L, A }, { L, A } };
        const TestLmb duplicate[] = { { L, A }, { L, A } };
        const TestLmb misaligned[] = { { 0, A }, { L + 4096, A } };

        write_v1("empty", L, NULL, 0);
        write_v1("four-assigned", L, four, ELEMENTSOF(four));
        write_v1("mixed-flags", L, mixed, ELEMENTSOF(mixed));
        write_v1("gap", L, gap, ELEMENTSOF(gap));
        write_v1("lmb-4k", 4096, four, 1);
        write_v1("top-of-address-space", GiB, top_ok, 1);
        write_v1("bad-end-2-64", GiB, top_wrap, 1);
        write_v1("bad-unsorted", L, unsorted, ELEMENTSOF(unsorted));
        write_v1("bad-overlap", L, duplicate, ELEMENTSOF(duplicate));
        write_v1("bad-misaligned", L, misaligned, ELEMENTSOF(misaligned));
        write_v1("bad-lmb-size-not-power-of-2", 3 * MiB, four, ELEMENTSOF(four));
        write_v1("bad-lmb-size-0", 0, four, ELEMENTSOF(four));
        write_v1_resized("bad-truncated", four, ELEMENTSOF(four), -1);
        write_v1_resized("bad-trailing-bytes", four, ELEMENTSOF(four), +1);
}

static void gen_dt_v2(void) {
        const uint64_t L = 256 * MiB;
        const TestLmbSet one[] = { { 16, 0, A } };
        const TestLmbSet mixed[] = {
                { 4, 0, A }, { 4, 4 * L, A }, { 2, 8 * L, 0 }, { 1, 10 * L, A | R },
                { 3, 11 * L, R }, { 8, 32 * L, A | DRCONF_MEM_HOTREMOVABLE }, { 1, 40 * L, 0xffffffff },
        };
        /* Adjacent sets that together pass the 32-bit LMB count of one range. */
        const TestLmbSet split[] = { { UINT32_MAX - 1, 0, A }, { 5, (uint64_t) (UINT32_MAX - 1) * 4096, A } };
        const TestLmbSet full[] = { { UINT32_MAX, 0, A }, { UINT32_MAX, (uint64_t) UINT32_MAX * 4096, A } };
        const TestLmbSet zero[] = { { 4, 0, A }, { 0, 4 * L, A } };
        const TestLmbSet wrap[] = { { 2, UINT64_MAX - GiB + 1, A } };
        const TestLmbSet huge[] = { { UINT32_MAX, 0, A } };                 /* 2^32 LMBs of 2^33 bytes */
        const TestLmbSet overlap[] = { { 4, 0, A }, { 4, 3 * L, A } };
        const TestLmbSet unsorted[] = { { 4, 8 * L, A }, { 4, 0, A } };

        write_v2("empty", L, NULL, 0);
        write_v2("one-set", L, one, ELEMENTSOF(one));
        write_v2("mixed-flags", L, mixed, ELEMENTSOF(mixed));
        write_v2("split-at-32-bits", 4096, split, ELEMENTSOF(split));
        write_v2("two-full-ranges", 4096, full, ELEMENTSOF(full));
        write_v2("bad-zero-lmbs", L, zero, ELEMENTSOF(zero));
        write_v2("bad-end-past-2-64", GiB, wrap, ELEMENTSOF(wrap));
        write_v2("bad-length-overflow", UINT64_C(1) << 33, huge, ELEMENTSOF(huge));
        write_v2("bad-overlap", L, overlap, ELEMENTSOF(overlap));
        write_v2("bad-unsorted", L, unsorted, ELEMENTSOF(unsorted));
        write_v2("bad-lmb-size-0", 0, one, ELEMENTSOF(one));
}

static void gen_config(void) {
        write_text("config", "full",
                   "# every key\n"
                   "[Settle]\n"
                   "QuietSec=50ms\n"
                   "MaxWaitSec=30s\n"
                   "PollIntervalSec=5ms\n"
                   "UeventSource=udev\n"
                   "[Reload]\n"
                   "ReloadCommand=/usr/sbin/kdump-config reload\n"
                   "ReloadTimeoutSec=2min\n"
                   "KexecKernel=/boot/vmlinux\n"
                   "KexecInitrd=/boot/initrd.img\n"
                   "KexecAppend=irqpoll nr_cpus=1 reset_devices\n");
        write_text("config", "resets-and-infinity",
                   "[Settle]\n"
                   "MaxWaitSec=infinity\n"
                   "QuietSec=\n"
                   "UeventSource=kernel\n"
                   "[Reload]\n"
                   "ReloadCommand=\n"
                   "KexecKernel=   \n");
        write_text("config", "crlf-bom-comments",
                   "\xef\xbb\xbf; drop-in\r\n"
                   "  [Settle]  \r\n"
                   "\tQuietSec = 1s 500ms \r\n"
                   "# comment\r\n"
                   "PollIntervalSec=1ms\r\n");
        write_text("config", "bad-unknown-key", "[Settle]\nQuietSec=1s\nNoSuchKey=1\n");
        write_text("config", "bad-outside-section", "QuietSec=1s\n");
        write_text("config", "bad-relative-path", "[Reload]\nKexecKernel=vmlinux\n");
        write_text("config", "bad-infinite-quiet", "[Settle]\nQuietSec=infinity\n");
        write_text("config", "bad-poll-below-1ms", "[Settle]\nPollIntervalSec=999us\n");
        write_text("config", "bad-timespan-overflow", "[Reload]\nReloadTimeoutSec=99999999999999999999h\n");
        static const char nul[] = "[Settle]\nQuietSec=1s\0\n";
        write_file("config", "bad-nul-byte", nul, sizeof(nul) - 1);
}

static void gen_memory_uevent(void) {
        static const struct {
                const char *name;
                const char *data;
                size_t size;
        } seeds[] = {
#define SEED(name, s) { name, s, sizeof(s) - 1 }
                SEED("add", "add\0memory\0/devices/system/memory/memory12"),
                SEED("online-block-0", "online\0memory\0/devices/system/memory/memory0"),
                SEED("offline", "offline\0memory\0/devices/system/memory/memory4095"),
                SEED("remove", "remove\0memory\0/devices/system/memory/memory7"),
                SEED("unbind-is-change", "unbind\0memory\0/devices/system/memory/memory3"),
                SEED("change-largest-block", "change\0memory\0/devices/system/memory/memory67108863"),
                SEED("bad-block-too-large", "add\0memory\0/devices/system/memory/memory67108864"),
                SEED("bad-leading-zero", "add\0memory\0/devices/system/memory/memory007"),
                SEED("bad-trailing-slash", "add\0memory\0/devices/system/memory/memory1/"),
                SEED("bad-subsystem", "add\0cpu\0/devices/system/cpu/cpu1"),
                SEED("bad-action", "frobnicate\0memory\0/devices/system/memory/memory1"),
                SEED("bad-non-printable", "add\x01\xff\0memory\0/devices/system/memory/memory1\x7f"),
                SEED("missing-devpath", "add\0memory"),
                SEED("missing-all", ""),
#undef SEED
        };

        for (size_t i = 0; i < ELEMENTSOF(seeds); i++)
                write_file("memory-uevent", seeds[i].name, seeds[i].data, seeds[i].size);
}

static void gen_control_protocol(void) {
        write_text("control-protocol", "status", "status");
        write_text("control-protocol", "reload-newline", "reload\n");
        write_text("control-protocol", "wait", "wait");
        write_text("control-protocol", "reply-ok",
                   "result=ok\nstate=idle\nloaded_set_id=0x1234abcd\nreloads=3\nlast_reload=dt-consistent");
        write_text("control-protocol", "reply-error", "result=error\nmessage=Reload failed: exit status 1\n");
        write_text("control-protocol", "bad-request-unknown", "statusx\n");
        write_text("control-protocol", "bad-reply-no-result", "state=idle\nresult=ok\n");
        write_text("control-protocol", "bad-reply-key", "result=ok\nBad-Key=1\n");
        write_text("control-protocol", "bad-reply-empty-line", "result=ok\n\nstate=idle\n");
}

/* fuzz-dt-cpu: a mode byte (0 nodes, 1 CPU list, 2 physical_id), then the input. Nodes are a length
 * byte and that many bytes of ibm,ppc-interrupt-server#s each. */
static void write_dt_cpu(const char *name, uint8_t mode, const void *data, size_t size) {
        uint8_t buf[1024];

        if (size + 1 > sizeof(buf))
                abort();
        buf[0] = mode;
        memcpy(buf + 1, data, size);
        write_file("dt-cpu", name, buf, size + 1);
}

/* Each node's threads as big-endian cells after its length byte; the last node cut short by cut bytes. */
static void write_dt_cpu_nodes(const char *name, const uint32_t *const *nodes, const size_t *n, size_t n_nodes,
                               size_t cut) {
        uint8_t buf[1024];
        size_t size = 0;

        for (size_t i = 0; i < n_nodes; i++) {
                size_t l = n[i] * 4 - (i == n_nodes - 1 ? cut : 0);

                if (size + 1 + n[i] * 4 > sizeof(buf) || l > UINT8_MAX)
                        abort();
                buf[size++] = (uint8_t) l;
                for (size_t k = 0; k < n[i]; k++) {
                        fdt32_t v = cpu_to_fdt32(nodes[i][k]);

                        memcpy(buf + size + 4 * k, &v, 4);
                }
                size += l;
        }
        write_dt_cpu(name, 0, buf, size);
}

static void gen_dt_cpu(void) {
        const uint32_t smt8a[] = { 0, 1, 2, 3, 4, 5, 6, 7 }, smt8b[] = { 8, 9, 10, 11, 12, 13, 14, 15 };
        const uint32_t one[] = { 0x20 }, dup[] = { 4, 5, 4 }, clash[] = { 7, 16 };
        const uint32_t *const two_cores[] = { smt8b, smt8a, one }, *const dup_nodes[] = { dup };
        const uint32_t *const clash_nodes[] = { smt8a, clash };
        const size_t two_n[] = { 8, 8, 1 }, dup_n[] = { 3 }, clash_n[] = { 8, 2 };

        write_dt_cpu_nodes("nodes-smt8", two_cores, two_n, 3, 0);
        write_dt_cpu_nodes("bad-nodes-odd-length", two_cores, two_n, 2, 2);
        write_dt_cpu_nodes("bad-nodes-repeat-in-node", dup_nodes, dup_n, 1, 0);
        write_dt_cpu_nodes("bad-nodes-thread-in-two", clash_nodes, clash_n, 2, 0);
        write_dt_cpu("bad-nodes-empty-property", 0, "\0", 1);

        write_dt_cpu("list-ranges", 1, "0-7,16,24-31\n", 14);
        write_dt_cpu("list-empty", 1, "\n", 1);
        write_dt_cpu("list-largest", 1, "16383", 5);
        write_dt_cpu("bad-list-unsorted", 1, "8-15,0-7\n", 9);
        write_dt_cpu("bad-list-leading-zero", 1, "00-3", 4);
        write_dt_cpu("bad-list-too-large", 1, "0-16384", 7);
        write_dt_cpu("bad-list-reversed", 1, "7-0", 3);

        write_dt_cpu("physical-id", 2, "40\n", 3);
        write_dt_cpu("physical-id-none", 2, "-1\n", 3);
        write_dt_cpu("bad-physical-id-hex", 2, "0x28\n", 5);
}

int main(int argc, char *argv[]) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
                return 2;
        }
        top = argv[1];
        if (mkdir(top, 0755) < 0 && errno != EEXIST) {
                perror(top);
                return 1;
        }

        gen_dt_v1();
        gen_dt_v2();
        gen_config();
        gen_memory_uevent();
        gen_control_protocol();
        gen_dt_cpu();
        return 0;
}
