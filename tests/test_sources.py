"""Repository shapes: overlays on the product's defaults, Kubernetes manifests (files and stdin), Ansible roles."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from linter.cli import main
from linter.sources import defaults
from linter.sources.ansible import line_map
from tests.helpers import CORPUS, REPO, STOCK, lint

ANSIBLE = CORPUS / "ansible-ei-57fab49"
TWO_HOSTS = REPO / "tests" / "fixtures" / "ansible-ei-2hosts"
KUBE = REPO / "docs" / "sources" / "examples" / "manifests.yaml"
TEMPLATES = "roles/bps/templates/carbon-home/wso2/business-process/conf/"
needs_corpus = pytest.mark.skipif(not ANSIBLE.is_dir(), reason="the corpus is not beside the repository")


def found(result, path_part=""):
    return {(f.rule, f.node, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if path_part in f.loc.path}


# --- A. overlays -------------------------------------------------------------------------------------


def _overlay(tmp_path, names=("ei1", "ei2")):
    """EI homes holding only the eight files the ansible-ei role writes (rendered by hand), as Docker overlays do."""
    for name in names:
        conf = tmp_path / name / "wso2" / "business-process" / "conf"
        shutil.copytree(ANSIBLE / TEMPLATES, conf)
        for template in conf.rglob("*.j2"):
            text = template.read_text().replace("{{ hostname }}", f"{name}.example.com").replace("{{ ports_offset }}", "2")
            template.with_suffix("").write_text(text)
            template.unlink()
    return tmp_path


@needs_corpus
def test_overlay_is_checked_against_the_detected_products_defaults(tmp_path, monkeypatch):
    _overlay(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = lint(".")
    assert not [f for f in result.findings if f.rule == "BPS004"]  # no "file missing": the pack's files stand in
    lock = [f for f in result.findings if f.rule == "BPS401"]
    assert {(f.node, f.loc.path, f.loc.line) for f in lock} == {(n, f"{n}/wso2/business-process/conf/bps.xml", 19) for n in ("ei1", "ei2")}
    assert all(f"from the product default of ei-6.6.0; add {f.node}/wso2/business-process/conf/bps.xml to change it" in f.message for f in lock)
    # the repository's own axis2.xml is the one checked, at its line, with no default note
    clustering = [f for f in result.findings if f.rule == "BPS301"]
    assert clustering and all(f.loc.path.endswith("conf/axis2/axis2.xml") and "product default" not in f.message for f in clustering)
    assert result.files == 2 * 7  # the user's files, not the defaults


@needs_corpus
def test_named_product_and_unknown_product_hint(tmp_path):
    conf = tmp_path / "c" / "n1" / "repository" / "conf"
    conf.mkdir(parents=True)
    shutil.copy(CORPUS / "bps-3.6.0-stock/repository/conf/bps.xml", conf / "bps.xml")
    missing = [f for f in lint(tmp_path / "c").findings if f.rule == "BPS004"]
    assert missing and all('name the product in bps-lint.toml (product = "bps-3.6.0"' in f.message for f in missing)
    # a D/conf folder (a product's source tree, a Docker build context) is not taken for an EI profile
    shutil.copytree(conf, tmp_path / "src" / "distribution" / "conf")
    missing = [f for f in lint(tmp_path / "src").findings if f.rule == "BPS004"]
    assert missing and all('name the product in bps-lint.toml (product = "bps-3.6.0"' in f.message for f in missing)
    (tmp_path / "c" / "bps-lint.toml").write_text('product = "bps-3.5.1"\n')
    result = lint(tmp_path / "c")
    assert not [f for f in result.findings if f.rule == "BPS004"]
    assert any("from the product default of bps-3.5.1" in f.message for f in result.findings)


def _stock_pair(tmp_path, remove=(), version=None):
    """The stock BPS 3.6.0 tree copied into a two-node cluster, with ``remove`` (conf-relative, or bin/wso2server.sh)
    deleted from both nodes and carbon.xml's <Version> rewritten to ``version``."""
    for node in ("n1", "n2"):
        home = tmp_path / "c" / node
        shutil.copytree(CORPUS / "bps-3.6.0-stock", home)
        for rel in remove:
            (home / rel if rel.startswith("bin/") else home / "repository" / "conf" / rel).unlink()
        if version:
            carbon = home / "repository" / "conf" / "carbon.xml"
            carbon.write_text(carbon.read_text().replace("<Version>3.6.0</Version>", f"<Version>{version}</Version>"))
    return tmp_path / "c"


def _findings_of(result):
    return sorted((f.rule, f.node, f.loc.path, f.loc.line, f.message) for f in result.findings)


@needs_corpus
def test_bps_home_missing_files_is_overlaid_on_the_product_carbon_xml_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    whole = _findings_of(lint(_stock_pair(tmp_path / "whole")))
    assert not any("product default" in message for *_, message in whole)  # a whole tree is checked as it is
    removed = ("bps.xml", "etc/tasks-config.xml", "bin/wso2server.sh")
    result = lint(_stock_pair(tmp_path / "part", removed))
    assert not [f for f in result.findings if f.rule == "BPS004"]
    assert result.files == 2 * (14 - 3)  # the user's files, not the defaults
    # the same findings as the whole tree, at the same places; those from a default say so and name the file to add
    default = "from the product default of bps-3.6.0; add part/c/{node}/repository/conf/{rel} to change it"
    expected = []
    for rule, node, path, line, message in whole:
        path = path.replace("whole/", "part/", 1)
        rel = path.partition("/repository/conf/")[2]
        if rel in removed:
            message += f" ({default.format(node=node, rel=rel)})"
            if rule in ("BPS401", "BPS403"):  # an absent element: at the commented-out entry in the user's file, at its parent in a default
                assert line in (112, 117)
                line = 19
        expected.append((rule, node, path, line, message))
    assert _findings_of(result) == sorted(expected)
    assert ("BPS401", "n1", "part/c/n1/repository/conf/bps.xml", 19) in {f[:4] for f in expected}  # a default finding is among them


@needs_corpus
@pytest.mark.parametrize("version", ["3.2.0", "${product.version}", None])
def test_unknown_or_absent_version_keeps_the_missing_file_and_the_hint(tmp_path, version):
    removed = ("bps.xml",) if version else ("bps.xml", "carbon.xml")
    result = lint(_stock_pair(tmp_path, removed, version))
    missing = {(f.node, f.message.split(" is missing")[0]) for f in result.findings if f.rule == "BPS004"}
    assert missing == {(n, rel) for n in ("n1", "n2") for rel in removed}
    assert all("name the product in bps-lint.toml" in f.message for f in result.findings if f.rule == "BPS004")
    assert not any("product default" in f.message for f in result.findings)


@needs_corpus
def test_version_names_a_product_with_few_stock_files(tmp_path):
    result = lint(_stock_pair(tmp_path, ("bps.xml", "registry.xml"), "3.5.0"))
    (registry,) = [f.message for f in result.findings if f.rule == "BPS004" and f.node == "n1"]
    assert registry.startswith("registry.xml is missing") and "bps-3.5.0 ships no stock registry.xml in bps-lint; add it" in registry
    assert any("from the product default of bps-3.5.0; add " in f.message and f.loc.path.endswith("n1/repository/conf/bps.xml") for f in result.findings)


@needs_corpus
def test_the_manifest_product_wins_over_carbon_xml(tmp_path):
    cluster = _stock_pair(tmp_path, ("bps.xml",))
    (cluster / "bps-lint.toml").write_text('product = "bps-3.5.1"\n')
    messages = [f.message for f in lint(cluster).findings if "product default" in f.message]
    assert messages and all("product default of bps-3.5.1" in m for m in messages)


@needs_corpus
def test_no_fix_is_offered_in_a_product_default(tmp_path, capsys):
    cluster = _stock_pair(tmp_path, ("bps.xml",))
    lock = [f for f in lint(cluster).findings if f.rule == "BPS401"]
    assert lock and all(f.fix is None or not f.fix.edits for f in lock)
    assert main(["--fix", str(cluster)]) == 1
    assert "not fixed" not in capsys.readouterr().err and not (cluster / "n1" / "repository" / "conf" / "bps.xml").exists()


@needs_corpus
def test_base_folder_stands_in_for_missing_files(tmp_path):
    shutil.copytree(CORPUS / "bps-3.6.0-stock", tmp_path / "pack")
    conf = tmp_path / "c" / "n1" / "repository" / "conf"
    conf.mkdir(parents=True)
    shutil.copy(CORPUS / "bps-3.6.0-stock/repository/conf/bps.xml", conf / "bps.xml")
    (tmp_path / "c" / "bps-lint.toml").write_text('base = "../pack"\n')
    (tmp_path / ".git").mkdir()
    result = lint(tmp_path / "c")
    assert not [f for f in result.findings if f.rule == "BPS004"]
    assert any(os.path.realpath(f.loc.path).startswith(os.path.realpath(tmp_path / "pack")) for f in result.findings)


@needs_corpus
def test_model_marks_each_value_repository_or_default(tmp_path, capsys):
    _overlay(tmp_path, ("ei1",))
    assert main(["model", str(tmp_path)]) == 0
    node = json.loads(capsys.readouterr().out)["clusters"][0]["nodes"][0]
    assert node["product"] == "ei-6.6.0"
    assert node["bps"]["use_distributed_lock"]["origin"] == "default"
    assert node["carbon"]["host_name"]["origin"] == "repository"


def test_stock_files_are_shipped_for_every_product():
    assert defaults.products() == ("bps-3.5.0", "bps-3.5.1", "bps-3.6.0", "ei-6.6.0")
    assert b"<Version>3.5.1</Version>" in defaults.data("bps-3.5.1", "carbon.xml")  # filtered as the build does
    assert b"${product" not in defaults.data("bps-3.5.1", "carbon.xml")
    assert defaults.data("ei-6.6.0", "etc/tasks-config.xml") and defaults.data("bps-3.5.0", "carbon.xml") is None


# --- B. Kubernetes ------------------------------------------------------------------------------------


def test_kubernetes_manifests_become_a_node_of_n_replicas():
    result = lint(KUBE.parent)
    assert (result.nodes, result.clusters, result.files) == (1, 1, 2)
    assert ("BPS401", "bps", "manifests.yaml", 14) in found(result)  # the line inside the block scalar
    # tasks-config.xml comes from the ConfigMap (STANDALONE), so the product default's AUTO/2 is not reported
    assert not [f for f in result.findings if f.rule == "BPS502"]
    # two replicas make a cluster: the default axis2.xml (clustering off) is reported as the default
    (off,) = [f for f in result.findings if f.rule == "BPS301"]
    assert "add axis2/axis2.xml to a ConfigMap mounted under /home/wso2carbon/wso2bps-3.6.0/repository/conf in bps" in off.message


def test_stdin_stream_names_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(KUBE.read_bytes())))
    assert main(["-"]) == 1
    out = capsys.readouterr().out
    assert "<stdin>:14:7: BPS401 error" in out


@pytest.mark.parametrize(
    "command, code, shown",
    [
        (["graph", "-"], 0, b'n1["bps<br/>unknown \xc3\x97' + b"2<br/>\xe2\x9c\x96 BPS107, BPS112, BPS203, BPS301, BPS401"),
        (["graph", "-", "--format", "dot"], 0, b"BPS401"),
        (["drift", "-"], 0, b"cluster namespace wso2: bps (unknown \xc3\x972)"),
        (["model", "-"], 0, b'"name": "namespace wso2"'),
        (["report", "-", "--html", "REPORT"], 1, b"7 errors, 4 warnings, 1 info in 2 files, 1 node, 1 cluster"),
    ],
)
def test_views_read_the_stream_on_stdin_once(tmp_path, command, code, shown):
    """``helm template CHART | bps-lint graph -``: the views walk the sources twice (findings, then models); a pipe is read once."""
    command = [str(tmp_path / "r.html") if a == "REPORT" else a for a in command]
    run = subprocess.run([sys.executable, "-m", "linter", *command], input=KUBE.read_bytes(), capture_output=True, cwd=REPO)
    assert (run.returncode, run.stderr) == (code, b"") and shown in run.stdout
    if "report" in command:
        page = (tmp_path / "r.html").read_text()
        assert '<div class="file">&lt;stdin&gt;</div>' in page and 'data-rule="BPS401"><td>14:' in page


def test_a_view_of_an_empty_stream_says_why(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"kind: Service\n")))
    assert main(["graph", "-"]) == 2
    assert (
        capsys.readouterr().err == "bps-lint: no Kubernetes ConfigMap or workload found on standard input; expected YAML such as 'helm template CHART' prints\n"
    )


