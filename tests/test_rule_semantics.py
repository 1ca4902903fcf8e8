"""The rules follow what Carbon does, on the shapes real deployments take: no false alarm on a correct cluster."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import CORPUS, EXAMPLE_CLUSTER, lint, materialize, where

ALL = ["manager", "worker1", "worker2"]


def _rules(tmp_path, *changes, manifest=None):
    example = {"files": [dict(zip(("nodes", "file", "replace", "with"), change)) for change in changes]}
    if manifest:
        example["manifest"] = manifest
    return lint(materialize(example, tmp_path)).findings


def _ids(findings):
    return sorted({f.rule for f in findings})


def test_kubernetes_membership_scheme_parameters_are_known(tmp_path):
    kubernetes = """<parameter name="membershipSchemeClassName">org.wso2.carbon.membership.scheme.kubernetes.KubernetesMembershipScheme</parameter>
        <parameter name="KUBERNETES_NAMESPACE">bps</parameter>
        <parameter name="KUBERNETES_SERVICES">bps-cluster</parameter>
        <parameter name="KUBERNETES_API_SERVER_USERNAME">svc</parameter>
        <parameter name="KUBERNETES_API_SERVER_PASSWORD">x</parameter>
        <parameter name="USE_DNS">true</parameter>
        <parameter name="DNS_LOOKUP_TIMEOUT">10</parameter>
        <parameter name="groupPassword">x</parameter>"""
    findings = _rules(
        tmp_path,
        (
            ALL,
            "axis2/axis2.xml",
            '<parameter name="membershipScheme">wka</parameter>',
            f'<parameter name="membershipScheme">kubernetes</parameter>\n        {kubernetes}',
        ),
    )
    assert _ids(findings) == []


def test_a_misspelt_parameter_is_still_reported_with_a_suggestion(tmp_path):
    findings = _rules(tmp_path, (["worker1"], "axis2/axis2.xml", '<parameter name="mcastPort">45564</parameter>', '<parameter name="USE_DSN">true</parameter>'))
    assert [(f.rule, "did you mean 'USE_DNS'" in f.message) for f in findings] == [("BPS303", True)]


def test_wka_members_by_dns_name_with_ip_local_members(tmp_path):
    findings = _rules(
        tmp_path,
        (ALL, "axis2/axis2.xml", "<hostName>10.0.1.10</hostName>", "<hostName>bps-manager.bps.svc.cluster.local</hostName>"),
        (ALL, "axis2/axis2.xml", "<hostName>10.0.1.11</hostName>", "<hostName>bps-worker1.bps.svc.cluster.local</hostName>"),
    )
    assert _ids(findings) == []


def test_wka_names_are_compared_through_the_manifest_hosts(tmp_path):
    findings = _rules(
        tmp_path,
        (ALL, "axis2/axis2.xml", "<hostName>10.0.1.10</hostName>", "<hostName>bps-manager.internal</hostName>"),
        manifest='[hosts]\n"bps-manager.internal" = "10.0.1.99"\n',
    )
    assert _ids(findings) == ["BPS307"] and {where(f)[1] for f in findings} == {706}


def test_a_load_balancer_host_name_on_every_node_is_not_a_port_clash(tmp_path):
    # Every node says HostName bps.example.com (the load balancer) with offset 0; they run on 10.0.1.10-12.
    assert _ids(_rules(tmp_path, (ALL, "carbon.xml", "<Offset>0</Offset>", "<Offset>0</Offset>"))) == []


def test_nodes_the_manifest_puts_on_one_host_need_distinct_offsets(tmp_path):
    manifest = '[nodes.manager]\nhost = "vm1"\n[nodes.worker1]\nhost = "vm1"\n'
    findings = _rules(tmp_path, (ALL, "carbon.xml", "<Offset>0</Offset>", "<Offset>0</Offset>"), manifest=manifest)
    assert [(f.rule, f.node) for f in findings] == [("BPS306", "worker1")]


@pytest.mark.parametrize("count", ["-1", "0", "1", None])
def test_a_task_server_count_that_never_waits(tmp_path, count):
    body = f"<taskServerCount>{count}</taskServerCount>" if count is not None else ""
    xml = f"<tasks-configuration><taskServerMode>AUTO</taskServerMode>{body}</tasks-configuration>"
    example = {"files": [{"nodes": ALL, "file": "etc/tasks-config.xml", "xml": xml}]}
    assert _ids(lint(materialize(example, tmp_path)).findings) == []


def test_auto_with_clustering_off_does_not_wait(tmp_path):
    # A single node (clustering off): AUTO is STANDALONE, so the stock count of 2 never waits.
    example = {
        "files": [
            {"nodes": ["manager", "worker2"], "file": "", "state": "missing"},
            {
                "nodes": ["worker1"],
                "file": "etc/tasks-config.xml",
                "xml": "<tasks-configuration><taskServerMode>AUTO</taskServerMode><taskServerCount>2</taskServerCount></tasks-configuration>",
            },
            {"nodes": ["worker1"], "file": "axis2/axis2.xml", "replace": 'enable="true">', "with": 'enable="false">'},
            {"nodes": ["worker1"], "file": "bps.xml", "replace": "<tns:UseDistributedLock>true</tns:UseDistributedLock>", "with": ""},
            {
                "nodes": ["worker1"],
                "file": "carbon.xml",
                "replace": "<Enabled>true</Enabled>\n        <AutoCommit>false</AutoCommit>",
                "with": "<Enabled>false</Enabled>\n        <AutoCommit>false</AutoCommit>",
            },
        ]
    }
    assert _ids(lint(materialize(example, tmp_path)).findings) == []


def test_an_unreadable_task_server_mode_is_silently_auto(tmp_path):
    xml = "<tasks-configuration><taskServerMode>clustered</taskServerMode><taskServerCount>2</taskServerCount></tasks-configuration>"
    findings = lint(materialize({"files": [{"nodes": ["worker1"], "file": "etc/tasks-config.xml", "xml": xml}]}, tmp_path)).findings
    messages = {f.rule: f.message for f in findings}
    assert set(messages) == {"BPS501", "BPS502"}  # AUTO with clustering on is CLUSTERED: it waits for 2
    assert "silently runs in AUTO mode (CLUSTERED" in messages["BPS501"]


def test_cache_id_compared_like_carbon_cache_keys(tmp_path):
    # Carbon lower-cases the key and cuts the user at its first '@' (MySQL reports user@host).
    findings = _rules(
        tmp_path,
        (
            ["worker1"],
            "registry.xml",
            "<cacheId>regadmin@jdbc:mysql://mysql.bps.internal:3306/bps_registry?autoReconnect=true</cacheId>",
            "<cacheId>REGADMIN@jdbc:mysql://MYSQL.bps.internal:3306/bps_registry?autoReconnect=true</cacheId>",
        ),
    )
    assert findings == []


def test_the_manager_is_decided_by_the_config_mount_not_the_top_level_read_only(tmp_path):
    # A worker whose top-level readOnly is false but whose config mount is read-only is a worker;
    # a "manager" whose top-level readOnly is true but whose mount is writable is still the manager.
    findings = _rules(tmp_path, (["manager"], "registry.xml", "<readOnly>false</readOnly>\n    <enableCache>", "<readOnly>true</readOnly>\n    <enableCache>"))
    assert findings == []


def test_a_differently_spelt_url_to_the_same_database_is_not_a_different_database(tmp_path):
    findings = _rules(
        tmp_path,
        (
            ["worker2"],
            "datasources/bps-datasources.xml",
            "<url>jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true</url>",
            "<url>jdbc:mysql://MySQL.bps.internal/bps_db?autoReconnect=true</url>",
        ),
    )
    assert findings == []


def test_a_different_database_names_the_part_that_differs(tmp_path):
    findings = _rules(
        tmp_path,
        (
            ["worker2"],
            "datasources/activiti-datasources.xml",
            "<url>jdbc:mysql://mysql.bps.internal:3306/bps_activiti?autoReconnect=true</url>",
            "<url>jdbc:mysql://mysql.bps.internal:3307/bps_activiti?autoReconnect=true</url>",
        ),
    )
    assert [(f.rule, f.node, where(f)[1]) for f in findings] == [("BPS106", "worker2", 17)]
    assert "(the port differs)" in findings[0].message


def test_per_core_advice_never_asks_for_more_than_the_pool_allows(tmp_path):
    # 8 cores suggest 80-120 threads, but BPS_DS has 100 connections and HumanTask takes 50: BPS104 stays silent.
    manifest = "[nodes.worker1]\ncores = 8\n"
    assert _rules(tmp_path, (["worker1"], "bps.xml", "<tns:NodeId>", "<tns:NodeId>"), manifest=manifest) == []


def test_a_negative_scheduler_pool_has_its_own_message(tmp_path):
    findings = _rules(
        tmp_path,
        (
            ["worker1"],
            "bps.xml",
            "<tns:ODESchedulerThreadPoolSize>50</tns:ODESchedulerThreadPoolSize>",
            "<tns:ODESchedulerThreadPoolSize>-5</tns:ODESchedulerThreadPoolSize>",
        ),
    )
    assert [f.rule for f in findings] == ["BPS102"] and "fail at start-up" in findings[0].message


def _ei_cluster(tmp_path):
    profile = CORPUS / "product-ei-v6.6.0" / "distribution" / "src" / "business-process" / "conf"
    tasks = CORPUS / "carbon-commons-v4.5.4" / "features" / "ntask" / "org.wso2.carbon.ntask.core.feature" / "resources" / "conf" / "tasks-config.xml"
    for home in ("ei1", "ei2"):
        conf = tmp_path / "prod" / home / "wso2" / "business-process" / "conf"
        shutil.copytree(profile, conf)
        (conf / "etc").mkdir(exist_ok=True)
        shutil.copy(tasks, conf / "etc" / "tasks-config.xml")
    return tmp_path / "prod"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus is not beside the repository")
def test_two_ei_homes_are_one_cluster_named_after_the_homes(tmp_path):
    result = lint(_ei_cluster(tmp_path))
    assert (result.clusters, result.nodes) == (1, 2)
    assert {f.node for f in result.findings} == {"ei1", "ei2"}
    # the cluster rules run: clustering is off in the stock profile, mounts are missing
    assert {"BPS301", "BPS203"} <= {f.rule for f in result.findings}


def test_examples_cluster_is_still_clean():
    assert lint(EXAMPLE_CLUSTER).findings == []


def test_a_user_store_on_another_datasource_is_reported_at_user_mgt(tmp_path):
    # worker2's user-mgt.xml names the registry's datasource instead of the user database: the reference is wrong, not the datasource.
    findings = _rules(
        tmp_path,
        (["worker2"], "user-mgt.xml", '<Property name="dataSource">jdbc/WSO2UserDB</Property>', '<Property name="dataSource">jdbc/WSO2RegistryDB</Property>'),
    )
    assert [(f.rule, f.node, f.loc.path.endswith("user-mgt.xml"), where(f)[1]) for f in findings] == [("BPS106", "worker2", True, 28)]
    assert "(the database differs)" in findings[0].message


def test_one_registry_database_reached_differently_is_one_finding_not_one_per_mount(tmp_path):
    findings = _rules(
        tmp_path,
        (["worker2"], "datasources/master-datasources.xml", "<username>regadmin</username>", "<username>regworker</username>"),
        (
            ["worker2"],
            "registry.xml",
            "<cacheId>regadmin@jdbc:mysql://mysql.bps.internal:3306/bps_registry?autoReconnect=true</cacheId>",
            "<cacheId>regworker@jdbc:mysql://mysql.bps.internal:3306/bps_registry?autoReconnect=true</cacheId>",
        ),
    )
    assert [(f.rule, f.node) for f in findings] == [("BPS202", "worker2")]  # /_system/config and /_system/governance share it


@pytest.mark.parametrize(
    "host",
    ["10.0.0.1", "127.0.0.1", "127.255.1.2", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..3.4",
     "１.2.3.4", "1.2.3.4 ", "+1.2.3.4", "0x7f.0.0.1", "localhost", "LOCALHOST", "bps-1.example.com", "", "[::1]", "::1", "fe80::1%eth0",
     "::ffff:127.0.0.1", "2001:db8::1", "[2001:db8::1]", "1:2", "128.0.0.1", "126.0.0.1"],
)  # fmt: skip
def test_ip_literals_are_told_as_ipaddress_tells_them(host):
    """is_ip/is_loopback decide IPv4 without importing ipaddress; they must agree with it on every string."""
    import ipaddress

    from linter.evaluate.checks.clustering import is_ip, is_loopback

    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    assert is_ip(host) == (address is not None)
    assert is_loopback(host) == (bare.lower() == "localhost" or bool(address and address.is_loopback))
