"""Docs as code: the site builds strictly, its snippets lint as they claim, runbook and rules link both ways, and every help_url lands on a page."""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from lxml import etree

from linter.evaluate.engine import DEFAULT_DOCS_URL, docs_version
from tests.helpers import REPO, STOCK, engine, lint, materialize, node_file, policies

RUNBOOK = REPO / "docs" / "runbook"
RUNBOOK_FILES = RUNBOOK / "files"  # the runbook's complete per-role files, one folder per node
# An annotated fence, possibly indented (inside a list item): ``<!-- bps-lint: ARGS -->`` then ```xml (or bash).
ANNOTATION = re.compile(r"^(?P<indent>[ \t]*)<!-- bps-lint: (?P<args>[^>]*?) -->\s*\n[ \t]*```(?:xml|bash)[^\n]*\n(?P<body>.*?)\n[ \t]*```", re.S | re.M)
XML_FENCE = re.compile(r"^[ \t]*```xml[^\n]*\n(?P<body>.*?)\n[ \t]*```", re.S | re.M)
INCLUDE = re.compile(r'^[ \t]*--8<-- "(?P<path>[^"]+)"$', re.M)
RULE_LINK = re.compile(r"\]\(\.\./rules/(BPS\d{3})\.md\)")


def _pages():
    return sorted(RUNBOOK.glob("*.md"))


def _snippets():
    """Each annotated snippet; snippets of one page with the same ``together=NAME`` (two files a step changes at once,
    say humantask.xml and b4p-coordination-config.xml) are linted together, each carrying the others in ``args``."""
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        found = []
        for match in ANNOTATION.finditer(text):
            args = dict(part.split("=", 1) if "=" in part else (part, "yes") for part in match["args"].split())
            found.append((args, textwrap.dedent(match["body"]), text.count("\n", 0, match.start()) + 1))
        for args, body, line in found:
            group = [(a, b) for a, b, other in found if "together" in args and a.get("together") == args["together"] and other != line]
            yield pytest.param(page.name, {**args, "with": group} if group else args, body, id=f"{page.stem}:{line}")


SNIPPETS = list(_snippets())


TOML_FENCE = re.compile(r"^[ \t]*```toml[^\n]*\n(?P<body>.*?)\n[ \t]*```", re.S | re.M)


