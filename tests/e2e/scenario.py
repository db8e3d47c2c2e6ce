"""What `run` and `demo` share: the guest's records (guest/e2e-dump) parsed,
the guest session helpers (status, snapshot, settle), and the checks of one
hot-plug request. Stdlib only.
"""
import re
import struct
import time

GiB = 1 << 30
DRCONF_ASSIGNED = 0x08
DRCONF_RESERVED = 0x80
# The daemon's <N> prefixes (sd-daemon(3)), as words.
PRIORITIES = ["emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"]


# --- guest records -------------------------------------------------------------

class Snapshot:
    """Everything guest/e2e-dump prints, parsed."""

    def __init__(self, text):
        self.dt_changes = []    # (time, inode, size) of ibm,dynamic-memory-v2
        self.uevents = []       # (time, action, devpath, subsystem)
        self.reloads = {}       # slot -> dict of recorded fields
        self.daemon_log = []    # (time, priority word, message): kdump-settled's stderr
        self.systemctl = []     # (time, arguments): calls of the udev guest's /bin/systemctl
        self.now = {}
        for line in text.splitlines():
            tag, _, rest = line.partition(" ")
            if tag == "DTLOG":
                t, ino, size = rest.split()
                self.dt_changes.append((float(t), int(ino), int(size)))
            elif tag == "UEVENT":
                f = rest.split()
                if len(f) == 4 and f[1] not in ("listening", "OVERFLOW"):
                    self.uevents.append((float(f[0]), f[1], f[2], f[3]))
                elif len(f) >= 2 and f[1] == "OVERFLOW":
                    self.uevents.append((float(f[0]), "OVERFLOW", "-", "-"))
            elif tag == "RELOAD":
                slot, key, *val = rest.split(" ", 2)
                self.reloads.setdefault(int(slot), {})[key] = val[0] if val else ""
            elif tag == "DAEMONLOG":
                t, _, msg = rest.partition(" ")
                m = re.match(r"<(\d)>(.*)", msg)
                prio = PRIORITIES[int(m.group(1))] if m else "-"
                self.daemon_log.append((float(t), prio, m.group(2) if m else msg))
            elif tag == "SYSTEMCTL":
                t, _, argv = rest.partition(" ")
                self.systemctl.append((float(t), argv))
            elif tag == "NOW":
                key, _, val = rest.partition(" ")
                self.now[key] = val
        self.block_size = int(self.now.get("blocksize", "0"), 16)
        self.lmb_size = int(self.now.get("lmbsize", "0") or "0", 16)

    def reloads_since(self, t0):
        return [dict(r, slot=s, start_t=float(r["start"]))
                for s, r in sorted(self.reloads.items()) if float(r.get("start") or 0) > t0]

    def daemon_log_since(self, t0):
        return [line for line in self.daemon_log if line[0] > t0]

    def systemctl_since(self, t0):
        return [call for call in self.systemctl if call[0] > t0]

    def memory_uevents_since(self, t0):
        return [u for u in self.uevents if u[0] > t0 and u[3] == "memory"]

    def dt_replacements_since(self, t0):
        # The kernel removes the old property, then adds the new one: count
        # the arrivals of a new inode (the first dtwatch line is its start).
        return [c for c in self.dt_changes[1:] if c[0] > t0 and c[1] != 0]

    def dt_gaps_since(self, t0):
        """Durations (s) during which the property did not exist."""
        gaps, missing_at = [], None
        for t, ino, _ in self.dt_changes:
            if ino == 0 and missing_at is None:
                missing_at = t
            elif ino != 0 and missing_at is not None:
                if missing_at > t0:
                    gaps.append(t - missing_at)
                missing_at = None
        return gaps


