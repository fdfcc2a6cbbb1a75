/* curl_baseline: the floor for bench/sync.sh. One libcurl easy handle (one
 * reused keep-alive connection) sends NPOST patron creates (a JSON body like
 * cardroll's, Basic auth) and NGET lookups (GET /api/v1/patrons?q=...), the
 * lookups interleaved before the creates as cardroll does, and checks every
 * status. Prints the seconds taken. An https URL is trusted through CAFILE
 * and spoken in whatever the server offers by ALPN (HTTP/2 for
 * bench/fast_ilsd_h2.js), still one request after another on the one
 * connection: the bare loop a library's IT person would write.
 *
 *   cc -O2 -o curl_baseline bench/curl_baseline.c $(pkg-config --cflags --libs libcurl)
 *   ./curl_baseline http(s)://127.0.0.1:PORT NPOST [NGET [CAFILE]]
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sink {
	char   buf[4096];
	size_t len;
};

static size_t on_data(char *p, size_t sz, size_t n, void *u)
{
	struct sink *s = u;
	size_t       k = sz * n;
	if (s->len + k < sizeof s->buf) {
		memcpy(s->buf + s->len, p, k);
		s->len += k;
	}
	return k;
}

/* One request; a connection the server closed under it (an HTTP/2 GOAWAY:
 * node's and nginx's servers close one after so many streams) is tried
 * once more, as any loop that means to finish would. */
static int perform(CURL *h, long want)
{
	long     code = 0;
	CURLcode rc = curl_easy_perform(h);

	if (rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM)
		rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	return rc == CURLE_OK && code == want ? 0 : 1;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: curl_baseline BASEURL NPOST [NGET [CAFILE]]\n");
		return 64;
	}
	const char *base = argv[1];
	long        npost = atol(argv[2]), nget = argc > 3 ? atol(argv[3]) : 0;
	char        url_post[512], url_get[1024], body[1024];
	struct sink sink;
	int         bad = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL              *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	snprintf(url_post, sizeof url_post, "%s/api/v1/patrons", base);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_USERPWD, "koha:bench");
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (argc > 4)
		curl_easy_setopt(h, CURLOPT_CAINFO, argv[4]);

	double t0 = now();
	long   gets = 0;
	for (long i = 0; i < npost; i++) {
		/* lookups spread evenly over the creates */
		long want = npost ? (nget * (i + 1)) / npost : 0;
		for (; gets < want; gets++) {
			snprintf(url_get, sizeof url_get,
				 "%s/api/v1/patrons?q=%%7B%%22extended_attributes.type%%22%%3A%%22STUID%%22%%2C"
				 "%%22extended_attributes.value%%22%%3A%%22%ld%%22%%7D",
				 base, 100000000 + gets);
			curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
			curl_easy_setopt(h, CURLOPT_URL, url_get);
			sink.len = 0;
			bad += perform(h, 200);
		}
		snprintf(body, sizeof body,
			 "{\"surname\":\"Garc\\u00eda L\\u00f3pez\",\"firstname\":\"Mar\\u00eda\",\"date_of_birth\":\"2015-03-%02ld\","
			 "\"cardnumber\":\"%ld\",\"library_id\":\"CPL\",\"category_id\":\"ST\",\"expiry_date\":\"2027-06-30\","
			 "\"extended_attributes\":[{\"type\":\"STUID\",\"value\":\"%ld\"}]}",
			 1 + i % 28, 100000000 + i, 100000000 + i);
		curl_easy_setopt(h, CURLOPT_URL, url_post);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		sink.len = 0;
		bad += perform(h, 201);
	}
	double t1 = now();
	long   version = 0;
	curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
	printf("%.3f\n", t1 - t0);
	fprintf(stderr, "curl_baseline: %ld POST + %ld GET in %.3f s (%s), %d failed\n", npost, gets, t1 - t0,
		version == CURL_HTTP_VERSION_2_0 ? "HTTP/2" : "HTTP/1.1", bad);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return bad ? 1 : 0;
}
