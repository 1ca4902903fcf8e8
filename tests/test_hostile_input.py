"""Bad input becomes a finding with a path and line; the run goes on; nothing leaks."""

from __future__ import annotations

import os
import shutil

import pytest

from linter.cli import main
from linter.discover.walk import display_path
from linter.report import FORMATS
from tests.helpers import EXAMPLE_CLUSTER, REPO, lint, node_file

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tasks-configuration><taskServerMode>&lol9;</taskServerMode></tasks-configuration>
"""


@pytest.fixture
def cluster(tmp_path):
    target = tmp_path / "cluster"
    shutil.copytree(EXAMPLE_CLUSTER, target)
    return target


def _only(result, rule):
    return [f for f in result.findings if f.rule == rule]


def _assert_rest_still_checked(result, broken_node):
    # The other nodes were parsed and modelled: the run reports all three nodes and nothing else crashed.
    assert result.nodes == 3
    assert not [f for f in result.findings if f.node != broken_node]


def test_entity_bomb_is_refused_not_expanded(cluster):
    path = node_file(cluster, "worker1", "etc/tasks-config.xml")
    path.write_bytes(BOMB)
    result = lint(cluster)
    (finding,) = _only(result, "BPS002")
    assert (os.path.realpath(finding.loc.path), finding.loc.line) == (str(path), 2)
    assert "lol" not in finding.message
    _assert_rest_still_checked(result, "worker1")


def test_external_entity_does_not_read_the_file(cluster, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT-4711")
    path = node_file(cluster, "worker1", "etc/tasks-config.xml")
    path.write_text(f'<!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>\n<tasks-configuration><taskServerMode>&x;</taskServerMode></tasks-configuration>\n')
    for fmt in ("text", "json"):
        code = main([str(cluster), "--format", fmt])
        out = capsys.readouterr()
        assert code == 1
        assert "TOP-SECRET-CONTENT-4711" not in out.out + out.err
        assert "BPS002" in out.out
    code = main(["model", str(cluster)])
    out = capsys.readouterr().out
    assert code == 0 and "TOP-SECRET-CONTENT-4711" not in out


def test_binary_file_named_axis2(cluster):
    path = node_file(cluster, "worker2", "axis2/axis2.xml")
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = lint(cluster)
    (finding,) = _only(result, "BPS001")
    assert os.path.realpath(finding.loc.path) == str(path) and finding.loc.line == 1
    assert "binary" in finding.message
    # Without axis2.xml the cluster rules that need it are skipped for worker2, not crashed.
    assert {f.rule for f in result.findings} <= {"BPS001", "BPS307"}


def test_a_file_nested_deeper_than_the_parser_reads_says_so(cluster):
    path = node_file(cluster, "worker1", "bps.xml")
    path.write_bytes(b"<a>" * 50_000 + b"</a>" * 50_000)  # well-formed, and 50,000 deep
    result = lint(cluster)
    (finding,) = _only(result, "BPS001")
    assert os.path.realpath(finding.loc.path) == str(path) and finding.loc.line == 1
    assert "nested deeper than 256 levels" in finding.message and "well-formed" not in finding.message
    _assert_rest_still_checked(result, "worker1")


@pytest.mark.parametrize("options", [["--select", "BPS404"], ["--ignore", "BPS001"]])
def test_a_broken_file_that_stops_the_cross_node_rules_is_reported_whatever_is_selected(cluster, capsys, options):
    """A broken file makes the rules comparing the nodes wait; with BPS001 not selected the run passed, BPS404 unrun."""
    node_file(cluster, "worker2", "bps.xml").write_text(node_file(cluster, "worker1", "bps.xml").read_text())  # a shared NodeId
    assert main([str(cluster), "--select", "BPS404"]) == 1  # found while every file reads
    capsys.readouterr()
    with open(node_file(cluster, "worker1", "user-mgt.xml"), "a") as handle:
        handle.write("broken <")
    assert main([str(cluster), *options]) == 1
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "BPS001" in line]
    assert "user-mgt.xml" in line and "the rules comparing this cluster's nodes wait for it (" + ("BPS404)" if "--select" in options else "BPS105, ") in line


def test_a_broken_file_is_not_hidden_by_a_per_path_ignore_or_the_baseline(cluster, capsys, tmp_path):
    with open(node_file(cluster, "worker1", "user-mgt.xml"), "a") as handle:
        handle.write("broken <")
    (cluster / "bps-lint.toml").write_text('[per-path-ignores]\n"**" = ["BPS001"]\n')
    assert main([str(cluster)]) == 1 and "BPS001" in capsys.readouterr().out
    baseline = tmp_path / "baseline.json"
    assert main([str(cluster), "--write-baseline", str(baseline)]) == 0
    capsys.readouterr()
    assert main([str(cluster), "--baseline", str(baseline)]) == 1 and "BPS001" in capsys.readouterr().out


def test_a_stream_that_is_not_valid_yaml_is_reported_whatever_is_ignored(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a: [\n")))
    assert main(["-", "--ignore", "BPS003"]) == 1
    assert "<stdin>:2: BPS003 error: not valid YAML" in capsys.readouterr().out


def test_a_broken_humantask_xml_leaves_the_task_server_count_unjudged(tmp_path):
    """Whether ntask waits depends on HumanTask's clean-up on every node: with one humantask.xml unusable, BPS502 on a
    node turned into BPS504 saying the clean-up was off, and the count advised was wrong."""
    broken = tmp_path / "broken"
    shutil.copytree(REPO / "examples" / "broken-cluster", broken)
    assert {f.rule for f in lint(broken).findings} >= {"BPS502"}
    humantask = node_file(broken, "worker2", "humantask.xml")
    humantask.write_text(humantask.read_text().replace("<HumanTaskServerConfig", '<HumanTaskServerConfig a="1" a="2"', 1))
    rules = {f.rule for f in lint(broken).findings}
    assert "BPS001" in rules and not rules & {"BPS502", "BPS504", "BPS505"}


def test_empty_file(cluster):
    path = node_file(cluster, "manager", "bps.xml")
    path.write_bytes(b"")
    result = lint(cluster)
    (finding,) = _only(result, "BPS001")
    assert os.path.realpath(finding.loc.path) == str(path) and finding.loc.line == 1 and "empty" in finding.message


def test_wrong_encoding_reports_line_and_column(cluster):
    path = node_file(cluster, "worker1", "etc/tasks-config.xml")
    path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<tasks-configuration>\n  <taskServerMode>STANDALONE\xe9</taskServerMode>\n</tasks-configuration>\n'
    )
    result = lint(cluster)
    (finding,) = _only(result, "BPS001")
    assert finding.loc.line == 3 and finding.loc.column is not None


def test_iso_8859_1_file_with_non_ascii_text_parses(cluster):
    path = node_file(cluster, "worker1", "etc/tasks-config.xml")
    path.write_bytes(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- Konfiguration für Täsks -->\n<tasks-configuration>\n    <taskServerMode>Standalone</taskServerMode>\n</tasks-configuration>\n'.encode(
            "iso-8859-1"
        )
    )
    result = lint(cluster)
    (finding,) = result.findings
    assert (finding.rule, finding.loc.line, finding.loc.column) == ("BPS501", 4, 5)


def test_unreadable_file(cluster, monkeypatch):
    path = node_file(cluster, "worker1", "registry.xml")
    if os.geteuid() == 0:  # root reads anything: make the open itself fail as it would for a user
        real_open = os.open

        def deny(file, *args, **kwargs):
            if os.fspath(file) == os.fspath(path) or os.path.realpath(os.fspath(file)) == str(path):
                raise PermissionError(13, "Permission denied", os.fspath(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(os, "open", deny)
    else:
        path.chmod(0)
    result = lint(cluster)
    (finding,) = _only(result, "BPS003")
    assert os.path.realpath(finding.loc.path) == str(path) and "Permission denied" in finding.message
    assert result.nodes == 3


def test_symlink_loops_are_not_followed(cluster):
    os.symlink("..", cluster / "worker1" / "loop")  # a folder loop
    path = node_file(cluster, "worker2", "bps.xml")
    path.unlink()
    os.symlink(path.name, path)  # a file that points at itself
    result = lint(cluster)
    assert result.nodes == 3 and result.clusters == 1
    (finding,) = _only(result, "BPS003")
    assert os.path.realpath(os.path.dirname(finding.loc.path)) == str(path.parent)
    assert "loop" in finding.message.lower() or "too many levels" in finding.message.lower()


def test_missing_file_is_reported_at_the_node_folder(cluster):
    node_file(cluster, "worker2", "registry.xml").unlink()
    carbon = node_file(cluster, "worker2", "carbon.xml")  # a version bps-lint has no stock files of
    carbon.write_text(carbon.read_text().replace("<Version>3.6.0</Version>", "<Version>3.2.0</Version>"))
    result = lint(cluster)
    (finding,) = _only(result, "BPS004")
    assert os.path.realpath(finding.loc.path) == str(cluster / "worker2") and finding.loc.line is None
    assert "registry.xml" in finding.message


def test_a_folder_named_like_a_file(cluster):
    path = node_file(cluster, "worker1", "bps.xml")
    path.unlink()
    path.mkdir()
    result = lint(cluster)
    (finding,) = _only(result, "BPS003")
    assert "not a regular file" in finding.message


# --- Secrets, control characters and output injection (issue 11) ---------------------------------


def _outputs(capsys, *args) -> dict[str, tuple[int, str]]:
    """Every format's output (and the model's) for ``args``: {format: (exit code, stdout + stderr)}."""
    found = {}
    for fmt in FORMATS:
        code = main([*args, "--format", fmt])
        out = capsys.readouterr()
        found[fmt] = (code, out.out + out.err)
    code = main(["model", *args])
    out = capsys.readouterr()
    found["model"] = (code, out.out + out.err)
    return found


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_no_planted_secret_in_any_output(cluster, capsys):
    ds = node_file(cluster, "worker1", "datasources/bps-datasources.xml")
    _replace(ds, "bps_db?autoReconnect=true", "bps_db?autoReconnect=true&amp;password=Zq7PA&amp;password1=Zq7PB&amp;password2=Zq7PC")
    master = node_file(cluster, "worker1", "datasources/master-datasources.xml")
    _replace(master, "jdbc:mysql://mysql.bps.internal:3306/bps_local_worker1?autoReconnect=true", "jdbc:h2:tcp://h/db;USER=sa;PASSWORD=Zq7H2")
    _replace(master, "jdbc:mysql://mysql.bps.internal:3306/bps_registry", "jdbc:mysql://regadmin:Zq7SL/B2@mysql.bps.internal:3306/bps_registry")
    _replace(master, "jdbc:mysql://mysql.bps.internal:3306/bps_userstore?autoReconnect=true", "jdbc:db2://h:50000/db:user=u;password=Zq7DB;")
    _replace(master, "jdbc:mysql://localhost:3306/Test1", "jdbc:sqlserver://h;user=a;pwd=Zq7MS")
    activiti = node_file(cluster, "worker1", "datasources/activiti-datasources.xml")
    _replace(activiti, "jdbc:mysql://mysql.bps.internal:3306/bps_activiti?autoReconnect=true", "jdbc:oracle:thin:scott/Zq7OR@db:1521:x")
    registry = node_file(cluster, "worker1", "registry.xml")
    _replace(registry, "<cacheId>regadmin@jdbc:mysql://", "<cacheId>regadmin:Zq7CI@jdbc:postgresql://h/db?password=Zq7PG&amp;x=jdbc:mysql://")
    _replace(node_file(cluster, "worker1", "carbon.xml"), "http://svn.bps.internal/repos/bps/", "https://u:Zq7SV@svn2/r/")
    _replace(
        node_file(cluster, "worker1", "axis2/axis2.xml"),
        '<parameter name="membershipScheme">',
        '<parameter name="secretKey">Zq7AW${x}</parameter><parameter name="KUBERNETES_API_SERVER_TOKEN">Zq7KT</parameter>'
        '<parameter name="KUBERNETES_API_SERVER_PASSWORD">Zq7KP</parameter><parameter name="membershipScheme">',
    )
    _replace(node_file(cluster, "worker1", "bin/wso2server.sh"), "    $JAVA_OPTS \\\n", "    $JAVA_OPTS -Djavax.net.ssl.trustStorePassword=Zq7TS -Dsetup \\\n")
    flags = "-Ddb.pass=Zq7DP -Dapi.key=Zq7AK -Dapi-key=Zq7AD -Dcred=Zq7CR -Dkeypass=Zq7KE -Dpw=Zq7PW"  # secret words however written
    _replace(node_file(cluster, "worker2", "bin/wso2server.sh"), "    $JAVA_OPTS \\\n", f"    $JAVA_OPTS {flags} -Dsetup \\\n")
    for fmt, (code, text) in _outputs(capsys, str(cluster)).items():
        assert code in (0, 1), (fmt, text)
        assert "Zq7" not in text, (fmt, [line for line in text.splitlines() if "Zq7" in line])
    # The planted values were read: the model shows where they are, masked.
    model = _outputs(capsys, str(cluster))["model"][1]
    assert "secretKey" in model and "trustStorePassword=****" in model and "https://u:****@svn2/r/" in model


def test_parse_errors_do_not_quote_the_document(cluster, capsys):
    for text, secret in (
        ("<tasks-configuration><password><![CDATA[Zq7CD]]</password></tasks-configuration>", "Zq7CD"),
        ("<tasks-configuration><password>Tr0ub&Zq7EN;3</password></tasks-configuration>", "Zq7EN"),
        ("<tasks-configuration><password>ab<Zq7TG</password></tasks-configuration>", "Zq7TG"),
    ):
        path = node_file(cluster, "worker1", "etc/tasks-config.xml")
        path.write_text(text)
        result = lint(cluster)
        (finding,) = _only(result, "BPS001")
        assert finding.loc.line == 1 and finding.loc.column and "\n" not in finding.message
        assert secret not in finding.message, finding.message
        for fmt, (_, output) in _outputs(capsys, str(cluster)).items():
            assert secret not in output, fmt


def test_an_undeclared_secure_vault_prefix_says_which_declaration_is_missing(cluster):
    # the runbook's <Password svns:secretAlias=...> pasted into the stock user-mgt.xml, which declares no svns
    path = node_file(cluster, "worker1", "user-mgt.xml")
    path.write_text(path.read_text().replace('xmlns:svns="http://org.wso2.securevault/configuration"', ""))
    (finding,) = _only(lint(cluster), "BPS001")
    assert os.path.realpath(finding.loc.path) == str(path)
    assert "namespace prefix 'svns' of svns:secretAlias on <Password> is not declared" in finding.message
    assert 'expected xmlns:svns="http://org.wso2.securevault/configuration" on the root element' in finding.message


def test_control_characters_are_escaped_in_every_format(cluster, capsys):
    _replace(
        node_file(cluster, "worker1", "bps.xml"),
        "<tns:ODESchedulerThreadPoolSize>50",
        "<tns:ODESchedulerThreadPoolSize>x\n::warning file=app.py,line=1::fake\n",
    )
    _replace(node_file(cluster, "worker1", "bin/wso2server.sh"), "    $JAVA_OPTS \\\n", "    $JAVA_OPTS -Dsetup=\x1b[31mred \\\n")
    evil = cluster.parent / "cl\x1buster\n::error::x"
    cluster.rename(evil)
    outputs = _outputs(capsys, str(evil))
    for fmt, (code, text) in outputs.items():
        assert code in (0, 1), (fmt, text)
        assert "\x1b" not in text, fmt
        assert not any(line.lstrip().startswith(("::warning file=app.py", "::error::x")) for line in text.splitlines()), fmt
    assert "\\x1b" in outputs["text"][1] and "\\n::warning" in outputs["text"][1]


@pytest.mark.skipif(os.name != "posix", reason="a file name that is not UTF-8 needs a POSIX file system")
def test_non_utf8_folder_name_in_every_format(cluster, capsys):
    evil = os.path.join(os.fsencode(cluster.parent), b"cl\xffuster")
    os.rename(os.fsencode(cluster), evil)
    node_file_path = os.path.join(evil, b"worker1", b"repository", b"conf", b"bps.xml")
    os.unlink(node_file_path)
    outputs = _outputs(capsys, os.fsdecode(evil))
    for fmt, (code, text) in outputs.items():
        assert code in (0, 1), (fmt, text)
        assert "\udcff" not in text and "\\udcff" not in text, fmt
        assert "xffuster" in text, fmt


# --- Time and memory: linear and bounded ---------------------------------------------------------


def _bounded(capsys_unused=None, *args, cpu_seconds=60, memory_mb=1024):
    """``bps-lint *args`` in a child process limited in CPU time and address space: a quadratic or
    exponential path is killed instead of hanging the suite (the limits are far above what linear
    work needs, so they are not timing asserts)."""
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    return subprocess.run(
        [sys.executable, "-c", "import sys; from linter.cli import main; sys.exit(main(sys.argv[1:]))", *args],
        timeout=max(cpu_seconds * 3, 60),  # a process blocked on a FIFO uses no CPU
        capture_output=True,
        text=True,
        errors="replace",
        preexec_fn=limit,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )


def _bounded_in(folder, *args):
    """``bps-lint *args`` run from ``folder`` (as 'rules' reads the manifest of the current folder)."""
    import subprocess
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = f"import sys; sys.path.insert(0, {repo!r}); from linter.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], timeout=60, capture_output=True, text=True, cwd=folder)


def test_thousands_of_unknown_instances_give_short_messages(cluster):
    registry = node_file(cluster, "worker1", "registry.xml")
    extra = "\n".join(
        f'<remoteInstance url="https://x/registry"><id>i{i}</id><dbConfig>c{i}</dbConfig><readOnly>true</readOnly></remoteInstance>'
        f'<mount path="/p{i}" overwrite="true"><instanceId>nope{i}</instanceId><targetPath>/t</targetPath></mount>'
        for i in range(8000)
    )
    extra += "".join(f'<dbConfig name="c{i}"><dataSource>jdbc/missing{i}</dataSource></dbConfig>' for i in range(4000))
    _replace(registry, "</wso2registry>", extra + "</wso2registry>")
    done = _bounded(None, str(cluster), cpu_seconds=120, memory_mb=1500)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stdout.splitlines() if " BPS203 " in line]
    assert len(lines) == 8000
    assert all(len(line) < 1000 for line in lines) and "… and 7,991 more)" in lines[0]
    unresolved = [line for line in done.stdout.splitlines() if " BPS109 " in line]
    assert len(unresolved) == 4000 and all(len(line) < 1000 for line in unresolved)


def test_a_start_script_of_800k_flags_is_a_finding(cluster):
    script = node_file(cluster, "worker1", "bin/wso2server.sh")
    _replace(script, "    $JAVA_OPTS \\\n", "    $JAVA_OPTS " + " ".join(["-Da"] * 800_000) + " -Dsetup \\\n")
    done = _bounded(None, str(cluster), memory_mb=700)
    (line,) = [line for line in done.stdout.splitlines() if " BPS003 " in line]
    assert line.startswith(f"{display_path(str(script))}: BPS003 error: start script has about 800,") and "flag budget" in line
    assert done.returncode == 1


def test_the_flag_scan_looks_at_each_line_once():
    from linter.model.files import _scan_flags

    class Counted(str):
        """A script text that counts the line searches made in it."""

        searches = 0

        def rfind(self, *args):
            Counted.searches += 1
            return super().rfind(*args)

    text = Counted('#!/bin/sh\n  # -Dcommented=1\nJAVA_OPTS="' + " ".join(["-Da"] * 50_000) + '"\nif [ x ]; then\n  -Db=2\nfi\n')
    flags = _scan_flags(text)
    assert len(flags) == 50_001 and flags[0] == ("-Da", 3, 12, False) and flags[-1] == ("-Db=2", 5, 3, True)
    assert Counted.searches <= 3  # once per line holding a flag, not once per flag


def test_ten_thousand_nodes_in_one_cluster(tmp_path):
    from linter.discover.walk import discover
    from linter.model.build import build_cluster

    for i in range(10_000):
        (tmp_path / "fleet" / f"n{i}" / "conf").mkdir(parents=True)
        (tmp_path / "fleet" / f"n{i}" / "conf" / "bps.xml").write_bytes(b"")
    done = _bounded(None, str(tmp_path / "fleet"), cpu_seconds=90)
    assert done.returncode == 1 and done.stdout.endswith("10000 nodes, 1 cluster\n"), done.stderr
    (source,) = discover([str(tmp_path / "fleet")]).clusters[:1]
    assert build_cluster(source._replace(nodes=source.nodes[:3])).cluster.instances == 3  # counted once, not per check


def test_trees_are_released_once_read(cluster):
    import gc

    from lxml import etree

    from linter.discover.walk import discover
    from linter.model.build import build_cluster

    (source,) = discover([str(cluster)]).clusters
    built = build_cluster(source)
    gc.collect()
    assert built.cluster.nodes[0].registry is not None
    assert not [o for o in gc.get_objects() if isinstance(o, etree._Element)]


def test_element_budget_is_a_finding_naming_the_file(cluster):
    path = node_file(cluster, "worker1", "carbon.xml")
    path.write_bytes(b"<Server>" + b"<a/>" * 4_000_000 + b"</Server>")
    done = _bounded(None, str(cluster), memory_mb=700)
    (line,) = [line for line in done.stdout.splitlines() if " BPS003 " in line]
    assert line.startswith(display_path(str(path)) + ": ") and "element budget" in line
    assert done.returncode == 1


# --- One input never kills the run; nothing outside the tree is read -----------------------------


def test_a_folder_nested_deeper_than_the_recursion_limit(cluster):
    import sys

    depth = sys.getrecursionlimit() + 10
    chain = [cluster / "attic" / "/".join(["d"] * i) for i in range(1, depth + 1)]
    (cluster / "attic").mkdir()
    for folder in chain:  # one at a time: mkdir(parents=True) recurses too
        folder.mkdir()
    try:
        result = lint(cluster)
        assert result.nodes == 3 and result.findings == []
    finally:  # pytest's own clean-up would recurse as deep
        for folder in reversed(chain):
            folder.rmdir()


def test_a_manifest_nested_thousands_deep_is_one_error_naming_it(cluster, capsys):
    (cluster / "bps-lint.toml").write_text("x = " + "[" * 2000 + "]" * 2000 + "\n")
    assert main([str(cluster)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bps-lint.toml" in err and "Traceback" not in err


def test_a_link_out_of_the_tree_is_a_finding_not_followed(cluster, tmp_path, capsys):
    outside = tmp_path / "outside.xml"
    outside.write_text("<Server><HostName>Zq7OUTSIDE</HostName></Server>")
    carbon = node_file(cluster, "worker1", "carbon.xml")
    carbon.unlink()
    os.symlink(outside, carbon)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(cluster / "worker2", elsewhere / "stock")
    os.symlink(elsewhere, cluster / "rootfs")
    result = lint(cluster)
    assert result.nodes == 3
    assert {(f.rule, os.path.basename(f.loc.path)) for f in result.findings} == {("BPS003", "carbon.xml"), ("BPS003", "rootfs")}
    assert all("outside the checked folder" in f.message for f in result.findings)
    main(["model", str(cluster)])
    assert "Zq7OUTSIDE" not in capsys.readouterr().out


def test_manifest_nodes_stay_inside_the_repository(cluster, tmp_path, capsys):
    shutil.copytree(cluster / "worker2", tmp_path / "elsewhere" / "stock")
    (cluster / "bps-lint.toml").write_text('[clusters.prod]\nnodes = ["manager", "../elsewhere/stock"]\n')
    assert main([str(cluster)]) == 2
    err = capsys.readouterr().err
    assert "bps-lint.toml: invalid manifest at 'clusters.prod.nodes'" in err and "outside the repository" in err


# --- --output never replaces what is not a regular file, and leaves nothing behind ----------------


def test_output_to_a_fifo_and_a_symlink_writes_through(cluster, tmp_path, capsys):
    import stat
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert main([str(cluster), "--format", "json", "--output", str(fifo)]) == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and b'"findings": []' in received[0]
    target = tmp_path / "target.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    assert main([str(cluster), "--format", "json", "--output", str(link)]) == 0
    assert os.path.islink(link) and '"findings": []' in target.read_text()
    capsys.readouterr()


def test_output_files_get_the_umask_mode_or_keep_their_own(cluster, tmp_path, capsys):
    import stat

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.json"
        assert main([str(cluster), "--format", "json", "--output", str(fresh)]) == 0
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # as any tool's new file; mkstemp alone gives 0600
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o640)
        assert main([str(cluster), "--format", "json", "--output", str(kept)]) == 0
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and '"findings": []' in kept.read_text()
    finally:
        os.umask(old)
    capsys.readouterr()


def test_output_that_fails_leaves_no_temporary_file(cluster, tmp_path, monkeypatch, capsys):
    import linter.report.json_report

    monkeypatch.setattr(linter.report.json_report, "render", lambda *args: "undecodable \udcff\n")
    out = tmp_path / "out.json"
    assert main([str(cluster), "--format", "json", "--output", str(out)]) == 0
    assert out.read_text() == "undecodable \\udcff\n"

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert main([str(cluster), "--output", str(tmp_path / "out.txt")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cluster", "out.json"]


def test_a_fifo_among_extra_policies_is_refused_not_waited_on(cluster, tmp_path):
    extra = tmp_path / "policies"
    extra.mkdir()
    os.mkfifo(extra / "BPS901.toml")
    (cluster / "bps-lint.toml").write_text('extra-policies = ["../policies"]\n')
    for args in ((str(cluster),), ("rules",)):
        done = _bounded(None, *args) if args[0] != "rules" else _bounded_in(cluster, "rules")
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "BPS901.toml: cannot read: not a regular file" in done.stderr


# --- Custom policies: a policy that cannot work is refused when it loads --------------------------


def _extra_policy(cluster, tmp_path, check: str, scope: str = "node"):
    text = (REPO / "policies" / "BPS101.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[check]\n")
    rest = rest[rest.index("[[examples]]") :]
    head = head.replace('id = "BPS101"', 'id = "ORG901"').replace('name = "bps-ds-autocommit"', 'name = "org-check"')
    head = head.replace('scope = "node"', f'scope = "{scope}"')
    folder = tmp_path / "org"
    folder.mkdir(exist_ok=True)
    path = folder / "ORG901.toml"
    path.write_text(head + "[check]\n" + check + "\n" + rest, encoding="utf-8")
    (cluster / "bps-lint.toml").write_text(f'extra-policies = ["{folder}"]\n')
    return path


@pytest.mark.parametrize(
    "message, why",
    [
        ("{found} {0}", "unknown field '{0}'"),
        ("{found} {other}", "unknown field '{other}'"),
        ("{found} {", "unmatched '{'"),
        ("{found} }", "unmatched '}'"),
        ("{found}{found:>300000000}", "unknown field '{found:>300000000}'"),
        ("{found} {found.__class__.__mro__}", "unknown field '{found.__class__.__mro__}'"),
    ],
)
def test_message_templates_allow_only_found(cluster, tmp_path, capsys, message, why):
    path = _extra_policy(cluster, tmp_path, f'field = "bps.node_id"\nmessage = {message!r}'.replace("'", '"'))
    assert main([str(cluster)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bps-lint: {path}: invalid policy at 'check.message': {why}") and err.count("\n") == 1, err


def test_a_template_with_literal_braces_renders(cluster, tmp_path, capsys):
    _extra_policy(cluster, tmp_path, 'field = "bps.node_id"\nequals = "x"\nmessage = "NodeId {{id}} is {found}"')
    assert main([str(cluster), "--select", "ORG901"]) == 1
    assert "NodeId {id} is 'bps-manager'" in capsys.readouterr().out


@pytest.mark.parametrize(
    "check, scope, key, why",
    [
        ('field = "bps_datasource.default_autocommit"\nmessage = "{found}"', "node", "check.field", "Datasource has no field 'default_autocommit'"),
        ('field = "bps.nodeid"\nmessage = "{found}"', "node", "check.field", "BpsConfig has no field 'nodeid'"),
        ('field = "datasources.url"\nmessage = "{found}"', "node", "check.field", "'datasources' is a list or a plain value"),
        ('field = "bps"\nmessage = "{found}"', "node", "check.field", "'bps' is a BpsConfig, not a value"),
        ('field = "bps.node_id"\nmessage = "{found}"', "cluster", "scope", 'expected scope = "node"'),
        ('kind = "function"', "cluster", "scope", 'expected scope = "node"'),
        ('kind = "function"', "node", "scope", 'expected scope = "cluster"'),
        ('kind = "unique"\nfield = "bps.node_id"\nmessage = "{value}"', "node", "scope", 'a unique check is made across the nodes; expected scope = "cluster"'),
        ('kind = "consistent"\nfield = "bps.nodeid"\nmessage = "{value}"', "cluster", "check.field", "BpsConfig has no field 'nodeid'"),
        ('kind = "consistent"\nfield = "bps.node_id"\nmessage = "{found}"', "cluster", "check.message", "a message can only use {value}, {node}, {majority}"),
        ('kind = "unique"\nfield = "bps.node_id"\nmessage = "{majority}"', "cluster", "check.message", "a message can only use {value}, {nodes}"),
    ],
)
def test_a_policy_that_cannot_work_is_refused_at_load(cluster, tmp_path, capsys, monkeypatch, check, scope, key, why):
    from linter.evaluate.checks import CHECKS

    # a function rule named org-check whose function works on the other scope than the policy says
    monkeypatch.setitem(CHECKS, "org-check", (lambda cluster: ()) if scope == "node" else (lambda node, cluster: ()))
    path = _extra_policy(cluster, tmp_path, check, scope)
    for args in ([str(cluster)], ["rules"]):
        cwd = os.getcwd()
        os.chdir(cluster)
        try:
            assert main(args) == 2
        finally:
            os.chdir(cwd)
        err = capsys.readouterr().err
        assert err.startswith(f"bps-lint: {path}: invalid policy at '{key}': ") and why in err and err.count("\n") == 1, err


# --- The command line: one line per problem, signals, stray paths, Java integers ------------------


@pytest.mark.parametrize("args", [["--format", "yaml", "."], ["--jobs", "x"], ["rules", "--bogus"], ["explain"], ["model", "--format", "xml"]])
def test_usage_errors_are_one_line(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("bps-lint") and err.count("\n") == 1, err


def test_ctrl_c_is_one_line(cluster, monkeypatch, capsys):
    import linter.run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(linter.run, "lint_paths", interrupted)
    assert main([str(cluster)]) == 2
    assert capsys.readouterr().err == "bps-lint: interrupted\n"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_sigterm_stops_the_workers_at_once(tmp_path):
    import signal
    import subprocess
    import sys

    code = f"""
