"""What may leave bps-lint: every string that reaches an output goes through ``clean`` (findings via
``clean_finding``, the model via ``linter.model.serialize``), so a credential is masked and a control
character cannot forge a log line, a workflow command or a terminal escape, whatever a check quoted."""

from __future__ import annotations

import functools
import re

MASK = "****"
# A word that makes a setting, parameter or flag name a credential's: password and its spellings, a bare
# "pass" (db.pass; keytool's keypass, storepass), pwd, pw, secret, token, credential or cred(s), and an
# API, private or licence key however it is joined (apiKey, api.key, api-key, api_key).
_START = r"(?:(?<![a-z])|(?<=-d))"  # a word's start, also right after a flag's -D (-Dcred=)
# In lower case, matched against lower-cased text: a case-insensitive pattern costs 0.9 ms more to compile.
_SECRET_WORD = (
    rf"pass(?:word|wd|phrase)|(?:{_START}|(?<=key)|(?<=store))pass(?![a-z])|pwd|{_START}pw(?![a-z])|secret|token|credential"
    rf"|{_START}creds?(?![a-z])|(?:api|private|licen[cs]e)[_.\-]?key"
)
_SECRET_NAME = re.compile(_SECRET_WORD)
# The two patterns kept as text are compiled (and cached by re) when first used: a clean run needs neither.
# ``name=value`` with such a name: JDBC/URL parameters (MySQL/MariaDB password, password1, password2;
# PostgreSQL password, sslpassword; MSSQL password, pwd; DB2 password; H2 PASSWORD) and -D flags.
# The match starts at the secret word (trustStore|Password=): a leading [\w.]* would be retried at every offset.
# Also ``name == 'value'`` and ``!=``: a comparison in an Ansible condition a message quotes.
_SECRET_PARAM = rf"(?P<key>(?:{_SECRET_WORD})[\w.\-]*)(?P<sep>\s*[!=]?=\s*)(?P<value>\"[^\"]*\"?|'[^']*'?|[^;&\s'\"<>]*)"
# The comparison the other way round: ``'value' == name``.
_SECRET_COMPARED = rf"(?P<value>\"[^\"]*\"|'[^']*')(?P<sep>\s*[!=]=\s*)(?P<key>[\w.\-]*(?:{_SECRET_WORD}))"
# scheme://user:password@host; the password may hold '/' or ':', the user cannot.
_USERINFO = re.compile(r"(?P<head>//[^/@:\s'\"]*:)[^@\s'\"?#]*@")
# A registry cacheId written user:password@jdbc:... (Carbon's form is user@jdbc-url).
_CACHE_ID = re.compile(r"(?P<head>[\w.\-]+:)[^@\s'\"]*@(?=jdbc:)")
# Oracle's jdbc:oracle:thin:user/password@host (also oci, kprb).
_ORACLE = re.compile(r"(?i)(?P<head>jdbc:oracle:\w+:[^/@:\s'\"]*/)[^@\s'\"]*@")
# C0 and C1 controls, DEL, line/paragraph separators, zero-width and bidirectional marks (two values
# that differ only by one must not print alike), lone surrogates
# (a file name that is not UTF-8) and the two non-characters XML forbids: none may reach a
# terminal, a log or an XML report raw. str.isprintable() refuses each of them, so a printable string needs no search.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_MESSAGE = 2000  # characters; real messages are under 300


@functools.lru_cache(maxsize=2048)  # parameter and flag names repeat on every node
def is_secret_name(name: str | None) -> bool:
    """Whether a field, parameter or flag called ``name`` holds a credential."""
    return bool(name and _SECRET_NAME.search(name.lower()))


# Words every secret name holds: a substring test rules the pattern out for most messages (its alternation
# is tried at every offset).
_SECRET_WORDS = ("pass", "pw", "secret", "token", "cred", "key")


def redact(text: str | None) -> str:
    """``text`` with every credential masked: URL user info, Oracle user/password, password-like parameters and flags."""
    text = text or ""
    if "=" in text:
        text = _mask_parameters(text)
    if "@" in text:
        if "@jdbc:" in text:
            text = _CACHE_ID.sub(lambda m: f"{m['head']}{MASK}@", text)
        if "/" in text:
            text = _ORACLE.sub(lambda m: f"{m['head']}{MASK}@", text)
        if "//" in text:
            text = _USERINFO.sub(lambda m: f"{m['head']}{MASK}@", text)
    return text


def _mask_parameters(text: str) -> str:
    """``text`` with the value of every secret-named ``name=value`` masked, its quotes kept."""
    folded = text.lower()
    if not any(word in folded for word in _SECRET_WORDS):
        return text
    # Lower case keeps every position unless a character grows (İ): then the pattern, case-insensitive, reads the text.
    source, flags = (folded, 0) if len(folded) == len(text) else (text, re.I)
    matches = list(re.finditer(_SECRET_PARAM, source, flags))
    if "==" in text or "!=" in text:
        matches = sorted(matches + list(re.finditer(_SECRET_COMPARED, source, flags)), key=lambda m: m.start("value"))
    pieces, done = [], 0
    for match in matches:
        start, end = match.span("value")
        if start == end or start < done:
            continue
        value = text[start:end]
        quote = value[0] if value[0] in "\"'" else ""
        pieces += [text[done:start], quote, MASK, quote if value.endswith(quote) and len(value) > 1 else ""]
        done = end
    return "".join(pieces) + text[done:] if pieces else text


def _escape_char(match: re.Match) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with control characters, line separators and undecodable bytes written as escapes (``\\n``, ``\\x1b``)."""
    return text if text.isprintable() else re.sub(_UNSAFE, _escape_char, text)


@functools.lru_cache(maxsize=4096)  # paths and node names repeat across findings
def clean(text: str | None, limit: int | None = None) -> str | None:
    """A string fit for any output: credentials masked, control characters escaped, at most ``limit`` characters."""
    if text is None:
        return None
    text = escape(redact(text))
    if limit and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more characters)"
    return text


def scrub(text: str, secrets) -> str:
    """``text`` with each of the known secret values masked (values of secret-named settings a message may quote)."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def clean_finding(finding):
    """A Finding whose message, path, cluster and node are fit for any output."""
    loc = finding.loc
    message, path, cluster, node = clean(finding.message, MAX_MESSAGE), clean(loc.path), clean(finding.cluster), clean(finding.node)
    if message == finding.message and path == loc.path and cluster == finding.cluster and node == finding.node:
        return finding  # nearly always: _replace, twice, cost more than the cleaning
    return finding._replace(message=message, loc=loc._replace(path=path), cluster=cluster, node=node)


def listing(items, limit: int = 10, empty: str = "none") -> str:
    """``a, b, c`` for a message, at most ``limit`` items: "a, b, … and 7,990 more"."""
    items = list(items)
    if not items:
        return empty
    shown = ", ".join(str(i) for i in items[:limit])
    return shown if len(items) <= limit else f"{shown}, … and {len(items) - limit:,} more"


def model_secrets(cluster) -> set[str]:
    """Values of a cluster's secret-named clustering parameters and start-script flags, to ``scrub`` from its messages."""
    found = set()
    for node in cluster.nodes:
        for parameter in node.clustering.parameters if node.clustering else ():
            if is_secret_name(parameter.name) and parameter.value.text:
                found.add(parameter.value.text)
        for flag in node.start_script.flags if node.start_script else ():
            name, value = flag.setting()
            if value and (name in node.secret_properties or is_secret_name(flag.name)):
                found.add(value)
    return {s for s in found if len(s) >= 3}  # "1" or "no" would mask half a message
