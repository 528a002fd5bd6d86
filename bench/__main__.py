"""`make bench`: the app under load as production runs it, next to a bare Django view.

What it does (issue 11):

1. Prepares throwaway databases under var/bench/: a SQLite file for the HTTP runs (as in
   the issue's original measurement) and, when PostgreSQL is reachable, a PostgreSQL
   database for the board with 10,000 postings (production's database) and the worker's
   drain rates. Seeds them (bench/seed.py): a draft at each step owned by one browser
   session, 10,000 published postings.
2. Starts gunicorn with gunicorn.conf.py, DEBUG off, one sync worker (WEB_WORKERS=1,
   WEB_THREADS=1) pinned to one core (taskset), on bench.settings: the production
   settings plus a bare view (bench/urls.py).
3. For each endpoint, in each of BENCH_ROUNDS rounds, runs wrk (pinned to the other
   core) on the bare view, then on the endpoint, so that noise hits both; the ratio is
   the endpoint's req/s over the bare view's in the same round (median of the rounds).
4. Measures queries and bytes per request through Django's test client (bench/measure.py)
   and one worker draining emails and webhook events (bench/drain.py).
5. Prints the table and the targets met or missed; writes var/bench/results.{json,md}.

Knobs (environment): BENCH_SECONDS (per wrk run, 3), BENCH_ROUNDS (3), BENCH_CONNECTIONS
(8), BENCH_BOARD_SIZE (10000), BENCH_DRAIN_COUNT (500), BENCH_POSTGRES_URL (an admin URL
to create the throwaway database with, postgres://postgres@127.0.0.1:5432/postgres; empty
skips PostgreSQL), BENCH_ONLY (comma-separated words: only endpoints whose name has one;
"drain" for the worker), BENCH_CORES ("0,1": the server's core, then the load's),
BENCH_ACCOUNT_POSTINGS (200: the postings of the employer "Your postings" lists),
BENCH_SCALE_POSTINGS (1000000: bench/board_scale.py's board, in the database
jobwizard_bench_scale, kept between runs; 0 skips it; BENCH_ONLY=scale runs only it).
"""

import hashlib
import hmac
import itertools
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import slug

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
LUA = ROOT / "bench" / "wrk" / "requests.lua"
PY = sys.executable

SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
BOARD_SIZE = int(os.environ.get("BENCH_BOARD_SIZE", "10000"))
DRAIN_COUNT = int(os.environ.get("BENCH_DRAIN_COUNT", "500"))
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ONLY = [word.strip().lower() for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
SERVER_CORE, LOAD_CORE = os.environ.get("BENCH_CORES", "0,1").split(",")
ACCOUNT_POSTINGS = int(os.environ.get("BENCH_ACCOUNT_POSTINGS", "200"))
# Issue 21: the board at a million postings (bench/board_scale.py), in a PostgreSQL database
# that is kept: seeding takes minutes, so later runs reuse it. 0 skips it.
SCALE_POSTINGS = int(os.environ.get("BENCH_SCALE_POSTINGS", "1000000"))
SCALE_DATABASE = "jobwizard_bench_scale"

WEBHOOK_SECRET = "whsec_bench_only"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
BARE_PATH = "/__bench__/bare/"

# Targets of issue 11, as ratios to the bare view in the same run.
STEP_GET_RATIO, DETAILS_POST_RATIO, PAGE_RATIO, WEBHOOK_RATIO = 0.35, 0.25, 0.5, 0.5
WIZARD_MAX_QUERIES, PANEL_MAX_SHARE, EMAILS_PER_SECOND = 5, 0.5, 100
# Issue 20's: "Your postings" costs a handful of queries whatever the number of postings.
ACCOUNT_MAX_QUERIES = 6
# Issue 19's targets for every page of every step (full pages, htmx panels apart): lighter
# than 12 KB, and no slower than 0.15× bare.
STEP_PAGE_MAX_BYTES, STEP_PAGE_RATIO = 12_000, 0.15


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- Endpoints ---------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str = "GET"
    path: str = "/"
    headers: dict = field(default_factory=dict)
    body: str = ""
    expect: int = 200
    ratio_target: float | None = None
    wizard: bool = False  # at most WIZARD_MAX_QUERIES queries
    full_page: str | None = None  # an htmx panel: its bytes against this endpoint's
    step_page: bool = False  # a page of a step: at most STEP_PAGE_MAX_BYTES, ≥ STEP_PAGE_RATIO
    max_queries: int | None = None  # a query budget of its own
    lines: object = None  # a function count -> request lines, for requests that differ

    def request_lines(self, count):
        if self.lines is not None:
            return self.lines(count)
        return [request_line(self.method, self.path, self.headers, self.body)]

    def selected(self):
        return not ONLY or any(word in self.name.lower() for word in ONLY)


def request_line(method, path, headers, body=""):
    header_text = "\x1f".join(f"{name}: {value}" for name, value in headers.items())
    return f"{method}\t{path}\t{header_text}\t{body}"


def wizard_endpoints(seed, webhook_lines):
    postings = seed["postings"]
    cookie = {"Cookie": f"sessionid={seed['session_key']}; csrftoken={seed['csrf_cookie']}"}
    htmx = {"HX-Request": "true", "HX-Target": "step-panel"}
    endpoints = [Endpoint("start page", path="/post/", wizard=True)]
    for page in seed["step_pages"]:  # every page of every step, as the flow lists them
        path = page["path"]
        full = f"{page['step']} GET" + (f" {page['page']}" if page["page"] else "")
        endpoints += [
            Endpoint(
                full,
                path=path,
                headers=cookie,
                ratio_target=STEP_GET_RATIO,
                wizard=True,
                step_page=True,
            ),
            Endpoint(
                f"{full} (htmx)",
                path=path,
                headers={**cookie, **htmx, "HX-Current-URL": path},
                ratio_target=STEP_GET_RATIO,
                wizard=True,
                full_page=full,
            ),
        ]
    form = urllib.parse.urlencode(
        {**seed["details_form"], "csrfmiddlewaretoken": seed["csrf_token"]}
    )
    post = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
    details_post = f"/post/{postings['details_post']}/details/"
    endpoints += [
        Endpoint(
            "details POST",
            method="POST",
            path=details_post,
            headers=post,
            body=form,
            expect=302,
            ratio_target=DETAILS_POST_RATIO,
            wizard=True,
        ),
        Endpoint(
            "details POST (htmx)",
            method="POST",
            path=details_post,
            headers={**post, **htmx},
            body=form,
            ratio_target=DETAILS_POST_RATIO,
            wizard=True,
        ),
        Endpoint("board, no postings", path="/"),
        Endpoint("webhook accept", method="POST", ratio_target=WEBHOOK_RATIO, lines=webhook_lines),
    ]
    return endpoints


def board_endpoints(board, database):
    """The board with BENCH_BOARD_SIZE published postings (the feed on SQLite only: the
    run must stay within its time)."""
    suffix = f" ({database})"
    endpoints = [
        Endpoint("board page 1" + suffix, path="/", ratio_target=PAGE_RATIO),
        Endpoint("board page 50" + suffix, path="/?page=50"),
        Endpoint(
            "board filtered" + suffix,
            path="/?q=python&employment_type=full_time&workplace=remote",
        ),
        Endpoint("job page" + suffix, path=f"/jobs/{board['job_slug']}/", ratio_target=PAGE_RATIO),
        # wrk sends no User-Agent, which is not counted (no browser): as a browser, each
        # request also counts a view in the cache (issue 20).
        Endpoint(
            "job page, view counted" + suffix,
            path=f"/jobs/{board['job_slug']}/",
            headers=BROWSER,
            ratio_target=PAGE_RATIO,
        ),
        Endpoint(
            "apply click" + suffix,
            path=f"/jobs/{board['job_slug']}/apply/",
            headers=BROWSER,
            expect=302,
        ),
    ]
    if database == "SQLite":
        endpoints.append(Endpoint("feed" + suffix, path="/jobs/feed/"))
    return endpoints


def account_endpoints(account):
    """The signed-in employer's pages, for an employer with ACCOUNT_POSTINGS postings."""
    cookie = {"Cookie": f"sessionid={account['session_key']}"}
    name = f"your postings ({account['postings']} postings)"
    return [
        Endpoint(name, path="/account/postings/", headers=cookie, max_queries=ACCOUNT_MAX_QUERIES),
        Endpoint(
            f"{name}, ended ones, page 2",
            path="/account/postings/?state=ended&page=2",
            headers=cookie,
            max_queries=ACCOUNT_MAX_QUERIES,
        ),
    ]


def webhook_lines_for(posting_id):
    """Signed checkout.session.completed events, each with a new id, as Stripe sends them.

    Signed now (the view accepts signatures up to 5 minutes old), so made before each run.
    """
    batch, numbers = secrets.token_hex(4), itertools.count()

    def lines(count):
        now = int(time.time())
        made = []
        for number in itertools.islice(numbers, count):
            event_id = f"evt_bench_{batch}_{number:07d}"
            session_id = f"cs_test_bench_{batch}_{number:07d}"
            body = json.dumps(webhook_event(event_id, session_id, posting_id, now))
            signed = f"{now}.{body}".encode()
            signature = hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "Stripe-Signature": f"t={now},v1={signature}",
            }
            made.append(request_line("POST", "/stripe/webhook/", headers, body))
        return made

    return lines


