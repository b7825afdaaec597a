/* SPDX-License-Identifier: Apache-2.0 */
/* zf-testtool fsops: a script of file system calls (see fsops.c). */
#pragma once

/* Runs stdin's script in the current directory; 0, or 2 for a line it cannot read. */
int zf_fsops_main(void);
