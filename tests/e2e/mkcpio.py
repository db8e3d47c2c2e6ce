#!/usr/bin/python3
"""Write a directory tree as a newc cpio archive (the initramfs format).

Usage: mkcpio.py DIR OUT [--gzip] [--node PATH:c:MAJOR:MINOR ...]

The host has no cpio(1), and we want root-owned files and /dev/console
without being root or calling mknod, so the archive is written here.
"""
import argparse
import gzip
import os
import stat
import sys

MTIME = 0  # fixed, so rebuilding the same tree gives the same archive


def header(ino, mode, size, name, nlink=1, rmajor=0, rminor=0):
    namesz = len(name.encode()) + 1
    fields = [ino, mode, 0, 0, nlink, MTIME, size, 0, 0, rmajor, rminor, namesz, 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
    return hdr + b"\0" * (-len(hdr) % 4)


def entries(root, nodes):
    """Yield (name, mode, data, rdev) for every path below root, parents first."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            yield rel, stat.S_IFDIR | 0o755, b"", (0, 0)
        for fn in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = os.path.join(dirpath, fn)
            name = os.path.normpath(os.path.join(rel, fn))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                yield name, stat.S_IFLNK | 0o777, os.readlink(path).encode(), (0, 0)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    yield name, stat.S_IFREG | (st.st_mode & 0o7777), f.read(), (0, 0)
    for path, kind, major, minor in nodes:
        ftype = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
        yield path.lstrip("/"), ftype | 0o600, b"", (major, minor)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("out")
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--node", action="append", default=[], help="PATH:c|b:MAJOR:MINOR")
    args = ap.parse_args()

    nodes = []
    for spec in args.node:
        path, kind, major, minor = spec.split(":")
        nodes.append((path, kind, int(major), int(minor)))

    opener = (lambda p: gzip.GzipFile(p, "wb", compresslevel=6, mtime=0)) if args.gzip else (lambda p: open(p, "wb"))
    tmp = args.out + ".tmp"
    with opener(tmp) as out:
        ino = 1
        for name, mode, data, (rmaj, rmin) in entries(args.dir, nodes):
            out.write(header(ino, mode, len(data), name, nlink=2 if stat.S_ISDIR(mode) else 1,
                             rmajor=rmaj, rminor=rmin))
            out.write(data + b"\0" * (-len(data) % 4))
            ino += 1
        out.write(header(0, 0, 0, "TRAILER!!!"))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    sys.exit(main())
