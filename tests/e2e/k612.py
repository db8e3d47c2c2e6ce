"""Debian 13's 6.12 kernel (issue 13.4) for `run --kernel 6.12`: since 6.10
powerpc updates a loaded crash image on hot-plug itself (memory: the
elfcorehdr; CPUs: the FDT's /cpus) when it was loaded with `kexec -p
--hotplug` (kexec-tools >= 2.0.29; Debian's 6.12 has no CONFIG_KEXEC_FILE, so
`kexec -s -p` is not possible), and crash_hotplug then reads 1. One boot of
work/k6.12 (prepare --kernel 6.12), the daemon as in `run`:

  20 the daemon's own kexec backend (no reload command), started and asked
     for its status only: kexec_hotplug=no-reserve-fix with this kernel and
     kexec-tools 2.0.29 (its --hotplug reserves too little of the elfcorehdr,
     issue 20.2), yes with --kexec-hotplug=yes; its negative control,
     bookworm's kexec 2.0.25 first in PATH: no-kexec.
  b) plain `kexec -p` (the reload command as on 6.1): 21 hot-add 1 GiB,
     22 hot-remove it, 23 hot-add a core: one reload each, crash_hotplug 0.
  24 `kdump-settlectl reload` with the reload command's kexec given --hotplug:
     one reload, then crash_hotplug reads 1 for memory and CPUs.
  a) 25 hot-add 1 GiB, 26 hot-remove it, 27 hot-add 1 GiB, 28 hot-add a core:
     no reload at all; 29 crash on that core's CPU: the capture kernel boots
     and the vmcore holds the memory of 27, though nothing reloaded: the
     kernel's own update.

--plain: b) only, then 25b hot-add 1 GiB (one reload); 29n the negative
control: `kexec -p -d` run by hand over the real tree (/chosen/linux,memory-limit
at the boot RAM's end, no mem=) clips the crash memory ranges at the limit;
29r `kdump-settlectl reload` (the daemon's image is the loaded one again); 29b
the crash on the CPU of 23: the dump holds the hot-added memory, since the
daemon's reloads run over a /chosen without the property (issue 20).
--plain --patched-kexec: instead of 29n and 29r, 29p the last load by hand
with the patched kexec (patches/kexec-tools, /e2e/kexec-patched) over the
real tree: its ranges reach the end of memory; then 29b without the daemon's
corrected tree.
--late-hotplug: 21, then 24 (the --hotplug load after the hot-add), then
29c the crash with nothing plugged since: the image kexec built, unrebuilt.
"""
import os
import re
import time

from cpus import CpuScenarios
from lpar import GuestError, Lpar
from scenario import GiB, Session

WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work")
K612 = os.path.join(WORK, "k6.12")
FLAGS = "/sys/devices/system/memory/crash_hotplug /sys/devices/system/cpu/crash_hotplug"


