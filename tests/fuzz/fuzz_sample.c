/* libFuzzer target: the input is one config word handed to the sample
 * expression parser (and, for extra coverage, to the log-format parser),
 * with a throwaway context and no config (so no file is opened). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "parser/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = { 0 };
	struct cfg_ctx cx = { 0 };
	struct cfg_word w = { 0 };

	cx.diag = &d;
	/* a word ends at its first NUL, like the tokenizer's */
	w.s = xstrndup((const char *)data, size);
	w.len = strlen(w.s);
	w.loc = (struct cfg_loc){ "fuzz", 1, 1 };

	smp_expr_free(smp_expr_parse(&cx, &w, 0, NULL, SMP_STG_ALL));
	const char *end = NULL;
	smp_expr_free(smp_expr_parse(&cx, &w, 0, &end, SMP_STG_FE_HTTP_REQ));
	lf_free(lf_parse(&cx, &w, SMP_STG_LOG));

	free(w.s);
	diag_free(&d);
	return 0;
}
