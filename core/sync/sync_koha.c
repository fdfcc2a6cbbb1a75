/* sync_koha: the `koha` sync target, Koha's REST API (POST /api/v1/patrons):
 * what each event asks of Koha and what its answers mean (DESIGN §7). The
 * requests themselves (libcurl, one connection, HTTP/2 streams, auth) are
 * koha_http.c's. Nothing here logs: credentials and children's data stay
 * out of messages. */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "text/buf.h"
#include "text/jsonc.h"
#include "text/text.h"
#include "koha_http.h"
#include "sync.h"
#include "text/i18n.h"

#define KOHA_REASON_MAX 200         /* Koha's own words, clipped */

/* The i-th element of an array (only an array), or NULL. */
static const struct json_object *koha_index(const struct json_object *v, size_t i)
{
	return jsonc_at(v, i);
}

/* Koha's "error" sentence, clipped and made plain. */
static void koha_error_text(struct koha *k, char *out, size_t len)
{
	char text[KOHA_REASON_MAX + 1];

	koha_text(koha_json(k), "error", text, sizeof text);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	snprintf(out, len, "%s", text);
}

/* Kept in English in every language: sync_parked_each() knows a likely
 * duplicate by its words "already exists" (in the outbox's last_error). */
#define KOHA_DUPLICATE "the library system says a patron matching this child already exists"

