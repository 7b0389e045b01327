/* Checks that the engine runs everything the configuration asks for (see
 * support.c). Errors and warnings go to d; -1 when it must not start. */
#ifndef SLUICE_ENGINE_SUPPORT_H
#define SLUICE_ENGINE_SUPPORT_H

#include "parser/cfg.h"

int engine_check_support(const struct cfg *cfg, struct diag *d);

#endif
