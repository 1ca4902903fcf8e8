"""Bad input becomes a finding with a path and line; the run goes on; nothing leaks."""

from __future__ import annotations

import os
import shutil

import pytest

from linter.cli import main
from tests.helpers import EXAMPLE_CLUSTER, lint, node_file

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
