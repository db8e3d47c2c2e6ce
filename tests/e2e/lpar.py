#!/usr/bin/python3
"""Drive a pseries guest under qemu-system-ppc64 (TCG) for the e2e tests.

The guest console (hvc0) and QMP are unix sockets that *we* listen on and
QEMU connects to, so nothing the guest prints is lost before we attach.
Everything QEMU and the guest print goes to log files under work/; callers
print only their own progress lines.

    with Lpar(work) as g:
        g.boot()
        rc, out = g.run("uname -a")
        g.add_dimm(1, 1 << 30)
"""
import itertools
import json
import os
import re
import select
import socket
import subprocess
import threading
import time

# The guest kernel's command line (QEMU -append): crashkernel= for kexec -p.
APPEND = "console=hvc0 crashkernel=384M loglevel=3"
MACHINE = ("pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,"
           "cap-ccf-assist=off,cap-large-decr=off")


class GuestError(Exception):
    pass


class Stream:
    """Text received on one socket, logged to a file, searchable with a cursor."""

    def __init__(self, sock, log_path):
        self.sock = sock
        self.log = open(log_path, "w")
        self.buf = ""           # everything received so far (\r and NUL removed)
        self.cursor = 0         # wait_for() searches from here
        self.eof = False
        self.cond = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            text = data.decode("utf-8", "replace").replace("\r", "").replace("\0", "")
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.buf += text
                self.log.write(text)
                self.log.flush()
                self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        """Wait for regex pattern after the cursor; move the cursor past it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.buf, self.cursor)
                if m:
                    self.cursor = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise GuestError(f"timed out waiting for {pattern!r}"
                                     f"{' (connection closed)' if self.eof else ''};"
                                     f" tail of {self.log.name}:\n{self.buf[-1500:]}")
                self.cond.wait(left)

    def close(self):
        self.sock.close()
        self.log.close()


class Lpar:
    """One guest. Two byte streams besides QMP:

    console  hvc0: firmware, kernel and capture-kernel messages (read only)
    ctl      a PCI 16550 (ttyS0) that a guest shell reads commands from;
             a line of its own keeps kernel messages out of command output.

    Under TCG (QEMU 7.2, pseries, this kernel) serial input is sometimes not
    noticed by the guest until more input arrives -- on hvc0 and on the
    16550 alike, with XIVE or XICS, with or without idle states. So while
    waiting for a reply we send a bare newline now and then (an empty
    command to the guest shell), which gets the pending line read.
    """

    def __init__(self, work, name="guest", kernel=None, initrd=None, mem="2G", slots=8,
                 maxmem="16G", smp=1, append=APPEND, devices=(), record=False, cpu=None):
        self.work = work
        self.name = name
        self.kernel = kernel or os.path.join(work, "vmlinux")
        self.initrd = initrd or os.path.join(work, "guest.cpio")
        self.mem, self.slots, self.maxmem, self.smp = mem, slots, maxmem, smp
        self.append = append
        self.cpu = cpu or os.environ.get("E2E_CPU", "POWER9")   # POWER8: the hash MMU (hpt-check)
        self.devices = list(devices)    # extra QEMU arguments, e.g. boot_dimm()
        # record: a second PCI serial line (the guest's ttyS1), read only, for
        # a guest record stream that must outlive a crash (the torture's).
        self.streams = ("console", "ctl") + (("rec",) if record else ())
        self.rec = None
        self.rundir = os.path.join(work, "run")
        self.log_prefix = os.path.join(work, name)
        self.proc = None
        self.console = self.ctl = None
        self.events = []                # QMP events, in arrival order
        self._ids = itertools.count(1)
        self.boot_seconds = None

    # --- lifecycle ----------------------------------------------------------

    def _listen(self, what):
        path = os.path.join(self.rundir, f"{self.name}-{what}.sock")
        if os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        s.settimeout(30)
        return s, path

    def start(self):
        os.makedirs(self.rundir, exist_ok=True)
        listeners = {w: self._listen(w) for w in self.streams + ("qmp",)}
        rec = ["-chardev", f"socket,id=rec0,path={listeners['rec'][1]}",
               "-device", "pci-serial,chardev=rec0"] if "rec" in listeners else []
        cmd = [
            "qemu-system-ppc64", "-machine", MACHINE, "-cpu", self.cpu,
            "-m", f"{self.mem},slots={self.slots},maxmem={self.maxmem}",
            "-smp", str(self.smp), *self.devices, *os.environ.get("E2E_QEMU_EXTRA", "").split(), "-nodefaults", "-nographic", "-no-user-config",
            "-chardev", f"socket,id=con0,path={listeners['console'][1]}", "-serial", "chardev:con0",
            "-chardev", f"socket,id=ctl0,path={listeners['ctl'][1]}",
            "-device", "pci-serial,chardev=ctl0", *rec,
            "-chardev", f"socket,id=qmp0,path={listeners['qmp'][1]}", "-mon", "chardev=qmp0,mode=control",
            "-kernel", self.kernel, "-initrd", self.initrd, "-append", self.append,
        ]
        self.qemu_log = open(self.log_prefix + "-qemu.log", "w")
        self.qemu_log.write(" ".join(cmd) + "\n")
        self.qemu_log.flush()
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.qemu_log,
                                     stderr=subprocess.STDOUT)
        socks = {}
        try:
            # QEMU connects in command-line order.
            for what in self.streams + ("qmp",):
                socks[what], _ = listeners[what][0].accept()
        except socket.timeout:
            raise GuestError(f"QEMU did not connect; see {self.qemu_log.name}")
        finally:
            for l, path in listeners.values():
                l.close()
                os.unlink(path)
        self.console = Stream(socks["console"], self.log_prefix + "-console.log")
        self.ctl = Stream(socks["ctl"], self.log_prefix + "-ctl.log")
        if "rec" in socks:
            self.rec = Stream(socks["rec"], self.log_prefix + "-rec.log")
        self.qmp_sock = socks["qmp"]
        self.qmp_log = open(self.log_prefix + "-qmp.log", "w")
        self.qmp_file = self.qmp_sock.makefile("rwb", buffering=0)
        self._qmp_read()  # greeting
        self.qmp("qmp_capabilities")

    def boot(self, timeout=120):
        """Start QEMU and wait for the guest shell; returns seconds to shell."""
        self.start()
        self.ctl.wait_for(r"E2E-GUEST-READY.*\n", timeout)
        self.boot_seconds = time.monotonic() - self.t_start
        return self.boot_seconds

    def close(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.qmp("quit")
            except Exception:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.console, self.ctl, self.rec):
            if stream:
                stream.close()
        for f in ("qmp_file", "qmp_sock", "qmp_log", "qemu_log"):     # the file holds the socket open too
            if hasattr(self, f):
                getattr(self, f).close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def wait_exit(self, timeout):
        """Wait for QEMU to exit by itself (guest powered off)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise GuestError(f"QEMU still running after {timeout}s")

    # --- guest shell --------------------------------------------------------

    NUDGE_SECONDS = 0.05

    def _wait_nudging(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.ctl.wait_for(pattern, min(self.NUDGE_SECONDS, max(0, deadline - time.monotonic())))
            except GuestError:
                if time.monotonic() >= deadline or self.ctl.eof:
                    raise
            self.ctl.sock.sendall(b"\n")

    def run(self, cmd, timeout=60, check=True):
        """Run one shell line in the guest; return (exit status, output)."""
        n = next(self._ids)
        # The markers are assembled by the shell, so the command text itself
        # (should the tty ever echo it) cannot match them.
        line = f"echo @@E2E-B{n}''@@; {{ {cmd}\n}} 2>&1; echo @@E2E-E{n}''@@ $?\n"
        self.ctl.sock.sendall(line.encode())
        self._wait_nudging(rf"@@E2E-B{n}@@\n", timeout)
        start = self.ctl.cursor
        m = self._wait_nudging(rf"@@E2E-E{n}@@ (\d+)\n", timeout)
        out = self.ctl.buf[start:m.start()]
        rc = int(m.group(1))
        if check and rc != 0:
            raise GuestError(f"guest command failed ({rc}): {cmd}\n{out}")
        return rc, out

    # --- QMP ----------------------------------------------------------------

    def _qmp_read(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.qmp_sock], [], [], left)[0]:
                raise GuestError("QMP timeout")
            line = self.qmp_file.readline()
            if not line:
                raise GuestError("QMP connection closed")
            self.qmp_log.write(f"{time.monotonic():.3f} <- {line.decode().strip()}\n")
            self.qmp_log.flush()
            return json.loads(line)

    def qmp(self, command, **arguments):
        n = next(self._ids)
        msg = {"execute": command, "id": n}
        if arguments:
            msg["arguments"] = arguments
        data = json.dumps(msg)
        self.qmp_log.write(f"{time.monotonic():.3f} -> {data}\n")
        self.qmp_log.flush()
        self.qmp_file.write(data.encode() + b"\n")
        while True:
            r = self._qmp_read()
            if "event" in r:
                self.events.append(r)
            elif r.get("id") == n:
                if "error" in r:
                    raise GuestError(f"QMP {command}: {r['error'].get('desc')}")
                return r.get("return")

    def wait_event(self, name, timeout=60, **data):
        """Wait for a QMP event whose data contains the given items.
        name may be a tuple of names: the first of them to arrive."""
        deadline = time.monotonic() + timeout
        names = (name,) if isinstance(name, str) else tuple(name)

        def match(e):
            return e["event"] in names and all(e.get("data", {}).get(k) == v for k, v in data.items())
        while True:
            for i, e in enumerate(self.events):
                if match(e):
                    return self.events.pop(i)
            r = self._qmp_read(max(0.1, deadline - time.monotonic()))
            if "event" in r:
                self.events.append(r)

    @staticmethod
    def boot_dimm(n, size):
        """QEMU arguments for a pc-dimm present at boot: the kernel uses its
        memory from the start (unmovable allocations land there), so an
        unplug request for it fails in the guest and is rolled back."""
        return ["-object", f"memory-backend-ram,id=mem{n},size={size}",
                "-device", f"pc-dimm,id=dimm{n},memdev=mem{n}"]

    def add_dimm(self, n, size):
        """Hot-add a pc-dimm: the guest sees a DLPAR memory-add request."""
        self.qmp("object-add", **{"qom-type": "memory-backend-ram", "id": f"mem{n}", "size": size})
        self.qmp("device_add", driver="pc-dimm", id=f"dimm{n}", memdev=f"mem{n}")

    def del_dimm(self, n, wait=True, timeout=120):
        """Request hot-remove; the guest must offline the LMBs before it completes."""
        self.qmp("device_del", id=f"dimm{n}")
        if wait:
            self.wait_dimm_gone(n, timeout)

    def del_dimm_rejected(self, n, timeout=120):
        """Request hot-remove of a DIMM the guest cannot give back; wait for the
        guest's refusal (QEMU 7.2: MEM_UNPLUG_ERROR, later ones also
        DEVICE_UNPLUG_GUEST_ERROR). Returns the event."""
        self.qmp("device_del", id=f"dimm{n}")
        return self.wait_event(("MEM_UNPLUG_ERROR", "DEVICE_UNPLUG_GUEST_ERROR"), timeout, device=f"dimm{n}")

    def wait_dimm_gone(self, n, timeout=120):
        self.wait_event("DEVICE_DELETED", timeout, device=f"dimm{n}")
        self.qmp("object-del", id=f"mem{n}")

    def nmi(self):
        self.qmp("inject-nmi")


if __name__ == "__main__":
    # Smoke test: boot, run a command, hot-add and remove 1 GiB, quit.
    import sys
    work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work")
    with Lpar(work, name="smoke") as g:
        print(f"boot: {g.boot():.1f}s")
        print(g.run("uname -r; grep MemTotal /proc/meminfo; ls -l /sys/class/tty/ttyS0")[1])
        t = time.monotonic()
        g.add_dimm(1, 1 << 30)
        g.run("sleep 3")
        print(g.run("grep MemTotal /proc/meminfo; ls /sys/devices/system/memory | grep -c memory")[1])
        g.del_dimm(1)
        print(f"add+remove: {time.monotonic() - t:.1f}s")
        print(g.run("grep MemTotal /proc/meminfo")[1])
    sys.exit(0)
