"""Unrendered ${...} placeholders: every checked value is scanned, and each one is reported once."""

from __future__ import annotations

import os

from tests.helpers import lint, materialize, where


def test_each_clustering_parameter_placeholder_is_reported_once(tmp_path):
    # domain is also read on its own (clustering-domain); mcastPort only as one of the parameters.
    cluster = materialize(
        {
            "files": [
                {
                    "nodes": ["worker1"],
                    "file": "axis2/axis2.xml",
                    "replace": '<parameter name="domain">wso2.bps.domain</parameter>',
                    "with": '<parameter name="domain">${cluster.domain}</parameter>',
                },
                {
                    "nodes": ["worker1"],
                    "file": "axis2/axis2.xml",
                    "replace": '<parameter name="mcastPort">45564</parameter>',
                    "with": '<parameter name="mcastPort">${mcast.port}</parameter>',
                },
            ]
        },
        tmp_path,
    )
    findings = [f for f in lint(cluster).findings if f.rule == "BPS704"]
    axis2 = os.path.realpath(cluster / "worker1" / "repository" / "conf" / "axis2" / "axis2.xml")
    assert sorted(where(f) for f in findings) == [(axis2, 634), (axis2, 640)]
