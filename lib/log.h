/* Process logging to stderr (the engine adds syslog targets later). */
#ifndef SLUICE_LIB_LOG_H
#define SLUICE_LIB_LOG_H

void log_init(const char *progname, int verbosity);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Broken invariant: report and abort. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
