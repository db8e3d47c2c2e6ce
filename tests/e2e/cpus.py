"""CPU hot-plug scenarios (issue 12) for `run --cpus`: QMP device_add and
device_del of spapr CPU cores, one thread each under TCG, checked against the
guest's own records. Two boots:

  A (the daemon):  12 hot-add a core; 13 a DIMM and a core in one request
                   (drmgr's lock held over both: exactly one reload, after it);
                   14 hot-remove that core; 15 crash on the core added in 12
                   (taskset + sysrq): the capture kernel boots and the vmcore
                   check passes.
  B (no daemon):   16 negative control: kexec -p loaded before the hot-add,
                   then the same crash on the new CPU must hang: "I'm in
                   purgatory", then a silent console (the capture kernel at
                   loglevel=7) for twice the boot time, at least 30 s.

Figures per scenario: cpu uevents, reloads, node appearance (or disappearance)
to reload start in ms, from a 1 ms watcher on the node's sysfs directory.
"""
import os
import re
import time

from lpar import GuestError, Lpar
from scenario import GiB, Request, Session

CPUS = "/sys/firmware/devicetree/base/cpus"
LOCK = "/var/lock/dr_config_lock"   # drmgr's
NODE = "PowerPC,POWER9@{:x}"     # QEMU's pseries names a core's node by its first thread
# 16: the crash must reach purgatory this soon after the panic, then the console stay silent for
# twice the boot's time, at least QUIET_MIN_S (the torture's hang rule).
PURGATORY_S = 60
QUIET_MIN_S = 30


