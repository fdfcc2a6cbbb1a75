/* staff: desk accounts and signing in. A PIN is never stored, logged or put
 * in a message: only its argon2id hash reaches the database. */
#include <argon2.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <utf8proc.h>

#include "staff.h"
#include "text/i18n.h"
#include "lockout.h"
#include "perm.h"
#include "staff_audit.h"
#include "store/audit.h"
#include "text/text.h"

/* argon2id at one of OWASP's recommended settings (12 MiB, 3 passes, one
 * lane). Not RFC 9106's 64 MiB: the desk must run in 24 MB on a thin client,
 * and a sign-in's hash is the largest thing it ever holds. Still slow enough
 * that trying 10 000 four-digit PINs against a stolen file takes a while;
 * the real protection of a PIN is the 0600 database file. */
#define STAFF_T_COST     3
#define STAFF_M_COST_KIB 12288
#define STAFF_LANES      1
#define STAFF_SALT_LEN   16
#define STAFF_HASH_LEN   32
#define STAFF_ENCODED_MAX 160   /* the encoded form is 97 characters */

/* A hash with the same parameters whose password nobody knows: an unknown
 * name is checked against it so that it costs the same time as a known one. */
static const char staff_dummy_hash[] =
	"$argon2id$v=19$m=12288,t=3,p=1$FC0FlETIGd6vSaoNXphK/w$C4Q0oj1fkzB4EGZs6R3Pau6suk9DiqtMzkc88SleC1k";

static const char *const staff_roles[] = {
	[STAFF_ADMIN]     = "admin",
	[STAFF_LIBRARIAN] = "librarian",
	[STAFF_VOLUNTEER] = "volunteer",
};

#define STAFF_NOT_RECOGNISED N_("name or PIN not recognised")

const char *staff_role_name(enum staff_role role)
{
	if ((int)role < 0 || (int)role > (int)STAFF_VOLUNTEER)
		return "unknown";
	return staff_roles[role];
}

int staff_role_parse(const char *word)
{
	for (size_t i = 0; word && i < sizeof staff_roles / sizeof staff_roles[0]; i++)
		if (strcmp(word, staff_roles[i]) == 0)
			return (int)i;
	return -1;
}

