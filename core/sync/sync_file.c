/* sync_file: the batch-file target (DESIGN §2.5, §7). Each batch becomes
 * one file in [sync] folder that the ILS admins load with their own import
 * tool:
 *
 *   cardroll-<format>-<YYYYmmddTHHMMSS>-<first outbox id>.<csv|json>
 *
 * written atomically: a temporary ".cardroll-*.tmp" in the same folder,
 * fsync, rename, fsync of the folder; mode 0600 (children's data). An
 * event is DONE once the file holding it is complete. Formats ([sync]
 * format), each written for how its loader reads:
 *
 *   koha-csv       Koha tools/import_borrowers.pl (Koha::Patrons::Import):
 *                  cardnumber, surname, firstname, dateofbirth, branchcode,
 *                  categorycode, dateexpiry, patron_attributes
 *                  ("STUID:<student ID>", [sync] attribute; an item with
 *                  anything but plain characters is quoted whole, as Koha
 *                  parses the cell again with Text::CSV). No dateenrolled:
 *                  Koha gives a new patron the import day and keeps an
 *                  existing patron's when the column is absent.
 *   evergreen-csv  Evergreen patron_loader: cardnumber, usrname (the card
 *                  number, or the student ID when there is no card),
 *                  family_name, first_given_name, dob, home_library,
 *                  profile, expire_date, active (t/f), ident_type (3,
 *                  "Other"), ident_value (the student ID), juvenile (t).
 *                  The stock loader parses without Text::CSV's binary
 *                  option and skips, silently, a row holding anything but
 *                  printable ASCII: such rows are parked with the reason
 *                  unless [sync] evergreen_loader_binary = yes.
 *   folio-json     FOLIO POST /user-import: {"users":[...], "totalRecords",
 *                  "deactivateMissingUsers":false,
 *                  "updateOnlyPresentFields":true}, plus "sourceType" only
 *                  when [sync] folio_source_type is set (FOLIO then stores
 *                  externalSystemId as "<sourceType>_<id>").
 *                  preferredContactTypeId is "mail" (the importer maps
 *                  names, not ids). A child with neither card nor student
 *                  ID is parked: the importer needs username and
 *                  externalSystemId.
 *
 * Voids: the row again with the expiry date set to yesterday (both Koha
 * and Evergreen count a card expired once its date has passed, as the koha
 * target does), and Evergreen's active = f; FOLIO gets "active": false.
 * consent/optout events change nothing in the ILS: DONE, nothing written
 * (a batch of only those writes no file). An event kind this target does
 * not know, or a row the format's loader would drop, is parked for a
 * person with the reason; the rest of the batch is written.
 *
 * CSV cells are quoted per RFC 4180 when they hold a comma, quote, control
 * character or edge spaces; a line break becomes a space (both loaders read
 * a line at a time). No formula guard: no spreadsheet opens these files,
 * and an ILS stores a cell as written.
 *
 * Never logged: the file's contents. A folder that is missing or not
 * writable makes probe and send return CR_EUNAVAILABLE with
 * "cannot write to FOLDER: reason". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "text/buf.h"
#include "text/jsonc.h"
#include "sync.h"
#include "text/i18n.h"

enum file_format { FMT_KOHA, FMT_EVERGREEN, FMT_FOLIO };

struct filetgt {
	struct sync_settings s;
	enum file_format     fmt;
};

static enum cr_status ft_open(const struct sync_settings *s, void **state, struct cr_err *err)
{
	struct filetgt *f;
	enum file_format fmt;

	*state = NULL;
	if (!s->folder[0])
		return cr_fail(err, CR_ECONFIG, "the file target needs [sync] folder");
	if (strcmp(s->format, "koha-csv") == 0 || !s->format[0])
		fmt = FMT_KOHA;
	else if (strcmp(s->format, "evergreen-csv") == 0)
		fmt = FMT_EVERGREEN;
	else if (strcmp(s->format, "folio-json") == 0)
		fmt = FMT_FOLIO;
	else
		return cr_fail(err, CR_ECONFIG, "[sync] format must be koha-csv, evergreen-csv or folio-json");
	f = calloc(1, sizeof(*f));
	if (!f)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	f->s = *s;
	f->fmt = fmt;
	explicit_bzero(f->s.password, sizeof(f->s.password));
	explicit_bzero(f->s.client_secret, sizeof(f->s.client_secret));
	explicit_bzero(f->s.secret, sizeof(f->s.secret));
	*state = f;
	return CR_OK;
}

static void ft_close(void *state)
{
	if (state)
		explicit_bzero(state, sizeof(struct filetgt));
	free(state);
}

static enum cr_status cannot_write(const struct filetgt *f, int e, struct cr_err *err)
{
	return cr_fail(err, CR_EUNAVAILABLE, "cannot write to %s: %s", f->s.folder, strerror(e));
}

/* A temporary file in the folder, 0600; -1 with errno. */
static int temp_in(const struct filetgt *f, char *path, size_t n)
{
	if ((size_t)snprintf(path, n, "%s/.cardroll-XXXXXX.tmp", f->s.folder) >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	mode_t old = umask(077);
	int fd = mkstemps(path, 4);

	umask(old);
	if (fd >= 0)
		(void)fchmod(fd, 0600);
	return fd;
}

/* The folder is there and a file can be made in it (root ignores modes,
 * so try for real). */
static enum cr_status ft_probe(void *state, struct cr_err *err)
{
	struct filetgt *f = state;
	char path[1200];
	struct stat st;

	if (stat(f->s.folder, &st) < 0)
		return cannot_write(f, errno, err);
	if (!S_ISDIR(st.st_mode))
		return cannot_write(f, ENOTDIR, err);
	int fd = temp_in(f, path, sizeof(path));

	if (fd < 0)
		return cannot_write(f, errno, err);
	close(fd);
	unlink(path);
	return CR_OK;
}

/* ---- CSV ------------------------------------------------------------- */

/* Appends one cell (a leading comma unless first). Quoted per RFC 4180
 * when it holds a comma, quote, control character or edge space. A line
 * break becomes a space: both loaders read the file a line at a time and
 * would lose the row (the roster importer folds names the same way). No
 * formula guard: these files are loaded by an ILS, which stores a cell as
 * written ("'-Minus" would be the child's name). */
static void cell(struct buf *b, const char *v, int first)
{
	const char *s = v ? v : "";
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));

	for (const char *p = s; *p && !quote; p++)
		if ((unsigned char)*p < 0x20 && *p != '\r' && *p != '\n')
			quote = 1;
	if (!first)
		buf_add(b, ",", 1);
	if (quote)
		buf_add(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_add(b, "\"\"", 2);
		else if (*p == '\r' && p[1] == '\n')
			continue;              /* CRLF: one space, from the LF */
		else if (*p == '\r' || *p == '\n')
			buf_add(b, " ", 1);
		else
			buf_add(b, p, 1);
	}
	if (quote)
		buf_add(b, "\"", 1);
}

