/* TUI tests for class by class: from home to a school's classes, to a
 * class's roll; one card with i, then every eligible child with A and y,
 * in a handful of keys, and back home with Esc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"
#include "tutil.h"

#define WAIT_MS 4000

#define SCHOOL   "Marie Curie Elementary"
#define FIRST_CLASS "Grade 1 Homeroom - Schmidt"   /* first by title */
/* The demo's children in that class, as SQL. */
#define CLASS_KIDS  "(SELECT e.student_id FROM enrollment e JOIN class c ON c.id = e.class_id " \
		 "WHERE c.title = '" FIRST_CLASS "')"
#define MAX_KEYS 10   /* a class done from the classes list in at most this many keys */

static const char *const t_maria[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };

struct fixture {
	char           dir[64];
	char           db[128];
	char           front[128];
	struct h_term *h;
	int            keys;        /* keys pressed since the classes list */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "class", T_DEMO) != 0) {
		free(f);
		return -1;
	}
	t_ini(f->front, f->dir, "front.ini", "[desk]\nname = Front\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = t_stop(f->h, "cardroll");
	char path[160];

	t_remove_db(f->db);
	unlink(f->front);
	snprintf(path, sizeof path, "%s/slips-preview.txt", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return status == 0 ? 0 : -1;
}

static long long t_query(const struct fixture *f, const char *sql)
{
	return t_db_int(f->db, sql);
}

static void t_row_has(struct h_term *h, const char *anchor, const char *want)
{
	if (h_wait_row(h, anchor, want, WAIT_MS) != 0)
		fail_msg("no row shows \"%s\" followed by \"%s\"", anchor, want);
}

static void t_key(struct fixture *f, VTermKey key)
{
	h_send_key(f->h, key);
	f->keys++;
}

static void t_text(struct fixture *f, const char *s)
{
	h_send_text(f->h, s);
	f->keys++;
}

/* Signed in at home in a terminal of this kind (0/NULL: 80x24, xterm,
 * UTF-8), then Enter on the first school: its classes. */
static struct h_term *t_classes_in(struct fixture *f, int cols, int rows, const char *term, const char *lang)
{
	const char *argv[] = { "--db", f->db, "--config", f->front, NULL };
	struct h_opts o = { .cols = cols, .rows = rows, .term = term, .lang = lang, .home = f->dir,
			    .argv = argv, .env = t_maria };
	int row_a, row_b;

	f->h = h_start(&o);
	assert_non_null(f->h);
	assert_int_equal(h_wait_text(f->h, "Find a student", WAIT_MS), 0);
	assert_int_equal(h_wait_text(f->h, SCHOOL, WAIT_MS), 0);
	assert_int_equal(h_wait_text(f->h, "Enter Classes", WAIT_MS), 0);
	/* The first school is selected; move down to Marie Curie if it is not first. */
	assert_int_equal(h_screen_find(f->h, SCHOOL, &row_a, NULL), 0);
	assert_int_equal(h_screen_find(f->h, "Hidden Valley Secondary School", &row_b, NULL), 0);
	if (row_b < row_a)
		h_send_key(f->h, VTERM_KEY_DOWN);
	h_send_key(f->h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(f->h, FIRST_CLASS, WAIT_MS), 0);
	assert_int_equal(h_wait_text(f->h, "6 classes", WAIT_MS), 0);
	return f->h;
}

/* The same, then Enter on the first class: its roll. */
static struct h_term *t_open_classes_in(struct fixture *f, int cols, int rows, const char *term, const char *lang)
{
	t_classes_in(f, cols, rows, term, lang);
	h_send_key(f->h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(f->h, "Family name", WAIT_MS), 0);
	return f->h;
}

/* Signed in at home, then Enter on the first school: its classes, none carded. */
static struct h_term *t_open_classes(struct fixture *f)
{
	t_classes_in(f, 0, 0, NULL, NULL);
	assert_int_equal(h_wait_text(f->h, SCHOOL " \u00b7 6 classes", WAIT_MS), 0);
	t_row_has(f->h, FIRST_CLASS, "0/24   0%");
	f->keys = 0;
	return f->h;
}

/* The number before " eligible" on the summary line. */
static int t_eligible(struct h_term *h)
{
	char line[1024], *p;
	int row, n = -1;

	assert_int_equal(h_wait_text(h, " eligible, ", WAIT_MS), 0);
	assert_int_equal(h_screen_find(h, " eligible, ", &row, NULL), 0);
	h_screen_row(h, row, line, sizeof line);
	p = strstr(line, " eligible, ");
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (sscanf(p, "%d", &n) != 1)
		fail_msg("no count on the summary line: %s", line);
	return n;
}

static void a_class_is_carded_in_a_few_keys(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_classes(f);
	long long maria = t_query(f, "SELECT id FROM staff WHERE name = 'Maria Lopez'");
	int eligible;

	/* Enter on the first class (Grade 1, first by title). */
	t_key(f, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "A Issue all", WAIT_MS), 0);
	assert_false(h_screen_has(h, "has a card"));
	/* The roll names the class ID that `cardroll issue --class` takes. */
	{
		char want[64];

		snprintf(want, sizeof want, "class ID cls-%07lld",
			 t_query(f, "SELECT CAST(substr(sourced_id, 5) AS INTEGER) FROM class WHERE title = '" FIRST_CLASS "'"));
		assert_int_equal(h_wait_text(h, want, WAIT_MS), 0);
	}
	/* i: the selected child gets a card, in Maria's name. */
	t_text(f, "i");
	assert_int_equal(h_wait_text(h, "has a card", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "card ", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE student_id IN " CLASS_KIDS), 1);
	assert_int_equal(t_query(f, "SELECT issued_by FROM card WHERE student_id IN " CLASS_KIDS), maria);
	/* A: the summary first, and nothing issued yet. */
	t_text(f, "A");
	eligible = t_eligible(h);
	assert_true(eligible > 0);
	assert_int_equal(h_wait_text(h, "Press y to issue", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	/* y: every eligible child, one by one. */
	t_text(f, "y");
	assert_int_equal(h_wait_text(h, "done: issued", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE student_id IN " CLASS_KIDS), 1 + eligible);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE issued_by IS NOT "
				    "(SELECT id FROM staff WHERE name = 'Maria Lopez')"), 0);
	assert_int_equal(h_wait_gone(h, "needs a card", WAIT_MS), 0);
	/* s: the class's slips, one print job for the teacher. */
	t_text(f, "s");
	assert_int_equal(h_wait_text(h, " printed", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'done'"), 1);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_item WHERE job_id = (SELECT max(id) FROM print_job)"),
			 1 + eligible);
	/* Issue to the whole class and queue its slips within the issue's 10 keys. */
	assert_true(f->keys <= MAX_KEYS);
	/* Back to the classes: the class is covered. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Family name", WAIT_MS), 0);
	t_row_has(h, FIRST_CLASS, "24/24 100%");
	/* And home, whose count followed. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	t_row_has(h, SCHOOL, "24/");
}

static void any_key_but_y_cancels_the_batch(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_classes(f);

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	h_send_text(h, "A");
	assert_true(t_eligible(h) > 0);
	h_send_text(h, "n");
	assert_int_equal(h_wait_text(h, "cancelled: no cards issued", WAIT_MS), 0);
	h_send_text(h, "y");
	h_settle(h, 200, 1000);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 0);
	/* q goes back to the classes, and q again to home. */
	h_send_text(h, "q");
	assert_int_equal(h_wait_gone(h, "Family name", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, FIRST_CLASS, WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
}

static void the_roll_keys_are_in_the_help(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_classes(f);

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "Keys on the Class roll screen", WAIT_MS), 0);
	t_row_has(h, "   i ", "Issue");
	t_row_has(h, "   A ", "Issue all");
	t_row_has(h, "   y ", "Yes, issue");
	h_send_text(h, "x");
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
}

static void another_desk_issuing_updates_the_roll(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_classes(f);
	long long first = t_query(f, "SELECT student_number FROM student WHERE id IN " CLASS_KIDS
				     " ORDER BY family_name, given_name LIMIT 1");

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	assert_false(h_screen_has(h, "has a card"));
	/* Another desk (here, `cardroll issue`) gives the first child a card. */
	assert_true(first > 0);
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 '%s' --db '%s' issue %lld >/dev/null",
	      getenv("CARDROLL_BIN"), f->db, first);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	assert_int_equal(h_wait_text(h, "has a card", 2500), 0);
}

/* The class's first four children by name get names from four scripts,
 * and one carries ESC [2J, straight into the database as an import would
 * leave them. Their student IDs go to ids[]. */
static void t_world_names(struct fixture *f, long long ids[4])
{
	static const char *const names[4][2] = {
		{ "\u0639\u0628\u062f \u0627\u0644\u0644\u0647", "\u0645\u062d\u0645\u062f" },  /* Arabic */
		{ "\u738b", "\u5c0f\u660e" },                                                 /* Chinese */
		{ "Nguy\u1ec5n", "Th\u1ecb Minh Khai" },                                        /* Vietnamese */
		{ "Evil' || char(27) || '[2J", "Eve" },                                    /* an escape */
	};
	char sql[400];

	for (int i = 0; i < 4; i++) {
		snprintf(sql, sizeof sql, "SELECT student_number FROM student WHERE id IN " CLASS_KIDS
			 " ORDER BY id LIMIT 1 OFFSET %d", i);
		ids[i] = t_query(f, sql);
		assert_true(ids[i] > 0);
		t_run("sqlite3 '%s' \"UPDATE student SET family_name = '%s', given_name = '%s', preferred_name = NULL "
		      "WHERE student_number = '%lld'\"", f->db, names[i][0], names[i][1], ids[i]);
	}
}

/* Every one of ids[] starts in the Student ID column. */
static void t_ids_aligned(struct h_term *h, const long long ids[4])
{
	int col, row, c;
	char id[32];

	assert_int_equal(h_screen_find(h, "Student ID", NULL, &col), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof id, "%lld", ids[i]);
		if (h_screen_find(h, id, &row, &c) != 0) {
			h_screen_dump(h, id);
			fail_msg("student %s is not on the roll", id);
		}
		if (c != col) {
			h_screen_dump(h, "misaligned");
			fail_msg("student %s starts in column %d, the Student ID column is %d", id, c, col);
		}
	}
}

static void names_in_four_scripts_stay_aligned_and_inert(void **state)
{
	struct fixture *f = *state;
	long long ids[4];
	struct h_term *h;
	const unsigned char *raw;
	size_t n;

	t_world_names(f, ids);
	h = t_open_classes_in(f, 100, 40, NULL, NULL);
	assert_int_equal(h_wait_text(h, "\u738b", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "\u0645\u062d\u0645\u062f", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Th\u1ecb Minh Khai", WAIT_MS), 0);
	h_settle(h, 150, 1000);
	t_ids_aligned(h, ids);
	/* ESC [2J shown inert: the rest of the screen is still there. */
	assert_true(h_screen_has(h, "Evil\xef\xbf\xbd[2J"));
	assert_true(h_screen_has(h, "Family name"));
	raw = h_raw(h, &n);
	for (size_t i = 0; i + 5 <= n; i++)
		assert_false(memcmp(raw + i, "Evil\x1b", 5) == 0);
}

static void the_roll_on_a_vt100_in_the_c_locale(void **state)
{
	struct fixture *f = *state;
	long long ids[4];
	struct h_term *h;
	const unsigned char *raw;
	size_t n;

	t_world_names(f, ids);
	h = t_open_classes_in(f, 80, 40, "vt100", "C");
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Nguyen", WAIT_MS), 0);   /* ASCII fallback, accents dropped */
	h_settle(h, 150, 1000);
	t_ids_aligned(h, ids);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "has a card", WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_gone(h, "Family name", WAIT_MS), 0);
	/* A vt100 has no F10: q walks back home, and Esc then y leaves. */
	h_send_text(h, "q");
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
	raw = h_raw(h, &n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		if (raw[i] >= 0x80)
			fail_msg("byte 0x%02x at offset %zu of the program's output", raw[i], i);
}

/* A question open (find in class), the terminal resized under it, too
 * small, then big again: what was typed is still there and still works. */
static void a_resize_in_the_middle_of_a_question(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_classes_in(f, 80, 24, NULL, NULL);
	char sql[400], fam[64] = "";
	sqlite3 *s;
	sqlite3_stmt *st;
	int row;

	/* The last child by name: "/" must move the selection there. */
	snprintf(sql, sizeof sql, "SELECT family_name FROM student WHERE id IN " CLASS_KIDS
		 " ORDER BY family_name DESC, given_name DESC LIMIT 1");
	assert_int_equal(sqlite3_open_v2(f->db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(fam, sizeof fam, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);

	h_send_text(h, "/");
	assert_int_equal(h_wait_text(h, "Find a child in this class", WAIT_MS), 0);
	h_send_text(h, fam);
	assert_int_equal(h_wait_row(h, "Name or ID", fam, WAIT_MS), 0);
	h_resize(h, 120, 40);
	assert_int_equal(h_wait_row(h, "Name or ID", fam, WAIT_MS), 0);
	h_resize(h, 60, 15);
	assert_int_equal(h_wait_text(h, "too small", WAIT_MS), 0);
	h_resize(h, 80, 24);
	assert_int_equal(h_wait_row(h, "Name or ID", fam, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_gone(h, "Find a child in this class", WAIT_MS), 0);
	/* The detail line under the table names the selected child. */
	assert_int_equal(h_screen_find(h, "Family name", &row, NULL), 0);
	assert_int_equal(h_wait_row(h, fam, ": needs a card", WAIT_MS), 0);
}

/* o records a family's no; the child is then refused, and Enter shows why. */
static void an_opted_out_child_is_marked_and_refused(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_classes_in(f, 80, 24, NULL, NULL);

	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	h_send_text(h, "o");
	assert_int_equal(h_wait_text(h, "the family said no", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "opted out", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM consent WHERE state = 'opted_out'"), 1);
	h_send_text(h, "i");
	h_settle(h, 200, 1000);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 0);
	/* Enter opens the child: the panel says so in words; Esc comes back. */
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Refused: ", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "the family said no", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
}

/* A free loopback port (nothing listens there once this returns). */
static int t_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* A thermal printer at 127.0.0.1:port that takes nothing for delay
 * seconds, then everything, into path (socat, in the background). */
static void t_printer(int port, int delay, const char *path)
{
	t_run("socat -u TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,rcvbuf=2048 SYSTEM:'sleep %d; cat > %s' "
	      "</dev/null >/dev/null 2>&1 & i=0; while ! ss -ltn | grep -q ':%d '; do "
	      "i=$((i+1)); [ $i -gt 50 ] && exit 1; sleep 0.1; done", port, delay, path, port);
}

static long t_file_size(const char *path)
{
	FILE *fp = fopen(path, "rb");
	long n = -1;

	if (fp && fseek(fp, 0, SEEK_END) == 0)
		n = ftell(fp);
	if (fp)
		fclose(fp);
	return n;
}

/* Issues every eligible child of the first class (A, y). */
static void t_issue_all(struct h_term *h)
{
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	h_send_text(h, "A");
	assert_int_equal(h_wait_text(h, "Press y to issue", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_text(h, "done: issued", WAIT_MS), 0);
}

/* A thermal printer whose network stack takes no new connection: its
 * listen queue is full, so connecting waits (5 s, then the job fails).
 * *fds get the sockets to close afterwards. */
static int t_stuck_printer(int fds[3])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(bind(fds[0], (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fds[0], 0), 0);
	assert_int_equal(getsockname(fds[0], (struct sockaddr *)&a, &len), 0);
	/* Fill the queue: nobody ever accepts. */
	for (int i = 1; i < 3; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(fds[i] >= 0);
		connect(fds[i], (struct sockaddr *)&a, sizeof a);
	}
	usleep(100000);
	return ntohs(a.sin_port);
}

/* A class's 24 slips go to a printer that does not answer: the desk
 * answers every key meanwhile, then says why the job failed. */
static void the_desk_answers_keys_while_a_class_prints(void **state)
{
	struct fixture *f = *state;
	int fds[3], port = t_stuck_printer(fds);
	char cfg[256];
	struct h_term *h;
	FILE *fp;

	snprintf(cfg, sizeof cfg, "[desk]\nname = Front\n[print]\ndriver = escpos\npaper = 80\n"
		 "target = tcp://127.0.0.1:%d\n", port);
	assert_non_null(fp = fopen(f->front, "w"));
	fputs(cfg, fp);
	fclose(fp);
	h = t_open_classes_in(f, 80, 24, NULL, NULL);
	t_issue_all(h);
	h_send_text(h, "s");
	assert_int_equal(h_wait_text(h, "printing 24 slips for this class", WAIT_MS), 0);
	for (int k = 0; k < 40 && t_query(f, "SELECT count(*) FROM print_job WHERE state = 'sending'") != 1; k++)
		usleep(50000);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'sending'"), 1);
	/* Each Down moves the selection (the detail line under the table names
	 * the selected child) within half a second, while the job waits. */
	for (int i = 0; i < 3; i++) {
		char before[512], after[512];
		int moved = 0;

		h_screen_row(h, 20, before, sizeof before);
		h_send_key(h, VTERM_KEY_DOWN);
		for (int k = 0; k < 10 && !moved; k++) {
			h_settle(h, 20, 50);
			moved = strcmp(h_screen_row(h, 20, after, sizeof after), before) != 0;
		}
		if (!moved) {
			h_screen_dump(h, "Down was not answered");
			fail_msg("Down %d was not answered within 500 ms while printing", i + 1);
		}
	}
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'sending'"), 1);
	/* The printer never answered: the job failed, and the desk says so. */
	assert_int_equal(h_wait_text(h, "print job 1 failed", 15000), 0);
	assert_int_equal(h_wait_text(h, "did not answer", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'failed'"), 1);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

/* The printer is off: the job fails with the reason, stays, and prints
 * with s once the printer is back, without a second job. */
static void a_printer_that_is_off_fails_clearly_and_prints_later(void **state)
{
	struct fixture *f = *state;
	int port = t_free_port();
	char cfg[256], out[128], said[64];
	struct h_term *h;
	FILE *fp;

	snprintf(out, sizeof out, "%s/printer.bin", f->dir);
	snprintf(cfg, sizeof cfg, "[desk]\nname = Front\n[print]\ndriver = escpos\ntarget = tcp://127.0.0.1:%d\n", port);
	assert_non_null(fp = fopen(f->front, "w"));
	fputs(cfg, fp);
	fclose(fp);
	h = t_open_classes_in(f, 100, 24, NULL, NULL);
	t_issue_all(h);
	h_send_text(h, "s");
	snprintf(said, sizeof said, "127.0.0.1:%d refused the connection", port);
	assert_int_equal(h_wait_text(h, "print job 1 failed", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, said, WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'failed' AND error LIKE '%refused%'"), 1);
	/* The printer comes back; s prints the same job. */
	t_printer(port, 0, out);
	h_send_text(h, "s");
	assert_int_equal(h_wait_text(h, "print job 1 printed", 15000), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job"), 1);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'done'"), 1);
	for (int k = 0; k < 100 && t_file_size(out) < 24 * 1000; k++)
		usleep(50000);
	assert_true(t_file_size(out) > 24 * 1000);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_class_is_carded_in_a_few_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(any_key_but_y_cancels_the_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(the_roll_keys_are_in_the_help, setup, teardown),
		cmocka_unit_test_setup_teardown(another_desk_issuing_updates_the_roll, setup, teardown),
		cmocka_unit_test_setup_teardown(names_in_four_scripts_stay_aligned_and_inert, setup, teardown),
		cmocka_unit_test_setup_teardown(the_roll_on_a_vt100_in_the_c_locale, setup, teardown),
		cmocka_unit_test_setup_teardown(a_resize_in_the_middle_of_a_question, setup, teardown),
		cmocka_unit_test_setup_teardown(an_opted_out_child_is_marked_and_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(the_desk_answers_keys_while_a_class_prints, setup, teardown),
		cmocka_unit_test_setup_teardown(a_printer_that_is_off_fails_clearly_and_prints_later, setup, teardown),
	};

	return cmocka_run_group_tests_name("tui-class", tests, NULL, NULL);
}
