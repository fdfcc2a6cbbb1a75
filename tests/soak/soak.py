#!/usr/bin/env python3
"""soak: a long day at the desk, headless (issue 14), against a flaky ILS.

    python3 tests/soak/soak.py --bin build/cardroll [--hours H] [--students N]
                               [--jobs N] [--out DIR]

A day: a district of --students (10,000) children from tests/tools/genroster
is imported; every homeroom's eligible children are signed up
(`cardroll issue --class C --all-eligible`, as a desk does class by class),
--jobs (300) print jobs go through the PDF driver (`cardroll print --class C
--driver pdf`, each PDF checked with pdftotext), and the outbox syncs every
few classes (`cardroll sync --max 200`) to tests/sync/ilsd.py on loopback,
which fails one POST in three or so (500, 502, 503/429 with Retry-After, a
reset before or after storing, a slow answer, a hang past the timeout).
At the end the outbox is drained. With --hours H the day goes on until H
hours have passed: each further round voids a class's cards and signs the
class up again, prints its slips and syncs.

Sampled for every command: its peak RSS (wait4) and, while it runs, its
open file descriptors (/proc/PID/fd every 20 ms); every 20 ms too, the
database's WAL size. Asserted:
  - nothing lost: every eligible child has one active card, the ILS holds
    exactly one patron per card issued (no duplicate, none missing), the
    outbox ends empty of pending/waiting/parked events;
  - memory flat: per command, the median peak RSS of the last quarter of
    its runs is within 10% + 1 MiB of the first quarter's;
  - descriptors flat: the most any run of a command had open in the last
    quarter is at most the first quarter's most + 2;
  - the WAL stays bounded: never over 64 MiB.
Prints the figures; exits 0 when all hold, 1 otherwise. Loopback only.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
ILSD = os.path.join(ROOT, "tests", "sync", "ilsd.py")
GENROSTER = os.path.join(ROOT, "tests", "tools", "genroster")
WAL_LIMIT = 64 << 20
FAULTS = ["500", "502", "503:1", "429:1", "reset", "resetafter", "slow:0.2", "hang"]


class Soak:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.dir = tempfile.mkdtemp(prefix="cardroll-soak-")
        os.chmod(self.dir, 0o700)
        self.db = os.path.join(self.dir, "desk.db")
        self.ini = os.path.join(self.dir, "cardroll.ini")
        self.samples = {}     # command -> [(rss_kb, max_fds, seconds)]
        self.wal = []         # bytes after each step
        self.failures = []
        self.srv = None
        self.port = None
        self.faults_sent = 0
        self.env = dict(os.environ, CARDROLL_STAFF="Soak Desk", CARDROLL_PIN="2468", HOME=self.dir)
        self.env.pop("CARDROLL_CONFIG", None)
        self.env.pop("CARDROLL_DB", None)

    # ---- running and sampling ----------------------------------------
    def run(self, kind, argv, ok=(0,), timeout=600):
        """Runs cardroll with argv, sampling fds while it runs; returns (rc, out)."""
        cmd = [self.bin, "--db", self.db, "--config", self.ini] + argv
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)
        fds = 0
        out = b""
        fd_dir = "/proc/%d/fd" % p.pid
        os.set_blocking(p.stdout.fileno(), False)
        while True:
            try:
                chunk = p.stdout.read()
                if chunk:
                    out += chunk
            except (BlockingIOError, TypeError):
                pass
            try:
                fds = max(fds, len(os.listdir(fd_dir)))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
            self.sample_wal()   # while it writes: the WAL is folded in when it closes
            r = os.wait4(p.pid, os.WNOHANG)
            if r[0] == p.pid:
                status, ru = r[1], r[2]
                break
            if time.monotonic() - t0 > timeout:
                p.kill()
                self.fail("%s did not end within %d s" % (kind, timeout))
                _, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        try:
            rest = p.stdout.read()
            if rest:
                out += rest
        except (BlockingIOError, TypeError):
            pass
        p.returncode = os.waitstatus_to_exitcode(status)
        self.samples.setdefault(kind, []).append((ru.ru_maxrss, fds, time.monotonic() - t0))
        self.sample_wal()
        text = out.decode("utf-8", "replace")
        if p.returncode not in ok:
            self.fail("%s %s exited %d: %s" % (kind, " ".join(argv[:3]), p.returncode, text[-300:]))
        return p.returncode, text

    def sample_wal(self):
        try:
            self.wal.append(os.path.getsize(self.db + "-wal"))
        except FileNotFoundError:
            self.wal.append(0)

    def fail(self, what):
        self.failures.append(what)
        print("FAIL - " + what, flush=True)

    def q(self, sql):
        return subprocess.run(["sqlite3", self.db, sql], capture_output=True, text=True, check=True).stdout.strip()

    # ---- the flaky ILS ---------------------------------------------------
    def start_ilsd(self):
        port_file = os.path.join(self.dir, "port")
        self.srv = subprocess.Popen([sys.executable, ILSD, "--port", "0", "--port-file", port_file],
                                    stderr=open(os.path.join(self.dir, "ilsd.log"), "wb"))
        for _ in range(400):
            if os.path.exists(port_file) and os.path.getsize(port_file):
                break
            time.sleep(0.05)
        self.port = int(open(port_file).read())

    def control(self, path, body=None):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        data = body.encode() if body is not None else None
        with urllib.request.urlopen(urllib.request.Request(url, data=data,
                                                           method="POST" if data is not None else "GET")) as r:
            return r.read()

    def refill_faults(self, rng, n=60):
        """A queue of n answers for the next POSTs: about one in three a fault."""
        spec = [rng.choice(FAULTS) if rng.random() < 0.33 else "ok" for _ in range(n)]
        self.faults_sent += sum(1 for s in spec if s != "ok")
        self.control("/_control/faults", ",".join(spec))

    # ---- the day -----------------------------------------------------------
    def setup(self):
        a = self.args
        pkg = os.path.join(self.dir, "district")
        subprocess.run([sys.executable, GENROSTER, "--students", str(a.students), "--schools", "4", "--seed",
                        "14", "--out", pkg, "--homerooms-only"], check=True, stdout=subprocess.DEVNULL)
        self.start_ilsd()
        with open(self.ini, "w") as f:
            f.write("[sync]\ntarget = koha\nurl = http://127.0.0.1:%d\nlibrary_id = CPL\ncategory = ST\n"
                    "attribute = STUID\ntimeout_ms = 1000\nprobe_timeout_ms = 1000\nbackoff_max_s = 1\n"
                    "batch = 20\n" % self.port)
        os.chmod(self.ini, 0o600)
        self.run("import", ["import", "--quiet", pkg], ok=(0, 65))
        self.run("staff", ["staff", "add", "Soak Desk"])
        _, out = self.run("classes", ["classes", "--json"])
        self.classes = [c["class_id"] for c in json.loads(out)]
        self.students = int(self.q("SELECT count(*) FROM student WHERE status = 'active'"))

    def print_class(self, cls, n):
        pdf = os.path.join(self.dir, "slips-%d.pdf" % n)
        self.run("print", ["print", "--class", cls, "--driver", "pdf", "--out", pdf])
        ok = os.path.exists(pdf) and os.path.getsize(pdf) > 1000
        if ok and n % 50 == 0 and shutil.which("pdftotext"):
            # one family name of the class on the sheet, read back by a decoder we did not write
            fam = self.q("SELECT s.family_name FROM student s JOIN enrollment e ON e.student_id = s.id "
                         "JOIN class c ON c.id = e.class_id WHERE c.sourced_id = '%s' ORDER BY s.family_name "
                         "LIMIT 1" % cls.replace("'", "''"))
            txt = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
            ok = fam.split(" ")[0] in txt
        if not ok:
            self.fail("print job %d (%s) made no readable PDF" % (n, cls))
        if os.path.exists(pdf):
            os.remove(pdf)
        self.jobs += 1

    def day(self, rng):
        self.jobs = 0
        for i, cls in enumerate(self.classes):
            self.run("issue", ["issue", "--class", cls, "--all-eligible"], ok=(0, 65))
            if self.jobs < self.args.jobs:
                self.print_class(cls, self.jobs)
            if i % 5 == 4:
                self.refill_faults(rng)
                self.run("sync", ["sync", "--max", "200"], ok=(0, 65, 69, 75))
        # print jobs left over (fewer classes than jobs): reprint from the start
        k = 0
        while self.jobs < self.args.jobs:
            self.print_class(self.classes[k % len(self.classes)], self.jobs)
            k += 1

    def round(self, rng, n):
        """A later round: a class's cards voided and issued again, printed, synced."""
        cls = self.classes[n % len(self.classes)]
        cards = self.q("SELECT c.card_number FROM card c JOIN enrollment e ON e.student_id = c.student_id "
                       "JOIN class k ON k.id = e.class_id WHERE k.sourced_id = '%s' AND c.status = 'active'"
                       % cls).split()
        for card in cards:
            self.run("void", ["void", card, "--reason", "soak: printed wrong"], ok=(0, 65))
        self.run("issue", ["issue", "--class", cls, "--all-eligible"], ok=(0, 65))
        self.print_class(cls, self.jobs)
        self.refill_faults(rng)
        self.run("sync", ["sync", "--max", "200"], ok=(0, 65, 69, 75))

    def drain(self, rng):
        self.control("/_control/faults", "")
        for _ in range(200):
            rc, _ = self.run("sync", ["sync"], ok=(0, 65, 69, 75))
            left = int(self.q("SELECT count(*) FROM outbox WHERE state IN ('pending', 'waiting', 'sending')"))
            if rc == 0 or left == 0:
                break
            time.sleep(1.1)

    # ---- the verdict -------------------------------------------------------
    def check(self, started):
        cards = int(self.q("SELECT count(*) FROM card WHERE status = 'active'"))
        carded = int(self.q("SELECT count(DISTINCT student_id) FROM card WHERE status = 'active'"))
        issued = int(self.q("SELECT count(*) FROM card"))
        not_done = self.q("SELECT state || ' ' || count(*) FROM outbox WHERE state <> 'done' GROUP BY state")
        stats = json.loads(self.control("/_control/stats"))
        patrons = json.loads(self.control("/_control/patrons"))
        plist = patrons if isinstance(patrons, list) else patrons.get("patrons", list(patrons.values()))
        pcards = [p.get("cardnumber") for p in plist if isinstance(p, dict)]
        print("soak: %d children, %d classes, %.1f min" % (self.students, len(self.classes),
                                                           (time.monotonic() - started) / 60))
        print("soak: cards issued %d, active %d (children carded %d); print jobs %d; faults queued %d"
              % (issued, cards, carded, self.jobs, self.faults_sent))
        print("soak: ILS patrons %d (distinct cards %d); outbox not done: %s"
              % (len(pcards), len(set(pcards)), not_done or "none"))
        if carded != self.students:
            self.fail("%d of %d children hold an active card" % (carded, self.students))
        if cards != carded:
            self.fail("%d active cards for %d children" % (cards, carded))
        if len(pcards) != len(set(pcards)):
            self.fail("the ILS holds %d patrons for %d cards: duplicates" % (len(pcards), len(set(pcards))))
        if len(set(pcards)) != issued:
            self.fail("the ILS holds %d cards, cardroll issued %d" % (len(set(pcards)), issued))
        if not_done:
            self.fail("the outbox did not drain: " + not_done.replace("\n", ", "))
        for kind, s in sorted(self.samples.items()):
            if len(s) < 8:
                continue
            q = len(s) // 4
            first, last = s[:q], s[-q:]
            r0, r1 = statistics.median(x[0] for x in first), statistics.median(x[0] for x in last)
            f0, f1 = max(x[1] for x in first), max(x[1] for x in last)
            print("soak: %-6s runs %5d  peak RSS median first/last quarter %6d / %6d KB  max fds %2d / %2d  "
                  "mean %.2f s" % (kind, len(s), r0, r1, f0, f1, statistics.mean(x[2] for x in s)))
            if r1 > r0 * 1.10 + 1024:
                self.fail("%s: memory grew from %d to %d KB" % (kind, r0, r1))
            if f1 > f0 + 2:
                self.fail("%s: open descriptors grew from %d to %d" % (kind, f0, f1))
        print("soak: WAL max %.1f MiB, last %.1f MiB (limit %d MiB)"
              % (max(self.wal) / 1048576, self.wal[-1] / 1048576, WAL_LIMIT >> 20))
        if max(self.wal) > WAL_LIMIT:
            self.fail("the WAL reached %d bytes" % max(self.wal))

    def close(self):
        if self.srv:
            self.srv.kill()
            self.srv.wait()
        if self.failures and not os.environ.get("KEEP"):
            print("soak: work dir kept: " + self.dir)
        elif not os.environ.get("KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "cardroll"))
    ap.add_argument("--hours", type=float, default=0)
    ap.add_argument("--students", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(14)
    s = Soak(args)
    started = time.monotonic()
    try:
        s.setup()
        s.day(rng)
        n = 0
        while time.monotonic() - started < args.hours * 3600:
            s.round(rng, n)
            n += 1
        s.drain(rng)
        s.check(started)
    finally:
        s.close()
    print("soak: %s" % ("FAILED: %d problems" % len(s.failures) if s.failures else "passed"))
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
