"""A seeded mutation fuzzer for bps-lint: hostile trees built from examples/ and the shared corpus.

Each case copies one base cluster, applies a few mutations (bytes, hostile tokens, hostile values,
file-system oddities, encodings), plants distinctive secrets in the slots that hold credentials,
then runs ``bps-lint`` in every format and ``bps-lint model`` in-process and checks the contract:
exit 0 or 1 (never 2), no traceback, JSON/SARIF/model valid against schemas/, JUnit well-formed,
no control character and no forged workflow command in any output, no planted secret anywhere,
and bounded time and memory. A case is reproduced from (seed, number) alone.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from linter.report import FORMATS

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("BPS_LINT_CORPUS", REPO.parent / "shared" / "corpus"))
SECRET_MARK = "Pz9"  # every planted secret starts with it; no output may contain it
MAX_CASE_SECONDS = 20.0  # CPU time of a case (all six formats): the machine's load does not move it
MAX_CASE_WAIT = 3 * MAX_CASE_SECONDS  # wall time: a case that waits (a FIFO, the network) rather than computes
MAX_RSS_MB = 1024


class Failure(NamedTuple):
    case: int
    what: str


def bases() -> list[tuple[str, Path, str]]:
    """(name, node folder, layout) of every base node: the example clusters' nodes and the corpus trees."""
    found = []
    for cluster in ("cluster", "broken-cluster"):
        found.append((f"examples/{cluster}", REPO / "examples" / cluster, "cluster"))
    for rel in (
        "bps-3.6.0-stock",
        "product-bps-v3.6.0/modules/distribution/conf",
        "product-bps-v3.5.0/modules/distribution/conf",
        "product-ei-v6.6.0/distribution/src/business-process/conf",
    ):
        if (CORPUS / rel).is_dir():
            found.append((f"corpus/{rel}", CORPUS / rel, "node"))
    return found


# --- mutations -------------------------------------------------------------------------------------

HOSTILE_TOKENS = [
    "<!-- bps-lint: disable=BPS101 -->",
    "<!-- bps-lint: disable-file=BPS404,BPS207 -->",
    "<!-- bps-lint: bogus -->",
    "<!-- bps-lint: disable -->",
    "<![CDATA[<!-- bps-lint: disable-file=BPS404 -->]]>",
    "<![CDATA[" + "<!--bps-lint:" * 500 + "]]>",
    "&undefined;",
    "&#0;",
    "&#x1b;",
    '<!DOCTYPE x [<!ENTITY a "b">]>',
    "<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='/etc/passwd'/>",
    "<!-- note\u2028more\u0085end -->",
    "${unresolved.placeholder}",
    "<unclosed>",
    "</mismatch>",
    "<a>" * 300 + "</a>" * 300,
    "\x1b[31m",
    "\ufeff",
    "]]>",
    "<?pi target?>",
]
HOSTILE_VALUES = [
    "x\n::warning file=app.py,line=1::fake\n",
    "\u00a010",
    "1_0",
    "\uff11\uff12",
    "99999999999999999999",
    "-1",
    "",
    "   ",
    "true\u2028",
    "${x}",
    "a" * 5000,
    "jdbc:mysql://h:3306/db?a=1&amp;b=2",
    "\u202e\u2066evil",
    "TRUE",
    "%0A::error::x",
]
FOLDER_NAMES = ["wor\x1bker", "line\nbreak", "::warning::x", "sp ace", "dash-", "\u202eevil", "uni\u00e9"]


def _text_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and p.suffix in (".xml", ".sh"))


def _link_or_copy(src, dst):
    """Hard-link a base file (cheap; mutations replace, never edit, a file), or copy it across file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _rewrite(path: Path, data: bytes) -> None:
    """Replace a file's content without touching what it is hard-linked to (the base tree)."""
    path.unlink()
    path.write_bytes(data)


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    kind = rng.randrange(5)
    at = rng.randrange(len(data))
    if kind == 0:  # flip a few bytes
        buf = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    if kind == 1:  # delete a span
        return data[:at] + data[at + rng.randrange(1, 400) :]
    if kind == 2:  # duplicate a span, sometimes many times
        span = data[at : at + rng.randrange(1, 400)]
        return data[:at] + span * rng.choice((2, 10, 200)) + data[at:]
    if kind == 3:  # truncate
        return data[:at]
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 32))) + data[at:]


