"""Behind the load balancer: the host name a node hands out, and HumanTask coordination callbacks."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.checks.clustering import is_loopback
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node


@check
def load_balancer_host(node: Node, cluster: Cluster):
    # Behind the load balancer, the URLs a node hands out (WSDL endpoints, HumanTask callbacks) are built
    # from carbon.xml HostName and the connector's proxyPort: both must name the load balancer.
    if not cluster.multi_node or not node.carbon:
        return
    host = node.carbon.host_name
    if host.is_blank or is_loopback(host.text):
        yield Violation(
            host.loc,
            f"carbon.xml HostName is {host.shown()}, so the endpoints and HumanTask callback URLs this node hands out name the node itself "
            "rather than the load balancer; expected HostName (and MgtHostName) set to the load balancer's host name",
        )
    # Service endpoints (AbstractTransportListener.genEpr) take carbon.xml Ports/WorkerHttp(s)ProxyPort first, then
    # the connector's proxyPort; other URLs (CarbonUtils.getTransportProxyPort: attachment links) only the connector's.
    carbon = node.carbon
    worker_ports = [
        n for n, p in (("WorkerHttpProxyPort", carbon.worker_http_proxy_port), ("WorkerHttpsProxyPort", carbon.worker_https_proxy_port)) if p and not p.is_blank
    ]
    if node.tomcat is None or not node.tomcat.proxy_ports:
        return
    set_on = [(p, https) for p, https in zip(node.tomcat.proxy_ports, node.tomcat.https or (False,) * len(node.tomcat.proxy_ports)) if p.present]
    if set_on:  # a load balancer set up for one connector and not the other: the other's URLs carry the node's port
        for port, https in zip(node.tomcat.proxy_ports, node.tomcat.https):
            if not port.present:
                other, other_https = set_on[0]
                name, wanted, worker_port = ("HTTPS", "443", "WorkerHttpsProxyPort") if https else ("HTTP", "80", "WorkerHttpProxyPort")
                carried = (
                    f"carbon.xml Ports/{worker_port} gives the service endpoints the load balancer's port, but the {name} URLs built from the "
                    "connector alone (CarbonUtils.getTransportProxyPort, e.g. HumanTask's attachment links) carry this node's own port"
                    if worker_port in worker_ports
                    else f"so the {name} URLs this node hands out (HumanTask callbacks among them) carry its own port"
                )
                yield Violation(
                    port.loc,
                    f"the {name} connector in tomcat/catalina-server.xml sets no proxyPort, while the {'HTTPS' if other_https else 'HTTP'} one sets "
                    f'{other.shown()}; {carried}; expected proxyPort="{wanted}" on it too',
                )
        return
    first = node.tomcat.proxy_ports[0].loc  # the first connector, where proxyPort goes (no longer its <Service>)
    if worker_ports:
        yield Violation(
            first,
            f"no connector in tomcat/catalina-server.xml sets a proxyPort; carbon.xml Ports/{' and '.join(worker_ports)} gives the service endpoints "
            "the load balancer's port, but URLs built from the connector alone (CarbonUtils.getTransportProxyPort, e.g. HumanTask's attachment links) "
            'carry this node\'s own port (9443 plus the offset); expected proxyPort="80" on the HTTP connector and proxyPort="443" on the HTTPS one as well',
        )
    else:
        yield Violation(
            first,
            "no connector in tomcat/catalina-server.xml sets a proxyPort, nor carbon.xml Ports/WorkerHttpProxyPort or WorkerHttpsProxyPort, so the URLs "
            "this node hands out carry its own port (9763/9443 plus the offset) rather than the load balancer's; "
            'expected proxyPort="80" on the HTTP connector and proxyPort="443" on the HTTPS one',
        )


@check
def humantask_coordination_lb(node: Node, cluster: Cluster):
    # HumanTask reads humantask.xml, the BPEL4People extension b4p-coordination-config.xml: each needs the
    # load balancer's URL in a cluster (without it every node builds callback URLs from its own host name).
    if not cluster.multi_node:
        return
    files = [("humantask.xml", node.humantask), ("b4p-coordination-config.xml", node.coordination)]
    for name, config in files:
        if config and config.coordination_enabled.is_true():
            url = config.load_balancer_url
            if url.is_blank:
                yield Violation(
                    url.loc,
                    f"TaskCoordinationEnabled is true in {name} in a cluster but ClusteredTaskEngines/LoadBalancerURL is not set there, so callbacks name "
                    "the node itself; expected the load balancer URL of the task engines",
                )
    if node.humantask and node.coordination:
        ht, b4p = node.humantask.coordination_enabled.is_true(), node.coordination.coordination_enabled.is_true()
        if ht != b4p:
            yield Violation(
                node.coordination.coordination_enabled.loc,
                f"TaskCoordinationEnabled is {str(b4p).lower()} in b4p-coordination-config.xml but {str(ht).lower()} in humantask.xml; "
                "BPEL reads the first and HumanTask the second, so expected the same value in both",
            )