class CpuScenarios:
    def __init__(self, runner):
        self.r = runner
        self.g = self.s = None

    def core_add(self, core_id):
        core = next(c for c in self.g.qmp("query-hotpluggable-cpus") if c["props"].get("core-id") == core_id)
        self.g.qmp("device_add", driver=core["type"], id=f"core{core_id}", **core["props"])

    def core_del(self, core_id, timeout=60):
        self.g.qmp("device_del", id=f"core{core_id}")
        self.g.wait_event("DEVICE_DELETED", timeout, device=f"core{core_id}")

    def n_online(self):
        n = 0
        for part in self.g.run("cat /sys/devices/system/cpu/online")[1].strip().split(","):
            a, _, b = part.partition("-")
            n += int(b or a) - int(a) + 1
        return n

    def wait_online(self, n, timeout=60):
        """Until n CPUs are online (the guest numbers a new core's CPUs itself: the next free ones)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.n_online() == n:
                return
            time.sleep(0.3)
        raise GuestError(f"not {n} CPUs online after {timeout}s")

    def watch_node(self, core_id):
        """A 1 ms watcher on the core's node: "T ino size" lines, ino 0 when absent."""
        self.g.run(f"/e2e/helper dtwatch '{CPUS}/{NODE.format(core_id)}' >/run/e2e/node{core_id}.log 2>&1 "
                   f"</dev/null &")

    def node_changes(self, core_id, t0):
        out = self.g.run(f"cat /run/e2e/node{core_id}.log", check=False)[1]
        changes = []
        for line in out.splitlines()[1:]:      # the first line is the watcher's start
            f = line.split()
            if len(f) == 3 and float(f[0]) > t0:
                changes.append((float(f[0]), int(f[1]) != 0))
        return changes

    def scenario(self, name, t0, action_done, core_id, want_node, reloads=1, req=None, released=None):
        """Checks and figures of one request after t0: `reloads` reloads, the
        last of which listed the core's node in /cpus iff want_node; with
        released (the guest time drmgr's lock was released), none before it."""
        t_wall = time.monotonic()
        settled, _ = self.s.settle(None, quiet=3.0, timeout=90)
        snap = self.s.snapshot()
        problems = [] if settled else ["guest did not settle"]
        rel = snap.reloads_since(t0)
        cpu_uevents = [u for u in snap.uevents if u[0] > t0 and u[3] == "cpu"]
        node = NODE.format(core_id)
        if len(rel) != reloads:
            problems.append(f"{len(rel)} reloads, expected {reloads}")
        if released is not None:
            early = [r for r in rel if r["start_t"] <= released]
            if early:
                problems.append(f"{len(early)} reload(s) started before drmgr's lock was released")
        for r in rel:
            if r.get("kexec.rc") != "0":
                problems.append(f"reload {r['slot']}: kexec -p failed (rc {r.get('kexec.rc')})")
            if r.get("reason") != "settled":
                problems.append(f"reload {r['slot']}: reason {r.get('reason')!r}, expected 'settled'")
        if rel and (node in rel[-1].get("cpus", "").split()) != want_node:
            problems.append(f"the last reload saw /cpus = {rel[-1].get('cpus', '').strip()!r}: {node} should "
                            f"{'' if want_node else 'not '}be there")
        changes = self.node_changes(core_id, t0)
        t_node = changes[-1][0] if changes else None
        if not changes:
            problems.append(f"the watcher saw {node} neither appear nor go")
        elif rel and rel[-1]["start_t"] < t_node:
            problems.append(f"the last reload started {1000 * (t_node - rel[-1]['start_t']):.0f} ms before "
                            f"{node} {'appeared' if want_node else 'went'}")
        if req is not None:
            problems += req.problems
        if self.s.status()["daemon"] != "up":
            problems.append("kdump-settled is not running any more")
        ms = 1000 * (rel[-1]["start_t"] - t_node) if rel and t_node is not None else None
        parts = [f"cpu uevents={len(cpu_uevents)} ("
                 + ", ".join(f"{a} {d.rsplit('/', 1)[-1]}" for _, a, d, _ in cpu_uevents) + ")",
                 f"reloads={len(rel)}",
                 f"node {'appeared' if want_node else 'went'} "
                 + (f"{1000 * (t_node - t0):.0f} ms after the request" if t_node else "?")]
        if ms is not None:
            parts.append(f"node->reload start {ms:.0f} ms")
        if req is not None:
            parts.append(f"memory uevents={len(req.uevents)}, DT replaced {len(req.dts)}x")
        if released is not None and rel:
            parts.append(f"lock release->reload start {1000 * (rel[0]['start_t'] - released):.0f} ms")
        self.r.result(name, problems, "; ".join(parts), time.monotonic() - t_wall + action_done)
        self.r.figures.append((name, len(cpu_uevents) + (len(req.uevents) if req else 0), len(rel), ms, None, None))

    def crash_on(self, cpu, timeout=30):
        """Crash the guest on CPU `cpu` and wait for the panic on the console (the shell line never
        returns). Bare newlines now and then: under TCG serial input may sit unread until more
        comes (lpar.Lpar's docstring)."""
        self.g.ctl.sock.sendall(f"busybox taskset -c {cpu} sh -c 'echo c > /proc/sysrq-trigger'\n".encode())
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.g.console.wait_for(r"sysrq: Trigger a crash|Kernel panic", 0.2)
                return
            except GuestError:
                if time.monotonic() >= deadline:
                    raise GuestError(f"no panic on the console {timeout}s after the crash on CPU {cpu}")
            try:
                self.g.ctl.sock.sendall(b"\n")
            except OSError:
                pass

    def boot(self, name, mode):
        self.g = Lpar(os.path.join(os.path.dirname(os.path.abspath(__file__)), "work"),
                      name=name, smp="2,maxcpus=4", maxmem="8G")
        self.s = Session(self.g, self.r.note)
        self.r.say(f"boot {name}: {self.g.boot():.1f}s to guest shell")
        args = self.r.daemon_args() if mode == "daemon" else []
        self.g.run(f"/e2e/e2e-start {mode} " + " ".join(f"'{x}'" for x in args))
        time.sleep(2)

    def dimm_and_core(self, core_id):
        """13: a DIMM and a core in one request, as one drmgr command would make them: drmgr's
        lock (taken by `helper hold`) is held from before the two QMP adds until both are done,
        so the daemon must give exactly one reload, after the release, which saw both. Two QMP
        adds alone are two kernel requests, served one after the other (the core's online
        uevent 90-170 ms after the DIMM's DT replacement): the daemon may rightly reload for
        each, so such a count tells nothing; a daemon that ends its burst before the command
        behind it is over reloads twice here."""
        self.g.run(f"/e2e/helper hold {LOCK} >/run/e2e/hold.log 2>&1 </dev/null & echo $! >/run/e2e/hold.pid; "
                   "while ! grep -q locked /run/e2e/hold.log; do usleep 10000; done")
        before = self.s.status()
        t0, t = self.s.guest_now(), time.monotonic()
        n = self.n_online()
        self.g.add_dimm(1, GiB)
        self.core_add(core_id)
        self.wait_online(n + 1)
        deadline = time.monotonic() + 60
        while self.s.status()["dt"] == before["dt"] and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(1)   # the daemon sees both and holds them: the lock is what keeps the request open
        released = float(self.g.run("/e2e/helper now; kill $(cat /run/e2e/hold.pid)")[1].split()[0])
        self.s.settle(before, quiet=3.0, timeout=90)
        req = Request(self.s.snapshot(), t0, 0, 1 << 20)    # its count is scenario()'s
        self.scenario(f"13 a DIMM and a core (core-id {core_id}) in one request (drmgr's lock held over both)",
                      t0, time.monotonic() - t, core_id, True, req=req, released=released)

    def run_daemon(self, sel):
        self.boot("cpus", "daemon")
        self.r.g, self.r.s = self.g, self.s     # for the runner's crash scenario
        try:
            for core in (2, 3):
                self.watch_node(core)
            if 12 in sel or 15 in sel:
                t0, t = self.s.guest_now(), time.monotonic()
                self.core_add(2)
                self.wait_online(3)
                self.scenario("12 hot-add a core (core-id 2)", t0, time.monotonic() - t, 2, True)
            if 13 in sel or 14 in sel:
                self.dimm_and_core(3)
            if 14 in sel:
                t0, t = self.s.guest_now(), time.monotonic()
                self.core_del(3)
                self.scenario("14 hot-remove a core (core-id 3)", t0, time.monotonic() - t, 3, False)
            self.r.save_guest_logs()
            if 15 in sel:
                self.r.crash_scenario("15 crash on the hot-added CPU 2 -> capture kernel", trigger=lambda: self.crash_on(2))
        finally:
            self.g.close()

    def run_negative(self):
        """16: the reload suppressed. kexec -p as at boot, then the hot-add, then the crash on the
        new CPU: the capture kernel has no node to boot on. It must kexec into purgatory ("I'm in
        purgatory": an image was loaded and the crash reached it) and then stay silent: the
        capture kernel boots at loglevel=7 (capture-append, as in the torture), so one that makes
        progress prints. Silent means nothing on the console for twice this boot's time, at
        least 30 s (the torture's rule: a capture took 43 s idle, 92-98 s under load, so a
        capture merely slow to reach /init is no hang)."""
        self.boot("cpus-neg", "none")
        t_wall = time.monotonic()
        quiet_s = max(QUIET_MIN_S, 2 * self.g.boot_seconds)
        problems, summary = [], ""
        try:
            self.g.run("echo loglevel=7 >/run/e2e/capture-append")
            self.g.run("KDUMP_SETTLE_REASON=manual /e2e/e2e-reload", timeout=180)
            self.core_add(2)
            self.wait_online(3)
            self.g.console.cursor = len(self.g.console.buf)
            self.crash_on(2)
            panic_at = self.g.console.cursor
            try:
                m = self.g.console.wait_for(r"I'm in purgatory", PURGATORY_S)
            except GuestError:
                m = None
                problems.append(f"no \"I'm in purgatory\" within {PURGATORY_S} s of the panic: the crash did not "
                                f"reach the loaded image")
            if m:
                t_purgatory = time.monotonic()
                while time.monotonic() - t_purgatory < quiet_s and not self.g.console.eof and \
                        not self.g.console.buf[m.end():].strip():
                    time.sleep(0.5)
                after = self.g.console.buf[m.end():].strip()
                if after:
                    problems.append(f"the console printed {time.monotonic() - t_purgatory:.1f} s after purgatory: "
                                    f"{after.splitlines()[0][:120]!r}: the capture kernel boots, the negative "
                                    f"control does not show the bug")
                elif self.g.console.eof:
                    problems.append(f"QEMU exited {time.monotonic() - t_purgatory:.1f} s after purgatory: no hang")
                summary = (f"\"I'm in purgatory\", then {'silence' if not after else 'output'} for "
                           f"{time.monotonic() - t_purgatory:.1f} s (limit {quiet_s:.0f} s: twice the boot's "
                           f"{self.g.boot_seconds:.1f} s, at least {QUIET_MIN_S} s)")
            tail = self.g.console.buf[panic_at:].strip().splitlines()
            self.r.result("16 negative control: no reload after the hot-add, crash on CPU 2 -> must hang in purgatory",
                          problems, f"{summary or 'panic seen'}; console's last line: "
                          f"{tail[-1][:120] if tail else '(nothing)'!r}", time.monotonic() - t_wall)
        finally:
            self.g.close()


def main(runner, only):
    sel = set(only) if only else set(range(12, 17))
    c = CpuScenarios(runner)
    if sel & {12, 13, 14, 15}:
        try:
            c.run_daemon(sel)
        except GuestError as e:
            runner.harness_failure(" (CPU scenarios)", e)
    if 16 in sel:
        try:
            c.run_negative()
        except GuestError as e:
            runner.harness_failure(" (CPU negative control)", e)
