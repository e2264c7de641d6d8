#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seed corpora under tests/fuzz/corpus/<target>/.

Run from anywhere: python3 tests/fuzz/make_corpus.py.  The files are small and
deterministic; re-running rewrites them byte for byte.  Crashers found later
are added next to them by hand (named crash-<sha1>), never by this script.

Input layouts (see the fuzz_*.c headers):
  slip       raw byte stream
  proto      byte 0 selects the expected payload length (0x00 -> 0, 0x01 -> 16,
             0x02 -> 32, 0x80 + n -> n), then one unframed response
  reset      the sequence text
  image      bytes 0-3 select mode/size/freq/address, then the file
  stub_json  the JSON text
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def slip(payload):
    out = bytearray([0xC0])
    for b in payload:
        if b == 0xC0:
            out += b"\xdb\xdc"
        elif b == 0xDB:
            out += b"\xdb\xdd"
        else:
            out.append(b)
    out.append(0xC0)
    return bytes(out)


def resp(op, value, data):
    return struct.pack("<BBHI", 1, op, len(data), value) + data


def req(op, data, checksum=0):
    return struct.pack("<BBHI", 0, op, len(data), checksum) + data


SYNC_DATA = b"\x07\x07\x12\x20" + b"\x55" * 32


def image(mode=0, size_freq=0x40, segs=((0x40100000, 4), (0x3FFE8000, 8)), nseg=None,
          ck_xor=0):
    out = bytearray(struct.pack("<BBBBI", 0xE9, len(segs) if nseg is None else nseg, mode,
                                size_freq, 0x40100004))
    ck = 0xEF
    for i, (addr, length) in enumerate(segs):
        out += struct.pack("<II", addr, length)
        data = bytes((k * 31 + i * 7 + 1) & 0xFF for k in range(length))
        out += data
        for b in data:
            ck ^= b
    while len(out) % 16 != 15:
        out.append(0)
    out.append(ck ^ ck_xor)
    return bytes(out)


