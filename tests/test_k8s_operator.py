"""Kubernetes manifests as an operator writes them: per-pod identity from the downward API, mounts the kubelet
refuses, and the places findings point at in a stream."""

from __future__ import annotations

import io
import json
import sys

import pytest

from linter.cli import main
from tests.helpers import REPO, lint

# A StatefulSet of 3 whose local registry database (WSO2_CARBON_DB, registry.xml's currentDBConfig in the image)
# is named by a system property; {env} is the container's env, {node_id} bps.xml's NodeId.
_LOCAL_DB = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: bps-conf
  namespace: wso2
data:
  bps.xml: |
    <tns:WSO2BPS xmlns:tns="http://wso2.org/bps/config">
      <tns:DataBaseConfig mode="EXTERNAL">
        <tns:DataSource name="bpsds"/>
      </tns:DataBaseConfig>
      <tns:UseDistributedLock>true</tns:UseDistributedLock>
      {node_id}
    </tns:WSO2BPS>
  master-datasources.xml: |
    <datasources-configuration>
      <providers><provider>org.wso2.carbon.ndatasource.rdbms.RDBMSDataSourceReader</provider></providers>
      <datasources>
        <datasource>
          <name>WSO2_CARBON_DB</name>
          <jndiConfig><name>jdbc/WSO2CarbonDB</name></jndiConfig>
          <definition type="RDBMS">
            <configuration>
              <url>jdbc:mysql://mysql.bps.internal:3306/bps_local_${{POD_NAME}}</url>
              <driverClassName>com.mysql.jdbc.Driver</driverClassName>
            </configuration>
          </definition>
        </datasource>
      </datasources>
    </datasources-configuration>
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: bps-worker
  namespace: wso2
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: bps
          image: wso2/wso2bps:3.6.0
          env:
{env}
          volumeMounts:
            - name: conf
              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/bps.xml
              subPath: bps.xml
            - name: conf
              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/datasources/master-datasources.xml
              subPath: master-datasources.xml
{more_mounts}
      volumes:
        - name: conf
          configMap:
            name: bps-conf
{more_volumes}
"""


def _env(field: str, java_opts: str = "-DPOD_NAME=$(POD_NAME)", ref: str = "fieldRef") -> str:
    lines = ["- name: POD_NAME", "  valueFrom:", f"    {ref}:", f'      {"fieldPath" if ref == "fieldRef" else "resource"}: "{field}"']
    lines += ["- name: JAVA_OPTS", f'  value: "{java_opts}"']
    return "\n".join("            " + line for line in lines)


def _manifest(tmp_path, env: str, node_id: str = "", more_mounts: str = "", more_volumes: str = ""):
    text = _LOCAL_DB.format(env=env, node_id=node_id, more_mounts=more_mounts, more_volumes=more_volumes)
    (tmp_path / "bps.yaml").write_text(text)
    return text


def _rules(result) -> set[tuple[str, int]]:
    assert result.nodes == 1 and not [f for f in result.findings if f.rule == "BPS003"]
    return {(f.rule, f.loc.line) for f in result.findings if f.loc.path.endswith("bps.yaml")}


def _line(text: str, part: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if part in line)


@pytest.mark.parametrize(
    "field, shared",
    [
        ("metadata.name", False),  # each pod's own name: bps-worker-0, -1, -2
        ("metadata.uid", False),
        ("status.podIP", False),
        ("status.podIPs", False),
        ("metadata.labels['statefulset.kubernetes.io/pod-name']", False),  # the StatefulSet's label of the pod's name
        ("spec.nodeName", True),  # two pods on one machine share it: not known to differ
        ("status.hostIP", True),
        ("metadata.namespace", True),  # the same on every replica
        ("spec.serviceAccountName", True),
    ],
)
def test_a_local_registry_named_by_a_per_pod_field_is_each_replicas_own(tmp_path, monkeypatch, field, shared):
    """JAVA_OPTS=-DPOD_NAME=$(POD_NAME) with POD_NAME from the pod's name or IP gives each replica its own local
    registry database (Carbon substitutes ${POD_NAME} in the datasource's URL): no BPS108. A field the replicas
    share, or may share, is no identity: BPS108 stays."""
    text = _manifest(tmp_path, _env(field))
    monkeypatch.chdir(tmp_path)
    found = _rules(lint(tmp_path))
    assert (("BPS108", _line(text, "bps_local_")) in found) is shared


def test_a_resource_field_is_the_same_on_every_replica(tmp_path, monkeypatch):
    text = _manifest(tmp_path, _env("limits.cpu", ref="resourceFieldRef"))
    monkeypatch.chdir(tmp_path)
    assert ("BPS108", _line(text, "bps_local_")) in _rules(lint(tmp_path))


@pytest.mark.parametrize(
    "java_opts, shared",
    [
        ("-DPOD_NAME=bps-$(POD_NAME)", False),  # the pod's name in a longer value is still the pod's own
        ("-DPOD_NAME=$$(POD_NAME)", True),  # $$ escapes it: the text $(POD_NAME) itself on every replica
        ("-DPOD_NAME=worker", True),  # a literal: one database for the 3
        ("-DPOD_NAME=$(POD_NAME) -DPOD_NAME=worker", True),  # the JVM keeps the last
        ("-Dother=$(POD_NAME)", True),  # POD_NAME itself is no system property: ${POD_NAME} stays as written
    ],
)
def test_only_a_property_the_jvm_ends_with_from_the_pod_is_per_replica(tmp_path, monkeypatch, java_opts, shared):
    text = _manifest(tmp_path, _env("metadata.name", java_opts))
    monkeypatch.chdir(tmp_path)
    assert (("BPS108", _line(text, "bps_local_")) in _rules(lint(tmp_path))) is shared


def test_a_node_id_placeholder_in_bps_xml_is_the_same_text_on_every_replica_and_says_how_to_render_it(tmp_path, monkeypatch):
    """bps.xml is parsed as written (BPELServerConfiguration, XMLBeans): ${POD_NAME} is no pod's name, so the 3
    replicas share the id '${POD_NAME}': BPS404, saying why and what works on Kubernetes."""
    text = _manifest(tmp_path, _env("metadata.name"), node_id="<tns:NodeId>${POD_NAME}</tns:NodeId>")
    monkeypatch.chdir(tmp_path)
    (finding,) = [f for f in lint(tmp_path).findings if f.rule == "BPS404"]
    assert finding.loc.line == _line(text, "<tns:NodeId>")
    assert "bps.xml is read as written, without ${...} substitution, so each of them gets the text '${POD_NAME}' itself" in finding.message
    assert "entrypoint or init container that writes the pod's name into NodeId" in finding.message


def test_a_literal_node_id_on_replicas_does_not_speak_of_substitution(tmp_path, monkeypatch):
    _manifest(tmp_path, _env("metadata.name"), node_id="<tns:NodeId>worker</tns:NodeId>")
    monkeypatch.chdir(tmp_path)
    (finding,) = [f for f in lint(tmp_path).findings if f.rule == "BPS404"]
    assert "substitution" not in finding.message


_RENDERED = """\
            - name: rendered
              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/bps.xml
              subPath: bps.xml"""


@pytest.mark.parametrize("volume", ["emptyDir: {}", "secret: {secretName: bps-per-pod}"])
def test_a_bps_xml_an_init_container_renders_per_pod_is_not_the_images(tmp_path, monkeypatch, volume):
    """The way to a per-pod NodeId: an init container (or the entrypoint) writes bps.xml into a volume mounted at
    its path. Its text is not in the manifests: neither the image's bps.xml (no BPS401/BPS403 from the product
    default) nor missing."""
    text = _LOCAL_DB.format(env=_env("metadata.name"), node_id="", more_mounts="", more_volumes="")
    text = text.replace(
        "            - name: conf\n              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/bps.xml\n              subPath: bps.xml", _RENDERED
    )
    text = text.replace("      volumes:\n", f"      volumes:\n        - name: rendered\n          {volume}\n")
    (tmp_path / "bps.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    rules = {f.rule for f in lint(tmp_path).findings}
    assert not rules & {"BPS401", "BPS403", "BPS404", "BPS001"}, rules


KUBE = REPO / "docs" / "sources" / "examples" / "manifests.yaml"
_USER_MGT_MOUNT = """\
            - name: conf
              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/user-mgt.xml
              subPath: user-mgt.xml