def webhook_event(event_id, session_id, posting_id, now):
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": now,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": 9900,
                "amount_total": 9900,
                "cancel_url": "https://jobs.example/post/payment/?cancelled=1",
                "client_reference_id": posting_id,
                "created": now - 90,
                "currency": "usd",
                "customer_details": {
                    "address": {"country": "DE", "postal_code": "10115"},
                    "email": "hiring@acme.example",
                    "name": "Jane Doe",
                },
                "expires_at": now + 1710,
                "livemode": False,
                "metadata": {"attempt": "1", "posting_id": posting_id},
                "mode": "payment",
                "payment_intent": f"pi_{session_id[8:]}",
                "payment_method_types": ["card"],
                "payment_status": "paid",
                "status": "complete",
                "success_url": "https://jobs.example/post/payment/return/?session_id={CHECKOUT_SESSION_ID}",
                "url": None,
            }
        },
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed",
    }


# --- Processes -------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pinned(core, command):
    return ["taskset", "-c", core, *command] if shutil.which("taskset") else command


def base_env(database_url, port):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "ANYMAIL_WEBHOOK_SECRET": "bench:bench-only",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(WORK),
        "MEDIA_ROOT": str(WORK / "media"),
        "MAIL_FILE_PATH": str(WORK / "mail"),
        "FAKESTRIPE_URL": f"http://127.0.0.1:{free_port()}",
        "FAKEPROVIDERS_URL": f"http://127.0.0.1:{free_port()}",
        # One sync worker (gunicorn uses the sync worker class with one thread).
        "WEB_WORKERS": "1",
        "WEB_THREADS": "1",
    }
    env.pop("STRIPE_SECRET_KEY", None)
    return env


PROFILE_ENV = [
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "ANYMAIL_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET",
    "DATABASE_URL",
    "VAR_DIR",
    "MEDIA_ROOT",
    "MAIL_FILE_PATH",
    "FAKESTRIPE_URL",
    "FAKEPROVIDERS_URL",
]