@pytest.mark.parametrize("page", ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md"))])
def test_fences_close_and_toml_snippets_parse(page):
    """An unclosed fence turns the prose after it into code on the site, and mkdocs --strict does not notice."""
    import tomllib

    text = (REPO / page).read_text(encoding="utf-8")
    assert len(re.findall(r"^[ \t]*```", text, re.M)) % 2 == 0, f"{page} has a fence that is never closed"
    for fence in TOML_FENCE.finditer(text):
        tomllib.loads(textwrap.dedent(fence["body"]))  # raises with the line when a snippet is not TOML


def test_every_runbook_xml_snippet_is_annotated_or_included():
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        annotated = {m.start("body") for m in ANNOTATION.finditer(text)}
        for fence in XML_FENCE.finditer(text):
            assert fence.start("body") in annotated or INCLUDE.fullmatch(fence["body"].strip()), (
                f"{page.name}:{text.count(chr(10), 0, fence.start()) + 1}: an XML snippet that is neither linted nor included from files/"
            )
    assert len(SNIPPETS) > 20


@pytest.mark.parametrize("page,args,body", SNIPPETS)
def test_runbook_snippet(page, args, body, tmp_path):
    nodes = args["nodes"].split(",")
    if "excerpt" in args:
        wanted = [line.strip() for line in body.splitlines()]
        for node in nodes:
            lines = [line.strip() for line in node_file(RUNBOOK_FILES, node, args["file"]).read_bytes().decode("latin-1").splitlines()]
            assert any(lines[i : i + len(wanted)] == wanted for i in range(len(lines))), f"{page}: excerpt not found in files/{node}/{args['file']}"
        return
    files = [{"nodes": nodes, "file": args["file"], "xml": body + "\n"}]
    files += [{"nodes": other["nodes"].split(","), "file": other["file"], "xml": text + "\n"} for other, text in args.get("with", ())]
    cluster = materialize({"files": files}, tmp_path, base=RUNBOOK_FILES)
    result = lint(cluster)
    if "wrong" in args:
        assert args["wrong"] in {f.rule for f in result.findings}
    else:
        assert [f for f in result.findings if f.severity == "error"] == [], [f"{f.rule} {f.message}" for f in result.findings]


def test_the_runbooks_complete_files_lint_clean_as_one_cluster():
    result = lint(RUNBOOK_FILES)
    assert [f"{f.rule} {f.loc.path}:{f.loc.line} {f.message}" for f in result.findings] == []
    assert (result.clusters, result.nodes) == (1, 3)


def test_complete_files_page_shows_every_file_of_the_manager_and_a_worker():
    text = (RUNBOOK / "files.md").read_text(encoding="utf-8")
    included = set(INCLUDE.findall(text))
    for path in included:
        assert (RUNBOOK_FILES / path).is_file(), path
    for node in ("manager", "worker1"):
        on_disk = {p.relative_to(RUNBOOK_FILES).as_posix() for p in (RUNBOOK_FILES / node).rglob("*") if p.is_file()}
        shown = {p for p in included if p.startswith(f"{node}/")}
        identical = {f"{node}/{rel}" for rel in _same_on_every_node()} if node == "worker1" else set()
        assert on_disk - identical == shown, f"{node}: files not shown on the page: {sorted(on_disk - identical - shown)}"


def _same_on_every_node() -> set[str]:
    manager = RUNBOOK_FILES / "manager"
    rels = {p.relative_to(manager).as_posix() for p in manager.rglob("*") if p.is_file()}
    return {rel for rel in rels if all((RUNBOOK_FILES / n / rel).read_bytes() == (manager / rel).read_bytes() for n in ("worker1", "worker2"))}


def _changed_lines(a: Path, b: Path) -> tuple[list[str], list[str]]:
    left, right = a.read_text(encoding="latin-1").splitlines(), b.read_text(encoding="latin-1").splitlines()
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    return [line for _, i1, i2, _, _ in changes for line in left[i1:i2]], [line for _, _, _, j1, j2 in changes for line in right[j1:j2]]


def test_differences_table_names_every_setting_that_differs_between_the_roles():
    text = (RUNBOOK / "files.md").read_text(encoding="utf-8")
    table = text[text.index("{#differences}") : text.index("## The files")]
    rows = [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in table.splitlines() if line.startswith("| `")]
    assert rows
    manager = RUNBOOK_FILES / "manager"
    for path in sorted(p for p in manager.rglob("*") if p.is_file()):
        rel = path.relative_to(manager).as_posix()
        short = rel.removeprefix("repository/conf/")
        mine = [row for row in rows if row[0] == short]
        for worker in ("worker1", "worker2"):
            removed, added = _changed_lines(path, RUNBOOK_FILES / worker / rel)
            assert len(removed) == len(added) == len(mine), f"{short}: {len(removed)} lines differ on {worker}, the table has {len(mine)} rows"
            column = 3 if worker == "worker1" else 4
            for row in mine:
                assert any(row[2] in line for line in removed), f"{short}: manager value {row[2]!r} is not on a line that differs"
                assert any(row[column] in line for line in added), f"{short}: {worker} value {row[column]!r} is not on a line that differs"


def _toml_block(page: str, starting: str) -> str:
    (block,) = [b for b in re.findall(r"```toml\n(.*?)\n```", (RUNBOOK / page).read_text(encoding="utf-8"), re.S) if b.startswith(starting)]
    return block


def test_performance_worked_example_is_consistent_and_lints_clean(tmp_path):
    manifest = _toml_block("performance.md", "# bps-lint.toml")
    clean = materialize({"files": [], "manifest": manifest}, tmp_path / "three", base=RUNBOOK_FILES)
    assert [f"{f.rule} {f.message}" for f in lint(clean).findings] == []
    # The same manifest with a fourth node: the page says the 1200 connections no longer fit.
    grown = materialize({"files": [], "manifest": manifest + "\n[nodes.worker3]\ncores = 4\n"}, tmp_path / "four", base=RUNBOOK_FILES)
    shutil.copytree(grown / "worker2", grown / "worker3")
    assert "BPS105" in {f.rule for f in lint(grown).findings}


SECURE_VAULT = "{http://org.wso2.securevault/configuration}secretAlias"


def _cipher_tool_entries(node: Path) -> dict[str, tuple[str, str]]:
    entries = {}
    for line in (node / "repository/conf/security/cipher-tool.properties").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            alias, _, target = line.partition("=")
            file, _, xpath = target.rpartition(",")[0].partition("//")
            entries[alias.strip()] = (file, "/" + xpath)
    return entries


def _strip_namespaces(tree):
    for element in tree.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return tree


@pytest.mark.parametrize("node", ["manager", "worker1", "worker2"])
def test_every_secret_alias_is_registered_with_the_cipher_tool(node):
    """What ciphertool.sh -Dconfigure needs: each alias in cipher-tool.properties, with an XPath that selects the element carrying it."""
    home = RUNBOOK_FILES / node
    entries = _cipher_tool_entries(home)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    aliases = 0
    for path in sorted((home / "repository/conf").rglob("*.xml")):
        tree = etree.parse(str(path), parser)
        for element in tree.iter():
            alias = element.get(SECURE_VAULT) if isinstance(element.tag, str) else None
            if alias is None:
                continue
            aliases += 1
            assert alias in entries, f"{path.name}: alias {alias} is not in cipher-tool.properties"
            file, xpath = entries[alias]
            assert (home / file) == path, f"{alias}: cipher-tool.properties names {file}"
            plain = _strip_namespaces(etree.parse(str(path), parser))
            assert [e.get(SECURE_VAULT) for e in plain.getroot().xpath(xpath)] == [alias], f"{alias}: {xpath} does not select its element"
            if path.name == "carbon.xml":  # ServerConfiguration looks up "Carbon." + the element path, and skips empty elements
                steps = [etree.QName(a).localname for a in element.iterancestors()][::-1][1:] + [etree.QName(element).localname]
                assert alias == "Carbon." + ".".join(steps) and (element.text or "").strip(), alias
    assert aliases >= 7


def test_cipher_text_example_uses_the_files_aliases():
    block = re.search(r"```properties\n(.*?)\n[ \t]*```", (RUNBOOK / "startup.md").read_text(encoding="utf-8"), re.S)[1]
    entries = _cipher_tool_entries(RUNBOOK_FILES / "manager")
    for line in textwrap.dedent(block).splitlines():
        assert line.partition("=")[0] in entries, line


def test_runbook_index_links_every_page_in_nav_order():
    index = (RUNBOOK / "index.md").read_text(encoding="utf-8")
    linked = re.findall(r"\| \d+\. \[[^]]+\]\(([a-z-]+)\.md\)", index)
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    (runbook_nav,) = [section["Runbook"] for section in config["nav"] if isinstance(section, dict) and "Runbook" in section]
    in_nav = [next(iter(entry.values())).removeprefix("runbook/").removesuffix(".md") for entry in runbook_nav[1:]]
    assert linked == in_nav
    assert linked[-4:] == ["verify", "troubleshooting", "rolling-restart", "guide-mistakes"]  # run the cluster, then the reference
    assert {p.stem for p in _pages()} == set(linked) | {"index"}


# Each place the runbook departs from the WSO2 guide, as (page, what the visible correction names).
GUIDE_CORRECTIONS = [
    ("registry", "the JDBC connection URL"),
    ("registry", "Carbon ignores `<cacheId>`"),
    ("registry", "`instanceid`"),
    ("clustering", "`membershipSchema`"),
    ("clustering", "`loadMemberHost`"),
    ("bps-config", "scheduler pool to `0`"),
    ("bps-config", "`SchedulerTreadPool`"),
    ("performance", "master-datasources.xml"),
    ("databases", "`WSO2_REGISTRY_DB`"),
    ("databases", "`username@localhost`"),
    ("tasks", "survivors of a rolling restart"),
]


def _admonitions(text: str, title: str) -> list[str]:
    return [m[1] for m in re.finditer(rf'^!!! warning "{re.escape(title)}"\n((?:    .*\n|\n)+)', text, re.M)]


def test_each_guide_correction_is_a_visible_admonition(site):
    for page, needle in GUIDE_CORRECTIONS:
        boxes = _admonitions((RUNBOOK / f"{page}.md").read_text(encoding="utf-8") + "\n", "Correction to the WSO2 guide")
        assert any(needle in " ".join(box.split()) for box in boxes), f"{page}: no correction naming {needle}"
        html = (site / "runbook" / page / "index.html").read_text(encoding="utf-8")
        assert '<p class="admonition-title">Correction to the WSO2 guide</p>' in html


def test_guide_to_runbook_name_table_covers_every_database():
    text = (RUNBOOK / "databases.md").read_text(encoding="utf-8")
    table = text[text.index("{#names}") :]
    for guide_name in ("BPS_DB", "BPMN_DB", "REGISTRY_DB", "WSO2_REGISTRY_DB", "WSO2_USER_DB", "REGISTRY_LOCAL1", "REGISTRY_LOCAL2", "bpsds"):
        assert f"`{guide_name}`" in table, guide_name
    urls = " ".join(p.read_text(encoding="utf-8") for p in RUNBOOK_FILES.glob("*/repository/conf/datasources/*.xml"))
    for database in ("bps_db", "bps_activiti", "bps_registry", "bps_userstore", "bps_local_manager", "bps_local_worker1", "bps_local_worker2"):
        assert f"`{database}`" in table and f":3306/{database}?" in urls, database


def test_no_internal_constraint_labels_in_hand_written_pages():
    for page in [*_pages(), *(REPO / "docs").glob("*.md")]:
        labels = re.findall(r"\b[KX]\d{1,2}\b", page.read_text(encoding="utf-8"))
        assert labels == [], f"{page.name}: internal labels {labels}"


def test_every_rule_names_a_runbook_step_that_links_back(site):
    for policy in policies():
        page, _, anchor = policy.runbook.partition("#")
        source = RUNBOOK / f"{page}.md"
        assert source.is_file(), f"{policy.id}: no runbook page {page}"
        html = (site / "runbook" / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, f"{policy.id}: no step #{anchor} on {page}"
        assert policy.id in RULE_LINK.findall(source.read_text(encoding="utf-8")), f"{policy.id}: {page}.md does not link back"
        rule_html = (site / "rules" / policy.id / "index.html").read_text(encoding="utf-8")
        assert f'href="../../runbook/{page}/#{anchor}"' in rule_html


def test_every_runbook_page_links_a_rule():
    for page in _pages():
        assert RULE_LINK.search(page.read_text(encoding="utf-8")), f"{page.name} links no rule"


def test_rule_pages_are_generated_from_the_policies(site):
    for policy in policies():
        html = (site / "rules" / policy.id / "index.html").read_text(encoding="utf-8")
        assert f'>{policy.id} {policy.name}<a class="headerlink"' in html
        assert policy.title in html
        with_body = sum(1 for e in policy.examples for f in e["files"] if "state" not in f)
        assert html.count('<span class="filename">') == with_body  # one highlighted block per example file
    index = (site / "rules" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{p.id}/"' in index for p in policies())


def test_help_urls_land_on_built_pages(site):
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    assert config["site_url"] == DEFAULT_DOCS_URL
    versioned = f"{DEFAULT_DOCS_URL}{docs_version()}/"  # mike publishes this build under the version's folder
    for policy in policies():
        url = engine().help_url(policy)
        assert url.startswith(versioned)
        assert (site / url[len(versioned) :] / "index.html").is_file(), url
    for finding in lint(REPO / "examples" / "broken-cluster").findings:
        assert (site / finding.help_url[len(versioned) :] / "index.html").is_file()


def test_usage_page_documents_every_subcommand_and_exit_code():
    text = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    for needle in (
        "bps-lint rules",
        "bps-lint explain",
        "bps-lint model",
        "--format json",
        "--docs-url",
        "| 0 |",
        "| 1 |",
        "| 2 |",
        "bps-lint.toml",
        "pre-commit",
    ):
        assert needle in text, needle


def _toml_blocks(page):
    return re.findall(r"```toml\n(.*?)\n```", (REPO / "docs" / page).read_text(encoding="utf-8"), re.S)


def test_documented_config_and_policy_examples_are_valid(tmp_path):
    from linter.config import apply_settings, load_settings
    from linter.evaluate.policy import load_policies

    (config,) = [b for b in _toml_blocks("usage.md") if b.startswith("# Which rules")]
    (policy,) = [b for b in _toml_blocks("usage.md") if b.startswith("# lint-policies/ORG001.toml")]
    (tmp_path / "lint-policies").mkdir()
    (tmp_path / "lint-policies" / "ORG001.toml").write_text(policy)
    (tmp_path / "bps-lint.toml").write_text(config)
    settings = load_settings([str(tmp_path)])
    chosen = apply_settings(load_policies(settings.extra_policies), settings)
    assert "ORG001" not in {p.id for p in chosen}  # select = ["BPS"] leaves it out
    assert {p.id: p.severity for p in chosen}["BPS705"] == "error"
    assert settings.per_path_ignores == {"envs/dev/**": ["BPS705", "BPS706"]}


def _datasources(node: str) -> list[tuple[str, str]]:
    """(username, database) of every MySQL datasource of a node in the complete files."""
    found = []
    for path in (RUNBOOK_FILES / node / "repository/conf/datasources").glob("*.xml"):
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True))
        for config in tree.iter("configuration"):
            url = config.findtext("url") or ""
            if url.startswith("jdbc:mysql://"):
                found.append((config.findtext("username"), url.split("/")[3].split("?")[0]))
    return found


def test_sql_creates_every_database_and_grants_every_user_the_files_use():
    sql = (RUNBOOK / "databases.md").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+);", sql))
    scripts = {
        db: re.findall(r"SOURCE <BPS_HOME>/dbscripts/(\S+);", body) for db, body in re.findall(r"CREATE DATABASE (\w+);\nUSE \1;\n((?:SOURCE .*\n)+)", sql)
    }
    assert set(scripts) == created
    assert scripts.pop("bps_db") == ["bps/bpel/create/mysql.sql"]  # the HumanTask tables are in it too
    assert [s.split(".")[-2] for s in scripts.pop("bps_activiti")] == ["engine", "history", "identity"]
    assert all(found == ["mysql.sql"] for found in scripts.values())  # registry and user store schema, local registries included
    grants = set(re.findall(r"GRANT ALL ON (\w+)\.\* +TO '(\w+)'@'([^']+)';", (RUNBOOK / "install.md").read_text(encoding="utf-8")))
    hosts = {host for *_, host in grants}
    assert hosts == {"10.0.1.%"}  # the nodes' network, never localhost
    used = {pair for node in ("manager", "worker1", "worker2") for pair in _datasources(node)}
    assert len(used) == 7
    for user, database in used:
        assert database in created, f"{database} is not created on the databases page"
        assert (database, user, "10.0.1.%") in grants, f"{user} has no grant on {database}"