"""


def _with_mount(mount: str = _USER_MGT_MOUNT, data: str = "") -> str:
    """The example's manifests with one more volumeMount of bps-conf, and more of its data."""
    text = KUBE.read_text().replace("      volumes:\n", mount + "      volumes:\n", 1)
    return text.replace("  bps.xml: |\n", data + "  bps.xml: |\n", 1)


def test_a_subpath_mount_of_a_key_the_configmap_lacks_stops_the_pod_and_is_no_product_default(tmp_path, monkeypatch):
    """bps-conf holds no user-mgt.xml: the kubelet mounts an empty directory at the subPath, which cannot go over
    the image's user-mgt.xml. BPS003 at the mountPath line; the image's user-mgt.xml is not what runs, so it is not
    judged (no BPS112, no BPS706 on its admin password from the product default)."""
    text = _with_mount()
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    findings = lint(tmp_path).findings
    (broken,) = [f for f in findings if f.rule == "BPS003"]
    assert (broken.loc.path, broken.loc.line) == ("manifests.yaml", _line(text, "conf/user-mgt.xml"))
    assert "ConfigMap bps-conf has no key 'user-mgt.xml', which the subPath mount at" in broken.message
    assert "so the container does not start" in broken.message
    assert not [f for f in findings if "user-mgt.xml" in f.message and f.rule != "BPS003"]


