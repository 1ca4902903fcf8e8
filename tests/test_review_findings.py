"""False alarms and wrong claims an independent review found on clusters built by the clustering guide.

Each test lays one correct (or one wrong) configuration over the example cluster and asserts the
rule, file and line that should (or should not) be reported.
"""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import lint, materialize

ALL = ["manager", "worker1", "worker2"]
WORKERS = ["worker1", "worker2"]
AXIS2 = "axis2/axis2.xml"
FLAG = "    -DworkerNode="


def _findings(tmp_path, *changes, manifest=None):
    example = {"files": [dict(zip(("nodes", "file", "replace", "with"), change)) for change in changes]}
    if manifest:
        example["manifest"] = manifest
    return lint(materialize(example, tmp_path)).findings


def _at(findings, rule=None):
    """(rule, node, file name, line) of each finding, of one rule when given."""
    return sorted((f.rule, f.node, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in findings if rule is None or f.rule == rule)


def _member_host(value: str):
    """localMemberHost ``value`` on every node (the example has 10.0.1.10, .11, .12)."""
    return [
        ([n], AXIS2, f'<parameter name="localMemberHost">10.0.1.1{i}</parameter>', f'<parameter name="localMemberHost">{value}</parameter>')
        for i, n in enumerate(ALL)
    ]


def _script_flag(nodes, flag: str):
    """One more JVM flag in the start script of ``nodes``, before -DworkerNode."""
    return [([n], "bin/wso2server.sh", FLAG, f"    {flag} \\\n{FLAG}") for n in nodes]


# 1. localMemberHost from a system property the start script sets with a shell expansion
def test_member_host_from_a_shell_expansion_is_unknown_not_shared(tmp_path):
    findings = _findings(tmp_path, *_member_host("${local.ip}"), *_script_flag(ALL, '-Dlocal.ip="$(hostname -i)"'))
    assert _at(findings) == []  # BPS305/BPS306 do not compare '${local.ip}'; BPS307 cannot tell which node a member is


def test_member_host_from_a_literal_flag_is_still_compared(tmp_path):
    findings = _findings(
        tmp_path, *_member_host("${local.ip}"), *_script_flag(WORKERS, "-Dlocal.ip=10.0.1.11"), *_script_flag(["manager"], "-Dlocal.ip=10.0.1.10")
    )
    assert _at(findings, "BPS305") == [("BPS305", n, "axis2.xml", 655) for n in WORKERS]


# 2. WKA members from a system property or an environment variable (ClusterBuilder.loadWellKnownMembers)
def test_member_host_from_the_environment_is_not_a_placeholder_left_as_written(tmp_path):
    findings = _findings(tmp_path, (ALL, AXIS2, "<hostName>10.0.1.10</hostName>", "<hostName>${MANAGER_HOST}</hostName>"))
    assert _at(findings) == []  # BPS704 quiet; BPS307 cannot compare an address only the environment gives


def test_member_host_from_a_start_script_property_is_substituted(tmp_path):
    findings = _findings(
        tmp_path,
        (ALL, AXIS2, "<hostName>10.0.1.10</hostName>", "<hostName>${manager.host}</hostName>"),
        *_script_flag(ALL, "-Dmanager.host=10.0.9.99"),
    )
    assert _at(findings) == [("BPS307", n, "axis2.xml", 706) for n in ALL]  # 10.0.9.99 is no node's localMemberHost


# 8. BPS305 points at the element its message asks to change
def test_shared_member_address_points_at_local_member_host(tmp_path):
    findings = _findings(
        tmp_path, (["worker2"], AXIS2, '<parameter name="localMemberHost">10.0.1.12</parameter>', '<parameter name="localMemberHost">10.0.1.11</parameter>')
    )
    bps305 = [f for f in findings if f.rule == "BPS305"]
    assert _at(bps305) == [("BPS305", n, "axis2.xml", 655) for n in WORKERS]
    assert all("expected each node's own network address as localMemberHost" in f.message for f in bps305)


# 4. The manifest's [hosts] names the same database server by name and by address
def test_shared_database_by_name_and_by_its_address_in_the_manifest_hosts(tmp_path):
    by_ip = (["worker2"], "datasources/bps-datasources.xml", "jdbc:mysql://mysql.bps.internal:3306/bps_db", "jdbc:mysql://10.0.0.5:3306/bps_db")
    findings = _findings(tmp_path, by_ip, manifest='[hosts]\n"mysql.bps.internal" = "10.0.0.5"\n')
    assert _at(findings, "BPS106") == []
    findings = _findings(tmp_path / "other", by_ip, manifest='[hosts]\n"mysql.bps.internal" = "10.0.0.6"\n')
    assert _at(findings, "BPS106") == [("BPS106", "worker2", "bps-datasources.xml", 16)]


# 9. Credentials are no part of what names a repository or a database, and never printed
SVN = "<SvnUrl>http://svn.bps.internal/repos/bps/</SvnUrl>"


@pytest.mark.parametrize("repository, expected", [("bps", []), ("other", [("BPS604", "worker2", "carbon.xml", 588)])])
def test_svn_urls_are_compared_without_their_credentials_which_are_never_printed(tmp_path, repository, expected):
    findings = _findings(
        tmp_path,
        (["manager", "worker1"], "carbon.xml", SVN, "<SvnUrl>https://depsync:first-secret@svn.bps.internal/repos/bps/</SvnUrl>"),
        (["worker2"], "carbon.xml", SVN, f"<SvnUrl>https://depsync:second-secret@svn.bps.internal/repos/{repository}/</SvnUrl>"),
    )
    assert _at(findings, "BPS604") == expected and not any("secret" in f.message for f in findings)


def test_jdbc_urls_differing_only_in_a_password_reach_the_same_database(tmp_path):
    # a URL bps-lint cannot cut into host, port and database (no '//'): compared as written, credentials masked
    url = "jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true"
    findings = _findings(
        tmp_path,
        (["manager", "worker1"], "datasources/bps-datasources.xml", url, "jdbc:mysql:mysql.bps.internal:3306/bps_db?password=first"),
        (["worker2"], "datasources/bps-datasources.xml", url, "jdbc:mysql:mysql.bps.internal:3306/bps_db?password=second"),
    )
    assert _at(findings, "BPS106") == []


def test_jdbc_urls_differing_only_in_the_user_parameter_reach_the_same_database(tmp_path):
    url = "jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true"
    logged_in = "jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true&amp;user=bpsuser&amp;password=s3cret"
    findings = _findings(tmp_path, (["worker2"], "datasources/bps-datasources.xml", url, logged_in))
    assert _at(findings, "BPS106") == [] and not any("s3cret" in f.message for f in findings)
    sqlserver = "jdbc:sqlserver://db.bps.internal:1433;databaseName=bps_db"
    findings = _findings(
        tmp_path / "mssql",
        (["manager", "worker1"], "datasources/bps-datasources.xml", url, sqlserver),
        (["worker2"], "datasources/bps-datasources.xml", url, sqlserver + ";user=bpsuser;password=s3cret"),
    )
    assert _at(findings, "BPS106") == []


def test_a_host_written_as_an_address_on_one_node_names_the_hosts_table(tmp_path):
    by_ip = (["worker2"], "datasources/bps-datasources.xml", "jdbc:mysql://mysql.bps.internal:3306/bps_db", "jdbc:mysql://10.0.0.5:3306/bps_db")
    (finding,) = [f for f in _findings(tmp_path, by_ip) if f.rule == "BPS106"]
    assert "(the host differs)" in finding.message and "under [hosts] in bps-lint.toml" in finding.message


# 6. carbon.xml's worker proxy ports come before a connector's proxyPort in the URLs a node hands out
UNPROXIED = """<Server port="8005" shutdown="SHUTDOWN">
    <Service name="Catalina">
        <Connector protocol="org.apache.coyote.http11.Http11NioProtocol" port="9763"/>
        <Connector protocol="org.apache.coyote.http11.Http11NioProtocol" port="9443" SSLEnabled="true" scheme="https" secure="true"/>
    </Service>
</Server>
"""
THRIFT = "<ThriftEntitlementReceivePort>10500</ThriftEntitlementReceivePort>"


def _unproxied(tmp_path, carbon_change=None):
    example = {"files": [{"nodes": ["worker2"], "file": "tomcat/catalina-server.xml", "xml": UNPROXIED}]}
    if carbon_change:
        example["files"].append({"nodes": ["worker2"], "file": "carbon.xml", "replace": THRIFT, "with": THRIFT + carbon_change})
    return lint(materialize(example, tmp_path)).findings


def test_worker_proxy_ports_in_carbon_xml_stand_for_the_connectors_proxy_port_in_service_endpoints(tmp_path):
    (alone,) = [f for f in _unproxied(tmp_path) if f.rule == "BPS708"]
    assert "carry its own port" in alone.message
    ports = "\n    <WorkerHttpProxyPort>80</WorkerHttpProxyPort>\n    <WorkerHttpsProxyPort>443</WorkerHttpsProxyPort>"
    (with_ports,) = [f for f in _unproxied(tmp_path / "ports", ports) if f.rule == "BPS708"]
    assert _at([with_ports]) == [("BPS708", "worker2", "catalina-server.xml", 3)]
    assert "gives the service endpoints the load balancer's port" in with_ports.message and "carry its own port" not in with_ports.message


# 3. Carbon ignores cacheId beside a <dbConfig>: a missing one is no finding, a wrong one a warning
CACHE_ID = "<cacheId>regadmin@jdbc:mysql://mysql.bps.internal:3306/bps_registry?autoReconnect=true</cacheId>"


def test_missing_cache_id_beside_a_db_config_is_not_reported(tmp_path):
    findings = _findings(tmp_path, (["worker1"], "registry.xml", CACHE_ID, ""))
    assert _at(findings) == []


def test_a_cache_id_naming_another_database_is_a_warning(tmp_path):
    findings = _findings(tmp_path, (["worker1"], "registry.xml", CACHE_ID, CACHE_ID.replace("mysql.bps.internal", "localhost")))
    assert [(f.rule, f.severity, f.node, f.loc.line) for f in findings] == [("BPS201", "warning", "worker1", 46)]
    assert "Carbon ignores cacheId here" in findings[0].message


# 5. taskServerCount: an error only when the cluster can never reach it; otherwise the start-up wait, a warning
COUNT = "<taskServerCount>1</taskServerCount>"


AUTO = (ALL, "etc/tasks-config.xml", "<taskServerMode>STANDALONE</taskServerMode>", "<taskServerMode>AUTO</taskServerMode>")


def _count(tmp_path, value: str):
    return _findings(tmp_path, AUTO, (ALL, "etc/tasks-config.xml", COUNT, f"<taskServerCount>{value}</taskServerCount>"))


def test_stock_count_of_two_in_a_three_node_cluster_is_the_start_up_wait(tmp_path):
    findings = _count(tmp_path, "2")
    assert _at(findings) == [("BPS505", n, "tasks-config.xml", 15) for n in ALL]
    assert all(f.severity == "warning" and "the cluster has 3 nodes" in f.message for f in findings)


def test_a_count_above_the_nodes_that_ever_start_is_an_error(tmp_path):
    findings = _count(tmp_path, "4")
    assert _at(findings) == [("BPS502", n, "tasks-config.xml", 15) for n in ALL]
    assert all(f.severity == "error" and "the cluster has 3 nodes" in f.message and "never reaches 4" in f.message for f in findings)


def test_an_empty_or_minus_one_count_defers_to_the_start_scripts_property(tmp_path):
    """TaskServiceConfigurationImpl reads -Dtask.server.count only for -1 or an empty element; an absent one is 0."""
    for value in ("", "-1"):
        findings = _findings(
            tmp_path / f"v{value}",
            AUTO,
            (ALL, "etc/tasks-config.xml", COUNT, f"<taskServerCount>{value}</taskServerCount>"),
            *_script_flag(ALL, "-Dtask.server.count=5"),
        )
        assert _at(findings) == [("BPS502", n, "wso2server.sh", 315) for n in ALL], value
        assert all("-Dtask.server.count=5" in f.message for f in findings)
    absent = _findings(tmp_path / "absent", AUTO, (ALL, "etc/tasks-config.xml", COUNT, ""), *_script_flag(ALL, "-Dtask.server.count=5"))
    assert _at(absent) == []


def test_a_count_of_two_on_a_single_clustered_node_is_an_error(tmp_path):
    changes = [AUTO[1:], ("etc/tasks-config.xml", COUNT, "<taskServerCount>2</taskServerCount>")]
    example = {"files": [dict(zip(("file", "replace", "with"), change), nodes=["manager"]) for change in changes]}
    cluster = materialize(example, tmp_path)
    for worker in WORKERS:
        shutil.rmtree(cluster / worker)
    findings = [f for f in lint(cluster).findings if f.rule in ("BPS502", "BPS505")]
    assert _at(findings) == [("BPS502", "manager", "tasks-config.xml", 15)]
    assert "the cluster has 1 node," in findings[0].message


def test_latent_count_no_longer_claims_what_the_guide_says(tmp_path):
    findings = _findings(
        tmp_path,
        AUTO,
        (ALL, "etc/tasks-config.xml", COUNT, "<taskServerCount>2</taskServerCount>"),
        (ALL, "humantask.xml", "<TaskCleanupConfig>", "<!--TaskCleanupConfig>"),
        (ALL, "humantask.xml", "</TaskCleanupConfig>", "</TaskCleanupConfig-->"),
    )
    assert _at(findings) == [("BPS504", n, "tasks-config.xml", 15) for n in ALL]
    assert not any("guide" in f.message for f in findings)


# 7. Hazelcast refuses a member that joins another way, or with another group password
SCHEME = '<parameter name="membershipScheme">wka</parameter>'
DOMAIN = '<parameter name="domain">wso2.bps.domain</parameter>'


def test_a_node_on_multicast_beside_wka_nodes_is_reported(tmp_path):
    findings = _findings(tmp_path, (["worker2"], AXIS2, SCHEME, '<parameter name="membershipScheme">multicast</parameter>'))
    assert _at(findings, "BPS312") == [("BPS312", "worker2", "axis2.xml", 626)]
    assert "Incompatible joiners!" in next(f.message for f in findings if f.rule == "BPS312")


def test_a_custom_membership_scheme_class_is_left_out(tmp_path):
    custom = '<parameter name="membershipScheme">kubernetes</parameter><parameter name="membershipSchemeClassName">org.example.Scheme</parameter>'
    findings = _findings(tmp_path, (["worker2"], AXIS2, SCHEME, custom))
    assert _at(findings, "BPS312") == []


def test_a_group_password_on_one_node_only_is_reported_and_never_printed(tmp_path, capsys):
    from linter.cli import main

    findings = _findings(tmp_path, (["worker2"], AXIS2, DOMAIN, DOMAIN + '<parameter name="groupPassword">Zq7-group-pw</parameter>'))
    assert _at(findings, "BPS313") == [("BPS313", "worker2", "axis2.xml", 634)]
    cluster = tmp_path / "cluster"
    for args in ([str(cluster)], [str(cluster), "--format", "json"], ["drift", str(cluster)], ["model", str(cluster)]):
        main(args)
        assert "Zq7-group-pw" not in capsys.readouterr().out


def test_the_same_group_password_everywhere_is_fine(tmp_path):
    findings = _findings(tmp_path, (ALL, AXIS2, DOMAIN, DOMAIN + '<parameter name="groupPassword">Zq7-group-pw</parameter>'))
    assert _at(findings) == []


def test_the_picture_does_not_say_no_node_answers_a_member_set_at_run_time(tmp_path, capsys):
    from linter.cli import main

    _findings(tmp_path, (ALL, AXIS2, "<hostName>10.0.1.10</hostName>", "<hostName>${MANAGER_HOST}</hostName>"))
    main(["graph", str(tmp_path / "cluster")])
    out = capsys.readouterr().out
    assert "${MANAGER_HOST}:4000<br/>well-known member<br/>set at run time" in out and "no node answers" not in out


def test_a_domain_or_group_password_differing_only_in_blanks_is_another_one(tmp_path):
    """Axis2 hands the parameter text to Hazelcast untrimmed: ' wso2.bps.domain' is another group (clustering.md)."""
    domain = '<parameter name="domain">wso2.bps.domain</parameter>'
    spaced = '<parameter name="domain">\n        wso2.bps.domain\n    </parameter>'
    findings = _findings(tmp_path, (["worker2"], AXIS2, domain, spaced))
    (finding,) = [f for f in findings if f.rule == "BPS304"]
    assert (finding.node, finding.loc.line) == ("worker2", 634) and "\\n        wso2.bps.domain\\n    " in finding.message
    password = (["worker1"], AXIS2, domain, domain + '\n        <parameter name="groupPassword"> pw </parameter>')
    others = (["manager", "worker2"], AXIS2, domain, domain + '\n        <parameter name="groupPassword">pw</parameter>')
    findings = _findings(tmp_path / "pw", password, others)
    assert _at(findings, "BPS313") == [("BPS313", "worker1", "axis2.xml", 635)] and not any(" pw " in f.message for f in findings)


def test_a_cache_id_naming_the_database_without_the_login_in_its_url_is_accepted(tmp_path):
    """An Oracle thin URL carries user/password@: a cacheId names the database, never the password."""
    url = "<url>jdbc:mysql://mysql.bps.internal:3306/bps_registry?autoReconnect=true</url>"
    oracle = "<url>jdbc:oracle:thin:regadmin/s3cret@oracle.bps.internal:1521/BPSREG</url>"
    cache = "<cacheId>regadmin@jdbc:oracle:thin:@oracle.bps.internal:1521/BPSREG</cacheId>"
    findings = _findings(tmp_path, (ALL, "datasources/master-datasources.xml", url, oracle), (ALL, "registry.xml", CACHE_ID, cache))
    assert _at(findings, "BPS201") == [] and not any("s3cret" in f.message for f in findings)


def test_a_password_in_a_jdbc_url_is_plaintext_and_never_printed(tmp_path):
    url = "jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true"
    findings = _findings(tmp_path, (ALL, "datasources/bps-datasources.xml", url, url + "&amp;user=bpsuser&amp;password=Xyz123secret"))
    assert _at(findings, "BPS705") == [("BPS705", n, "bps-datasources.xml", 16) for n in ALL]
    assert not any("Xyz123secret" in f.message for f in findings)


def test_a_load_balancer_set_on_the_http_connector_only_is_reported_at_the_https_one(tmp_path):
    """proxyPort="80" on the HTTP connector and none on the HTTPS one: HTTPS URLs (HumanTask callbacks) keep 9443."""
    half = (["worker1"], "tomcat/catalina-server.xml", '                   proxyPort="443"\n', "")
    findings = [f for f in _findings(tmp_path, half) if f.rule == "BPS708"]
    assert _at(findings) == [("BPS708", "worker1", "catalina-server.xml", 54)]  # the HTTPS <Connector
    assert "the HTTPS connector in tomcat/catalina-server.xml sets no proxyPort, while the HTTP one sets '80'; so the HTTPS URLs" in findings[0].message
    assert 'expected proxyPort="443" on it too' in findings[0].message
    ports = (["worker1"], "carbon.xml", THRIFT, THRIFT + "\n    <WorkerHttpsProxyPort>443</WorkerHttpsProxyPort>")
    (endpoints,) = [f for f in _findings(tmp_path / "ports", half, ports) if f.rule == "BPS708"]  # callbacks take it: only attachment links left
    assert "Ports/WorkerHttpsProxyPort gives the service endpoints the load balancer's port, but the HTTPS URLs built from the connector" in endpoints.message


def test_the_password_of_an_embedded_file_database_is_not_judged(tmp_path):
    """The runbook keeps the stock H2 local registry (wso2carbon): a file database takes no connection from the
    network, so its stock password is no BPS706 (nor BPS705); one that also serves others (AUTO_SERVER) is."""
    h2 = "jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000"
    local = "<url>jdbc:mysql://mysql.bps.internal:3306/bps_local_worker1?autoReconnect=true</url>"
    stock = (["worker1"], "datasources/master-datasources.xml", local, f"<url>{h2}</url>")
    alias = '<password svns:secretAlias="Datasources.WSO2_CARBON_DB.Password"></password>'
    password = (["worker1"], "datasources/master-datasources.xml", alias, "<password>wso2carbon</password>")
    judged = lambda findings: [f.rule for f in findings if f.rule in ("BPS705", "BPS706") and "WSO2_CARBON_DB" in f.message]  # noqa: E731
    assert judged(_findings(tmp_path, stock, password)) == []
    served = (["worker1"], "datasources/master-datasources.xml", local, f"<url>{h2};AUTO_SERVER=TRUE</url>")
    assert judged(_findings(tmp_path / "served", served, password)) == ["BPS706"]