static void row_end(struct buf *b)
{
	buf_add(b, "\r\n", 2);
}

static const char *category_of(const struct filetgt *f, const struct sync_item *it)
{
	return it->category && *it->category ? it->category : f->s.category;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* Koha's patron_attributes cell is a CSV list of CODE:VALUE items that
 * Koha parses again (Text::CSV, binary): an item holding anything but
 * plain characters is quoted whole, "STUID:12,3" -- STUID:"12,3" would
 * fail that parse and leave the patron without attributes. */
static void koha_attr(struct buf *a, const char *type, const char *stu)
{
	char t[sizeof(((struct sync_settings *)0)->attribute) + 1];
	int plain = 1;

	snprintf(t, sizeof(t), "%s:", type);
	for (const char *p = t; *p; p++)
		plain &= strchr(",\" \t\r\n", *p) == NULL && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
	for (const char *p = stu; *p; p++)
		plain &= strchr(",\" \t\r\n", *p) == NULL && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
	if (plain) {
		buf_str(a, t);
		buf_str(a, stu);
		return;
	}
	buf_add(a, "\"", 1);
	for (const char *p = t; *p; p++)
		buf_add(a, p, 1);
	for (const char *p = stu; *p; p++) {
		if (*p == '"')
			buf_add(a, "\"\"", 2);
		else if (*p == '\r' || *p == '\n')
			buf_add(a, " ", 1);
		else
			buf_add(a, p, 1);
	}
	buf_add(a, "\"", 1);
}

/* No dateenrolled column: Koha sets it to the day of the import for a new
 * patron and, when the column is absent, keeps an existing patron's on an
 * overwrite (an empty cell would reset it to the import day). */
static void koha_row(struct buf *b, const struct filetgt *f, const struct sync_item *it, const char *yesterday,
		     int is_void)
{
	struct buf attr = { 0 };
	const char *stu = str_or_empty(it->student_number);

	if (*stu)
		koha_attr(&attr, f->s.attribute[0] ? f->s.attribute : "STUID", stu);
	if (attr.oom)
		b->oom = 1;
	cell(b, it->card, 1);
	cell(b, it->family, 0);
	cell(b, it->given, 0);
	cell(b, it->birth_date, 0);
	cell(b, f->s.library_id, 0);
	cell(b, category_of(f, it), 0);
	cell(b, is_void ? yesterday : it->expires, 0);
	cell(b, attr.p, 0);
	row_end(b);
	buf_free(&attr);
}

static void evergreen_row(struct buf *b, const struct filetgt *f, const struct sync_item *it,
			  const char *yesterday, int is_void)
{
	const char *stu = str_or_empty(it->student_number);

	cell(b, it->card, 1);
	cell(b, it->card && *it->card ? it->card : stu, 0);
	cell(b, it->family, 0);
	cell(b, it->given, 0);
	cell(b, it->birth_date, 0);
	cell(b, f->s.library_id, 0);
	cell(b, category_of(f, it), 0);
	cell(b, is_void ? yesterday : it->expires, 0);
	cell(b, is_void ? "f" : "t", 0);
	cell(b, *stu ? "3" : "", 0);
	cell(b, stu, 0);
	cell(b, "t", 0);
	row_end(b);
}

/* What the stock patron_loader cannot read: Text::CSV without binary
 * fails on any byte outside printable ASCII and tab, and the loader then
 * skips the row without a word. Line breaks are folded by cell(). */
static int eg_unreadable(const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x7f || (c < 0x20 && c != '\t' && c != '\r' && c != '\n'))
			return 1;
	}
	return 0;
}

