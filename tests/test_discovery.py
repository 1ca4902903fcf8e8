"""Finding nodes and clusters on disk, and the cluster manifest."""

from __future__ import annotations

import os
import shutil

import pytest

from linter.cli import main
from linter.discover.manifest import ManifestError, load_manifest
from linter.discover.walk import discover
from tests.helpers import EXAMPLE_CLUSTER, lint, materialize


def _conf(node_dir):
    return node_dir / "repository" / "conf"


def _clusters(*paths):
    return {c.name: sorted(n.name for n in c.nodes) for c in discover([str(p) for p in paths]).clusters}


def test_nodes_sharing_a_parent_form_one_cluster(tmp_path):
    for env in ("prod", "staging"):
        shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "envs" / env)
    clusters = _clusters(tmp_path / "envs")
    assert sorted(clusters.values()) == [["manager", "worker1", "worker2"]] * 2
    assert {os.path.basename(name) for name in clusters} == {"prod", "staging"}


def test_three_layouts(tmp_path):
    source = _conf(EXAMPLE_CLUSTER / "manager")
    shutil.copytree(EXAMPLE_CLUSTER / "manager", tmp_path / "c" / "home")  # <BPS_HOME>/repository/conf
    shutil.copytree(source, tmp_path / "c" / "profile" / "conf")  # <EI_HOME>/wso2/business-process/conf
    shutil.copytree(source, tmp_path / "c" / "configmap")  # a bare conf folder
    (source,) = discover([str(tmp_path / "c")]).clusters
    assert {n.name: n.layout for n in source.nodes} == {"home": "bps-home", "profile": "ei-profile", "configmap": "conf-folder"}
    home = next(n for n in source.nodes if n.name == "home")
    assert home.start_script.endswith("home/bin/wso2server.sh")


def test_a_single_node_is_a_cluster_of_one(tmp_path):
    shutil.copytree(EXAMPLE_CLUSTER / "manager", tmp_path / "solo" / "manager")
    result = lint(tmp_path / "solo" / "manager")
    assert result.clusters == 1 and result.nodes == 1
    # cluster rules that need two nodes do not fire (mount checks, distributed lock...)
    assert [f.rule for f in result.findings if f.severity == "error"] == []


def test_a_worker_linted_alone_is_not_told_it_lacks_a_manager(tmp_path):
    """A server's own BPS_HOME, linted where it runs: its manager is elsewhere, so 'no node commits' says nothing."""
    shutil.copytree(EXAMPLE_CLUSTER / "worker1", tmp_path / "opt" / "wso2bps-3.6.0")
    result = lint(tmp_path / "opt" / "wso2bps-3.6.0")
    assert result.nodes == 1 and [f.rule for f in result.findings] == []


def test_packs_unpacked_per_host_form_one_cluster(tmp_path, monkeypatch):
    """<host>/wso2bps-3.6.0 side by side: nodes named after the hosts, one cluster, whether the folder or a file is given."""
    for node in ("manager", "worker1", "worker2"):
        shutil.copytree(EXAMPLE_CLUSTER / node, tmp_path / "prod" / f"host-{node}" / "wso2bps-3.6.0")
    assert list(_clusters(tmp_path / "prod").values()) == [["host-manager", "host-worker1", "host-worker2"]]
    monkeypatch.chdir(tmp_path)
    changed = _conf(tmp_path / "prod" / "host-worker1" / "wso2bps-3.6.0") / "carbon.xml"
    assert list(_clusters(changed).values()) == [["host-manager", "host-worker1", "host-worker2"]]
    # a single pack in its folder stays named after itself
    shutil.copytree(EXAMPLE_CLUSTER / "manager", tmp_path / "solo" / "wso2bps-3.6.0")
    assert list(_clusters(tmp_path / "solo").values()) == [["wso2bps-3.6.0"]]


def test_hidden_folders_are_skipped(tmp_path):
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "repo" / "cluster")
    shutil.copytree(EXAMPLE_CLUSTER / "manager", tmp_path / "repo" / ".git" / "old" / "manager")
    shutil.copytree(EXAMPLE_CLUSTER / "manager", tmp_path / "repo" / "cluster" / ".backup")
    assert list(_clusters(tmp_path / "repo").values()) == [["manager", "worker1", "worker2"]]


def test_an_esb_or_integrator_conf_is_not_a_bps_node(tmp_path):
    conf = tmp_path / "ei" / "conf"
    conf.mkdir(parents=True)
    for name in ("carbon.xml", "registry.xml", "user-mgt.xml"):
        shutil.copy(_conf(EXAMPLE_CLUSTER / "manager") / name, conf / name)
    assert discover([str(tmp_path)]).clusters == []


def test_manifest_names_clusters_and_replicas(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE_CLUSTER / "manager", repo / "k8s" / "manager")
    shutil.copytree(EXAMPLE_CLUSTER / "worker1", repo / "k8s" / "workers")
    shutil.copytree(EXAMPLE_CLUSTER / "worker2", repo / "elsewhere" / "worker2")
    (repo / "bps-lint.toml").write_text(
        '[clusters.prod]\nnodes = ["k8s/manager", "k8s/workers", "elsewhere/worker2"]\n\n[nodes."k8s/workers"]\nreplicas = 3\ncores = 4\n'
    )
    found = discover([str(repo)])
    assert [c.name for c in found.clusters] == ["prod"]
    (cluster,) = found.clusters
    settings = {n.name: (n.settings.replicas, n.settings.cores) for n in cluster.nodes}
    assert settings == {"manager": (1, None), "workers": (3, 4), "worker2": (1, None)}
    result = lint(repo)
    # the literal NodeId, local registry DB and member address of 'workers' are now shared by 3 pods
    rules = {(f.rule, f.node) for f in result.findings}
    assert ("BPS404", "workers") in rules
    assert ("BPS108", "workers") in rules
    assert ("BPS305", "workers") in rules


