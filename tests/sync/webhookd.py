#!/usr/bin/env python3
"""A webhook receiver for cardroll's sync tests (Python 3 stdlib only).

Listens on 127.0.0.1 (a free port unless --port), checks every POST:
  - X-Cardroll-Signature must be sha256=HMAC-SHA256(secret, body): else 401
  - Idempotency-Key must list the body's event ids, comma-separated: else 400
and answers {"results":[{"id","status","remote_id","reason"}]} per event.

Each event id is remembered: a replayed id answers "done" with the same
remote_id and is not counted again, so the state file proves a replay
never makes a second patron.

State (--state FILE, rewritten after each request, JSON):
  {"requests": [{"status", "sig_ok", "idem": [...], "ids": [...]}],
   "patrons": {event id: {"remote_id", "kind", "student_id", "card", ...}},
   "created": N}
The event fields are kept in the state file because the tests check them;
this is a test server on loopback with made-up children only.

Behaviour switches:
  --reject-student S   answer "rejected" for events of student ID S
  --reject-id UUID     answer "rejected" for that event id
  --retry-student S    answer "retry" for student S the first time it is seen
  --mode busy          every POST: 503 with Retry-After: 7
  --mode down500       every POST: 500
  --mode garbage       every POST: 200 with a body that is not JSON
  --lifetime SECONDS   exit by itself after that long (default 120)
  --tls CERT KEY       serve HTTPS with that certificate and key
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"requests": [], "patrons": {}, "created": 0}
retried = set()


def save(path):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: no bodies, no ids on stderr
        pass

    def reply(self, code, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with lock:
            code, answer, headers = self.handle_events(body)
            save(self.server.opt.state)  # before answering: the test reads it next
        self.reply(code, answer, headers)

    def handle_events(self, body):
        opt = self.server.opt
        sig = self.headers.get("X-Cardroll-Signature", "")
        want = "sha256=" + hmac.new(opt.secret.encode(), body, hashlib.sha256).hexdigest()
        sig_ok = hmac.compare_digest(sig, want)
        idem = [k.strip() for k in self.headers.get("Idempotency-Key", "").split(",") if k.strip()]
        rec = {"status": 0, "sig_ok": sig_ok, "idem": idem, "ids": [],
               "content_type": self.headers.get("Content-Type", "")}
        state["requests"].append(rec)
        if not sig_ok:
            rec["status"] = 401
            return 401, {"error": "bad signature"}, ()
        if opt.mode == "busy":
            rec["status"] = 503
            return 503, {"error": "busy"}, [("Retry-After", "7")]
        if opt.mode == "down500":
            rec["status"] = 500
            return 500, {"error": "down"}, ()
        if opt.mode == "garbage":
            rec["status"] = 200
            return 200, b"<html>not json</html>", ()
        try:
            events = json.loads(body.decode("utf-8"))["events"]
        except (ValueError, KeyError, TypeError):
            rec["status"] = 400
            return 400, {"error": "bad json"}, ()
        rec["ids"] = [e.get("id") for e in events]
        if rec["ids"] != idem:
            rec["status"] = 400
            return 400, {"error": "Idempotency-Key does not match the event ids"}, ()
        results = []
        for e in events:
            eid = e.get("id")
            stu = e.get("student_id", "")
            if eid in state["patrons"]:
                results.append({"id": eid, "status": "done",
                                "remote_id": state["patrons"][eid]["remote_id"]})
            elif eid in opt.reject_id or (stu and stu in opt.reject_student):
                results.append({"id": eid, "status": "rejected",
                                "reason": "student ID %s is already in use" % stu})
            elif stu and stu in opt.retry_student and stu not in retried:
                retried.add(stu)
                results.append({"id": eid, "status": "retry", "reason": "locked"})
            else:
                state["created"] += 1
                rid = "P%d" % (1000 + state["created"])
                kept = dict(e)
                kept["remote_id"] = rid
                state["patrons"][eid] = kept
                results.append({"id": eid, "status": "done", "remote_id": rid})
        rec["status"] = 200
        return 200, {"results": results}, ()

    def do_GET(self):
        self.reply(404, {"error": "POST only"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--pid-file")
    ap.add_argument("--state")
    ap.add_argument("--secret", required=True)
    ap.add_argument("--reject-student", action="append", default=[])
    ap.add_argument("--reject-id", action="append", default=[])
    ap.add_argument("--retry-student", action="append", default=[])
    ap.add_argument("--mode", default="normal", choices=["normal", "busy", "down500", "garbage"])
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    opt = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", opt.port), Handler)
    srv.daemon_threads = True
    srv.opt = opt
    if opt.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opt.tls[0], opt.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    save(opt.state)
    if opt.pid_file:
        with open(opt.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(opt.pid_file + ".tmp", opt.pid_file)
    if opt.port_file:  # written last: its presence means "ready"
        with open(opt.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(opt.port_file + ".tmp", opt.port_file)
    t = threading.Timer(opt.lifetime, srv.shutdown)
    t.daemon = True
    t.start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
