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


def _datasource_placeholder(tmp_path, script_flag=None, manifest=None):
    files = [
        {
            "nodes": ["manager", "worker1", "worker2"],
            "file": "datasources/bps-datasources.xml",
            "replace": "<url>jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true</url>",
            "with": "<url>jdbc:mysql://${db.host}:3306/bps_db?autoReconnect=true</url>",
        }
    ]
    if script_flag:
        files.append(
            {
                "nodes": ["manager", "worker1", "worker2"],
                "file": "bin/wso2server.sh",
                "replace": "    -DworkerNode=",
                "with": f"    {script_flag} -DworkerNode=",
            }
        )
    example = {"files": files}
    if manifest:
        example["manifest"] = manifest
    return [f for f in lint(materialize(example, tmp_path)).findings if f.rule == "BPS704"]


def test_a_substituted_placeholder_whose_property_is_not_set_stays_as_written(tmp_path):
    findings = _datasource_placeholder(tmp_path)
    assert len(findings) == 3 and all("system property db.host" in f.message for f in findings)
    assert {where(f)[1] for f in findings} == {16}


def test_a_substituted_placeholder_set_by_the_start_script_is_not_reported(tmp_path):
    assert _datasource_placeholder(tmp_path, script_flag="-Ddb.host=mysql.bps.internal") == []


def test_a_substituted_placeholder_declared_in_the_manifest_is_not_reported(tmp_path):
    assert _datasource_placeholder(tmp_path, manifest='[properties]\n"db.host" = "mysql.bps.internal"\n') == []


def test_a_placeholder_in_a_file_carbon_reads_as_written_is_reported_even_if_the_property_is_set(tmp_path):
    example = {
        "files": [
            {"nodes": ["worker1"], "file": "bps.xml", "replace": "<tns:NodeId>bps-worker1</tns:NodeId>", "with": "<tns:NodeId>${node.id}</tns:NodeId>"},
            {"nodes": ["worker1"], "file": "bin/wso2server.sh", "replace": "-DworkerNode=true", "with": "-Dnode.id=w1 -DworkerNode=true"},
        ]
    }
    (finding,) = [f for f in lint(materialize(example, tmp_path)).findings if f.rule == "BPS704"]
    assert "reads as written" in finding.message and where(finding)[1] == 117


def _registry_on_property(tmp_path, worker2_host="mysql.bps.internal"):
    example = {
        "files": [
            {
                "nodes": ["manager", "worker1", "worker2"],
                "file": "datasources/master-datasources.xml",
                "replace": "<url>jdbc:mysql://mysql.bps.internal:3306/bps_registry?autoReconnect=true</url>",
                "with": "<url>jdbc:mysql://${db.host}:3306/bps_registry?autoReconnect=true</url>",
            },
            {"nodes": ["manager"], "file": "bin/wso2server.sh", "replace": "    -DworkerNode=", "with": "    -Ddb.host=mysql.bps.internal -DworkerNode="},
            {"nodes": ["worker1"], "file": "bin/wso2server.sh", "replace": "    -DworkerNode=", "with": "    -Ddb.host=mysql.bps.internal -DworkerNode="},
            {"nodes": ["worker2"], "file": "bin/wso2server.sh", "replace": "    -DworkerNode=", "with": f"    -Ddb.host={worker2_host} -DworkerNode="},
        ]
    }
    return lint(materialize(example, tmp_path)).findings


def test_values_are_compared_as_carbon_substitutes_them(tmp_path):
    # The cacheId names the host literally; the datasource takes it from -Ddb.host: the same key at run time.
    assert _registry_on_property(tmp_path) == []


def test_a_node_whose_property_names_another_database_is_reported(tmp_path):
    findings = _registry_on_property(tmp_path, worker2_host="mysql-old.bps.internal")
    assert {(f.rule, f.node) for f in findings} == {("BPS201", "worker2"), ("BPS202", "worker2")}


def _password_from_property(tmp_path, script_flag=None):
    """worker1's BPS_DS password read from ${db.pw}, set by its start script when ``script_flag`` is given."""
    files = [
        {
            "nodes": ["worker1"],
            "file": "datasources/bps-datasources.xml",
            "replace": '<password svns:secretAlias="Datasources.BPS_DS.Password"></password>',
            "with": "<password>${db.pw}</password>",
        }
    ]
    if script_flag:
        files.append({"nodes": ["worker1"], "file": "bin/wso2server.sh", "replace": "    -DworkerNode=", "with": f"    {script_flag} -DworkerNode="})
    return materialize({"files": files}, tmp_path)


def test_a_password_taken_from_a_system_property_is_never_printed(tmp_path, capsys):
    from linter.cli import main

    cluster = _password_from_property(tmp_path, "-Ddb.pw=S3CRET_PROP")
    findings = lint(cluster).findings
    assert not [f for f in findings if f.rule in ("BPS704", "BPS705")]  # set by the script; not a plaintext password
    for command in (["model"], ["drift"], ["graph"], []):
        main([*command, str(cluster)])
        assert "S3CRET_PROP" not in capsys.readouterr().out, command
    main([str(cluster), "--format", "json"])
    assert "S3CRET_PROP" not in capsys.readouterr().out


def test_an_unset_password_placeholder_is_a_placeholder_not_a_plaintext_password(tmp_path):
    findings = lint(_password_from_property(tmp_path)).findings
    assert [(f.rule, "db.pw" in f.message) for f in findings] == [("BPS704", True)]


def test_a_shell_expansion_in_a_property_is_not_compared_as_text(tmp_path):
    findings = _registry_on_property(tmp_path, worker2_host="$DB_HOST")
    assert findings == []  # worker2's database is known only when its script runs: nothing to compare


def _manager_flags(tmp_path, flags):
    example = {"files": [{"nodes": ["manager"], "file": "bin/wso2server.sh", "replace": "    -DworkerNode=false", "with": f"    {flags}"}]}
    return [(f.rule, where(f)[1]) for f in lint(materialize(example, tmp_path)).findings]


def test_the_last_of_a_repeated_flag_is_the_one_the_jvm_keeps(tmp_path):
    assert _manager_flags(tmp_path / "a", "-DworkerNode=true -DworkerNode=false") == []
    assert _manager_flags(tmp_path / "b", "-DworkerNode=false -DworkerNode=true") == [("BPS707", 315)]


def test_the_model_of_a_node_with_several_substituted_placeholders_prints(tmp_path, capsys):
    """``bps-lint model`` sorted where the placeholders stood, locations that have no order: an internal error."""
    import json

    from linter.cli import main

    url = "jdbc:mysql://mysql.bps.internal:3306/{db}?autoReconnect=true"
    files = [
        {
            "nodes": ["manager"],
            "file": f"datasources/{name}",
            "replace": f"<url>{url.format(db=db)}</url>",
            "with": f"<url>{url.format(db=db).replace('mysql.bps.internal', '${db.host}')}</url>",
        }
        for name, db in (("bps-datasources.xml", "bps_db"), ("activiti-datasources.xml", "bps_activiti"))
    ]
    cluster = materialize({"files": files, "manifest": '[properties]\n"db.host" = "mysql.bps.internal"\n'}, tmp_path)
    assert main(["model", str(cluster)]) == 0
    model = json.loads(capsys.readouterr().out)
    (manager,) = [n for n in model["clusters"][0]["nodes"] if n["name"] == "manager"]
    assert len(manager["placeholders"]) == 2
