#!/usr/bin/env python3
"""An SMTP server that accepts connections and never answers (no greeting).

Usage: silent_smtp.py ADDRESS PORT LOG. Logs "listening" once bound, then one
line per accepted connection ("accepted IP:PORT at EPOCH"), and keeps every
connection open, silent, until killed: closing then sends the client a FIN.
"""
import socket
import sys
import time


def main() -> None:
    address, port, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen(16)
    held = []  # referenced, so no connection is closed before we are killed
    with open(log_path, "a", buffering=1) as log:
        log.write(f"listening on {address}:{port}\n")
        while True:
            conn, peer = server.accept()
            held.append(conn)
            log.write(f"accepted {peer[0]}:{peer[1]} at {time.time():.6f}\n")


if __name__ == "__main__":
    main()
