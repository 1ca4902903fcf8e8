"""``bps-lint drift``: settings that differ between nodes and between clusters; secrets compared, never shown."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest

from linter.cli import main
from linter.discover.walk import discover
from linter.drift import LOCAL_REGISTRY, cluster_drift, environment_drift
from linter.model.build import build_cluster
from tests.helpers import EXAMPLE_CLUSTER, REPO, materialize

PER_NODE = {"bps/NodeId", "clustering/parameter(localMemberHost)", "clustering/parameter(localMemberPort)", "carbon/Ports/Offset", LOCAL_REGISTRY}


def _drift(path):
    return cluster_drift(build_cluster(discover([str(path)]).clusters[0]).cluster)


def _values(row):
    return {column: cell.shown for column, cell in zip(row.columns, row.cells)}


def _cli(capsys, *args):
    code = main(["drift", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_example_cluster_differs_only_where_it_must():
    drift = _drift(EXAMPLE_CLUSTER)
    assert drift.differences == ()
    assert {r.setting for r in drift.per_node} == PER_NODE
    assert all(r.status == "unique" for r in drift.per_node)
    node_ids = next(r for r in drift.per_node if r.setting == "bps/NodeId")
    assert _values(node_ids) == {"manager": "bps-manager", "worker1": "bps-worker1", "worker2": "bps-worker2"}
    assert {r.setting for r in drift.by_role} == {
        "carbon/DeploymentSynchronizer/AutoCommit",
        "registry/remoteInstance(sharedregistry)/readOnly",
        "wso2server.sh/-DworkerNode",
    }


def test_planted_difference_is_listed_with_each_nodes_value(tmp_path, capsys):
    cluster = materialize(
        {
            "files": [
                {"nodes": ["worker2"], "file": "datasources/bps-datasources.xml", "replace": "<maxActive>100</maxActive>", "with": "<maxActive>80</maxActive>"}
            ]
        },
        tmp_path,
    )
    drift = _drift(cluster)
    assert [r.setting for r in drift.differences] == ["datasource(BPS_DS)/maxActive"]
    row = drift.differences[0]
    assert row.file == "datasources/bps-datasources.xml"
    assert _values(row) == {"manager": "100", "worker1": "100", "worker2": "80"}
    line = (cluster / "worker2/repository/conf/datasources/bps-datasources.xml").read_text().splitlines().index(
        "                    <maxActive>80</maxActive>"
    ) + 1
    assert dict(zip(row.columns, (c.line for c in row.cells)))["worker2"] == line
    code, out, _ = _cli(capsys, cluster)
    assert code == 1
    assert "DIFFERS   datasource(BPS_DS)/maxActive  (datasources/bps-datasources.xml)" in out
    assert "      worker2  80  line" in out
    assert out.rstrip().endswith("1 setting(s) differ between nodes; 0 per-node setting(s) not unique in 1 cluster(s)")


def test_example_cluster_exits_zero_and_markdown_has_a_column_per_node(capsys):
    code, out, _ = _cli(capsys, EXAMPLE_CLUSTER, "--format", "markdown")
    assert code == 0
    assert "| setting | file | manager | worker1 | worker2 | status |" in out
    assert "| bps/NodeId | bps.xml | bps-manager | bps-worker1 | bps-worker2 | unique: unique per node |" in out


def test_shared_per_node_setting_is_a_duplicate(tmp_path):
    cluster = materialize(
        {
            "files": [
                {"nodes": ["worker2"], "file": "bps.xml", "replace": "<tns:NodeId>bps-worker2</tns:NodeId>", "with": "<tns:NodeId>bps-worker1</tns:NodeId>"}
            ]
        },
        tmp_path,
    )
    row = next(r for r in _drift(cluster).per_node if r.setting == "bps/NodeId")
    assert row.status == "duplicate" and "worker1, worker2" in row.note


def test_replicas_share_their_literal_node_id(tmp_path):
    cluster = materialize({"files": [], "manifest": "[nodes.worker1]\nreplicas = 3\n"}, tmp_path)
    row = next(r for r in _drift(cluster).per_node if r.setting == "bps/NodeId")
    assert row.status == "duplicate" and row.note.endswith("shared by worker1")


def test_same_port_offset_on_different_hosts_is_fine_on_one_host_is_not(tmp_path):
    same_host = {
        "nodes": ["worker2"],
        "file": "axis2/axis2.xml",
        "replace": '<parameter name="localMemberHost">10.0.1.12</parameter>',
        "with": '<parameter name="localMemberHost">10.0.1.11</parameter>',
    }
    drift = _drift(materialize({"files": [same_host]}, tmp_path))
    statuses = {r.setting: r.status for r in drift.per_node}
    assert statuses["carbon/Ports/Offset"] == "duplicate"
    assert statuses["clustering/parameter(localMemberHost)"] == "duplicate"  # and the same port 4000


def test_secrets_are_compared_never_shown(tmp_path, capsys):
    def plaintext(node, password):
        return {
            "nodes": [node],
            "file": "datasources/bps-datasources.xml",
            "replace": '<password svns:secretAlias="Datasources.BPS_DS.Password"></password>',
            "with": f"<password>{password}</password>",
        }

    text = (EXAMPLE_CLUSTER / "worker1/repository/conf/datasources/bps-datasources.xml").read_text()
    assert '<password svns:secretAlias="Datasources.BPS_DS.Password"></password>' in text
    cluster = materialize({"files": [plaintext("worker1", "hunter2"), plaintext("worker2", "Hunter2-other")]}, tmp_path)
    row = next(r for r in _drift(cluster).differences if r.setting == "datasource(BPS_DS)/password")
    assert row.secret
    assert _values(row) == {"manager": "vault alias Datasources.BPS_DS.Password", "worker1": "secret #1", "worker2": "secret #2"}
    for fmt in ("text", "markdown", "json"):
        _, out, _ = _cli(capsys, cluster, "--format", fmt)
        assert "secret #2" in out and "hunter2" not in out.lower()

    same = materialize({"files": [plaintext("worker1", "hunter2"), plaintext("worker2", "hunter2")]}, tmp_path / "same")
    row = next(r for r in _drift(same).differences if r.setting == "datasource(BPS_DS)/password")
    assert _values(row) == {"manager": "vault alias Datasources.BPS_DS.Password", "worker1": "secret #1", "worker2": "secret #1"}


def test_url_credentials_are_masked_and_their_difference_said(tmp_path, capsys):
    url = "jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true"
    cluster = materialize(
        {
            "files": [
                {"nodes": ["worker1"], "file": "datasources/bps-datasources.xml", "replace": url, "with": url + "&amp;password=hunter2"},
                {"nodes": ["worker2"], "file": "datasources/bps-datasources.xml", "replace": url, "with": url + "&amp;password=other"},
            ]
        },
        tmp_path,
    )
    row = next(r for r in _drift(cluster).differences if r.setting == "datasource(BPS_DS)/url")
    values = _values(row)
    assert values["worker1"] == values["worker2"] == url + "&password=**** (credentials differ)"
    _, out, _ = _cli(capsys, cluster, "--format", "json")
    assert "hunter2" not in out and "other" not in out


def _environments(tmp_path, prod_changes, allow=None):
    envs = tmp_path / "envs"
    shutil.copytree(EXAMPLE_CLUSTER, envs / "staging")
    prod = materialize({"files": prod_changes}, tmp_path / "p")
    shutil.move(str(prod), envs / "prod")
    if allow is not None:
        (envs / "bps-lint.toml").write_text("[drift]\nallow = " + json.dumps(allow) + "\n", encoding="utf-8")
    return envs


PROD = [
    {
        "nodes": ["manager", "worker1", "worker2"],
        "file": "datasources/bps-datasources.xml",
        "replace": "<maxActive>100</maxActive>",
        "with": "<maxActive>200</maxActive>",
    },
    {
        "nodes": ["manager", "worker1", "worker2"],
        "file": "carbon.xml",
        "replace": "<HostName>bps.example.com</HostName>",
        "with": "<HostName>bps.prod.example.com</HostName>",
    },
    {
        "nodes": ["manager", "worker1", "worker2"],
        "file": "bps.xml",
        "replace": "<tns:ODESchedulerThreadPoolSize>50",
        "with": "<tns:ODESchedulerThreadPoolSize>40",
    },
]


def test_two_environments_report_only_what_the_allow_list_does_not_allow(tmp_path, capsys):
    envs = _environments(tmp_path, PROD, allow=["datasource(*)/maxActive", "carbon/HostName"])
    code, out, _ = _cli(capsys, envs / "staging", envs / "prod", "--format", "json")
    data = json.loads(out)
    jsonschema.validate(data, json.loads((REPO / "schemas" / "drift.schema.json").read_text()))
    assert code == 1
    env = data["environments"]
    assert [(r["role"], r["setting"]) for r in env["differences"]] == [
        ("manager", "bps/ODESchedulerThreadPoolSize"),
        ("worker", "bps/ODESchedulerThreadPoolSize"),
    ]
    for row in env["differences"]:
        assert {v["cluster"].rsplit("/", 1)[-1]: v["value"] for v in row["values"]} == {"staging": "50", "prod": "40"}
    assert {(r["role"], r["setting"]) for r in env["allowed"]} == {
        (role, setting) for role in ("manager", "worker") for setting in ("datasource(BPS_DS)/maxActive", "carbon/HostName")
    }
    assert all(c["differences"] == [] for c in data["clusters"])  # each environment agrees with itself
    # nothing per node is compared between environments
    assert not any(r["setting"] in PER_NODE for r in env["differences"] + env["allowed"])


def test_two_environments_that_differ_only_as_allowed_pass(tmp_path, capsys):
    envs = _environments(tmp_path, PROD[:2], allow=["datasource(*)/maxActive", "carbon/HostName"])
    code, out, _ = _cli(capsys, envs)
    assert code == 0
    assert "no difference(s) not on the allow-list" in out and "4 allowed difference(s) not shown" in out


def test_without_an_allow_list_every_difference_is_reported(tmp_path, capsys):
    envs = _environments(tmp_path, PROD[:1])
    code, out, _ = _cli(capsys, envs)
    assert code == 1
    assert "[manager]" in out and "[worker]" in out and "datasource(BPS_DS)/maxActive" in out


def test_an_invalid_allow_list_is_a_usage_error(tmp_path, capsys):
    envs = _environments(tmp_path, [])
    (envs / "bps-lint.toml").write_text('[drift]\nallow = "datasource(*)/url"\n', encoding="utf-8")
    code, _, err = _cli(capsys, envs)
    assert code == 2 and "invalid manifest at 'drift.allow'" in err


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_broken_example_formats(capsys, fmt):
    code, out, _ = _cli(capsys, REPO / "examples" / "broken-cluster", "--format", fmt)
    assert code == 1
    assert "datasource(BPS_DS)/defaultAutoCommit" in out and "bps/NodeId" in out
    if fmt == "json":
        data = json.loads(out)
        jsonschema.validate(data, json.loads((REPO / "schemas" / "drift.schema.json").read_text()))
        assert data["summary"] == {"differences": 7, "duplicates": 1, "environment_differences": 0, "allowed_differences": 0}


def test_environment_drift_api_compares_role_by_role():
    staging = build_cluster(discover([str(EXAMPLE_CLUSTER)]).clusters[0]).cluster
    result = environment_drift([staging, staging._replace(name="copy")])
    assert result.differences == () and result.allowed == () and result.missing_roles == ()


def test_a_node_whose_file_cannot_be_read_is_left_out_of_the_comparison(tmp_path, capsys):
    cluster = materialize(
        {
            "files": [
                {"nodes": ["worker2"], "file": "axis2/axis2.xml", "state": "missing"},
                # a version bps-lint ships no stock files of: the missing file stays missing
                {"nodes": ["worker2"], "file": "carbon.xml", "replace": "<Version>3.6.0</Version>", "with": "<Version>3.2.0</Version>"},
                {"nodes": ["worker1"], "file": "carbon.xml", "xml": "<Server><HostName>bps.example.com</Server>"},
                {"nodes": ["worker1"], "file": "etc/tasks-config.xml", "replace": "<taskServerCount>1", "with": "<taskServerCount>3"},
            ]
        },
        tmp_path,
    )
    drift = _drift(cluster)
    assert [r.setting for r in drift.differences] == ["tasks/taskServerCount"]  # not every clustering or carbon setting
    member = next(r for r in drift.per_node if r.setting == "clustering/parameter(localMemberHost)")
    assert _values(member)["worker2"] == "file missing"
    for args in (["drift", str(cluster)], ["graph", str(cluster), "--format", "svg"], ["report", str(cluster), "--html", str(tmp_path / "r.html")]):
        assert main(args) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err


def test_by_role_settings_are_shown_with_the_unreadable_file_named(tmp_path):
    cluster = materialize({"files": [{"nodes": ["worker2"], "file": "carbon.xml", "xml": "<Server>"}]}, tmp_path)
    row = next(r for r in _drift(cluster).by_role if r.setting == "carbon/DeploymentSynchronizer/AutoCommit")
    assert _values(row) == {"manager": "true", "worker1": "false", "worker2": "file not well-formed"}


def test_member_addresses_are_not_compared_when_clustering_is_off(tmp_path):
    off = {"nodes": ["manager", "worker1", "worker2"], "file": "axis2/axis2.xml", "replace": 'enable="true"', "with": 'enable="false"'}
    same_host = {
        "nodes": ["worker2"],
        "file": "axis2/axis2.xml",
        "replace": '<parameter name="localMemberHost">10.0.1.12</parameter>',
        "with": '<parameter name="localMemberHost">10.0.1.11</parameter>',
    }
    drift = _drift(materialize({"files": [off, same_host]}, tmp_path))
    member = next(r for r in drift.per_node if r.setting == "clustering/parameter(localMemberHost)")
    assert member.status == "unique" and member.note.startswith("not compared")
    assert next(r for r in drift.per_node if r.setting == "clustering/parameter(localMemberPort)").status == "unique"


def test_the_load_balancers_host_name_does_not_put_nodes_on_one_machine(tmp_path):
    """Every node's HostName is the load balancer's (bps.example.com): with clustering off nothing says where
    the nodes run, so their equal offsets are not a duplicate (BPS306 judges the same way)."""
    off = {"nodes": ["manager", "worker1", "worker2"], "file": "axis2/axis2.xml", "replace": 'enable="true"', "with": 'enable="false"'}
    drift = _drift(materialize({"files": [off]}, tmp_path))
    offset = next(r for r in drift.per_node if r.setting == "carbon/Ports/Offset")
    assert offset.status == "unique" and offset.note.startswith("not compared")


def test_a_manifest_node_names_its_manifest_not_a_path_up_from_the_container():
    from types import SimpleNamespace

    from linter.drift import _relative

    node = SimpleNamespace(conf_dir="/home/wso2carbon/wso2bps-3.6.0/repository/conf")  # the container's, in a pod
    assert _relative(node, "k8s/all.yaml") == "k8s/all.yaml"
    assert _relative(node, "/home/wso2carbon/wso2bps-3.6.0/repository/conf/axis2/axis2.xml") == "axis2/axis2.xml"


def test_a_flag_from_a_containers_java_opts_is_shown_in_its_manifest_not_the_start_script(tmp_path):
    """A JVM flag a Kubernetes container passes in JAVA_OPTS is written in the manifest: drift names that file."""
    text = (REPO / "docs" / "sources" / "examples" / "manifests.yaml").read_text(encoding="utf-8")
    workload = text[text.index("apiVersion: apps/v1") :]
    env = '          env:\n            - name: JAVA_OPTS\n              value: "-Dbps.mode={mode}"\n          volumeMounts:\n'
    manager = workload.replace("          volumeMounts:\n", env.format(mode="manager"), 1)
    worker = workload.replace("name: bps\n  namespace", "name: bps-worker\n  namespace", 1).replace("          volumeMounts:\n", env.format(mode="worker"), 1)
    (tmp_path / "bps.yaml").write_text(text[: text.index("apiVersion: apps/v1")] + manager + "---\n" + worker, encoding="utf-8")
    drift = _drift(tmp_path)
    (row,) = [r for r in drift.differences + drift.per_node + drift.by_role if r.setting == "wso2server.sh/-Dbps.mode"]
    assert row.file.endswith("bps.yaml") and set(_values(row).values()) == {"manager", "worker"}


def _wka(tmp_path, **hosts):
    """The example cluster with each named node's WKA member 10.0.1.<old> replaced by 10.0.1.<new>."""
    edits = [
        {"nodes": [node], "file": "axis2/axis2.xml", "replace": f"<hostName>10.0.1.{old}</hostName>", "with": f"<hostName>10.0.1.{new}</hostName>"}
        for node, (old, new) in hosts.items()
    ]
    return materialize({"files": edits}, tmp_path)


