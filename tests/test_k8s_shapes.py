"""Kubernetes and kustomize shapes: configMap volume items, what a folder mount hides, kustomize overlays, ConfigMaps
shared by environments from a parent folder, and folders holding only patches."""

from __future__ import annotations

import pytest

from linter.cli import main
from tests.helpers import REPO, lint

KUBE = REPO / "docs" / "sources" / "examples" / "manifests.yaml"
HOME = "/home/wso2carbon/wso2bps-3.6.0"
CONF_VOLUME = "        - name: conf\n          configMap:\n            name: bps-conf\n"


def _rules(findings, *rules):
    return {(f.rule, f.loc.path, f.loc.line) for f in findings if f.rule in rules}


def _line(text: str, part: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if part in line)


# --- a configMap volume's items ------------------------------------------------------------------------


@pytest.mark.parametrize("optional", ["", "            optional: true\n", "            optional: yes\n", "            optional: false\n"])
def test_a_volume_item_naming_a_key_the_map_lacks_stops_the_pod_unless_optional(tmp_path, monkeypatch, optional):
    """The kubelet refuses a configMap volume whose items name a key the map lacks (not optional): BPS003 at the key."""
    volume = (
        CONF_VOLUME
        + optional
        + "            items:\n              - key: bps.xml\n                path: bps.xml\n              - key: nosuch.xml\n                path: x.xml\n"
    )
    text = KUBE.read_text().replace(CONF_VOLUME, volume)
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    findings = lint(".").findings
    broken = [f for f in findings if f.rule == "BPS003"]
    if optional.strip() in ("optional: true", "optional: yes"):
        assert not broken
    else:
        assert {(f.loc.path, f.loc.line, f.loc.column) for f in broken} == {("manifests.yaml", _line(text, "key: nosuch.xml"), 22)}
        assert "ConfigMap bps-conf has no key 'nosuch.xml', which a configMap volume of bps lists in items" in broken[0].message
    assert ("BPS401", "manifests.yaml", 14) in _rules(findings, "BPS401")  # the key that is there is still read


def test_a_volume_item_found_in_binary_data_or_a_map_not_in_the_files_is_no_finding(tmp_path, monkeypatch):
    volume = (
        CONF_VOLUME
        + "            items:\n              - key: bps.xml\n                path: bps.xml\n              - key: logo.png\n                path: logo.png\n"
    )
    text = KUBE.read_text().replace(CONF_VOLUME, volume).replace("data:\n  bps.xml", "binaryData:\n  logo.png: iVBORw0KGgo=\ndata:\n  bps.xml", 1)
    text += "        - name: other\n          configMap:\n            name: made-by-a-script\n            items: [{key: a, path: a}]\n"
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert not [f for f in lint(".").findings if f.rule == "BPS003"]


# --- a ConfigMap a parent folder shares with environments ------------------------------------------------

_DOCS = KUBE.read_text().split("---\n")  # bps-conf, bps-tasks, the StatefulSet


@pytest.mark.parametrize("shared", ["common/cm.yaml", "cm.yaml"])
def test_a_configmap_shared_from_a_parent_folder_is_each_environments(tmp_path, monkeypatch, shared):
    """k8s/prod and k8s/staging hold the same StatefulSet (two environments); the ConfigMaps they mount sit in
    k8s/common/ or k8s/ itself: each environment reads them, unless it holds its own (prod's bps-conf wins there)."""
    k8s = tmp_path / "k8s"
    (k8s / shared).parent.mkdir(parents=True, exist_ok=True)
    (k8s / shared).write_text(_DOCS[0] + "---\n" + _DOCS[1])
    for env in ("prod", "staging"):
        (k8s / env).mkdir()
        (k8s / env / "sts.yaml").write_text(_DOCS[2])
    (k8s / "prod" / "cm.yaml").write_text(_DOCS[0].replace(">false<", ">true<"))  # prod's own bps-conf
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert (result.nodes, result.clusters) == (2, 2)
    assert sorted(result.cluster_names) == ["namespace wso2 (k8s/prod)", "namespace wso2 (k8s/staging)"]
    # staging takes the shared bps-conf (false: BPS401 at its line, once); prod its own (true: none)
    lock = _rules(result.findings, "BPS401")
    assert lock == {("BPS401", f"k8s/{shared}", 14)}
    assert {f.cluster for f in result.findings if f.rule == "BPS401"} == {"namespace wso2 (k8s/staging)"}
    assert result.files == 4  # bps.xml and tasks-config.xml for each node: the shared tasks map reaches both
    assert not [f for f in result.findings if f.rule in ("BPS003", "BPS004")]