class DrmgrRun:
    """One guest/e2e-drmgr run, parsed: drmgr's exec and exit times and
    status, the intervals during which a write lock on dr_config_lock was
    held (/proc/locks, 1 ms), and the kernel requests drmgr logged."""

    COMMAND = ("cat /run/e2e/drmgr.times; sed 's/^/LOCK /' /run/e2e/drmgr.locks; "
               "sed 's/^/VLOG /' /run/e2e/drmgr.vlog")

    def __init__(self, text):
        d = dict(line.split(" ", 1) for line in text.splitlines() if line.startswith(("start ", "end ", "rc ")))
        self.start, self.end = float(d.get("start", "nan")), float(d.get("end", "nan"))
        self.rc = d.get("rc")
        self.held, since = [], None
        for line in text.splitlines():
            if not line.startswith("LOCK "):
                continue
            t, _, what = line[5:].partition(" ")
            if f" {what} ".find(" WRITE ") >= 0 and since is None:
                since = float(t)
            elif what == "-" and since is not None:
                self.held.append((since, float(t)))
                since = None
        if since is not None:
            self.held.append((since, self.end))
        self.requests = [line.split('"')[1] for line in text.splitlines()
                         if line.startswith("VLOG ") and "Initiating kernel DLPAR" in line and '"' in line]

    def released(self):
        """When the lock was last released: the watcher's time, or drmgr's exit if that came
        first (under load the 1 ms watcher has seen the release up to 125 ms after the exit)."""
        return min(self.held[-1][1], self.end) if self.held else None

    def locked_at(self, t):
        return any(a <= t <= b for a, b in self.held)

    def summary(self):
        """Report parts: run time, kernel requests, when the lock was held."""
        parts = [f"drmgr exit {self.rc} after {self.end - self.start:.2f}s, {len(self.requests)} kernel requests"]
        if self.held:
            a, b = self.held[0][0], self.held[-1][1]
            parts.append(f"write lock held {1000 * (a - self.start):+.0f} ms after exec to "
                         f"{1000 * (self.end - b):.0f} ms before exit ({b - a:.2f}s)")
        return parts

    def problems(self):
        """What is wrong with the run itself (not with the daemon)."""
        out = []
        if self.rc != "0":
            out.append(f"drmgr failed (exit {self.rc}); see run.log")
        if not self.held:
            out.append("no write lock on /var/lock/dr_config_lock seen in /proc/locks during drmgr")
        return out


# --- the kexec fallback's capture command line (scenario 17) ----------------------

# Added to the guest's boot command line for scenario 17, so that the daemon has
# something to drop: what GRUB adds, and huge page reservations (2M: radix MMU).
CAPTURE_BOOT_EXTRA = "BOOT_IMAGE=/boot/vmlinux default_hugepagesz=2M hugepagesz=2M hugepages=2"
# The capture kernel's /proc/cmdline must not have these (README, "Reload backends")...
CAPTURE_DROPPED = ("crashkernel", "BOOT_IMAGE", "hugepages", "hugepagesz", "default_hugepagesz")
# ... and must have these, which the daemon appends (nr_cpus= as it documents it).
CAPTURE_APPENDED = ("reset_devices", "irqpoll", "nr_cpus=16")


def capture_cmdline_problems(cmdline, boot):
    """What is wrong with a capture kernel's command line that the daemon
    built from the guest's boot command line `boot`: a parameter to drop is
    there, one it appends is missing, one of the guest's others (console=)
    did not survive, or one is given twice."""
    words = cmdline.split()
    names = [w.split("=", 1)[0] for w in words]
    problems = [f"{w} not dropped" for w in words if w.split("=", 1)[0] in CAPTURE_DROPPED]
    problems += [f"{w} missing" for w in CAPTURE_APPENDED if w not in words]
    problems += [f"{w} of the boot command line missing" for w in boot.split()
                 if w.split("=", 1)[0] not in CAPTURE_DROPPED and w not in words]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"given more than once: {' '.join(twice)}")
    return problems


def dt_lmbs(hexdata, lmb_size):
    """Parse ibm,dynamic-memory-v2: (hot-pluggable region ranges, assigned ranges)."""
    data = bytes.fromhex(hexdata)
    if len(data) < 4:
        raise ValueError("dynamic-memory-v2 too short")
    (nsets,) = struct.unpack_from(">I", data, 0)
    if len(data) != 4 + 24 * nsets:
        raise ValueError(f"dynamic-memory-v2: {len(data)} bytes for {nsets} sets")
    region, assigned = [], []
    for i in range(nsets):
        count, base, _drc, _aa, flags = struct.unpack_from(">IQIII", data, 4 + 24 * i)
        if flags & DRCONF_RESERVED:
            continue  # boot memory, described by /memory nodes instead
        region.append((base, base + count * lmb_size))
        if flags & DRCONF_ASSIGNED:
            assigned.append((base, base + count * lmb_size))
    return merge(region), merge(assigned)


