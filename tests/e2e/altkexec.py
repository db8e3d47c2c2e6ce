"""The guest image with another kexec as /sbin/kexec (issue 21: a patched kexec-tools).

An initramfs may be several archives back to back, a later one's files replacing an earlier
one's: the guest image with one small archive appended, holding the given static kexec."""
import os
import shutil
import subprocess
import tempfile


def initrd_with_kexec(work, kexec, out):
    """Writes work/guest.cpio + an archive of /sbin/kexec (from the host file kexec) to out."""
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, "sbin"))
        shutil.copy(kexec, os.path.join(tree, "sbin", "kexec"))
        os.chmod(os.path.join(tree, "sbin", "kexec"), 0o755)
        extra = subprocess.run("find sbin | cpio -o -H newc -R 0:0 --quiet", shell=True, cwd=tree,
                               check=True, capture_output=True).stdout
    base = open(os.path.join(work, "guest.cpio"), "rb").read()
    with open(out, "wb") as fh:
        # Each archive starts on a 4-byte boundary; zeros between them are skipped.
        fh.write(base + b"\0" * (-len(base) % 4) + extra)
    return out
