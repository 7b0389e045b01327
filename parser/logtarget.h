/* "log" lines of global and proxies (reference §4.1). A struct
 * cfg_log_list is owned by global (g->logs) or a proxy (px->logs);
 * logt_list_free() frees it with its targets. */
#ifndef SLUICE_PARSER_LOGTARGET_H
#define SLUICE_PARSER_LOGTARGET_H

#include "addr.h"
#include "cfg.h"
#include "kw.h"

enum log_format {
	LOG_FMT_LOCAL,    /* default */
	LOG_FMT_RFC3164,  /* default with log-send-hostname */
	LOG_FMT_RFC5424,
	LOG_FMT_PRIORITY,
	LOG_FMT_SHORT,
	LOG_FMT_TIMED,
	LOG_FMT_ISO,
	LOG_FMT_RAW,
};

/* "sample <ranges>:<size>": send line i (1-based, modulo size) only
 * when i falls in one of the ranges. */
struct log_range {
	unsigned lo, hi;
};

struct cfg_log {
	struct cfg_loc loc;
	struct cfg_addr addr;   /* kind STDOUT/STDERR/FD/UNIX/INET(dgram or tcp@) */
	int maxlen;             /* "len", 1024 by default */
	enum log_format format;
	bool format_set;        /* explicit "format" (else follows log-send-hostname) */
	struct log_range *ranges; /* sample ranges, NULL when none */
	size_t nranges;
	unsigned sample_size;
	int facility;           /* 0..23 (kern .. local7) */
	int level_max;          /* 0..7: send messages up to this severity (7) */
	int level_min;          /* 0..7: raise lower severities to this (0) */
};

struct cfg_log_list {
	bool global;            /* proxy "log global": also use global's targets */
	VEC(struct cfg_log *) v;
};

struct cfg_log_list *logt_list_new(void);
void logt_list_free(struct cfg_log_list *l);
/* Empties the list ("no log"). */
void logt_list_clear(struct cfg_log_list *l);

/* Facility/level names; index = value, NULL-terminated. */
extern const char *const logt_facilities[];
extern const char *const logt_levels[];
const char *logt_format_name(enum log_format f);

extern const struct cfg_kw log_kws[];

#endif