def capture_lmbs(hexdata, lmb_size):
    """What a capture kernel takes from ibm,dynamic-memory-v2 (early_init_drmem_lmb() and
    numa_setup_drmem_lmb() skip the rest): the assigned, non-reserved LMBs one by one, as
    (base, DRC index, associativity index, flags). The daemon's corrected copy (issue 21: only
    these LMBs listed) gives the same list as the real DT; a stale copy does not."""
    data = bytes.fromhex(hexdata)
    if len(data) < 4 or len(data) != 4 + 24 * struct.unpack_from(">I", data, 0)[0]:
        raise ValueError(f"dynamic-memory-v2: {len(data)} bytes")
    out = []
    for i in range(struct.unpack_from(">I", data, 0)[0]):
        count, base, drc, aa, flags = struct.unpack_from(">IQIII", data, 4 + 24 * i)
        if flags & DRCONF_ASSIGNED and not flags & DRCONF_RESERVED:
            out += [(base + j * lmb_size, drc + j, aa, flags) for j in range(count)]
    return out


def merge(ranges):
    out = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def clip(ranges, region):
    return merge([(max(a, c), min(b, d)) for a, b in ranges for c, d in region if max(a, c) < min(b, d)])


def covered(inner, outer):
    """True when every range of inner lies inside the union of outer."""
    outer = merge(outer)
    return all(any(c <= a and b <= d for c, d in outer) for a, b in merge(inner))


def block_ranges(blocks_text, block_size, online_only=True):
    """Byte ranges of memory blocks from "INDEX:STATE ..." text."""
    out = []
    for item in blocks_text.split():
        idx, _, state = item.partition(":")
        if state == "online" or not online_only:
            out.append((int(idx) * block_size, (int(idx) + 1) * block_size))
    return merge(out)


def online_ranges(blocks_text, block_size):
    return block_ranges(blocks_text, block_size, True)


def subtract(ranges, minus):
    """Parts of ranges not inside any range of minus."""
    out = []
    for a, b in merge(ranges):
        for c, d in merge(minus):
            if d <= a or c >= b:
                continue
            if c > a:
                out.append((a, c))
            a = max(a, d)
            if a >= b:
                break
        if a < b:
            out.append((a, b))
    return out


def fmt_ranges(ranges):
    return ",".join(f"{a:#x}-{b:#x}" for a, b in ranges) or "none"



# --- the crash dump ----------------------------------------------------------------

class Capture:
    """The capture kernel's report on the console (guest/capture-init), parsed."""

    def __init__(self, text):
        text = text[text.rfind("E2E-CAPTURE-BEGIN"):]
        self.text = text
        self.loads = [(int(m.group(1), 16), int(m.group(1), 16) + int(m.group(2), 16), m.group(3))
                      for m in re.finditer(r"VMCORE-PT_LOAD paddr=(0x[0-9a-f]+) memsz=(0x[0-9a-f]+) "
                                           r"filesz=0x[0-9a-f]+ read=(\w+)", text)]
        m = re.search(r"E2E-CAPTURE-CMDLINE (.*)", text)
        self.cmdline = m.group(1) if m else ""
        m = re.search(r"e2e_online=(\S*)", self.cmdline)
        self.online = m.group(1) if m else None   # block ranges the loaded image was built from

    def problems(self, ram, hot):
        """The dump check: every PT_LOAD inside `ram` (the RAM present at the
        crash), all of `hot` (the hot-added part of it) dumped, every PT_LOAD
        readable."""
        out = []
        if "VMCORE-ERROR" in self.text:
            out.append("capture kernel could not read /proc/vmcore: "
                       + re.search(r"VMCORE-ERROR.*", self.text).group(0))
        if not self.loads:
            out.append("no PT_LOAD in /proc/vmcore")
        outside = subtract([(a, b) for a, b, _ in self.loads], ram)
        if outside:
            out.append(f"PT_LOADs outside RAM present at the crash: {fmt_ranges(outside)}")
        missing = subtract(hot, [(a, b) for a, b, _ in self.loads])
        if missing:
            out.append(f"hot-added RAM missing from the dump: {fmt_ranges(missing)}")
        unreadable = [(a, b) for a, b, ok in self.loads if ok == "fail"]
        if unreadable:
            out.append(f"unreadable PT_LOADs: {fmt_ranges(unreadable)}")
        return out


