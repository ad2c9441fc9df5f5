#!/usr/bin/env python3
"""The paths the man pages' FILES sections name, and which of them the package
installs. Used by check_install_tree.py and deb_chroot.sh.

usage: manfiles.py MAN_DIR          prints the installed paths, one a line
"""
import os
import re
import sys

PAGES = ("havipd.8", "havipctl.8", "havipd.conf.5")

# Named in FILES but not shipped, each for a reason; the tests check that
# these are indeed absent from the installed tree, so the list stays true.
NOT_INSTALLED = {
    "/etc/havip/havipd.conf": "the administrator writes it; the unit waits for it",
    "/run/havipd/control.sock": "havipd creates it at run time",
    "/proc/meminfo": "the kernel's",
}


def files_section(path):
    """Every path tagged in the FILES section: `.TP` then `.I /path`."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    paths, inside = [], False
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            inside = line.split(None, 1)[1].strip('"') == "FILES" if len(line.split()) > 1 else False
            continue
        if inside and line.startswith(".TP") and i + 1 < len(lines):
            m = re.match(r'^\.(?:I|B)\s+"?(/[^"\s]*)"?\s*$', lines[i + 1])
            if not m:
                raise ValueError(f"{path}:{i + 2}: FILES entry is not '.I /path': {lines[i + 1]!r}")
            paths.append(m.group(1).replace("\\-", "-"))
    if not paths:
        raise ValueError(f"{path}: no FILES entries")
    return paths


def all_named(man_dir):
    named = {}
    for page in PAGES:
        for p in files_section(os.path.join(man_dir, page)):
            named.setdefault(p, page)
    return named


def installed(man_dir):
    return sorted(p for p in all_named(man_dir) if p not in NOT_INSTALLED)


if __name__ == "__main__":
    for p in installed(sys.argv[1]):
        print(p)
