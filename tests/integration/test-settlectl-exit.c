/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-settlectl's one exit-code policy (man/kdump-settlectl.8, EXIT STATUS): 0 done or agree,
 * 1 the answer is no, 2 an error or a usage error, for every command. No daemon needed: the
 * daemon's verbs are tried against a runtime directory where none listens. TAP. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dt-blob.h"
#include "dt-cell.h"
#include "dt-cpu.h"
#include "fake-cpus.h"
#include "fake-root.h"
#include "harness.h"
#include "macro.h"
#include "pft-size.h"

extern char **environ;

static const char *arg_ctl;
static char *root, *out_path;
static unsigned n_tests;
static bool any_failed;

/* kdump-settlectl --root=ROOT --runtime-dir=ROOT/run ARGS..., its exit status (-1 if killed). */
static int ctl(const char *const *args) {
        char *argv[16], *a_root, *a_runtime;
        size_t n = 0;
        int status;
        pid_t pid;

        if (asprintf(&a_root, "--root=%s", root) < 0 || asprintf(&a_runtime, "--runtime-dir=%s/run", root) < 0)
                abort();
        argv[n++] = (char *) arg_ctl;
        argv[n++] = a_root;
        argv[n++] = a_runtime;
        for (; *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = (char *) *args;
        argv[n] = NULL;

        pid = harness_spawn(argv, environ, out_path, NULL);
        if (waitpid(pid, &status, 0) != pid)
                abort();
        free(a_root);
        free(a_runtime);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect(int code, const char *what, const char *const *args) {
        int r = ctl(args);

        n_tests++;
        if (r == code) {
                printf("ok %u - %s: exit %d\n", n_tests, what, code);
                return;
        }
        char *output = harness_read_all(out_path, NULL);
        printf("not ok %u - %s: exit %d, expected %d\n", n_tests, what, r, code);
        harness_diag_lines("", output ?: "");
        free(output);
        any_failed = true;
}

#define ARGS(...) ((const char *const[]) { __VA_ARGS__, NULL })

/* Whether the output of the last command has text in it, as want says. */
static void expect_output(bool want, const char *what, const char *text) {
        char *output = harness_read_all(out_path, NULL);
        bool has = output && strstr(output, text);

        n_tests++;
        if (has == want)
                printf("ok %u - %s\n", n_tests, what);
        else {
                printf("not ok %u - %s: \"%s\" %s the output\n", n_tests, what, text, has ? "in" : "not in");
                harness_diag_lines("", output ?: "");
                any_failed = true;
        }
        free(output);
}

/* Issue 20.2: a kexec in PATH that lists --hotplug and says it is version (its --version). */
static void fake_kexec(const char *version) {
        char *bin = harness_path_in(root, "bin"), *kexec = harness_path_in(bin, "kexec"), *script;

        if (asprintf(&script, "#!/bin/sh\ncase \"$1\" in\n--help) echo ' --hotplug  The kernel keeps it current.' ;;\n"
                     "--version) echo 'kexec-tools %s' ;;\nesac\n", version) < 0 ||
            (mkdir(bin, 0755) < 0 && errno != EEXIST) || harness_write_text(kexec, script) < 0 || chmod(kexec, 0755) < 0 ||
            setenv("PATH", bin, 1) < 0)
                abort();
        free(script);
        free(kexec);
        free(bin);
}

static void lpar(unsigned n_blocks, unsigned n_lmbs) {
        TestLmb lmbs[8] = {};
        Blob b = {};

        for (unsigned i = 0; i < n_lmbs; i++)
                lmbs[i] = (TestLmb) { .base = i * LMB_SIZE, .flags = DRCONF_MEM_ASSIGNED };
        dt_blob_v1(&b, lmbs, n_lmbs);
        if (fake_root_set_block_size(root, LMB_SIZE) < 0 ||
            fake_root_write_dt(root, LMB_SIZE, DT_FORMAT_V1, &b) < 0)
                abort();
        for (unsigned i = 0; i < 8; i++)
                if ((i < n_blocks ? fake_root_add_block(root, i) : fake_root_remove_block(root, i)) < 0 && i < n_blocks)
                        abort();
        blob_done(&b);
}

int main(void) {
        char *dtb, *run;

        arg_ctl = getenv("KDUMP_SETTLECTL");
        if (!arg_ctl) {
                printf("Bail out! set KDUMP_SETTLECTL\n");
                return 1;
        }
        if (fake_root_create(&root) < 0)
                abort();
        out_path = harness_path_in(root, "ctl.out");
        dtb = harness_path_in(root, "memory.dtb");

        printf("1..30\n");
        /* Usage errors. */
        expect(2, "no command", ARGS("--json"));
        expect(2, "unknown command", ARGS("explode"));
        expect(2, "an extra argument", ARGS("status", "now"));
        expect(2, "dump-dt without its file", ARGS("dump-dt"));
        expect(2, "an invalid --timeout=", ARGS("--timeout=soon", "wait"));
        /* The daemon's commands with no daemon: errors, whatever the verb. */
        expect(2, "status, no daemon", ARGS("status"));
        expect(2, "reload, no daemon", ARGS("reload"));
        expect(2, "wait, no daemon", ARGS("wait"));
        /* check: an error, yes, no. */
        expect(2, "check, no device tree", ARGS("check"));
        lpar(4, 4);
        expect(0, "check, they agree", ARGS("check"));
        lpar(3, 4);
        expect(1, "check, they disagree", ARGS("check"));
        lpar(4, 4);
        /* check: Linux 6.10+'s linux,memory-limit below the end of memory, without mem= (issue 20). */
        run = harness_path_in(root, "run");
        if (fake_root_write_memory_limit(root, 2 * LMB_SIZE, "ro quiet\n") < 0)
                abort();
        expect(1, "check, linux,memory-limit clips the dump, no daemon corrects it", ARGS("check"));
        if (mkdir(run, 0755) < 0)
                abort();
        expect(0, "check, linux,memory-limit clips the dump, the daemon's reloads correct it", ARGS("check"));
        (void) rmdir(run);
        if (fake_root_write_memory_limit(root, 2 * LMB_SIZE, "ro mem=512M\n") < 0)
                abort();
        expect(0, "check, linux,memory-limit set by mem=", ARGS("check"));
        /* check: a hash-MMU LPAR whose HPT was resized, ibm,pft-size still the boot's (issue 20.3). */
        {
                uint8_t v[PFT_SIZE_BYTES];
                char name[64], path[256];

                dt_cell32_put(v, 0);
                dt_cell32_put(v + 4, 25);
                snprintf(path, sizeof(path), "%s/%s/%s", DT_CPUS_NODE, fake_cpus_node_name(0, name, sizeof(name)),
                         DT_PROP_PFT_SIZE);
                if (fake_cpus_write_core(root, 0, 1) < 0 || fake_cpus_set_lists(root, "0\n", "0\n") < 0 ||
                    fake_cpus_set_physical_id(root, 0, 0) < 0 || fake_root_write_file(root, path, v, sizeof(v)) < 0 ||
                    fake_root_write_file(root, PROC_CPUINFO, "MMU\t\t: Hash\n", 12) < 0 ||
                    fake_root_write_file(root, HPT_ORDER_PATH, "25\n", 3) < 0)
                        abort();
                expect(0, "check, ibm,pft-size has the HPT order in use", ARGS("check"));
                if (fake_root_write_file(root, HPT_ORDER_PATH, "23\n", 3) < 0)
                        abort();
                expect(1, "check, ibm,pft-size stale, no daemon corrects it", ARGS("check"));
                if (mkdir(run, 0755) < 0)
                        abort();
                expect(0, "check, ibm,pft-size stale, the daemon's reloads correct it", ARGS("check"));
                (void) rmdir(run);
                if (fake_root_write_file(root, PROC_CPUINFO, "MMU\t\t: Radix\n", 13) < 0)
                        abort();
                expect(0, "check, ibm,pft-size on a radix MMU", ARGS("check"));
        }
        expect(0, "dump-dt", ARGS("dump-dt", dtb));
        /* Issue 19.16: a link planted where dump-dt writes names what root would overwrite. */
        {
                char *victim = harness_path_in(root, "victim"), *link = harness_path_in(root, "link.dtb"), *text;

                if (harness_write_text(victim, "keep\n") < 0 || symlink(victim, link) < 0)
                        abort();
                expect(2, "dump-dt onto a symbolic link", ARGS("dump-dt", link));
                text = harness_read_all(victim, NULL);
                n_tests++;
                if (text && strcmp(text, "keep\n") == 0)
                        printf("ok %u - dump-dt left the link's target alone\n", n_tests);
                else {
                        printf("not ok %u - dump-dt wrote through the link into %s\n", n_tests, victim);
                        any_failed = true;
                }
                free(text);
                free(victim);
                free(link);
        }
        /* Issue 20.2: --hotplug without the elfcorehdr reservation fix is a hazard check names, with
         * what to do; the daemon's kexec backend avoids it, so not a "no". Negative controls: a kexec
         * with the fix, a kernel that cannot update the image. */
        {
                char *saved = strdup(getenv("PATH") ?: "/usr/bin:/bin"), *path = NULL;

                if (!saved || fake_root_write_file(root, "sys/kernel/crash_elfcorehdr_size", "65536\n", 6) < 0)
                        abort();
                fake_kexec("2.0.32");
                expect(0, "check, kexec 2.0.32 with --hotplug", ARGS("check"));
                expect_output(true, "check names kexec 2.0.32's --hotplug as a hazard, with what to do",
                              "kexec-tools 2.0.32 offers --hotplug but reserves only");
                /* A crash kernel the kernel updates on hot-plug is loaded: loaded with --hotplug, by that
                 * kexec; the daemon reloads nothing the kernel updates, so check says no. */
                if (fake_root_write_file(root, "sys/devices/system/memory/crash_hotplug", "1\n", 2) < 0 ||
                    fake_root_write_file(root, "sys/kernel/kexec_crash_loaded", "1\n", 2) < 0)
                        abort();
                expect(1, "check, kexec 2.0.32, a crash kernel loaded with --hotplug", ARGS("check"));
                expect_output(true, "check says what to do about the --hotplug image",
                              "To do: reload without --hotplug");
                fake_kexec("2.0.33");
                expect(0, "check, kexec 2.0.33, a crash kernel loaded with --hotplug", ARGS("check"));
                expect_output(false, "check finds no hazard in kexec 2.0.33", "hazard");
                fake_kexec("2.0.32");
                if (fake_root_write_file(root, "sys/devices/system/memory/crash_hotplug", "0\n", 2) < 0)
                        abort();
                expect(0, "check, kexec 2.0.32, the loaded crash kernel not updated by the kernel", ARGS("check"));
                free(path);
                path = harness_path_in(root, "sys/kernel/crash_elfcorehdr_size");
                if (unlink(path) < 0)
                        abort();
                expect(0, "check, kexec 2.0.32 on a kernel without crash hot-plug", ARGS("check"));
                expect_output(false, "check finds no --hotplug hazard where the kernel has none", "hazard");
                if (setenv("PATH", saved, 1) < 0)
                        abort();
                free(saved);
                free(path);
        }

        (void) fake_root_remove(root);
        free(out_path);
        free(run);
        free(dtb);
        free(root);
        return any_failed ? 1 : 0;
}
