"""A new user's walk: the stock 3.6.0 tree copied into three nodes, fixed by doing what each error's fix says.

The walk must end at 0 errors, and no rule may come back once its fix was applied: messages that
send a user round in circles (an external user store, then "shared by all nodes", then "URL
differs") are what this test exists to catch. Each edit below is the policy's fix text done by hand.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from tests.helpers import STOCK, lint, policies

ADDRESSES = {"manager": "10.0.1.10", "worker1": "10.0.1.11", "worker2": "10.0.1.12"}
MYSQL = "jdbc:mysql://mysql.bps.internal:3306/"


def _conf(cluster: Path, node: str) -> Path:
    return cluster / node / "repository" / "conf"


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="latin-1")
    assert old in text, f"{path}: {old!r} not found"
    path.write_text(text.replace(old, new, count), encoding="latin-1")


def _datasource(name: str, jndi: str, database: str, user: str) -> str:
    return f"""
        <datasource>
            <name>{name}</name>
            <jndiConfig><name>{jndi}</name></jndiConfig>
            <definition type="RDBMS">
                <configuration>
                    <url>{MYSQL}{database}</url>
                    <username>{user}</username>
                    <password svns:secretAlias="Datasources.{name}.Password"></password>
                    <driverClassName>com.mysql.jdbc.Driver</driverClassName>
                    <maxActive>50</maxActive>
                    <testOnBorrow>true</testOnBorrow>
                    <validationQuery>SELECT 1</validationQuery>
                </configuration>
            </definition>
        </datasource>
    </datasources>"""


def fix_bps301(cluster, node, finding):  # enable="true" on <clustering>
    _edit(Path(finding.loc.path), 'enable="false">', 'enable="true">')


def fix_bps401(cluster, node, finding):  # uncomment and set UseDistributedLock true
    _edit(
        _conf(cluster, node) / "bps.xml",
        "<!-- <tns:UseDistributedLock>true</tns:UseDistributedLock> -->",
        "<tns:UseDistributedLock>true</tns:UseDistributedLock>",
    )


def fix_bps107(cluster, node, finding):  # an external RDBMS: url and driverClassName together
    path = Path(finding.loc.path)
    database = {"bps-datasources.xml": "bps_db", "activiti-datasources.xml": "bps_activiti"}[path.name]
    text = path.read_text(encoding="latin-1")
    text = re.sub(r"<url>jdbc:h2:[^<]*</url>", f"<url>{MYSQL}{database}</url>", text, count=1)
    path.write_text(
        text.replace("<driverClassName>org.h2.Driver</driverClassName>", "<driverClassName>com.mysql.jdbc.Driver</driverClassName>", 1), encoding="latin-1"
    )


def fix_bps112(cluster, node, finding):  # a separate shared user database named in user-mgt.xml
    conf = _conf(cluster, node)
    _edit(conf / "datasources" / "master-datasources.xml", "\n    </datasources>", _datasource("WSO2_USER_DB", "jdbc/WSO2UserDB", "bps_userstore", "umadmin"))
    _edit(conf / "user-mgt.xml", '<Property name="dataSource">jdbc/WSO2CarbonDB</Property>', '<Property name="dataSource">jdbc/WSO2UserDB</Property>')


def fix_bps203(cluster, node, finding):  # shared registry datasource, dbConfig, remoteInstance, two mounts
    conf = _conf(cluster, node)
    _edit(
        conf / "datasources" / "master-datasources.xml", "\n    </datasources>", _datasource("WSO2_REG_DB", "jdbc/WSO2RegistryDB", "bps_registry", "regadmin")
    )
    read_only = "false" if node == "manager" else "true"
    _edit(
        conf / "registry.xml",
        "        <dataSource>jdbc/WSO2CarbonDB</dataSource>\n    </dbConfig>",
        f"""        <dataSource>jdbc/WSO2CarbonDB</dataSource>
    </dbConfig>
    <dbConfig name="sharedregistry">
        <dataSource>jdbc/WSO2RegistryDB</dataSource>
    </dbConfig>
    <remoteInstance url="https://localhost:9443/registry">
        <id>sharedregistry</id>
        <dbConfig>sharedregistry</dbConfig>
        <readOnly>{read_only}</readOnly>
        <enableCache>true</enableCache>
        <registryRoot>/</registryRoot>
        <cacheId>regadmin@{MYSQL}bps_registry</cacheId>
    </remoteInstance>
    <mount path="/_system/config" overwrite="true">
        <instanceId>sharedregistry</instanceId>
        <targetPath>/_system/bpsconfig</targetPath>
    </mount>
    <mount path="/_system/governance" overwrite="true">
        <instanceId>sharedregistry</instanceId>
        <targetPath>/_system/governance</targetPath>
    </mount>""",
    )


def fix_bps502(cluster, node, finding):  # keep AUTO, taskServerCount 1
    _edit(_conf(cluster, node) / "etc" / "tasks-config.xml", "<taskServerCount>2</taskServerCount>", "<taskServerCount>1</taskServerCount>")


def fix_bps305(cluster, node, finding):  # each node's own address as localMemberHost
    _edit(
        _conf(cluster, node) / "axis2" / "axis2.xml",
        '<parameter name="localMemberHost">127.0.0.1</parameter>',
        f'<parameter name="localMemberHost">{ADDRESSES[node]}</parameter>',
    )


FIXES = {name[4:].upper(): function for name, function in globals().items() if name.startswith("fix_bps")}
ONCE_PER_NODE = {"BPS112", "BPS203", "BPS305"}  # one edit settles every finding of the rule on the node


@pytest.mark.skipif(not STOCK.is_dir(), reason="the corpus is not beside the repository")
def test_following_the_fixes_from_a_stock_three_node_tree_ends_clean(tmp_path):
    cluster = tmp_path / "walk"
    for node in ADDRESSES:
        shutil.copytree(STOCK, cluster / node)
    rounds: list[set[str]] = []
    for _ in range(6):
        errors = [f for f in lint(cluster).findings if f.severity == "error"]
        fired = {f.rule for f in errors}
        for earlier in rounds[:-1]:
            assert not (fired & earlier) - rounds[-1], f"fixed earlier, fired again: {sorted((fired & earlier) - rounds[-1])}"
        if rounds:
            assert not fired & rounds[-1], f"the documented fix did not clear: {sorted(fired & rounds[-1])}"
        if not errors:
            break
        rounds.append(fired)
        assert fired <= set(FIXES), f"no fix scripted for {sorted(fired - set(FIXES))}: is its fix text one a user can follow?"
        done = defaultdict(set)
        for finding in errors:
            if finding.rule in ONCE_PER_NODE and finding.node in done[finding.rule]:
                continue
            done[finding.rule].add(finding.node)
            FIXES[finding.rule](cluster, finding.node, finding)
    assert not errors, [f"{f.rule} {f.loc} {f.message}" for f in errors]
    assert rounds[0] == {"BPS107", "BPS112", "BPS203", "BPS301", "BPS401"}  # what a stock tree shows first
    assert len(rounds) <= 3


def test_every_scripted_fix_is_a_rule_with_a_fix_text():
    by_id = {p.id: p for p in policies()}
    for rule in FIXES:
        assert by_id[rule].fix


def test_fix_and_diff_on_mutated_trees_never_crash_leak_or_change_twice(tmp_path):
    """A sample of the fuzz harness's hostile trees: --diff writes nothing, --fix never escapes main(), never prints a
    planted secret, and a second --fix changes nothing."""
    import contextlib
    import io

    from linter.cli import main
    from tests.fuzz.harness import build_case

    def run(args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
        return code, out.getvalue() + err.getvalue()

    def tree(root):
        return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}

    for number in range(12):
        cluster, planted = build_case(20261126, number, tmp_path)
        before = tree(cluster)
        code, said = run(["--diff", "--unsafe-fixes", str(cluster)])
        assert code in (0, 1) and "internal error" not in said and tree(cluster) == before, (number, said[-300:])
        snapshots = []
        for _ in range(2):
            code, said = run(["--fix", "--unsafe-fixes", str(cluster)])
            assert code in (0, 1) and "internal error" not in said, (number, said[-300:])
            assert not [s for s in planted if s in said], number
            snapshots.append(tree(cluster))
        assert snapshots[0] == snapshots[1], number
