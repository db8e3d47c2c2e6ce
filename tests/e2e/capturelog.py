"""The capture kernel's own log, read from the host while it hangs (drconf-probe, hpt-check).

A capture kernel that stops before it has a console says why only in its printk ring: its
`__log_buf`, at the crash region's base plus the symbol's offset (it runs where it was loaded)."""
import glob
import os
import re
import subprocess

KERNEL_BASE = 0xc000000000000000


def system_map(work):
    """The symbols of the unstripped vmlinux (the package's System.map is a stub)."""
    path = sorted(glob.glob(os.path.join(work, "sysroot", "boot", "vmlinux-*")))[-1]
    out = subprocess.run(["powerpc64le-linux-gnu-nm", "-n", path], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] not in "aUwN" and ".plt_branch" not in parts[2]:
            syms.setdefault(parts[2], int(parts[0], 16))
    return syms


def hmp(g, cmd):
    return g.qmp("human-monitor-command", **{"command-line": cmd})


def save_log(g, syms, crash_base, out):
    """pmemsave the capture kernel's __log_buf (and log_buf_len) into out/; its text runs (6.1:
    the records' text, NUL-free) in out/capture-log.txt, returned as a list."""
    for sym in ("__log_buf", "log_buf_len"):
        if sym in syms:
            phys = crash_base + syms[sym] - KERNEL_BASE
            hmp(g, f"pmemsave {phys:#x} {1 << 18 if sym == '__log_buf' else 8:#x} \"{os.path.join(out, sym + '.bin')}\"")
    lb = os.path.join(out, "__log_buf.bin")
    if not os.path.exists(lb):
        return []
    text = [t.decode() for t in re.findall(rb"[\x20-\x7e\t]{6,}", open(lb, "rb").read())]
    with open(os.path.join(out, "capture-log.txt"), "w") as fh:
        fh.write("\n".join(text) + "\n")
    return text
