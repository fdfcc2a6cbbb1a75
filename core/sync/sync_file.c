/* sync_file: the batch-file target (DESIGN §2.5, §7). Each batch becomes
 * one file in [sync] folder that the ILS admins load with their own import
 * tool:
 *
 *   cardroll-<format>-<YYYYmmddTHHMMSS>-<first outbox id>.<csv|json>
 *
 * written atomically: a temporary ".cardroll-*.tmp" in the same folder,
 * fsync, rename, fsync of the folder; mode 0600 (children's data). An
 * event is DONE once the file holding it is complete. Formats ([sync]
 * format):
 *
 *   koha-csv       Koha tools/import_borrowers.pl: cardnumber, surname,
 *                  firstname, dateofbirth, branchcode, categorycode,
 *                  dateenrolled (the day the file is written), dateexpiry,
 *                  patron_attributes ("STUID:<student ID>", [sync] attribute)
 *   evergreen-csv  Evergreen patron_loader: cardnumber, usrname (the card
 *                  number, or the student ID when there is no card),
 *                  family_name, first_given_name, dob, home_library,
 *                  expire_date, profile, ident_type (3, Evergreen's stock
 *                  "Other"), ident_value (the student ID), juvenile (t)
 *   folio-json     FOLIO POST /user-import: {"users":[...], "totalRecords",
 *                  "deactivateMissingUsers":false,
 *                  "updateOnlyPresentFields":true, "sourceType":"cardroll"}
 *
 * Voids: the CSV formats have no "disable" column both loaders honour, so a
 * void is written as the child's row again with the expiry date set to the
 * day of the file (the card stops working when the admin loads it; matched
 * on cardnumber it updates the existing patron). FOLIO gets the user with
 * "active": false. consent/optout events change nothing in the ILS: DONE,
 * nothing written (a batch of only those writes no file). An event kind
 * this target does not know is parked for a person.
 *
 * CSV cells are quoted per RFC 4180 when they hold a comma, quote, CR/LF or
 * edge spaces; a cell starting with = + - @ (or tab/CR) -- what spreadsheets
 * run as a formula -- gets a leading apostrophe and is quoted. Dates and
 * card numbers never start that way, so only roster text is touched.
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

/* Appends one cell (a leading comma unless first). */
static void cell(struct buf *b, const char *v, int first)
{
	const char *s = v ? v : "";
	size_t n = strlen(s);
	int formula = strchr("=+-@\t\r", s[0]) != NULL && s[0];
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));

	if (!first)
		buf_add(b, ",", 1);
	if (!quote) {
		buf_add(b, s, n);
		return;
	}
	buf_add(b, "\"", 1);
	if (formula)
		buf_add(b, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_add(b, "\"\"", 2);
		else
			buf_add(b, p, 1);
	}
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

static void koha_row(struct buf *b, const struct filetgt *f, const struct sync_item *it, const char *today,
		     int is_void)
{
	char attr[256] = "";
	const char *stu = it->student_number ? it->student_number : "";

	if (*stu) {
		const char *type = f->s.attribute[0] ? f->s.attribute : "STUID";

		/* Koha reads patron_attributes as a CSV list itself: quote an ID
		 * that holds a comma or quote */
		if (strpbrk(stu, ",\"")) {
			size_t k = (size_t)snprintf(attr, sizeof(attr), "%s:\"", type);

			for (const char *p = stu; *p && k + 3 < sizeof(attr); p++) {
				if (*p == '"')
					attr[k++] = '"';
				attr[k++] = *p;
			}
			attr[k++] = '"';
			attr[k] = '\0';
		} else {
			snprintf(attr, sizeof(attr), "%s:%s", type, stu);
		}
	}
	cell(b, it->card, 1);
	cell(b, it->family, 0);
	cell(b, it->given, 0);
	cell(b, it->birth_date, 0);
	cell(b, f->s.library_id, 0);
	cell(b, category_of(f, it), 0);
	cell(b, today, 0);
	cell(b, is_void ? today : it->expires, 0);
	cell(b, attr, 0);
	row_end(b);
}

static void evergreen_row(struct buf *b, const struct filetgt *f, const struct sync_item *it,
			  const char *today, int is_void)
{
	const char *stu = it->student_number ? it->student_number : "";

	cell(b, it->card, 1);
	cell(b, it->card && *it->card ? it->card : stu, 0);
	cell(b, it->family, 0);
	cell(b, it->given, 0);
	cell(b, it->birth_date, 0);
	cell(b, f->s.library_id, 0);
	cell(b, is_void ? today : it->expires, 0);
	cell(b, category_of(f, it), 0);
	cell(b, *stu ? "3" : "", 0);
	cell(b, stu, 0);
	cell(b, "t", 0);
	row_end(b);
}

/* One user, appended to the array users. 0, or -1 out of memory. */
static int folio_user(struct json_object *users, const struct filetgt *f, const struct sync_item *it, int is_void)
{
	const char *stu = it->student_number ? it->student_number : "";
	const char *card = it->card ? it->card : "";
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
	bad |= jsonc_add_str(personal, "preferredContactTypeId", "002");
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
	char today[16], stamp[32], tmp[1200], final[1300];
	time_t now = time(NULL);
	struct tm tm;
	int rows = 0, fd = -1;
	long long first_id = 0;
	enum cr_status st = CR_OK;

	for (int i = 0; i < n; i++)
		memset(&res[i], 0, sizeof(res[i]));
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);

	if (f->fmt == FMT_KOHA) {
		static const char h[] = "cardnumber,surname,firstname,dateofbirth,branchcode,categorycode,"
					"dateenrolled,dateexpiry,patron_attributes\r\n";
		buf_add(&b, h, sizeof(h) - 1);
	} else if (f->fmt == FMT_EVERGREEN) {
		static const char h[] = "cardnumber,usrname,family_name,first_given_name,dob,home_library,"
					"expire_date,profile,ident_type,ident_value,juvenile\r\n";
		buf_add(&b, h, sizeof(h) - 1);
	} else if (!(users = json_object_new_array())) {
		b.oom = 1;
	}
	for (int i = 0; i < n; i++) {
		if (!writes_row(&items[i]))
			continue;
		int is_void = strcmp(items[i].kind, "void") == 0;

		if (!rows)
			first_id = items[i].outbox_id;
		rows++;
		if (f->fmt == FMT_KOHA)
			koha_row(&b, f, &items[i], today, is_void);
		else if (f->fmt == FMT_EVERGREEN)
			evergreen_row(&b, f, &items[i], today, is_void);
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
		bad |= jsonc_add_str(root, "sourceType", "cardroll");
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
	for (int i = 0; i < n; i++) {
		const char *k = items[i].kind ? items[i].kind : "";

		if (writes_row(&items[i]) || strcmp(k, "consent") == 0 || strcmp(k, "optout") == 0) {
			res[i].outcome = SYNC_DONE;
		} else {
			res[i].outcome = SYNC_PARK;
			snprintf(res[i].reason, sizeof(res[i].reason),
				 "the file target cannot export a '%.40s' event: handle it in the ILS by hand", k);
		}
	}
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
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