def test_nginx_sample_routes_the_console_to_the_manager_and_services_to_the_workers():
    text = (RUNBOOK / "load-balancing.md").read_text(encoding="utf-8")
    (nginx,) = re.findall(r"```nginx\n(.*?)\n```", text, re.S)
    upstreams = {name: re.findall(r"server ([\d.]+):(\d+);", body) for name, body in re.findall(r"upstream (\w+) \{(.*?)\}", nginx, re.S)}

    def address(node):
        axis2 = (RUNBOOK_FILES / node / "repository/conf/axis2/axis2.xml").read_text(encoding="utf-8")
        return re.search(r'<parameter name="localMemberHost">([\d.]+)</parameter>', axis2)[1]

    def writable(node):  # the readOnly of the remote instance behind the /_system/config mount
        registry = etree.parse(
            str(RUNBOOK_FILES / node / "repository/conf/registry.xml"), etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
        )
        (instance,) = registry.xpath("/wso2registry/mount[@path='/_system/config']/instanceId/text()")
        return registry.xpath(f"/wso2registry/remoteInstance[id='{instance}']/readOnly/text()") == ["false"]

    managers = [n for n in ("manager", "worker1", "worker2") if writable(n)]
    workers = [n for n in ("worker1", "worker2") if not writable(n)]
    assert managers == ["manager"]
    assert upstreams["bps_manager"] == [(address("manager"), "9443")]
    assert upstreams["bps_workers"] == [(address(w), "9443") for w in workers]
    assert upstreams["bps_workers_http"] == [(address(w), "9763") for w in workers]
    assert "location /carbon/                   { proxy_pass https://bps_manager; }" in nginx


