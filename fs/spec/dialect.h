/* SPDX-License-Identifier: Apache-2.0 */
/* What the spec dialects share, private to fs/spec/. */
#pragma once

#include "../spec.h"

/* ---- words.c ------------------------------------------------------------- */

/* Frees a NULL-terminated array of words (zf_split_words'); NULL is fine. */
void zf_spec_words_free(char **words);
