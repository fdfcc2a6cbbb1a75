#!/usr/bin/env python3
"""ilsd: a Koha-like patron API on loopback, with fault injection, for the
sync tests (DESIGN §7, §8). Python 3 standard library only.

  python3 tests/sync/ilsd.py --port 0 --port-file F [--user U --password P]
      [--client-id I --client-secret S --token-ttl N [--token-expires-in M]] [--faults SPEC]
      [--delay SECONDS|MIN-MAX] [--state FILE] [--tls CERT KEY] [--library CPL]
      [--confirm-header honour|ignore]

Endpoints: POST /api/v1/oauth/token, POST/GET /api/v1/patrons,
GET/PUT/DELETE /api/v1/patrons/{id}; control: POST /_control/faults (body:
SPEC, replaces the queue), POST /_control/patrons (a JSON patron stored as is,
to set up conflicts), POST /_control/always (body: a JSON object card number ->
HTTP status: every POST of that card is answered so, e.g. a 500 every time),
GET /_control/stats, GET /_control/patrons.

As Koha does: a PUT whose body holds extended_attributes is a 500 (Koha's
update passes the body to Koha::Patron->set_from_api, which throws on that
key); only POST takes the attributes apart. --confirm-header ignore is a Koha
whose patron API does not read x-confirm-not-duplicate (every version read,
see README "Syncing"): the likely-duplicate 409 then carries a "conflict" and
the header changes nothing. honour (the default) creates the patron when the
header is sent, as a Koha that honoured it would.

Fault SPEC: a comma list consumed one per POST /api/v1/patrons request:
  ok            answer normally
  NNN           answer with that status (500, 400, 401, 403, 502 ...)
  503:S, 429:S  that status with Retry-After: S
  409card       409 {"conflict":"cardnumber"}; 409dup: the likely-duplicate 409
  slow:S        wait S seconds (may be fractional), then answer normally
  hang          never answer; the connection stays open until the client leaves
  reset         headers and part of the body, then an abrupt close (RST);
                nothing is stored
  resetafter    the patron is stored, then the answer is cut the same way
                (the client must not make a second patron when it retries)
  TOKEN*N       the same token N times
Logs one line per request (method, path without query, status) on stderr;
never bodies, never query strings.
"""
import argparse
import base64
import json
import os
import random
import secrets
import select
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PATRON_FIELDS = set("""patron_id cardnumber surname firstname preferred_name middle_name title
other_name initials pronouns street_number street_type address city state postal_code country
email phone mobile fax secondary_email secondary_phone altaddress_street_number
altaddress_street_type altaddress_address altaddress_city altaddress_state altaddress_postal_code
altaddress_country altaddress_email altaddress_phone date_of_birth library_id category_id
date_enrolled expiry_date date_renewed incorrect_address patron_card_lost restricted staff_notes
relationship_type gender userid opac_notes altaddress_notes autorenew_checkouts
altcontact_firstname altcontact_surname altcontact_address altcontact_city altcontact_state
altcontact_postal_code altcontact_country altcontact_phone sms_number sms_provider_id privacy
privacy_guarantor_checkouts privacy_guarantor_fines check_previous_checkout updated_on last_seen
lang login_attempts overdrive_auth_token anonymized extended_attributes checkouts_count
overdues_count account_balance library protected _strings""".split())
READ_ONLY = {"patron_id", "restricted", "anonymized"}
DATE_FIELDS = {"date_of_birth", "date_enrolled", "expiry_date", "date_renewed"}
DUP_MSG = "A patron record matching these details already exists"


def parse_faults(spec):
    out = []
    for tok in (spec or "").split(","):
        tok = tok.strip()
        if not tok:
            continue
        n = 1
        if "*" in tok:
            tok, cnt = tok.rsplit("*", 1)
            n = int(cnt)
        name, _, arg = tok.partition(":")
        if name not in ("ok", "slow", "hang", "reset", "resetafter", "409card", "409dup") and not name.isdigit():
            raise ValueError("unknown fault %r" % tok)
        if name == "slow":
            float(arg)
        out.extend([(name, arg)] * n)
    return out


def valid_date(s):
    if not isinstance(s, str) or len(s) != 10 or s[4] != "-" or s[7] != "-":
        return False
    try:
        time.strptime(s, "%Y-%m-%d")
        return True
    except ValueError:
        return False


