"""The real WSO2 files parse, with the right values at the right lines, and a stock cluster reports what an engineer expects."""

from __future__ import annotations

import shutil

import pytest

from linter.discover.walk import discover
from linter.model.build import build_cluster
from tests.helpers import CORPUS, STOCK, lint

pytestmark = pytest.mark.skipif(not STOCK.is_dir(), reason="the shared corpus is not beside the repository")


def _stock_node():
    (source,) = discover([str(STOCK)]).clusters
    built = build_cluster(source)
    return built.cluster.nodes[0], built.problems


def test_stock_tree_parses_every_file_with_its_traps():
    node, problems = _stock_node()
    assert problems == []
    assert {f.name for f in node.files if f.status == "ok"} >= {"bps.xml", "carbon.xml", "axis2/axis2.xml", "registry.xml", "etc/tasks-config.xml"}
    # tasks-config.xml starts with a space and has no XML declaration
    assert (node.tasks.mode.text, node.tasks.mode.loc.line) == ("AUTO", 9)
    assert (node.tasks.count.text, node.tasks.count.loc.line, node.tasks.count.loc.column) == ("2", 15, 5)
    # axis2.xml has CRLF line endings; the clustering start tag spans two lines and is reported where it opens
    assert (node.clustering.enabled.text, node.clustering.enabled.loc.line, node.clustering.enabled.loc.column) == ("false", 603, 5)
    assert (node.clustering.membership_scheme.text, node.clustering.membership_scheme.loc.line) == ("multicast", 626)
    # carbon.xml and registry.xml are ISO-8859-1 and namespaced (carbon.xml)
    assert (node.carbon.port_offset.text, node.carbon.port_offset.loc.line) == ("0", 127)
    assert node.carbon.depsync.enabled.text == "false"
    assert node.registry.current_db_config.text == "wso2registry" and node.registry.mounts == ()
    # bps.xml: tns namespace, UseDistributedLock and NodeId only in comments
    assert (node.bps.ode_threads.text, node.bps.ode_threads.loc.line) == ("50", 109)
    assert not node.bps.use_distributed_lock.present and not node.bps.node_id.present
    assert node.bps_datasource.name.text == "BPS_DS" and node.bps_datasource.default_auto_commit.text == "true"
    assert node.activiti.data_source_jndi.text == "jdbc/ActivitiDB"
    assert node.humantask.max_threads.text == "50"
    assert node.user_mgt.data_source.text == "jdbc/WSO2CarbonDB"
    assert node.user_mgt.admin_password.state == "plaintext" and node.user_mgt.admin_password.is_default
    assert node.role == "unknown"
    # the stock script only adds MaxPermSize for Java < 1.8
    perm = node.start_script.flag("-XX:MaxPermSize")
    assert perm is not None and perm.conditional and perm.loc.line == 274
    assert node.start_script.flag("-DworkerNode").loc.line == 315


def test_stock_single_node_has_no_cluster_errors():
    result = lint(STOCK)
    assert not [f for f in result.findings if f.severity == "error"]
    assert {f.rule for f in result.findings} == {"BPS706"}  # admin/admin and wso2carbon


def test_stock_tree_as_two_node_cluster(tmp_path):
    for name in ("node1", "node2"):
        shutil.copytree(STOCK, tmp_path / "prod" / name)
    result = lint(tmp_path / "prod")
    found = {(f.rule, f.node, f.loc.path.split("/conf/")[-1], f.loc.line) for f in result.findings}
    for node in ("node1", "node2"):
        assert ("BPS301", node, "axis2/axis2.xml", 604) in found  # clustering disabled: at its enable attribute
        assert ("BPS401", node, "bps.xml", 112) in found  # no distributed lock: at the commented-out stock entry
        assert ("BPS403", node, "bps.xml", 117) in found  # no NodeId: likewise
        assert ("BPS107", node, "datasources/bps-datasources.xml", 16) in found  # embedded H2 BPS_DS
        assert ("BPS107", node, "datasources/activiti-datasources.xml", 17) in found
        assert ("BPS112", node, "user-mgt.xml", 28) in found  # the user store on the local registry's database
        # taskServerCount 2 does not wait while clustering is off (AUTO is then STANDALONE): no BPS502 yet
        assert ("BPS203", node, "registry.xml", 18) in found  # no mounts
    assert {f.rule for f in result.findings} == {"BPS301", "BPS401", "BPS403", "BPS107", "BPS112", "BPS203", "BPS706", "BPS708", "BPS605"}
    assert result.nodes == 2 and result.clusters == 1


@pytest.mark.parametrize(
    "tree",
    [
        "product-bps-v3.5.0/modules/distribution",
        "product-bps-v3.5.1/modules/distribution",
        "product-bps-v3.6.0/modules/distribution",
        "product-ei-v6.6.0/distribution/src/business-process",
        "carbon-kernel-v4.4.4/distribution/kernel/carbon-home",
        "carbon-kernel-v4.4.8/distribution/kernel/carbon-home",
    ],
)
def test_other_versions_parse(tree):
    (source,) = discover([str(CORPUS / tree)]).clusters
    built = build_cluster(source)
    assert [p for _, p in built.problems if p.kind != "missing"] == []
    (node,) = built.cluster.nodes
    assert all(f.status in ("ok", "missing") for f in node.files)


def test_ei_profile_is_found_below_its_home():
    (source,) = discover([str(CORPUS / "product-ei-v6.6.0")]).clusters
    (node,) = source.nodes
    assert node.layout == "ei-profile" and node.name == "business-process"
    cluster = build_cluster(source).cluster
    assert cluster.nodes[0].carbon.port_offset.text == "2"
    assert cluster.nodes[0].clustering.membership_scheme.text == "wka"


def test_whole_corpus_lints_without_crashing():
    result = lint(CORPUS)
    assert result.nodes >= 7
    assert not [f for f in result.findings if f.rule in ("BPS001", "BPS002", "BPS003")]
