"""JUnit XML: one test suite per cluster, one test case per rule; a case fails when it has findings that fail the run."""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from linter.redact import escape
from linter.report.text import finding_line
from linter.findings import RunResult

NO_CLUSTER = "(discovery)"


def render(result: RunResult, engine, settings) -> str:
    by_case = defaultdict(list)
    for f in result.findings:
        by_case[(f.cluster or NO_CLUSTER, f.rule)].append(f)
    clusters = list(result.cluster_names) + ([NO_CLUSTER] if any(c == NO_CLUSTER for c, _ in by_case) else [])
    suites = etree.Element("testsuites", name="bps-lint")
    total = failed = 0
    for cluster in clusters:
        suite = etree.SubElement(suites, "testsuite", name=cluster)
        cases = failures = 0
        for policy in engine.policies:
            findings = by_case.get((cluster, policy.id), [])
            if cluster == NO_CLUSTER and not findings:
                continue
            case = etree.SubElement(suite, "testcase", classname=f"bps-lint.{cluster}", name=escape(f"{policy.id} {policy.name}"))
            cases += 1
            failing = [f for f in findings if settings.fails(f.severity)]
            if failing:
                failures += 1
                failure = etree.SubElement(case, "failure", type=failing[0].severity, message=escape(f"{len(failing)} finding(s): {policy.title}"))
                failure.text = "\n".join(finding_line(f) for f in failing)
            others = [f for f in findings if f not in failing]
            if others:
                etree.SubElement(case, "system-out").text = "\n".join(finding_line(f) for f in others)
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += cases
        failed += failures
    suites.set("tests", str(total))
    suites.set("failures", str(failed))
    suites.set("errors", "0")
    return etree.tostring(suites, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
