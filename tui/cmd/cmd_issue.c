/* cardroll issue: the desk's signup without the screen, for scripts and
 * tests. Same rules, same transaction, a line (or JSON object) per child. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk/access.h"
#include "desk/classes.h"
#include "desk/signup.h"
#include "desk/slips.h"
#include "desk/staff.h"
#include "text/i18n.h"
#include "text/text.h"

static void issue_help(FILE *f)
{
	fputs(_("usage: cardroll issue [--json] [--staff NAME] [--confirm-duplicate]\n"
		"                      [--stock CARD] STUDENT_ID...\n"
		"       cardroll issue --class CLASS --all-eligible [--json] [--staff NAME]\n"
		"\n"
		"Issues a library card to each child (by district student ID), or to every\n"
		"child of a class the rules allow: CLASS is its class ID (`cardroll classes`\n"
		"lists them) or its title when one class has it. Prints a\n"
		"line per child: student ID, outcome (issued, already, refused), the card\n"
		"number or the reason.\n"
		"\n"
		"  --staff NAME           who issues (or CARDROLL_STAFF); the PIN comes from\n"
		"                         CARDROLL_PIN\n"
		"  --confirm-duplicate    a person has checked a likely duplicate: issue anyway\n"
		"  --stock CARD           the pre-printed card scanned for this child (stock\n"
		"                         scheme)\n"
		"  --json                 one JSON object per child: student_id, outcome, card,\n"
		"                         reason, issued_by ({staff, desk} of the card's issuer;\n"
		"                         null when refused)\n"
		"\n"
		"exit: 0 every child has a card; 65 some were refused (see the reasons)\n"), f);
}

struct issue_run {
	struct cr_db            *db;
	const struct cr_config  *cfg;
	struct signup_request    rq;
	int                      json;
	int                      refused;
};

static const char *issue_outcome_name(enum signup_outcome o)
{
	return o == SIGNUP_ISSUED ? "issued" : o == SIGNUP_ALREADY ? "already" : "refused";
}

/* Who issued card number: the staff member's name and the desk, as JSON
 * ({"staff": ..., "desk": ...}, a field null when not kept), or null. */
static void issue_json_who(struct issue_run *ir, const char *number)
{
	struct cr_err err = { 0 };
	sqlite3_stmt *q = db_prepare(ir->db,
		"SELECT st.name, k.desk FROM card k LEFT JOIN staff st ON st.id = k.issued_by WHERE k.number = ?1", &err);

	if (!q || !number || !*number) {
		fputs("null", stdout);
		return;
	}
	sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		fputs("null", stdout);
	} else {
		const char *staff = (const char *)sqlite3_column_text(q, 0);
		const char *desk = (const char *)sqlite3_column_text(q, 1);

		fputs("{\"staff\": ", stdout);
		if (staff)
			cli_json_string(stdout, staff);
		else
			fputs("null", stdout);
		fputs(", \"desk\": ", stdout);
		if (desk)
			cli_json_string(stdout, desk);
		else
			fputs("null", stdout);
		fputs("}", stdout);
	}
	sqlite3_reset(q);
}

static void issue_print(struct issue_run *ir, const char *student_id, const struct signup_result *r)
{
	if (ir->json) {
		fputs("{\"student_id\": ", stdout);
		cli_json_string(stdout, student_id);
		fputs(", \"outcome\": ", stdout);
		cli_json_string(stdout, issue_outcome_name(r->outcome));
		fputs(", \"card\": ", stdout);
		if (r->outcome == SIGNUP_REFUSED || !r->card[0])
			fputs("null", stdout);
		else
			cli_json_string(stdout, r->card);
		fputs(", \"reason\": ", stdout);
		cli_json_string(stdout, r->reason);
		fputs(", \"issued_by\": ", stdout);
		if (r->outcome == SIGNUP_REFUSED || !r->card[0])
			fputs("null", stdout);
		else
			issue_json_who(ir, r->card);
		fputs("}\n", stdout);
		return;
	}
	{
		char *safe = text_inert(student_id, 0);

		/* student ID, outcome, card (or reason), then what to know. */
		printf("%s\t%s\t%s%s%s\n", safe ? safe : "?", issue_outcome_name(r->outcome),
		       r->outcome == SIGNUP_REFUSED ? r->reason : r->card,
		       r->outcome != SIGNUP_REFUSED && r->reason[0] ? "\t" : "",
		       r->outcome != SIGNUP_REFUSED ? r->reason : "");
		free(safe);
	}
}