/* 1 with a reason when the format's loader would drop or mangle the row:
 * the event is parked for a person rather than written. */
static int row_refused(const struct filetgt *f, const struct sync_item *it, char *why, size_t n)
{
	const char *stu = str_or_empty(it->student_number), *card = str_or_empty(it->card);

	if (f->fmt == FMT_KOHA) {
		/* Koha turns curly double quotes in patron_attributes into
		 * straight ones before parsing it: no quoting survives that */
		if (strstr(stu, "\xe2\x80\x9c") || strstr(stu, "\xe2\x80\x9d")) {
			snprintf(why, n, "%s",
				 _("the student ID holds a curly quote that Koha's patron import turns into a straight "
				   "one, losing the patron's attributes: fix the ID in the roster"));
			return 1;
		}
		return 0;
	}
	if (!*stu && !*card) {
		snprintf(why, n, "%s",
			 f->fmt == FMT_FOLIO
				 ? _("neither a card number nor a student ID: FOLIO's user import needs a username and "
				     "an externalSystemId")
				 : _("neither a card number nor a student ID: Evergreen's patron_loader needs a "
				     "cardnumber and a usrname"));
		return 1;
	}
	if (f->fmt == FMT_EVERGREEN && !f->s.evergreen_binary) {
		const char *cells[] = { card, stu, it->family, it->given, it->birth_date, f->s.library_id,
					category_of(f, it), it->expires };

		for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
			if (eg_unreadable(cells[i])) {
				snprintf(why, n, "%s",
					 _("Evergreen's patron_loader reads only plain ASCII (Text::CSV without binary) "
					   "and would skip this row silently: correct the name in Evergreen by hand, or "
					   "set [sync] evergreen_loader_binary = yes if the library's loader is patched"));
				return 1;
			}
		}
	}
	return 0;
}

