/* SPDX-License-Identifier: Apache-2.0 */
/* zf-testtool swap and hammer: both sides of a race on one name (see race.c). */
#pragma once

/* swap A B SECONDS: renameat2(RENAME_EXCHANGE) of A and B in a loop; prints the count. */
int zf_race_swap(const char *a, const char *b, int seconds);
/* hammer FILE SECONDS MARK: opens, reads, writes and truncates FILE in a loop;
 * prints what it saw (see race.c). */
int zf_race_hammer(const char *file, int seconds, const char *mark);