static enum cr_status issue_one(struct issue_run *ir, long long student, const char *student_id, struct cr_err *err)
{
	struct signup_result r;
	enum cr_status st;

	ir->rq.student = student;
	st = signup_issue(ir->db, &ir->cfg->programme, &ir->rq, &r, err);
	if (st != CR_OK)
		return st;
	if (r.outcome == SIGNUP_REFUSED)
		ir->refused++;
	issue_print(ir, student_id, &r);
	return CR_OK;
}

static enum cr_status issue_by_number(struct issue_run *ir, const char *number, struct cr_err *err)
{
	struct signup_result r = { .outcome = SIGNUP_REFUSED };
	long long student;
	enum cr_status st;
	int n;

	if ((st = signup_find_student(ir->db, number, &student, &n, err)) != CR_OK)
		return st;
	if (n == 1)
		return issue_one(ir, student, number, err);
	snprintf(r.reason, sizeof r.reason, "%s", n == 0 ? _("no student has this student ID in the roster")
		 : _("this student ID is in more than one district's roster: use the desk to choose"));
	ir->refused++;
	issue_print(ir, number, &r);
	return CR_OK;
}

/* Every child on the class roll: the school's active children in the
 * class, and those from other schools. */
static enum cr_status issue_class(struct issue_run *ir, const char *class_sid, struct cr_err *err)
{
	static const char roll_sql[] =
		"SELECT s.id, coalesce(s.student_number, s.sourced_id) FROM class c "
		" JOIN student s ON s.school_id = c.school_id AND s.status_code = 'a' "
		" JOIN enrollment e ON e.student_id = s.id AND e.class_id = c.id WHERE c.id = ?1 "
		"UNION SELECT s.id, coalesce(s.student_number, s.sourced_id) FROM enrollment_away a "
		" JOIN student s ON s.id = a.student_id WHERE a.class_id = ?1 ORDER BY 2";
	sqlite3_stmt *st;
	long long class_id = 0, *ids = NULL;
	char **numbers = NULL;
	size_t n = 0, cap = 0;
	enum cr_status s;

	/* The class ID, or a title one class has. */
	if ((s = classes_resolve(ir->db, class_sid, &class_id, NULL, 0, err)) != CR_OK)
		return s;

