# patched-build.bash: sourced by kexec-drconf and mdf-threads. One tool built twice from one
# source, without and with patches/TOOL/, so that an e2e compares binaries that differ only by
# the patches. The caller sets TRIPLET and defines copy_source DIR (the unpatched source into
# DIR) and build_source DIR (builds it there; its output goes to DIR.log).

# tree_id TREE: what a tree is built from, for a key: its path and its git HEAD, or for a tree
# that is no git checkout the time of its newest C file.
tree_id() {
        echo "$1 $(git -C "$1" rev-parse HEAD 2>/dev/null ||
                find "$1" -name '*.[ch]' -printf '%T@\n' | sort -n | tail -1)"
}

# tree_copy TREE DIR: a git tree's HEAD (no uncommitted change leaks in), any other tree as it is.
tree_copy() {
        if git -C "$1" rev-parse HEAD >/dev/null 2>&1; then
                git -C "$1" archive HEAD
        else
                tar -C "$1" -c --exclude=.git .
        fi | tar -x -C "$2"
}

# patched_build TAG NAME OUT DIR KEY BINARY [PATCH...]: OUT (stripped BINARY of DIR) from the
# source with the patches applied, unless OUT.key says KEY (patched_key's).
patched_build() {
        local tag=$1 name=$2 out=$3 dir=$4 k=$5 binary=$6 p
        shift 6
        if [[ -x $out && $(cat "$out.key" 2>/dev/null) == "$k" ]]; then
                echo "$tag: $name up to date ($k)"
                return
        fi
        rm -rf "$dir"
        mkdir -p "$dir"
        copy_source "$dir"
        for p in "$@"; do
                patch -d "$dir" -p1 --forward --quiet <"$p"
        done
        build_source "$dir" >"$dir.log" 2>&1 ||
                { echo "$tag: $name: build failed (see $dir.log)" >&2; exit 1; }
        "$TRIPLET-strip" -o "$out" "$dir/$binary"
        echo "$k" >"$out.key"
        echo "$tag: $name built ($(stat -c %s "$out") bytes, $# patches)"
}

# patched_key SOURCE_ID SCRIPT [PATCH...]: the key patched_build compares (the script and this
# file stand for how the source is built).
patched_key() {
        local id=$1 script=$2
        shift 2
        { echo "$id"; cat "$@" /dev/null; "$TRIPLET-gcc" --version | head -1; cat "$script" "${BASH_SOURCE[0]}"; } |
                sha256sum | cut -c1-16
}
