#!/usr/bin/env python3
"""Hostile clients of havipd's control socket, for the abuse suite.

  control_client.py SOCK garbage     a frame whose body is not JSON
  control_client.py SOCK random      64 KiB of random bytes, no framing at all
  control_client.py SOCK oversized   a header announcing 4 GiB - 1
  control_client.py SOCK slow N S    N clients, each sending a status request one byte per second, for S s
  control_client.py SOCK noread K    pipelines K status requests and never reads

Each prints what the daemon did, one "result ..." line per client, with the
seconds from connect until the daemon answered or closed.
"""
import json
import os
import selectors
import socket
import struct
import sys
import time


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


STATUS = frame(json.dumps({"version": 1, "command": "status"}).encode())


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def read_answer(s, timeout):
    """(seconds, code or 'closed' / 'no answer') for the first frame the daemon sends."""
    start = time.monotonic()
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) >= 4 and len(data) >= 4 + struct.unpack(">I", data[:4])[0]:
                break
    except socket.timeout:
        return time.monotonic() - start, "no answer"
    except ConnectionResetError:
        return time.monotonic() - start, "reset"
    took = time.monotonic() - start
    if len(data) < 4:
        return took, "closed"
    try:
        answer = json.loads(data[4:4 + struct.unpack(">I", data[:4])[0]])
    except ValueError:
        return took, "undecodable"
    return took, answer.get("code", "ok" if answer.get("ok") else "error")


def closed_after(s, timeout):
    """Seconds until the daemon closes s (reading and discarding), or None."""
    start = time.monotonic()
    s.settimeout(timeout)
    try:
        while s.recv(65536):
            pass
    except socket.timeout:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def one_shot(path, payload):
    s = connect(path)
    try:
        s.sendall(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the daemon may answer and close before taking it all
    took, code = read_answer(s, 10)
    closed = closed_after(s, 10)
    print(f"result answered {code} in {took:.3f} s, closed "
          f"{'never' if closed is None else f'{took + closed:.3f} s'} after the request")


def slow(path, n, seconds):
    sel = selectors.DefaultSelector()
    clients = []
    for i in range(n):
        s = connect(path)
        s.setblocking(False)
        c = {"sock": s, "start": time.monotonic(), "sent": 0, "data": b"", "end": None}
        clients.append(c)
        sel.register(s, selectors.EVENT_READ, c)
    deadline = time.monotonic() + seconds
    next_byte = time.monotonic()
    while time.monotonic() < deadline and any(c["end"] is None for c in clients):
        now = time.monotonic()
        if now >= next_byte:
            for c in clients:
                if c["end"] is None and c["sent"] < len(STATUS) - 1:  # never the last byte
                    try:
                        c["sock"].send(STATUS[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except (BrokenPipeError, ConnectionResetError):
                        pass
            next_byte += 1
        for key, _ in sel.select(timeout=max(0.0, min(next_byte, deadline) - time.monotonic())):
            c = key.data
            try:
                chunk = c["sock"].recv(65536)
            except ConnectionResetError:
                chunk = b""
            c["data"] += chunk
            if not chunk:
                c["end"] = time.monotonic()
                sel.unregister(c["sock"])
    for c in clients:
        code = "none"
        if len(c["data"]) >= 4:
            try:
                code = json.loads(c["data"][4:]).get("code", "ok")
            except ValueError:
                code = "undecodable"
        held = "open" if c["end"] is None else f'{c["end"] - c["start"]:.3f}'
        print(f"result {code} held {held} sent {c['sent']}")
        c["sock"].close()


def noread(path, k):
    s = connect(path)
    s.setblocking(False)
    start = time.monotonic()
    pending = STATUS * k
    # Write as much as the socket takes, never read; stop when the daemon closes.
    while True:
        try:
            n = s.send(pending)
            pending = pending[n:]
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            break
        if not pending:
            pending = STATUS * k
        if time.monotonic() - start > 20:
            print("result never closed within 20 s")
            return
        # The daemon's close shows as a send failing (EPIPE): answers we never
        # read sit in front of any EOF, so reading cannot tell.
        time.sleep(0.05)
    print(f"result closed after {time.monotonic() - start:.3f} s")


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "garbage":
        one_shot(path, frame(b"\x00\xffnot json at all{{{"))
    elif mode == "random":
        one_shot(path, os.urandom(65536))
    elif mode == "oversized":
        one_shot(path, b"\xff\xff\xff\xff" + b"x" * 1024)
    elif mode == "slow":
        slow(path, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "noread":
        noread(path, int(sys.argv[3]))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
