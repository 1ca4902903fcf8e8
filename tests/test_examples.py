"""The shipped example clusters: the correct one is clean, the broken one shows the classic mistakes."""

from __future__ import annotations

from tests.helpers import REPO, lint


def test_correct_cluster_has_no_findings():
    result = lint(REPO / "examples" / "cluster")
    assert result.findings == [] and (result.nodes, result.clusters, result.files) == (3, 1, 36)


def test_broken_cluster_reports_each_planted_mistake():
    result = lint(REPO / "examples" / "broken-cluster")
    found = {(f.rule, f.node, f.loc.path.split("/repository/conf/")[-1].split("/bin/")[-1], f.loc.line) for f in result.findings}
    assert found == {
        ("BPS101", "worker1", "datasources/bps-datasources.xml", 25),  # defaultAutoCommit false
        ("BPS502", "manager", "etc/tasks-config.xml", 15),  # AUTO with taskServerCount 2
        ("BPS502", "worker1", "etc/tasks-config.xml", 15),
        ("BPS502", "worker2", "etc/tasks-config.xml", 15),
        ("BPS602", "manager", "carbon.xml", 585),  # a second AutoCommit node
        ("BPS602", "worker2", "carbon.xml", 585),
        ("BPS207", "manager", "registry.xml", 43),  # two writable config mounts
        ("BPS207", "worker2", "registry.xml", 43),
        ("BPS201", "worker1", "registry.xml", 46),  # cacheId with another host name
        ("BPS404", "worker1", "bps.xml", 117),  # NodeId copied
        ("BPS404", "worker2", "bps.xml", 117),
        ("BPS401", "manager", "bps.xml", 19),  # UseDistributedLock commented out
        ("BPS303", "worker1", "axis2/axis2.xml", 655),  # loadMemberHost
        ("BPS702", "worker1", "wso2server.sh", 315),  # -Dsetup
        ("BPS705", "worker2", "datasources/bps-datasources.xml", 18),  # a plaintext password
    }
