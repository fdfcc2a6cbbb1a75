#!/usr/bin/env python3
"""rosterd: a loopback roster server for tests/sync/test_roster_pull.sh.

Python 3 standard library only. Serves, on 127.0.0.1 and a free port
(written to --port-file):

  GET  /roster.zip         the file ROOT/roster.zip with ETag (content hash)
                           and Last-Modified (mtime); 304 to a matching
                           If-None-Match, or to If-Modified-Since when no
                           If-None-Match was sent
  GET  /_stats             JSON request counters (zip_200, zip_304, token_ok,
                           token_bad, rest_pages, rest_401)
  POST /token              OAuth2 client credentials (HTTP Basic client id and
                           secret, or form fields): a Bearer token; a wrong
                           secret gets 401 invalid_client
  GET  /ims/oneroster/rostering/v1p2/{orgs,academicSessions,courses,classes,
       users,enrollments,demographics}
                           OneRoster 1.2 JSON built from the --bulk package
                           (tests/tools/genroster output), with the --delta package
                           merged in once ROOT/delta-on exists. Bearer token
                           required. limit/offset paging (limit capped at
                           --page-max), X-Total-Count, and
                           filter=dateLastModified>'...' or >='...' (compared
                           as instants: Z, +00:00/-05:00 offsets, fractional
                           seconds). ROOT/records.json, when it exists
                           ({collection: [OneRoster JSON records]}, read at
                           every request), replaces or adds records by
                           sourcedId, as the server sends them.

--tls CERT KEY serves HTTPS instead of HTTP.
"""
import argparse
import base64
import copy
import csv
import datetime
import email.utils
import hashlib
import json
import os
import re
import secrets
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE = "/ims/oneroster/rostering/v1p2/"
BULK_DATE = "2024-09-15T00:00:00.000Z"
COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics")

ARGS = None
STATS = {"zip_200": 0, "zip_304": 0, "token_ok": 0, "token_bad": 0, "rest_pages": 0, "rest_401": 0,
         "filter_gt": 0, "filter_ge": 0}
TOKENS = set()
LOCK = threading.Lock()
CACHE = {}


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def split_list(s):
    return [x.strip() for x in (s or "").split(",") if x.strip()]


def ref(kind, sid):
    if not sid:
        return None
    return {"href": BASE + kind + "s/" + sid, "sourcedId": sid, "type": kind}


def user_ids(s):
    out = []
    for m in re.finditer(r"\{([^:}]*):([^}]*)\}", s or ""):
        out.append({"type": m.group(1), "identifier": m.group(2)})
    return out


def to_json(coll, row):
    o = {"sourcedId": row["sourcedId"], "status": row.get("status") or "active",
         "dateLastModified": row.get("dateLastModified") or BULK_DATE}
    g = row.get
    if coll == "orgs":
        o.update(name=g("name"), type=g("type"), identifier=g("identifier") or "")
        if g("parentSourcedId"):
            o["parent"] = ref("org", g("parentSourcedId"))
    elif coll == "academicSessions":
        o.update(title=g("title"), type=g("type"), startDate=g("startDate"), endDate=g("endDate"),
                 schoolYear=g("schoolYear"))
        if g("parentSourcedId"):
            o["parent"] = ref("academicSession", g("parentSourcedId"))
    elif coll == "courses":
        o.update(title=g("title"), courseCode=g("courseCode"), grades=split_list(g("grades")),
                 subjects=split_list(g("subjects")), org=ref("org", g("orgSourcedId")),
                 schoolYear=ref("academicSession", g("schoolYearSourcedId")))
    elif coll == "classes":
        o.update(title=g("title"), classCode=g("classCode"), classType=g("classType"), location=g("location"),
                 grades=split_list(g("grades")), subjects=split_list(g("subjects")),
                 course=ref("course", g("courseSourcedId")), school=ref("org", g("schoolSourcedId")),
                 terms=[ref("academicSession", t) for t in split_list(g("termSourcedIds"))],
                 periods=split_list(g("periods")))
    elif coll == "users":
        orgs = split_list(g("orgSourcedIds"))
        o.update(enabledUser=g("enabledUser") or "true", username=g("username"), userIds=user_ids(g("userIds")),
                 givenName=g("givenName"), familyName=g("familyName"), middleName=g("middleName") or "",
                 identifier=g("identifier") or "", email=g("email") or "", grades=split_list(g("grades")),
                 roles=[{"roleType": "primary" if i == 0 else "secondary", "role": g("role"),
                         "org": ref("org", org)} for i, org in enumerate(orgs)],
                 # a SIS password the client must never keep
                 password="sis-password-do-not-keep")
    elif coll == "enrollments":
        o.update(role=g("role"), primary=g("primary") or "false", beginDate=g("beginDate"), endDate=g("endDate"),
                 user=ref("user", g("userSourcedId")), school=ref("org", g("schoolSourcedId")))
        o["class"] = ref("class", g("classSourcedId"))
    elif coll == "demographics":
        o.update(birthDate=g("birthDate"), sex=g("sex"))
    return o


TS = re.compile(r"(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:[.,](\d+))?([Zz]|[+-]\d\d(?::?\d\d)?)?")


def instant(s):
    """An ISO 8601 date and time as an aware UTC datetime, or None."""
    m = TS.fullmatch(s or "")
    if not m:
        return None
    frac = (m.group(3) or "")[:6].ljust(6, "0")
    zone = m.group(4) or "Z"
    if zone in ("Z", "z"):
        zone = "+00:00"
    elif len(zone) == 3:
        zone += ":00"
    elif ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}.{frac}{zone}").astimezone(
            datetime.timezone.utc)
    except ValueError:
        return None


