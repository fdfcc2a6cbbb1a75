/* TUI test for the desk in Spanish (issue 13): the real binary under
 * LANG=es_US.UTF-8 at 80x24 on the demo district, through every screen and
 * dialog a librarian reaches (sign-in, home, search results, a student, the
 * slip preview, a question, classes, a class roll, the progress table, the
 * library system, help, the idle lock, printing and syncing on the status
 * line). On each screen: no English message of the catalog is shown (every
 * msgid of build/cardroll.pot whose Spanish in the compiled catalog's
 * source differs or is missing), chosen Spanish labels are there whole, and
 * every footer holds all its keys. Then the same desk in the C locale still
 * reads in English. The test makes its own es_US.UTF-8 locale with
 * localedef in its temp folder (LOCPATH), and skips only without localedef. */
#define _GNU_SOURCE
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

#define WAIT_MS  4000
#define PIECE_MIN 6      /* English pieces shorter than this are words Spanish shares */
#define ROW_MAX  4096

struct fixture {
	char           dir[64];
	char           db[128];
	char           conf[128];
	char           idle[128];
	char           locpath[128];
	char           env_loc[160];
	char           env_langs[64];
	struct h_term *h;
};

/* ---- the catalog: English pieces that must not show in Spanish ---- */

struct po_entry {
	char *id, *plural, *str[2];
	int   desk;   /* a "#:" reference to the desk's own files (tui/NAME.c) */
};

static struct po_entry *pot, *cat;
static size_t npot, ncat;
static char **pieces;       /* English text to look for, PIECE_MIN bytes or more */
static size_t npieces;
static char **data;         /* roster text on screen (school names ...), not messages */
static size_t ndata;

static char *t_dup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* Appends the C string in line (after its opening quote) to *acc, unescaped. */
static void po_append(char **acc, const char *line)
{
	const char *q = strchr(line, '"');
	size_t have = *acc ? strlen(*acc) : 0, n = 0;
	char *out;

	if (!q)
		return;
	out = realloc(*acc, have + strlen(q) + 1);
	assert_non_null(out);
	for (q++; *q && *q != '"'; q++) {
		char c = *q;

		if (c == '\\' && q[1]) {
			q++;
			c = *q == 'n' ? '\n' : *q == 't' ? '\t' : *q;
		}
		out[have + n++] = c;
	}
	out[have + n] = '\0';
	*acc = out;
}

/* Reads the entries of a .po or .pot file (msgid, msgid_plural, the first
 * two msgstr) into *out. */
static size_t po_read(const char *path, struct po_entry **out)
{
	FILE *f = fopen(path, "r");
	char line[ROW_MAX];
	char **cur = NULL;
	size_t n = 0, cap = 0;
	struct po_entry *e = NULL;

	if (!f)
		fail_msg("%s: cannot read it (make all and make pot build it)", path);
	int desk = 0;

	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "#: ", 3)) {
			/* tui/x.c, but not the commands' tui/cmd/, tui/mod/, tui/main.c */
			for (char *p = strstr(line, "tui/"); p; p = strstr(p + 4, "tui/"))
				if (strncmp(p, "tui/cmd/", 8) && strncmp(p, "tui/mod/", 8) && strncmp(p, "tui/main.c", 10) &&
				    (p == line || p[-1] == ' '))
					desk = 1;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "msgid ", 6)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				e = realloc(e, cap * sizeof *e);
				assert_non_null(e);
			}
			memset(&e[n], 0, sizeof e[n]);
			e[n].desk = desk;
			desk = 0;
			cur = &e[n++].id;
			*cur = t_dup("");
		} else if (!e) {
			continue;
		} else if (!strncmp(line, "msgid_plural ", 13)) {
			cur = &e[n - 1].plural;
			*cur = t_dup("");
		} else if (!strncmp(line, "msgstr[0] ", 10) || !strncmp(line, "msgstr ", 7)) {
			cur = &e[n - 1].str[0];
			*cur = t_dup("");
		} else if (!strncmp(line, "msgstr[1] ", 10)) {
			cur = &e[n - 1].str[1];
			*cur = t_dup("");
		} else if (!strncmp(line, "msgstr[", 7)) {
			cur = NULL;
			continue;
		} else if (line[0] != '"') {
			continue;
		}
		if (cur)
			po_append(cur, line);
	}
	fclose(f);
	*out = e;
	return n;
}