@pytest.mark.parametrize(
    "text, rule, line",
    [
        (b"a: [\n", "BPS003", 2),
        (b"kind: ConfigMap\n\x7fELF\x02\x01\x01\x00", "BPS003", 2),  # a binary file piped by mistake
        (KUBE.read_bytes().replace(b"</tns:WSO2BPS>", b"</tns:WSO2>"), "BPS001", 15),
    ],
)
def test_bad_yaml_and_bad_xml_in_a_configmap_are_findings(monkeypatch, capsys, text, rule, line):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert main(["--format", "json", "-"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["rule"] == rule and f["path"] == "<stdin>" and f["line"] == line for f in findings), findings


def test_helm_pipe_through_a_real_process():
    run = subprocess.run([sys.executable, "-m", "linter", "-"], input=KUBE.read_bytes(), capture_output=True, cwd=REPO)
    assert run.returncode == 1 and b"<stdin>:14:7: BPS401" in run.stdout and not run.stderr


@pytest.mark.parametrize(
    "text",
    [
        b"\xef\xbb\xbf" + KUBE.read_bytes(),  # a byte order mark, which the parser does not count in its offsets
        KUBE.read_bytes().replace(b"# A BPS", b"# \xe9 A BPS"),  # not UTF-8 (Latin-1): read with a replacement character
    ],
)
def test_the_lines_and_columns_of_a_configmap_stay_with_a_byte_order_mark_or_text_that_is_not_utf8(monkeypatch, capsys, text):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert main(["-"]) == 1
    assert "<stdin>:14:7: BPS401 error" in capsys.readouterr().out


def test_manifest_binds_a_workload_to_a_conf_folder(tmp_path):
    conf = tmp_path / "confs"
    shutil.copytree(REPO / "examples" / "cluster" / "manager" / "repository" / "conf", conf)
    (tmp_path / "statefulset.yaml").write_text("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: bps}\nspec:\n  replicas: 3\n")
    (tmp_path / "bps-lint.toml").write_text('[workloads]\n"statefulset.yaml" = "confs"\n')
    (tmp_path / ".git").mkdir()
    result = lint(tmp_path)
    assert result.nodes == 1
    from linter.discover.walk import discover

    (cluster,) = discover([str(tmp_path)]).clusters
    assert cluster.nodes[0].settings.replicas == 3


# --- C. Ansible ----------------------------------------------------------------------------------------


@needs_corpus
def test_ansible_ei_is_linted_without_configuration():
    result = lint(ANSIBLE)
    assert (result.nodes, result.clusters, result.cluster_names) == (1, 1, ["bps"])  # site.yml names bps_1, of group [bps]
    assert ("BPS706", "bps_1", "user-mgt.xml.j2", 24) in found(result)  # the admin's; BPS_DS is an H2 file (BPS107's)
    assert not [f for f in result.findings if f.rule in ("BPS003", "BPS004")]


def test_two_hosts_render_per_host_and_name_the_variable():
    result = lint(TWO_HOSTS)
    assert (result.nodes, result.clusters) == (2, 1)
    assert {f.node for f in result.findings if f.rule == "BPS301"} == {"bps_1", "bps_2"}
    (host,) = [f for f in result.findings if f.rule == "BPS708" and "HostName" in f.message]  # bps_2 sets a real host name
    assert {f.node for f in result.findings if f.rule == "BPS708" and "proxyPort" in f.message} == {"bps_1", "bps_2"}  # the role's connectors
    assert (host.node, host.loc.path.endswith("conf/carbon.xml.j2"), host.loc.line) == ("bps_1", True, 47)
    assert "bps_1 takes it from variable 'hostname' set in" in host.message and host.message.endswith("dev/host_vars/bps_1.yml)")
    lock = [f for f in result.findings if f.rule == "BPS401"]
    assert lock and all("add a template" in f.message and "bps.xml.j2 to the role" in f.message for f in lock)


def _copy(tmp_path):
    shutil.copytree(TWO_HOSTS, tmp_path / "repo")
    return tmp_path / "repo"


def test_ansible_only_filter_is_one_finding_and_the_run_goes_on(tmp_path):
    repo = _copy(tmp_path)
    template = repo / TEMPLATES / "registry.xml.j2"
    lines = template.read_text().split("\n")
    lines[20] = "{{ hostname | to_nice_yaml }}"
    template.write_text("\n".join(lines))
    result = lint(repo)
    bad = [f for f in result.findings if "to_nice_yaml" in f.message]
    assert {(f.node, f.loc.line) for f in bad} == {("bps_1", 21), ("bps_2", 21)}
    assert "only Ansible has" in bad[0].message
    assert [f for f in result.findings if f.rule == "BPS301"]  # the other templates are still checked


def test_unknown_inventory_group_is_a_finding(tmp_path):
    repo = _copy(tmp_path)
    (repo / "bps-lint.toml").write_text('[ansible]\ngroup = "nosuch"\n')
    result = lint(repo)
    assert any("has no host or group 'nosuch'" in f.message and f.loc.path.endswith("site.yml") for f in result.findings)


def test_children_groups_resolve(tmp_path):
    repo = _copy(tmp_path)
    (repo / "bps-lint.toml").write_text('[ansible]\ngroup = "ei"\n')
    result = lint(repo)  # group ei: its own host and, through [ei:children], those of analytics-worker, bps, broker, integrator
    assert {f.node for f in result.findings} == {"analytics_dashboard_1", "analytics_worker_1", "bps_1", "bps_2", "broker_1", "integrator_1"}


def test_invalid_vars_file_is_a_finding(tmp_path):
    repo = _copy(tmp_path)
    (repo / "dev" / "host_vars" / "bps_2.yml").write_text("hostname: [\n")
    result = lint(repo)
    assert any(f.loc.path.endswith("bps_2.yml") and "not valid YAML" in f.message for f in result.findings)


AXIS2 = TEMPLATES + "axis2/axis2.xml.j2"


def _split_role(tmp_path):
    """The two-host repository with the bps role split in two, as real playbooks split roles: the clustering
    template moves to a role ``bps_clustering``; the test says how ``bps`` reaches it."""
    repo = _copy(tmp_path)
    moved = repo / AXIS2.replace("roles/bps/", "roles/bps_clustering/")
    moved.parent.mkdir(parents=True)
    (repo / AXIS2).rename(moved)
    return repo


def _where(result, rule):
    return {(f.node, f.loc.path.split("roles/", 1)[-1], f.loc.line) for f in result.findings if f.rule == rule}


def _tasks(repo, text, role="bps"):
    tasks = repo / "roles" / role / "tasks" / "main.yml"
    tasks.parent.mkdir(parents=True, exist_ok=True)
    tasks.write_text(text)
    return tasks


def test_a_role_dependency_renders_into_the_same_node(tmp_path):
    whole = _where(lint(TWO_HOSTS), "BPS301")
    repo = _split_role(tmp_path)
    (repo / "roles" / "bps" / "meta").mkdir()
    (repo / "roles" / "bps" / "meta" / "main.yml").write_text("dependencies:\n  - role: bps_clustering\n")
    result = lint(repo)
    assert (result.nodes, result.clusters) == (2, 1)  # one node per host, not one per role
    assert _where(result, "BPS301") == {(n, p.replace("bps/", "bps_clustering/", 1), line) for n, p, line in whole}
    assert not [f for f in result.findings if f.rule in ("BPS003", "BPS004")]
    # the role runs after its dependency: its own template of the same file is the one the host gets
    shutil.copy(repo / AXIS2.replace("roles/bps/", "roles/bps_clustering/"), repo / AXIS2)
    assert {p for _, p, _ in _where(lint(repo), "BPS301")} == {AXIS2.removeprefix("roles/")}


@pytest.mark.parametrize(
    "where, cfg, name",
    [
        ("shared/roles/bps_clustering", "[defaults]\nroles_path = ./shared/roles:~/.ansible/roles\n", "bps_clustering"),
        ("collections/ansible_collections/acme/wso2/roles/clustering", None, "acme.wso2.clustering"),
        ("vendor/ansible_collections/acme/wso2/roles/clustering", "[defaults]\ncollections_path = vendor\n", "acme.wso2.clustering"),
    ],
)
def test_roles_are_found_where_ansible_looks(tmp_path, where, cfg, name):
    """ansible.cfg's roles_path, and a collection's roles (beside the playbook or in collections_path)."""
    whole = {(n, line) for n, _, line in _where(lint(TWO_HOSTS), "BPS301")}
    repo = _split_role(tmp_path)
    (repo / where).parent.mkdir(parents=True)
    (repo / "roles" / "bps_clustering").rename(repo / where)
    if cfg:
        (repo / "ansible.cfg").write_text(cfg)
    _tasks(repo, f"- include_role:\n    name: {name}\n")
    result = lint(repo)
    assert {(n, line) for n, _, line in _where(result, "BPS301")} == whole
    assert all(f"{where}/templates/" in f.loc.path for f in result.findings if f.rule == "BPS301")


def test_include_role_and_a_play_of_tasks_are_followed(tmp_path):
    repo = _split_role(tmp_path)
    _tasks(repo, "- name: clustering\n  ansible.builtin.include_role:\n    name: bps_clustering\n")
    site = repo / "site.yml"
    site.write_text(site.read_text().replace("  hosts: bps\n  roles:\n    - bps\n", "  hosts: bps\n  tasks:\n    - import_role: name=bps\n"))
    result = lint(repo)
    assert {n for n, p, _ in _where(result, "BPS301") if p.startswith("bps_clustering/")} == {"bps_1", "bps_2"}


def test_set_fact_is_rendered_per_host_and_named_as_the_variable_source(tmp_path):
    repo = _copy(tmp_path)
    (repo / "dev" / "host_vars" / "bps_1.yml").write_text("hostname: bps1.example.com\nports_offset: 2\n")
    _tasks(
        repo,
        "- name: Host name\n  set_fact:\n    hostname: \"{{ inventory_hostname | replace('_', '') }}.internal\"\n"
        "- name: Only on the second host\n  set_fact: hostname=localhost\n  when: inventory_hostname == 'bps_2'\n",
    )
    (host,) = [f for f in lint(repo).findings if f.rule == "BPS708" and "HostName" in f.message]
    assert host.node == "bps_2" and host.loc.line == 47
    assert "bps_2 takes it from variable 'hostname' set in " in host.message and host.message.endswith("roles/bps/tasks/main.yml:4 (set_fact))")
    model = json.loads(subprocess.run([sys.executable, "-m", "linter", "model", str(repo)], capture_output=True, cwd=REPO).stdout)
    names = {n["name"]: n["carbon"]["host_name"]["value"] for c in model["clusters"] for n in c["nodes"]}
    assert names == {"bps_1": "bps1.internal", "bps_2": "localhost"}


@pytest.mark.parametrize(
    "tasks, line, says",
    [
        ("- include_role:\n    name: bps_clustering\n  when: probe.rc == 0\n", 3, "condition 'probe.rc == 0' needs values known only when Ansible runs"),
        ("- include_role:\n    name: '{{ item }}'\n  loop: [bps_clustering]\n", 1, "include_role in a loop ('loop') is not followed"),
        ("- set_fact:\n    db_password: \"{{ lookup('env', 'DB_PASSWORD') }}\"\n", 1, "set_fact 'db_password' cannot be rendered here"),
        ("- include_role:\n    name: bps_nosuch\n", 1, "role 'bps_nosuch' not found beside the playbook (roles/bps_nosuch)"),
    ],
)
def test_what_cannot_be_followed_is_one_finding_at_the_task(tmp_path, tasks, line, says):
    repo = _split_role(tmp_path)
    _tasks(repo, tasks)
    result = lint(repo)
    (problem,) = [f for f in result.findings if f.loc.path.endswith("roles/bps/tasks/main.yml")]
    assert (problem.rule, problem.loc.line) == ("BPS003", line) and says in problem.message, problem.message
    assert [f for f in result.findings if f.rule == "BPS401"]  # the run goes on: the other templates are checked


def test_a_block_only_a_run_decides_is_a_finding_only_when_it_holds_what_bps_lint_follows(tmp_path):
    repo = _copy(tmp_path)
    block = "- block:\n    - package: name=unzip\n{more}  when: ansible_os_family == 'RedHat'\n"
    _tasks(repo, block.format(more=""))
    assert not [f for f in lint(repo).findings if f.loc.path.endswith("tasks/main.yml")]
    _tasks(repo, block.format(more="    - set_fact: hostname=bps.example.com\n"))
    (problem,) = [f for f in lint(repo).findings if f.loc.path.endswith("tasks/main.yml")]
    assert problem.loc.line == 4 and "condition 'ansible_os_family == 'RedHat'' needs values known only when Ansible runs" in problem.message


def test_roles_including_each_other_stop(tmp_path):
    repo = _split_role(tmp_path)
    _tasks(repo, "- include_role:\n    name: bps_clustering\n")
    _tasks(repo, "- include_role:\n    name: bps\n    tasks_from: other\n", role="bps_clustering")
    (repo / "roles" / "bps" / "tasks" / "other.yml").write_text("- import_role:\n    name: bps_clustering\n")
    result = lint(repo)
    assert result.nodes == 2 and {n for n, p, _ in _where(result, "BPS301") if p.startswith("bps_clustering/")} == {"bps_1", "bps_2"}


def test_rendered_lines_map_back_to_template_lines():
    template = "a\n{% if x %}\nb {{ x }}\n{% endif %}\nc\n"
    assert line_map(template, "a\nb 1\nc\n") == (1, 2, 5, 6)


def test_precommit_pattern_covers_the_new_sources():
    import re

    import yaml

    pattern = re.compile(yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]["files"])
    for path in ("k8s/manifests.yaml", "roles/bps/templates/conf/bps.xml.j2", "dev/inventory", "dev/group_vars/bps.yml", "conf/bps.xml"):
        assert pattern.search(path), path


def test_a_changed_template_checks_its_whole_cluster(tmp_path):
    repo = _copy(tmp_path)
    (repo / ".git").mkdir()
    result = lint(repo / TEMPLATES / "carbon.xml.j2")
    assert (result.nodes, result.clusters) == (2, 1)


# --- the site's pages: every finding a worked example shows is one bps-lint reports --------------------

_SHOWN = __import__("re").compile(r"^(\S+?):(\d+)(?::\d+)?: (BPS\d+) ", __import__("re").M)


def _shown(page: str) -> set[tuple[str, int, str]]:
    text = (REPO / "docs" / "sources" / page).read_text()
    return {(path.split("/", 1)[-1] if not path.startswith(("/", "<")) else path, int(line), rule) for path, line, rule in _SHOWN.findall(text)}


def _reported(result) -> set[tuple[str, int, str]]:
    return {(f.loc.path, f.loc.line, f.rule) for f in result.findings}


def _covered(shown, reported) -> list:
    return [s for s in shown if not any(r[1:] == s[1:] and (r[0] == s[0] or r[0].endswith("/" + s[0])) for r in reported)]


def test_kubernetes_page_shows_real_findings(monkeypatch):
    shown = _shown("kubernetes.md")
    assert len(shown) == 3
    result = lint(KUBE.parent)
    reported = _reported(result)
    counts = [sum(f.severity == s for f in result.findings) for s in ("error", "warning", "info")]
    assert f"{counts[0]} errors, {counts[1]} warnings, {counts[2]} info in 2 files" in (REPO / "docs" / "sources" / "kubernetes.md").read_text()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(KUBE.read_bytes())))
    from linter.run import lint_paths
    from tests.helpers import engine

    reported |= _reported(lint_paths(["-"], engine()))
    assert _covered(shown, reported) == []


def test_ansible_page_shows_real_findings(tmp_path, monkeypatch, capsys):
    shown = _shown("ansible.md")
    assert len(shown) == 3 and _covered(shown, _reported(lint(TWO_HOSTS))) == []
    # the worked example's lines are what bps-lint prints, word for word
    import re

    (block,) = re.findall(r"```console\n\$ bps-lint ansible-ei/\n(.*?)```", (REPO / "docs" / "sources" / "ansible.md").read_text(), re.S)
    shutil.copytree(TWO_HOSTS, tmp_path / "ansible-ei")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["ansible-ei/"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in block.splitlines() if line != "..." and line not in printed] == []


@needs_corpus
def test_overlays_page_shows_real_findings(tmp_path, monkeypatch):
    _overlay(tmp_path)
    monkeypatch.chdir(tmp_path)
    shown = {(f"ei1/{p}" if not p.startswith("ei1") else p, line, rule) for p, line, rule in _shown("overlays.md")}
    assert len(shown) == 1 and _covered(shown, _reported(lint("."))) == []