# --- guest session -------------------------------------------------------------

class Session:
    """The e2e scripts in a booted guest (an lpar.Lpar); note(text) gets the raw records."""

    def __init__(self, g, note=lambda text: None):
        self.g = g
        self.note = note

    def guest_now(self):
        return float(self.g.run("/e2e/helper now")[1].strip())

    def status(self):
        out = self.g.run("/e2e/e2e-status")[1]
        m = re.search(r"STATUS (.*)", out)
        return dict(kv.split("=", 1) for kv in m.group(1).split())

    def snapshot(self):
        text = self.g.run("/e2e/e2e-dump", timeout=120)[1]
        self.note("--- snapshot ---\n" + text)
        return Snapshot(text)

    def settle(self, before, quiet=3.0, timeout=90, reload=True):
        """Wait until the DT changed, a reload ran, and nothing moved for `quiet` s.
        before=None: only until no reload runs and nothing moved (a request
        that was rolled back need not change anything). reload=False: the DT
        changed, no reload needed (the kernel updates the crash image)."""
        t_start = time.monotonic()
        last, since = None, time.monotonic()
        while True:
            st = self.status()
            key = (st["started"], st["done"], st["dt"], st["uevents"])
            if key != last:
                last, since = key, time.monotonic()
            changed = before is None or (st["dt"] != before["dt"] and
                                         (not reload or int(st["started"]) > int(before["started"])))
            if changed and st["started"] == st["done"] and time.monotonic() - since >= quiet:
                return True, st
            if time.monotonic() - t_start > timeout:
                return False, st
            time.sleep(0.3)

    def settlectl(self, args, timeout=60):
        """Run kdump-settlectl in the guest: (exit status, output)."""
        return self.g.run(f"kdump-settlectl {args}", timeout=timeout, check=False)


# --- one hot-plug request --------------------------------------------------------

