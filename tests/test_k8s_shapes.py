"""Kubernetes and kustomize shapes: configMap volume items, what a folder mount hides, kustomize overlays, ConfigMaps
shared by environments from a parent folder, and folders holding only patches."""

from __future__ import annotations

import io
import json
import sys

import pytest

from linter.cli import main
from tests.helpers import REPO, lint

KUBE = REPO / "docs" / "sources" / "examples" / "manifests.yaml"
HOME = "/home/wso2carbon/wso2bps-3.6.0"
CONF_VOLUME = "        - name: conf\n          configMap:\n            name: bps-conf\n"


def _rules(findings, *rules):
    return {(f.rule, f.loc.path, f.loc.line) for f in findings if f.rule in rules}


def _line(text: str, part: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if part in line)


# --- a configMap volume's items ------------------------------------------------------------------------


@pytest.mark.parametrize("optional", ["", "            optional: true\n", "            optional: false\n"])
def test_a_volume_item_naming_a_key_the_map_lacks_stops_the_pod_unless_optional(tmp_path, monkeypatch, optional):
    """The kubelet refuses a configMap volume whose items name a key the map lacks (not optional): BPS003 at the key."""
    volume = CONF_VOLUME + optional + "            items:\n              - key: bps.xml\n                path: bps.xml\n              - key: nosuch.xml\n                path: x.xml\n"
    text = KUBE.read_text().replace(CONF_VOLUME, volume)
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    findings = lint(".").findings
    broken = [f for f in findings if f.rule == "BPS003"]
    if optional.strip() == "optional: true":
        assert not broken
    else:
        assert {(f.loc.path, f.loc.line, f.loc.column) for f in broken} == {("manifests.yaml", _line(text, "key: nosuch.xml"), 22)}
        assert "ConfigMap bps-conf has no key 'nosuch.xml', which a configMap volume of bps lists in items" in broken[0].message
    assert ("BPS401", "manifests.yaml", 14) in _rules(findings, "BPS401")  # the key that is there is still read


def test_a_volume_item_found_in_binary_data_or_a_map_not_in_the_files_is_no_finding(tmp_path, monkeypatch):
    volume = CONF_VOLUME + "            items:\n              - key: bps.xml\n                path: bps.xml\n              - key: logo.png\n                path: logo.png\n"
    text = KUBE.read_text().replace(CONF_VOLUME, volume).replace("data:\n  bps.xml", "binaryData:\n  logo.png: iVBORw0KGgo=\ndata:\n  bps.xml", 1)
    text += "        - name: other\n          configMap:\n            name: made-by-a-script\n            items: [{key: a, path: a}]\n"
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert not [f for f in lint(".").findings if f.rule == "BPS003"]