def test_a_shared_folders_problem_is_reported_once(tmp_path, monkeypatch):
    k8s = tmp_path / "k8s"
    (k8s / "common").mkdir(parents=True)
    (k8s / "common" / "cm.yaml").write_text(_DOCS[0] + "---\n" + _DOCS[1])
    (k8s / "common" / "broken.yaml").write_text("kind: ConfigMap\nmetadata: {name: x\n")
    for env in ("prod", "staging"):
        (k8s / env).mkdir()
        (k8s / env / "sts.yaml").write_text(_DOCS[2])
        (k8s / env / "cm.yaml").write_text(_DOCS[0])  # each its own bps-conf: the two clash
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert result.nodes == 2
    assert [f.loc.path for f in result.findings if "broken" in f.loc.path] == ["k8s/common/broken.yaml"]


# --- each kustomization.yaml parsed once -------------------------------------------------------------------


def test_a_kustomization_is_parsed_once_a_run(tmp_path, monkeypatch):
    """The walk reads a kustomization to tell its generator's conf files from a node folder, and the manifests'
    reading takes its generators: one parse serves both, however many conf folders lie below it."""
    from linter.sources import yamlnodes

    base = tmp_path / "base"
    (base / "conf").mkdir(parents=True)
    (base / "conf" / "bps.xml").write_text(KUBE.read_text().split("bps.xml: |\n")[1].split("---")[0].replace("\n    ", "\n").strip() + "\n")
    (base / "other" / "conf").mkdir(parents=True)
    (base / "other" / "conf" / "bps.xml").write_text((base / "conf" / "bps.xml").read_text())
    generator = "  - name: bps-conf\n    files: [conf/bps.xml]\n  - name: other\n    files: [other/conf/bps.xml]\n"
    (base / "kustomization.yaml").write_text("namespace: wso2\nresources: [sts.yaml]\nconfigMapGenerator:\n" + generator)
    (base / "sts.yaml").write_text(_DOCS[2].replace("  namespace: wso2\n", "").replace("            name: bps-tasks\n", "            name: bps-conf\n"))
    parsed = []
    documents = yamlnodes.documents
    monkeypatch.setattr(yamlnodes, "documents", lambda text, *a: (parsed.append(text), documents(text, *a))[1])
    monkeypatch.chdir(tmp_path)
    result = lint(".")
    assert sum("configMapGenerator" in text for text in parsed) == 1
    assert (result.nodes, result.clusters) == (1, 1)


# --- kustomize overlays: told, not guessed at -----------------------------------------------------------------


def _base_and_overlay(tmp_path, overlay: str):
    """k8s/base: the example's documents and a kustomization listing them; k8s/overlays/prod: ``overlay`` with
    bps.xml (when its generator names it) and mounts.yaml (a patch of the StatefulSet)."""
    base, prod = tmp_path / "k8s" / "base", tmp_path / "k8s" / "overlays" / "prod"
    base.mkdir(parents=True)
    prod.mkdir(parents=True)
    for name, doc in zip(("configmap.yaml", "tasks.yaml", "sts.yaml"), _DOCS):
        (base / name).write_text(doc)
    (base / "kustomization.yaml").write_text("resources: [configmap.yaml, tasks.yaml, sts.yaml]\n")
    (prod / "kustomization.yaml").write_text(overlay)
    (prod / "mounts.yaml").write_text(_DOCS[2].replace("replicas: 2", "replicas: 3"))
    if "bps.xml" in overlay:
        (prod / "bps.xml").write_text(KUBE.read_text().split("bps.xml: |\n")[1].split("---")[0].replace("\n    ", "\n").replace(">false<", ">true<"))


_OVERLAY = "namespace: prod\nresources:\n  - ../../base\npatches:\n  - path: mounts.yaml\nconfigMapGenerator:\n  - name: bps-conf\n    behavior: {behavior}\n    files: [bps.xml]\n"