	/* Read the roll first: each signup is a transaction of its own. */
	if (!(st = db_prepare(ir->db, roll_sql, err)))
		return err->status;
	sqlite3_bind_int64(st, 1, class_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			size_t c2 = cap ? cap * 2 : 64;
			long long *i2 = realloc(ids, c2 * sizeof *i2);
			char **n2 = i2 ? realloc(numbers, c2 * sizeof *n2) : NULL;

			if (i2)
				ids = i2;
			if (!n2) {
				s = cr_fail(err, CR_ENOMEM, "out of memory");
				break;
			}
			numbers = n2;
			cap = c2;
		}
		ids[n] = sqlite3_column_int64(st, 0);
		numbers[n] = strdup((const char *)sqlite3_column_text(st, 1));
		if (!numbers[n]) {
			s = cr_fail(err, CR_ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n && s == CR_OK; i++)
		s = issue_one(ir, ids[i], numbers[i], err);
	for (size_t i = 0; i < n; i++)
		free(numbers[i]);
	free(numbers);
	free(ids);
	return s;
}

/* cardroll slips: queue a class's (or a card's) slips, or preview one. */
enum cr_status cmd_slips(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "class",   required_argument, NULL, 'c' },
		{ "card",    required_argument, NULL, 'k' },
		{ "preview", required_argument, NULL, 'p' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *class_sid = NULL, *card = NULL, *preview = NULL;
	char sid[256] = "";
	struct cr_db *db;
	long long staff = 0, job = 0, class_id = 0;
	enum cr_status st;
	int c, n = 0;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "c:k:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': class_sid = optarg; break;
		case 'k': card = optarg; break;
		case 'p': preview = optarg; break;
		case 'h':
			fputs(_("usage: cardroll slips --class CLASS | --card CARD | --preview CARD\n"
				"CLASS is a class ID (`cardroll classes` lists them) or a title one class has.\n"
				"Queues a class's slips (one print job, by family name) or one card's slip,\n"
				"or prints a card's slip as text. Printing itself comes with the printers.\n"),
			      stdout);
			return CR_OK;
		default:
			return CR_EUSAGE;
		}
	}
	if (!!class_sid + !!card + !!preview != 1 || optind != argc)
		return cr_fail(err, CR_EUSAGE, "usage: cardroll slips --class CLASS_ID | --card CARD | --preview CARD");
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if (preview) {
		char text[2048];

		if ((st = slips_text(db, preview, text, sizeof text, err)) == CR_OK)
			fputs(text, stdout);
		db_close(db);
		return st;
	}
	if ((st = cli_staff(cli, db, NULL, C_("who is ...?", "queueing the slips"), &staff, err)) != CR_OK)
		goto out;
	if (card) {
		if ((st = slips_queue_card(db, card, staff, "preview", &job, err)) == CR_OK)
			printf(_("queued the slip of card %s (job %lld)\n"), card, job);
		goto out;
	}
	/* The class ID, or a title one class has. */
	if ((st = classes_resolve(db, class_sid, &class_id, sid, sizeof sid, err)) != CR_OK)
		goto out;
	if ((st = slips_queue_class(db, class_id, staff, "preview", &job, &n, err)) == CR_OK) {
		if (n)
			printf(P_("queued %d slip of class %s (job %lld)\n", "queued %d slips of class %s (job %lld)\n", n),
			       n, sid, job);
		else
			printf(_("class %s has no cards yet: nothing to queue\n"), sid);
	}
out:
	db_close(db);
	return st;
}

/* cardroll void CARD --reason TEXT: a card issued by mistake. */
enum cr_status cmd_void(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	struct cr_db *db;
	long long staff;
	enum cr_status st;
	int c;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reason = optarg; break;
		case 'h':
			fputs(_("usage: cardroll void CARD --reason TEXT\n"
				"Voids a card issued by mistake (as CARDROLL_STAFF, PIN in CARDROLL_PIN).\n"
				"Nothing is deleted: the card is marked void and the library system is told.\n"),
			      stdout);
			return CR_OK;
		default:
			return CR_EUSAGE;
		}
	}
	if (argc - optind != 1)
		return cr_fail(err, CR_EUSAGE, "usage: cardroll void CARD --reason TEXT");
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_staff(cli, db, NULL, C_("who is ...?", "voiding the card"), &staff, err)) == CR_OK &&
	    (st = signup_void(db, argv[optind], reason, staff, cli->cfg.desk, err)) == CR_OK)
		printf("%s\tvoid\n", argv[optind]);
	db_close(db);
	return st;
}

