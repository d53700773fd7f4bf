/*
 * testutil.h — small helpers shared by the tests (GLib g_test speaks TAP
 * with --tap).
 */
#ifndef PL_TESTUTIL_H
#define PL_TESTUTIL_H

#include <glib.h>
#include <stdint.h>
#include <stddef.h>

/* Path of |rel| under the source tree (PEERLAB_SOURCE_ROOT, set by meson
 * test; falls back to the current directory).  Newly allocated. */
char *tu_source_path(const char *rel);

/* A fresh temporary directory for this test; removed by tu_rmtree. */
char *tu_tmpdir(void);
void tu_rmtree(const char *path);

/* Decode |hex| (2*n chars) into |out|; asserts on bad input. */
void tu_hex_decode(const char *hex, uint8_t *out, size_t n);

#endif