@pytest.mark.parametrize("behavior", ["merge", "replace"])
def test_an_overlay_is_told_with_what_kustomize_build_changes(tmp_path, monkeypatch, capsys, behavior):
    """An overlay's namespace on its base folder, its generator merging into or replacing the base's map and its
    patches are kustomize's to apply: one note says what is not applied and how to check the build instead."""
    _base_and_overlay(tmp_path, _OVERLAY.format(behavior=behavior))
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    (note,) = result.notes
    assert note.startswith("k8s/overlays/prod/kustomization.yaml: kustomize build sets namespace prod on ../../base, ")
    told = "merges its configMapGenerator bps-conf into the base's ConfigMap bps-conf" if behavior == "merge" else "replaces the base's ConfigMap bps-conf"
    assert told in note and "applies its patches (mounts.yaml)" in note
    assert note.endswith("To check what it deploys: kustomize build k8s/overlays/prod | bps-lint -")
    page = " ".join((REPO / "docs" / "sources" / "kubernetes.md").read_text().split())
    assert behavior == "replace" or f"bps-lint: {note}" in page  # the page's example, as printed
    # the base is checked as written, as kustomize build k8s/base makes it: its own lock finding, no other problem
    assert (result.nodes, result.clusters) == (1, 1)
    assert _rules(result.findings, "BPS401", "BPS003", "BPS004") == {("BPS401", "k8s/base/configmap.yaml", 14)}
    # the overlay alone holds no node: the error says to check its build
    assert main(["k8s/overlays/prod"]) == 2
    err = capsys.readouterr().err
    assert "no BPS node configuration found under k8s/overlays/prod; it holds a kustomize overlay" in err
    assert err.rstrip().endswith("check that, kustomize build k8s/overlays/prod | bps-lint -")
    assert " ".join(err.splitlines()[-1].split()[1:]) in page.replace("`", "")


