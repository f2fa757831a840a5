/* main.c - placeholder entry point until the daemon lands (next commit). */
#include <stdio.h>

int
main(void)
{
	fputs("kyso-milter: daemon not built yet\n", stderr);
	return 1;
}
