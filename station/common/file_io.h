/* SPDX-License-Identifier: MIT */
/* Local files for the command line: reading a firmware image whole, and
 * writing a backup atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory, mode 0600). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FIO_ERR_LEN 256

/* Reads the whole file into a malloc'ed buffer with `extra` spare bytes at
 * the end (room for padding).  Returns 0, or -1 with a one-line reason in
 * err (which names the file and the cause). */
int fio_read_all(const char *path, size_t extra, uint8_t **ret_buf, size_t *ret_len,
		 char err[FIO_ERR_LEN]) __attribute__((warn_unused_result));

/* 1 if something exists at path (a dangling symlink counts), else 0. */
int fio_exists(const char *path);

/* Everything that can be known about an output file before the data
 * exists: path is non-empty, is not a directory, and is either absent or
 * (with `force`) a regular file; never a device node, FIFO, socket or
 * symlink, whatever `force` says.  Its directory exists and a file can be
 * created in it (tried for real: root ignores mode bits, and a read-only
 * mount or procfs refuses what access() allows).  Returns 0, or -1 with a
 * one-line reason in err. */
int fio_check_output(const char *path, int force, char err[FIO_ERR_LEN])
	__attribute__((warn_unused_result));

/* Writes data to path atomically with mode 0600.  Without `force` an
 * existing path is never replaced, even if it appears while we write; with
 * it, only a regular file is (see fio_check_output).  If
 * *cancel becomes non-zero before the rename, nothing is left behind and -2
 * is returned.  Returns 0, -1 on error (reason in err) or -2 if cancelled. */
int fio_write_atomic(const char *path, const uint8_t *data, size_t len, int force,
		     const volatile int *cancel, char err[FIO_ERR_LEN])
	__attribute__((warn_unused_result));
