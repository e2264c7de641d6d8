#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives a headless Chromium through its DevTools protocol (a minimal
WebSocket client on the standard library) for test_http_browser.sh.

usage: browser_check.py DEVTOOLS_PORT STATION_URL TOKEN TEST_DIR OUT_DIR N_UNITS MAC

With the rack page open (STATION_URL/?token=TOKEN, so the cookie path is
the browser's own): the stream goes live; a tile per plugged unit appears;
a tile reaches "passed" while the page is watched (none had passed when it
went live); a screenshot goes to OUT_DIR/http_browser.png; the station is
restarted (TEST_DIR/restart) and the page reconnects by itself (a second
snapshot, live again); then the unit page of MAC shows its backups
(OUT_DIR/http_browser_unit.png).  Waits poll the page for real time, each
bounded; exit status 1 with the reason."""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.request


class DevTools:
    def __init__(self, ws_url):
        rest = ws_url.split('://', 1)[1]
        hostport, path = rest.split('/', 1)
        host, port = hostport.rsplit(':', 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f'GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n'
                           f'Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n'
                           'Sec-WebSocket-Version: 13\r\n\r\n').encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError('DevTools closed the handshake')
            head += chunk
        if b' 101 ' not in head.split(b'\r\n', 1)[0]:
            raise RuntimeError('DevTools refused the WebSocket: ' + head.decode(errors='replace'))
        self.next_id = 0

    def _recv_exact(self, n):
        buf = b''
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError('DevTools closed the connection')
            buf += chunk
        return buf

    def _recv_message(self):
        data = b''
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack('>H', self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack('>Q', self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            data += payload
            if b0 & 0x80:
                return data

    def call(self, method, **params):
        self.next_id += 1
        msg = json.dumps({'id': self.next_id, 'method': method, 'params': params}).encode()
        mask = os.urandom(4)
        n = len(msg)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + struct.pack('>H', n) if n < 65536 else
                                bytes([0x80 | 127]) + struct.pack('>Q', n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
        while True:
            reply = json.loads(self._recv_message())
            if reply.get('id') == self.next_id:
                if 'error' in reply:
                    raise RuntimeError(f'{method}: {reply["error"]}')
                return reply['result']

    def js(self, expr):
        r = self.call('Runtime.evaluate', expression=expr, returnByValue=True)
        return r['result'].get('value')


def fail(why):
    print(f'FAIL [http_browser]: {why}')
    sys.exit(1)


def say(text):
    print(f'[http_browser] {text}', flush=True)


def main():
    dport, url, token, tdir, out, n_units, mac = sys.argv[1:8]
    n_units = int(n_units)
    targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{dport}/json/list', timeout=10))
    page = next(t for t in targets if t['type'] == 'page')
    dt = DevTools(page['webSocketDebuggerUrl'])
    dt.call('Page.enable')

    def state():
        return dt.js('JSON.stringify(document.body ? Object.assign({}, document.body.dataset) : {})')

    def wait(what, cond, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            try:
                d = json.loads(state() or '{}')
            except (RuntimeError, ValueError):
                d = {}
            if cond(d):
                return d
            time.sleep(0.2)
        fail(f'{what} within {secs} s; the page shows {state()}')

    def shot(name):
        png = base64.b64decode(dt.call('Page.captureScreenshot', format='png')['data'])
        with open(os.path.join(out, name), 'wb') as f:
            f.write(png)
        say(f'screenshot {os.path.join(out, name)} ({len(png)} bytes)')

    dt.call('Page.navigate', url=f'{url}/?token={token}')
    d = wait('the event stream went live', lambda d: d.get('conn') == 'live', 20)
    if int(d.get('passed', '0')) != 0:
        fail(f'a tile had passed before the page was watching (the rack plugs too early): {d}')
    say(f'live: {d}')
    wait(f'a tile for each of the {n_units} plugged units', lambda d: int(d.get('tiles', '0')) >= n_units, 30)
    d = wait('a tile reached "passed"', lambda d: int(d.get('passed', '0')) >= 1, 40)
    say(f'passed while watched: {d}')
    title = dt.js('document.title')
    tile = dt.js('(() => { const t = document.querySelector(\'.tile[data-state="pass"]\');'
                 ' return t ? t.innerText : ""; })()')
    if mac not in tile and 'passed' not in tile.lower():
        fail(f'the passed tile reads {tile!r}')
    say(f'title {title!r}; passed tile: {" | ".join(tile.split(chr(10)))}')
    shot('http_browser.png')

    connects = int(d.get('connects', '0'))
    open(os.path.join(tdir, 'restart'), 'w').close()
    d = wait('the page reconnected after the station restarted',
             lambda d: int(d.get('connects', '0')) > connects and d.get('conn') == 'live', 40)
    say(f'reconnected by itself after the restart: {d}')

    dt.call('Page.navigate', url=f'{url}/unit/{mac}')
    d = wait('the unit page loaded', lambda d: d.get('page') == 'unit' and d.get('loaded') in ('yes', 'error'), 20)
    if d.get('loaded') != 'yes' or int(d.get('backups', '0')) < 1:
        fail(f'the unit page shows no backups: {d} {dt.js("document.body.innerText")[:300]!r}')
    prov = dt.js('document.getElementById("backups").innerText')
    if 'original' not in prov:
        fail(f'the backups table shows no provenance: {prov!r}')
    say(f'unit page: {d.get("backups")} backup(s)')
    shot('http_browser_unit.png')


main()