static const struct po_entry *cat_find(const char *id)
{
	for (size_t i = 0; i < ncat; i++)
		if (!strcmp(cat[i].id, id))
			return &cat[i];
	return NULL;
}

/* Is s inside any Spanish text of the catalog (then it proves nothing)? */
static int in_spanish(const char *s)
{
	for (size_t i = 0; i < ncat; i++)
		for (int k = 0; k < 2; k++)
			if (cat[i].str[k] && strstr(cat[i].str[k], s))
				return 1;
	return 0;
}

/* whole: the piece is the whole message ("Carded"); a fragment between
 * conversions must be two words or more ("issued" alone is too likely in
 * text that is not ours, a roster name or another part's reason). */
static void piece_add(const char *start, size_t len, int whole)
{
	char *p;

	while (len > 0 && (*start == ' ' || *start == '\n'))
		start++, len--;
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\n'))
		len--;
	if (len < PIECE_MIN || (!whole && !memchr(start, ' ', len)))
		return;
	p = strndup(start, len);
	assert_non_null(p);
	if (in_spanish(p)) {
		free(p);
		return;
	}
	pieces = realloc(pieces, (npieces + 1) * sizeof *pieces);
	assert_non_null(pieces);
	pieces[npieces++] = p;
}

/* The parts of an English message between its printf conversions and
 * line breaks: what would be on the screen if it were not translated. */
static void pieces_of(const char *msg)
{
	const char *start = msg, *s = msg;

	if (!strpbrk(msg, "%\n")) {
		piece_add(msg, strlen(msg), 1);
		return;
	}
	while (*s) {
		if (*s == '%') {
			const char *c = s + 1;

			piece_add(start, (size_t)(s - start), 0);
			c += strspn(c, "0123456789$#-+ .'*lhzjt");
			s = *c ? c + 1 : c;
			start = s;
		} else if (*s == '\n') {
			piece_add(start, (size_t)(s - start), 0);
			start = ++s;
		} else {
			s++;
		}
	}
	piece_add(start, (size_t)(s - start), 0);
}

/* Every message whose Spanish differs, and every message of the desk's
 * own files whose Spanish is missing: their English pieces. A message only
 * core/ or the commands use with no Spanish yet is another part's work
 * (core's signup reasons); it is counted, and reported, not failed here. */
static void t_load_catalog(void)
{
	const char *bin = getenv("CARDROLL_BIN");
	char dir[4096], path[4200];
	char *slash;

	if (npieces)
		return;   /* read once for every test */
	snprintf(dir, sizeof dir, "%s", bin);
	slash = strrchr(dir, '/');
	assert_non_null(slash);
	*slash = '\0';
	snprintf(path, sizeof path, "%s/cardroll.pot", dir);
	npot = po_read(path, &pot);
	snprintf(path, sizeof path, "%s/share/locale/es/cardroll.po", dir);
	ncat = po_read(path, &cat);
	assert_true(npot > 100);
	size_t elsewhere = 0;

	for (size_t i = 0; i < npot; i++) {
		const struct po_entry *t = cat_find(pot[i].id);

		if (!pot[i].id[0])
			continue;
		if ((!t || !t->str[0] || !t->str[0][0]) && !pot[i].desk) {
			elsewhere++;
			continue;
		}
		if (!t || !t->str[0] || !t->str[0][0] || strcmp(t->str[0], pot[i].id))
			pieces_of(pot[i].id);
		if (pot[i].plural && (!t || !t->str[1] || !t->str[1][0] || strcmp(t->str[1], pot[i].plural)))
			pieces_of(pot[i].plural);
	}
	assert_true(npieces > 100);
	if (elsewhere)
		fprintf(stderr, "note: %zu messages outside the desk's files have no Spanish yet (not checked)\n",
			elsewhere);
}

/* The roster's own words that are shown (a school called "... School"):
 * they are data, not messages, and are blanked before looking. */