import os, sys, time
from linter.cli import main
from linter.discover.walk import display_path
import linter.run

def slow(paths, engine, settings, jobs):
    from linter.workers import map_in_processes
    def work(i):
        with open(os.path.join({str(tmp_path)!r}, f"{{os.getpid()}}.pid"), "w"):
            pass
        time.sleep(600)
    map_in_processes(work, list(range(8)), 3)

linter.run.lint_paths = slow
sys.exit(main(["{tmp_path}"]))
"""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    process = subprocess.Popen([sys.executable, "-c", code], cwd=repo, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # until the parent and both workers are at work
            if len(list(tmp_path.glob("*.pid"))) == 3:
                break
            import time

            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 2
    finally:
        process.kill()
    assert process.stderr.read() == "bps-lint: terminated\n"
    for pid in (int(p.stem) for p in tmp_path.glob("*.pid")):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_file_of_no_node_is_said_to_be_unchecked(tmp_path, capsys):
    stray = tmp_path / "carbon.xml"  # a carbon.xml alone is no node
    stray.write_text("<x/>")
    assert main([str(stray)]) == 0
    err = capsys.readouterr().err
    assert err == f"bps-lint: {stray} is not a file of a BPS node (no repository/conf, conf or bps.xml folder holds it); not checked\n"


def test_an_unreadable_bin_folder_is_a_finding(cluster, monkeypatch):
    script = node_file(cluster, "worker1", "bin/wso2server.sh")
    real_lstat, real_open = os.lstat, os.open

    def deny(path, *args, **kwargs):
        if os.fspath(path).endswith(os.path.join("worker1", "bin", "wso2server.sh")):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return (real_lstat if deny.kind == "lstat" else real_open)(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lambda p, *a, **k: (setattr(deny, "kind", "lstat"), deny(p, *a, **k))[1])
    monkeypatch.setattr(os, "open", lambda p, *a, **k: (setattr(deny, "kind", "open"), deny(p, *a, **k))[1])
    result = lint(cluster)
    (finding,) = _only(result, "BPS003")
    assert os.path.realpath(finding.loc.path) == str(script) and "Permission denied" in finding.message


@pytest.mark.parametrize(
    "raw, number",
    [
        ("10", 10),
        (" 7\t", 7),
        ("+5", 5),
        ("-3", -3),
        ("１２", 12),
        ("2147483647", 2147483647),
        ("1_0", None),
        ("\xa010", None),
        ("10\u2003", None),
        ("2147483648", None),
        ("", None),
        ("1 0", None),
    ],
)
def test_integers_are_read_as_java_reads_them(raw, number):
    from linter.model.types import Value

    assert Value(raw, None).as_int() == number


def test_zero_width_characters_are_escaped_so_different_values_print_differently():
    from linter.redact import clean

    assert clean("bps-worker1") != clean("bps-\u200bworker1") and "\u200b" not in clean("bps-\u200bworker1")


def test_a_cross_node_rule_is_one_policy_file(cluster, tmp_path, capsys):
    # "same on every node" over a field that differs on every node: the nodes off the first one's value are named
    check = 'kind = "consistent"\nfield = "bps.node_id"\nmessage = "NodeId {value} on {node}, {majority} elsewhere"'
    _extra_policy(cluster, tmp_path, check, "cluster")
    assert main([str(cluster), "--select", "ORG901"]) == 1
    out = capsys.readouterr().out
    assert "worker1/repository/conf/bps.xml:117:" in out and "ORG901 error: NodeId bps-worker1 on worker1, bps-manager elsewhere" in out
    assert "worker2/repository/conf/bps.xml:117:" in out and "manager/repository" not in out
    (cluster / "worker2" / "repository" / "conf" / "bps.xml").write_text(
        (cluster / "worker1" / "repository" / "conf" / "bps.xml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    _extra_policy(cluster, tmp_path, 'kind = "unique"\nfield = "bps.node_id"\nmessage = "{value} held by {nodes}"', "cluster")
    assert main([str(cluster), "--select", "ORG901"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "ORG901" in line]
    assert len(lines) == 2 and all("bps-worker1 held by worker1, worker2" in line for line in lines), lines


def test_an_unreadable_file_makes_no_follow_on_findings(cluster):
    """A manager's registry.xml cut short, a worker's datasources cut short, or a link out of the tree: each is its
    own error, and nothing is concluded from what the file would have said (no role, no datasource named nowhere)."""
    registry = node_file(cluster, "manager", "registry.xml")
    registry.write_bytes(registry.read_bytes()[:500])
    pools = node_file(cluster, "worker1", "datasources/bps-datasources.xml")
    pools.write_bytes(pools.read_bytes()[:700])
    assert sorted((f.rule, f.node) for f in lint(cluster).findings) == [("BPS001", "manager"), ("BPS001", "worker1")]
    registry.unlink()
    registry.symlink_to("/etc/hosts")
    assert sorted((f.rule, f.node) for f in lint(cluster).findings) == [("BPS001", "worker1"), ("BPS003", "manager")]


def test_every_character_escaped_is_one_isprintable_refuses():
    """escape() skips its pattern for a printable string: that is only safe while no unsafe character is printable."""
    import re

    from linter import redact

    unsafe = re.compile(redact._UNSAFE)
    assert [hex(c) for c in range(0x110000) if unsafe.match(chr(c)) and chr(c).isprintable()] == []
    assert redact.escape("a\u202eb\x1b[31m") == "a\\u202eb\\x1b[31m"


def test_secret_parameters_are_masked_as_the_case_insensitive_pattern_masks_them():
    """redact() matches lower-cased text after a substring test; the pattern itself, case-insensitive over the
    original text, must mask exactly the same (U+017F, which only case folding turns into an s, left out)."""
    import random
    import re

    from linter import redact

    pattern = re.compile("(?i)" + redact._SECRET_PARAM)

    def reference(text):
        def mask(match):
            value = match["value"]
            quote = value[:1] if value[:1] in ("'", '"') else ""
            return (
                match.group() if not value else f"{match['key']}{match['sep']}{quote}{redact.MASK}{quote if value.endswith(quote) and len(value) > 1 else ''}"
            )

        return pattern.sub(mask, text)

    pieces = ["password", "PassWord", "pass", "-Dpass", "-DPW", "keypass", "-Dcred", "Creds", "api.key", "API-KEY", "token", "pwd", "x", "=", " = "]
    pieces += ["'", '"', "İ", "K", ";", "&", "jdbc:mysql://h/db?", "trustStorePassword", "PassThrough", "bypass", "credit"]
    rng = random.Random(20261126)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert redact._mask_parameters(text) == reference(text), text


@pytest.mark.parametrize(
    "text, shown",
    [
        ("vault_db_password == 'Zq7Secret' and api_token != \"Tk9Leak\"", "vault_db_password == '****' and api_token != \"****\""),
        ("'Zq7Secret' == db_password", "'****' == db_password"),
        ("db_password=='Zq7Secret'", "db_password=='****'"),
        ("inventory_hostname == 'bps_1'", "inventory_hostname == 'bps_1'"),  # not a secret's name: kept
    ],
)
def test_a_secret_compared_in_a_condition_is_masked(text, shown):
    """An Ansible condition a message quotes: ``password == 'x'`` printed ``=**** 'x'`` (the second '=' masked)."""
    from linter import redact

    assert redact.redact(text) == shown


def test_a_stdin_stream_over_the_limit_is_one_finding_without_a_made_up_size():
    """stdin is read to one byte past the 16 MiB limit: the finding says it is too large, not a size it never read."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "linter", "-"], input=b"a: b\n" * (4 * 1024 * 1024), capture_output=True, cwd=REPO)
    assert result.returncode == 1 and "Traceback" not in result.stderr.decode()
    assert "<stdin>: BPS003 error: more than the 16,777,216 byte (16 MiB) limit of YAML bps-lint reads; not read" in result.stdout.decode()