/* One user, appended to the array users. 0, or -1 out of memory. The
 * importer maps preferredContactTypeId by name (mail, email, text, phone,
 * mobile); a child has no e-mail or phone here, so "mail". */
static int folio_user(struct json_object *users, const struct filetgt *f, const struct sync_item *it, int is_void)
{
	const char *stu = str_or_empty(it->student_number);
	const char *card = str_or_empty(it->card);
	struct json_object *o = json_object_new_object(), *personal = json_object_new_object();
	int bad = !o || !personal;

	bad |= jsonc_add_str_nonempty(o, "username", *card ? card : stu);
	bad |= jsonc_add_str_nonempty(o, "externalSystemId", *stu ? stu : card);
	bad |= jsonc_add_str_nonempty(o, "barcode", card);
	bad |= jsonc_add(o, "active", json_object_new_boolean(!is_void));
	bad |= jsonc_add_str_nonempty(o, "patronGroup", category_of(f, it));
	bad |= jsonc_add_str(personal, "lastName", it->family ? it->family : "");
	bad |= jsonc_add_str_nonempty(personal, "firstName", it->given);
	bad |= jsonc_add_str_nonempty(personal, "dateOfBirth", it->birth_date);
	bad |= jsonc_add_str(personal, "preferredContactTypeId", "mail");
	bad |= jsonc_add(o, "personal", personal);
	bad |= jsonc_add_str_nonempty(o, "expirationDate", it->expires);
	if (bad) {
		json_object_put(o);
		return -1;
	}
	return jsonc_push(users, o);
}

/* ---- send ------------------------------------------------------------ */

