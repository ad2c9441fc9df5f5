#!/usr/bin/env python3
"""Cuts netlink buffers out of an strace log made with -e write=FD (and -e read=FD).

usage: strace2bin.py LOG sent|received INDEX OUT [--cmd N] [--error N]
Writes the INDEX-th (0-based) IPVS buffer that the traced program sent
(sendmsg/sendto) or received (recvmsg/recvfrom) to OUT. Each buffer is the exact
byte string of one system call, reassembled from strace's hex dump lines
(" | 00000  14 00 ...").

Not counted, so that INDEX means the same with and without a kernel behind
ipvsadm: receives with MSG_PEEK (libnl peeks at each datagram before reading it,
so each would show twice), and the generic netlink controller's traffic
(genl_ctrl_resolve("IPVS"): requests and replies of type nlctrl, 0x10, and the
ACKs that echo such a request), which a real kernel answers and the userspace
shim fakes without a system call.

--cmd N checks the first message is of the IPVS family with genl command N;
--error N checks it is an NLMSG_ERROR carrying N (0 for an ACK, -17 for EEXIST).
A mismatch exits non-zero, so a capture script cannot silently pick the wrong buffer.
"""
import re
import struct
import sys

DUMP = re.compile(r'^\s*\|\s*([0-9a-f]{5})\s+((?:[0-9a-f]{2}\s+){1,16})')
CALL = re.compile(r'(sendmsg|sendto|recvmsg|recvfrom)\(')
NLMSG_ERROR = 2
GENL_ID_CTRL = 0x10


def buffers(path):
    """Yields (kind, peeked, bytes) for each traced call, in order."""
    current, kind, peeked = None, None, False
    with open(path) as f:
        for line in f:
            m = DUMP.match(line)
            if m and current is not None:
                current.extend(bytes.fromhex(m.group(2).replace(' ', '')))
                continue
            if current:
                yield kind, peeked, bytes(current)
                current = None
            c = CALL.search(line)
            if c:
                kind = 'sent' if c.group(1).startswith('send') else 'received'
                peeked = 'MSG_PEEK' in line
                current = bytearray()
    if current:
        yield kind, peeked, bytes(current)


def controller_traffic(b):
    if len(b) < 16:
        return False
    msg_type = struct.unpack_from('<H', b, 4)[0]
    if msg_type == GENL_ID_CTRL:
        return True
    # An ACK or error echoes the request's header after the errno.
    return msg_type == NLMSG_ERROR and len(b) >= 36 and struct.unpack_from('<H', b, 24)[0] == GENL_ID_CTRL


def check(b, cmd, error):
    msg_type = struct.unpack_from('<H', b, 4)[0]
    if error is not None:
        if msg_type != NLMSG_ERROR:
            return f'type {msg_type}, wanted NLMSG_ERROR'
        got = struct.unpack_from('<i', b, 16)[0]
        if got != error:
            return f'error {got}, wanted {error}'
    if cmd is not None:
        if msg_type < 16 or len(b) < 20:
            return f'type {msg_type}, wanted an IPVS message'
        if b[16] != cmd:
            return f'genl command {b[16]}, wanted {cmd}'
    return None


def main():
    args = sys.argv[1:]
    cmd = error = None
    while len(args) > 4:
        opt, value = args[-2], int(args[-1])
        if opt == '--cmd':
            cmd = value
        elif opt == '--error':
            error = value
        else:
            sys.exit(f'unknown option {opt}')
        args = args[:-2]
    log, which, index, out = args[0], args[1], int(args[2]), args[3]
    found = [b for k, peeked, b in buffers(log) if k == which and not peeked and not controller_traffic(b)]
    if index >= len(found):
        sys.exit(f'{log}: only {len(found)} {which} IPVS buffers, wanted #{index}')
    problem = check(found[index], cmd, error)
    if problem:
        sys.exit(f'{log}: {which} buffer #{index}: {problem}')
    with open(out, 'wb') as f:
        f.write(found[index])


if __name__ == '__main__':
    main()
