/* SPDX-License-Identifier: MIT */
/* Entry points of the sub-commands.  argv[0] is the sub-command's name;
 * each returns the process exit code (enum cli_exit). */
#pragma once

int cmd_run(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_erase(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_vault(int argc, char **argv);
int cmd_status(int argc, char **argv);