def test_a_folder_of_only_patches_says_it_is_an_overlay(tmp_path, monkeypatch, capsys):
    _base_and_overlay(tmp_path, "resources:\n  - ../../base\npatchesStrategicMerge:\n  - mounts.yaml\n")
    monkeypatch.chdir(tmp_path / "k8s" / "overlays")
    assert main(["prod"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "bps-lint: prod/kustomization.yaml: kustomize build takes the resources of ../../base (outside the folder checked), applies its patches "
        "(mounts.yaml), which bps-lint does not: its files are checked as "
        "written. To check what it deploys: kustomize build prod | bps-lint -"
    )
    assert err[1].startswith("bps-lint: no BPS node configuration found under prod; it holds a kustomize overlay")


@pytest.mark.parametrize(
    "kustomization",
    [
        "namespace: wso2\nresources: [configmap.yaml, tasks.yaml, sts.yaml]\n",  # a namespace on its own files: applied
        "resources: [configmap.yaml, tasks.yaml, sts.yaml]\nconfigMapGenerator:\n  - name: more\n    literals: [A=b]\n",
    ],
)
def test_a_base_is_no_overlay(tmp_path, monkeypatch, kustomization):
    _base_and_overlay(tmp_path, "resources: [../../base]\n")  # an overlay that changes nothing: no note either
    (tmp_path / "k8s" / "base" / "kustomization.yaml").write_text(kustomization)
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert result.notes == [] and result.nodes == 2  # the base, and the overlay building it unchanged


def test_an_overlays_note_masks_a_remote_bases_credentials(tmp_path, monkeypatch):
    _base_and_overlay(tmp_path, "namespace: prod\nresources:\n  - https://ci:s3cr3t-t0ken@git.example.com/bps//base?ref=v1\n")
    monkeypatch.chdir(tmp_path)
    (note,) = lint("k8s").notes
    assert "sets namespace prod on https://" in note and "s3cr3t" not in note


# --- an optional file a folder mount hides ----------------------------------------------------------------------


def _conf_map(tmp_path, files: dict[str, str]) -> str:
    """The example with bps-conf holding ``files`` (conf-relative name -> text), mounted over the conf folder with
    items placing each; tasks-config.xml still its own subPath mount."""
    import textwrap

    data = "".join(f"  {name.replace('/', '__')}: |\n{textwrap.indent(text.rstrip() + chr(10), '    ', lambda _: True)}" for name, text in files.items())
    listed = "".join(f"              - key: {name.replace('/', '__')}\n                path: {name}\n" for name in files)
    text = _DOCS[0].split("\ndata:\n")[0] + "\ndata:\n" + data + "---\n" + _DOCS[1] + "---\n" + _DOCS[2]
    text = text.replace(
        f"              mountPath: {HOME}/repository/conf/bps.xml\n              subPath: bps.xml\n", f"              mountPath: {HOME}/repository/conf\n"
    )
    text = text.replace(CONF_VOLUME, CONF_VOLUME + "            items:\n" + listed)
    (tmp_path / "manifests.yaml").write_text(text)
    return text


def _stock(rel: str) -> str:
    from linter.sources import defaults

    return defaults.data("bps-3.6.0", rel).decode()


_REQUIRED = ("bps.xml", "carbon.xml", "axis2/axis2.xml", "registry.xml", "user-mgt.xml", "humantask.xml")
_DATASOURCES = ("datasources/master-datasources.xml", "datasources/bps-datasources.xml")


@pytest.mark.parametrize(
    "left_out, coordination, expected",
    [
        ("tomcat/catalina-server.xml", "false", "without it Carbon's Tomcat does not start"),
        ("activiti.xml", "false", "without it the BPMN engine is not built"),
        ("b4p-coordination-config.xml", "true", "without it BPEL runs with HumanTask coordination off"),
        ("b4p-coordination-config.xml", "false", None),  # coordination off, as the stock file has it: harmless
    ],
)
def test_an_optional_file_a_folder_mount_hides_is_reported_when_the_server_needs_it(tmp_path, monkeypatch, left_out, coordination, expected):
    optional = ("tomcat/catalina-server.xml", "activiti.xml", "b4p-coordination-config.xml")
    files = {rel: _stock(rel) for rel in (*_REQUIRED, *_DATASOURCES, *optional) if rel != left_out}
    files["humantask.xml"] = files["humantask.xml"].replace(
        "<TaskCoordinationEnabled>false</TaskCoordinationEnabled>", f"<TaskCoordinationEnabled>{coordination}</TaskCoordinationEnabled>"
    )
    text = _conf_map(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    findings = lint(".").findings
    assert not [f for f in findings if f.rule in ("BPS001", "BPS003")]  # the map is whole
    missing = [f for f in findings if f.rule == "BPS004"]
    if expected is None:
        assert not missing
    else:
        (finding,) = missing
        assert (finding.loc.path, finding.loc.line) == ("manifests.yaml", _line(text, f"mountPath: {HOME}/repository/conf"))
        assert finding.message.startswith(f"{left_out} is missing; expected it at {HOME}/repository/conf/{left_out} (the ConfigMap bps-conf mounted at")
        assert expected in finding.message
    from linter.discover.walk import discover
    from linter.model.build import build_cluster

    (node,) = build_cluster(discover(["."]).clusters[0]).cluster.nodes
    assert [(f.name, f.status) for f in node.files if f.name == left_out] == [(left_out, "missing")]  # explicit in the model


def test_a_hidden_optional_datasource_file_is_known_absent(tmp_path, monkeypatch):
    """activiti-datasources.xml hidden by the mount defines no jdbc/ActivitiDB: activiti.xml's reference to it is
    still judged (the file is absent, not unknown)."""
    files = {rel: _stock(rel) for rel in (*_REQUIRED, *_DATASOURCES, "tomcat/catalina-server.xml", "activiti.xml", "b4p-coordination-config.xml")}
    _conf_map(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    findings = lint(".").findings
    assert any("jdbc/ActivitiDB" in f.message for f in findings), sorted({f.rule for f in findings})


@pytest.mark.parametrize("source", ["files: [nosuch.xml]", "envs: [nosuch.env]"])
def test_a_generated_map_kustomize_cannot_build_is_reported_once(tmp_path, monkeypatch, source):
    """A generator's file that does not exist fails kustomize build (BPS003 at its line); the volume listing a key of
    that map is not judged on top of it."""
    base = tmp_path / "base"
    base.mkdir()
    sts = _DOCS[2].replace("  namespace: wso2\n", "").replace(CONF_VOLUME, CONF_VOLUME + "            items: [{key: nosuch.xml, path: bps.xml}]\n")
    (base / "sts.yaml").write_text(sts)
    (base / "kustomization.yaml").write_text(f"namespace: wso2\nresources: [sts.yaml]\nconfigMapGenerator:\n  - name: bps-conf\n    {source}\n")
    monkeypatch.chdir(tmp_path)
    broken = [f for f in lint(".").findings if f.rule == "BPS003"]
    assert [(f.loc.path, f.loc.line) for f in broken] == [("base/kustomization.yaml", 5)]
    assert "nosuch" in broken[0].message and "kustomize build fails" in broken[0].message


def test_a_folders_own_workload_stays_an_environment_beside_the_subfolders_taking_it(tmp_path, monkeypatch):
    """k8s/ holds the StatefulSet and its maps (kubectl apply -f k8s/), k8s/prod/ its own bps-conf: prod reads the
    StatefulSet with its own map, and k8s/ is still checked as it is, with its own."""
    k8s = tmp_path / "k8s"
    (k8s / "prod").mkdir(parents=True)
    (k8s / "all.yaml").write_text("---\n".join(_DOCS))
    (k8s / "prod" / "cm.yaml").write_text(_DOCS[0].replace(">false<", ">true<"))
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert sorted(result.cluster_names) == ["namespace wso2 (k8s)", "namespace wso2 (k8s/prod)"]
    assert {(f.cluster, f.loc.path, f.loc.line) for f in result.findings if f.rule == "BPS401"} == {("namespace wso2 (k8s)", "k8s/all.yaml", 14)}


def test_a_shared_workloads_missing_item_is_reported_once(tmp_path, monkeypatch):
    """k8s/ holds the StatefulSet (its volume listing a key bps-conf lacks), k8s/prod and k8s/staging their own
    bps-conf: three environments judge the StatefulSet, one finding at its key."""
    k8s = tmp_path / "k8s"
    sts = _DOCS[2].replace(CONF_VOLUME, CONF_VOLUME + "            items: [{key: bps.xml, path: bps.xml}, {key: nosuch.xml, path: x.xml}]\n")
    (k8s / "all.yaml").parent.mkdir()
    (k8s / "all.yaml").write_text(_DOCS[0] + "---\n" + _DOCS[1] + "---\n" + sts)
    for env in ("prod", "staging"):
        (k8s / env).mkdir()
        (k8s / env / "cm.yaml").write_text(_DOCS[0])
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert result.clusters == 3
    assert [(f.loc.path, f.loc.line) for f in result.findings if f.rule == "BPS003"] == [("k8s/all.yaml", _line((k8s / "all.yaml").read_text(), "nosuch.xml"))]


def test_an_overlay_of_a_base_outside_the_folder_checked_says_so(tmp_path, monkeypatch, capsys):
    """An overlay that only generates its ConfigMaps for the base's StatefulSet: linted alone, the base is outside
    the folder checked, so there is nothing to check there; the note and the error say why and what to run."""
    _base_and_overlay(tmp_path, "resources: [../../base]\nconfigMapGenerator:\n  - name: bps-conf\n    files: [bps.xml]\n")
    monkeypatch.chdir(tmp_path / "k8s")
    assert main(["overlays/prod"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("bps-lint: overlays/prod/kustomization.yaml: kustomize build takes the resources of ../../base (outside the folder checked), ")
    assert err[1].endswith("check that, kustomize build overlays/prod | bps-lint -")
    assert lint(".").notes == []  # with the base in the folder checked: no note


@pytest.mark.parametrize("overlays", [("prod",), ("prod", "staging")])
def test_overlays_generating_their_base_workloads_configmaps_are_built(tmp_path, monkeypatch, overlays):
    """k8s/base holds the StatefulSet; each overlay lists ../../base and generates bps-conf from its own bps.xml,
    changing nothing else: kustomize build of each is the base's StatefulSet mounting the overlay's map, so each
    overlay is a node (its findings in its bps.xml), however many overlays share the base."""
    base = tmp_path / "k8s" / "base"
    base.mkdir(parents=True)
    (base / "sts.yaml").write_text(_DOCS[2].replace("        - name: tasks\n          configMap:\n            name: bps-tasks\n", ""))
    (base / "kustomization.yaml").write_text("namespace: wso2\nresources: [sts.yaml]\n")
    bps = KUBE.read_text().split("bps.xml: |\n")[1].split("---")[0].replace("\n    ", "\n").strip() + "\n"
    for name in overlays:
        overlay = tmp_path / "k8s" / "overlays" / name
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text(
            "resources: [../../base]\nconfigMapGenerator:\n  - name: bps-conf\n    namespace: wso2\n    files: [bps.xml]\n"
        )
        (overlay / "bps.xml").write_text(bps if name == "prod" else bps.replace(">false<", ">true<"))
    monkeypatch.chdir(tmp_path)
    result = lint("k8s")
    assert result.notes == []
    assert (result.nodes, result.clusters) == (len(overlays), len(overlays))
    assert _rules(result.findings, "BPS401") == {("BPS401", "k8s/overlays/prod/bps.xml", 6)}
    assert not _rules(result.findings, "BPS003", "BPS004")