/* cardroll consent STUDENT_ID STATE: the family's answer, recorded. */
enum cr_status cmd_consent(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const char *const words[][2] = {
		{ "given", "given" }, { "signed", "signed" }, { "opted-out", "opted_out" },
		{ "opted_out", "opted_out" }, { "pending", "pending" },
	};
	const char *state = NULL;
	struct cr_db *db;
	long long student, staff;
	enum cr_status st;
	int n;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(_("usage: cardroll consent STUDENT_ID given|signed|opted-out|pending\n"
			"Records a family's answer (as CARDROLL_STAFF, PIN in CARDROLL_PIN).\n"), stdout);
		return CR_OK;
	}
	if (argc != 3)
		return cr_fail(err, CR_EUSAGE, "usage: cardroll consent STUDENT_ID given|signed|opted-out|pending");
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(argv[2], words[i][0]))
			state = words[i][1];
	if (!state)
		return cr_fail(err, CR_EUSAGE, "'%s' is not given, signed, opted-out or pending", argv[2]);
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_staff(cli, db, NULL, C_("who is ...?", "recording the answer"), &staff, err)) == CR_OK &&
	    (st = signup_find_student(db, argv[1], &student, &n, err)) == CR_OK) {
		if (n != 1)
			st = n ? cr_fail(err, CR_EDATA, "the student ID given is in more than one district's roster")
			       : cr_fail(err, CR_EDATA, "no student has the student ID given");
		else if ((st = signup_consent(db, student, state, staff, cli->cfg.desk, err)) == CR_OK)
			printf("%s\t%s\n", argv[1], argv[2]);
	}
	db_close(db);
	return st;
}

static const char *issue_refused_msg(int n)
{
	static char msg[200];

	snprintf(msg, sizeof msg, P_("%d child could not be given a card (see the reasons above)",
				     "%d children could not be given a card (see the reasons above)", n), n);
	return msg;
}

enum cr_status cmd_issue(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "json",              no_argument,       NULL, 'j' },
		{ "staff",             required_argument, NULL, 's' },
		{ "confirm-duplicate", no_argument,       NULL, 'd' },
		{ "stock",             required_argument, NULL, 'k' },
		{ "class",             required_argument, NULL, 'c' },
		{ "all-eligible",      no_argument,       NULL, 'a' },
		{ "help",              no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct issue_run ir = { .cfg = &cli->cfg };
	const char *staff = NULL, *class_sid = NULL;
	enum cr_status st;
	int all = 0, c;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "js:dk:c:ah", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ir.json = 1; break;
		case 's': staff = optarg; break;
		case 'd': ir.rq.confirm_not_duplicate = 1; break;
		case 'k': ir.rq.stock_number = optarg; break;
		case 'c': class_sid = optarg; break;
		case 'a': all = 1; break;
		case 'h': issue_help(stdout); return CR_OK;
		default:  issue_help(stderr); return CR_EUSAGE;
		}
	}
	if (class_sid && (!all || optind != argc))
		return cr_fail(err, CR_EUSAGE, "--class issues to the whole class: add --all-eligible, and no student IDs");
	if (!class_sid && optind == argc) {
		issue_help(stderr);
		return cr_fail(err, CR_EUSAGE, "issue needs student IDs, or --class CLASS_ID --all-eligible");
	}
	if (ir.rq.stock_number && (class_sid || argc - optind != 1))
		return cr_fail(err, CR_EUSAGE, "--stock is one scanned card for one child");
	if ((st = cli_open_db(cli, DB_NOCREATE, &ir.db, err)) != CR_OK)
		return st;
	ir.rq.desk = cli->cfg.desk;
	st = cli_staff(cli, ir.db, staff, C_("who is ...?", "issuing"), &ir.rq.staff, err);
	if (st == CR_OK && class_sid)
		st = issue_class(&ir, class_sid, err);
	for (int i = optind; st == CR_OK && !class_sid && i < argc; i++)
		st = issue_by_number(&ir, argv[i], err);
	db_close(ir.db);
	if (st == CR_OK && ir.refused)
		st = cr_fail(err, CR_EDATA, "%s", issue_refused_msg(ir.refused));
	return st;
}