def test_a_manifest_node_that_names_no_node_folder_is_a_finding(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE_CLUSTER, repo)
    (repo / "bps-lint.toml").write_text('[nodes.worker1]\nreplicas = 1\n\n[nodes."workr2"]\nreplicas = 3\n')  # a typo
    result = lint(repo)
    (finding,) = result.findings
    assert finding.rule == "BPS003" and finding.loc.path.endswith("bps-lint.toml")
    assert '[nodes."workr2"]' in finding.message and "apply to no node" in finding.message


def test_manifest_in_pyproject(tmp_path):
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "repo" / "cluster")
    (tmp_path / "repo" / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.bps-lint.nodes."cluster/worker1"]\nreplicas = 2\n')
    result = lint(tmp_path / "repo" / "cluster")
    assert ("BPS404", "worker1") in {(f.rule, f.node) for f in result.findings}


def test_manifest_is_found_by_walking_up(tmp_path):
    example = {
        "files": [{"nodes": ["worker1"], "file": "bps.xml", "replace": "<tns:NodeId>bps-worker1</tns:NodeId>", "with": "<tns:NodeId>bps-worker1</tns:NodeId>"}],
        "manifest": '[databases."mysql.bps.internal:3306"]\nmax-connections = 100\n',
    }
    cluster = materialize(example, tmp_path)
    result = lint(cluster / "worker1")  # the manifest is one folder up
    assert "BPS105" in {f.rule for f in result.findings}


@pytest.mark.parametrize(
    "text,message",
    [
        ("[nodes.worker1]\nreplica = 2\n", "invalid manifest at 'nodes.worker1'"),
        ("[nodes.worker1]\nreplicas = 0\n", "invalid manifest at 'nodes.worker1.replicas'"),
        ('[clusters.prod]\nnodes = "worker1"\n', "invalid manifest at 'clusters.prod.nodes'"),
        ("[nodes\n", "not valid TOML"),
    ],
)
def test_bad_manifest_names_the_key(tmp_path, text, message, capsys):
    (tmp_path / "bps-lint.toml").write_text(text)
    with pytest.raises(ManifestError, match=message.replace("[", r"\[")):
        load_manifest(str(tmp_path / "bps-lint.toml"))
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "cluster")
    assert main([str(tmp_path / "cluster")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bps-lint: ") and "bps-lint.toml" in err and len(err.strip().splitlines()) == 1


def test_manifest_cluster_naming_a_folder_without_config(tmp_path):
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "cluster")
    (tmp_path / "empty").mkdir()
    (tmp_path / "bps-lint.toml").write_text('[clusters.prod]\nnodes = ["cluster/manager", "empty"]\n')
    result = lint(tmp_path / "cluster")
    (finding,) = [f for f in result.findings if f.rule == "BPS003"]
    assert "holds no BPS configuration" in finding.message and finding.loc.path.endswith("bps-lint.toml")


def test_symlinked_node_folder_is_followed_once(tmp_path):
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "real")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    found = discover([str(tmp_path)])
    assert sum(len(c.nodes) for c in found.clusters) == 3


def test_file_of_a_missing_node_is_reported_not_crashed(tmp_path):
    unknown_version = {"nodes": ["worker2"], "file": "carbon.xml", "replace": "<Version>3.6.0</Version>", "with": "<Version>3.2.0</Version>"}
    cluster = materialize({"files": [{"nodes": ["worker2"], "file": "bps.xml", "state": "missing"}, unknown_version]}, tmp_path)
    result = lint(cluster)
    assert [(f.rule, f.node) for f in result.findings] == [("BPS004", "worker2")]
    assert 'name the product in bps-lint.toml (product = "bps-3.6.0"' in result.findings[0].message


def test_manifest_properties_are_flags_the_jvm_gets(tmp_path):
    """[properties] are system properties the JVMs get outside the start script (JAVA_OPTS): -Dsetup there is BPS702's."""
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "c")
    (tmp_path / "c" / "bps-lint.toml").write_text('[properties]\n"setup" = ""\n')
    found = {(f.rule, f.node, os.path.basename(f.loc.path)) for f in lint(tmp_path / "c").findings}
    assert found == {("BPS702", n, "bps-lint.toml") for n in ("manager", "worker1", "worker2")}


def test_installed_packages_beside_the_clusters_are_not_walked(tmp_path):
    """`python -m venv venv` in the repository, then `bps-lint .`: the venv's site-packages holds bps-lint's own
    examples (a broken cluster among them), which are not the repository's clusters."""
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "cluster")
    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "linter" / "_data" / "examples"
    shutil.copytree(EXAMPLE_CLUSTER.parent / "broken-cluster", installed / "broken-cluster")
    result = lint(tmp_path)
    assert (result.clusters, result.nodes, result.findings) == (1, 3, [])
