"""Build a fleet of BPS clusters from the stock BPS 3.6.0 tree, for benchmarks.

Each cluster is a manager and two workers: the stock files (real sizes: axis2.xml and carbon.xml
are the large ones), clustered as the runbook says, with per-node values varied and a fault
planted in some clusters, so that bps-lint does real work and reports real findings.

    python benchmarks/generate.py OUT --clusters 100 [--stock ../shared/corpus/bps-3.6.0-stock]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_STOCK = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "corpus", "bps-3.6.0-stock"))
# The files bps-lint reads, relative to <BPS_HOME>.
FILES = [
    "bin/wso2server.sh",
    "repository/conf/bps.xml",
    "repository/conf/carbon.xml",
    "repository/conf/axis2/axis2.xml",
    "repository/conf/registry.xml",
    "repository/conf/user-mgt.xml",
    "repository/conf/humantask.xml",
    "repository/conf/activiti.xml",
    "repository/conf/etc/tasks-config.xml",
    "repository/conf/datasources/master-datasources.xml",
    "repository/conf/datasources/bps-datasources.xml",
    "repository/conf/datasources/activiti-datasources.xml",
]
NODES = ("manager", "worker1", "worker2")


def _edits(cluster: int, node_index: int, node: str) -> dict[str, list[tuple[str, str]]]:
    host = f"10.{cluster // 250}.{cluster % 250}.{10 + node_index}"
    faults = {
        "auto_commit": cluster % 7 == 3 and node == "worker1",  # defaultAutoCommit false (Puppet's default)
        "task_count": cluster % 5 == 1,  # stock taskServerCount 2 left in place
        "node_id": cluster % 11 == 4 and node == "worker2",  # NodeId copied from worker1
    }
    node_id = "worker1" if faults["node_id"] else node
    return {
        "repository/conf/axis2/axis2.xml": [
            ('enable="false">', 'enable="true">'),
            ('<parameter name="membershipScheme">multicast</parameter>', '<parameter name="membershipScheme">wka</parameter>'),
            ('<parameter name="domain">wso2.carbon.domain</parameter>', f'<parameter name="domain">bps.cluster{cluster}</parameter>'),
            ('<parameter name="localMemberHost">127.0.0.1</parameter>', f'<parameter name="localMemberHost">{host}</parameter>'),
            ("<hostName>127.0.0.1</hostName>", f"<hostName>10.{cluster // 250}.{cluster % 250}.10</hostName>"),
        ],
        "repository/conf/bps.xml": [
            ("<!-- <tns:UseDistributedLock>true</tns:UseDistributedLock> -->", "<tns:UseDistributedLock>true</tns:UseDistributedLock>"),
            ("<!-- <tns:NodeId></tns:NodeId>  -->", f"<tns:NodeId>c{cluster}-{node_id}</tns:NodeId>"),
        ],
        "repository/conf/etc/tasks-config.xml": []
        if faults["task_count"]
        else [("<taskServerCount>2</taskServerCount>", "<taskServerCount>1</taskServerCount>")],
        "repository/conf/datasources/bps-datasources.xml": [
            ("jdbc:h2:file:repository/database/jpadb;DB_CLOSE_ON_EXIT=FALSE;MVCC=TRUE", f"jdbc:mysql://db{cluster}.internal:3306/bps?autoReconnect=true"),
            ("<driverClassName>org.h2.Driver</driverClassName>", "<driverClassName>com.mysql.jdbc.Driver</driverClassName>"),
        ]
        + ([("<defaultAutoCommit>true</defaultAutoCommit>", "<defaultAutoCommit>false</defaultAutoCommit>")] if faults["auto_commit"] else []),
        "repository/conf/carbon.xml": [("<HostName>localhost</HostName>", f"<HostName>bps{cluster}.example.com</HostName>")],
    }


def generate(out: str, clusters: int, stock: str = DEFAULT_STOCK) -> list[str]:
    """Write the fleet under ``out`` (replacing it); return the XML files written."""
    if os.path.exists(out):
        shutil.rmtree(out)
    originals = {}
    for rel in FILES:
        with open(os.path.join(stock, rel), "rb") as handle:
            originals[rel] = handle.read()
    xml_files = []
    for cluster in range(clusters):
        for index, node in enumerate(NODES):
            edits = _edits(cluster, index, node)
            for rel in FILES:
                data = originals[rel]
                for old, new in edits.get(rel, ()):
                    data = data.replace(old.encode(), new.encode(), 1)
                path = os.path.join(out, f"cluster{cluster:04d}", node, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as handle:
                    handle.write(data)
                if rel.endswith(".xml"):
                    xml_files.append(path)
    return xml_files


EXAMPLE_CLUSTER = os.path.join(HERE, "..", "examples", "cluster")


def generate_clean(out: str, clusters: int) -> None:
    """A fleet of copies of examples/cluster (stock files configured as the runbook says): no findings,
    so its peak memory shows what bps-lint holds per cluster, without a growing report."""
    if os.path.exists(out):
        shutil.rmtree(out)
    for cluster in range(clusters):
        shutil.copytree(EXAMPLE_CLUSTER, os.path.join(out, f"cluster{cluster:04d}"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--stock", default=DEFAULT_STOCK)
    args = parser.parse_args(argv)
    if not os.path.isdir(args.stock):
        print(f"no stock tree at {args.stock}", file=sys.stderr)
        return 2
    files = generate(args.out, args.clusters, args.stock)
    print(f"{args.clusters} clusters, {3 * args.clusters} nodes, {len(files)} XML files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