def overlay(data):
    """ROOT/records.json over the data set (a copy)."""
    path = os.path.join(ARGS.root, "records.json")
    if not os.path.exists(path):
        return data
    with open(path, encoding="utf-8") as f:
        extra = json.load(f)
    out = copy.copy(data)
    for coll, recs in extra.items():
        rows = {r["sourcedId"]: r for r in data.get(coll, [])}
        for r in recs:
            rows[r["sourcedId"]] = r
        out[coll] = [rows[k] for k in sorted(rows)]
    return out


def dataset():
    delta = os.path.exists(os.path.join(ARGS.root, "delta-on")) and ARGS.delta
    key = bool(delta)
    with LOCK:
        if key in CACHE:
            return CACHE[key]
        data = {}
        for coll in COLLECTIONS:
            rows = {}
            for r in read_csv(os.path.join(ARGS.bulk, coll + ".csv")):
                rows[r["sourcedId"]] = to_json(coll, r)
            if delta:
                for r in read_csv(os.path.join(ARGS.delta, coll + ".csv")):
                    rows[r["sourcedId"]] = to_json(coll, r)
            data[coll] = [rows[k] for k in sorted(rows)]
        CACHE[key] = data
        return data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):  # quiet: never print requests (they carry tokens)
        pass

    def send(self, code, body=b"", ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if code != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if code != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def count(self, k):
        with LOCK:
            STATS[k] += 1

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/_stats":
            with LOCK:
                return self.send(200, dict(STATS))
        if u.path == "/roster.zip":
            return self.zip_file()
        if u.path.startswith(BASE):
            return self.rest(u)
        return self.send(404, {"error": "not found"})

    def zip_file(self):
        path = os.path.join(ARGS.root, "roster.zip")
        try:
            with open(path, "rb") as f:
                body = f.read()
            mtime = os.stat(path).st_mtime
        except OSError:
            return self.send(404, {"error": "not found"})
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        lm = email.utils.formatdate(int(mtime), usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims:
            try:
                fresh = int(mtime) <= email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self.count("zip_304")
            return self.send(304, headers={"ETag": etag, "Last-Modified": lm})
        self.count("zip_200")
        return self.send(200, body, "application/zip", {"ETag": etag, "Last-Modified": lm})

    def rest(self, u):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            self.count("rest_401")
            return self.send(401, {"imsx_codeMajor": "failure", "imsx_description": "unauthorized"},
                             headers={"WWW-Authenticate": "Bearer"})
        coll = u.path[len(BASE):].strip("/")
        if coll not in COLLECTIONS:
            return self.send(404, {"imsx_codeMajor": "failure"})
        if coll == "demographics" and ARGS.no_demographics:
            return self.send(403, {"imsx_codeMajor": "failure"})
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        try:
            limit = max(1, min(int(q.get("limit", ["100"])[0]), ARGS.page_max))
            offset = max(0, int(q.get("offset", ["0"])[0]))
        except ValueError:
            return self.send(400, {"imsx_codeMajor": "failure", "imsx_description": "bad limit/offset"})
        rows = overlay(dataset())[coll]
        flt = q.get("filter", [None])[0]
        if flt is not None:
            m = re.fullmatch(r"\s*dateLastModified\s*(>=?)\s*'([^']*)'\s*", flt)
            since = instant(m.group(2)) if m else None
            if since is None:
                return self.send(400, {"imsx_codeMajor": "failure", "imsx_description": "unsupported filter"})
            ge = m.group(1) == ">="
            self.count("filter_ge" if ge else "filter_gt")
            # a record whose date is no instant is sent (the client must say so)
            rows = [r for r in rows if instant(r["dateLastModified"]) is None or
                    (instant(r["dateLastModified"]) >= since if ge else instant(r["dateLastModified"]) > since)]
        self.count("rest_pages")
        page = rows[offset:offset + limit]
        return self.send(200, {coll: page}, headers={"X-Total-Count": str(len(rows))})

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace"))
        if u.path != "/token":
            return self.send(404, {"error": "not found"})
        cid = form.get("client_id", [""])[0]
        csec = form.get("client_secret", [""])[0]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                cid, _, csec = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                cid = csec = ""
        if form.get("grant_type", [""])[0] != "client_credentials":
            return self.send(400, {"error": "unsupported_grant_type"})
        if cid != ARGS.client_id or csec != ARGS.client_secret:
            self.count("token_bad")
            return self.send(401, {"error": "invalid_client"})
        tok = secrets.token_hex(16)
        with LOCK:
            TOKENS.add(tok)
        self.count("token_ok")
        return self.send(200, {"access_token": tok, "token_type": "bearer", "expires_in": 3600,
                               "scope": form.get("scope", [""])[0]})


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True, help="folder with roster.zip and the delta-on switch")
    ap.add_argument("--bulk", help="genroster bulk package for the REST API")
    ap.add_argument("--delta", help="genroster --delta-from package, merged in when ROOT/delta-on exists")
    ap.add_argument("--client-id", default="cardroll-test")
    ap.add_argument("--client-secret", default="")
    ap.add_argument("--page-max", type=int, default=100)
    ap.add_argument("--no-demographics", action="store_true", help="answer 403 for demographics")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port-file", required=True)
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
