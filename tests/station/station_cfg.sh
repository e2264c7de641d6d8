# SPDX-License-Identifier: MIT
# The station config every rack script starts from (tests, benchmark, demo):
# one place, so a new setting reaches them all.
# station_cfg FILE NAME DATA_DIR MODE IMAGE STUB_BAUD FALLBACK_BAUD CONNECT_S [ROM_BAUD]
# writes DATA_DIR/station.db and DATA_DIR/backups into FILE; callers may
# append more settings (slots = (...);).  The boot check (on by default in
# the product) is off unless ST_BOOT_CHECK=true: it adds a reset and a
# listening window to every unit, and only the tests of it need that.
station_cfg() {
	cat >"$1" <<CFG
station = "$2";
database = "$3/station.db";
backup_dir = "$3/backups";
mode = "$4";
image = { file = "$5"; flash_mode = "dout"; flash_size = "detect"; };
baud = { ${9:+rom = $9; }stub = $6; fallback = $7; };
connect_timeout = $8;
settle_ms = 200;
after_job = { reset = true; wait_removal = false; };
boot_check = ${ST_BOOT_CHECK:-false};
CFG
}
