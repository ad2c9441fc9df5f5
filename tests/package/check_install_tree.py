#!/usr/bin/env python3
"""`DESTDIR=TMP cmake --install BUILD` puts every file the man pages' FILES
sections name at that path (and not the ones they say are not installed),
the man pages as gzip -9n of docs/man, the bash completion, and lists every
file under /etc in packaging/conffiles.

usage: check_install_tree.py BUILD_DIR SOURCE_DIR
"""
import gzip
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import manfiles  # noqa: E402


def main():
    build, source = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as dest:
        env = dict(os.environ, DESTDIR=dest)
        run = subprocess.run(["cmake", "--install", build], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL: cmake --install {build} exited {run.returncode}\n{run.stdout}{run.stderr}")
            return 1
        tree = sorted(os.path.relpath(os.path.join(d, f), dest)
                      for d, _, fs in os.walk(dest) for f in fs)
        print("installed:\n  " + "\n  ".join("/" + t for t in tree))

        man_dir = os.path.join(source, "docs", "man")
        named = manfiles.all_named(man_dir)
        for path, page in sorted(named.items()):
            there = os.path.exists(dest + path)
            if path in manfiles.NOT_INSTALLED:
                if there:
                    failures.append(f"{path} ({page} FILES) is installed, but manfiles.py says it is "
                                    f"not ({manfiles.NOT_INSTALLED[path]})")
            elif not there:
                failures.append(f"{path} named in {page} FILES is not installed")
            elif path.endswith("/") != os.path.isdir(dest + path):
                failures.append(f"{path} named in {page} FILES has the wrong type")
        print(f"{len(named)} paths named in FILES, {len(named) - len(manfiles.NOT_INSTALLED)} installed")

        for page in manfiles.PAGES:
            section = page.rsplit(".", 1)[1]
            gz = os.path.join(dest, "usr/share/man", "man" + section, page + ".gz")
            if not os.path.isfile(gz):
                failures.append(f"man page {page} not installed as {gz[len(dest):]}")
                continue
            with open(gz, "rb") as f:
                raw = f.read()
            # gzip -n: no file name (FLG.FNAME, bit 3) and a zero MTIME.
            if raw[3] & 0x08 or raw[4:8] != b"\0\0\0\0":
                failures.append(f"{gz[len(dest):]} carries a name or timestamp (not gzip -n)")
            with open(os.path.join(man_dir, page), "rb") as f:
                if gzip.decompress(raw) != f.read():
                    failures.append(f"{gz[len(dest):]} differs from docs/man/{page}")

        with open(os.path.join(source, "packaging", "conffiles"), encoding="utf-8") as f:
            conffiles = {line.strip() for line in f if line.strip()}
        etc = {"/" + t for t in tree if t.startswith("etc/")}
        for p in sorted(etc - conffiles):
            failures.append(f"{p} is installed under /etc but not listed in packaging/conffiles")
        for p in sorted(conffiles - etc):
            failures.append(f"packaging/conffiles lists {p}, which is not installed")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