class Request:
    """What happened after t0 according to the guest's records, and what is wrong with it.

    naive: the reloader is the per-uevent negative control (no KDUMP_SETTLE_REASON check).
    dt_before: the DT property's hex before a request that must leave it as it
    was (one rolled back); None for one that must replace it.
    Times are guest CLOCK_MONOTONIC seconds; reload "start" is the exec of the
    reload command (helper t0) when recorded, else the reload shell's first line.
    """

    def __init__(self, snap, t0, min_reloads, max_reloads, naive=False, settled=True, daemon_up=True,
                 dt_before=None):
        self.snap = snap
        self.uevents = snap.memory_uevents_since(t0)
        self.dts = snap.dt_replacements_since(t0)
        self.gaps = snap.dt_gaps_since(t0)
        self.reloads = snap.reloads_since(t0)
        self.log = snap.daemon_log_since(t0)
        self.systemctl = snap.systemctl_since(t0)
        self.counts = {}
        for u in self.uevents:
            self.counts[u[1]] = self.counts.get(u[1], 0) + 1
        self.last_dt = max((c[0] for c in self.dts), default=None)
        self.last_uevent = max((u[0] for u in self.uevents), default=None)
        self.region, self.final_assigned = dt_lmbs(snap.now["dthex"], snap.lmb_size)
        self.problems = []
        self._check(min_reloads, max_reloads, naive, settled, daemon_up, dt_before)

    def _check(self, min_reloads, max_reloads, naive, settled, daemon_up, dt_before):
        snap, problems = self.snap, self.problems
        if not settled:
            problems.append("guest did not settle (no DT change + finished reload, or still busy)")
        if "OVERFLOW" in (u[1] for u in snap.uevents):
            problems.append("the e2e uevent listener overflowed: uevent counts are incomplete")
        final_hex = snap.now["dthex"]
        now_online = clip(online_ranges(snap.now["blocks"], snap.block_size), self.region)
        if self.final_assigned != now_online:
            problems.append(f"after settling the DT ({fmt_ranges(self.final_assigned)}) and sysfs "
                            f"({fmt_ranges(now_online)}) disagree: the test's own model is off")
        if not (min_reloads <= len(self.reloads) <= max_reloads):
            want = f"{min_reloads}" if min_reloads == max_reloads else f"{min_reloads}..{max_reloads}"
            problems.append(f"{len(self.reloads)} reloads, expected {want}")
        if dt_before is None and not self.dts:
            problems.append("the DT property was never replaced")
        if dt_before is not None:
            if not self.uevents:
                problems.append("no memory uevent: the kernel did not act on the request")
            if self.dts:
                problems.append(f"the DT property was replaced {len(self.dts)}x, expected unchanged")
            if final_hex != dt_before:
                problems.append("the DT's contents changed")
        for r in self.reloads:
            tag = f"reload {r['slot']} (reason {r.get('reason')})"
            if r.get("dt.before") != r.get("dt.after"):
                problems.append(f"{tag}: DT was replaced while the reload copied it")
            try:
                _, seen = dt_lmbs(r.get("dthex", ""), snap.lmb_size)
            except ValueError as e:
                problems.append(f"{tag}: unreadable DT copy: {e}")
                continue
            r["seen"] = seen
            # Consistent = the DT's assigned LMBs are exactly the memory
            # blocks that exist, and all of those are online (no request
            # half done). Anything else is a stale DT.
            online = clip(online_ranges(r.get("blocks", ""), snap.block_size), self.region)
            present = clip(block_ranges(r.get("blocks", ""), snap.block_size, False), self.region)
            if seen != online or seen != present:
                problems.append(f"{tag}: saw a stale DT: DT says {fmt_ranges(seen)}, sysfs has "
                                f"{fmt_ranges(present)} present, {fmt_ranges(online)} online")
            if not naive and r.get("reason") != "settled":
                problems.append(f"{tag}: KDUMP_SETTLE_REASON is {r.get('reason')!r}, expected 'settled'")
            if r.get("kexec.rc") != "0":
                problems.append(f"{tag}: kexec -p failed (rc {r.get('kexec.rc')})")
        if self.reloads:
            lastr = self.reloads[-1]
            try:
                current = capture_lmbs(lastr.get("dthex", ""), snap.lmb_size) == \
                    capture_lmbs(final_hex, snap.lmb_size)
            except ValueError:
                current = False
            if not current:
                problems.append(f"last reload {lastr['slot']} did not see the final DT")
            if self.last_dt is not None and lastr["start_t"] < self.last_dt:
                problems.append(f"last reload started {1000 * (self.last_dt - lastr['start_t']):.0f} ms "
                                f"before the last DT replacement")
        if not naive and not daemon_up:
            problems.append("kdump-settled is not running any more")

    # Figures, in ms after the last DT replacement (None when unknown).
    def _after_dt(self, t):
        return None if t is None or self.last_dt is None else 1000 * (t - self.last_dt)

    def reload_exec_ms(self):
        """Last DT replacement -> exec of the (last) reload command."""
        return self._after_dt(self.reloads[-1]["start_t"]) if self.reloads else None

    def reload_shell_ms(self):
        """Last DT replacement -> first line of the reload shell script."""
        return self._after_dt(float(self.reloads[-1]["start.sh"])) \
            if self.reloads and self.reloads[-1].get("start.sh") else None

    def reload_log_ms(self):
        """Last DT replacement -> the daemon's last "reloading the crash kernel" log line."""
        ts = [t for t, _, msg in self.log if "reloading the crash kernel" in msg]
        return self._after_dt(ts[-1]) if ts else None

    def lmbs_seen(self, r):
        """LMBs the reload's DT copy marks assigned (outside boot memory), as a count."""
        seen = r.get("seen")
        return None if seen is None else sum(b - a for a, b in seen) // self.snap.lmb_size
