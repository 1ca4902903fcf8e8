"""What a BPS node folder looks like on disk."""

from __future__ import annotations

import os
import re

# Files bps-lint reads, relative to a node's conf folder. Missing required ones are findings.
REQUIRED_FILES = (
    "bps.xml",
    "carbon.xml",
    "axis2/axis2.xml",
    "registry.xml",
    "user-mgt.xml",
    "humantask.xml",
    "etc/tasks-config.xml",
    "datasources/master-datasources.xml",
    "datasources/bps-datasources.xml",
)
OPTIONAL_FILES = ("activiti.xml", "b4p-coordination-config.xml", "tomcat/catalina-server.xml")
# A Hazelcast configuration that Carbon (HazelcastClusteringAgent, 4.4.x and later) loads instead of
# building one from axis2.xml; -Dhazelcast.config names another.
HAZELCAST_CONFIGS = ("etc/hazelcast.xml",)
DATASOURCE_DIR = "datasources"
START_SCRIPTS = ("bin/wso2server.sh", "bin/business-process.sh")

# Only BPS ships these; an EI_HOME/conf (integrator profile) or an ESB conf has none of them.
BPS_MARKERS = ("bps.xml", "humantask.xml", "datasources/bps-datasources.xml", "activiti.xml")
ANY_MARKERS = BPS_MARKERS + ("carbon.xml", "axis2/axis2.xml", "registry.xml", "etc/tasks-config.xml", "user-mgt.xml")


def _has_any(folder: str, names: tuple[str, ...]) -> bool:
    return any(os.path.lexists(os.path.join(folder, name)) for name in names)


def nearest_with(folder: str, names: tuple[str, ...], stop: str | None = None) -> str | None:
    """The nearest folder at or above ``folder`` that holds one of ``names``, looking no higher than below ``stop``."""
    while folder and folder != stop:
        if _has_any(folder, names):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return None


def conf_dir_of(folder: str) -> tuple[str, str] | None:
    """(layout, conf folder) if ``folder`` is a node, else None.

    BPS home: ``D/repository/conf``; EI business-process profile: ``D/conf``;
    a bare conf folder (a mounted ConfigMap): ``D`` itself.
    """
    repo_conf = os.path.join(folder, "repository", "conf")
    if os.path.isdir(repo_conf) and _has_any(repo_conf, ANY_MARKERS):
        return "bps-home", repo_conf
    conf = os.path.join(folder, "conf")
    if os.path.isdir(conf) and _has_any(conf, BPS_MARKERS):
        return "ei-profile", conf
    if _has_any(folder, BPS_MARKERS):
        return "conf-folder", folder
    return None


EI_PROFILE_DIR = os.path.join("wso2", "business-process")


def node_home(node_dir: str) -> str:
    """The folder that stands for a node: ``<EI_HOME>`` for an EI profile at ``<EI_HOME>/wso2/business-process``
    (so two EI homes side by side are one cluster, named after the homes), else the node folder itself."""
    trimmed = node_dir.rstrip(os.sep)
    if trimmed.endswith(os.sep + EI_PROFILE_DIR):
        return trimmed[: -len(EI_PROFILE_DIR) - 1]
    return node_dir


# A product pack unpacked under the name it ships with, as hosts and images hold it: <host>/wso2bps-3.6.0.
PACK_NAME = re.compile(r"wso2(?:bps|ei)-\d+(?:\.\d+)*$")


def host_folders(homes: list[str]) -> dict[str, str]:
    """Node homes that stand for the host folder above them: packs under their shipped name, each alone in a
    folder of its own, two or more such folders side by side (``prod/host1/wso2bps-3.6.0``,
    ``prod/host2/wso2bps-3.6.0``): the nodes are then named after the hosts and form the cluster ``prod``."""
    packs: dict[str, list[str]] = {}
    for home in homes:
        if PACK_NAME.match(os.path.basename(home.rstrip(os.sep))):
            packs.setdefault(os.path.dirname(home.rstrip(os.sep)), []).append(home)
    hosts: dict[str, list[str]] = {}
    for host, inside in packs.items():
        if len(inside) == 1:
            hosts.setdefault(os.path.dirname(host), []).append(host)
    return {packs[host][0]: host for side_by_side in hosts.values() if len(side_by_side) > 1 for host in side_by_side}


def start_script_of(node_dir: str, conf_dir: str) -> str | None:
    candidates = [os.path.join(node_dir, s) for s in START_SCRIPTS]
    candidates.append(os.path.join(conf_dir, "wso2server.sh"))  # EI source tree keeps it beside conf
    home = node_home(node_dir)
    if home != node_dir:
        candidates.append(os.path.join(home, "bin", "business-process.sh"))  # EI's launcher of the profile
    for candidate in candidates:
        try:
            os.lstat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:  # there, perhaps, but bin/ cannot be searched: reading it will say why
            return candidate
        return candidate
    return None


_ERB_NAMES = frozenset(os.path.basename(rel) + ".erb" for rel in REQUIRED_FILES + OPTIONAL_FILES + HAZELCAST_CONFIGS + START_SCRIPTS)
_ERB_SCAN_LIMIT = 20_000  # entries looked at: a hint on the way to an error, not a second walk of a huge tree


def puppet_templates(folders: list[str]) -> list[str]:
    """Puppet ERB templates of BPS files under ``folders`` (``templates/repository/conf/carbon.xml.erb``), which
    bps-lint does not render: the first few, for the message of a run that found no node."""
    found, seen = [], 0
    for folder in folders:
        for parent, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            seen += len(dirs) + len(files)
            found += [os.path.join(parent, f) for f in sorted(files) if f in _ERB_NAMES]
            if seen > _ERB_SCAN_LIMIT or len(found) >= 3:
                return found[:3]
    return found