def python(env, *args, capture=True):
    """A helper process (migrate, seed, measure, drain): its INFO logs would only clutter."""
    done = subprocess.run(
        [PY, *args],
        cwd=ROOT,
        env={**env, "LOG_LEVEL": "WARNING"},
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return done.stdout


def seed(env, *args):
    return json.loads(python(env, "-m", "bench.seed", *args))


class Server:
    """gunicorn as production starts it (gunicorn.conf.py), on one core."""

    def __init__(self, env, label):
        self.env = env
        self.port = int(env["PORT"])
        self.log_path = WORK / f"gunicorn-{label}.log"

    def __enter__(self):
        command = [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            pinned(SERVER_CORE, command),
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url(BARE_PATH), timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {self.log_path}")
            time.sleep(0.2)

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def cpu_seconds(self):
        """CPU time (user + system) the server's worker processes have used so far: per
        request, a measure the neighbours on a shared machine disturb much less than req/s."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # ppid: a worker of this gunicorn
                total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")


def wrk(server, lines, seconds, connections=CONNECTIONS):
    requests_file = WORK / "requests.txt"
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.url(""),
    ]
    cpu_before = server.cpu_seconds()
    done = subprocess.run(
        pinned(LOAD_CORE, command),
        env={**os.environ, "BENCH_REQUESTS": str(requests_file)},
        text=True,
        capture_output=True,
    )
    cpu = server.cpu_seconds() - cpu_before
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line.removeprefix("BENCH_RESULT "))
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            result["cpu_ms"] = 1000 * cpu / max(result["requests"], 1)
            return result
    raise SystemExit(f"wrk said:\n{done.stdout}\n{done.stderr}")


# --- Runs ----------------------------------------------------------------------------------

BARE = Endpoint("bare view", path=BARE_PATH)


def run_phase(label, server, endpoints, results):
    """Queries and bytes first (test client), a warm-up, then the alternating rounds."""
    endpoints = [endpoint for endpoint in endpoints if endpoint.selected()]
    if not endpoints:
        return
    log(
        f"\n== {label}: {len(endpoints)} endpoints, {ROUNDS} rounds of {SECONDS:g} s each "
        "(and as long on the bare view)"
    )
    files = {}
    for endpoint in endpoints:
        path = WORK / "requests" / f"{slug(endpoint.name)}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(endpoint.request_lines(2)) + "\n", encoding="utf-8")
        files[endpoint.name] = str(path)
    (WORK / "measure.json").write_text(json.dumps(files))
    measured = json.loads(python(server.env, "-m", "bench.measure", str(WORK / "measure.json")))
    for endpoint in endpoints:
        found = measured[endpoint.name]
        if found["status"] != endpoint.expect:
            raise SystemExit(
                f"{endpoint.name}: the test client got {found['status']}, not {endpoint.expect}; "
                "the benchmark would measure the wrong page."
            )
        results[endpoint.name] = {"endpoint": endpoint, "database": label, **found, "rounds": []}
    for endpoint in [BARE, *endpoints]:  # warm-up: imports, templates, the database's cache
        wrk(server, endpoint.request_lines(lines_needed(1)), 1, connections=2)
    for number in range(ROUNDS):
        for endpoint in endpoints:
            bare = wrk(server, BARE.request_lines(1), SECONDS)
            needed = lines_needed(SECONDS) if endpoint.lines else 1
            run = wrk(server, endpoint.request_lines(needed), SECONDS)
            if endpoint.lines and run["requests"] > needed:
                log(
                    f"   warning: {endpoint.name} sent {run['requests']} requests for "
                    f"{needed} distinct ones; some repeated"
                )
            for name, found in ((BARE.name, bare), (endpoint.name, run)):
                if not found["requests"] or found["status_errors"] or found["socket_errors"]:
                    raise SystemExit(f"{name}: wrk saw errors: {found}")
            results[endpoint.name]["rounds"].append({"bare": bare, "run": run})
            log(
                f"   round {number + 1}: {endpoint.name:<36} {run['rps']:7.1f} req/s  "
                f"(bare {bare['rps']:7.1f}, ×{run['rps'] / bare['rps']:.2f})"
            )


def lines_needed(seconds):
    """Distinct requests enough for a run: more than one worker can serve."""
    return int(seconds * 3000) + 500


def postgres_database():
    """A throwaway database on the PostgreSQL server, or None when there is none."""
    if not POSTGRES_ADMIN:
        return None
    import psycopg

    name = f"jobwizard_bench_{os.getpid()}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        log(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN} ({error}); skipping the "
            "PostgreSQL runs and the drain rates. Set BENCH_POSTGRES_URL to an admin URL."
        )
        return None
    url = urllib.parse.urlsplit(POSTGRES_ADMIN)._replace(path=f"/{name}").geturl()
    return name, url


def drop_postgres(name):
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(env):
    python(env, "manage.py", "migrate", "--no-input", "-v0")


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run scripts/ensure-wrk (make bench does).")
    if not shutil.which("taskset"):
        log("taskset not found: the server and wrk are not pinned to their own cores.")
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "mail").mkdir(parents=True)
    started = time.monotonic()
    load_before = os.getloadavg()
    results, drain = {}, None
    port = free_port()
    sqlite_env = base_env(f"sqlite:///{WORK / 'bench.sqlite3'}", port)
    log("Collecting static files (DEBUG off serves the hashed names) and migrating SQLite...")
    python(sqlite_env, "manage.py", "collectstatic", "--no-input", "-v0")
    prepare(sqlite_env)
    # For bench/profile.py: the same settings and database after the run.
    (WORK / "env.json").write_text(json.dumps({k: sqlite_env[k] for k in PROFILE_ENV}))
    wizard_seed = seed(sqlite_env, "wizard")
    webhook_lines = webhook_lines_for(wizard_seed["postings"]["webhook"])
    with Server(sqlite_env, "sqlite") as server:
        run_phase("SQLite", server, wizard_endpoints(wizard_seed, webhook_lines), results)
        unseeded = {"session_key": "", "postings": ACCOUNT_POSTINGS}
        if any(endpoint.selected() for endpoint in account_endpoints(unseeded)):
            account = seed(sqlite_env, "account", str(ACCOUNT_POSTINGS))
            run_phase("SQLite", server, account_endpoints(account), results)
        if any(endpoint.selected() for endpoint in board_endpoints({"job_slug": ""}, "SQLite")):
            board = seed(sqlite_env, "board", str(BOARD_SIZE))
            run_phase("SQLite", server, board_endpoints(board, "SQLite"), results)
    pg_wanted = any(e.selected() for e in board_endpoints({"job_slug": ""}, "PostgreSQL"))
    drain_wanted = not ONLY or "drain" in ONLY
    database = postgres_database() if pg_wanted or drain_wanted else None
    if database is not None:
        name, url = database
        try:
            pg_env = base_env(url, port)
            prepare(pg_env)
            if pg_wanted:
                board = seed(pg_env, "board", str(BOARD_SIZE))
                with Server(pg_env, "postgresql") as server:
                    run_phase("PostgreSQL", server, board_endpoints(board, "PostgreSQL"), results)
            if drain_wanted:
                log(
                    f"\n== PostgreSQL: one worker draining {DRAIN_COUNT} emails, then "
                    f"{DRAIN_COUNT} webhook events"
                )
                drain_env = {**pg_env, "BENCH_WORKER_LOG": str(WORK / "worker.log")}
                drain = json.loads(
                    python(drain_env, "-m", "bench.drain", str(DRAIN_COUNT), SERVER_CORE)
                )
        finally:
            drop_postgres(name)
    if SCALE_POSTINGS and POSTGRES_ADMIN and (not ONLY or "scale" in ONLY):
        board_at_scale()
    report(results, drain, started, load_before)


def board_at_scale():
    """bench/board_scale.py on SCALE_POSTINGS postings, in a database kept between runs; its
    table goes to var/bench/board_scale.txt."""
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [SCALE_DATABASE])
        if found.fetchone() is None:
            admin.execute(f'CREATE DATABASE "{SCALE_DATABASE}"')
    url = urllib.parse.urlsplit(POSTGRES_ADMIN)._replace(path=f"/{SCALE_DATABASE}").geturl()
    log(f"\n== PostgreSQL: the board at {SCALE_POSTINGS:,} postings (seeded once, then reused)")
    env = {**os.environ, "DATABASE_URL": url}
    table = python(env, "-m", "bench.board_scale", "--postings", str(SCALE_POSTINGS))
    (WORK / "board_scale.txt").write_text(table)
    log(table)


# --- The report ----------------------------------------------------------------------------


def median(values):
    return statistics.median(values) if values else float("nan")


def summarise(results):
    rows = []
    for name, found in results.items():
        rounds = found["rounds"]
        if not rounds:
            continue
        row = {
            "name": name,
            "database": found["database"],
            "rps": median([r["run"]["rps"] for r in rounds]),
            "bare_rps": median([r["bare"]["rps"] for r in rounds]),
            "ratio": median([r["run"]["rps"] / r["bare"]["rps"] for r in rounds]),
            "cpu_ms": median([r["run"]["cpu_ms"] for r in rounds]),
            "bare_cpu_ms": median([r["bare"]["cpu_ms"] for r in rounds]),
            "cpu_ratio": median([r["bare"]["cpu_ms"] / r["run"]["cpu_ms"] for r in rounds]),
            "p50_ms": median([r["run"]["p50_us"] / 1000 for r in rounds]),
            "p99_ms": median([r["run"]["p99_us"] / 1000 for r in rounds]),
            "queries": found["queries"],
            "transaction_control": found["transaction_control"],
            "bytes": found["bytes"],
            "status": found["status"],
        }
        endpoint = found["endpoint"]
        checks = []
        if endpoint.ratio_target is not None:
            checks.append(
                (f"≥ {endpoint.ratio_target:g}× bare", row["ratio"] >= endpoint.ratio_target)
            )
        if endpoint.wizard:
            checks.append((f"≤ {WIZARD_MAX_QUERIES} queries", row["queries"] <= WIZARD_MAX_QUERIES))
        if endpoint.max_queries is not None:
            checks.append(
                (f"≤ {endpoint.max_queries} queries", row["queries"] <= endpoint.max_queries)
            )
        if endpoint.step_page:
            checks += [
                (f"step page ≥ {STEP_PAGE_RATIO:g}× bare", row["ratio"] >= STEP_PAGE_RATIO),
                (f"≤ {STEP_PAGE_MAX_BYTES:,} bytes", row["bytes"] <= STEP_PAGE_MAX_BYTES),
            ]
        if endpoint.full_page and endpoint.full_page in results:
            share = row["bytes"] / results[endpoint.full_page]["bytes"]
            row["panel_share"] = share
            checks.append(
                (f"panel {share:.2f}× page ≤ {PANEL_MAX_SHARE:g}", share <= PANEL_MAX_SHARE)
            )
        row["checks"] = checks
        rows.append(row)
    return rows


def queries_text(row):
    control = row["transaction_control"]
    return f"{row['queries']}" + (f" (+{control} tx)" if control else "")


def report(results, drain, started, load_before):
    rows = summarise(results)
    lines = [
        f"Jobwizard benchmark: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after.",
        f"gunicorn (gunicorn.conf.py, DEBUG off) with one sync worker on core {SERVER_CORE}; "
        f"wrk -t1 -c{CONNECTIONS} on core {LOAD_CORE}; {ROUNDS} rounds of {SECONDS:g} s per "
        "endpoint, each after as long on the bare view; medians of the rounds. Databases: "
        "a SQLite file (the issue's original measurement) for every endpoint, and PostgreSQL "
        f"(production's) for the board with {BOARD_SIZE:,} postings and the worker. "
        "Queries and bytes: one request through Django's test client, transaction control "
        "(BEGIN, COMMIT) counted apart; CPU ms/req: the gunicorn worker's own CPU time.",
        "",
        "| endpoint | database | req/s | p50 ms | p99 ms | × bare | CPU ms/req | × bare by CPU "
        "| queries | bytes | targets |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    if rows:
        bare_rps = median([r["bare_rps"] for r in rows])
        bare_cpu = median([r["bare_cpu_ms"] for r in rows])
        lines.append(
            f"| bare view (all its runs) | – | {bare_rps:.0f} | | | 1.00 | {bare_cpu:.2f} | 1.00 "
            "| 0 | 5 | |"
        )
    for row in rows:
        targets = "; ".join(f"{text} {'✓' if ok else '✗'}" for text, ok in row["checks"])
        name = row["name"].removesuffix(f" ({row['database']})")
        lines.append(
            f"| {name} | {row['database']} | {row['rps']:.0f} | {row['p50_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['ratio']:.2f} | {row['cpu_ms']:.2f} | "
            f"{row['cpu_ratio']:.2f} | {queries_text(row)} | {row['bytes']:,} | {targets} |"
        )
    misses = [(row["name"], text) for row in rows for text, ok in row["checks"] if not ok]
    if drain:
        emails, events = drain["emails"], drain.get("events")
        lines += [
            "",
            "| worker (one `manage.py db_worker`, PostgreSQL) | per second | count | seconds "
            "| worker CPU ms a task | queries a task | targets |",
            "|---|---:|---:|---:|---:|---:|---|",
            f"| confirmation emails sent (file mailer) | {emails['per_second']:.1f} | "
            f"{emails['count']} | {emails['seconds']:.2f} | {emails['cpu_ms_per_task']:.1f} | "
            f"{emails['queries_per_task']} | ≥ {EMAILS_PER_SECOND} emails/s "
            f"{'✓' if emails['per_second'] >= EMAILS_PER_SECOND else '✗'} |",
        ]
        if emails["per_second"] < EMAILS_PER_SECOND:
            misses.append(("worker", f"≥ {EMAILS_PER_SECOND} emails/s"))
        if events:
            lines.append(
                f"| webhook events processed (checkout.session.completed → fulfil, "
                f"against fakestripe) | {events['per_second']:.1f} | {events['count']} | "
                f"{events['seconds']:.2f} | | {events['queries_per_task']} | |"
            )
    lines += ["", f"Targets missed: {len(misses)}"]
    lines += [f"- {name}: {text}" for name, text in misses]
    lines.append(f"Took {time.monotonic() - started:.0f} s. Raw figures: var/bench/results.json")
    text = "\n".join(lines)
    print("\n" + text)
    (WORK / "results.md").write_text(text + "\n", encoding="utf-8")
    raw = {
        "rows": [{k: v for k, v in row.items() if k != "checks"} for row in rows],
        "rounds": {name: found["rounds"] for name, found in results.items()},
        "sql": {name: found["sql"] for name, found in results.items()},
        "drain": drain,
    }
    (WORK / "results.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
