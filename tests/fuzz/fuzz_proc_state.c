/* libFuzzer target: a server state file ("show servers state" dump read
 * back at start-up, engine/proc_state.c) from bytes. */
#include <stddef.h>
#include <stdint.h>

#include "engine/proc_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_state_file f;
	int bad;
	proc_state_parse((const char *)data, size, &f, &bad);
	proc_state_free(&f);
	return 0;
}