def test_wka_lists_of_every_other_member_are_one_membership(tmp_path, capsys):
    # each node lists the two others (as a playbook's "the other hosts of the group" renders it): one cluster
    cluster = _wka(tmp_path, manager=(10, 12), worker1=(11, 12))
    assert [r.setting for r in _drift(cluster).differences] == []
    assert _cli(capsys, cluster)[0] == 0


def test_a_wka_list_naming_another_member_differs(tmp_path):
    cluster = _wka(tmp_path, worker2=(11, 99))
    row = next(r for r in _drift(cluster).differences if r.setting == "clustering/members")
    assert _values(row)["worker2"] == "10.0.1.10:4000, 10.0.1.99:4000"


def test_a_repeated_flag_is_compared_by_the_value_the_jvm_keeps(tmp_path):
    """-DworkerNode=true then -DworkerNode=false: the JVM keeps false (BPS707's point), so that node and the
    manager's plain false agree; both values are shown."""
    flags = {
        "nodes": ["worker1", "worker2"],
        "file": "bin/wso2server.sh",
        "replace": "    -DworkerNode=true \\",
        "with": "    -DworkerNode=true -DworkerNode=false \\",
    }
    drift = _drift(materialize({"files": [flags]}, tmp_path))
    assert not [r for r in drift.differences + drift.by_role if r.setting == "wso2server.sh/-DworkerNode"]
    drift = _drift(materialize({"files": []}, tmp_path / "plain"))
    (row,) = [r for r in drift.by_role if r.setting == "wso2server.sh/-DworkerNode"]  # true on the workers, as the guide says
    assert _values(row) == {"manager": "false", "worker1": "true", "worker2": "true"}