static int staff_is_space(unsigned char c)
{
	return c == ' ';
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, 0xC2 0x80..0x9F). */
static int staff_has_control(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 1;
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

static size_t staff_chars(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

enum cr_status staff_name_clean(const char *name, char out[STAFF_NAME_MAX + 1], struct cr_err *err)
{
	static const char rule[] =
		"a staff name is 1 to 64 characters (at most 64 bytes of UTF-8) with no control characters";
	const unsigned char *s = (const unsigned char *)(name ? name : "");
	size_t n = strlen((const char *)s);
	utf8proc_uint8_t *nfc;
	char *tmp;
	size_t chars, bytes;

	out[0] = '\0';
	while (n > 0 && staff_is_space(s[0]))
		s++, n--;
	while (n > 0 && staff_is_space(s[n - 1]))
		n--;
	if (n == 0)
		return cr_fail(err, CR_EDATA, "the staff name is empty: %s", rule);
	if (!text_valid_utf8((const char *)s, n))
		return cr_fail(err, CR_EDATA, "the staff name is not valid UTF-8: %s", rule);
	if (staff_has_control(s, n))
		return cr_fail(err, CR_EDATA, "the staff name holds a control character: %s", rule);
	if (n > 4 * STAFF_NAME_MAX)
		return cr_fail(err, CR_EDATA, "the staff name is too long: %s", rule);
	if (!(tmp = strndup((const char *)s, n)))
		return cr_fail(err, CR_ENOMEM, "out of memory checking a staff name");
	nfc = utf8proc_NFC((const utf8proc_uint8_t *)tmp);
	free(tmp);
	if (!nfc)
		return cr_fail(err, CR_ENOMEM, "out of memory checking a staff name");
	chars = staff_chars((const char *)nfc);
	bytes = strlen((const char *)nfc);
	if (chars > STAFF_NAME_MAX || bytes > STAFF_NAME_MAX) {
		free(nfc);
		return cr_fail(err, CR_EDATA, "the staff name is too long: %s", rule);
	}
	memcpy(out, nfc, bytes + 1);
	free(nfc);
	return CR_OK;
}

enum cr_status staff_pin_check(const char *pin, struct cr_err *err)
{
	static const char rule[] = "a desk PIN is 4 to 12 digits (0-9), nothing else";
	size_t n = pin ? strlen(pin) : 0;

	for (size_t i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return cr_fail(err, CR_EDATA, "the PIN holds something other than digits: %s", rule);
	if (n < STAFF_PIN_MIN)
		return cr_fail(err, CR_EDATA, "the PIN is too short: %s", rule);
	if (n > STAFF_PIN_MAX)
		return cr_fail(err, CR_EDATA, "the PIN is too long: %s", rule);
	return CR_OK;
}

static enum cr_status staff_salt(unsigned char *salt, size_t n, struct cr_err *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(salt + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cr_fail(err, CR_EINTERNAL, "no random numbers for the PIN's salt (%s)", strerror(errno));
		got += (size_t)r;
	}
	return CR_OK;
}

/* encoded gets "$argon2id$v=19$m=...$salt$hash" for pin. */
static enum cr_status staff_hash(const char *pin, char encoded[STAFF_ENCODED_MAX], struct cr_err *err)
{
	unsigned char salt[STAFF_SALT_LEN];
	enum cr_status st;
	int rc;

	if ((st = staff_salt(salt, sizeof salt, err)) != CR_OK)
		return st;
	rc = argon2id_hash_encoded(STAFF_T_COST, STAFF_M_COST_KIB, STAFF_LANES, pin, strlen(pin),
				   salt, sizeof salt, STAFF_HASH_LEN, encoded, STAFF_ENCODED_MAX);
	explicit_bzero(salt, sizeof salt);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return cr_fail(err, CR_ENOMEM, "not enough memory to protect the PIN (argon2 needs 64 MiB)");
	if (rc != ARGON2_OK)
		return cr_fail(err, CR_EINTERNAL, "could not protect the PIN (argon2: %s)", argon2_error_message(rc));
	return CR_OK;
}

/* Inside the write transaction: refuses a taken name or a first account
 * that is not an admin. */
static enum cr_status staff_add_allowed(struct cr_db *db, const char *name, enum staff_role role,
					struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc, taken, active;

	if (!(st = db_prepare(db, "SELECT count(*) FROM staff WHERE name = ?1 COLLATE NOCASE", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	taken = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, rc, "checking staff names");
	if (taken)
		return cr_fail(err, CR_EDATA, "staff %s already exists", name);
	if (role == STAFF_ADMIN)
		return CR_OK;
	if ((active = staff_count(db)) < 0)
		return db_fail(db, err, sqlite3_errcode(db_handle(db)), "counting staff");
	if (active == 0)
		return cr_fail(err, CR_EDATA,
			       "there is no staff account yet: the first account must be an admin, not a %s",
			       staff_role_name(role));
	return CR_OK;
}

static enum cr_status staff_insert(struct cr_db *db, const char *name, enum staff_role role,
				   const char *encoded, long long *id, long long actor, const char *desk,
				   struct cr_err *err)
{
	sqlite3_stmt *st;
	char detail[128];
	int rc;

	if (!(st = db_prepare(db, "INSERT INTO staff (name, role, pin_hash) VALUES (?1, ?2, ?3)", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, encoded, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);   /* the statement is cached: drop the hash now */
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return cr_fail(err, CR_EDATA, "staff %s already exists", name);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "adding a staff account");
	*id = sqlite3_last_insert_rowid(db_handle(db));

	/* Who was added (by id) and as what; never the name, the PIN or its hash. */
	snprintf(detail, sizeof detail, "as %s", staff_role_name(role));
	return audit_write(db, &(struct audit_entry){ .staff = actor, .desk = desk, .action = "staff-add",
						.object_kind = "staff", .object_id = *id, .detail = detail }, err);
}

enum cr_status staff_add(struct cr_db *db, const char *name, enum staff_role role, const char *pin,
			 long long *id, struct cr_err *err)
{
	return staff_add_as(db, 0, NULL, name, role, pin, id, err);
}

enum cr_status staff_add_as(struct cr_db *db, long long actor, const char *desk, const char *name,
			    enum staff_role role, const char *pin, long long *id, struct cr_err *err)
{
	char clean[STAFF_NAME_MAX + 1], encoded[STAFF_ENCODED_MAX];
	long long new_id = 0;
	enum cr_status st;

	if (id)
		*id = 0;
	if ((int)role < 0 || (int)role > (int)STAFF_VOLUNTEER)
		return cr_fail(err, CR_EUSAGE, "unknown staff role: the roles are admin, librarian and volunteer");
	if ((st = staff_name_clean(name, clean, err)) != CR_OK ||
	    (st = staff_pin_check(pin, err)) != CR_OK)
		return st;
	/* Hash before taking the write lock: other desks keep working meanwhile. */
	if ((st = staff_hash(pin, encoded, err)) != CR_OK)
		goto out;
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		goto out;
	/* Only an admin adds staff; no one (actor 0) only the very first. */
	if ((st = perm_check(db, actor, PERM_STAFF, err)) != CR_OK ||
	    (st = staff_add_allowed(db, clean, role, err)) != CR_OK ||
	    (st = staff_insert(db, clean, role, encoded, &new_id, actor, desk, err)) != CR_OK) {
		db_rollback(db);
		goto out;
	}
	if ((st = db_commit(db, err)) != CR_OK)
		goto out;
	if (id)
		*id = new_id;
out:
	explicit_bzero(encoded, sizeof encoded);
	return st;
}

/* One account as read for signing in. */
struct staff_row {
	int       found;
	long long id;
	char      name[STAFF_NAME_MAX + 1];
	int       role;
	int       disabled;
	char      hash[STAFF_ENCODED_MAX];
};

static enum cr_status staff_lookup(struct cr_db *db, const char *name, struct staff_row *row,
				   struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = db_prepare(db, "SELECT id, name, role, pin_hash, disabled FROM staff "
				  "WHERE name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *hash = (const char *)sqlite3_column_text(st, 3);
		const char *stored = (const char *)sqlite3_column_text(st, 1);

		row->id = sqlite3_column_int64(st, 0);
		snprintf(row->name, sizeof row->name, "%s", stored ? stored : "");
		row->role = staff_role_parse((const char *)sqlite3_column_text(st, 2));
		row->disabled = sqlite3_column_int(st, 4) != 0;
		/* A hash that does not fit is damaged: such an account cannot sign in. */
		row->found = hash && strlen(hash) < sizeof row->hash && row->role >= 0;
		if (row->found)
			memcpy(row->hash, hash, strlen(hash) + 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading staff accounts");
	return CR_OK;
}

enum cr_status staff_verify(struct cr_db *db, const char *name, const char *pin, struct staff_who *who,
			    struct cr_err *err)
{
	struct staff_row row = { 0 };
	char clean[STAFF_NAME_MAX + 1];
	const char *try_pin = pin ? pin : "";
	enum cr_status st = CR_OK;
	int pin_ok, rc;

	memset(who, 0, sizeof *who);
	pin_ok = staff_pin_check(try_pin, NULL) == CR_OK;
	if (staff_name_clean(name, clean, NULL) == CR_OK &&
	    (st = staff_lookup(db, clean, &row, err)) != CR_OK)
		return st;
	/* Exactly one verify whatever happened above: the time taken says
	 * nothing about whether the name exists. */
	rc = argon2id_verify(row.found ? row.hash : staff_dummy_hash, try_pin,
			     strnlen(try_pin, STAFF_PIN_MAX + 1));
	explicit_bzero(row.hash, sizeof row.hash);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return cr_fail(err, CR_ENOMEM, "not enough memory to check the PIN (argon2 needs 64 MiB)");
	if (rc != ARGON2_OK || !row.found || row.disabled || !pin_ok)
		return cr_fail(err, CR_EDATA, STAFF_NOT_RECOGNISED);
	who->id = row.id;
	memcpy(who->name, row.name, sizeof who->name);
	who->role = (enum staff_role)row.role;
	return CR_OK;
}

int staff_count(struct cr_db *db)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM staff WHERE disabled = 0", NULL);
	int n = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

enum cr_status staff_list(struct cr_db *db,
			  int (*fn)(long long id, const char *name, const char *role, int disabled, void *ctx),
			  void *ctx, struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = db_prepare(db, "SELECT id, name, role, disabled FROM staff ORDER BY name COLLATE NOCASE, id", err)))
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3) != 0, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "listing staff accounts");
	return CR_OK;
}

/* The account named name (case ignored): *id and *role, inside the
 * caller's transaction. CR_ENOINPUT naming it when there is none. */
static enum cr_status staff_find(struct cr_db *db, const char *name, long long *id, int *role, int *disabled,
				 struct cr_err *err)
{
	char clean[STAFF_NAME_MAX + 1];
	struct staff_row row = { 0 };
	enum cr_status st;

	if ((st = staff_name_clean(name, clean, err)) != CR_OK)
		return st;
	if ((st = staff_lookup(db, clean, &row, err)) != CR_OK)
		return st;
	explicit_bzero(row.hash, sizeof row.hash);
	if (!row.id)
		return cr_fail(err, CR_ENOINPUT, "there is no staff account %s", clean);
	*id = row.id;
	*role = row.role;
	*disabled = row.disabled;
	return CR_OK;
}

static int staff_active_admins(struct cr_db *db)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM staff WHERE role = 'admin' AND disabled = 0", NULL);
	int n = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

enum cr_status staff_disable(struct cr_db *db, long long actor, const char *desk, const char *name,
			     struct cr_err *err)
{
	enum cr_status st;
	sqlite3_stmt *q;
	long long id = 0;
	int role = -1, disabled = 0, rc;

	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if ((st = perm_check(db, actor, PERM_STAFF, err)) != CR_OK ||
	    (st = staff_find(db, name, &id, &role, &disabled, err)) != CR_OK)
		goto fail;
	if (disabled) {
		db_rollback(db);
		return CR_OK;   /* already: nothing to do, nothing to record */
	}
	if (role == STAFF_ADMIN && staff_active_admins(db) <= 1) {
		st = cr_fail(err, CR_EDATA, "%s is the last admin: add another admin before disabling this one", name);
		goto fail;
	}
	if (!(q = db_prepare(db, "UPDATE staff SET disabled = 1 WHERE id = ?1", err))) {
		st = err ? err->status : CR_EINTERNAL;
		goto fail;
	}
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		st = db_fail(db, err, rc, "disabling a staff account");
		goto fail;
	}
	/* Assignments go with the account: re-enabling starts afresh. */
	if (!(q = db_prepare(db, "DELETE FROM staff_assignment WHERE staff_id = ?1", err))) {
		st = err ? err->status : CR_EINTERNAL;
		goto fail;
	}
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		st = db_fail(db, err, rc, "removing a disabled account's assignments");
		goto fail;
	}
	if ((st = staff_audit(db, actor, desk, "staff-disable", "staff", id, NULL, err)) != CR_OK)
		goto fail;
	return db_commit(db, err);
fail:
	db_rollback(db);
	return st;
}

enum cr_status staff_reset_pin(struct cr_db *db, long long actor, const char *desk, const char *name,
			       const char *pin, struct cr_err *err)
{
	char encoded[STAFF_ENCODED_MAX];
	enum cr_status st;
	sqlite3_stmt *q;
	long long id = 0;
	int role = -1, disabled = 0, rc;

	if ((st = staff_pin_check(pin, err)) != CR_OK)
		return st;
	if ((st = staff_hash(pin, encoded, err)) != CR_OK)
		goto out;
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		goto out;
	if ((st = perm_check(db, actor, PERM_STAFF, err)) != CR_OK ||
	    (st = staff_find(db, name, &id, &role, &disabled, err)) != CR_OK)
		goto fail;
	/* A new PIN opens the account again and forgets its failed sign-ins. */
	if (!(q = db_prepare(db, "UPDATE staff SET pin_hash = ?2, disabled = 0 WHERE id = ?1", err))) {
		st = err ? err->status : CR_EINTERNAL;
		goto fail;
	}
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, encoded, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE) {
		st = db_fail(db, err, rc, "setting a new PIN");
		goto fail;
	}
	if ((st = lockout_clear(db, name, err)) != CR_OK ||
	    (st = staff_audit(db, actor, desk, "staff-reset-pin", "staff", id,
			      disabled ? "the account is enabled again" : NULL, err)) != CR_OK)
		goto fail;
	st = db_commit(db, err);
	goto out;
fail:
	db_rollback(db);
out:
	explicit_bzero(encoded, sizeof encoded);
	return st;
}
