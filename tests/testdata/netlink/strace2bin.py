#!/usr/bin/env python3
"""Extract netlink buffers from `strace -xx -e read=FD -e write=FD` output.

Usage: strace2bin.py TRACE {sendmsg|recvmsg} NLMSG_TYPE NTH OUT
Writes the NTH (0-based) full buffer moved by that syscall whose first netlink
header has type NLMSG_TYPE (decimal) to OUT. Exits 1 if there is none.
"""
import re
import struct
import sys

SYSCALL = re.compile(r'^(?:\[pid\s+\d+\]\s+)?(\w+)\(')
HEXLINE = re.compile(r'^ \| [0-9a-f]{5}  ')


def buffers(path):
    call = None
    cur = None
    for line in open(path, encoding='ascii', errors='replace'):
        m = SYSCALL.match(line)
        if m:
            if cur is not None:
                yield call, bytes(cur)
                cur = None
            call = m.group(1)
            continue
        if line.startswith(' * ') and 'bytes in buffer 0' in line:
            if cur is not None:
                yield call, bytes(cur)
            cur = bytearray()
            continue
        if HEXLINE.match(line):
            # sendto dumps have no "* N bytes" header: offset 0 opens a buffer.
            if line.startswith(' | 00000 ') and cur is not None and cur:
                yield call, bytes(cur)
                cur = None
            if cur is None:
                cur = bytearray()
            cur.extend(int(h, 16) for h in line[10:10 + 49].split())
    if cur is not None:
        yield call, bytes(cur)


def main():
    trace, call, nltype, nth, out = sys.argv[1:6]
    nltype, nth = int(nltype), int(nth)
    seen = 0
    for c, data in buffers(trace):
        if c != call or len(data) < 16:
            continue
        length, typ = struct.unpack_from('<IH', data)
        if typ != nltype or length > len(data):
            continue
        if seen == nth:
            open(out, 'wb').write(data)
            return 0
        seen += 1
    print(f'{trace}: no {call} buffer #{nth} of type {nltype}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
