/* config: the INI settings file (inih). An unknown section or key, or a bad
 * value, is an error naming the file and line. */
#ifndef CR_CONFIG_H
#define CR_CONFIG_H

#include "status.h"

/* What pre-printed card stock looks like: a prefix, a total length in
 * digits, and whether the last digit is a Luhn check digit. */
struct cardno_stock {
	char prefix[16];
	int  length;
	int  luhn;
};

enum consent_mode {
	CONSENT_OPT_OUT,      /* cards for all but the families who said no (default) */
	CONSENT_OPT_IN,       /* a guardian's yes is recorded before the card */
	CONSENT_SIGNATURE,    /* the card is made, the slip waits for a signature */
};

enum card_scheme {
	CARD_STUDENT_ID,      /* prefix + student ID: the "virtual card" (default) */
	CARD_RANGE,           /* 2 + institution + serial + check digit, blocks per desk */
	CARD_STOCK,           /* pre-printed cards scanned at the desk */
};

#define PROGRAMME_MAX_CATEGORIES 8

/* The programme's rules: who may get a card and what number it has. */
struct programme {
	enum consent_mode  consent;            /* [programme] consent */
	unsigned           grades;             /* [programme] grades: bit per grade_index() */
	int                min_age, max_age;   /* [programme] min_age / max_age, 0 = none */
	enum card_scheme   scheme;             /* [cards] scheme */
	char               prefix[16];         /* [cards] prefix (student-id scheme) */
	int                luhn;               /* [cards] check_digit (student-id scheme) */
	char               institution[5];     /* [cards] institution (range scheme) */
	int                block_size;         /* [cards] block_size (range scheme) */
	struct cardno_stock stock;             /* [cards] stock_prefix, stock_length, stock_check_digit */
	int                expiry_month, expiry_day;  /* [cards] expires: MM-DD at the end of the school year */
	int                expiry_graduation; /* [cards] expiry = graduation: the end of grade 12's year */
	struct {
		char     code[16];                /* the ILS patron category, e.g. JUV */
		unsigned grades;                  /* grade bits, as grades */
	} category[PROGRAMME_MAX_CATEGORIES];     /* [categories] CODE = GRADES */
	int                ncategories;
};

/* The patron category of a grade (a CEDS code), or NULL when no band has it. */
const char *programme_category(const struct programme *pg, const char *grade);

/* CEDS grade codes in order; grade_index() gives a code's bit. */
int grade_index(const char *code);

/* [print]: the desk's printer. Names are checked here; the drivers
 * (printers/) read the strings. */
struct print_settings {
	char driver[16];       /* pdf, escpos, zpl, cups, preview (default) */
	char target[1024];     /* a file, /dev/usb/lp0, tcp://HOST:9100, or a CUPS queue */
	char paper[8];         /* pdf: letter | a4; escpos: 58 | 80 */
	char layout[8];        /* pdf: sheet | cr80; escpos: raster | text */
	char barcode[8];       /* codabar (default) | code39 */
	char codepage[8];      /* escpos text: cp437 | cp858 | cp1252 */
	char inner[8];         /* cups: pdf | escpos */
	int  native_qr;        /* escpos text: the printer draws the QR */
	char languages[32];    /* slip languages in print order, e.g. "en,es" */
	char templates[1024];  /* a folder of LANG.slip files overriding the built-in ones */
};

/* [sync]: the library system the outbox drains to (core/sync.h). Secrets
 * may also come from the environment (CARDROLL_SYNC_PASSWORD,
 * CARDROLL_SYNC_CLIENT_SECRET, CARDROLL_SYNC_SECRET), never from a log. */
struct sync_settings {
	char target[16];          /* koha, webhook, file; "" = not set up */
	char url[1024];           /* koha: the base URL (https://koha.example.org); webhook: the endpoint */
	char auth[16];            /* koha: basic | oauth2 */
	char user[128];           /* basic */
	char password[256];       /* basic */
	char client_id[256];      /* oauth2 */
	char client_secret[256];  /* oauth2 */
	char library_id[32];      /* koha library_id (branch code) */
	char category[32];        /* the patron category when no grade band gives one */
	char attribute[32];       /* the extended attribute type holding the student ID, e.g. STUID */
	char secret[256];         /* webhook: the HMAC-SHA256 shared secret */
	char folder[1024];        /* file: where batch files go */
	char format[16];          /* file: koha-csv | evergreen-csv | folio-json */
	int  evergreen_binary;    /* file, evergreen-csv: the library's patron_loader reads non-ASCII */
	char folio_source_type[64]; /* file, folio-json: sourceType (externalSystemId prefix), "" = none */
	char ca_file[1024];       /* a CA bundle to trust (TLS verification is always on...) */
	int  insecure;            /* ...unless this is set: a warning on every run */
	int  timeout_ms;          /* per request (default 10000) */
	int  probe_timeout_ms;    /* the online check (default 2000) */
	int  batch;               /* events per request or file (default 50) */
	int  backoff_max_s;       /* the cap on retry waits (default 3600) */
	char roster_url[1024];    /* `sync --roster`: a OneRoster zip/CSV URL, or a 1.2 REST base */
	char roster_auth[16];     /* none | basic | oauth2 */
	char roster_client_id[256];
	char roster_client_secret[256];
	char roster_token_url[1024];   /* the OAuth2 token endpoint: required with roster_auth = oauth2 */
	char roster_auth_at[4200];     /* "FILE:LINE" of the roster_auth that is in force, for messages */
	int  koha_confirm_duplicates;  /* koha: the ILS honours x-confirm-not-duplicate on POST /patrons (default no) */
	int  existing_cards;      /* koha: the ILS may hold these card numbers from before the programme:
				   * look each card up before creating a patron (default no: only when
				   * an earlier try of the event may have reached the ILS) */
	char http2[8];            /* koha: auto (HTTP/2 when an https server offers it), no (HTTP/1.1) */
	/* Filled by config_load: the grades the programme serves that no
	 * [categories] band gives a category ("06, 07"; "" when every one has
	 * one), and where the [sync] target line is ("file:line", or the file).
	 * sync_run refuses a koha or file target with gaps and no category. */
	char category_missing[96];
	char category_where[4120];
};

struct cr_config {
	char   db_path[4096];         /* [storage] database */
	int    busy_timeout_ms;       /* [storage] busy_timeout_ms */
	char   desk[128];             /* [desk] name; default host name */
	int    idle_lock_s;           /* [desk] idle_lock_s: the desk locks after this many idle seconds (300) */
	int    roster_max_age_days;   /* [roster] max_age_days */
	int    report_min_cell;       /* [report] min_cell: exported reports hide smaller counts (>= 3, default 5) */
	char   school_year_end[11];   /* [retention] school_year_end: YYYY-MM-DD the year ends; "" not set */
	int    withdrawn_days;        /* [retention] withdrawn_days: days a withdrawn child is kept (default 90) */
	char   report_paper[8];       /* [report] paper: the PDF report's page: auto (the locale) | a4 | letter */
	struct programme programme;
	struct print_settings print;
	struct sync_settings sync;
	char   source_path[4096];     /* where the settings came from, "" for defaults */
};

/* Fills cfg with defaults. */
void config_defaults(struct cr_config *cfg);
/* Reads path over the defaults already in cfg. A missing file is
 * CR_ENOINPUT when required, else ignored. */
enum cr_status config_load(struct cr_config *cfg, const char *path, int required, struct cr_err *err);

#endif