class State:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.path = path
        self.patrons = {}          # id -> patron object
        self.next_id = 1
        self.tokens = {}           # token -> expiry (monotonic)
        self.faults = []
        self.requests = {}         # "METHOD route status" -> n
        self.by_status = {}
        self.confirmed = 0         # POSTs carrying x-confirm-not-duplicate: 1
        self.tokens_issued = 0
        self.faulted = []          # [fault, cardnumber] per POST that met a fault
        self.always = {}           # cardnumber -> status for every POST of it
        self.always_met = {}       # cardnumber -> how many POSTs met it
        self.put_attr_500 = 0      # PUTs refused for holding extended_attributes
        self.auth_failures = 0
        if path and os.path.exists(path):
            with open(path) as f:
                d = json.load(f)
            self.patrons = {int(k): v for k, v in d.get("patrons", {}).items()}
            self.next_id = d.get("next_id", max(self.patrons, default=0) + 1)

    def save(self):
        """Under the lock: writes the patrons atomically."""
        if not self.path:
            return
        tmp = "%s.tmp.%d" % (self.path, os.getpid())
        with open(tmp, "w") as f:
            json.dump({"next_id": self.next_id,
                       "patrons": {str(k): v for k, v in self.patrons.items()}}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def stats(self):
        cards, students = {}, {}
        for p in self.patrons.values():
            c = p.get("cardnumber")
            if c:
                cards[c] = cards.get(c, 0) + 1
            for a in p.get("extended_attributes") or []:
                v = a.get("value")
                students[v] = students.get(v, 0) + 1
        return {
            "patrons": len(self.patrons),
            "requests": self.requests,
            "by_status": self.by_status,
            "cardnumbers": cards,
            "duplicate_cardnumbers": sorted(c for c, n in cards.items() if n > 1),
            "attribute_values": students,
            "duplicate_attribute_values": sorted(v for v, n in students.items() if n > 1),
            "confirmed_not_duplicate": self.confirmed,
            "tokens_issued": self.tokens_issued,
            "auth_failures": self.auth_failures,
            "faults_left": len(self.faults),
            "faulted": self.faulted,
            "always_met": self.always_met,
            "put_attr_500": self.put_attr_500,
        }


def q_value_matches(actual, cond):
    """cond: a plain value, or {"=": v}, {"-like": "a%"}, {"-in": [..]}."""
    if isinstance(cond, dict):
        for op, v in cond.items():
            if op in ("=", "-eq", "=="):
                if str(actual) != str(v):
                    return False
            elif op in ("!=", "-not"):
                if str(actual) == str(v):
                    return False
            elif op == "-like":
                pat = str(v)
                a = "" if actual is None else str(actual)
                if pat.startswith("%") and pat.endswith("%"):
                    if pat.strip("%") not in a:
                        return False
                elif pat.endswith("%"):
                    if not a.startswith(pat[:-1]):
                        return False
                elif pat.startswith("%"):
                    if not a.endswith(pat[1:]):
                        return False
                elif a != pat:
                    return False
            elif op == "-in":
                if str(actual) not in [str(x) for x in v]:
                    return False
            else:
                return False
        return True
    if isinstance(cond, list):
        return any(q_value_matches(actual, c) for c in cond)
    if cond is None:
        return actual is None
    return actual is not None and str(actual) == str(cond)


ATTR_TYPE_KEYS = ("type", "code")
ATTR_VALUE_KEYS = ("value", "attribute")


def q_matches(p, q):
    """Koha's q: a dict (AND of its keys) or a list (OR). Keys are patron
    fields (optionally me.), extended_attributes.type|code|value|attribute,
    -and / -or."""
    if isinstance(q, list):
        return any(q_matches(p, x) for x in q) if q else True
    if not isinstance(q, dict):
        return False
    attr_conds = {}
    for k, v in q.items():
        if k == "-and":
            if not all(q_matches(p, x) for x in (v if isinstance(v, list) else [v])):
                return False
            continue
        if k == "-or":
            if not q_matches(p, v if isinstance(v, list) else [v]):
                return False
            continue
        key = k[3:] if k.startswith("me.") else k
        if key.startswith("extended_attributes."):
            attr_conds[key.split(".", 1)[1]] = v
            continue
        if key == "borrowernumber":
            key = "patron_id"
        if key == "dateofbirth":
            key = "date_of_birth"
        if not q_value_matches(p.get(key), v):
            return False
    if attr_conds:
        ok = False
        for a in p.get("extended_attributes") or []:
            good = True
            for ak, av in attr_conds.items():
                if ak in ATTR_TYPE_KEYS:
                    good = good and q_value_matches(a.get("type"), av)
                elif ak in ATTR_VALUE_KEYS:
                    good = good and q_value_matches(a.get("value"), av)
                else:
                    good = False
            if good:
                ok = True
                break
        if not ok:
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ilsd/1"
    disable_nagle_algorithm = True   # headers and body go out in two writes

    # ---- plumbing ---------------------------------------------------------
    def log_request(self, code="-", size="-"):
        path = urlsplit(self.path).path
        try:
            code = int(code)
        except (TypeError, ValueError):
            pass
        sys.stderr.write("ilsd: %s %s %s\n" % (self.command, path, code))
        sys.stderr.flush()

    def log_message(self, fmt, *args):
        pass  # error pages etc.: nothing that could hold a body

    def count(self, route, status):
        st = self.server.st
        key = "%s %s %d" % (self.command, route, status)
        with st.lock:
            st.requests[key] = st.requests.get(key, 0) + 1
            st.by_status[str(status)] = st.by_status.get(str(status), 0) + 1

    def reply(self, status, obj=None, headers=None, route=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.count(route or urlsplit(self.path).path, status)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(n) if n > 0 else b""

    def authorized(self):
        cfg = self.server.cfg
        h = self.headers.get("Authorization", "")
        st = self.server.st
        if h.startswith("Basic ") and cfg.user is not None:
            try:
                u, _, p = base64.b64decode(h[6:].strip()).decode().partition(":")
            except Exception:
                return False
            return secrets.compare_digest(u, cfg.user) and secrets.compare_digest(p, cfg.password or "")
        if h.startswith("Bearer ") and cfg.client_id is not None:
            tok = h[7:].strip()
            with st.lock:
                exp = st.tokens.get(tok)
            return exp is not None and time.monotonic() < exp
        if cfg.user is None and cfg.client_id is None:
            return True  # no auth configured
        return False

    def deny(self, route):
        with self.server.st.lock:
            self.server.st.auth_failures += 1
        self.reply(401, {"error": "Authentication failure."}, route=route)

    # ---- faults ------------------------------------------------------------
    def delay(self):
        d = self.server.cfg.delay
        if d:
            time.sleep(random.uniform(d[0], d[1]))

    def hang(self):
        """Never answer: wait until the client goes away (or 10 minutes)."""
        self.count("/api/v1/patrons", 0)
        sys.stderr.write("ilsd: %s %s hang\n" % (self.command, urlsplit(self.path).path))
        end = time.monotonic() + 600
        sock = self.connection
        while time.monotonic() < end:
            try:
                r, _, _ = select.select([sock], [], [], 0.5)
                if r and not sock.recv(1, socket.MSG_PEEK):
                    break
            except (OSError, ValueError, ssl.SSLError):
                break
        self.close_connection = True

    def reset(self):
        body = json.dumps({"patron_id": 999999, "surname": "x" * 200}).encode()
        self.send_response_only(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:20])
        self.wfile.flush()
        self.count("/api/v1/patrons", -1)
        sys.stderr.write("ilsd: %s %s reset\n" % (self.command, urlsplit(self.path).path))
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    # ---- routes -------------------------------------------------------------
    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        u = urlsplit(self.path)
        path = u.path.rstrip("/") or "/"
        try:
            body = self.read_body() if method in ("POST", "PUT", "PATCH") else b""
        except (ValueError, OSError):
            self.close_connection = True
            return
        if path == "/_control/faults" and method == "POST":
            try:
                faults = parse_faults(body.decode())
            except ValueError as e:
                return self.reply(400, {"error": str(e)})
            with self.server.st.lock:
                self.server.st.faults = faults
            return self.reply(204)
        if path == "/_control/always" and method == "POST":
            d = json.loads(body)
            with self.server.st.lock:
                self.server.st.always = {str(k): int(v) for k, v in d.items()}
            return self.reply(204)
        if path == "/_control/stats" and method == "GET":
            with self.server.st.lock:
                s = json.loads(json.dumps(self.server.st.stats()))
            return self.reply(200, s)
        if path == "/_control/patrons" and method == "GET":
            with self.server.st.lock:
                s = list(self.server.st.patrons.values())
            return self.reply(200, s)
        if path == "/_control/patrons" and method == "POST":
            p = json.loads(body)
            st = self.server.st
            with st.lock:
                p["patron_id"] = st.next_id
                st.next_id += 1
                st.patrons[p["patron_id"]] = p
                st.save()
            return self.reply(201, p)
        if path == "/api/v1/oauth/token" and method == "POST":
            return self.token(body)
        if path == "/api/v1/patrons" and method == "POST":
            return self.create(body)
        if path == "/api/v1/patrons" and method == "GET":
            if not self.authorized():
                return self.deny(path)
            self.delay()
            return self.search(u.query)
        if path.startswith("/api/v1/patrons/"):
            rest = path[len("/api/v1/patrons/"):]
            if not rest.isdigit():
                return self.reply(404, {"error": "Not found"}, route="/api/v1/patrons/{id}")
            if not self.authorized():
                return self.deny("/api/v1/patrons/{id}")
            return self.one(method, int(rest), body)
        return self.reply(404, {"error": "Not found"})

    def token(self, body):
        cfg, st = self.server.cfg, self.server.st
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        # client credentials may also come as Basic (RFC 6749 §2.3.1)
        h = self.headers.get("Authorization", "")
        if h.startswith("Basic ") and "client_id" not in form:
            try:
                i, _, s = base64.b64decode(h[6:]).decode().partition(":")
                form["client_id"], form["client_secret"] = i, s
            except Exception:
                pass
        if form.get("grant_type") != "client_credentials":
            return self.reply(400, {"error": "unsupported_grant_type"})
        if (cfg.client_id is None or form.get("client_id") != cfg.client_id
                or form.get("client_secret") != cfg.client_secret):
            with st.lock:
                st.auth_failures += 1
            return self.reply(403, {"error": "unauthorized_client"})
        tok = secrets.token_urlsafe(24)
        with st.lock:
            st.tokens[tok] = time.monotonic() + cfg.token_ttl
            st.tokens_issued += 1
        return self.reply(200, {"access_token": tok, "token_type": "Bearer",
                                "expires_in": cfg.token_expires_in if cfg.token_expires_in else int(cfg.token_ttl)})

    def create(self, body):
        st = self.server.st
        route = "/api/v1/patrons"
        with st.lock:
            fault = st.faults.pop(0) if st.faults else ("ok", "")
        name, arg = fault
        try:
            always = st.always.get(json.loads(body).get("cardnumber"))
        except Exception:
            always = None
        if always:
            with st.lock:
                c = json.loads(body).get("cardnumber")
                st.always_met[c] = st.always_met.get(c, 0) + 1
            return self.reply(always, {"error": "Something went wrong, check Koha logs for details."}, route=route)
        if name != "ok":
            try:
                card = json.loads(body).get("cardnumber")
            except Exception:
                card = None
            with st.lock:
                st.faulted.append([name + (":" + arg if arg else ""), card])
        if name == "hang":
            return self.hang()
        if name == "reset":
            return self.reset()
        if name == "slow":
            time.sleep(float(arg))
        else:
            self.delay()
        if name.isdigit():
            status = int(name)
            hdr = {"Retry-After": arg} if arg else {}
            msg = {401: "Authentication failure.", 400: "Invalid request", 403: "Forbidden"}.get(
                status, "Something went wrong, check Koha logs for details.")
            if status == 400 and not arg:
                msg = "Expected string - got null."
            return self.reply(status, {"error": msg}, headers=hdr, route=route)
        if not self.authorized():
            return self.deny(route)
        if name == "409card":
            return self.reply(409, {"error": "Given cardnumber already exists", "conflict": "cardnumber"}, route=route)
        if name == "409dup":
            return self.reply(409, self.dup_answer(), route=route)
        try:
            p = json.loads(body)
        except ValueError:
            return self.reply(400, {"error": "Invalid JSON"}, route=route)
        if not isinstance(p, dict):
            return self.reply(400, {"errors": [{"message": "Expected object", "path": "/body"}]}, route=route)
        errs = []
        for k in p:
            if k not in PATRON_FIELDS:
                errs.append({"message": "Properties not allowed: %s." % k, "path": "/body"})
            elif k in READ_ONLY:
                errs.append({"message": "Read-only.", "path": "/body/" + k})
        for k in ("surname", "library_id", "category_id"):
            if not isinstance(p.get(k), str) or not p.get(k):
                errs.append({"message": "Missing property.", "path": "/body/" + k})
        for k in DATE_FIELDS:
            if k in p and p[k] is not None and not valid_date(p[k]):
                errs.append({"message": "Does not match date format.", "path": "/body/" + k})
        for a in p.get("extended_attributes") or []:
            if not isinstance(a, dict) or set(a) - {"type", "value"} or "type" not in a or "value" not in a:
                errs.append({"message": "Invalid extended attribute.", "path": "/body/extended_attributes"})
        if errs:
            return self.reply(400, {"errors": errs, "status": 400}, route=route)
        lib = self.server.cfg.library
        if lib and p["library_id"] not in lib:
            return self.reply(400, {"error": "Given library_id does not exist"}, route=route)
        confirm = self.headers.get("x-confirm-not-duplicate", "").strip() in ("1", "true")
        if self.server.cfg.confirm_header == "ignore":
            confirm = False
        with st.lock:
            if confirm:
                st.confirmed += 1
            card = p.get("cardnumber")
            if card and any(x.get("cardnumber") == card for x in st.patrons.values()):
                conflict = True
            else:
                conflict = False
            attr_clash = None
            for a in p.get("extended_attributes") or []:
                for x in st.patrons.values():
                    for b in x.get("extended_attributes") or []:
                        if b.get("type") == a.get("type") and b.get("value") == a.get("value"):
                            attr_clash = a.get("type")
            dup = (not confirm) and any(
                x.get("surname") == p.get("surname") and x.get("firstname") == p.get("firstname")
                and x.get("date_of_birth") == p.get("date_of_birth") for x in st.patrons.values())
            if not conflict and not attr_clash and not dup:
                p["patron_id"] = st.next_id
                st.next_id += 1
                p.setdefault("restricted", False)
                p.setdefault("anonymized", False)
                # as Koha does: a new patron is enrolled today
                p.setdefault("date_enrolled", time.strftime("%Y-%m-%d"))
                st.patrons[p["patron_id"]] = p
                st.save()
        if conflict:
            return self.reply(409, {"error": "Given cardnumber already exists", "conflict": "cardnumber"}, route=route)
        if attr_clash:
            return self.reply(409, {"error": "Your action breaks a unique constraint on the attribute. type=%s" % attr_clash,
                                    "conflict": "extended_attributes"}, route=route)
        if dup:
            return self.reply(409, self.dup_answer(), route=route)
        if name == "resetafter":
            return self.reset()
        return self.reply(201, p, headers={"Location": "/api/v1/patrons/%d" % p["patron_id"]}, route=route)

    def dup_answer(self):
        if self.server.cfg.confirm_header == "ignore":
            return {"error": DUP_MSG, "conflict": "patron"}
        return {"error": DUP_MSG}

    def search(self, query):
        params = parse_qs(query, keep_blank_values=True)
        q = None
        if "q" in params:
            try:
                qs = [json.loads(x) for x in params["q"]]
                q = qs[0] if len(qs) == 1 else {"-and": qs}
            except ValueError:
                return self.reply(400, {"error": "Invalid q"}, route="/api/v1/patrons")
        field_match = params.get("_match", ["contains"])[0]
        st = self.server.st
        with st.lock:
            found = []
            for p in st.patrons.values():
                good = True
                for k, vs in params.items():
                    if k.startswith("_") or k in ("q", "page", "per_page"):
                        continue
                    key = "patron_id" if k == "borrowernumber" else k
                    v, a = vs[0], p.get(key)
                    a = "" if a is None else str(a)
                    if field_match == "exact" or key in ("cardnumber", "patron_id"):
                        good = good and a == v
                    elif field_match == "starts_with":
                        good = good and a.startswith(v)
                    else:
                        good = good and v.lower() in a.lower()
                if good and q is not None:
                    good = q_matches(p, q)
                if good:
                    found.append(p)
            found = json.loads(json.dumps(found))
        return self.reply(200, found, headers={"X-Total-Count": len(found)}, route="/api/v1/patrons")

    def one(self, method, pid, body):
        st = self.server.st
        route = "/api/v1/patrons/{id}"
        with st.lock:
            p = st.patrons.get(pid)
            p = json.loads(json.dumps(p)) if p else None
        if p is None:
            return self.reply(404, {"error": "Patron not found"}, route=route)
        if method == "GET":
            return self.reply(200, p, route=route)
        if method == "DELETE":
            with st.lock:
                st.patrons.pop(pid, None)
                st.save()
            return self.reply(204, route=route)
        if method in ("PUT", "PATCH"):
            try:
                upd = json.loads(body)
            except ValueError:
                return self.reply(400, {"error": "Invalid JSON"}, route=route)
            if not isinstance(upd, dict):
                return self.reply(400, {"error": "Expected object"}, route=route)
            if "extended_attributes" in upd:
                # Koha: set_from_api has no such column and throws.
                with st.lock:
                    st.put_attr_500 += 1
                return self.reply(500, {"error": "Something went wrong, check Koha logs for details."}, route=route)
            bad = [k for k in upd if k not in PATRON_FIELDS]
            if bad:
                return self.reply(400, {"errors": [{"message": "Properties not allowed: %s." % ", ".join(bad),
                                                    "path": "/body"}]}, route=route)
            for k in DATE_FIELDS:
                if k in upd and upd[k] is not None and not valid_date(upd[k]):
                    return self.reply(400, {"errors": [{"message": "Does not match date format.",
                                                        "path": "/body/" + k}]}, route=route)
            with st.lock:
                cur = st.patrons.get(pid)
                if cur is None:
                    return self.reply(404, {"error": "Patron not found"}, route=route)
                for k, v in upd.items():
                    if k not in READ_ONLY and k != "patron_id":
                        cur[k] = v
                st.save()
                out = json.loads(json.dumps(cur))
            return self.reply(200, out, route=route)
        return self.reply(405, {"error": "Method not allowed"}, route=route)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def finish_request(self, request, client_address):
        if self.sslctx is None:
            return super().finish_request(request, client_address)
        try:
            request = self.sslctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            sys.stderr.write("ilsd: TLS handshake failed: %s\n" % getattr(e, "reason", e))
            return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, ssl.SSLError, TimeoutError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="Koha-like patron API with fault injection (loopback only)")
    ap.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1", "localhost"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--token-ttl", type=float, default=3600, help="seconds a token really lasts")
    ap.add_argument("--token-expires-in", type=int,
                    help="expires_in announced to the client (default: the ttl); larger = tokens die early")
    ap.add_argument("--faults", default="")
    ap.add_argument("--delay", help="seconds (or MIN-MAX) before every patron answer")
    ap.add_argument("--state", help="keep the patrons in this JSON file (atomic writes)")
    ap.add_argument("--library", action="append", help="known library_id (repeatable); any if absent")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--confirm-header", choices=["honour", "ignore"], default="honour",
                    help="ignore: a Koha whose patron API does not read x-confirm-not-duplicate")
    cfg = ap.parse_args()
    if cfg.delay:
        a, _, b = cfg.delay.partition("-")
        cfg.delay = (float(a), float(b or a))
    cfg.library = set(cfg.library) if cfg.library else None

    st = State(cfg.state)
    st.faults = parse_faults(cfg.faults)
    if cfg.host == "::1":
        Server.address_family = socket.AF_INET6
    srv = Server((cfg.host, cfg.port), Handler)
    srv.cfg, srv.st, srv.sslctx = cfg, st, None
    if cfg.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg.tls[0], cfg.tls[1])
        srv.sslctx = ctx
    port = srv.server_address[1]
    if cfg.port_file:
        tmp = cfg.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, cfg.port_file)
    else:
        print(port, flush=True)
    sys.stderr.write("ilsd: listening on %s:%d%s\n" % (cfg.host, port, " (TLS)" if cfg.tls else ""))
    sys.stderr.flush()
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