def test_templates_are_sandboxed_and_links_out_are_not_followed(tmp_path):
    repo = _copy(tmp_path)
    conf = repo / TEMPLATES
    with open(conf / "registry.xml.j2", "a") as handle:
        handle.write("{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    (conf / "datasources" / "x-datasources.xml.j2").symlink_to("/etc/passwd")
    listed = repo / "dev" / "group_vars" / "bps.yml"  # the role renders the templates config_files lists
    listed.write_text(
        listed.read_text().replace(
            "config_files:\n", "config_files:\n  - { src: 'carbon-home/wso2/business-process/conf/datasources/x-datasources.xml.j2', dest: '/x' }\n", 1
        )
    )
    result = lint(repo)
    assert any("SecurityError" in f.message and f.loc.path.endswith("registry.xml.j2") for f in result.findings)
    assert any(f.rule == "BPS003" and f.loc.path.endswith("x-datasources.xml.j2") for f in result.findings)
    assert not any("root:" in f.message for f in result.findings)


def test_a_template_the_roles_loop_does_not_list_is_not_rendered(tmp_path):
    """WSO2's role renders the files its config_files list names: a bps.xml.j2 added to templates/ but not to the list
    is not deployed, so the host keeps the pack's bps.xml (was taken as rendered: a false clean)."""
    repo = _copy(tmp_path)
    (repo / TEMPLATES / "bps.xml.j2").write_text((STOCK / "repository/conf/bps.xml").read_text())
    unlisted = {(f.rule, f.node, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in lint(repo).findings if f.rule == "BPS401"}
    assert unlisted == {("BPS401", "bps_1", "main.yml", 57), ("BPS401", "bps_2", "main.yml", 57)}  # at the task that renders the role's files
    (finding,) = [f for f in lint(repo).findings if f.rule == "BPS401" and f.node == "bps_1"]
    assert "bps.xml.j2, but 'config_files', which its template task loops over, does not name it: add an entry for it" in finding.message
    assert "[carbon-home/wso2/business-process/conf/bps.xml:19 in the pack]" in finding.message
    listed = repo / "dev" / "group_vars" / "bps.yml"
    entry = "  - { src: 'carbon-home/wso2/business-process/conf/bps.xml.j2', dest: '{{ carbon_home }}/wso2/business-process/conf/bps.xml' }\n"
    listed.write_text(listed.read_text().replace("config_files:\n", "config_files:\n" + entry, 1))
    rendered = [f for f in lint(repo).findings if f.rule == "BPS401"]
    assert rendered and all(f.loc.path.endswith(TEMPLATES + "bps.xml.j2") for f in rendered)  # now the template's own lines


def test_alias_bomb_in_a_vars_file_is_a_finding(tmp_path):
    repo = _copy(tmp_path)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, n in zip("abcdefgh", "bcdefghi")
    )
    (repo / "dev" / "host_vars" / "bps_2.yml").write_text(bomb + "hostname: *i\n")
    result = lint(repo)
    assert any(f.loc.path.endswith("bps_2.yml") and "aliases of aliases" in f.message for f in result.findings)


def test_workloads_form_clusters_by_namespace_unless_the_manifest_says_otherwise(tmp_path):
    text = KUBE.read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("namespace: wso2", "namespace: wso2-dr"))
    (tmp_path / ".git").mkdir()
    assert lint(tmp_path).clusters == 2
    (tmp_path / "bps-lint.toml").write_text('[kubernetes.clusters]\nprod = ["wso2/bps", "wso2-dr/bps"]\n')
    result = lint(tmp_path)
    assert (result.clusters, result.nodes) == (1, 2)


@pytest.mark.parametrize("page", ["overlays.md", "kubernetes.md", "ansible.md"])
def test_the_pages_manifest_examples_are_valid(page):
    import re
    import tomllib

    import jsonschema

    schema = json.loads((REPO / "schemas" / "manifest.schema.json").read_text())
    text = (REPO / "docs" / "sources" / page).read_text()
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S) + [f"{line.strip().strip('`')}\n" for line in re.findall(r"`((?:product|base) = [^`]+)`", text)]
    assert blocks
    for block in blocks:
        jsonschema.validate(tomllib.loads(block), schema)


def test_ansible_lookup_is_one_finding_at_its_line(tmp_path):
    repo = _copy(tmp_path)
    template = repo / TEMPLATES / "user-mgt.xml.j2"
    lines = template.read_text().split("\n")
    lines[29] = "{{ lookup('env', 'DB_PASSWORD') }}"
    template.write_text("\n".join(lines))
    bad = [f for f in lint(repo).findings if "lookup 'env'" in f.message]
    assert {(f.node, f.loc.path.endswith("user-mgt.xml.j2"), f.loc.line) for f in bad} == {("bps_1", True, 30), ("bps_2", True, 30)}


def test_helm_chart_sources_are_left_to_helm_template(tmp_path):
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: bps\nversion: 0.1.0\n")
    (chart / "templates" / "conf.yaml").write_text(KUBE.read_text().replace("false", "{{ .Values.lock }}").replace("replicas: 2", "replicas: {{ .Values.n }}"))
    (tmp_path / ".git").mkdir()
    result = lint(tmp_path)
    assert (result.nodes, result.findings) == (0, [])


def test_yaml_inventory_and_vars_beside_the_playbook(tmp_path):
    repo = _copy(tmp_path)
    (repo / "dev" / "inventory").unlink()
    (repo / "dev" / "inventory.yml").write_text(
        "all:\n  children:\n    ei:\n      children:\n        bps:\n          hosts:\n"
        "            bps_1: {ansible_host: 10.0.0.11}\n            bps_2: {ansible_host: 10.0.0.12}\n"
    )
    (repo / "host_vars").mkdir()
    (repo / "host_vars" / "bps_2.yml").write_text("hostname: localhost\n")  # beside site.yml: wins over dev/host_vars
    result = lint(repo)
    assert result.nodes == 2
    named = {f.node: f.message for f in result.findings if f.rule == "BPS708" and "HostName" in f.message}
    assert set(named) == {"bps_1", "bps_2"} and named["bps_2"].endswith("host_vars/bps_2.yml)") and "dev/host_vars/bps_2" not in named["bps_2"]


def test_a_placeholder_in_a_configmap_file_carbon_substitutes_asks_for_the_property(tmp_path):
    carbon = '  carbon.xml: |\n    <Server xmlns="http://wso2.org/projects/carbon/carbon.xml"><HostName>${lb.host}</HostName></Server>\n'
    (tmp_path / "k8s").mkdir()
    mount = "            - name: conf\n              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/carbon.xml\n              subPath: carbon.xml\n"
    text = KUBE.read_text().replace("data:\n  bps.xml: |\n", "data:\n" + carbon + "  bps.xml: |\n", 1)
    (tmp_path / "k8s" / "manifests.yaml").write_text(text.replace("          volumeMounts:\n", "          volumeMounts:\n" + mount, 1))
    placeholders = [f for f in lint(tmp_path / "k8s").findings if f.rule == "BPS704"]
    assert placeholders and all("needs the system property lb.host" in f.message for f in placeholders), [f.message for f in placeholders]


def test_findings_in_files_the_image_brings_point_at_the_workload():
    # CI annotations need a file of the repository: the image's axis2.xml is reported at the image: line.
    findings = lint(KUBE.parent).findings
    clustering = next(f for f in findings if f.rule == "BPS301")
    assert clustering.loc.path.endswith("manifests.yaml") and clustering.loc.line == 40
    assert "axis2/axis2.xml:604 in the image" in clustering.message  # the line of its enable attribute
    assert not [f for f in findings if f.loc.path.startswith("/home/")]


_HOME = "/home/wso2carbon/wso2bps-3.6.0"
_BPS_MOUNT = f"              mountPath: {_HOME}/repository/conf/bps.xml\n              subPath: bps.xml\n"
_TASKS_MOUNT = f"              mountPath: {_HOME}/repository/conf/etc/tasks-config.xml\n              subPath: tasks-config.xml\n"


def _mounted(tmp_path, text: str) -> list:
    assert text != KUBE.read_text()
    (tmp_path / "manifests.yaml").write_text(text)
    return lint(tmp_path).findings


def _missing(findings) -> dict[str, tuple[int, str]]:
    """conf-relative name -> (line, message) of each BPS004 finding."""
    return {f.message.split(" is missing")[0]: (f.loc.line, f.message) for f in findings if f.rule == "BPS004"}


def test_a_configmap_mounted_over_the_conf_folder_hides_the_images_files(tmp_path):
    """Without subPath the ConfigMap replaces the folder: carbon.xml, axis2.xml... are not the image's, they are missing,
    each reported at the mount's line; no product default speaks for them."""
    text = KUBE.read_text().replace(_BPS_MOUNT, f"              mountPath: {_HOME}/repository/conf\n")
    findings = _mounted(tmp_path, text)
    missing = _missing(findings)
    mount_line = text.splitlines().index(f"              mountPath: {_HOME}/repository/conf") + 1
    expected = {
        "carbon.xml",
        "axis2/axis2.xml",
        "registry.xml",
        "user-mgt.xml",
        "humantask.xml",
        "datasources/master-datasources.xml",
        "datasources/bps-datasources.xml",
        "tomcat/catalina-server.xml",  # optional, but Carbon's Tomcat does not start without it
        "activiti.xml",  # optional, but the BPMN engine is not built without it
    }
    assert set(missing) == expected  # tasks-config.xml: the etc mount's, and bps.xml: the map's; b4p-coordination-config.xml: harmless
    assert {line for line, _ in missing.values()} == {mount_line}
    assert all(
        f"the ConfigMap bps-conf mounted at {_HOME}/repository/conf in bps replaces that folder, hiding the image's own file; "
        "add it to the ConfigMap, or mount single files with subPath" in message
        for _, message in missing.values()
    )
    assert not [f for f in findings if "product default" in f.message or "in the image]" in f.message]
    assert ("BPS401", 14) in {(f.rule, f.loc.line) for f in findings}  # the map's own bps.xml is still read


def test_a_configmap_mounted_over_conf_etc_without_tasks_config_hides_it(tmp_path):
    text = KUBE.read_text().replace(_TASKS_MOUNT, f"              mountPath: {_HOME}/repository/conf/etc\n").replace("  tasks-config.xml: |", "  jmx.xml: |")
    findings = _mounted(tmp_path, text)
    line = text.splitlines().index(f"              mountPath: {_HOME}/repository/conf/etc") + 1
    assert set(_missing(findings)) == {"etc/tasks-config.xml"} and _missing(findings)["etc/tasks-config.xml"][0] == line
    assert "the ConfigMap bps-tasks mounted at" in _missing(findings)["etc/tasks-config.xml"][1]
    # the other files still come from the image, as the subPath mount of bps.xml leaves the conf folder as it is
    assert any(f.rule == "BPS301" and "from the product default of bps-3.6.0" in f.message for f in findings)


def test_a_configmap_mounted_over_a_folder_a_deeper_one_fills_is_missing_only_what_neither_holds(tmp_path):
    """A map over conf and another over conf/etc holding tasks-config.xml: the etc file is there, carbon.xml is not."""
    text = KUBE.read_text().replace(_BPS_MOUNT, f"              mountPath: {_HOME}/repository/conf\n")
    text = text.replace(_TASKS_MOUNT, f"              mountPath: {_HOME}/repository/conf/etc\n")
    missing = _missing(_mounted(tmp_path, text))
    assert "etc/tasks-config.xml" not in missing and "carbon.xml" in missing


def test_a_secret_mounted_below_a_hidden_folder_fills_it_with_what_is_not_known(tmp_path):
    """A Secret (never read) mounted at a file or a folder below the ConfigMap's: those files are there, not missing."""
    secrets = (
        f"            - name: db\n              mountPath: {_HOME}/repository/conf/datasources/master-datasources.xml\n"
        "              subPath: master-datasources.xml\n"
        f"            - name: db\n              mountPath: {_HOME}/repository/conf/axis2\n"
    )
    text = KUBE.read_text().replace(_BPS_MOUNT, f"              mountPath: {_HOME}/repository/conf\n" + secrets)
    text = text.replace("      volumes:\n", "      volumes:\n        - name: db\n          secret:\n            secretName: bps-db\n")
    missing = _missing(_mounted(tmp_path, text))
    assert "carbon.xml" in missing and not {"axis2/axis2.xml", "datasources/master-datasources.xml"} & set(missing)


def test_a_configmap_mounted_over_bin_hides_the_start_script(tmp_path):
    mount = f"            - name: tasks\n              mountPath: {_HOME}/bin\n"
    text = KUBE.read_text().replace("          volumeMounts:\n", "          volumeMounts:\n" + mount, 1)
    missing = _missing(_mounted(tmp_path, text))
    assert set(missing) == {"bin/wso2server.sh"}
    assert missing["bin/wso2server.sh"][0] == text.splitlines().index(f"              mountPath: {_HOME}/bin") + 1
    assert f"expected it at {_HOME}/bin/wso2server.sh (the ConfigMap bps-tasks mounted at {_HOME}/bin in bps" in missing["bin/wso2server.sh"][1]


def test_subpath_mounts_leave_the_images_files_in_place():
    findings = lint(KUBE.parent).findings
    assert not _missing(findings)
    assert any(f.rule == "BPS301" and "from the product default of bps-3.6.0" in f.message for f in findings)


def test_a_crlf_template_maps_rendered_lines_to_its_own():
    from linter.sources.ansible import line_map

    template = "<a>\n{% if false %}\n  <x/>\n{% endif %}\n  <b/>\n  <c>{{ x }}</c>\n</a>\n"
    rendered = "<a>\n  <b/>\n  <c>1</c>\n</a>\n"  # as Jinja2 renders it: "\n" line endings, whatever the template's
    assert line_map(template.replace("\n", "\r\n"), rendered) == line_map(template, rendered) == (1, 5, 6, 7, 8)


# --- Ansible: magic variables, native values, include_role vars, unknown values ----------------------


