"""False alarms and wrong claims an independent review found on clusters built by the clustering guide.

Each test lays one correct (or one wrong) configuration over the example cluster and asserts the
rule, file and line that should (or should not) be reported.
"""

from __future__ import annotations

from tests.helpers import lint, materialize

ALL = ["manager", "worker1", "worker2"]
WORKERS = ["worker1", "worker2"]
AXIS2 = "axis2/axis2.xml"
SCRIPT = "wso2server.sh"
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
    assert _at(findings, "BPS305") == [] and _at(findings, "BPS306") == []
    assert _at(findings, "BPS307") == []  # the WKA list names IPs no node is known to hold: unknown, not wrong


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


def test_svn_urls_differing_only_in_credentials_are_the_same_repository(tmp_path):
    findings = _findings(
        tmp_path,
        (["manager", "worker1"], "carbon.xml", SVN, "<SvnUrl>https://depsync:first-secret@svn.bps.internal/repos/bps/</SvnUrl>"),
        (["worker2"], "carbon.xml", SVN, "<SvnUrl>https://depsync:second-secret@svn.bps.internal/repos/bps/</SvnUrl>"),
    )
    assert _at(findings, "BPS604") == []


def test_svn_url_pointing_elsewhere_is_reported_without_its_credentials(tmp_path):
    findings = _findings(
        tmp_path,
        (["manager", "worker1"], "carbon.xml", SVN, "<SvnUrl>https://depsync:first-secret@svn.bps.internal/repos/bps/</SvnUrl>"),
        (["worker2"], "carbon.xml", SVN, "<SvnUrl>https://depsync:second-secret@svn.bps.internal/repos/other/</SvnUrl>"),
    )
    assert _at(findings, "BPS604") == [("BPS604", "worker2", "carbon.xml", 588)]
    assert not any("secret" in f.message for f in findings)


def test_jdbc_urls_differing_only_in_a_password_reach_the_same_database(tmp_path):
    # a URL bps-lint cannot cut into host, port and database (no '//'): compared as written, credentials masked
    url = "jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true"
    findings = _findings(
        tmp_path,
        (["manager", "worker1"], "datasources/bps-datasources.xml", url, "jdbc:mysql:mysql.bps.internal:3306/bps_db?password=first"),
        (["worker2"], "datasources/bps-datasources.xml", url, "jdbc:mysql:mysql.bps.internal:3306/bps_db?password=second"),
    )
    assert _at(findings, "BPS106") == []


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
    assert _at([with_ports]) == [("BPS708", "worker2", "catalina-server.xml", 2)]
    assert "gives the service endpoints the load balancer's port" in with_ports.message and "carry its own port" not in with_ports.message
