#!/usr/bin/env python3
"""Every keyword havipd's parser accepts is documented in havipd.conf(5).

The parser exposes no keyword list (parser.cpp compares strings inline), so
the parser itself is asked: every identifier-like string literal in
lib/config/*.cpp is a candidate, and each candidate is written, one per line,
inside each kind of block and given to `havipd --check-config`. A line the
parser answers with "unknown keyword 'X' in ..." or "unsupported: X[ (why)]" is not
accepted there; any other answer (no error, or an error about its arguments
or a missing brace) means the parser knows the keyword in that block. This
does not depend on how parser.cpp is written, only on its error messages.

Then, for each block, every accepted keyword must be the tag of a .TP entry in
that block's .SS subsection of havipd.conf.5, and every keyword refused as
unsupported must be named in its UNSUPPORTED KEEPALIVED KEYWORDS section.

usage: check_man_keywords.py HAVIPD SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

# Where each kind of block is opened; {C} is replaced by the candidate lines.
RS = "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\n"
CONTEXTS = {
    "top": ("", "\n"),
    "global_defs": ("global_defs {\n", "}\n"),
    "vrrp_script": ("vrrp_script s {\n", "}\n"),
    "track_memory": ("track_memory m {\n", "}\n"),
    "vrrp_instance": ("vrrp_instance V {\n", "}\n"),
    "vrrp_sync_group": ("vrrp_sync_group G {\n", "}\n"),
    "authentication": ("vrrp_instance V {\nauthentication {\n", "}\n}\n"),
    "virtual_server": ("virtual_server 10.0.0.1 80 {\n", "}\n"),
    "real_server": (RS, "}\n}\n"),
    "TCP_CHECK": (RS + "TCP_CHECK {\n", "}\n}\n}\n"),
    "HTTP_GET": (RS + "HTTP_GET {\n", "}\n}\n}\n"),
    "url": (RS + "HTTP_GET {\nurl {\n", "}\n}\n}\n}\n"),
}

# The .SS subsection of havipd.conf.5 (title prefix) documenting each block.
SECTIONS = {
    "top": "Top level",
    "global_defs": "global_defs",
    "vrrp_script": "vrrp_script",
    "track_memory": "track_memory",
    "vrrp_instance": "vrrp_instance",
    "vrrp_sync_group": "vrrp_sync_group",
    "authentication": "authentication",
    "virtual_server": "virtual_server",
    "real_server": "real_server",
    "TCP_CHECK": "TCP_CHECK and HTTP_GET",
    "HTTP_GET": "TCP_CHECK and HTTP_GET",
    "url": "url",
}
ANYWHERE = "Anywhere"  # keywords valid in every block (include)

# If the probing itself broke (a changed error message, say), these would fail.
SANITY = [
    ("vrrp_instance", "priority", "accepted"),
    ("vrrp_instance", "notify_master", "accepted"),
    ("vrrp_sync_group", "notify_master", "unsupported"),
    ("global_defs", "enable_snmp_vrrp", "unsupported"),
    ("global_defs", "priority", "unknown"),
    ("url", "status_code", "accepted"),
    ("real_server", "MISC_CHECK", "unsupported"),
    ("top", "track_memory", "accepted"),
]

DIAG = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")


def candidates(source_dir):
    words = set()
    config_dir = os.path.join(source_dir, "lib", "config")
    for name in sorted(os.listdir(config_dir)):
        if name.endswith(".cpp"):
            with open(os.path.join(config_dir, name), encoding="utf-8") as f:
                words.update(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)"', f.read()))
    return sorted(words)


# Unknown in every block: if it is not reported so, the block itself was
# refused and skipped (every line in it would look accepted).
SENTINEL = "no_such_keyword_anywhere"


def probe(havipd, context, words, tmp):
    """Map each word to accepted/unknown/unsupported inside `context`."""
    words = words + [SENTINEL]
    head, tail = CONTEXTS[context]
    first_line = head.count("\n") + 1
    path = os.path.join(tmp, context + ".conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + "".join(w + "\n" for w in words) + tail)
    run = subprocess.run([havipd, "--check-config", path], capture_output=True, text=True, timeout=60)
    verdict = {w: "accepted" for w in words}
    for line in run.stderr.splitlines():
        m = DIAG.match(line)
        if not m or m["file"] != path:
            continue
        index = int(m["line"]) - first_line
        if not 0 <= index < len(words):
            continue
        word = words[index]
        if m["msg"].startswith(f"unknown keyword '{word}' in "):
            verdict[word] = "unknown"
        elif m["msg"] == f"unsupported: {word}" or m["msg"].startswith(f"unsupported: {word} ("):
            verdict[word] = "unsupported"
    return verdict


def roff_words(text):
    text = re.sub(r"\\f[BIRP]", "", text)
    text = text.replace("\\-", "-").replace("\\ ", " ").replace("\\e", "\\").replace('"', " ")
    return set(w.rstrip(".") for w in re.split(r"[\s,|\[\]{}();]+", text) if w.rstrip("."))


def man_sections(page):
    """(.SS title -> set of words of its .TP tags), and the text of each .SH."""
    tags, sh_text = {}, {}
    ss = sh = None
    lines = page.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            sh = line[4:].strip().strip('"')
            sh_text[sh] = ""
            ss = None
            continue
        if line.startswith(".SS "):
            ss = line[4:].strip().strip('"')
            tags.setdefault(ss, set())
            continue
        if sh is not None:
            sh_text[sh] += line + "\n"
        if line.startswith(".TP") and ss is not None and i + 1 < len(lines):
            tag = re.sub(r"^\.(B|BI|BR|IR|I|RB)\s", "", lines[i + 1])
            tags[ss] |= roff_words(tag)
    return tags, sh_text


def main():
    havipd, source_dir = sys.argv[1], sys.argv[2]
    if not os.access(havipd, os.X_OK):
        print(f"FAIL: {havipd} is not an executable havipd (build it first)")
        return 1
    words = candidates(source_dir)
    if len(words) < 50:
        print(f"FAIL: only {len(words)} candidate words found in lib/config/*.cpp")
        return 1
    failures = []
    with open(os.path.join(source_dir, "docs", "man", "havipd.conf.5"), encoding="utf-8") as f:
        page = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        verdicts = {c: probe(havipd, c, words, tmp) for c in CONTEXTS}
        for c, verdict in verdicts.items():
            if verdict.pop(SENTINEL) != "unknown":
                failures.append(f"probe broken: the {c} block was not parsed ('{SENTINEL}' not "
                                "reported as unknown there)")
        # The page's EXAMPLE must be a valid file.
        example = re.search(r"^\.SH EXAMPLE\n\.EX\n(.*?)^\.EE$", page, re.S | re.M)
        if not example:
            failures.append("havipd.conf.5 has no EXAMPLE section with .EX/.EE")
        else:
            path = os.path.join(tmp, "example.conf")
            with open(path, "w", encoding="utf-8") as f:
                f.write(example.group(1).replace("\\-", "-"))
            run = subprocess.run([havipd, "--check-config", path], capture_output=True, text=True, timeout=60)
            if run.returncode != 0:
                failures.append(f"havipd.conf.5 EXAMPLE does not load:\n{run.stderr}")
            else:
                print("EXAMPLE loads:", run.stdout.strip().replace("\n", " | "))

    for context, word, expected in SANITY:
        got = verdicts[context][word]
        if got != expected:
            failures.append(f"probe broken: '{word}' in {context} is {got}, expected {expected}")

    tags, sh_text = man_sections(page)
    anywhere = set()
    for title, words_in in tags.items():
        if title.startswith(ANYWHERE):
            anywhere |= words_in
    unsupported_text = roff_words(sh_text.get("UNSUPPORTED KEEPALIVED KEYWORDS", ""))

    accepted_total = 0
    unsupported_seen = set()
    for context, verdict in verdicts.items():
        section = [t for t in tags if t.startswith(SECTIONS[context])]
        if not section:
            failures.append(f"havipd.conf.5 has no .SS subsection '{SECTIONS[context]}...'")
            continue
        documented = set().union(*(tags[t] for t in section)) | anywhere
        accepted = sorted(w for w, v in verdict.items() if v == "accepted")
        accepted_total += len(accepted)
        print(f"{context}: {len(accepted)} accepted: {' '.join(accepted)}")
        for w in accepted:
            if w not in documented:
                failures.append(f"keyword '{w}' (accepted in {context}) has no .TP entry in "
                                f"havipd.conf.5 subsection '{SECTIONS[context]}'")
        for w, v in verdict.items():
            if v == "unsupported":
                unsupported_seen.add(w)
                if w not in unsupported_text:
                    failures.append(f"unsupported keyword '{w}' (in {context}) is not named in "
                                    "havipd.conf.5 UNSUPPORTED KEEPALIVED KEYWORDS")
    print(f"{accepted_total} (block, keyword) pairs accepted, {len(unsupported_seen)} unsupported "
          f"keywords, from {len(words)} candidates")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