class Kernel612:
    def __init__(self, runner):
        self.r = runner
        self.c = CpuScenarios(runner)
        self.g = self.s = None

    def flags(self):
        """crash_hotplug of memory and of CPUs, as the guest reads them ("?" if absent)."""
        out = self.g.run(f"for f in {FLAGS}; do cat $f 2>/dev/null || echo '?'; done")[1].split()
        return out[0], out[1]

    def backend_probe(self, name):
        """The daemon's kexec backend on the real kernel and kexec: what it would load with.
        Started before the daemon under test, stopped before anything is plugged."""
        t_wall = time.monotonic()
        problems, parts = [], []
        for tag, path, opt, want in (("", "", "", "no-reserve-fix"), ("-yes", "", " --kexec-hotplug=yes", "yes"),
                                     ("-old", "/e2e/bookworm:", "", "no-kexec")):
            rd = f"/run/probe{tag}"
            self.g.run(f"mkdir -p {rd}; PATH={path}$PATH kdump-settled --config=/dev/null --runtime-dir={rd} "
                       f"--state-dir={rd} --uevent-source=kernel --kexec-kernel=/boot/vmlinux "
                       f"--kexec-initrd=/boot/capture.cpio.gz --kexec-append=console=hvc0{opt} "
                       f"</dev/null >{rd}/log 2>&1 & echo $! >{rd}/pid; "
                       f"i=0; while [ ! -S {rd}/control ] && [ $i -lt 300 ]; do usleep 100000; i=$((i+1)); done")
            rc, out = self.s.settlectl(f"--runtime-dir={rd} status --json")
            self.g.run(f"kill $(cat {rd}/pid); sleep 1", check=False)
            log = self.g.run(f"cat {rd}/log", check=False)[1]
            self.r.note(f"probe {tag or 'new'}:\n{out}\n{log}")
            got = next((v for k, v in re.findall(r'"(\w+)": "?([^",}]*)', out) if k == "kexec_hotplug"), None)
            cmd = re.search(r"Reload command \(kexec\): (.*)", log)
            version = "2.0.25" if tag == "-old" else "2.0.29" + opt
            parts.append(f"kexec {version}: kexec_hotplug={got}, "
                         f"`{cmd.group(1).split(' --append')[0] if cmd else '?'}`")
            if got != want:
                problems.append(f"kexec {version}: status kexec_hotplug={got}, expected {want}")
            if (want == "yes") != bool(cmd and " --hotplug " in cmd.group(1)):
                problems.append(f"reload command {cmd.group(1) if cmd else '(not logged)'}")
        problems += self.flags_check("0")   # nothing loaded by the probes
        self.r.result(name, problems, "; ".join(parts), time.monotonic() - t_wall)

    def boot(self, name):
        self.g = Lpar(WORK, name=name, kernel=os.path.join(K612, "vmlinux"),
                      initrd=os.path.join(K612, "guest.cpio"), smp="2,maxcpus=4", maxmem="8G")
        self.s = Session(self.g, self.r.note)
        self.c.g, self.c.s = self.g, self.s
        self.r.g, self.r.s = self.g, self.s     # the runner's memory and crash scenarios
        seconds = self.g.boot()
        uname = self.g.run("uname -r")[1].strip()
        kexec = self.g.run("kexec --version", check=False)[1].strip()
        # kexec-tools drops crash memory ranges above /chosen/linux,memory-limit.
        limit = self.g.run("od -An -tx1 /proc/device-tree/chosen/linux,memory-limit 2>/dev/null | tr -d ' \\n'",
                           check=False)[1].strip() or "absent"
        self.r.say(f"boot {name}: {seconds:.1f}s to guest shell; kernel {uname}; {kexec}; "
                   f"crash_hotplug memory, cpu = {', '.join(self.flags())} (nothing loaded); "
                   f"/chosen/linux,memory-limit {limit}")
        self.backend_probe("20 6.12: the daemon's own kexec backend asks the kernel and kexec")
        self.g.run("/e2e/e2e-start daemon " + " ".join(f"'{x}'" for x in self.r.daemon_args()))
        time.sleep(2)
        for core in (2, 3):
            self.c.watch_node(core)

    def flags_check(self, want):
        got = self.flags()
        return [] if got == (want, want) else [f"crash_hotplug memory, cpu = {', '.join(got)}, expected {want}, {want}"]

    def mem(self, name, action, reloads, want_flag):
        """A memory request through the runner's checks, and the flags after it: exactly `reloads`
        reloads. The second reload that followed the first under load (2 of 11 requests at load
        10-14) was the daemon's: the kernel replaces the property by removing it and adding a new
        one (absent for up to 180 ms under load), the last poll saw it absent or old while the
        evaluation read the new one, and the engine took the polled generation for the reload's,
        so the same DT looked changed at the reload's end (issue 22.6, fixed in lib/engine/settle.c,
        tests/unit/engine/test-settle.c test_verdict_newer_than_poll)."""
        def more(req):
            return self.flags_check(want_flag), [f"crash_hotplug {want_flag}"], None
        self.r.hotplug_scenario(name, action, reloads, reloads, more=more)

    def core(self, name, core_id, n_online, reloads):
        t0, t = self.s.guest_now(), time.monotonic()
        self.c.core_add(core_id)
        self.c.wait_online(n_online)
        self.c.scenario(name, t0, time.monotonic() - t, core_id, True, reloads=reloads)

    def requested_reload(self, flags):
        """`kdump-settlectl reload`, settled: its reloads, and the problems with them (one reload
        expected, its kexec -p run with flags and exiting 0)."""
        t0 = self.s.guest_now()
        rc, out = self.s.settlectl("reload")
        self.s.settle(None, quiet=3.0, timeout=90)
        rel = self.s.snapshot().reloads_since(t0)
        problems = [] if rc == 0 else [f"kdump-settlectl reload: exit {rc}: {out.strip()[:200]!r}"]
        if len(rel) != 1:
            problems.append(f"{len(rel)} reloads for one request, expected 1")
        for r in rel:
            if r.get("kexec.rc") != "0" or (r.get("flags") or "") != flags:
                problems.append(f"reload {r['slot']}: kexec -p {r.get('flags')} exit {r.get('kexec.rc')}")
        return rel, problems

    def switch(self, name):
        """The reload command's kexec gets --hotplug; a requested reload loads with it."""
        t_wall = time.monotonic()
        self.g.run("echo --hotplug >/run/e2e/kexec-flags")
        rel, problems = self.requested_reload("--hotplug")
        problems += self.flags_check("1")
        took = ", ".join(f"{1000 * (float(r['end']) - r['start_t']):.0f}" for r in rel if r.get("end"))
        self.r.result(name, problems, f"reloads={len(rel)}; kexec -p --hotplug took {took} ms; "
                      f"crash_hotplug memory, cpu = {', '.join(self.flags())}", time.monotonic() - t_wall)

    def kexec_debug(self, name, patched=False):
        """What `kexec -p -d` run by hand (over the real tree) makes of the memory now, bookworm's
        2.0.25 and then 2.0.29 (the one left loaded): work/k612-plain-kexec-d.log. The negative
        control of 29b: with /chosen/linux,memory-limit and no mem=, no crash memory range of 2.0.29
        ends above it. patched: the last is the patched 2.0.29, whose ranges reach the end of memory."""
        t_wall = time.monotonic()
        args = ("-p -d /boot/vmlinux --initrd=/boot/capture.cpio.gz --append=\"$(cat /proc/cmdline | "
                "sed 's/crashkernel=[^ ]*//') maxcpus=1 e2e_online=$(. /e2e/e2e-common; online_ranges)\"")
        limit = self.g.run("od -An -tx1 /proc/device-tree/chosen/linux,memory-limit 2>/dev/null | tr -d ' \\n'",
                           check=False)[1].strip()
        out = ""
        with open(os.path.join(WORK, "k612-plain-kexec-d.log"), "w") as f:
            for kexec in ("/e2e/bookworm/kexec", "/e2e/kexec-patched" if patched else "kexec"):
                rc, out = self.g.run(f"{kexec} {args} 2>&1", timeout=300, check=False)
                f.write(f"=== {kexec}: exit {rc}\n{out}\n")
        # ppc64's "CRASH MEMORY RANGES" block: one start-end per line, in hex.
        block = out.split("CRASH MEMORY RANGES", 1)[1] if "CRASH MEMORY RANGES" in out else ""
        ends = [int(m.group(2), 16) for m in re.finditer(r"^\s*([0-9a-fA-F]{8,})-([0-9a-fA-F]{8,})\s*$", block,
                                                          re.M)][:64]
        problems = []
        if not limit:
            problems.append("no /chosen/linux,memory-limit: nothing to show")
        elif not ends:
            problems.append("no crash memory ranges in kexec -p -d's output")
        elif not patched and max(ends) > int(limit, 16):
            problems.append(f"a range ends at {max(ends):#x}, above the limit 0x{limit}: not clipped")
        elif patched and max(ends) <= int(limit, 16):
            problems.append(f"the patched kexec's ranges end at {max(ends):#x}, at the limit 0x{limit}: clipped")
        which = "the patched 2.0.29's" if patched else "2.0.29's"
        self.r.result(name, problems, f"linux,memory-limit 0x{limit or '?'}; {which} crash memory "
                      f"ranges end at {max(ends):#x}" if ends else "no ranges", time.monotonic() - t_wall)

    def reload(self, name):
        """One requested reload, after kexec_debug's own load: the daemon's image is the loaded one."""
        t_wall = time.monotonic()
        rel, problems = self.requested_reload("")
        log = self.g.run("grep 'device tree' /run/e2e/daemon.log", check=False)[1]
        if "device tree as it is" in log:
            problems.append("the daemon reloaded over the plain tree: " + log.strip()[:200])
        if "corrected device tree: memory-limit" not in log:
            problems.append("the daemon never said it reloaded over a corrected device tree")
        self.r.result(name, problems, f"reloads={len(rel)}", time.monotonic() - t_wall)

    def run(self, plain, late, patched=False):
        self.boot("k612-plain" if plain else "k612-late" if late else "k612")
        try:
            if late:
                # --late-hotplug: the --hotplug load comes after a hot-add, and nothing is plugged
                # before the crash: the image is what kexec built then, not a kernel rebuild.
                self.mem("21 6.12, kexec -p: hot-add 1 GiB", lambda: self.g.add_dimm(1, GiB), 1, "0")
                self.switch("24 6.12: kdump-settlectl reload with kexec -p --hotplug, after the hot-add")
                self.r.save_guest_logs()
                self.r.crash_scenario("29c 6.12, kexec -p --hotplug loaded after the hot-add, nothing since: "
                                      "crash (NMI) -> capture kernel")
                return
            self.mem("21 6.12, kexec -p: hot-add 1 GiB", lambda: self.g.add_dimm(1, GiB), 1, "0")
            self.mem("22 6.12, kexec -p: hot-remove 1 GiB", lambda: self.g.del_dimm(1), 1, "0")
            self.core("23 6.12, kexec -p: hot-add a core (core-id 2)", 2, 3, 1)
            if plain:
                self.mem("25b 6.12, kexec -p: hot-add 1 GiB", lambda: self.g.add_dimm(3, GiB), 1, "0")
                if patched:
                    self.kexec_debug("29p 6.12: the patched kexec -p -d by hand over the real tree, left "
                                     "loaded", patched=True)
                else:
                    self.kexec_debug("29n 6.12, negative control: kexec -p -d by hand over the real tree "
                                     "clips at linux,memory-limit")
                    self.reload("29r 6.12, kexec -p: kdump-settlectl reload, over the corrected tree")
                self.r.save_guest_logs()
                self.r.crash_scenario("29b 6.12, kexec -p: crash on the CPU of 23 -> capture kernel",
                                      trigger=lambda: self.c.crash_on(2))
                return
            self.switch("24 6.12: kdump-settlectl reload, the reload's kexec -p with --hotplug")
            self.mem("25 6.12, kexec -p --hotplug: hot-add 1 GiB", lambda: self.g.add_dimm(2, GiB), 0, "1")
            self.mem("26 6.12, kexec -p --hotplug: hot-remove 1 GiB", lambda: self.g.del_dimm(2), 0, "1")
            self.mem("27 6.12, kexec -p --hotplug: hot-add 1 GiB", lambda: self.g.add_dimm(3, GiB), 0, "1")
            self.core("28 6.12, kexec -p --hotplug: hot-add a core (core-id 3)", 3, 4, 0)
            self.r.save_guest_logs()
            self.r.crash_scenario("29 6.12, kexec -p --hotplug: crash on the CPU of 28, no reload since 24 "
                                  "-> capture kernel", trigger=lambda: self.c.crash_on(3))
        finally:
            self.g.close()


def main(runner, plain, late=False, patched=False):
    if not os.path.exists(os.path.join(K612, "guest.cpio")):
        raise SystemExit(f"run: {K612}/guest.cpio missing: run prepare --kernel 6.12")
    try:
        Kernel612(runner).run(plain, late, patched)
    except GuestError as e:
        runner.say(f"[FAIL] harness (6.12): {e}")
        runner.failed += 1
