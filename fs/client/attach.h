/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* `zunfs attach ...` (argv[0] is "attach"): the exit code. */
int zf_attach_main(int argc, char **argv);