def _manager_and_worker(tmp_path):
    """The two-host repository as a manager (bps_1, group bps_manager) and a worker (bps_2, bps_workers): the
    manager's AutoCommit from ``group_names``, the registry's remote instance from ``hostvars``, its readOnly from a
    set_fact that is a boolean, and the role's custom tasks run only for the hosts of group bps."""
    repo = _copy(tmp_path)
    inventory = repo / "dev" / "inventory"
    inventory.write_text(inventory.read_text().replace("[broker]", "[bps_manager]\nbps_1\n\n[bps_workers]\nbps_2\n\n[broker]", 1))
    carbon = repo / TEMPLATES / "carbon.xml.j2"
    carbon.write_text(
        carbon.read_text().replace(
            "<Enabled>false</Enabled>\n        <AutoCommit>false</AutoCommit>",
            '<Enabled>true</Enabled>\n        <AutoCommit>{{ "true" if "bps_manager" in group_names else "false" }}</AutoCommit>',
        )
    )
    registry = repo / TEMPLATES / "registry.xml.j2"
    registry.write_text(
        registry.read_text().replace(
            '    <!--mount path="/_system/config" overwrite="true|false|virtual">',
            '    <dbConfig name="shared">\n        <dataSource>jdbc/WSO2RegistryDB</dataSource>\n    </dbConfig>\n'
            "    <remoteInstance url=\"https://{{ hostvars[groups['bps_manager'][0]]['ansible_host'] }}:9443/registry\">\n"
            "        <id>shared</id>\n        <dbConfig>shared</dbConfig>\n"
            "        <readOnly>{{ 'true' if worker_node else 'false' }}</readOnly>\n"
            "        <enableCache>true</enableCache>\n        <registryRoot>/</registryRoot>\n    </remoteInstance>\n"
            '    <mount path="/_system/config" overwrite="true">\n        <instanceId>shared</instanceId>\n'
            "        <targetPath>/_system/bpsconfig</targetPath>\n    </mount>\n"
            '    <!--mount path="/_system/config" overwrite="true|false|virtual">',
        )
    )
    _tasks(
        repo,
        "- set_fact:\n    worker_node: \"{{ inventory_hostname in groups['bps_workers'] }}\"\n"
        "- include_role:\n    name: bps\n    tasks_from: custom\n  when: \"'bps' in group_names\"\n",
    )
    return repo


def _rendered(repo, rel):
    from linter.discover.walk import discover

    return {n.name: n.files[rel].data.decode() for c in discover([str(repo)]).clusters for n in c.nodes}


def test_magic_variables_and_a_boolean_fact_render_as_ansible_renders_them(tmp_path):
    repo = _manager_and_worker(tmp_path)
    result = lint(repo)
    assert not [f for f in result.findings if f.rule in ("BPS003", "BPS602", "BPS207")], [f.message for f in result.findings if f.rule.startswith("BPS0")]
    registry = _rendered(repo, "registry.xml")
    assert all('<remoteInstance url="https://10.0.0.11:9443/registry">' in text for text in registry.values())
    assert (
        "<readOnly>false</readOnly>\n        <enableCache>" in registry["bps_1"],
        "<readOnly>true</readOnly>\n        <enableCache>" in registry["bps_2"],
    ) == (True, True)
    carbon = _rendered(repo, "carbon.xml")
    assert ("<AutoCommit>true</AutoCommit>" in carbon["bps_1"], "<AutoCommit>false</AutoCommit>" in carbon["bps_2"]) == (True, True)


def test_play_hosts_short_names_and_native_values(tmp_path):
    repo = _copy(tmp_path)
    (repo / "dev" / "group_vars" / "bps.yml").write_text(
        "members: \"{{ ansible_play_hosts | map('extract', hostvars, 'ansible_host') | list }}\"\nshort: '{{ inventory_hostname_short }}'\n"
        "offset: '{{ 1 + 1 }}'\nexponent: '{{ \"1e3\" }}'\n"
    )
    template = repo / TEMPLATES / "registry.xml.j2"
    template.write_text(template.read_text() + "<!-- {{ members | join(',') }} {{ play_hosts | length }} {{ short }} {{ offset + 1 }} {{ exponent }} -->\n")
    rendered = _rendered(repo, "registry.xml")
    assert rendered["bps_1"].endswith("<!-- 10.0.0.11,10.0.0.12 2 bps_1 3 1e3 -->\n")


@pytest.mark.parametrize("through", ["", "bps_net"])
def test_include_role_vars_hold_for_that_roles_templates_only(tmp_path, through):
    """An include_role task's vars: are given to the role it runs and the roles that role depends on, not to the
    host: the included role's axis2.xml.j2 sees them, the including role's carbon.xml.j2 does not."""
    repo = _split_role(tmp_path)
    axis2 = repo / AXIS2.replace("roles/bps/", "roles/bps_clustering/")
    axis2.write_text(axis2.read_text().replace('                enable="false">', '                enable="{{ clustering | default(false) | lower }}">', 1))
    if through:  # the role included depends on the one that renders axis2.xml
        (repo / "roles" / through / "meta").mkdir(parents=True)
        (repo / "roles" / through / "meta" / "main.yml").write_text("dependencies:\n  - bps_clustering\n")
    _tasks(repo, f"- include_role:\n    name: {through or 'bps_clustering'}\n  vars:\n    clustering: true\n    hostname: bps.example.com\n")
    result = lint(repo)
    assert not _where(result, "BPS301")
    assert {(f.node, f.loc.line) for f in result.findings if f.rule == "BPS708" and "HostName" in f.message} == {("bps_1", 47)}


def test_a_roles_entrys_parameters_hold_for_that_role_only(tmp_path):
    """Parameters of a roles: entry (- {role: x, name: value}) are that role's, not the next role's."""
    repo = _split_role(tmp_path)
    axis2 = repo / AXIS2.replace("roles/bps/", "roles/bps_clustering/")
    axis2.write_text(axis2.read_text().replace('                enable="false">', '                enable="{{ clustering | default(false) | lower }}">', 1))
    site = repo / "site.yml"
    entry = "    - role: bps_clustering\n      clustering: true\n      hostname: bps.example.com\n"
    site.write_text(site.read_text().replace("  hosts: bps\n  roles:\n    - bps\n", "  hosts: bps\n  roles:\n" + entry + "    - bps\n"))
    result = lint(repo)
    assert not _where(result, "BPS301")
    assert {(f.node, f.loc.line) for f in result.findings if f.rule == "BPS708" and "HostName" in f.message} == {("bps_1", 47)}


_TEMPLATE_TASK = "- name: Copy configuration templates\n  template:\n    src: '{{ item.src }}'\n    dest: '{{ item.dest }}'\n  loop: '{{ config_files }}'\n"
_CARBON_TASK = "- template:\n    src: carbon-home/wso2/business-process/conf/carbon.xml.j2\n    dest: /opt/carbon.xml\n"
_FACT = "- set_fact:\n    hostname: {}.example.com\n"


@pytest.mark.parametrize("public, seen", [("", False), ("    public: true\n", True)])
def test_an_include_role_keeps_its_roles_vars_unless_public(tmp_path, public, seen):
    """A role run by include_role keeps its vars/main.yml to itself (public: false, the default); public: true
    gives them to the play, as a roles: entry does."""
    repo = _split_role(tmp_path)
    (repo / "roles" / "bps_clustering" / "vars").mkdir()
    (repo / "roles" / "bps_clustering" / "vars" / "main.yml").write_text("hostname: bps.example.com\n")
    _tasks(repo, "- include_role:\n    name: bps_clustering\n" + public)
    shown = {(f.node, f.loc.line) for f in lint(repo).findings if f.rule == "BPS708" and "HostName" in f.message}
    assert shown == (set() if seen else {("bps_1", 47)})


def test_each_include_of_a_role_sees_its_own_vars(tmp_path):
    """Each include_role run of a role (here twice, with other vars:) sees the role's vars/main.yml."""
    repo = _split_role(tmp_path)
    axis2 = repo / AXIS2.replace("roles/bps/", "roles/bps_clustering/")
    axis2.write_text(axis2.read_text().replace('                enable="false">', '                enable="{{ clustering | default(false) | lower }}">', 1))
    (repo / "roles" / "bps_clustering" / "vars").mkdir()
    (repo / "roles" / "bps_clustering" / "vars" / "main.yml").write_text("clustering: true\n")
    _tasks(repo, _TEMPLATE_TASK, role="bps_clustering")
    _tasks(repo, "".join(f"- include_role:\n    name: bps_clustering\n  vars:\n    run: {n}\n" for n in (1, 2)))
    assert not _where(lint(repo), "BPS301")


@pytest.mark.parametrize("order, clustered", [(("false", "true"), True), (("true", "false"), False)])
def test_a_role_included_twice_with_other_vars_renders_as_its_last_run(tmp_path, order, clustered):
    """A role run again with other vars: runs its tasks again; the file its last template task writes is the one the
    host keeps (a fact set after it changes nothing)."""
    repo = _split_role(tmp_path)
    axis2 = repo / AXIS2.replace("roles/bps/", "roles/bps_clustering/")
    axis2.write_text(axis2.read_text().replace('                enable="false">', '                enable="{{ clustering }}">', 1))
    _tasks(repo, _TEMPLATE_TASK, role="bps_clustering")
    runs = "".join(f"- include_role:\n    name: bps_clustering\n  vars:\n    clustering: '{value}'\n" for value in order)
    _tasks(repo, runs + f"- set_fact:\n    clustering: '{order[0]}'\n")
    assert bool(_where(lint(repo), "BPS301")) is not clustered


@pytest.mark.parametrize(
    "tasks, plays, host_name",
    [
        (_TEMPLATE_TASK + _FACT.format("late"), ("", ""), "localhost"),  # set after the template: not seen
        (_FACT.format("early") + _TEMPLATE_TASK, ("", ""), "early.example.com"),
        (_TEMPLATE_TASK + _FACT.format("late") + _CARBON_TASK, ("", ""), "late.example.com"),  # the task naming the file renders it
        (_TEMPLATE_TASK, ("- hosts: bps\n  tasks:\n" + "".join("    " + t + "\n" for t in _FACT.format("early").splitlines()), ""), "early.example.com"),
        (_TEMPLATE_TASK, ("", "- hosts: bps\n  tasks:\n" + "".join("    " + t + "\n" for t in _FACT.format("late").splitlines())), "localhost"),
    ],
)
def test_a_template_task_renders_with_the_facts_set_before_it(tmp_path, tasks, plays, host_name):
    """set_fact values hold from their task on, for the rest of the run (later plays too): a template task renders
    with those set before it, in this play or an earlier one of the playbook."""
    repo = _copy(tmp_path)
    _tasks(repo, tasks)
    site = repo / "site.yml"
    before, after = plays
    site.write_text(site.read_text().replace("\n---\n", "\n---\n" + before, 1) + after)
    assert _rendered(repo, "carbon.xml")["bps_1"].count(f"<HostName>{host_name}</HostName>") == 1
    shown = {(f.node, f.loc.line) for f in lint(repo).findings if f.rule == "BPS708" and "HostName" in f.message}
    assert shown == ({("bps_1", 47)} if host_name == "localhost" else set())


def test_a_broken_vars_file_leaves_its_hosts_values_unknown_and_cross_node_rules_wait(tmp_path):
    repo = _manager_and_worker(tmp_path)
    carbon, registry = repo / TEMPLATES / "carbon.xml.j2", repo / TEMPLATES / "registry.xml.j2"
    carbon.write_text(carbon.read_text().replace('{{ "true" if "bps_manager" in group_names else "false" }}', "{{ auto_commit | default(false) | lower }}"))
    registry.write_text(registry.read_text().replace("{{ 'true' if worker_node else 'false' }}", "{{ registry_read_only | default(true) | lower }}"))
    manager_vars = repo / "dev" / "group_vars" / "bps_manager.yml"
    manager_vars.write_text("registry_read_only: false\nauto_commit: true\n")
    assert not [f for f in lint(repo).findings if f.rule in ("BPS003", "BPS602", "BPS207")]
    manager_vars.write_text("registry_read_only: false\nauto_commit: [true\n")
    result = lint(repo)
    assert {(f.rule, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if f.rule in ("BPS003", "BPS602", "BPS207")} == {
        ("BPS003", "bps_manager.yml", 3)
    }
    assert [f for f in result.findings if f.rule == "BPS301"]  # each node's own rules still run


def test_a_playbook_that_is_not_yaml_is_a_finding_at_its_line(tmp_path, capsys):
    repo = _copy(tmp_path)
    (repo / "site.yml").write_text("- hosts: bps\n  roles:\n    - bps\n  tasks: [\n")
    assert main([str(repo)]) == 1
    assert {(f.rule, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in lint(repo).findings} == {("BPS003", "site.yml", 5)}


def test_a_roles_path_with_dot_is_shown_plainly_and_a_file_missing_from_the_role_is_one_finding(tmp_path):
    repo = _copy(tmp_path)
    (repo / "myroles").mkdir()
    (repo / "roles" / "bps").rename(repo / "myroles" / "bps")
    (repo / "ansible.cfg").write_text("[defaults]\nroles_path = ./myroles\n")
    templates = repo / "myroles" / "bps" / "templates"
    (templates / "carbon-home" / "wso2" / "business-process" / "conf").rename(templates / "conf")
    (templates / "conf" / "carbon.xml.j2").unlink()  # with an unknown product_version: no product's files stand in for the rest
    with open(repo / "dev" / "group_vars" / "bps.yml", "a") as handle:
        handle.write("\nproduct_version: 9.9.9\n")
    result = lint(repo)
    shown = [f.loc.path for f in result.findings]  # relative to the current folder or absolute, as it is displayed
    assert result.nodes == 2 and all("/./" not in p and os.path.abspath(p).startswith(str(repo / "myroles" / "bps")) for p in shown)
    missing = [(f.rule, f.node, f.loc.path.rsplit("/", 1)[-1]) for f in result.findings if "humantask.xml is missing" in f.message]
    assert missing == [("BPS004", "bps_1", "templates")]


def test_a_template_named_alone_is_checked_through_ansible_cfg_or_said_to_be_unchecked(tmp_path, capsys):
    repo = _copy(tmp_path)  # no .git, no bps-lint.toml above: ansible.cfg marks the repository's top
    (repo / "roles").rename(repo / "myroles")
    (repo / "ansible.cfg").write_text("[defaults]\nroles_path = ./myroles\n")
    template = repo / "myroles" / TEMPLATES.removeprefix("roles/") / "registry.xml.j2"
    result = lint(template)
    assert (result.nodes, result.clusters) == (2, 1) and ("BPS203", "bps_1", "registry.xml.j2", 20) in found(result)
    capsys.readouterr()
    assert main([str(repo / "myroles" / "bps" / "templates" / "wso2ei-bps.service.j2")]) == 1  # the cluster around it is checked
    assert "wso2ei-bps.service.j2 is not a template of a BPS conf file that a play found renders for a node; not checked" in capsys.readouterr().err


def test_a_suggested_change_to_the_stream_on_stdin_says_it_came_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(KUBE.read_bytes())))
    main(["-", "--diff"])
    err = capsys.readouterr().err
    assert "bps-lint: <stdin> (rendered): conf text read from standard input is not written by --fix;" in err
    assert "byte for byte" not in err


