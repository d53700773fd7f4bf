/* testutil.c — see testutil.h. */
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>

char *
tu_source_path(const char *rel)
{
  const char *root = g_getenv("PEERLAB_SOURCE_ROOT");
  return g_build_filename(root ? root : ".", rel, NULL);
}

char *
tu_tmpdir(void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp("peerlab-test-XXXXXX", &error);
  g_assert_no_error(error);
  return dir;
}

void
tu_rmtree(const char *path)
{
  GDir *dir = g_dir_open(path, 0, NULL);
  if (dir) {
    const char *name;
    while ((name = g_dir_read_name(dir))) {
      char *child = g_build_filename(path, name, NULL);
      if (g_file_test(child, G_FILE_TEST_IS_DIR))
        tu_rmtree(child);
      else
        g_unlink(child);
      g_free(child);
    }
    g_dir_close(dir);
  }
  g_rmdir(path);
}

void
tu_hex_decode(const char *hex, uint8_t *out, size_t n)
{
  g_assert_cmpuint(strlen(hex), ==, 2 * n);
  for (size_t i = 0; i < n; i++) {
    int hi = g_ascii_xdigit_value(hex[2 * i]);
    int lo = g_ascii_xdigit_value(hex[2 * i + 1]);
    g_assert_true(hi >= 0 && lo >= 0);
    out[i] = (uint8_t)(hi << 4 | lo);
  }
}