@pytest.mark.parametrize(
    "mount, data",
    [
        # the key is there
        (_USER_MGT_MOUNT, "  user-mgt.xml: |\n    <UserManager><Realm><Configuration/></Realm></UserManager>\n"),
        # bytes the map holds (binaryData) are not read, but the key is there
        (_USER_MGT_MOUNT, ""),
        # not a conf file: what the image has there is not known
        ("            - name: conf\n              mountPath: /opt/extra/notes.txt\n              subPath: notes.txt\n", ""),
    ],
)
def test_a_subpath_mount_of_a_key_the_map_holds_or_outside_the_conf_is_no_problem(tmp_path, monkeypatch, mount, data):
    text = _with_mount(mount, data)
    if not data and "user-mgt" in mount:
        text = text.replace("data:\n  bps.xml: |\n", "binaryData:\n  user-mgt.xml: PFVzZXJNYW5hZ2VyLz4=\ndata:\n  bps.xml: |\n", 1)
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert not [f for f in lint(tmp_path).findings if f.rule == "BPS003"]


def test_two_documents_run_together_without_a_separator_are_one_finding_at_the_second(monkeypatch, capsys):
    """`cat a.yaml b.yaml | bps-lint -` without '---': PyYAML would take one document with repeated keys, which
    Kubernetes refuses. BPS003 once, at the second document's first key, naming the others."""
    docs = KUBE.read_text().split("---\n")
    stream = docs[0] + docs[2]  # bps-conf, then the StatefulSet, no separator
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stream.encode())))
    assert main(["-", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    second = len(docs[0].splitlines()) + 1
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("BPS003", second, 1)]
    assert findings[0]["message"] == (
        "duplicate key 'apiVersion' (first at line 2; kind, metadata too), which Kubernetes refuses (mapping key already defined); "
        "a missing '---' between documents?"
    )


def test_a_key_repeated_inside_a_document_is_a_finding_at_the_second(tmp_path, monkeypatch):
    text = KUBE.read_text().replace("  namespace: wso2\ndata:\n", "  namespace: wso2\n  namespace: wso2\ndata:\n", 1)
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    broken = [f for f in lint(tmp_path).findings if f.rule == "BPS003"]
    first = _line(text, "  namespace: wso2")
    assert [(f.loc.line, f.loc.column, f.message) for f in broken] == [
        (first + 1, 3, f"duplicate key 'namespace' (first at line {first}), which Kubernetes refuses (mapping key already defined)")
    ]


def test_an_alias_repeated_many_times_is_looked_at_once():
    """A mapping that aliases one node a million times over costs one visit per node, not per reference."""
    from linter.sources.yamlnodes import documents, duplicate_keys

    text = "a: &a {x: 1, x: 2}\n" + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n" for i in range(40))
    (doc,), problem = documents(text)
    assert problem is None
    assert [(key.value, key.start_mark.line) for key, _, _ in duplicate_keys(doc)] == [("x", 0)]


_ACTIVITI = "    <datasources-configuration><datasources/></datasources-configuration>\n"
_MOUNTED_HINT = (
    "ConfigMap bps-conf holds it as key {key}, but no volumeMount of bps places it: mount it at "
    "/home/wso2carbon/wso2bps-3.6.0/repository/conf/datasources/activiti-datasources.xml with subPath: {key} to change it"
)


@pytest.mark.parametrize(
    "text_of, expected",
    [
        # a key of a mounted map that no volumeMount places: where to mount it
        (lambda: _with_mount("", f"  activiti-datasources.xml: |\n{_ACTIVITI}"), _MOUNTED_HINT.format(key="activiti-datasources.xml")),
        (lambda: _with_mount("", f"  datasources_activiti-datasources.xml: |\n{_ACTIVITI}"), _MOUNTED_HINT.format(key="datasources_activiti-datasources.xml")),
        # a map of the namespace the workload does not mount: the usual advice, and that the map holds one
        (
            lambda: KUBE.read_text() + f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: wso2\ndata:\n"
            f"  activiti-datasources.xml: |\n{_ACTIVITI}",
            "add datasources/activiti-datasources.xml to a ConfigMap mounted under /home/wso2carbon/wso2bps-3.6.0/repository/conf in bps to "
            "change it (ConfigMap other, which bps does not mount, holds one as key activiti-datasources.xml)",
        ),
        # a key of another name is not taken for the file
        (
            lambda: _with_mount("", f"  my-activiti-datasources.xml: |\n{_ACTIVITI}"),
            "add datasources/activiti-datasources.xml to a ConfigMap mounted under /home/wso2carbon/wso2bps-3.6.0/repository/conf in bps to change it",
        ),
    ],
    ids=["key", "flattened-key", "map-not-mounted", "another-name"],
)
def test_a_default_files_finding_names_the_configmap_key_that_holds_it_unmounted(tmp_path, monkeypatch, text_of, expected):
    """BPS107 on the image's activiti-datasources.xml (H2) tells how to change it: when a ConfigMap already holds the
    file under a key of its name that no volumeMount places, it says so and where to mount it."""
    (tmp_path / "manifests.yaml").write_text(text_of())
    monkeypatch.chdir(tmp_path)
    (finding,) = [f for f in lint(tmp_path).findings if f.rule == "BPS107" and "ACTIVITI_DB" in f.message]
    assert f"(from the product default of bps-3.6.0; {expected})" in finding.message, finding.message


_BPS_XML = (
    '<tns:WSO2BPS xmlns:tns="http://wso2.org/bps/config">   \n'  # trailing blanks: a dumper quotes the text
    '  <tns:DataBaseConfig mode="EXTERNAL">\n'
    '    <tns:DataSource name="bpsds"/>\n'
    "  </tns:DataBaseConfig>\n"
    "  <tns:UseDistributedLock>false</tns:UseDistributedLock>\n"
    "  <tns:NodeId>bps</tns:NodeId>\n"
    "</tns:WSO2BPS>\n"
)


def _quoted_stream(bps_xml: str) -> str:
    """The example's documents as `kubectl kustomize` prints them: the ConfigMap's text double-quoted (emitted by
    PyYAML, which quotes text with trailing blanks as go-yaml does)."""
    import yaml

    docs = list(yaml.safe_load_all(KUBE.read_text()))
    docs[0]["data"]["bps.xml"] = bps_xml
    text = yaml.safe_dump_all(docs, sort_keys=False)
    assert '  bps.xml: "<tns:WSO2BPS' in text  # a real double-quoted scalar, folded over several lines
    return text


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_finding_in_conf_text_held_in_a_quoted_scalar_is_at_its_key_naming_the_line_of_the_text(tmp_path, monkeypatch, capsys, source):
    """A quoted scalar's lines are not the text's: BPS401 on bps.xml line 5 is at the key's line and column, and
    says which line of which file it is; --style full shows the key's line with the caret under the key."""
    text = _quoted_stream(_BPS_XML)
    key_line = _line(text, "  bps.xml:")
    monkeypatch.chdir(tmp_path)
    if source == "file":
        (tmp_path / "manifests.yaml").write_text(text)
        args, path = ["manifests.yaml"], "manifests.yaml"
    else:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        args, path = ["-"], "<stdin>"
    main([*args, "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    (lock,) = [f for f in findings if f["rule"] == "BPS401"]
    assert (lock["path"], lock["line"], lock["column"]) == (path, key_line, 3)
    assert lock["message"].endswith("(bps.xml line 5 in ConfigMap bps-conf key bps.xml)")
    if source == "file":
        main([*args, "--style", "full"])
        out = capsys.readouterr().out
        assert f'{key_line} |   bps.xml: "<tns:WSO2BPS' in out and "\n  |   ^\n" in out


def test_malformed_xml_in_a_quoted_scalar_names_the_line_of_the_text(tmp_path, monkeypatch):
    text = _quoted_stream(_BPS_XML.replace("  <tns:NodeId>bps</tns:NodeId>\n", "  <tns:NodeId>bps</tns:Node>\n"))
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    (broken,) = [f for f in lint(tmp_path).findings if f.rule == "BPS001"]
    assert (broken.loc.line, broken.loc.column) == (_line(text, "  bps.xml:"), 3)
    assert broken.message.endswith("(bps.xml line 6 in ConfigMap bps-conf key bps.xml)"), broken.message


def test_a_shared_database_named_by_a_per_pod_field_is_one_database_per_pod(tmp_path, monkeypatch):
    """BPS_DS must be one database for the cluster: a URL holding the pod's own name gives each replica its own
    (BPS106 at the URL), where a property bps-lint cannot know is not compared."""
    text = _manifest(tmp_path, _env("metadata.name"))
    text = text.replace("  master-datasources.xml: |\n", "  bps-datasources.xml: |\n" + _BPS_DS + "  master-datasources.xml: |\n", 1)
    text = text.replace(
        "              subPath: master-datasources.xml\n",
        "              subPath: master-datasources.xml\n            - name: conf\n"
        "              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/datasources/bps-datasources.xml\n"
        "              subPath: bps-datasources.xml\n",
        1,
    )
    (tmp_path / "bps.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert ("BPS106", _line(text, "bps_${POD_NAME}")) in _rules(lint(tmp_path))
    (tmp_path / "bps.yaml").write_text(text.replace("-DPOD_NAME=$(POD_NAME)", "-DOTHER=$(POD_NAME)"))
    assert "BPS106" not in {rule for rule, _ in _rules(lint(tmp_path))}


_BPS_DS = """\
    <datasources-configuration>
      <providers><provider>org.wso2.carbon.ndatasource.rdbms.RDBMSDataSourceReader</provider></providers>
      <datasources>
        <datasource>
          <name>BPS_DS</name>
          <jndiConfig><name>bpsds</name></jndiConfig>
          <definition type="RDBMS">
            <configuration>
              <url>jdbc:mysql://mysql.bps.internal:3306/bps_${POD_NAME}</url>
              <driverClassName>com.mysql.jdbc.Driver</driverClassName>
              <defaultAutoCommit>true</defaultAutoCommit>
            </configuration>
          </definition>
        </datasource>
      </datasources>
    </datasources-configuration>
"""


def test_a_bps_xml_chosen_per_pod_with_subpathexpr_is_not_the_images(tmp_path, monkeypatch):
    """A ConfigMap with a bps.xml per pod (keys bps-worker-0, bps-worker-1, ...), each pod mounting its own with
    subPathExpr: $(POD_NAME): which one a pod gets is not known here, and it is not the image's."""
    text = _LOCAL_DB.format(env=_env("metadata.name"), node_id="", more_mounts="", more_volumes="")
    text = text.replace("  bps.xml: |\n", "  bps-worker-0: |\n", 1)
    text = text.replace("subPath: bps.xml", "subPathExpr: $(POD_NAME)", 1)
    (tmp_path / "bps.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    result = lint(tmp_path)
    assert result.nodes == 1
    assert not {f.rule for f in result.findings} & {"BPS401", "BPS403", "BPS404", "BPS004"}


PER_POD = REPO / "tests" / "fixtures" / "k8s-per-pod"


def test_the_reviewers_statefulset_has_a_local_registry_per_pod_and_one_node_id_for_all(tmp_path, monkeypatch):
    """The review's StatefulSet: bps_local_${POD_NAME} is each pod's own (no BPS108); NodeId ${POD_NAME} in bps.xml
    is the same text on the 3 pods (BPS404, saying bps.xml is read as written)."""
    monkeypatch.chdir(PER_POD)
    found = {(f.rule, f.loc.path, f.loc.line): f.message for f in lint(".").findings}
    assert not [key for key in found if key[0] == "BPS108"]
    assert "bps.xml is read as written" in found[("BPS404", "configmap-worker.yaml", 802)]


def test_a_shared_registry_named_by_a_per_pod_field_is_a_registry_per_pod(tmp_path, monkeypatch):
    """The shared registry (WSO2_REG_DB, behind the /_system/config and /_system/governance mounts) must be one
    database: named after each pod it is one per pod, BPS202 once at its URL."""
    for name in ("configmap-worker.yaml", "statefulset-worker.yaml"):
        (tmp_path / name).write_bytes((PER_POD / name).read_bytes())
    conf = tmp_path / "configmap-worker.yaml"
    text = conf.read_text().replace("3306/bps_registry?autoReconnect=true</url>", "3306/bps_registry_${POD_NAME}?autoReconnect=true</url>")
    conf.write_text(text)
    monkeypatch.chdir(tmp_path)
    registry = [f for f in lint(".").findings if f.rule == "BPS202"]
    assert [(f.loc.path, f.loc.line) for f in registry] == [("configmap-worker.yaml", _line(text, "bps_registry_${POD_NAME}"))]
    assert "whose system property each pod sets to its own name or IP, so every pod has a registry database of its own" in registry[0].message


def test_three_documents_run_together_are_a_finding_at_each_one_run_in(tmp_path, monkeypatch):
    docs = KUBE.read_text().split("---\n")
    text = "".join(docs)  # bps-conf, bps-tasks and the StatefulSet, no separator
    (tmp_path / "manifests.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    broken = [f for f in lint(tmp_path).findings if f.rule == "BPS003"]
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("apiVersion:")]
    assert [f.loc.line for f in broken] == starts[1:]
    assert all("(first at line 2; kind, metadata, data too)" in f.message for f in broken), broken[0].message  # spec: the StatefulSet's only


def test_a_member_host_from_java_opts_in_env_from_is_the_same_text_on_every_replica(tmp_path, monkeypatch):
    """localMemberHost ${POD_NAME}: each replica its own with JAVA_OPTS in env (the kubelet expands $(POD_NAME));
    with JAVA_OPTS from a ConfigMap through envFrom, not expanded, every replica advertises '$(POD_NAME)' (BPS305)."""
    import shutil

    fixture = REPO / "tests" / "fixtures" / "k8s-per-pod"
    shutil.copytree(fixture, tmp_path / "k8s")
    conf = tmp_path / "k8s" / "configmap-worker.yaml"
    marker = "            <!-- The host name or IP address of this member -->\n"
    conf.write_text(conf.read_text().replace(marker, marker + '            <parameter name="localMemberHost">${POD_NAME}</parameter>\n', 1))
    monkeypatch.chdir(tmp_path)
    assert not [f for f in lint("k8s").findings if f.rule == "BPS305"]
    workload = tmp_path / "k8s" / "statefulset-worker.yaml"
    java_opts = '            - name: JAVA_OPTS\n              value: "-DPOD_NAME=$(POD_NAME)"\n'
    assert java_opts in workload.read_text()
    workload.write_text(workload.read_text().replace(java_opts, "          envFrom:\n            - configMapRef: {name: bps-env}\n"))
    env_map = '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bps-env, namespace: wso2}\ndata:\n  JAVA_OPTS: "-DPOD_NAME=$(POD_NAME)"\n'
    (tmp_path / "k8s" / "env.yaml").write_text(env_map)
    (found,) = [f for f in lint("k8s").findings if f.rule == "BPS305"]
    assert "$(POD_NAME):4000 is used by" in found.message
