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
--debian-replay (issue 20, points 1 and 2), its own boot: the daemon on its
kdump-tools backend. Real: the 6.12 kernel, Debian 12's kdump-config (kdump-tools
1.8.1; trixie's source 404s on the mirror) with its shipped defaults, kexec-tools
2.0.29 as /sbin/kexec, the daemon. Stand-ins: /lib/lsb/init-functions (messages
only), the symbolic links Debian's kernel package and kdump-tools' postinst.d hook
would make (the capture initrd is the e2e's), no systemd (the gate's systemctl
is absent: open).
  30 `kdump-config load`, as kdump-tools.service runs it at boot: loaded, and its
     record /var/crash/kexec_cmd in the form the daemon replays;
  31 hot-add 1 GiB: one reload, kexec_cmd replayed with /sbin/kexec over the
     corrected tree (the daemon's log says both);
  32 the negative control: the record replayed by hand (with -d) over the real
     tree: its crash memory ranges end at linux,memory-limit;
  33 point 2: `kexec -p -d --hotplug` by hand, 2.0.29 and then /e2e/kexec-patched
     (with upstream's 600c2f9512b5): the loaded FDT (QEMU pmemsave of its
     segment) reserves the elfcorehdr's initial size without the fix, its whole
     memsz with it. Whether the capture kernel overwrites the grown part TCG
     cannot show: QEMU's DIMMs join one memory range, and the header keeps room
     for more ranges than a boot plugs (said in the output);
  34 `kdump-settlectl reload`: the daemon's replay is the loaded image again;
  35 the crash (NMI): the dump holds the hot-added memory.
  --debian-replay --clipped (the negative control of 35, not in check): instead
  of 34 the record replayed by hand over the real tree is left loaded; 35 must
  then miss the hot-added memory (today's clipped dump).
"""
import os
import re
import struct
import time

from cpus import CpuScenarios
from lpar import GuestError, Lpar
from scenario import GiB, Session

WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work")
K612 = os.path.join(WORK, "k6.12")
FLAGS = "/sys/devices/system/memory/crash_hotplug /sys/devices/system/cpu/crash_hotplug"
LIMIT_HEX = "od -An -tx1 /proc/device-tree/chosen/linux,memory-limit 2>/dev/null | tr -d ' \\n'"
# --debian-replay: what kdump-config records (kexec_cmd), as Debian 12's does it.
RECORD = "/var/crash/kexec_cmd"
RECORD_RE = r'/sbin/kexec -p --command-line="[^"]*" --initrd=/var/lib/kdump/initrd.img /var/lib/kdump/vmlinuz'
FDT_MAGIC = b"\xd0\x0d\xfe\xed"


def crash_range_ends(out):
    """The ends of ppc64's "CRASH MEMORY RANGES" in `kexec -p -d` output (one start-end a line, hex)."""
    block = out.split("CRASH MEMORY RANGES", 1)[1] if "CRASH MEMORY RANGES" in out else ""
    return [int(m.group(2), 16) for m in re.finditer(r"^\s*([0-9a-fA-F]{8,})-([0-9a-fA-F]{8,})\s*$", block,
                                                      re.M)][:64]


def kexec_segments(out):
    """(mem, memsz) of each segment `kexec -d` lists."""
    return [(int(m.group(1), 16), int(m.group(2), 16)) for m in
            re.finditer(r"\.mem\s*=\s*(0x[0-9a-f]+)\s+segment\[\d+\]\.memsz\s*=\s*(0x[0-9a-f]+)", out)]


def fdt_reserve_map(blob):
    """The FDT header's reserve map: [(address, size)], up to the (0, 0) entry."""
    off = struct.unpack_from(">I", blob, 16)[0]
    out = []
    while off + 16 <= len(blob):
        addr, size = struct.unpack_from(">QQ", blob, off)
        if addr == 0 and size == 0:
            break
        out.append((addr, size))
        off += 16
    return out


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

    def boot(self, name, start=True):
        """start: the kexec backend's probe (20), then the daemon on the reload command."""
        self.g = Lpar(WORK, name=name, kernel=os.path.join(K612, "vmlinux"),
                      initrd=os.path.join(K612, "guest.cpio"), smp="2,maxcpus=4", maxmem="8G")
        self.s = Session(self.g, self.r.note)
        self.c.g, self.c.s = self.g, self.s
        self.r.g, self.r.s = self.g, self.s     # the runner's memory and crash scenarios
        seconds = self.g.boot()
        uname = self.g.run("uname -r")[1].strip()
        kexec = self.g.run("kexec --version", check=False)[1].strip()
        # kexec-tools drops crash memory ranges above /chosen/linux,memory-limit.
        limit = self.g.run(LIMIT_HEX, check=False)[1].strip() or "absent"
        self.r.say(f"boot {name}: {seconds:.1f}s to guest shell; kernel {uname}; {kexec}; "
                   f"crash_hotplug memory, cpu = {', '.join(self.flags())} (nothing loaded); "
                   f"/chosen/linux,memory-limit {limit}")
        if not start:
            return
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
        limit = self.g.run(LIMIT_HEX, check=False)[1].strip()
        out = ""
        with open(os.path.join(WORK, "k612-plain-kexec-d.log"), "w") as f:
            for kexec in ("/e2e/bookworm/kexec", "/e2e/kexec-patched" if patched else "kexec"):
                rc, out = self.g.run(f"{kexec} {args} 2>&1", timeout=300, check=False)
                f.write(f"=== {kexec}: exit {rc}\n{out}\n")
        ends = crash_range_ends(out)
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

    # --- --debian-replay: the daemon's kdump-tools backend (issue 20, points 1 and 2) ---------------

    def daemon_log(self):
        return self.g.run("cat /run/e2e/daemon.log", check=False)[1]

    def kdump_config_load(self, name):
        """30: Debian's kdump-config loads as kdump-tools.service does at boot, and records its command."""
        t_wall = time.monotonic()
        # What linux-image-* installs (/boot/vmlinux-KVER); kdump-config links the rest. A disk's
        # root is 0755 (the initramfs' tmpfs root is 1777, and the daemon trusts no record below it).
        self.g.run("ln -sf vmlinux /boot/vmlinux-$(uname -r); chmod 755 /")
        rc, out = self.g.run("/e2e/debian/kdump-config load", timeout=300, check=False)
        self.r.note(f"kdump-config load: exit {rc}\n{out}")
        record = self.g.run(f"cat {RECORD}", check=False)[1].strip()
        owner = self.g.run(f"stat -c '%u %a' {RECORD}", check=False)[1].strip()
        loaded = self.g.run("cat /sys/kernel/kexec_crash_loaded")[1].strip()
        problems = [] if rc == 0 else [f"kdump-config load: exit {rc}: {out.strip()[-300:]!r}"]
        if loaded != "1":
            problems.append(f"kexec_crash_loaded {loaded!r} after kdump-config load")
        if not re.fullmatch(RECORD_RE, record):
            problems.append(f"{RECORD} is not in the form Debian's kdump-config writes: {record[:300]!r}")
        if owner != "0 644":
            problems.append(f"{RECORD}: owner and mode {owner!r}, expected root's 0644")
        self.r.result(name, problems, f"{RECORD} ({owner}): {record}", time.monotonic() - t_wall)

    def replays(self, log):
        return log.count(f"{RECORD} replayed with"), log.count("Crash kernel reloaded"), \
            log.count("Reloading over a corrected device tree: memory-limit")

    def replay_problems(self, before, log, want=1):
        """A settled request's problems: want more reloads than before, each a replay of the record
        over the corrected tree, none through kdump-config reload or over the plain tree."""
        got = [a - b for a, b in zip(self.replays(log), before)]
        problems = []
        if got[1] != want:
            problems.append(f"{got[1]} successful reloads, expected {want}")
        if got[0] != want:
            problems.append(f"{got[0]} replays of {RECORD}, expected {want}")
        if got[2] != want:
            problems.append(f"{got[2]} reloads said they ran over the corrected tree (memory-limit), expected {want}")
        for bad in ("Cannot load over the old crash kernel", "device tree as it is", "reload failed"):
            if bad in log:
                problems.append("the daemon's log says: " + next(x for x in log.splitlines() if bad in x)[:200])
        if self.g.run("cat /sys/kernel/kexec_crash_loaded")[1].strip() != "1":
            problems.append("no crash kernel loaded after the reload")
        return problems

    def settled_wait(self, before, timeout=300):
        """Until the daemon logged a reload more than before, then until it is idle."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            log = self.daemon_log()
            if self.replays(log)[1] > before[1] or "reload failed" in log:
                break
            time.sleep(0.5)
        self.s.settlectl("wait --timeout=60s", timeout=90)
        time.sleep(3)   # a second reload, should one follow, is counted too
        return time.monotonic() - t0, self.daemon_log()

    def debian_hotadd(self, name, dimm):
        t_wall = time.monotonic()
        before = self.replays(self.daemon_log())
        record = self.g.run(f"cat {RECORD}")[1]
        self.g.add_dimm(dimm, GiB)
        took, log = self.settled_wait(before)
        problems = self.replay_problems(before, log)
        if self.g.run(f"cat {RECORD}")[1] != record:
            problems.append(f"{RECORD} changed: kdump-config ran")
        self.r.result(name, problems, f"hot-add -> reload logged {took:.1f}s; "
                      + "; ".join(x.split("> ", 1)[-1] for x in log.splitlines()
                                  if "replayed with" in x or "corrected device tree" in x)[-300:],
                      time.monotonic() - t_wall)

    def replay_by_hand(self, name):
        """32: the record replayed by hand, -d added, over the real tree: clipped at the limit."""
        t_wall = time.monotonic()
        limit = self.g.run(LIMIT_HEX, check=False)[1].strip()
        rc, out = self.g.run(f"eval \"$(sed 's|^/sbin/kexec -p |/sbin/kexec -p -d |' {RECORD})\" 2>&1",
                             timeout=300, check=False)
        with open(os.path.join(WORK, "k612-debian-replay-d.log"), "w") as f:
            f.write(f"=== {RECORD} replayed by hand with -d: exit {rc}\n{out}\n")
        ends = crash_range_ends(out)
        problems = [] if rc == 0 else [f"the replay by hand: exit {rc}"]
        if not limit:
            problems.append("no /chosen/linux,memory-limit: nothing to show")
        elif not ends:
            problems.append("no crash memory ranges in the replay's -d output")
        elif max(ends) > int(limit, 16):
            problems.append(f"a range ends at {max(ends):#x}, above the limit 0x{limit}: not clipped")
        self.r.result(name, problems, f"linux,memory-limit 0x{limit or '?'}; the replay's crash memory ranges "
                      f"end at {max(ends):#x}" if ends else "no ranges", time.monotonic() - t_wall)

    def loaded_fdt(self, kexec, tag):
        """`kexec -p -d --hotplug` by hand; its FDT segment read back from guest memory (pmemsave):
        (the reserve map, the elfcorehdr's address, its segment's memsz, its initial size)."""
        rc, out = self.g.run(f"{kexec} -p -d --hotplug /boot/vmlinux --initrd=/boot/capture.cpio.gz "
                             "--append=\"$(sed 's/crashkernel=[^ ]*//' /proc/cmdline) maxcpus=1\" 2>&1",
                             timeout=300, check=False)
        with open(os.path.join(WORK, f"k612-debian-hotplug-{tag}-d.log"), "w") as f:
            f.write(out)
        if rc != 0:
            raise GuestError(f"{kexec} -p -d --hotplug: exit {rc}: {out.strip()[-300:]}")
        fdt = None
        for mem, memsz in kexec_segments(out):
            if memsz > 4 << 20:
                continue
            path = os.path.join(WORK, f"k612-debian-seg-{tag}-{mem:x}.bin")
            self.g.qmp("human-monitor-command", **{"command-line": f'pmemsave {mem:#x} {memsz:#x} "{path}"'})
            blob = open(path, "rb").read()
            os.unlink(path)
            if blob[:4] == FDT_MAGIC:
                fdt = blob[:struct.unpack_from(">I", blob, 4)[0]]
                with open(os.path.join(WORK, f"k612-debian-fdt-{tag}.dtb"), "wb") as f:
                    f.write(fdt)   # dtc -I dtb shows it: /memreserve/ lines first
        if fdt is None:
            raise GuestError(f"{kexec}: no FDT among the segments")
        m = re.search(rb"elfcorehdr=(\d+)K", fdt)
        if not m:
            raise GuestError(f"{kexec}: no elfcorehdr= in the loaded FDT")
        hdr = int(m.group(1)) << 10
        memsz = next((z for a, z in kexec_segments(out) if a == hdr), None)
        # The initial header: the ELF header's e_phnum program headers (ELF64: 64 + 56 each).
        path = os.path.join(WORK, f"k612-debian-elfcorehdr-{tag}.bin")
        self.g.qmp("human-monitor-command", **{"command-line": f'pmemsave {hdr:#x} 0x40 "{path}"'})
        ehdr = open(path, "rb").read()
        phnum = struct.unpack_from("<H", ehdr, 56)[0] if ehdr[:4] == b"\x7fELF" else None
        return fdt_reserve_map(fdt), hdr, memsz, phnum

    def reserve_map(self, name):
        """33 (issue 20.2): the elfcorehdr's reservation in the FDT kexec loads, without and with
        upstream's 600c2f9512b5."""
        t_wall = time.monotonic()
        problems, parts = [], []
        size = self.g.run("cat /sys/kernel/crash_elfcorehdr_size", check=False)[1].strip()
        # kexec's memsz of the header with --hotplug: that size, 1 KiB aligned (its segment, as -d
        # lists it, is page aligned on top).
        want = -(-int(size or 0) // 1024) * 1024
        for kexec, tag, fixed in (("/sbin/kexec", "2.0.29", False), ("/e2e/kexec-patched", "fixed", True)):
            rsv, hdr, memsz, phnum = self.loaded_fdt(kexec, tag)
            got = next((z for a, z in rsv if a == hdr), None)
            parts.append(f"{tag}: /memreserve/ {hdr:#x} {got:#x}" if got is not None else f"{tag}: no reservation")
            parts[-1] += f" (memsz {want:#x}, segment {memsz or 0:#x}" + \
                (f", {phnum} program headers" if phnum else "") + ")"
            if got is None or memsz is None or not want:
                problems.append(f"{tag}: no reserve map entry, no segment at the elfcorehdr {hdr:#x}, "
                                "or no crash_elfcorehdr_size")
            elif fixed and got != want:
                problems.append(f"{tag}: the reservation {got:#x} is not the header's memsz {want:#x}")
            elif not fixed and got >= want:
                problems.append(f"{tag}: the reservation {got:#x} covers the memsz {want:#x}: no bug to show")
            elif not fixed and phnum:
                # kexec's header is 1 KiB aligned; the kernel's update adds 56 bytes a memory range.
                parts.append(f"room for {(got - 64 - 56 * phnum) // 56} more ranges before the header outgrows "
                             "its reservation; QEMU's DIMMs join one range, so TCG cannot show the overwrite")
        self.r.result(name, problems, f"crash_elfcorehdr_size {size}; " + "; ".join(parts), time.monotonic() - t_wall)

    def debian_reload(self, name):
        """34: `kdump-settlectl reload`: the daemon's replay is the loaded image again."""
        t_wall = time.monotonic()
        before = self.replays(self.daemon_log())
        rc, out = self.s.settlectl("reload")
        took, log = self.settled_wait(before)
        problems = ([] if rc == 0 else [f"kdump-settlectl reload: exit {rc}"]) + self.replay_problems(before, log)
        problems += self.flags_check("0")    # the replay has no --hotplug: 33's image is gone
        self.r.result(name, problems, f"reload logged after {took:.1f}s", time.monotonic() - t_wall)

    def debian_run(self, clipped):
        self.boot("k612-debian", start=False)
        try:
            self.kdump_config_load("30 6.12, Debian: kdump-config load (kdump-tools 1.8.1) records its kexec command")
            self.g.run("/e2e/e2e-start debian " + " ".join(f"'{x}'" for x in self.r.daemon_args()))
            time.sleep(2)
            self.debian_hotadd("31 6.12, Debian backend: hot-add 1 GiB, the record replayed over the corrected tree", 1)
            self.replay_by_hand("32 6.12, negative control: the record replayed by hand over the real tree clips "
                                "at linux,memory-limit")
            if clipped:
                # 32's image stays loaded: the dump the replay gives without the corrected tree.
                self.r.save_guest_logs()
                self.r.crash_scenario("35 6.12, negative control: crash after 32 -> the dump misses the "
                                      "hot-added memory", expect_missing=True)
                return
            self.reserve_map("33 6.12, issue 20.2: the loaded FDT's reservation of the elfcorehdr, kexec -p "
                             "--hotplug 2.0.29 and with 600c2f9512b5")
            self.debian_reload("34 6.12, Debian backend: kdump-settlectl reload, the record replayed again")
            self.r.save_guest_logs()
            self.r.crash_scenario("35 6.12, Debian backend: crash (NMI) -> capture kernel")
        finally:
            self.g.close()

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


def main(runner, plain, late=False, patched=False, debian=False, clipped=False):
    if not os.path.exists(os.path.join(K612, "guest.cpio")):
        raise SystemExit(f"run: {K612}/guest.cpio missing: run prepare --kernel 6.12")
    try:
        if debian:
            Kernel612(runner).debian_run(clipped)
        else:
            Kernel612(runner).run(plain, late, patched)
    except GuestError as e:
        runner.say(f"[FAIL] harness (6.12): {e}")
        runner.failed += 1
