/* Private to the sample/ACL modules: converter argument checks named by
 * the generated tables (smp_kw.c) and pattern parsing shared by ACLs and
 * map files. */
#ifndef SLUICE_PARSER_SMP_INT_H
#define SLUICE_PARSER_SMP_INT_H

#include "sample.h"

int smp_conv_check_map(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                       struct smp_arg *args, int nargs, char **err);
int smp_conv_check_regsub(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                          struct smp_arg *args, int nargs, char **err);
int smp_conv_check_digest(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                          struct smp_arg *args, int nargs, char **err);
int smp_conv_check_arith(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                         struct smp_arg *args, int nargs, char **err);
int smp_conv_check_var(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                       struct smp_arg *args, int nargs, char **err);
int smp_conv_check_concat(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                          struct smp_arg *args, int nargs, char **err);
int smp_conv_check_json(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                        struct smp_arg *args, int nargs, char **err);

#endif