def test_a_fact_only_ansible_can_render_holds_back_the_cross_node_rules_only_when_a_template_uses_it(tmp_path):
    repo = _copy(tmp_path)
    assert [f for f in lint(repo).findings if f.rule == "BPS605"]  # cluster-scope: no node enables the synchronizer
    _tasks(repo, "- set_fact:\n    vault_token: \"{{ lookup('env', 'VAULT_TOKEN') }}\"\n")
    assert [f for f in lint(repo).findings if f.rule == "BPS605"]  # no template uses it
    carbon = repo / TEMPLATES / "carbon.xml.j2"
    carbon.write_text(
        carbon.read_text().replace("<Enabled>false</Enabled>\n        <AutoCommit>", "<Enabled>{{ vault_token | length > 0 }}</Enabled>\n        <AutoCommit>")
    )
    result = lint(repo)
    assert not [f for f in result.findings if f.rule == "BPS605"] and [f for f in result.findings if f.rule == "BPS301"]


def test_an_optional_file_a_whole_folder_leaves_out_is_the_packs(tmp_path):
    """A folder with every required file but no catalina-server.xml runs the pack's (carbon.xml <Version> 3.6.0
    names it): its connectors have no proxyPort, which BPS708 judges, at the path to add."""
    shutil.copytree(REPO / "docs" / "runbook" / "files", tmp_path / "c")
    (tmp_path / "c" / "worker2" / "repository" / "conf" / "tomcat" / "catalina-server.xml").unlink()
    (finding,) = [f for f in lint(tmp_path / "c").findings]
    assert (finding.rule, finding.node) == ("BPS708", "worker2") and finding.loc.path.endswith("worker2/repository/conf/tomcat/catalina-server.xml")
    assert "from the product default of bps-3.6.0" in finding.message


def test_a_containers_java_opts_are_the_jvms_flags(tmp_path, monkeypatch, capsys):
    """The image's wso2server.sh passes $JAVA_OPTS to the JVM: a -Dsetup there is BPS702's, at the env line."""
    text = KUBE.read_text().replace(
        "          image: wso2/wso2bps:3.6.0\n",
        '          image: wso2/wso2bps:3.6.0\n          env:\n            - name: JAVA_OPTS\n              value: "-Xmx2g -Dsetup"\n',
    )
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    env_line = text.splitlines().index('              value: "-Xmx2g -Dsetup"') + 1
    assert ("BPS702", env_line) in {(f.rule, f.loc.line) for f in lint(tmp_path).findings if f.loc.path.endswith("manifests.yaml")}
    before = (tmp_path / "manifests.yaml").read_bytes()
    main(["--fix", "--unsafe-fixes", "manifests.yaml"])
    assert (tmp_path / "manifests.yaml").read_bytes() == before and "Traceback" not in capsys.readouterr().err


_JVM_MAP = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bps-jvm\n  namespace: wso2\ndata:\n  JAVA_OPTS: -Xmx2g -Dsetup\n"


@pytest.mark.parametrize(
    "env, expected",
    [
        ("env:\n  - name: JAVA_OPTS\n    valueFrom:\n      configMapKeyRef: {name: bps-jvm, key: JAVA_OPTS}\n", "map"),
        ("envFrom:\n  - configMapRef:\n      name: bps-jvm\n", "map"),
        ("envFrom:\n  - prefix: JAVA_\n    configMapRef: {name: bps-jvm}\n", None),  # the map's key becomes JAVA_JAVA_OPTS
        # env wins over envFrom: the literal value has no -Dsetup
        ("envFrom:\n  - configMapRef: {name: bps-jvm}\nenv:\n  - name: JAVA_OPTS\n    value: -Xmx1g\n", None),
        ("env:\n  - name: JAVA_OPTS\n    valueFrom:\n      configMapKeyRef: {name: bps-jvm, key: NO_SUCH, optional: true}\n", None),
        ("env:\n  - name: JAVA_OPTS\n    valueFrom:\n      configMapKeyRef: {name: no-such-map, key: JAVA_OPTS}\n", None),  # not known
        ("env:\n  - name: JAVA_OPTS\n    valueFrom:\n      secretKeyRef: {name: bps-jvm, key: JAVA_OPTS}\n", None),  # never read
    ],
)
def test_java_opts_from_a_configmap_are_the_jvms_flags_at_the_maps_line(tmp_path, monkeypatch, env, expected):
    """A container's JAVA_OPTS taken from a ConfigMap of the same namespace (configMapKeyRef, envFrom) is read
    there: a -Dsetup in it is BPS702's, at the map's data line; a Secret is never read."""
    indented = "".join("          " + line + "\n" for line in env.splitlines())
    text = KUBE.read_text().replace("          image: wso2/wso2bps:3.6.0\n", "          image: wso2/wso2bps:3.6.0\n" + indented)
    (tmp_path / "manifests.yaml").write_text(text)
    (tmp_path / "jvm.yaml").write_text(_JVM_MAP)  # another file of the folder
    monkeypatch.chdir(tmp_path)
    setup = {(f.rule, f.loc.path, f.loc.line) for f in lint(tmp_path).findings if f.rule == "BPS702"}
    assert setup == ({("BPS702", "jvm.yaml", 8)} if expected else set())


def _kustomize_base(folder):
    """The example's documents as a kustomize base keeps them: each ConfigMap and the workload in files of their own."""
    docs = KUBE.read_text().split("---\n")
    folder.mkdir(parents=True)
    (folder / "configmap.yaml").write_text(docs[0])
    (folder / "tasks-configmap.yaml").write_text(docs[1])
    (folder / "statefulset.yaml").write_text(docs[2])  # no ConfigMap kind in it: only configMap: volumes
    return folder


@pytest.mark.parametrize("named", [[""], ["statefulset.yaml", "configmap.yaml", "tasks-configmap.yaml"], ["statefulset.yaml"], ["configmap.yaml"]])
def test_a_workload_and_its_configmaps_in_files_of_their_own_are_read_together(tmp_path, monkeypatch, named):
    """A folder, its files named, or one changed file as pre-commit passes it: the workload is linked to the
    ConfigMaps of the other files by namespace and name, as when the documents are joined in one file."""
    base = _kustomize_base(tmp_path / "k8s" / "base")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(base)
    result = lint(*[name or "." for name in named])
    joined = lint(KUBE.parent)
    assert (result.nodes, result.clusters, result.files) == (1, 1, 2)
    assert sorted(f.rule for f in result.findings) == sorted(f.rule for f in joined.findings)
    assert ("BPS401", "configmap.yaml", 14) in {(f.rule, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings}


def _environment(folder, lock="false"):
    """The example's documents in a folder of one environment: ConfigMaps in one file, the StatefulSet in another."""
    docs = KUBE.read_text().split("---\n")
    folder.mkdir(parents=True)
    (folder / "configmap.yaml").write_text(docs[0].replace("<tns:UseDistributedLock>false", f"<tns:UseDistributedLock>{lock}") + "---\n" + docs[1])
    (folder / "statefulset.yaml").write_text(docs[2])
    return folder


def test_environments_holding_the_same_objects_are_read_apart(tmp_path, monkeypatch):
    """k8s/prod and k8s/staging each hold ConfigMap wso2/bps-conf and StatefulSet wso2/bps: one cluster cannot
    hold both, so each folder is an environment of its own and prod's ConfigMap is not hidden by staging's."""
    _environment(tmp_path / "k8s" / "prod")
    _environment(tmp_path / "k8s" / "staging", lock="true")
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert (result.nodes, result.clusters) == (2, 2)
    assert {(f.rule, f.loc.path, f.loc.line) for f in result.findings if f.rule == "BPS401"} == {("BPS401", "k8s/prod/configmap.yaml", 14)}
    assert sorted(result.cluster_names) == ["namespace wso2 (k8s/prod)", "namespace wso2 (k8s/staging)"]


def test_one_environment_split_in_subfolders_is_linked(tmp_path, monkeypatch):
    """A base keeping its ConfigMaps and workloads in sibling subfolders is one environment: the workload finds them."""
    docs = KUBE.read_text().split("---\n")
    (tmp_path / "base" / "configmaps").mkdir(parents=True)
    (tmp_path / "base" / "workloads").mkdir()
    (tmp_path / "base" / "configmaps" / "configmap.yaml").write_text(docs[0] + "---\n" + docs[1])
    (tmp_path / "base" / "workloads" / "statefulset.yaml").write_text(docs[2])
    monkeypatch.chdir(tmp_path)
    result = lint("base")
    assert (result.nodes, result.clusters, result.files) == (1, 1, 2)
    assert ("BPS401", "base/configmaps/configmap.yaml", 14) in {(f.rule, f.loc.path, f.loc.line) for f in result.findings}
    assert result.cluster_names == ["namespace wso2"]  # one environment: the name as ever


@pytest.mark.parametrize("stdin", [False, True])
def test_the_same_configmap_twice_in_one_folder_is_reported_at_the_second(tmp_path, monkeypatch, stdin):
    """Two ConfigMaps of one namespace and name in one folder (or stream) cannot be split into environments:
    BPS003 at the second, which is the one read, as kubectl apply keeps it."""
    folder = _environment(tmp_path / "k8s")
    (folder / "more.yaml").write_text("# another\n" + (folder / "configmap.yaml").read_text().split("---\n")[0].replace(">false<", ">true<"))
    monkeypatch.chdir(tmp_path)
    if stdin:
        joined = "---\n".join((folder / name).read_text() for name in ("configmap.yaml", "statefulset.yaml", "more.yaml"))
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(joined.encode())))
        result, where = lint("-"), ("<stdin>", joined[: joined.index("# another")].count("\n") + 6)
    else:
        result, where = lint("k8s"), ("k8s/more.yaml", 6)
    (clash,) = [f for f in result.findings if f.rule == "BPS003"]
    assert (clash.loc.path, clash.loc.line) == where
    assert "a second ConfigMap wso2/bps-conf" in clash.message
    assert not [f for f in result.findings if f.rule == "BPS401"]  # the second map (true) is the one read
    assert (result.nodes, result.clusters) == (1, 1)


def _with_env(env: str, tasks: str = "<taskServerMode>STANDALONE</taskServerMode>\n      <taskServerCount>1</taskServerCount>") -> str:
    """The example's manifests with ``env`` (YAML at the container's indentation) and the tasks ConfigMap's settings."""
    indented = "".join("          " + line + "\n" for line in env.splitlines())
    text = KUBE.read_text().replace("          image: wso2/wso2bps:3.6.0\n", "          image: wso2/wso2bps:3.6.0\n" + indented)
    return text.replace("<taskServerMode>STANDALONE</taskServerMode>\n      <taskServerCount>1</taskServerCount>", tasks)


def test_a_task_server_count_from_java_opts_is_named_as_the_jvm_flag(tmp_path, monkeypatch):
    """ntask reads -Dtask.server.count for an empty count: from a ConfigMap's JAVA_OPTS, BPS504 says the JVM flag, not the start script."""
    text = _with_env("envFrom:\n  - configMapRef: {name: bps-jvm}\n", "<taskServerMode>CLUSTERED</taskServerMode>\n      <taskServerCount>-1</taskServerCount>")
    (tmp_path / "manifests.yaml").write_text(text)
    (tmp_path / "jvm.yaml").write_text(_JVM_MAP.replace("-Dsetup", "-Dtask.server.count=3"))
    monkeypatch.chdir(tmp_path)
    (finding,) = [f for f in lint(tmp_path).findings if f.rule == "BPS504"]
    assert (finding.loc.path, finding.loc.line) == ("jvm.yaml", 8)
    assert "leaves the count to the JVM flag -Dtask.server.count=3" in finding.message, finding.message


_EXTRA = "  - name: EXTRA\n    valueFrom:\n      configMapKeyRef: {name: bps-jvm, key: JAVA_OPTS}\n"


@pytest.mark.parametrize(
    "env, expected",
    [
        # Kubernetes takes the last envFrom source holding a name: a Secret or a map not in the files may hold JAVA_OPTS
        ("envFrom:\n  - configMapRef: {name: bps-jvm}\n  - secretRef: {name: bps-secret}\n", None),
        ("envFrom:\n  - configMapRef: {name: bps-jvm}\n  - configMapRef: {name: made-by-a-script}\n", None),
        ("envFrom:\n  - configMapRef: {name: bps-jvm}\n  - secretRef: {name: bps-db}\n    prefix: DB_\n", "map"),  # only DB_ names
        ("envFrom:\n  - secretRef: {name: bps-secret}\n  - configMapRef: {name: bps-jvm}\n", "map"),  # the map is the last
        ("envFrom:\n  - configMapRef: {name: bps-jvm}\n  - secretRef: {name: bps-secret}\nenv:\n  - name: JAVA_OPTS\n    value: -Dsetup #here\n", "#here"),
        # an optional key not found leaves the variable as envFrom set it
        (
            "envFrom:\n  - configMapRef: {name: bps-jvm}\nenv:\n  - name: JAVA_OPTS\n    valueFrom:\n      configMapKeyRef: {name: bps-jvm, key: NO, optional: true}\n",
            "map",
        ),
        # $(NAME) is a variable set before, in env or by envFrom; $$ escapes it; one set later or not at all stays as written
        ("env:\n" + _EXTRA + '  - name: JAVA_OPTS\n    value: "-Xmx1g $(EXTRA)"\n', "map"),
        ("env:\n" + _EXTRA + '  - name: JAVA_OPTS\n    value: "-Xmx1g $$(EXTRA)"\n', None),
        ('env:\n  - name: JAVA_OPTS\n    value: "-Xmx1g $(EXTRA)"\n' + _EXTRA, None),
        ('envFrom:\n  - {prefix: X_, configMapRef: {name: bps-jvm}}\nenv:\n  - name: JAVA_OPTS\n    value: "$(X_JAVA_OPTS) -Xmx1g"\n', "map"),
        ('env:\n  - {name: A, value: -Dsetup} #here\n  - {name: B, value: "-Xms1g $(A)"}\n  - {name: JAVA_OPTS, value: "-Xmx1g $(B)"}\n', "#here"),
        ('env:\n  - name: S\n    valueFrom:\n      secretKeyRef: {name: s, key: k}\n  - name: JAVA_OPTS\n    value: "$(S) -Dsetup" #here\n', "#here"),
    ],
)
def test_java_opts_is_the_value_the_kubelet_sets(tmp_path, monkeypatch, env, expected):
    """envFrom sources in order, then env in order expanding $(NAME) as the kubelet does: a -Dsetup that lands in
    JAVA_OPTS is BPS702's, at the line of the value that holds it; none when a source not read may set JAVA_OPTS."""
    text = _with_env(env)
    (tmp_path / "manifests.yaml").write_text(text)
    (tmp_path / "jvm.yaml").write_text(_JVM_MAP)
    monkeypatch.chdir(tmp_path)
    setup = {(f.loc.path, f.loc.line) for f in lint(tmp_path).findings if f.rule == "BPS702"}
    if expected == "map":
        assert setup == {("jvm.yaml", 8)}
    elif expected:
        assert setup == {("manifests.yaml", next(n for n, line in enumerate(text.splitlines(), 1) if expected in line))}
    else:
        assert setup == set()


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("{name: bps-jvm, key: NO_SUCH}", {("manifests.yaml", 44)}),
        ("{name: bps-jvm, key: NO_SUCH, optional: true}", set()),
        ("{name: bps-jvm, key: [NO_SUCH]}", set()),  # not a key name: the API server refuses the manifest
    ],
)
def test_a_key_a_configmap_lacks_stops_the_pod_unless_optional(tmp_path, monkeypatch, ref, expected):
    """The kubelet does not start a container whose configMapKeyRef names a key the map lacks: BPS003 at the key."""
    text = _with_env(f"env:\n  - name: JAVA_OPTS\n    valueFrom:\n      configMapKeyRef: {ref}\n")
    assert "NO_SUCH" in text.splitlines()[43]
    (tmp_path / "manifests.yaml").write_text(text)
    (tmp_path / "jvm.yaml").write_text(_JVM_MAP)
    monkeypatch.chdir(tmp_path)
    broken = [f for f in lint(tmp_path).findings if f.rule == "BPS003"]
    assert {(f.loc.path, f.loc.line) for f in broken} == expected
    assert all("ConfigMap bps-jvm has no key 'NO_SUCH', which variable JAVA_OPTS of container bps takes" in f.message for f in broken)