static void t_load_data(const char *db)
{
	static const char *const sql[] = {
		"SELECT name FROM district", "SELECT name FROM school", "SELECT title FROM class",
	};
	sqlite3 *s;

	while (ndata > 0)
		free(data[--ndata]);
	assert_int_equal(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t q = 0; q < sizeof sql / sizeof sql[0]; q++) {
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(s, sql[q], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			data = realloc(data, (ndata + 1) * sizeof *data);
			assert_non_null(data);
			data[ndata++] = t_dup((const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(s);
}

/* Blanks in row every roster text, whole or cut with an ellipsis. */
static void blank_data(char *row)
{
	for (size_t i = 0; i < ndata; i++) {
		size_t len = strlen(data[i]);
		char *p, cut[512];

		while ((p = strstr(row, data[i])) != NULL)
			memset(p, ' ', len);
		for (size_t k = len > sizeof cut - 4 ? sizeof cut - 4 : len; k >= 4; k--) {
			memcpy(cut, data[i], k);
			memcpy(cut + k, "\xe2\x80\xa6", 4);
			while ((p = strstr(row, cut)) != NULL)
				memset(p, ' ', k + 3);
		}
	}
}

/* ---- checks on one screen ---- */

/* Set by a test: on a row holding this, what follows it is not ours to
 * check (the sync worker's reason from core, with curl's own words). */
static const char *t_theirs_after;

/* No English message on the screen: 0, or the number found (printed). */
static int t_no_english(struct h_term *h, const char *where)
{
	char row[ROW_MAX];
	int found = 0;

	for (int r = 0; r < h_rows(h); r++) {
		char *theirs;

		h_screen_row(h, r, row, sizeof row);
		blank_data(row);
		if (t_theirs_after && (theirs = strstr(row, t_theirs_after)) != NULL)
			theirs[strlen(t_theirs_after)] = '\0';
		for (size_t i = 0; i < npieces; i++)
			if (strstr(row, pieces[i])) {
				fprintf(stderr, "%s: row %d shows English \"%s\"\n", where, r, pieces[i]);
				found++;
			}
	}
	if (found)
		h_screen_dump(h, where);
	return found;
}

/* Each label is on the screen whole, on one row. */
static void t_labels(struct h_term *h, const char *where, const char *const *labels)
{
	for (size_t i = 0; labels[i]; i++)
		if (!h_screen_has(h, labels[i])) {
			h_screen_dump(h, where);
			fail_msg("%s: \"%s\" is not on the screen whole", where, labels[i]);
		}
}

/* The footer (the last row) holds every key label given and, when all is
 * set, no "? Más" (keys dropped for want of room; home drops some in
 * English too, for the help to list). */
static void t_footer_of(struct h_term *h, const char *where, const char *const *labels, int all)
{
	char row[ROW_MAX];

	h_screen_row(h, h_rows(h) - 1, row, sizeof row);
	for (size_t i = 0; labels[i]; i++)
		if (!strstr(row, labels[i])) {
			h_screen_dump(h, where);
			fail_msg("%s: the footer lacks \"%s\"", where, labels[i]);
		}
	if (all && (strstr(row, "? M\xc3\xa1s") || strstr(row, "? More"))) {
		h_screen_dump(h, where);
		fail_msg("%s: the footer dropped keys", where);
	}
}

static void t_footer(struct h_term *h, const char *where, const char *const *labels)
{
	t_footer_of(h, where, labels, 1);
}

/* A screen in Spanish: settled, no English, its labels and footer whole. */
static void t_screen(struct h_term *h, const char *where, const char *const *labels, const char *const *footer)
{
	h_settle(h, 150, 1500);
	if (getenv("SPANISH_DUMP"))
		h_screen_dump(h, where);
	assert_int_equal(t_no_english(h, where), 0);
	if (labels)
		t_labels(h, where, labels);
	if (footer)
		t_footer(h, where, footer);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void t_wait(struct h_term *h, const char *text)
{
	assert_int_equal(h_wait_text(h, text, WAIT_MS), 0);
}

/* ---- the desk ---- */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "es", T_DEMO) != 0) {
		free(f);
		return -1;
	}
	snprintf(f->locpath, sizeof f->locpath, "%s/locale", f->dir);
	snprintf(f->env_loc, sizeof f->env_loc, "LOCPATH=%s", f->locpath);
	t_ini(f->conf, f->dir, "front.ini", "[desk]\nname = Front\n");
	t_ini(f->idle, f->dir, "idle.ini", "[desk]\nname = Front\nidle_lock_s = 5\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = t_stop(f->h, "cardroll");

	t_run("rm -rf '%s'", f->dir);
	free(f);
	return status == 0 ? 0 : -1;
}

/* Makes es_US.UTF-8 in the temp folder; 0, or -1 without localedef. */
static int t_make_locale(struct fixture *f)
{
	if (system("command -v localedef >/dev/null 2>&1") != 0)
		return -1;
	t_run("mkdir -p '%s' && localedef -i es_US -f UTF-8 '%s/es_US.UTF-8' 2>/dev/null || "
	      "test -d '%s/es_US.UTF-8'", f->locpath, f->locpath, f->locpath);
	return 0;
}

static struct h_term *t_open(struct fixture *f, const char *conf, const char *lang, int signed_in)
{
	const char *argv[] = { "--db", f->db, "--config", conf, NULL };
	const char *env[] = { f->env_loc, "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };
	struct h_opts o = { .cols = 80, .rows = 24, .lang = lang, .home = f->dir, .argv = argv, .env = env };

	if (!signed_in)
		env[1] = NULL;
	f->h = h_start(&o);
	assert_non_null(f->h);
	return f->h;
}

static void t_end(struct fixture *f)
{
	assert_int_equal(t_stop(f->h, "cardroll"), 0);
	f->h = NULL;
}

/* A student with no card, by family name, for the search. */
static void t_a_student(const struct fixture *f, char *family, size_t n, char *number, size_t nn)
{
	sqlite3 *s;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(f->db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT family_name, student_number FROM student WHERE "
					    "status_code = 'a' AND id NOT IN (SELECT student_id FROM card) "
					    "ORDER BY id LIMIT 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(family, n, "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(number, nn, "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	sqlite3_close(s);
}

static void the_whole_desk_reads_in_spanish_at_80x24(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;
	char family[128], number[64];

	if (t_make_locale(f) != 0)
		skip();
	t_load_catalog();
	t_load_data(f->db);
	t_a_student(f, family, sizeof family, number, sizeof number);
	h = t_open(f, f->conf, "es_US.UTF-8", 0);

	/* Sign-in, and its help. */
	t_wait(h, "Iniciar sesi\xc3\xb3n en Front");
	t_screen(h, "sign-in", L("Nombre", "PIN", "Cada tarjeta que emita queda registrada a su nombre."),
		 L("Entrar", "Siguiente", "Salir", "Ayuda"));
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	t_wait(h, "Teclas de la pantalla Entrar");
	t_screen(h, "sign-in help", L("borrar el \xc3\xbaltimo car\xc3\xa1" "cter"), NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Iniciar sesi\xc3\xb3n en Front");
	h_send_key(h, VTERM_KEY_ENTER);
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "escriba primero su nombre");
	t_screen(h, "sign-in error", NULL, NULL);
	h_send_text(h, "Maria Lopez");
	h_send_key(h, VTERM_KEY_TAB);
	h_send_text(h, "2468");
	h_send_key(h, VTERM_KEY_ENTER);

	/* Home. */
	t_wait(h, "Buscar estudiante: ");
	t_screen(h, "home", L("Escuela", "Clases", "Estudiantes", "Con tarjeta", "2 escuelas",
			      "sin conexi\xc3\xb3n", "Inicio"),
		 NULL);
	/* As many keys as in English, which also leaves some to the help. */
	t_footer_of(h, "home", L("Buscar", "Elegir", "Clases", "Biblioteca", "Salir", "Ayuda", "? M\xc3\xa1s"), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	t_wait(h, "Teclas de la pantalla Inicio");
	t_screen(h, "home help", L("Teclas de la pantalla Inicio", "B\xc3\xbasqueda", "l\xc3\xadneas m\xc3\xa1s abajo"), NULL);
	for (int i = 0; i < 30; i++)
		h_send_key(h, VTERM_KEY_DOWN);
	t_screen(h, "home help, scrolled", L("En todas partes", "redibujar la pantalla"), NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Buscar estudiante: ");

	/* F5 with no sync set up says so. */
	h_send_key(h, VTERM_KEY_FUNCTION(5));
	t_wait(h, "la sincronizaci\xc3\xb3n no est\xc3\xa1 configurada");
	t_screen(h, "F5 without sync", NULL, NULL);

	/* A search that finds nobody, then results and a student. */
	h_send_text(h, "zzqx");
	t_wait(h, "Ning\xc3\xban estudiante coincide con \"zzqx\".");
	t_screen(h, "no match", NULL, NULL);
	for (int i = 0; i < 4; i++)
		h_send_key(h, VTERM_KEY_BACKSPACE);
	h_send_text(h, family);
	t_wait(h, number);
	t_screen(h, "search results", L("Nombre", "ID estud.", "Escuela", "Grado", "Situaci\xc3\xb3n", "activo"),
		 L("Mover", "Abrir", "Volver"));
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Puede tener tarjeta");
	t_screen(h, "student", L("ID estud.", "Escuela", "Grado", "Situaci\xc3\xb3n", "Clase", "Tarjeta",
				 "Emitida por", "Permiso", "ninguna a\xc3\xba" "n", "a\xc3\xban sin tarjeta"),
		 L("Emitir tarjeta", "Volver", "No acepta", "Permiso", "Ayuda"));
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	t_wait(h, "Teclas de la pantalla Estudiante");
	t_screen(h, "student help", L("Cuando el estudiante tiene tarjeta"), NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Puede tener tarjeta");
	h_send_text(h, "i");
	t_wait(h, "emitida; v la anula si fue un error");
	t_screen(h, "student, card issued", L("Tarjeta emitida: ", "Maria Lopez en Front"),
		 L("Imprimir hoja", "Hoja", "Anular", "Volver"));
	h_send_text(h, "s");
	t_wait(h, "Hoja de la tarjeta");
	t_screen(h, "slip preview", L("Tarjeta  ", "Escuela  ", "Vence    "), L("Volver"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Tarjeta emitida: ");
	h_send_text(h, "p");
	t_wait(h, "impreso");
	t_screen(h, "printed", L("trabajo de impresi\xc3\xb3n"), NULL);
	h_send_text(h, "v");
	t_wait(h, "Anular la tarjeta de este estudiante");
	t_screen(h, "void question", L("Motivo", "Diga por qu\xc3\xa9"), L("Aceptar", "Cancelar"));
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Escriba primero una respuesta");
	t_screen(h, "void question, empty", NULL, NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "cancelado");
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Buscar estudiante: ");
	assert_int_equal(h_wait_gone(h, number, WAIT_MS), 0);

	/* A school's classes and a class roll. */
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Docente");
	t_screen(h, "classes", L("Clase", "Docente", "Grado", "Per\xc3\xado" "do", "Con tarjeta", "clases"),
		 L("Elegir", "Lista", "Volver", "Ayuda"));
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Apellido");
	t_screen(h, "class roll", L("Apellido", "Nombre", "ID estud.", "Estado", "Tarjeta", "falta tarjeta",
				    "ID de la clase"),
		 NULL);
	/* The same keys as in English; the rest are on F1. */
	t_footer_of(h, "class roll", L("i Emitir", "A Emitir todas", "s Hojas", "Enter Ficha", "Esc Volver", "F1 Ayuda",
				       "? M\xc3\xa1s"), 0);
	h_send_text(h, "A");
	t_wait(h, "Pulse y para emitir");
	t_screen(h, "issue-all question", L("aptos "), L("S\xc3\xad, emitir", "Cancelar"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "cancelado: no se emiti\xc3\xb3 ninguna tarjeta");
	t_screen(h, "issue-all cancelled", NULL, NULL);
	h_send_text(h, "/");
	t_wait(h, "Buscar un estudiante en esta clase");
	t_screen(h, "find in class", L("Nombre o ID", "Basta con parte del nombre"), L("Aceptar", "Cancelar"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Apellido");
	h_send_text(h, "i");
	t_wait(h, "Enter y luego v la anula");
	t_screen(h, "class roll, one issued", L("con tarjeta", "1 con tarjeta"), NULL);
	h_send_text(h, "s");
	t_wait(h, "para esta clase (trabajo");
	t_screen(h, "class slips printing", NULL, NULL);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	t_wait(h, "Teclas de la pantalla Lista de clase");
	t_screen(h, "class roll help", NULL, NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Buscar estudiante: ");

	/* F2: progress, districts then schools. */
	h_send_key(h, VTERM_KEY_FUNCTION(2));
	t_wait(h, "Todos los distritos");
	t_screen(h, "progress", L("Distrito", "Inscritos", "Con tarjeta", "Rechazo", "Pendiente", "Cobert.", "a 100%", "Total"),
		 L("Elegir", "Abrir", "Volver"));
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Escuela");
	t_screen(h, "progress, schools", L("Escuela", "Inscritos"), NULL);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	t_wait(h, "Teclas de la pantalla Avance");
	t_screen(h, "progress help", L("Recuentos de estudiantes activos"), NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Buscar estudiante: ");

	/* F4: the library system. */
	h_send_key(h, VTERM_KEY_FUNCTION(4));
	t_wait(h, "El sistema de la biblioteca");
	t_screen(h, "library system", L("La sincronizaci\xc3\xb3n no est\xc3\xa1 configurada"), L("Sincr.", "Volver"));
	/* The library system refused the signups (as another desk's sync
	 * would record it): the parked events, in Spanish. The reason is the
	 * ILS's own text, kept as it came. */
	t_run("sqlite3 '%s' \"UPDATE outbox SET state = 'parked', last_error = 'ILS: 409' WHERE target = 'ils'\"",
	      f->db);
	t_wait(h, "eventos apartados para una persona");
	t_screen(h, "parked events", L("Evento", "ID estud.", "Tarjeta", "alta"),
		 L("Reenviar", "Sincr.", "Elegir", "Volver", "Ayuda"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "Buscar estudiante: ");

	/* Esc on home asks first. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_wait(h, "\xc2\xbfSalir de cardroll?");
	t_screen(h, "leaving", NULL, L("Salir", "Quedarse"));
	h_send_text(h, "n");
	assert_int_equal(h_wait_gone(h, "\xc2\xbfSalir de cardroll?", WAIT_MS), 0);
	t_end(f);

	/* The idle lock, with its own settings (5 s). */
	h = t_open(f, f->idle, "es_US.UTF-8", 1);
	t_wait(h, "Buscar estudiante: ");
	assert_int_equal(h_wait_text(h, "El puesto est\xc3\xa1 bloqueado", 9000), 0);
	t_screen(h, "idle lock", L("Nombre", "PIN", "Su PIN lo abre donde estaba."),
		 L("Desbloquear", "Siguiente", "Salir"));
	h_send_key(h, VTERM_KEY_ENTER);
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "escriba su PIN");
	t_screen(h, "idle lock, no PIN", NULL, NULL);
	h_send_text(h, "2468");
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "bienvenido de nuevo, Maria Lopez");
	t_screen(h, "unlocked", NULL, NULL);
	t_end(f);
}

/* A desk nobody has signed in to yet (the admin account comes first) and
 * a roster older than [roster] max_age_days. */
static void a_first_run_and_an_old_roster_read_in_spanish(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;

	if (t_make_locale(f) != 0)
		skip();
	t_load_catalog();
	t_load_data(f->db);
	t_run("sqlite3 '%s' \"DELETE FROM staff; UPDATE import_run SET finished_at = unixepoch() - 90 * 86400\"", f->db);
	h = t_open(f, f->conf, "es_US.UTF-8", 0);
	t_wait(h, "Primer uso: cree la cuenta de administrador");
	t_screen(h, "first run", L("Nombre", "PIN", "Repita PIN", "El administrador da de alta al personal"),
		 L("Entrar", "Siguiente", "Salir", "Ayuda"));
	h_send_text(h, "Ana Admin");
	h_send_key(h, VTERM_KEY_TAB);
	h_send_text(h, "1357");
	h_send_key(h, VTERM_KEY_TAB);
	h_send_text(h, "1358");
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "los dos PIN no son iguales");
	t_screen(h, "first run, PINs differ", NULL, NULL);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
	f->h = NULL;
	h = t_open(f, f->conf, "es_US.UTF-8", 0);
	t_wait(h, "Primer uso");
	h_send_text(h, "Ana Admin");
	h_send_key(h, VTERM_KEY_TAB);
	h_send_text(h, "1357");
	h_send_key(h, VTERM_KEY_TAB);
	h_send_text(h, "1357");
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Buscar estudiante: ");
	t_screen(h, "old roster", L("lista importada hace 90 d\xc3\xad" "as", "m\xc3\xa1s de 60 d\xc3\xad" "as; importe una nueva",
				    "sesi\xc3\xb3n iniciada como Ana Admin"), NULL);
	t_end(f);
}

/* A loopback port nothing listens on (bound, then closed). */
static int t_closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Sync set up, the library system down: the status line and the library
 * screen say so in Spanish. */
static void sync_that_cannot_reach_the_library_reads_in_spanish(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;
	char ini[512];

	if (t_make_locale(f) != 0)
		skip();
	t_load_catalog();
	t_load_data(f->db);
	snprintf(ini, sizeof ini, "[desk]\nname = Front\n[sync]\ntarget = koha\nurl = http://127.0.0.1:%d\n"
		 "user = desk\npassword = pw\nlibrary_id = CPL\ncategory = ST\ntimeout_ms = 500\n"
		 "probe_timeout_ms = 300\nbackoff_max_s = 1\n", t_closed_port());
	t_write(f->conf, ini);
	/* "sin conexión · 0 en espera · " then the last error the sync worker
	 * kept (core's sync reason and curl's text; core translates its own). */
	t_theirs_after = "en espera \xc2\xb7 ";
	h = t_open(f, f->conf, "es_US.UTF-8", 1);
	t_wait(h, "Buscar estudiante: ");
	h_send_key(h, VTERM_KEY_FUNCTION(5));
	t_wait(h, "sincronizando con el sistema de la biblioteca...");
	t_screen(h, "syncing", NULL, NULL);
	/* ^L repaints and clears the message: the status line's own part. */
	h_settle(h, 1500, 3000);
	h_send_text(h, "\x0c");
	assert_int_equal(h_wait_text(h, "sin conexi\xc3\xb3n \xc2\xb7 0 en espera", 9000), 0);
	t_screen(h, "sync offline", NULL, NULL);
	h_send_key(h, VTERM_KEY_FUNCTION(4));
	t_wait(h, "El sistema de la biblioteca");
	t_screen(h, "library system, offline", L("sin conexi\xc3\xb3n"), L("Sincr.", "Volver"));
	t_theirs_after = NULL;
	t_end(f);
}

/* The same desk without LANG: English, as before. */
static void the_c_locale_still_reads_in_english(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;

	if (t_make_locale(f) != 0)
		skip();
	h = t_open(f, f->conf, "C.UTF-8", 0);
	t_wait(h, "Sign in at Front");
	assert_false(h_screen_has(h, "Iniciar sesi\xc3\xb3n"));
	h_send_text(h, "Maria Lopez");
	h_send_key(h, VTERM_KEY_TAB);
	h_send_text(h, "2468");
	h_send_key(h, VTERM_KEY_ENTER);
	t_wait(h, "Find a student: ");
	h_settle(h, 150, 1500);
	t_labels(h, "home in English", L("School", "Classes", "Students", "Carded", "2 schools",
					 "offline", "Home"));
	t_footer_of(h, "home in English", L("Search", "Select", "Classes", "Library", "Quit", "Help"), 0);
	assert_false(h_screen_has(h, "Buscar"));
	assert_false(h_screen_has(h, "Escuela"));
	h_send_key(h, VTERM_KEY_FUNCTION(2));
	t_wait(h, "All districts");
	h_settle(h, 150, 1500);
	t_labels(h, "progress in English", L("Enrolled", "Carded", "Opt-out", "Pending", "Cover"));
	t_end(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_whole_desk_reads_in_spanish_at_80x24, setup, teardown),
		cmocka_unit_test_setup_teardown(a_first_run_and_an_old_roster_read_in_spanish, setup, teardown),
		cmocka_unit_test_setup_teardown(sync_that_cannot_reach_the_library_reads_in_spanish, setup, teardown),
		cmocka_unit_test_setup_teardown(the_c_locale_still_reads_in_english, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
