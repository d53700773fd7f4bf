/* main.c — entry point of the peerlab command line. */
#include "cli.h"

int
main(int argc, char **argv)
{
  return cli_main(argc, argv);
}