def corpus():
    c = {}
    banner = b"\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n"
    rom_sync = resp(0x08, 0x20120707, b"\x00\x00")
    c["slip"] = {
        "sync_request": slip(req(0x08, SYNC_DATA)),
        "rom_sync_replies": slip(rom_sync) * 8,
        "boot_noise_then_frame": banner + slip(rom_sync),
        "escapes": slip(bytes([0xC0, 0xDB, 0xDC, 0xDD, 0x00, 0xC0, 0xDB])),
        "bad_escape_then_frame": bytes([0xC0, 0x01, 0xDB, 0x02, 0xC0, 0xC0, 0x03, 0xC0]),
        "escape_then_end": bytes([0xC0, 0x01, 0xDB, 0xC0, 0xC0, 0x03, 0xC0]),
        "empty_frames": bytes([0xC0] * 6),
        "overlong": slip(bytes(range(1, 100))),
        "ohai": slip(b"OHAI"),
        "joined_mid_frame": bytes([0x05, 0x06, 0xC0]) + slip(b"\x01\x02") + slip(b"\x03"),
        "read_flash_stream": slip(resp(0xD2, 0, b"\x00\x00")) + slip(bytes(64)) +
        slip(b"\xff" * 64) + slip(bytes(range(16))),
        "trailing_escape": bytes([0xC0, 0x41, 0xDB]),
    }
    md5 = bytes(range(0x10, 0x20))
    hexmd5 = md5.hex().encode()
    c["proto"] = {
        "rom_read_reg_magic": b"\x00" + bytes.fromhex("010a020001c1f0ff0000"),
        "rom_sync": b"\x00" + rom_sync,
        "rom_error_05": b"\x00" + resp(0x02, 0, b"\x01\x05"),
        "esp32_sync_4_status": b"\x00" + resp(0x08, 0x20120707, b"\x00" * 4),
        "esp32_error_0106": b"\x00" + resp(0x02, 0, b"\x01\x06\x00\x00"),
        "stub_ok": b"\x00" + resp(0x02, 0, b"\x00\x00"),
        "stub_bad_checksum": b"\x00" + resp(0x03, 0, b"\xc1\x00"),
        "stub_md5": b"\x01" + resp(0x13, 0, md5 + b"\x00\x00"),
        "stub_md5_short_error": b"\x01" + resp(0x13, 0, b"\xc0\x00"),
        "rom_md5_hex": b"\x02" + resp(0x13, 0, hexmd5 + b"\x00" * 4),
        "own_request_echo": b"\x00" + req(0x0A, struct.pack("<I", 0x40001000)),
        "short_header": b"\x00" + bytes.fromhex("010a02"),
        "size_mismatch": b"\x00" + bytes.fromhex("010a030001c1f0ff0000"),
        "payload_100": b"\xe4" + resp(0x13, 0, bytes(100) + b"\x00\x00"),
        "empty": b"\x00",
    }
    c["reset"] = {
        "classic": b"D0|R1|W0.1|D1|R0|W0.05|D0",
        "unix_tight": b"U0,0|U1,1|U0,1|W0.1|U1,0|W0.05|U0,0|D0",
        "u_form": b"U0,1|W0.1|U1,0",
        "hard": b"D0|R1|W0.1|R0",
        "auto": b"auto",
        "none": b"none",
        "wait_550": b"W0.55",
        "bad_d2": b"D2",
        "bad_x1": b"X1",
        "bad_negative_wait": b"W-1",
        "bad_bare_w": b"W",
        "empty": b"",
        "max_steps": b"|".join([b"D1"] * 32),
        "too_many_steps": b"|".join([b"D1"] * 33),
        "huge_wait": b"W99999999999",
        "trailing_bar": b"D0|",
    }
    img = image()
    c["image"] = {
        "dout_1mb": bytes([4, 3, 0, 0]) + img,
        "all_keep": bytes([0, 0, 0, 0]) + img,
        "dio_16mb_26m": bytes([3, 7, 2, 0]) + img,
        "at_0x1000": bytes([4, 3, 0, 0x80]) + img,
        "v2_magic": bytes([4, 3, 0, 0]) + b"\xea" + img[1:],
        "seventeen_segments": bytes([4, 3, 0, 0]) + image(segs=[(0x3FFE8000 + 0x100 * i, 4)
                                                                for i in range(17)]),
        "bad_checksum": bytes([4, 3, 0, 0]) + image(ck_xor=1),
        "segment_past_end": bytes([4, 3, 0, 0]) + image(segs=((0x40100000, 4), (0x3FFE8000, 0x1008)))[:48],
        "short_file": bytes([4, 3, 0, 0]) + b"\xe9\x01\x00",
        "no_segments": bytes([1, 4, 4, 0]) + image(segs=()),
        "size_without_code": bytes([0, 8, 0, 0]) + img,
        "trailing_data": bytes([4, 3, 4, 0]) + img + b"\xff" * 64,
    }
    small = (b'{\n    "entry": 1074843652,\n    "text": "AAECAw==",\n    "text_start": 1074843648,\n'
             b'    "data": "BAUG",\n    "data_start": 1073720492,\n    "bss_start": 1073676288\n}\n')
    c["stub_json"] = {
        "small_esptool_layout": small,
        "compact_reordered": b'{"bss_start":1073676288,"data_start":1073720492,"data":"BAUG",'
                             b'"text_start":1074843648,"text":"AAECAw==","entry":1074843652}',
        "missing_entry": b'{"text": "AAECAw==", "text_start": 1, "data": "BAUG", "data_start": 3}',
        "bad_base64": b'{"entry": 1, "text": "AA!ECAw==", "text_start": 2, "data": "BAUG", "data_start": 3}',
        "string_number": b'{"entry": "1", "text": "AAECAw==", "text_start": 2, "data": "", "data_start": 3}',
        "huge_number": b'{"entry": 99999999999999999999999, "text": "", "text_start": 2, "data": "", "data_start": 3}',
        "escapes_in_string": b'{"entry": 1, "text": "AA\\u0045CAw==", "text_start": 2, "data": "B\\/UG", "data_start": 3}',
        "truncated": small[:60],
        "not_json": b"ets Jan  8 2013,rst cause:2, boot mode:(1,6)",
        "nested_unknown": b'{"x": {"y": [1, 2, {"z": "w"}]}, "entry": 1, "text": "", "text_start": 2, "data": "", "data_start": 3}',
        "empty": b"",
    }
    return c


def main():
    for target, files in corpus().items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
