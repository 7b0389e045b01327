/* libFuzzer target: the whole config language (tokenizer, grammar,
 * keyword tables, sample expressions, ACLs, resolve pass) from bytes.
 * Files named in the config are not opened (check_files off). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "parser/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_opts o = { .check_files = false, .no_resolve_fail = true, .no_dns = true };
	struct diag d = { 0 };
	struct cfg *c = cfg_load_string("fuzz.cfg", (const char *)data, size,
	                                &o, true, &d);
	cfg_free(c);
	diag_free(&d);
	return 0;
}
