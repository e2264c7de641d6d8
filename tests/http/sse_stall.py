#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An /events client that stalls: for test_http_slow.sh.

usage: sse_stall.py HOST:PORT DIR
Connects with a tiny receive buffer, sends the GET and reads nothing until
DIR/read appears (so the server's queue for it fills up); DIR/connected says
it sent the request.  Then it reads until the server closes the connection
and writes DIR/stall.result: "eof BYTES" or "reset BYTES"; "open BYTES" if
the connection still stands 20 s after the last byte (a server that never
drops it).  The bytes it got go to DIR/stall.out."""
import os
import socket
import sys
import time

host, port = sys.argv[1].rsplit(':', 1)
d = sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# before connect, so the window the server sees stays small
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.connect((host, int(port)))
s.sendall(f'GET /events HTTP/1.0\r\nHost: {sys.argv[1]}\r\n\r\n'.encode())
open(os.path.join(d, 'connected'), 'w').close()
for _ in range(600):  # 60 s at most, the test's own bound is shorter
    if os.path.exists(os.path.join(d, 'read')):
        break
    time.sleep(0.1)
s.settimeout(20)
got = bytearray()
how = 'eof'
while True:
    try:
        b = s.recv(65536)
    except socket.timeout:
        how = 'open'
        break
    except ConnectionResetError:
        how = 'reset'
        break
    if not b:
        break
    got += b
open(os.path.join(d, 'stall.out'), 'wb').write(got)
with open(os.path.join(d, 'stall.result.tmp'), 'w') as f:
    f.write(f'{how} {len(got)}\n')
os.rename(os.path.join(d, 'stall.result.tmp'), os.path.join(d, 'stall.result'))