def test_the_summary_counts_the_conf_files_the_configmaps_give_the_nodes_from_stdin_or_a_folder(tmp_path, monkeypatch, capsys):
    """One stream of two namespaces' manifests: 4 files (bps.xml and tasks-config.xml for each node), as the same
    manifests in a folder, and as two plain node folders holding those two files each would count them."""
    stream = KUBE.read_text() + "---\n" + KUBE.read_text().replace("namespace: wso2", "namespace: wso2-dr")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "manifests.yaml").write_text(stream)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stream.encode())))
    main(["-"])
    from_stdin = capsys.readouterr().out.splitlines()[-1]
    main(["k8s"])
    assert from_stdin.endswith("in 4 files, 2 nodes, 2 clusters") and capsys.readouterr().out.splitlines()[-1] == from_stdin


def test_the_pages_java_opts_example_reports_what_it_says(tmp_path, monkeypatch):
    import re

    page = (REPO / "docs" / "sources" / "kubernetes.md").read_text()
    (snippet,) = re.findall(r"## JAVA_OPTS\n.*?```yaml\n(.*?)```", page, re.S)
    (tmp_path / "manifests.yaml").write_text(_with_env(snippet))
    (tmp_path / "env.yaml").write_text(_JVM_MAP.replace("bps-jvm", "bps-env").replace("JAVA_OPTS: -Xmx2g -Dsetup", 'EXTRA_OPTS: "-Dsetup"'))
    monkeypatch.chdir(tmp_path)
    assert {(f.rule, f.loc.path, f.loc.line) for f in lint(tmp_path).findings if f.rule == "BPS702"} == {("BPS702", "env.yaml", 8)}


@pytest.mark.parametrize("listed", ["patches:\n  - path: mounts.yaml\n", "patchesStrategicMerge:\n  - mounts.yaml\n"])
def test_a_kustomize_overlays_patch_is_not_a_workload_of_its_own(tmp_path, listed):
    """An overlay's patch of the StatefulSet is merged by kustomize build into the base's: read alone it would be a
    second node beside it (the namespace is the kustomization's, so no file names one)."""
    base = _kustomize_base(tmp_path / "k8s" / "base")
    for manifest in base.iterdir():
        manifest.write_text(manifest.read_text().replace("  namespace: wso2\n", ""))
    prod = tmp_path / "k8s" / "overlays" / "prod"
    prod.mkdir(parents=True)
    (prod / "kustomization.yaml").write_text("resources:\n  - ../../base\n" + listed)
    workload = KUBE.read_text().split("---\n")[2]
    (prod / "mounts.yaml").write_text(workload.replace("  namespace: wso2\n", "").replace("image: wso2/wso2bps:3.6.0", "image: wso2/wso2bps:3.6.0-prod"))
    result = lint(tmp_path / "k8s")
    assert (result.nodes, result.clusters, result.files) == (1, 1, 2)


_GENERATED_STS = KUBE.read_text().split("---\n")[2].replace("  namespace: wso2\n", "")  # the kustomization sets it


def _generated_base(folder, generator: str):
    """A kustomize base: the StatefulSet (bps.xml mounted from ConfigMap bps-conf) and its configMapGenerator."""
    folder.mkdir(parents=True)
    (folder / "sts.yaml").write_text(_GENERATED_STS.replace("        - name: tasks\n          configMap:\n            name: bps-tasks\n", ""))
    (folder / "bps.xml").write_text(KUBE.read_text().split("bps.xml: |\n")[1].split("---")[0].replace("\n    ", "\n").strip() + "\n")
    (folder / "kustomization.yaml").write_text("namespace: wso2\nresources: [sts.yaml]\nconfigMapGenerator:\n" + generator)
    return folder


@pytest.mark.parametrize("files", ["[bps.xml]", "[bps.xml=conf/bps.xml]"])
def test_a_configmap_generators_files_are_the_workloads_conf_files(tmp_path, monkeypatch, files):
    """kustomize makes ConfigMap bps-conf of bps.xml (its file name the key, or key=path): the StatefulSet mounting
    it is the node, its findings point into the file, and the folder holding bps.xml is no bare conf folder."""
    base = _generated_base(tmp_path / "base", f"  - name: bps-conf\n    files: {files}\n")
    if "conf/" in files:
        (base / "conf").mkdir()
        (base / "bps.xml").rename(base / "conf" / "bps.xml")
    monkeypatch.chdir(tmp_path)
    result = lint(".")
    shown = "base/conf/bps.xml" if "conf/" in files else "base/bps.xml"
    lock = next(n for n, line in enumerate((tmp_path / shown).read_text().splitlines(), 1) if "UseDistributedLock" in line)
    assert (result.nodes, result.clusters, result.cluster_names) == (1, 1, ["namespace wso2"])
    assert ("BPS401", shown, lock) in {(f.rule, f.loc.path, f.loc.line) for f in result.findings}
    assert not [f for f in result.findings if f.rule == "BPS004"]


def test_a_generated_literal_java_opts_is_reported_at_its_line(tmp_path, monkeypatch):
    env = "env:\n  - name: JAVA_OPTS\n    valueFrom:\n      configMapKeyRef: {name: bps-jvm, key: JAVA_OPTS}\n"
    generator = "  - name: bps-conf\n    files: [bps.xml]\n  - name: bps-jvm\n    literals:\n      - JAVA_OPTS=-Xmx2g -Dsetup\n"
    base = _generated_base(tmp_path / "base", generator)
    indented = "".join("          " + line + "\n" for line in env.splitlines())
    sts = (base / "sts.yaml").read_text()
    (base / "sts.yaml").write_text(sts.replace("          image: wso2/wso2bps:3.6.0\n", "          image: wso2/wso2bps:3.6.0\n" + indented))
    monkeypatch.chdir(tmp_path)
    findings = lint(".").findings
    assert {(f.rule, f.loc.path, f.loc.line, f.loc.column) for f in findings if f.rule == "BPS702"} == {
        ("BPS702", "base/kustomization.yaml", 8, 19)
    }  # the value after JAVA_OPTS=
    assert not [f for f in findings if f.rule == "BPS003"]


def test_a_generators_missing_file_is_reported_at_its_line(tmp_path, monkeypatch):
    _generated_base(
        tmp_path / "base", "  - name: bps-conf\n    files: [bps.xml]\n  - name: bps-more\n    files:\n      - nosuch.xml\n      - ../../../etc/passwd\n"
    )
    monkeypatch.chdir(tmp_path)
    result = lint(".")
    broken = {(f.rule, f.loc.path, f.loc.line) for f in result.findings if f.rule == "BPS003"}
    assert broken == {("BPS003", "base/kustomization.yaml", 8), ("BPS003", "base/kustomization.yaml", 9)}
    assert result.nodes == 1


def test_the_pages_configmap_generator_example_reports_what_it_says(tmp_path, monkeypatch):
    import re

    page = (REPO / "docs" / "sources" / "kubernetes.md").read_text()
    (snippet,) = re.findall(r"## kustomize configMapGenerator\n.*?```yaml\n(.*?)```", page, re.S)
    generator = snippet.split("configMapGenerator:\n")[1]
    base = _generated_base(tmp_path / "base", generator)
    env = "          envFrom:\n            - configMapRef: {name: bps-jvm}\n"
    sts = (base / "sts.yaml").read_text()
    (base / "sts.yaml").write_text(sts.replace("          image: wso2/wso2bps:3.6.0\n", "          image: wso2/wso2bps:3.6.0\n" + env))
    assert (base / "kustomization.yaml").read_text() == snippet.split("\n", 1)[1]  # the page's file, as it is
    monkeypatch.chdir(tmp_path)
    found = {(f.rule, f.loc.path, f.loc.line) for f in lint(".").findings if f.rule in ("BPS401", "BPS702", "BPS003", "BPS004")}
    setup = 1 + snippet.split("\n", 1)[1].splitlines().index(
        "      - JAVA_OPTS=-Xmx2g -Dsetup      # BPS702 at this line for a container taking JAVA_OPTS from bps-jvm"
    )
    lock = next(n for n, line in enumerate((base / "bps.xml").read_text().splitlines(), 1) if "UseDistributedLock" in line)
    assert found == {("BPS401", "base/bps.xml", lock), ("BPS702", "base/kustomization.yaml", setup)}
    assert f"base/bps.xml:{lock}:3: BPS401" in page


# --- Ansible: playbooks importing playbooks, play-level task files, vars files, re-runs, one node per host ----


def _hostname_finding(result):
    """The hosts whose carbon.xml HostName BPS708 reports as 'localhost' (bps_1's host_vars set it)."""
    return {f.node for f in result.findings if f.rule == "BPS708" and "HostName" in f.message}


def test_a_playbook_importing_playbooks_runs_them_in_place_and_their_facts_carry(tmp_path):
    repo = _copy(tmp_path)
    (repo / "facts.yml").write_text("- hosts: bps\n  tasks:\n    - set_fact:\n        hostname: bps.example.com\n")
    (repo / "bps.yml").write_text("- hosts: bps\n  roles:\n    - bps\n")
    (repo / "site.yml").write_text(
        "- import_playbook: facts.yml\n- name: common\n  hosts: all\n  roles: [common]\n"
        "- import_playbook: bps.yml\n- import_playbook: missing.yml\n- import_playbook: '{{ env }}.yml'\n- import_playbook: ../outside.yml\n"
    )
    (tmp_path / "outside.yml").write_text("- hosts: bps\n  roles: [bps]\n")  # out of the folder checked: not read
    result = lint(repo)
    assert (result.nodes, result.clusters) == (2, 1)  # bps.yml's play once, as site.yml runs it
    assert {f.node for f in result.findings if f.rule == "BPS301"} == {"bps_1", "bps_2"}
    assert _hostname_finding(result) == set()  # facts.yml's set_fact holds in the later play of the run
    imports = {(f.loc.path.rsplit("/", 1)[-1], f.loc.line, f.message.split("'")[1]) for f in result.findings if "import_playbook" in f.message}
    assert imports == {("site.yml", 6, "missing.yml"), ("site.yml", 7, "{{ env }}.yml"), ("site.yml", 8, "../outside.yml")}
    (repo / "site.yml").write_text("- import_playbook: bps.yml\n")  # without facts.yml, bps_1 keeps its host_vars' localhost
    assert _hostname_finding(lint(repo)) == {"bps_1"}