static int koha_set(struct sync_result *r, enum sync_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int koha_set(struct sync_result *r, enum sync_outcome o, const char *fmt, ...)
{
	va_list ap;

	char *safe;

	r->outcome = o;
	va_start(ap, fmt);
	/* in the reader's language (xgettext: koha_set:3) */
	vsnprintf(r->reason, sizeof r->reason, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
	/* The reason quotes the server (its error text, the conflicting field)
	 * and is shown on a terminal (sync --parked, the desk's F4): no
	 * control byte of the server's reaches it (found by tests/fuzz/fuzz_koha). */
	if ((safe = text_inert(r->reason, 0)) != NULL) {
		snprintf(r->reason, sizeof r->reason, "%s", safe);
		free(safe);
	}
	return 0;
}

/* What a status that is not the one hoped for means for the event. */
static void koha_classify(struct koha *k, const char *what, struct sync_result *r)
{
	char text[KOHA_REASON_MAX + 1];

	what = _(what);   /* xgettext: koha_classify:2 */
	koha_error_text(k, text, sizeof text);
	r->http_status = (int)k->x.status;
	if (k->x.status == 401 || k->x.status == 403) {
		koha_set(r, SYNC_STOP, "the library system refused cardroll's credentials (HTTP %ld): check [sync] user/password (or client_id/client_secret)", k->x.status);
	} else if (k->x.status == 429 || k->x.status == 503) {
		koha_set(r, SYNC_RETRY, "the library system is busy (HTTP %ld)", k->x.status);
		r->retry_after_s = k->x.retry_after;
	} else if (k->x.status >= 500) {
		koha_set(r, SYNC_RETRY, "the library system failed %s (HTTP %ld)%s%s", what, k->x.status,
			 text[0] ? ": " : "", text);
	} else if (k->x.status == 404) {
		koha_set(r, SYNC_RETRY, "the library system has no patron API here (HTTP 404): check [sync] url");
	} else if (k->x.status == 400) {
		koha_set(r, SYNC_PARK, "the library system refused %s: %s", what, text[0] ? text : _("bad request"));
	} else {
		koha_set(r, SYNC_PARK, "the library system refused %s (HTTP %ld)%s%s", what, k->x.status,
			 text[0] ? ": " : "", text);
	}
}

/* The patron object as Koha's POST/PUT want it: only fields patron.yaml
 * knows (it rejects others). expiry overrides the card's date (a void).
 * The student ID attribute goes only on a POST (with_attrs): Koha's PUT
 * hands the body to Koha::Patron->set_from_api, which has no
 * extended_attributes column and throws, a 500 (only POST takes them
 * apart, Koha::REST::V1::Patrons::add). */
static char *koha_patron_json(const struct koha *k, const struct sync_item *it, const char *expiry, int with_card,
			      int with_attrs)
{
	struct json_object *o = json_object_new_object(), *attrs, *attr;
	int bad = !o;

	bad |= jsonc_add_str(o, "surname", it->family);
	bad |= jsonc_add_str(o, "firstname", it->given);
	if (with_card)
		bad |= jsonc_add_str_nonempty(o, "cardnumber", it->card);
	bad |= jsonc_add_str(o, "library_id", k->s.library_id);
	bad |= jsonc_add_str(o, "category_id", it->category[0] ? it->category : k->s.category);
	bad |= jsonc_add_str_nonempty(o, "date_of_birth", it->birth_date);
	bad |= jsonc_add_str_nonempty(o, "expiry_date", expiry);
	if (with_attrs && k->s.attribute[0] && it->student_number[0]) {
		attrs = json_object_new_array();
		attr = json_object_new_object();
		bad |= jsonc_add_str(attr, "type", k->s.attribute);
		bad |= jsonc_add_str(attr, "value", it->student_number);
		bad |= jsonc_push(attrs, attr);
		bad |= jsonc_add(o, "extended_attributes", attrs);
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return jsonc_take(o, NULL);
}

/* The patron record found for a query (struct sync_koha_patron, sync.h):
 * the first of the list (a card number or a unique attribute matches at
 * most one). */
static void koha_patron_read(const char *attribute, const struct json_object *obj, struct sync_koha_patron *p)
{
	const struct json_object *attrs = jsonc_get(obj, "extended_attributes");

	koha_text(obj, "patron_id", p->id, sizeof p->id);
	koha_text(obj, "cardnumber", p->card, sizeof p->card);
	koha_text(obj, "surname", p->surname, sizeof p->surname);
	koha_text(obj, "firstname", p->firstname, sizeof p->firstname);
	koha_text(obj, "date_enrolled", p->since, sizeof p->since);
	for (size_t i = 0; attrs && attribute[0]; i++) {
		const struct json_object *a = koha_index(attrs, i);
		char type[64];

		if (!a)
			break;
		koha_text(a, "type", type, sizeof type);
		if (!strcmp(type, attribute)) {
			koha_text(a, "value", p->student, sizeof p->student);
			break;
		}
	}
}

/* The first patron of a reply; 1 when it has an id. */
static int koha_first_patron(const struct json_object *doc, const char *attribute, struct sync_koha_patron *p)
{
	const struct json_object *first = koha_index(doc, 0);

	memset(p, 0, sizeof *p);
	if (!first && jsonc_get(doc, "patron_id"))
		first = doc;
	if (first)
		koha_patron_read(attribute, first, p);
	return p->id[0] != '\0';
}

int sync_koha_read_patron(const char *text, const char *attribute, struct sync_koha_patron *p)
{
	struct json_object *doc = jsonc_parse(text, strlen(text), NULL, 0);
	int found = koha_first_patron(doc, attribute ? attribute : "", p);

	json_object_put(doc);
	return found;
}

/* GET /patrons with a filter. CURLE_OK with *found when a patron came back. */
static CURLcode koha_find(struct koha *k, const char *query, struct sync_koha_patron *p, int *found, char *why,
			  size_t len)
{
	static const char *const embed[] = { "x-koha-embed: extended_attributes", NULL };
	char path[1024];
	CURLcode rc;

	*found = 0;
	snprintf(path, sizeof path, "/api/v1/patrons?%s", query);
	if ((rc = koha_call(k, "GET", path, NULL, embed, k->s.timeout_ms, why, len)) != CURLE_OK)
		return rc;
	if (k->x.status != 200)
		return CURLE_OK;
	*found = koha_first_patron(koha_json(k), k->s.attribute, p);
	return CURLE_OK;
}

static CURLcode koha_find_card(struct koha *k, const char *card, struct sync_koha_patron *p, int *found, char *why,
			       size_t len)
{
	char query[512], *esc = curl_easy_escape(k->x.h, card, 0);
	CURLcode rc;

	if (!esc)
		return CURLE_OUT_OF_MEMORY;
	snprintf(query, sizeof query, "cardnumber=%s&_match=exact", esc);
	curl_free(esc);
	rc = koha_find(k, query, p, found, why, len);
	/* Only the very card: _match=exact is a hint some versions ignore. */
	if (rc == CURLE_OK && *found && p->card[0] && strcmp(p->card, card))
		*found = 0;
	return rc;
}

/* The same child: the student ID attribute says so, or, without it, the
 * same names. */
static int koha_same_child(const struct sync_koha_patron *p, const struct sync_item *it)
{
	if (p->student[0] && it->student_number[0])
		return !strcmp(p->student, it->student_number);
	return !strcmp(p->surname, it->family) && !strcmp(p->firstname, it->given);
}

/* A network failure: the item waits; CURLE_COULDNT_CONNECT and friends
 * are told apart by the caller. */
static void koha_net(struct sync_result *r, const char *why)
{
	koha_set(r, SYNC_RETRY, "%s", why);
}

/* What staff do about a likely duplicate when Koha's patron API cannot be
 * told "not a duplicate" (README, Syncing: no Koha version read acts on
 * x-confirm-not-duplicate for patrons): make the patron in Koha by hand,
 * where the staff client asks about duplicates itself; cardroll's next try
 * finds it by the card number and links to it. */
static void koha_by_hand(struct sync_result *r, const struct sync_item *it, const char *first)
{
	koha_set(r, SYNC_PARK, "%s; Koha cannot be told \"not a duplicate\" ([sync] koha_confirm_duplicates "
		 "= no): the same child: give that patron card %s in Koha; a different child: add the patron in "
		 "Koha by hand with card %s; then sync --confirm %lld (or r in F4) links to it", first, it->card,
		 it->card, it->outbox_id);
}

/* A signup asks Koha for its card before creating the patron only when
 * the outbox cannot know the answer: an earlier try of this event was
 * recorded (outbox attempts, committed before every request) and may have
 * reached the ILS (a crash, a timeout, a lost answer; or a parked event
 * sent again after a person fixed Koha by hand), or the library says its
 * ILS may hold these card numbers from before the programme ([sync]
 * existing_cards). Otherwise the create goes straight out: a card Koha
 * already has still comes back as a 409 on the card number, which links
 * to the same child or parks (koha_created). */
static int koha_ask_first(const struct koha *k, const struct sync_item *it)
{
	return it->card[0] && (it->attempts > 1 || k->s.existing_cards);
}

/* A signup whose first request is the create itself: it may go out with
 * the rest of its batch at once (koha_send, on HTTP/2). */
static int koha_plain_create(const struct koha *k, const struct sync_item *it)
{
	return !strcmp(it->kind, "signup") && k->s.library_id[0] && (it->category[0] || k->s.category[0]) &&
	       !(it->remote_id[0] && strspn(it->remote_id, "0123456789") == strlen(it->remote_id)) &&
	       !koha_ask_first(k, it) && !it->confirm_not_duplicate;
}

/* What Koha's answer to a patron create means (k->x holds it). */
static CURLcode koha_created(struct koha *k, const struct sync_item *it, struct sync_result *r)
{
	char why[300];
	struct sync_koha_patron p;
	int found = 0;
	CURLcode rc;

	if (k->x.status == 201 || k->x.status == 200) {
		const struct json_object *obj = koha_index(koha_json(k), 0);

		koha_text(obj ? obj : koha_json(k), "patron_id", r->remote_id, sizeof r->remote_id);
		if (!r->remote_id[0] && k->x.location[0]) {
			const char *slash = strrchr(k->x.location, '/');

			snprintf(r->remote_id, sizeof r->remote_id, "%.63s", slash ? slash + 1 : k->x.location);
		}
		r->outcome = SYNC_DONE;
		return CURLE_OK;
	}
	if (k->x.status == 409) {
		char conflict[64], text[KOHA_REASON_MAX + 1];

		koha_text(koha_json(k), "conflict", conflict, sizeof conflict);
		koha_error_text(k, text, sizeof text);
		if (!strcmp(conflict, "cardnumber")) {
			if ((rc = koha_find_card(k, it->card, &p, &found, why, sizeof why)) != CURLE_OK) {
				koha_net(r, why);
				return rc;
			}
			if (!found)
				koha_set(r, SYNC_RETRY, "the library system says card number %s is taken but does "
					 "not show it", it->card);
			else if (koha_same_child(&p, it)) {
				r->outcome = SYNC_DONE;
				snprintf(r->remote_id, sizeof r->remote_id, "%s", p.id);
				sync_result_patron_since(r, p.since);   /* carded before? (the engine decides) */
			} else {
				koha_set(r, SYNC_PARK, "card number %s belongs to another patron", it->card);
			}
		} else if (it->confirm_not_duplicate) {
			koha_set(r, SYNC_PARK, "the library system still refuses the patron%s%s (it did not act on "
				 "x-confirm-not-duplicate: set [sync] koha_confirm_duplicates = no and add the patron "
				 "in Koha by hand with card %s)", text[0] ? ": " : "", text, it->card);
		} else if (conflict[0]) {
			char first[300];

			snprintf(first, sizeof first, _("the library system refused the patron: %.30s already in use%s%.60s"),
				 conflict, text[0] ? ": " : "", text);
			if (k->s.koha_confirm_duplicates)
				koha_set(r, SYNC_PARK, "%s", first);
			else
				koha_by_hand(r, it, first);
		} else if (!k->s.koha_confirm_duplicates) {
			koha_by_hand(r, it, KOHA_DUPLICATE);
		} else {
			koha_set(r, SYNC_PARK, "%s; if it is a different child, confirm in cardroll (sync --confirm %lld)",
				 KOHA_DUPLICATE, it->outbox_id);
		}
		return CURLE_OK;
	}
	koha_classify(k, "the patron", r);
	return CURLE_OK;
}

/* unsure: an earlier request for this event may have reached Koha in
 * this run (its connection went away under it): ask first. */
static CURLcode koha_signup(struct koha *k, const struct sync_item *it, struct sync_result *r, int unsure)
{
	char why[300], path[128];
	const char *const confirm[] = { "x-confirm-not-duplicate: 1", NULL };
	struct sync_koha_patron p;
	char *body;
	int found = 0;
	CURLcode rc;

	if (!k->s.library_id[0] || !(it->category[0] || k->s.category[0])) {
		koha_set(r, SYNC_PARK, "no library or patron category for the library system: set [sync] library_id "
			 "and category (or [categories])");
		return CURLE_OK;
	}
	if (!(body = koha_patron_json(k, it, it->expires, 1, 1)))
		return CURLE_OUT_OF_MEMORY;

	/* A new card for a child the ILS knows: update that patron (a body
	 * without the attribute, which the patron keeps). */
	if (it->remote_id[0] && strspn(it->remote_id, "0123456789") == strlen(it->remote_id)) {
		char *put = koha_patron_json(k, it, it->expires, 1, 0);

		if (!put) {
			free(body);
			return CURLE_OUT_OF_MEMORY;
		}
		snprintf(path, sizeof path, "/api/v1/patrons/%s", it->remote_id);
		rc = koha_call(k, "PUT", path, put, NULL, k->s.timeout_ms, why, sizeof why);
		free(put);
		if (rc != CURLE_OK)
			goto net;
		if (k->x.status == 200) {
			r->outcome = SYNC_DONE;
			snprintf(r->remote_id, sizeof r->remote_id, "%s", it->remote_id);
			goto out;
		}
		if (k->x.status != 404) {
			koha_classify(k, "the new card", r);
			goto out;
		}
		/* The patron is gone: make a new one. */
	}

	/* Sent before (a crash after the ILS answered)? Then link, not create. */
	if (unsure || koha_ask_first(k, it)) {
		if ((rc = koha_find_card(k, it->card, &p, &found, why, sizeof why)) != CURLE_OK)
			goto net;
		if (k->x.status == 401 || k->x.status == 403) {
			koha_classify(k, "the lookup", r);
			goto out;
		}
		if (found && koha_same_child(&p, it)) {
			r->outcome = SYNC_DONE;
			snprintf(r->remote_id, sizeof r->remote_id, "%s", p.id);
			sync_result_patron_since(r, p.since);   /* carded before? (the engine decides) */
			goto out;
		}
	}

	/* Staff said "a different child", but this Koha would not hear it:
	 * sending the same body again only meets the same 409. */
	if (it->confirm_not_duplicate && !k->s.koha_confirm_duplicates) {
		koha_by_hand(r, it, "the library system has no patron with this card yet");
		goto out;
	}
	if ((rc = koha_call(k, "POST", "/api/v1/patrons", body, it->confirm_not_duplicate ? confirm : NULL,
			    k->s.timeout_ms, why, sizeof why)) != CURLE_OK) {
		if (koha_conn_lost(rc) && !unsure) {
			/* Koha may have made the patron: look, then create if not. */
			free(body);
			return koha_signup(k, it, r, 1);
		}
		goto net;
	}
	rc = koha_created(k, it, r);
	goto out;
net:
	koha_net(r, why);
out:
	free(body);
	return rc;
}

/* A voided card: Koha's API has PUT /patrons/{id}, so the patron is
 * expired as of yesterday (Koha blocks an expired card) rather than
 * deleted: loans and history stay with the library. */
static CURLcode koha_void(struct koha *k, const struct sync_item *it, struct sync_result *r)
{
	char why[300], path[128], yesterday[16], id[64];
	time_t t = time(NULL) - 86400;
	struct sync_koha_patron p;
	struct tm tm;
	char *body;
	int found = 0;
	CURLcode rc = CURLE_OK;

	snprintf(id, sizeof id, "%s", it->remote_id);
	if (!id[0] && it->card[0]) {
		if ((rc = koha_find_card(k, it->card, &p, &found, why, sizeof why)) != CURLE_OK) {
			koha_net(r, why);
			return rc;
		}
		if (k->x.status == 401 || k->x.status == 403) {
			koha_classify(k, "the lookup", r);
			return CURLE_OK;
		}
		if (found)
			snprintf(id, sizeof id, "%s", p.id);
	}
	if (!id[0]) {
		r->outcome = SYNC_DONE;   /* never reached the ILS: nothing to disable */
		return CURLE_OK;
	}
	localtime_r(&t, &tm);
	strftime(yesterday, sizeof yesterday, "%Y-%m-%d", &tm);
	if (!(body = koha_patron_json(k, it, yesterday, 0, 0)))
		return CURLE_OUT_OF_MEMORY;
	snprintf(path, sizeof path, "/api/v1/patrons/%s", id);
	if ((rc = koha_call(k, "PUT", path, body, NULL, k->s.timeout_ms, why, sizeof why)) != CURLE_OK)
		koha_net(r, why);
	else if (k->x.status == 200 || k->x.status == 404) {
		r->outcome = SYNC_DONE;   /* 404: the library removed the patron already */
		snprintf(r->remote_id, sizeof r->remote_id, "%s", id);
	} else if (k->x.status == 400 || k->x.status == 409) {
		char text[KOHA_REASON_MAX + 1];

		koha_error_text(k, text, sizeof text);
		koha_set(r, SYNC_PARK, "the library system would not disable card %s (%s): disable it by hand",
			 it->card, text[0] ? text : "refused");
	} else {
		koha_classify(k, "disabling the card", r);
	}
	free(body);
	return rc;
}

/* Consent changes are cardroll's own business: Koha has no field for
 * them, so a "given"/"signed"/"pending" is done with nothing sent. An
 * opt-out after a patron exists needs a person (removing a patron loses
 * the library's loans and fines, so cardroll never deletes): parked. */
static void koha_consent(const struct sync_item *it, struct sync_result *r)
{
	if (!strcmp(it->kind, "optout") && it->remote_id[0])
		koha_set(r, SYNC_PARK, "the family opted out after the card was sent: remove patron %s by hand",
			 it->remote_id);
	else
		r->outcome = SYNC_DONE;
}

static int koha_unreachable(CURLcode rc)
{
	/* Nothing will change by trying the next event: a dead host, or TLS
	 * that cardroll cannot trust (a person must fix the settings). */
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CONNECT_ERROR;
}

/* On an HTTP/2 connection, the batch's plain creates (first tries with no
 * patron known: koha_plain_create) go out together as streams of the one
 * connection; done[i] is set for each item answered here. The items of a
 * batch are different children (the engine holds a child's later event
 * back until the earlier one is done), so their order does not matter.
 * *halt is set to the index of a result that stops the rest of the batch
 * (refused credentials, a server asking for patience, the ILS gone: then
 * *gone is set too); *answered counts the items the ILS answered. An item
 * whose stream the server closed unanswered is left for koha_send with
 * unsure[i] set: Koha may have made that patron. */
static void koha_send_together(struct koha *k, const struct sync_item *items, int n, struct sync_result *results,
			       char *done, char *unsure, int *halt, int *gone, int *answered)
{
	int *idx = calloc((size_t)n, sizeof *idx), m = 0;
	char **bodies = calloc((size_t)n, sizeof *bodies);

	if (!idx || !bodies)
		goto out;
	for (int i = 0; i < n; i++)
		if (koha_plain_create(k, &items[i]) && (bodies[m] = koha_patron_json(k, &items[i], items[i].expires, 1, 1)))
			idx[m++] = i;
	if (m < 2 || (!strcmp(k->s.auth, "oauth2") && koha_token(k, 0, (char[300]){ 0 }, 300) != CURLE_OK) ||
	    koha_many(k, bodies, m) != 0) {
		for (int j = 0; j < m; j++)
			free(bodies[j]);
		goto out;
	}
	for (int j = 0; j < m; j++) {
		int i = idx[j];
		struct sync_result *r = &results[i];

		koha_take(k, j);
		/* An OAuth2 token that ran out: this one goes again on its own,
		 * where a fresh token is fetched (koha_signup). */
		if (k->x.rc == CURLE_OK && (k->x.status == 401 || k->x.status == 403) && !strcmp(k->s.auth, "oauth2"))
			continue;
		/* The connection closed under it: again on its own, asking first. */
		if (koha_conn_lost(k->x.rc)) {
			unsure[i] = 1;
			continue;
		}
		memset(r, 0, sizeof *r);
		done[i] = 1;
		if (k->x.rc != CURLE_OK) {
			char why[300];

			koha_curl_reason(k->x.rc, why, sizeof why);
			koha_net(r, why);
		} else if (koha_created(k, &items[i], r) == CURLE_OUT_OF_MEMORY) {
			koha_set(r, SYNC_RETRY, "out of memory");
		}
		if (koha_unreachable(k->x.rc))
			*gone = 1;
		else
			(*answered)++;
		if (*halt < 0 && (koha_unreachable(k->x.rc) || r->outcome == SYNC_STOP ||
				  (r->outcome == SYNC_RETRY && r->retry_after_s > 0)))
			*halt = i;
	}
out:
	free(idx);
	free(bodies);
}

static enum cr_status koha_send(void *state, const struct sync_item *items, int n, struct sync_result *results,
				struct cr_err *err)
{
	struct koha *k = state;
	char *done = calloc((size_t)n * 2, 1), *unsure = done + n;
	int halt = -1, gone = 0, answered = 0;

	if (!done)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	if (k->multiplex)
		koha_send_together(k, items, n, results, done, unsure, &halt, &gone, &answered);
	for (int i = 0; i < n && halt < 0; i++) {
		struct sync_result *r = &results[i];
		CURLcode rc = CURLE_OK;

		if (done[i])
			continue;
		memset(r, 0, sizeof *r);
		done[i] = 1;
		if (!strcmp(items[i].kind, "signup"))
			rc = koha_signup(k, &items[i], r, unsure[i]);
		else if (!strcmp(items[i].kind, "void"))
			rc = koha_void(k, &items[i], r);
		else
			koha_consent(&items[i], r);
		if (rc == CURLE_OUT_OF_MEMORY)
			koha_set(r, SYNC_RETRY, "out of memory");
		if (koha_unreachable(rc)) {
			gone = 1;    /* the ILS went away: the rest waits too */
			halt = i;
			break;
		}
		answered++;
		/* Refused credentials, or a server asking for patience: the
		 * rest of the batch is not tried now. */
		if (r->outcome == SYNC_STOP || (r->outcome == SYNC_RETRY && r->retry_after_s > 0))
			halt = i;
	}
	if (gone && !answered) {
		/* Nothing reached the ILS: the whole batch waits (sync_run). */
		cr_fail(err, CR_EUNAVAILABLE, "%s", results[halt].reason);
		free(done);
		return err->status;
	}
	for (int j = 0; halt >= 0 && j < n; j++)
		if (!done[j]) {
			results[j] = results[halt];
			results[j].remote_id[0] = '\0';
		}
	free(done);
	return CR_OK;
}

static enum cr_status koha_probe(void *state, struct cr_err *err)
{
	struct koha *k = state;
	char why[300];
	CURLcode rc;

	if (!strcmp(k->s.auth, "oauth2") && (rc = koha_token(k, 0, why, sizeof why)) != CURLE_OK)
		return cr_fail(err, CR_EUNAVAILABLE, "%s", why);
	rc = koha_request(k, "GET", "/api/v1/patrons?_per_page=1", NULL, NULL, NULL, 1, k->s.probe_timeout_ms);
	if (rc != CURLE_OK) {
		koha_curl_reason(rc, why, sizeof why);
		return cr_fail(err, CR_EUNAVAILABLE, "%s", why);
	}
	return CR_OK;
}

static enum cr_status koha_lookup(void *state, const char *student_number, const char *card, int *found,
				  char *remote_id, size_t len, struct cr_err *err)
{
	struct koha *k = state;
	struct sync_koha_patron p;
	char why[300];
	CURLcode rc;

	*found = 0;
	if (card && *card) {
		rc = koha_find_card(k, card, &p, found, why, sizeof why);
	} else if (student_number && *student_number && k->s.attribute[0]) {
		struct json_object *q = json_object_new_object();
		struct buf query = { 0 };
		char *text = NULL, *esc;

		if (jsonc_add_str(q, "extended_attributes.type", k->s.attribute) == 0 &&
		    jsonc_add_str(q, "extended_attributes.value", student_number) == 0)
			text = jsonc_take(q, NULL);
		else
			json_object_put(q);
		esc = text ? curl_easy_escape(k->x.h, text, 0) : NULL;
		free(text);
		if (!esc)
			return cr_fail(err, CR_ENOMEM, "out of memory");
		buf_str(&query, "q=");
		buf_str(&query, esc);
		curl_free(esc);
		rc = query.oom ? CURLE_OUT_OF_MEMORY : koha_find(k, query.p, &p, found, why, sizeof why);
		buf_free(&query);
		if (rc == CURLE_OK && *found && p.student[0] && strcmp(p.student, student_number))
			*found = 0;
	} else {
		return cr_fail(err, CR_EUSAGE, "a lookup needs a card number or a student ID");
	}
	if (rc != CURLE_OK)
		return cr_fail(err, CR_EUNAVAILABLE, "%s", why);
	if (k->x.status == 401 || k->x.status == 403)
		return cr_fail(err, CR_EUNAVAILABLE, "the library system refused cardroll's credentials");
	if (k->x.status != 200)
		return cr_fail(err, CR_ETEMP, "the library system could not look the child up (HTTP %ld)", k->x.status);
	if (*found)
		snprintf(remote_id, len, "%s", p.id);
	return CR_OK;
}

static enum cr_status koha_open(const struct sync_settings *s, void **state, struct cr_err *err)
{
	const char *env;
	struct koha *k;
	size_t n;

	*state = NULL;
	if (!s->url[0])
		return cr_fail(err, CR_ECONFIG, "[sync] url is not set: the Koha address, e.g. https://koha.example.org");
	if (strncmp(s->url, "http://", 7) && strncmp(s->url, "https://", 8))
		return cr_fail(err, CR_ECONFIG, "[sync] url must start with https:// (or http:// on loopback)");
	if (!(k = calloc(1, sizeof *k)))
		return cr_fail(err, CR_ENOMEM, "out of memory");
	k->s = *s;
	if (!k->s.auth[0])
		snprintf(k->s.auth, sizeof k->s.auth, "basic");
	if ((env = getenv("CARDROLL_SYNC_PASSWORD")) && *env)
		snprintf(k->s.password, sizeof k->s.password, "%s", env);
	if ((env = getenv("CARDROLL_SYNC_CLIENT_SECRET")) && *env)
		snprintf(k->s.client_secret, sizeof k->s.client_secret, "%s", env);
	if (k->s.timeout_ms <= 0)
		k->s.timeout_ms = 10000;
	if (k->s.probe_timeout_ms <= 0)
		k->s.probe_timeout_ms = 2000;
	snprintf(k->base, sizeof k->base, "%s", s->url);
	n = strlen(k->base);
	while (n > 0 && k->base[n - 1] == '/')
		k->base[--n] = '\0';
	if (!strcmp(k->s.auth, "oauth2") && (!k->s.client_id[0] || !k->s.client_secret[0])) {
		free(k);
		return cr_fail(err, CR_ECONFIG, "[sync] auth = oauth2 needs client_id and client_secret "
			       "(or CARDROLL_SYNC_CLIENT_SECRET)");
	}
	if (koha_http_open(k, err) != CR_OK) {
		memset(k, 0, sizeof *k);
		free(k);
		return err->status;
	}
	*state = k;
	return CR_OK;
}

static void koha_close(void *state)
{
	struct koha *k = state;

	if (!k)
		return;
	koha_http_close(k);
	/* The secrets go with the memory. */
	memset(k, 0, sizeof *k);
	free(k);
}

const struct sync_target sync_target_koha = {
	.name = "koha",
	.open = koha_open,
	.probe = koha_probe,
	.send = koha_send,
	.lookup = koha_lookup,
	.close = koha_close,
};
