"""Credentials: passwords in plaintext, and well-known defaults."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.checks.jdbc import is_embedded
from linter.evaluate.violation import Violation
from linter.redact import redact
from linter.model.types import Node, Cluster, Secret


def _secrets(node: Node) -> list[tuple[str, Secret]]:
    """Every password the node uses, with what it is for. Not an embedded file database's (the stock H2 local
    registry, which the runbook keeps): it takes no connection from the network, so its password guards nothing
    that reading the node's files does not already give; one that also serves others (H2 AUTO_SERVER) counts."""
    found = [(f"password of datasource {d.name.text}", d.password) for d in node.datasources if not _local_file_database(d.url.text)]
    if node.user_mgt:
        found.append(("password of the admin user in user-mgt.xml", node.user_mgt.admin_password))
    if node.carbon and node.carbon.depsync.enabled.is_true() and (node.carbon.depsync.repository_type.text or "registry") in ("svn", "git"):
        found.append(("DeploymentSynchronizer SvnPassword", node.carbon.depsync.svn_password))
    if node.tasks and node.tasks.mode.text == "REMOTE":
        found.append(("remoteServerPassword in tasks-config.xml", node.tasks.remote_password))
    if node.humantask and node.humantask.coordination_enabled.is_true():
        found.append(("HumanTask RegistrationServiceAuthentication password", node.humantask.registration_password))
    return found


def _local_file_database(url: str | None) -> bool:
    return is_embedded(url) and "auto_server=true" not in (url or "").lower().replace(" ", "")


_PASSWORD_IN_URL = "the URL of datasource {name} holds its password in plaintext ('{url}'); expected the password out of the URL, in <password> with a Secure Vault alias (svns:secretAlias)"


@check
def plaintext_password(node: Node, cluster: Cluster):
    for what, secret in _secrets(node):
        if secret.state == "plaintext" and not secret.is_default:
            yield Violation(secret.loc, f"{what} is in plaintext; expected a Secure Vault alias (svns:secretAlias) encrypted with the cipher tool")
    for pool in node.datasources:  # a password in the URL (password=, user:pass@, Oracle's user/pass@) is plaintext too
        url = pool.url
        shown = redact(url.text) if url.present and "${" not in (url.raw or "") else url.text
        if shown != url.text:
            yield Violation(url.loc, _PASSWORD_IN_URL.format(name=pool.name.text, url=shown))


@check
def default_credentials(node: Node, cluster: Cluster):
    for what, secret in _secrets(node):
        if secret.state == "plaintext" and secret.is_default:
            yield Violation(secret.loc, f"{what} is a well-known default; expected a strong password kept in Secure Vault")