# The guide's own mistakes that the corrections describe, applied to the complete files: bps-lint reports each.
GUIDE_MISTAKES = [
    ("axis2/axis2.xml", 'name="membershipScheme"', 'name="membershipSchema"', "BPS303"),
    ("axis2/axis2.xml", 'name="localMemberHost"', 'name="loadMemberHost"', "BPS303"),
    ("registry.xml", "<cacheId>regadmin@jdbc", "<cacheId>regadmin@ jdbc", "BPS201"),
    ("registry.xml", "<instanceId>sharedregistry</instanceId>", "<instanceId>sharedRegistry</instanceId>", "BPS203"),
    ("bps.xml", "<tns:ODESchedulerThreadPoolSize>50<", "<tns:ODESchedulerThreadPoolSize>0<", "BPS102"),
]


@pytest.mark.parametrize("file,old,new,rule", GUIDE_MISTAKES, ids=[m[2] for m in GUIDE_MISTAKES])
def test_the_guides_mistakes_are_findings(file, old, new, rule, tmp_path):
    cluster = materialize({"files": [{"nodes": ["worker1"], "file": file, "replace": old, "with": new}]}, tmp_path, base=RUNBOOK_FILES)
    assert rule in {f.rule for f in lint(cluster).findings}


@pytest.mark.skipif(not STOCK.is_dir(), reason="the shared corpus is not beside the repository")
def test_complete_files_keep_the_licence_headers_of_the_stock_files():
    for path in sorted(p for p in RUNBOOK_FILES.rglob("*") if p.is_file()):
        stock = STOCK / path.relative_to(RUNBOOK_FILES).relative_to(path.relative_to(RUNBOOK_FILES).parts[0])
        if stock.is_file() and "Apache License" in stock.read_text(encoding="latin-1"):
            assert "Apache License" in path.read_text(encoding="latin-1"), f"{path.relative_to(RUNBOOK_FILES)} lost its licence header"