static int writes_row(const struct sync_item *it)
{
	return it->kind && (strcmp(it->kind, "signup") == 0 || strcmp(it->kind, "void") == 0);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static enum cr_status ft_send(void *state, const struct sync_item *items, int n, struct sync_result *res,
			      struct cr_err *err)
{
	struct filetgt *f = state;
	struct buf b = { 0 };
	struct json_object *users = NULL;
	char yesterday[16], stamp[32], tmp[1200], final[1300];
	time_t now = time(NULL), before = now - 86400;
	struct tm tm;
	int rows = 0, fd = -1;
	long long first_id = 0;
	enum cr_status st = CR_OK;

	for (int i = 0; i < n; i++)
		memset(&res[i], 0, sizeof(res[i]));
	/* a void expires the card as of yesterday: both Koha and Evergreen
	 * count a card expired only once its date has passed (as the koha
	 * target does) */
	localtime_r(&before, &tm);
	strftime(yesterday, sizeof(yesterday), "%Y-%m-%d", &tm);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);

	if (f->fmt == FMT_KOHA) {
		static const char h[] = "cardnumber,surname,firstname,dateofbirth,branchcode,categorycode,"
					"dateexpiry,patron_attributes\r\n";
		buf_add(&b, h, sizeof(h) - 1);
	} else if (f->fmt == FMT_EVERGREEN) {
		static const char h[] = "cardnumber,usrname,family_name,first_given_name,dob,home_library,"
					"profile,expire_date,active,ident_type,ident_value,juvenile\r\n";
		buf_add(&b, h, sizeof(h) - 1);
	} else if (!(users = json_object_new_array())) {
		b.oom = 1;
	}
	for (int i = 0; i < n; i++) {
		const char *k = items[i].kind ? items[i].kind : "";

		if (!writes_row(&items[i])) {
			if (strcmp(k, "consent") == 0 || strcmp(k, "optout") == 0) {
				res[i].outcome = SYNC_DONE;
			} else {
				res[i].outcome = SYNC_PARK;
				snprintf(res[i].reason, sizeof(res[i].reason),
					 "the file target cannot export a '%.40s' event: handle it in the ILS by hand", k);
			}
			continue;
		}
		if (row_refused(f, &items[i], res[i].reason, sizeof(res[i].reason))) {
			res[i].outcome = SYNC_PARK;
			continue;
		}
		res[i].outcome = SYNC_DONE;   /* once the file is complete */
		int is_void = strcmp(k, "void") == 0;

		if (!rows)
			first_id = items[i].outbox_id;
		rows++;
		if (f->fmt == FMT_KOHA)
			koha_row(&b, f, &items[i], yesterday, is_void);
		else if (f->fmt == FMT_EVERGREEN)
			evergreen_row(&b, f, &items[i], yesterday, is_void);
		else if (folio_user(users, f, &items[i], is_void) < 0)
			b.oom = 1;
	}
	if (f->fmt == FMT_FOLIO && !b.oom) {
		struct json_object *root = json_object_new_object();
		int bad = jsonc_add(root, "users", users);   /* root takes users, or both go */
		size_t len;
		char *text;

		users = NULL;
		bad |= jsonc_add(root, "totalRecords", json_object_new_int(rows));
		bad |= jsonc_add(root, "deactivateMissingUsers", json_object_new_boolean(0));
		bad |= jsonc_add(root, "updateOnlyPresentFields", json_object_new_boolean(1));
		/* FOLIO stores externalSystemId as "<sourceType>_<id>" when this
		 * is set: only when the library asks for it */
		if (f->s.folio_source_type[0])
			bad |= jsonc_add_str(root, "sourceType", f->s.folio_source_type);
		if (bad)
			json_object_put(root);
		if (bad || !(text = jsonc_take(root, &len))) {
			b.oom = 1;
		} else {
			buf_add(&b, text, len);
			buf_add(&b, "\n", 1);
			explicit_bzero(text, len);
			free(text);
		}
	}
	if (b.oom) {
		st = cr_fail(err, CR_ENOMEM, "out of memory");
		goto out;
	}
	if (rows) {
		const char *ext = f->fmt == FMT_FOLIO ? "json" : "csv";
		const char *fmtname = f->fmt == FMT_KOHA ? "koha-csv" : f->fmt == FMT_EVERGREEN ? "evergreen-csv"
											      : "folio-json";

		if ((size_t)snprintf(final, sizeof(final), "%s/cardroll-%s-%s-%lld.%s", f->s.folder, fmtname, stamp,
				     first_id, ext) >= sizeof(final)) {
			st = cannot_write(f, ENAMETOOLONG, err);
			goto out;
		}
		fd = temp_in(f, tmp, sizeof(tmp));
		if (fd < 0) {
			st = cannot_write(f, errno, err);
			goto out;
		}
		if (write_all(fd, b.p, b.len) < 0 || fsync(fd) < 0) {
			st = cannot_write(f, errno, err);
			goto fail;
		}
		if (close(fd) < 0) {
			fd = -1;
			st = cannot_write(f, errno, err);
			goto fail;
		}
		fd = -1;
		if (rename(tmp, final) < 0) {
			st = cannot_write(f, errno, err);
			goto fail;
		}
		int dfd = open(f->s.folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	if (st != CR_OK)
		for (int i = 0; i < n; i++)
			memset(&res[i], 0, sizeof(res[i]));
	if (b.p)
		explicit_bzero(b.p, b.len);
	buf_free(&b);
	json_object_put(users);
	return st;
}

const struct sync_target sync_target_file = {
	.name = "file",
	.open = ft_open,
	.probe = ft_probe,
	.send = ft_send,
	.lookup = NULL,
	.close = ft_close,
};
