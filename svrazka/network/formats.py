"""A view of the network as a file other tools open: GraphML (yEd, Gephi, networkx), GEXF
(Gephi) and JSON (the same shape as network/graph.json)."""

import json
from xml.sax.saxutils import quoteattr

from svrazka.network.graph import View

NODE_KEYS = [
    ("label", "string"),
    ("kind", "string"),
    ("type", "string"),
    ("country", "string"),
    ("community", "int"),
    ("health", "int"),
    ("size", "int"),
]
EDGE_KEYS = [("kind", "string"), ("label", "string"), ("weight", "double")]


def _value(value) -> str:
    return "" if value is None else str(value)


def to_json(view: View) -> str:
    return json.dumps(view.as_json(), ensure_ascii=False, indent=1)


def to_graphml(view: View) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    for name, kind in NODE_KEYS:
        out.append(f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>')
    for name, kind in EDGE_KEYS:
        out.append(f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>')
    out.append('  <graph id="svrazka" edgedefault="undirected">')
    for node in view.nodes:
        out.append(f"    <node id={quoteattr(node['id'])}>")
        for name, _kind in NODE_KEYS:
            if node.get(name) is not None and node.get(name) != "":
                out.append(f'      <data key="n_{name}">{_escape(_value(node[name]))}</data>')
        out.append("    </node>")
    for edge in view.edges:
        out.append(
            f"    <edge id={quoteattr(edge['id'])} source={quoteattr(edge['source'])} "
            f"target={quoteattr(edge['target'])}>"
        )
        for name, _kind in EDGE_KEYS:
            out.append(f'      <data key="e_{name}">{_escape(_value(edge.get(name)))}</data>')
        out.append("    </edge>")
    out.append("  </graph>")
    out.append("</graphml>")
    return "\n".join(out) + "\n"


def to_gexf(view: View) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
        "  <meta><creator>Svrazka</creator></meta>",
        '  <graph defaultedgetype="undirected" mode="static">',
        '    <attributes class="node">',
    ]
    node_attrs = [k for k in NODE_KEYS if k[0] != "label"]
    for i, (name, kind) in enumerate(node_attrs):
        gexf_kind = {"string": "string", "int": "integer", "double": "double"}[kind]
        out.append(f'      <attribute id="{i}" title="{name}" type="{gexf_kind}"/>')
    out.append("    </attributes>")
    out.append('    <attributes class="edge">')
    out.append('      <attribute id="0" title="kind" type="string"/>')
    out.append("    </attributes>")
    out.append("    <nodes>")
    for node in view.nodes:
        out.append(f"      <node id={quoteattr(node['id'])} label={quoteattr(node['label'])}>")
        out.append("        <attvalues>")
        for i, (name, _kind) in enumerate(node_attrs):
            if node.get(name) is not None and node.get(name) != "":
                out.append(f'          <attvalue for="{i}" value={quoteattr(_value(node[name]))}/>')
        out.append("        </attvalues>")
        out.append("      </node>")
    out.append("    </nodes>")
    out.append("    <edges>")
    for edge in view.edges:
        out.append(
            f"      <edge id={quoteattr(edge['id'])} source={quoteattr(edge['source'])} "
            f'target={quoteattr(edge["target"])} weight="{float(edge.get("weight") or 0)}" '
            f"label={quoteattr(_value(edge.get('label')))}>"
        )
        out.append(
            f'        <attvalues><attvalue for="0" value={quoteattr(edge["kind"])}/></attvalues>'
        )
        out.append("      </edge>")
    out.append("    </edges>")
    out.append("  </graph>")
    out.append("</gexf>")
    return "\n".join(out) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