def _tag_ends(text: str) -> list[int]:
    return [m.end() for m in re.finditer(r">", text)] or [0]


def _mutate_text(rng: random.Random, text: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:  # a hostile token between tags
        at = rng.choice(_tag_ends(text))
        return text[:at] + rng.choice(HOSTILE_TOKENS) + text[at:]
    if kind == 1:  # a hostile value in place of an element's text
        spans = list(re.finditer(r">([^<>]{1,80})</", text))
        if spans:
            match = rng.choice(spans)
            value = rng.choice(HOSTILE_VALUES).replace("&", "&amp;") if rng.random() < 0.5 else rng.choice(HOSTILE_VALUES)
            return text[: match.start(1)] + value + text[match.end(1) :]
    if kind == 2:  # one element repeated thousands of times
        elements = list(re.finditer(r"<([A-Za-z][\w:.-]*)[^<>]*/>|<([A-Za-z][\w:.-]*)[^<>]*>[^<>]*</\2>", text))
        if elements:
            match = rng.choice(elements)
            return text[: match.end()] + match.group() * rng.choice((100, 2000, 8000)) + text[match.end() :]
    # line separators and control characters in a comment or value
    at = rng.choice(_tag_ends(text))
    return text[:at] + rng.choice(["\u2028", "\u0085", "\r", "\r\n", "\t", "\x0b", "\x1b"]) + text[at:]


def _mutate_file(rng: random.Random, path: Path) -> None:
    data = path.read_bytes()
    if rng.random() < 0.3:
        data = _mutate_bytes(rng, data)
    else:
        text = data.decode("latin-1")
        for _ in range(rng.randrange(1, 4)):
            text = _mutate_text(rng, text)
        data = text.encode("latin-1", errors="replace") if rng.random() < 0.5 else text.encode("utf-8")
    _rewrite(path, data)


def _mutate_fs(rng: random.Random, case_dir: Path, cluster: Path, path: Path) -> None:
    kind = rng.randrange(8)
    if kind == 0:
        path.unlink()
    elif kind == 1:
        path.unlink()
        path.mkdir()
    elif kind == 2 and hasattr(os, "mkfifo"):
        path.unlink()
        os.mkfifo(path)
    elif kind == 3:  # a link out of the tree, to a file holding a secret
        outside = case_dir / "outside" / path.name
        outside.parent.mkdir(exist_ok=True)
        outside.write_text(f"<Server><HostName>{SECRET_MARK}OUT{rng.randrange(10**6)}</HostName></Server>")
        path.unlink()
        os.symlink(outside, path)
    elif kind == 4:
        path.unlink()
        os.symlink(path.name, path)  # a loop
    elif kind == 5:
        _rewrite(path, b"")
    elif kind == 6:  # another encoding
        text = path.read_bytes().decode("utf-8", errors="replace")
        _rewrite(path, text.encode(rng.choice(("utf-16", "utf-16-le", "utf-8-sig"))))
    else:  # a folder of the node renamed
        node = next((p for p in path.parents if p.parent == cluster), None)
        if node is not None:
            name = rng.choice(FOLDER_NAMES).encode("utf-8")
            if rng.random() < 0.3:
                name = b"bad\xff" + name
            os.rename(os.fsencode(node), os.path.join(os.fsencode(cluster), name))


# --- planted secrets --------------------------------------------------------------------------------

SLOTS = [
    (r"<url>([^<]*)</url>", "jdbc:mysql://h:3306/db?autoReconnect=true&amp;password={s}"),
    (r"<url>([^<]*)</url>", "jdbc:mysql://h:3306/db?password1={s}&amp;password2={s}x"),
    (r"<url>([^<]*)</url>", "jdbc:oracle:thin:scott/{s}@db:1521:x"),
    (r"<url>([^<]*)</url>", "jdbc:mysql://regadmin:{s}/B2@h:3306/reg"),
    (r"<url>([^<]*)</url>", "jdbc:sqlserver://h;user=a;password={s};pwd={s}y"),
    (r"<url>([^<]*)</url>", "jdbc:db2://h:50000/db:user=u;password={s};"),
    (r"<url>([^<]*)</url>", "jdbc:h2:tcp://h/db;USER=sa;PASSWORD={s}"),
    (r"<url>([^<]*)</url>", "jdbc:postgresql://h/db?user=u&amp;password={s}"),
    (r"<password[^>]*>([^<]*)</password>", "{s}"),
    (r"<cacheId>([^<]*)</cacheId>", "regadmin@jdbc:mysql://u:{s}@h:3306/reg?password={s}z"),
    (r"<SvnUrl>([^<]*)</SvnUrl>", "https://u:{s}@svn2/r/"),
    (r"<SvnPassword[^>]*>([^<]*)</SvnPassword>", "{s}"),
    (r'<parameter name="membershipScheme">([^<]*)</parameter>', 'wka</parameter><parameter name="secretKey">{s}${{x}}'),
    (r'<parameter name="membershipScheme">([^<]*)</parameter>', 'wka</parameter><parameter name="KUBERNETES_API_SERVER_TOKEN">{s}'),
    (r'<parameter name="membershipScheme">([^<]*)</parameter>', 'wka</parameter><parameter name="KUBERNETES_API_SERVER_PASSWORD">{s}'),
    (r'<remoteInstance url="([^"]*)"', "https://admin:{s}@bps:9443/registry"),
]


def _plant(rng: random.Random, files: list[Path], count: int) -> list[str]:
    planted = []
    for _ in range(count):
        path = rng.choice(files)
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        secret = f"{SECRET_MARK}{rng.randrange(16**8):08x}"
        if path.suffix == ".sh":
            text = data.decode("latin-1")
            lines = text.split("\n")
            at = rng.randrange(len(lines) + 1)
            flag = rng.choice(("-Djavax.net.ssl.trustStorePassword={s}", "-Dkey.store.password={s}", "-DKUBERNETES_API_SERVER_TOKEN={s}"))
            lines.insert(at, "    " + flag.format(s=secret) + " -Dsetup \\")
            _rewrite(path, "\n".join(lines).encode("latin-1"))
            planted.append(secret)
            continue
        text = data.decode("latin-1")
        pattern, value = rng.choice(SLOTS)
        matches = list(re.finditer(pattern, text))
        if not matches:
            continue
        match = rng.choice(matches)
        text = text[: match.start(1)] + value.format(s=secret) + text[match.end(1) :]
        _rewrite(path, text.encode("latin-1", errors="replace"))
        planted.append(secret)
    return planted


# --- one case ----------------------------------------------------------------------------------------


def build_case(seed: int, number: int, work: Path) -> tuple[Path, list[str]]:
    """The mutated tree of case ``number`` under ``work``: (cluster folder, planted secrets)."""
    rng = random.Random(seed * 1_000_003 + number)
    name, base, kind = rng.choice(bases())
    case_dir = work / f"case{number}"
    cluster = case_dir / "cluster"
    if kind == "cluster":
        shutil.copytree(base, cluster, symlinks=True, copy_function=_link_or_copy)
    else:
        for node in ("manager", "worker1"):
            shutil.copytree(base, cluster / node, symlinks=True, copy_function=_link_or_copy)
    files = _text_files(cluster)
    for _ in range(rng.randrange(1, 4)):
        _mutate_file(rng, rng.choice(files))
    planted = _plant(rng, files, rng.randrange(1, 4))
    if rng.random() < 0.25:
        candidates = [p for p in files if p.exists() and not p.is_symlink()]
        if candidates:
            _mutate_fs(rng, case_dir, cluster, rng.choice(candidates))
    return cluster, planted


_VALIDATORS: dict[str, object] = {}


def _validator(name: str):
    if name not in _VALIDATORS:
        import jsonschema

        with open(REPO / "schemas" / name, encoding="utf-8") as handle:
            _VALIDATORS[name] = jsonschema.Draft202012Validator(json.load(handle))
    return _VALIDATORS[name]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _run(args: list[str]) -> tuple[int, str, str]:
    from linter.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def check_case(number: int, cluster: Path, planted: list[str]) -> list[Failure]:
    failures = []

    def fail(what: str) -> None:
        failures.append(Failure(number, what))

    findings = None
    for fmt in (*FORMATS, "model"):
        args = ["model", str(cluster)] if fmt == "model" else [str(cluster), "--format", fmt]
        try:
            code, out, err = _run(args)
        except BaseException as exc:  # noqa: BLE001 - anything escaping main() is a failure to report
            fail(f"{fmt}: {type(exc).__name__} escaped main(): {exc}")
            continue
        if code not in ((0,) if fmt == "model" else (0, 1)):
            fail(f"{fmt}: exit {code}: {err.strip()[:300]}")
        if "Traceback" in err or "internal error" in err:
            fail(f"{fmt}: {err.strip()[:300]}")
        for secret in planted:
            if secret in out or secret in err:
                line = next((li for li in (out + err).splitlines() if secret in li), "")
                fail(f"{fmt}: planted secret printed: {line[:300]}")
        if SECRET_MARK + "OUT" in out:
            fail(f"{fmt}: content of a file outside the tree printed")
        if _CONTROL.search(out) or _CONTROL.search(err):
            fail(f"{fmt}: control character in output: {_CONTROL.search(out + err).group()!r}")
        try:
            if fmt == "json":
                data = json.loads(out)
                findings = len(data["findings"])
                for error in list(_validator("findings.schema.json").iter_errors(data))[:1]:
                    fail(f"json: not schema-valid: {error.message[:300]}")
            elif fmt == "sarif":
                for error in list(_validator("sarif-github.schema.json").iter_errors(json.loads(out)))[:1]:
                    fail(f"sarif: not schema-valid: {error.message[:300]}")
            elif fmt == "model":
                for error in list(_validator("model.schema.json").iter_errors(json.loads(out)))[:1]:
                    fail(f"model: not schema-valid: {error.message[:300]}")
            elif fmt == "junit":
                from lxml import etree

                etree.fromstring(out.encode("utf-8"))
            elif fmt == "text":
                if any(line.startswith("::") for line in out.splitlines()):
                    fail("text: a line starts a workflow command")
            elif fmt == "github" and findings is not None:
                commands = sum(1 for line in out.splitlines() if line.startswith("::"))
                if commands != findings:
                    fail(f"github: {commands} workflow commands for {findings} findings")
        except (ValueError, SyntaxError) as exc:  # json.JSONDecodeError, lxml.etree.XMLSyntaxError
            fail(f"{fmt}: output does not parse: {exc}")
    return failures


def run_cases(seed: int, numbers, keep: bool = False) -> tuple[list[Failure], dict]:
    """Build and check each case; returns the failures and figures (cases, slowest case, peak memory)."""
    os.environ.setdefault("BPS_LINT_CACHE_DIR", tempfile.mkdtemp(prefix="bps-lint-fuzz-cache-"))
    failures: list[Failure] = []
    slowest = 0.0
    count = 0
    with tempfile.TemporaryDirectory(prefix="bps-lint-fuzz-") as work:
        for number in numbers:
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                cluster, planted = build_case(seed, number, Path(work))
                failures.extend(check_case(number, cluster, planted))
            except Exception as exc:  # noqa: BLE001 - a harness bug must not hide the other cases
                failures.append(Failure(number, f"harness: {type(exc).__name__}: {exc}"))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            slowest = max(slowest, elapsed)
            if cpu > MAX_CASE_SECONDS:
                failures.append(Failure(number, f"took {cpu:.1f} s of CPU (bound {MAX_CASE_SECONDS} s)"))
            if elapsed > MAX_CASE_WAIT:
                failures.append(Failure(number, f"took {elapsed:.1f} s (bound {MAX_CASE_WAIT} s)"))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if rss > MAX_RSS_MB:
                failures.append(Failure(number, f"peak memory {rss:.0f} MB (bound {MAX_RSS_MB} MB)"))
            if not keep:
                _remove(Path(work) / f"case{number}")
            count += 1
    return failures, {"cases": count, "slowest_case_s": round(slowest, 2), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _remove(folder: Path) -> None:
    """rmtree, tolerating what the mutations made (FIFOs, loops, undecodable names)."""
    shutil.rmtree(os.fsencode(folder), ignore_errors=True)