def test_a_plays_own_task_files_are_followed_to_the_roles_and_templates_they_run(tmp_path):
    repo = _copy(tmp_path)
    (repo / "tasks").mkdir()
    (repo / "tasks" / "bps.yml").write_text("- include_role:\n    name: bps\n")
    (repo / "site.yml").write_text("- hosts: bps\n  tasks:\n    - include_tasks: tasks/bps.yml\n    - import_tasks: tasks/none.yml\n")
    result = lint(repo)
    assert (result.nodes, result.clusters) == (2, 1) and ("BPS708", "bps_1", "carbon.xml.j2", 47) in found(result)
    assert ("site.yml", 4) in {(f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if "tasks/none.yml" in f.message}
    # a template task outside any role: its src in templates/ beside the playbook
    (repo / "roles" / "bps" / "templates").rename(repo / "templates")
    (repo / "tasks" / "bps.yml").write_text("- template:\n    src: carbon-home/wso2/business-process/conf/carbon.xml.j2\n    dest: /opt/bps/conf/carbon.xml\n")
    result = lint(repo)
    assert result.nodes == 2 and ("BPS708", "bps_1", "carbon.xml.j2", 47) in found(result)
    templates = os.path.join(os.path.realpath(repo / "templates"), "")  # paths print relative when they share a folder with cwd
    task = os.path.realpath(repo / "tasks" / "bps.yml")  # where a product default's finding goes: the template task
    assert all(os.path.realpath(f.loc.path).startswith(templates) or os.path.realpath(f.loc.path) == task for f in result.findings if f.rule == "BPS708")


def test_vars_files_rank_above_host_vars_and_play_vars(tmp_path):
    repo = _copy(tmp_path)
    (repo / "vars").mkdir()
    (repo / "vars" / "dev.yml").write_text("hostname: localhost\n")
    (repo / "dev" / "group_vars" / "bps.yml").write_text("env: dev\n")
    (repo / "site.yml").write_text(
        "- hosts: bps\n  vars:\n    hostname: play.example.com\n  vars_files:\n    - 'vars/{{ env }}.yml'\n    - [vars/none.yml, vars/dev.yml]\n"
        "    - vars/missing.yml\n    - \"vars/{{ lookup('env', 'ENV') }}.yml\"\n  roles:\n    - bps\n"
    )
    result = lint(repo)
    named = {f.node: f.message for f in result.findings if f.rule == "BPS708" and "HostName" in f.message}
    where = {os.path.realpath(m.rsplit("set in ", 1)[1].rstrip(")")) for m in named.values()}  # as typed, or relative to cwd
    assert set(named) == {"bps_1", "bps_2"} and where == {os.path.realpath(repo / "vars" / "dev.yml")}
    assert {(f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if "'vars/missing.yml'" in f.message} == {("site.yml", 7)}
    (lookup,) = [f for f in result.findings if "lookup('env'" in f.message]
    assert lookup.loc.line == 8 and lookup.message.endswith("its variables are not read")


def test_include_vars_hold_for_the_tasks_after_it_below_set_fact(tmp_path):
    repo = _copy(tmp_path)
    (repo / "roles" / "bps" / "vars").mkdir()
    (repo / "roles" / "bps" / "vars" / "local.yml").write_text("hostname: localhost\n")
    (repo / "roles" / "bps" / "vars" / "late.yml").write_text("hostname: late.example.com\n")
    loop = "- template:\n    src: '{{ item.src }}'\n    dest: '{{ item.dest }}'\n  loop: '{{ config_files }}'\n"
    _tasks(repo, "- include_vars: local.yml\n" + loop + "- include_vars:\n    file: late.yml\n- include_vars: missing.yml\n")
    result = lint(repo)
    assert _hostname_finding(result) == {"bps_1", "bps_2"}  # bps_2's host_vars lose to include_vars; late.yml comes after the template
    assert ("main.yml", 8) in {(f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if "include_vars 'missing.yml'" in f.message}
    _tasks(repo, "- set_fact:\n    hostname: fact.example.com\n- include_vars: local.yml\n" + loop)
    assert _hostname_finding(lint(repo)) == set()  # set_fact ranks above include_vars


def test_include_role_runs_its_role_again_and_a_roles_entry_only_when_the_role_allows_duplicates(tmp_path):
    repo = _copy(tmp_path)
    again = "  tasks:\n    - include_role: {name: bps}\n    - set_fact: {hostname: localhost}\n    - include_role: {name: bps}\n"
    (repo / "site.yml").write_text("- hosts: bps\n" + again)
    assert _hostname_finding(lint(repo)) == {"bps_1", "bps_2"}  # the second run, after the fact, is the one kept
    (repo / "site.yml").write_text("- hosts: bps\n" + again.replace("{name: bps}", "{name: bps, allow_duplicates: false}"))
    assert _hostname_finding(lint(repo)) == {"bps_1"}
    _tasks(repo, "- set_fact: {hostname: localhost}\n", role="common")
    (repo / "site.yml").write_text("- hosts: bps\n  roles: [bps, common, bps]\n")
    assert _hostname_finding(lint(repo)) == {"bps_1"}  # the same role with the same parameters runs once in a play
    (repo / "roles" / "bps" / "meta").mkdir()
    (repo / "roles" / "bps" / "meta" / "main.yml").write_text("allow_duplicates: true\n")
    assert _hostname_finding(lint(repo)) == {"bps_1", "bps_2"}
    (repo / "site.yml").write_text("- hosts: bps\n" + again.replace("{name: bps}", "{name: bps, allow_duplicates: false}"))
    assert _hostname_finding(lint(repo)) == {"bps_1"}  # the task's allow_duplicates overrides the role's meta


def test_roles_including_themselves_twice_stop_at_a_bound_with_a_finding(tmp_path):
    repo = _copy(tmp_path)
    _tasks(repo, "- include_role: {name: loop}\n- include_role: {name: loop}\n", role="loop")
    (repo / "site.yml").write_text("- hosts: bps\n  roles: [bps]\n  tasks:\n    - include_role: {name: loop}\n")
    result = lint(repo)
    assert result.nodes == 2 and any("roles and tasks files run more than 1000 times in one play" in f.message for f in result.findings)
    _tasks(repo, "- include_tasks: main.yml\n", role="loop")
    result = lint(repo)
    assert ("main.yml", 1) in {(f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if "(a loop)" in f.message}


def test_a_role_run_again_follows_its_included_task_files_again(tmp_path):
    repo = _copy(tmp_path)
    main_yml = repo / "roles" / "bps" / "tasks" / "main.yml"
    main_yml.rename(main_yml.with_name("configure.yml"))
    _tasks(repo, "- include_tasks: configure.yml\n")
    (repo / "site.yml").write_text(
        "- hosts: bps\n  tasks:\n    - include_role: {name: bps}\n    - set_fact: {hostname: localhost}\n    - include_role: {name: bps}\n"
    )
    assert _hostname_finding(lint(repo)) == {"bps_1", "bps_2"}


def test_a_host_two_plays_configure_is_one_node_with_the_files_the_last_play_writes(tmp_path):
    repo = _copy(tmp_path)
    (repo / "site.yml").write_text(
        "- hosts: bps\n  roles: [bps]\n- hosts: bps_2\n  tasks:\n    - set_fact: {hostname: localhost}\n    - include_role: {name: bps}\n"
    )
    result = lint(repo)
    assert (result.nodes, result.clusters, result.cluster_names) == (2, 1, ["bps"])
    assert sorted(f.node for f in result.findings if f.rule == "BPS301") == ["bps_1", "bps_2"]  # once per host
    assert _hostname_finding(result) == {"bps_1", "bps_2"}  # bps_2's carbon.xml is the second play's


def _split(repo, parent: bool):
    """The manager and the worker in groups of their own (under a [bps] parent or not), each configured by its own play."""
    inventory = repo / "dev" / "inventory"
    groups = "[bps_manager]\nbps_1 ansible_host=10.0.0.11 ansible_user=wso2\n\n[bps_workers]\nbps_2 ansible_host=10.0.0.12 ansible_user=wso2\n"
    groups += "\n[bps:children]\nbps_manager\nbps_workers\n" if parent else ""
    text = inventory.read_text()
    one = "[bps]\n\nbps_1 ansible_host=10.0.0.11 ansible_user=wso2\nbps_2 ansible_host=10.0.0.12 ansible_user=wso2\n"
    assert one in text
    inventory.write_text(text.replace(one, groups))
    (repo / "site.yml").write_text("- hosts: bps_manager\n  roles: [bps]\n- hosts: bps_workers\n  roles: [bps]\n")
    return repo


@pytest.mark.parametrize("parent, name", [(False, "bps_manager:bps_workers"), (True, "bps")])
def test_a_manager_and_workers_configured_by_two_plays_are_one_cluster(tmp_path, parent, name):
    """One inventory is one environment: hosts two plays configure share the databases and the axis2 cluster, so the
    rules comparing the nodes see both (each play's hosts alone were two one-node clusters, with no error)."""
    result = lint(_split(_copy(tmp_path), parent))
    assert (result.nodes, result.clusters, result.cluster_names) == (2, 1, [name])
    assert {(f.node, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in result.findings if f.rule == "BPS301"} == {
        ("bps_1", "axis2.xml.j2", 602),
        ("bps_2", "axis2.xml.j2", 602),
    }
    assert all(f.loc.path.endswith(TEMPLATES + "axis2/axis2.xml.j2") for f in result.findings if f.rule == "BPS301")
    single = lint(TWO_HOSTS)  # the same hosts in one group of one play
    # (a product default's finding is placed at the role's template task only where the play reaches it: the split
    # inventory's hosts are not in group ei, whose condition guards that task, so there it stays at the file)
    assert {(f.rule, f.node, f.loc.line if f.loc.path.endswith(".j2") else None) for f in result.findings if f.severity == "error"} == {
        (f.rule, f.node, f.loc.line if f.loc.path.endswith(".j2") else None) for f in single.findings if f.severity == "error"
    }


def test_ansible_clusters_in_the_manifest_split_an_inventorys_hosts(tmp_path, capsys):
    repo = _split(_copy(tmp_path), parent=False)
    (repo / "bps-lint.toml").write_text('[ansible.clusters]\nmanager = ["bps_manager"]\nother = ["bps_9"]\n')
    result = lint(repo)
    assert (result.nodes, result.clusters, sorted(result.cluster_names)) == (2, 2, ["bps_workers", "manager"])
    assert not [f for f in result.findings if f.rule == "BPS301"]  # two one-node clusters, as the manifest says
    (unknown,) = [f for f in result.findings if "bps_9" in f.message]
    assert (unknown.rule, unknown.loc.path.endswith("bps-lint.toml")) == ("BPS003", True)
    assert unknown.message.startswith("[ansible.clusters] other: the inventory (") and "has no host or group 'bps_9'" in unknown.message
    (repo / "bps-lint.toml").write_text('[ansible.clusters]\nmanager = "bps_manager"\n')
    assert main([str(repo)]) == 2
    assert "invalid manifest at 'ansible.clusters.manager'" in capsys.readouterr().err


def test_hosts_of_two_inventories_are_two_clusters_named_apart(tmp_path):
    repo = _copy(tmp_path)
    shutil.copytree(repo / "dev", repo / "prod")
    inventory = repo / "prod" / "inventory"
    inventory.write_text(inventory.read_text().replace("bps_1 ", "bps_3 ").replace("bps_2 ", "bps_4 "))
    (repo / "site.yml").write_text("- hosts: bps_1\n  roles: [bps]\n- hosts: bps_3\n  roles: [bps]\n")
    result = lint(repo)
    assert (result.nodes, sorted(result.cluster_names)) == (2, ["bps (dev)", "bps (prod)"])


def test_a_play_naming_one_host_and_a_play_naming_its_group_are_one_cluster(tmp_path):
    repo = _copy(tmp_path)
    (repo / "site.yml").write_text("- hosts: bps_1\n  roles: [bps]\n- hosts: bps\n  roles: [bps]\n")
    result = lint(repo)
    assert (result.nodes, result.clusters, result.cluster_names) == (2, 1, ["bps"])
    assert sorted(f.node for f in result.findings if f.rule == "BPS301") == ["bps_1", "bps_2"]


def _clustered(repo):
    axis2 = repo / TEMPLATES / "axis2" / "axis2.xml.j2"
    axis2.write_text(
        axis2.read_text().replace('HazelcastClusteringAgent"\n                enable="false"', 'HazelcastClusteringAgent"\n                enable="true"')
    )
    return repo


def test_hosts_on_machines_of_their_own_do_not_share_a_loopback_member_address(tmp_path):
    """The inventory's ansible_host is the machine a node runs on, as bps-lint.toml's host is: two hosts at
    10.0.0.11 and 10.0.0.12 advertising 127.0.0.1:4000 do not collide (BPS305) but cannot reach each other (BPS308)."""
    repo = _clustered(_copy(tmp_path))
    inventory = repo / "dev" / "inventory"
    inventory.write_text(inventory.read_text().replace("bps_2 ansible_host=10.0.0.12 ", "bps_2 "))
    (repo / "dev" / "host_vars" / "bps_2.yml").write_text("ansible_host: 10.0.0.12\n")  # the machine from host_vars
    result = lint(repo)
    assert not [f for f in result.findings if f.rule == "BPS305"]
    loopback = [f for f in result.findings if f.rule == "BPS308"]
    assert {(f.node, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in loopback} == {("bps_1", "axis2.xml.j2", 653), ("bps_2", "axis2.xml.j2", 653)}
    assert all("(10.0.0.11, 10.0.0.12)" in f.message for f in loopback)


def test_a_template_several_hosts_render_gets_no_patch_giving_all_one_hosts_value(tmp_path, capsys):
    repo = _clustered(_copy(tmp_path))
    assert main([str(repo), "--diff", "--unsafe-fixes"]) == 1
    out, err = capsys.readouterr()
    assert "localMemberHost" not in out  # a patch of axis2.xml.j2 would give both hosts one host's address
    for host, address in (("bps_1", "10.0.0.11"), ("bps_2", "10.0.0.12")):
        shown = err.split(f"axis2.xml.j2 (rendered for {host}): ", 1)[1].split("bps-lint: ", 1)[0]
        assert "the hosts it is rendered for need different values here" in shown
        assert f'+        <parameter name="localMemberHost">{address}</parameter>' in shown


def test_json_and_sarif_give_no_byte_patch_of_a_template_whose_hosts_need_different_values(tmp_path, capsys):
    repo = _clustered(_copy(tmp_path))
    main([str(repo), "--format", "json"])
    loopback = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "BPS308"]
    assert len(loopback) == 2 and all(f["fix"] is None for f in loopback)
    main([str(repo), "--format", "sarif"])
    results = [r for r in json.loads(capsys.readouterr().out)["runs"][0]["results"] if r["ruleId"] == "BPS308"]
    assert len(results) == 2 and not any("fixes" in r for r in results)
    # one host's own fix (bps_2's address, bps_1 keeping the one written) is no patch of the template either
    axis2 = repo / TEMPLATES / "axis2" / "axis2.xml.j2"
    axis2.write_text(axis2.read_text().replace('"localMemberHost">127.0.0.1<', '"localMemberHost">10.0.0.11<'))
    main([str(repo), "--format", "json"])
    shared = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "BPS305"]
    assert [(f["node"], f["line"], f["fix"]) for f in shared] == [("bps_1", 653, None), ("bps_2", 653, None)]
    assert main([str(repo), "--diff", "--unsafe-fixes"]) == 1
    out, err = capsys.readouterr()
    assert "localMemberHost" not in out and '+        <parameter name="localMemberHost">10.0.0.12</parameter>' in err


@pytest.mark.parametrize(
    "line, machine",
    [
        ("bps_1 ansible_host=[ip_address] ansible_user=[ssh_user]", None),  # wso2/ansible-ei's placeholder
        ("bps_1 ansible_host=10.0.0.11", "10.0.0.11"),
        ("bps1.example.com", "bps1.example.com"),
        ("bps_1", None),
    ],
)
def test_a_hosts_machine_is_its_ansible_host_or_its_name_when_that_is_an_address(tmp_path, line, machine):
    from linter.discover.walk import discover

    repo = _copy(tmp_path)
    inventory = repo / "dev" / "inventory"
    inventory.write_text(inventory.read_text().replace("bps_1 ansible_host=10.0.0.11 ansible_user=wso2", line))
    (repo / "dev" / "host_vars" / "bps_1.yml").rename(repo / "dev" / "host_vars" / f"{line.split()[0]}.yml")
    hosts = {n.name: n.settings.host for c in discover([str(repo)]).clusters for n in c.nodes}
    assert hosts == {line.split()[0]: machine, "bps_2": "10.0.0.12"}


def test_a_loop_of_imported_playbooks_is_one_finding_naming_its_playbooks(tmp_path):
    repo = _copy(tmp_path)
    (repo / "one.yml").write_text("- import_playbook: two.yml\n- hosts: bps\n  roles: [bps]\n")
    (repo / "two.yml").write_text("- hosts: bps\n  roles: [bps]\n- import_playbook: one.yml\n")
    result = lint(repo)
    loops = [f for f in result.findings if "imports a playbook that imports it" in f.message]
    assert len(loops) == 1, [f.message for f in loops]
    (loop,) = loops
    assert loop.rule == "BPS003" and (loop.loc.path.rsplit("/", 1)[-1], loop.loc.line) in {("one.yml", 1), ("two.yml", 3)}
    assert "one.yml" in loop.message.split("(a loop of ")[1] and "two.yml" in loop.message.split("(a loop of ")[1]


def test_hosts_rendering_the_same_unmappable_fix_get_one_diff_naming_them(tmp_path, capsys):
    """A fix of a value a variable gives (not bytes of the template) is shown in the rendered text; when every host
    renders the same text, one diff names them all instead of the same diff once per host."""
    repo = _copy(tmp_path)
    template = repo / TEMPLATES / "datasources" / "bps-datasources.xml.j2"
    template.write_text(
        template.read_text().replace("<defaultAutoCommit>true</defaultAutoCommit>", "<defaultAutoCommit>{{ bps_auto_commit }}</defaultAutoCommit>")
    )
    (repo / "dev" / "group_vars" / "bps.yml").write_text((repo / "dev" / "group_vars" / "bps.yml").read_text() + "bps_auto_commit: false\n")
    assert {f.node for f in lint(repo).findings if f.rule == "BPS101"} == {"bps_1", "bps_2"}
    main([str(repo), "--diff"])
    err = capsys.readouterr().err
    shown = [line for line in err.splitlines() if line.startswith("bps-lint: ") and "bps-datasources.xml.j2 (rendered" in line]
    assert len(shown) == 1 and "bps-datasources.xml.j2 (rendered for bps_1, bps_2): " in shown[0] and "for 2 finding(s)" in shown[0], err


# --- Ansible: import_playbook vars and when, vars_prompt, the legacy include --------------------------------


def test_import_playbook_vars_override_the_plays_own_and_its_when_is_decided_per_host(tmp_path):
    """playbook_include.py: the import's vars: replace the imported plays' (entry.vars | new_obj.vars), the outer
    import's last, and its when: guards each of their tasks and roles."""
    repo = _copy(tmp_path)
    (repo / "bps.yml").write_text("- hosts: bps\n  vars:\n    hostname: play.example.com\n  roles: [bps]\n")
    (repo / "inner.yml").write_text("- import_playbook: bps.yml\n  vars:\n    hostname: localhost\n")
    (repo / "site.yml").write_text("- import_playbook: inner.yml\n  vars:\n    hostname: outer.example.com\n")
    assert _hostname_finding(lint(repo)) == set()  # the outer import's value wins over the inner's localhost
    (repo / "site.yml").write_text("- import_playbook: inner.yml\n")
    result = lint(repo)
    assert _hostname_finding(result) == {"bps_1", "bps_2"}
    (finding,) = [f for f in result.findings if f.rule == "BPS708" and f.node == "bps_2" and "HostName" in f.message]
    assert finding.message.endswith("inner.yml:1 (import_playbook vars))")
    # a when the inventory decides: bps_2 is not configured at all (ansible skips every task of the plays for it)
    (repo / "site.yml").write_text("- import_playbook: inner.yml\n  when: inventory_hostname == 'bps_1'\n")
    result = lint(repo)
    assert result.nodes == 1 and {f.node for f in result.findings if f.rule == "BPS706"} == {"bps_1"}
    assert not [f for f in result.findings if f.loc.path.endswith("site.yml")]
    # a when only a run decides: one finding at the import, its plays not followed, as for a task's when
    (repo / "site.yml").write_text("- hosts: bps\n  roles: [common]\n- import_playbook: inner.yml\n  when: probe.rc == 0\n")
    result = lint(repo)
    (problem,) = [f for f in result.findings if f.loc.path.endswith("site.yml")]
    assert (problem.rule, problem.loc.line) == ("BPS003", 4) and "condition 'probe.rc == 0' needs values known only when Ansible runs" in problem.message
    assert result.nodes == 0


def test_vars_prompt_default_is_its_value_and_without_one_the_value_is_unknown(tmp_path):
    repo = _copy(tmp_path)
    prompt = "- hosts: bps\n  vars:\n    hostname: play.example.com\n  vars_prompt:\n    - name: hostname\n      prompt: Host name?\n{more}  roles: [bps]\n"
    (repo / "site.yml").write_text(prompt.format(more="      default: localhost\n      private: false\n"))
    result = lint(repo)
    assert _hostname_finding(result) == {"bps_1", "bps_2"}  # the prompt's default replaces the play's vars
    assert all(
        f.message.endswith("site.yml:5 (vars_prompt default, asked for when the play runs))")
        for f in result.findings
        if f.rule == "BPS708" and "HostName" in f.message
    )
    (repo / "site.yml").write_text(prompt.format(more=""))
    result = lint(repo)
    assert _hostname_finding(result) == set()  # typed at run time: not the play's value, not a value made up
    # the template using it is not checked (as one that cannot be rendered), and the rules comparing the nodes wait
    asked = [f for f in result.findings if "which vars_prompt asks" in f.message]
    assert {(f.rule, f.node, f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in asked} == {("BPS001", n, "carbon.xml.j2", 47) for n in ("bps_1", "bps_2")}
    assert (
        asked[0].message.startswith("template uses 'hostname', which vars_prompt asks for when the play runs (")
        and "site.yml:5, no default)" in asked[0].message
    )
    assert not [f for f in result.findings if f.rule == "BPS605"] and [f for f in lint(TWO_HOSTS).findings if f.rule == "BPS605"]
    assert result.nodes == 2 and ("BPS301", "bps_1", "axis2.xml.j2", 602) in found(result)  # the other files are checked
    # a condition on it is undecided, as one on a registered result
    (repo / "site.yml").write_text(prompt.format(more="") + "  pre_tasks:\n    - set_fact:\n        ports_offset: 3\n      when: hostname == 'x'\n")
    (problem,) = [f for f in lint(repo).findings if f.loc.path.endswith("site.yml")]
    assert problem.loc.line == 11
    assert "condition 'hostname == 'x'' needs values known only when Ansible runs" in problem.message


def test_the_legacy_include_is_a_finding_at_its_line(tmp_path):
    """'include' of tasks: removed in ansible-core 2.16 (2.15 runs it as include_tasks, which bps-lint follows);
    of a playbook: ansible-core reads only import_playbook (since 2.12), so the playbook is refused."""
    repo = _copy(tmp_path)
    (repo / "tasks").mkdir()
    (repo / "tasks" / "bps.yml").write_text("- include_role:\n    name: bps\n")
    (repo / "site.yml").write_text("- hosts: bps\n  tasks:\n    - include: tasks/bps.yml\n")
    result = lint(repo)
    (problem,) = [f for f in result.findings if f.loc.path.endswith("site.yml")]
    assert (problem.rule, problem.loc.line) == ("BPS003", 3) and "'include' was removed in ansible-core 2.16" in problem.message
    assert "use include_tasks (or import_tasks)" in problem.message and result.nodes == 2  # followed as include_tasks
    (repo / "bps.yml").write_text("- hosts: bps\n  roles: [bps]\n")
    (repo / "site.yml").write_text("- hosts: all\n  roles: [common]\n- include: bps.yml\n")
    result = lint(repo)
    (problem,) = [f for f in result.findings if f.loc.path.endswith("site.yml")]
    assert problem.loc.line == 3 and "'include' of a playbook was removed in ansible-core 2.12" in problem.message and "use import_playbook" in problem.message
    # a play beside a stray task (no hosts:): the play is checked, nothing crashes
    (repo / "site.yml").write_text("- hosts: bps\n  roles: [bps]\n- name: stray\n  debug: msg=hi\n")
    assert lint(repo).nodes == 2
    # a file of include entries alone is a tasks file as much as a playbook: nothing said
    (repo / "site.yml").write_text("- include: bps.yml\n")
    assert not [f for f in lint(repo).findings if f.loc.path.endswith("site.yml")]


def test_two_top_level_playbooks_configuring_a_host_are_two_runs_one_checked_and_a_difference_said(tmp_path):
    repo = _copy(tmp_path)  # site.yml applies the role to group bps
    (repo / "alt.yml").write_text("- hosts: bps\n  vars:\n    hostname: alt.example.com\n  roles: [bps]\n")
    result = lint(repo)
    assert (result.nodes, result.clusters) == (2, 1)
    assert _hostname_finding(result) == set()  # alt.yml, first in path order, is the one checked: not overwritten by site.yml
    (said,) = [f for f in result.findings if "both configure" in f.message]
    assert (said.rule, said.loc.path.rsplit("/", 1)[-1], said.loc.line) == ("BPS003", "site.yml", 37)  # its play of the bps hosts
    assert said.message.startswith(
        f"{said.loc.path} and {said.loc.path.replace('site.yml', 'alt.yml')} both configure bps_1, bps_2 and render carbon.xml differently"
    )
    # the same files rendered by both (a playbook of the role alone beside site.yml): nothing to say
    (repo / "alt.yml").write_text("- hosts: bps\n  roles: [bps]\n")
    result = lint(repo)
    assert not [f for f in result.findings if "both configure" in f.message] and _hostname_finding(result) == {"bps_1"}


def test_an_attribute_on_a_later_line_of_its_start_tag_is_reported_at_its_template_line(tmp_path, capsys):
    """The line to edit: enable= sits on the line below <clustering class=...> in wso2/ansible-ei's axis2.xml.j2."""
    repo = _copy(tmp_path)
    template = repo / TEMPLATES / "axis2" / "axis2.xml.j2"
    text = template.read_text()
    assert '<clustering class="org.wso2.carbon.core.clustering.hazelcast.HazelcastClusteringAgent"\n                enable="false">' in text
    template.write_text(text.replace('enable="false">', 'enable="{{ clustering_on | default(false) | lower }}">', 1))
    assert {(f.node, f.loc.line, f.loc.column) for f in lint(repo).findings if f.rule == "BPS301"} == {("bps_1", 602, 17), ("bps_2", 602, 17)}
    assert main(["--format", "json", str(repo)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {(f["line"], f["node"]) for f in report["findings"] if f["rule"] == "BPS301"} == {(602, "bps_1"), (602, "bps_2")}


def test_a_run_reads_and_parses_each_playbook_task_file_and_vars_file_once(tmp_path, monkeypatch):
    """Every host of every play follows the same task files and takes the same group_vars: read once a run (the
    same findings; less work than a parse per host and play, and a second parse of an imported playbook)."""
    from linter.sources import ansible, roles

    repo = _copy(tmp_path)
    (repo / "bps.yml").write_text("- hosts: bps\n  roles: [bps]\n")
    (repo / "site.yml").write_text("- import_playbook: bps.yml\n- hosts: bps\n  tasks:\n    - include_role: {name: bps}\n")
    before = found(lint(repo))
    parsed = []
    for module in (ansible, roles):
        monkeypatch.setattr(module, "documents", lambda text, *a, _real=module.documents: parsed.append(text) or _real(text, *a))
    assert found(lint(repo)) == before
    tasks, playbook = (repo / "roles" / "bps" / "tasks" / "main.yml").read_text(), (repo / "bps.yml").read_text()
    group_vars = (repo / "dev" / "group_vars" / "bps.yml").read_text()
    assert (parsed.count(tasks), parsed.count(playbook), parsed.count(group_vars)) == (1, 1, 1)


def test_a_vault_encrypted_value_is_read_as_a_secret_not_a_broken_vars_file(tmp_path, capsys):
    """``password: !vault |`` (ansible-vault inline): the file's other variables hold, the value is a masked
    stand-in (a password the server gets in plain text), never printed, and a condition on it is undecided."""
    repo = _copy(tmp_path)
    template = repo / TEMPLATES / "datasources" / "master-datasources.xml.j2"
    h2 = "jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000"  # an H2 file's password is not judged
    text = template.read_text().replace(h2, "jdbc:mysql://mysql.internal:3306/carbon", 1)
    template.write_text(text.replace("<password>wso2carbon</password>", "<password>{{ db_password }}</password>", 1))
    vault = "!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539666234306139346433616338376437376461363365\n"
    with open(repo / "dev" / "group_vars" / "bps.yml", "a") as vars_file:
        vars_file.write("db_password: " + vault)
    result = lint(repo)
    assert not [f for f in result.findings if f.loc.path.endswith("group_vars/bps.yml")]  # was: "expands to more than 100,000 values"
    assert result.nodes == 2 and not [f for f in result.findings if "template does not render" in f.message]
    plaintext = {(f.rule, f.node) for f in result.findings if f.loc.path.endswith("master-datasources.xml.j2") and f.loc.line == 19}
    assert plaintext == {("BPS705", "bps_1"), ("BPS705", "bps_2")}  # not the default wso2carbon (BPS706) any more
    assert main(["--format", "json", str(repo)]) == 1
    assert "6231336539" not in capsys.readouterr().out
    (repo / "site.yml").write_text("- hosts: bps\n  roles: [bps]\n  pre_tasks:\n    - set_fact: {ports_offset: 3}\n      when: db_password == 'x'\n")
    (problem,) = [f for f in lint(repo).findings if f.loc.path.endswith("site.yml")]
    assert problem.loc.line == 5 and "needs values known only when Ansible runs" in problem.message
    # a fact set from it holds the stand-in too: nothing to report
    (repo / "site.yml").write_text("- hosts: bps\n  roles: [bps]\n  pre_tasks:\n    - set_fact: {pw: '{{ db_password }}'}\n")
    assert not [f for f in lint(repo).findings if f.loc.path.endswith("site.yml")]


def test_a_suppression_above_a_start_tag_spanning_lines_covers_its_attributes_for_every_host(tmp_path):
    """The comment above <clustering class=...> covers enable="false"> below it (where BPS301 now points), and in a
    template both hosts render it suppresses each host's finding: no 'suppresses nothing' for the second host."""
    repo = _copy(tmp_path)
    template = repo / TEMPLATES / "axis2" / "axis2.xml.j2"
    text = template.read_text()
    template.write_text(text.replace("    <clustering class=", "    <!-- bps-lint: disable=BPS301 -->\n    <clustering class=", 1))
    result = lint(repo)
    assert not [f for f in result.findings if f.rule in ("BPS301", "BPS006")]
    assert result.suppressed == 2


def test_an_imported_playbook_that_is_not_valid_yaml_is_one_finding(tmp_path):
    """It is read where it is imported and again as a playbook of the folder: said once, not twice."""
    repo = _copy(tmp_path)
    (repo / "site.yml").write_text("- import_playbook: zz-bps.yml\n")  # read first: the import, then the file itself
    (repo / "zz-bps.yml").write_text("- hosts: bps\n  roles: [bps\n")
    broken = [f for f in lint(repo).findings if f.loc.path.endswith("zz-bps.yml") and f.rule == "BPS003"]
    assert len(broken) == 1, broken
