"""IPTC wire formats as article fields: ninjs (JSON, 1.x and 2.x shapes) and NewsML-G2 (XML).

Pure mapping, no I/O. Each function returns the loosely named fields that
`agents.logic.ingest.build_record` turns into an articles.raw record, using the
record's own field names (article_id = the item's guid, version, version_created_at,
first_created_at, urgency, dateline, located, subjects).

XML from outside is parsed by `parse_xml` only: no DTD is loaded, no entity is
resolved, nothing is fetched from the network, and a document that declares entities
is refused outright (the XXE and "billion laughs" attacks both need one).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

G2_NS = "http://iptc.org/std/nar/2006-10-01/"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Keys only ninjs uses: an object holding `uri` and one of them is read as ninjs.
NINJS_KEYS = frozenset(
    {
        "versioncreated",
        "firstcreated",
        "body_text",
        "body_html",
        "bodies",
        "headlines",
        "bylines",
        "located",
        "urgency",
        "pubstatus",
        "representationtype",
    }
)
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
G2_ITEM_TAGS = ("newsItem", "packageItem", "conceptItem", "knowledgeItem", "planningItem", "catalogItem")


class WireFormatError(ValueError):
    """Input that cannot be read as a wire item; reason is an articles.dlq reason."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# ---------------------------------------------------------------------------- ninjs


def is_ninjs(obj: dict) -> bool:
    return "uri" in obj and not NINJS_KEYS.isdisjoint(obj)


def ninjs_fields(obj: dict) -> dict:
    """Article fields of one ninjs object, whichever of the 1.x or 2.x shapes it uses."""
    body, content_type = _ninjs_body(obj)
    return {
        "article_id": obj.get("uri"),
        "version": obj.get("version"),
        "title": _ninjs_headline(obj),
        "body": body,
        "content_type": content_type,
        "byline": _ninjs_byline(obj),
        "published_at": obj.get("firstcreated") or obj.get("versioncreated"),
        "first_created_at": obj.get("firstcreated"),
        "version_created_at": obj.get("versioncreated"),
        "urgency": obj.get("urgency"),
        "language": obj.get("language"),
        "located": obj.get("located") if isinstance(obj.get("located"), str) else None,
        "subjects": [_ninjs_subject(s) for s in obj.get("subjects") or obj.get("subject") or [] if isinstance(s, dict)],
        # A lower-priority alias of source: a configured outlet name comes first.
        "publisher": obj.get("copyrightholder"),
    }


def _ninjs_headline(obj: dict) -> str | None:
    headline = obj.get("headline")
    if isinstance(headline, str):
        return headline
    # 2.x: headlines [{role, value}]; some 2.0 drafts wrote headline [{name, text}].
    candidates = obj.get("headlines") or (headline if isinstance(headline, list) else [])
    texts = [
        (h.get("role") or h.get("name"), h.get("value") or h.get("text")) for h in candidates if isinstance(h, dict)
    ]
    for role, text in texts:
        if text and role in (None, "main", "headline"):
            return text
    return next((text for _, text in texts if text), None)


def _ninjs_body(obj: dict) -> tuple[str | None, str | None]:
    if obj.get("body_html"):
        return obj["body_html"], "html"
    if obj.get("body_text"):
        return obj["body_text"], "text"
    bodies = [b for b in obj.get("bodies") or obj.get("body") or [] if isinstance(b, dict) and b.get("value")]
    for body in bodies:
        kind = (body.get("contenttype") or body.get("name") or "").lower()
        if any(marker in kind for marker in ("html", "xhtml")):
            return body["value"], "html"
    if bodies:
        return bodies[0]["value"], None  # content type left to the sniffer
    return None, None


def _ninjs_byline(obj: dict) -> str | None:
    for key in ("byline", "by"):
        if isinstance(obj.get(key), str) and obj[key].strip():
            return obj[key]
    names = []
    for entry in obj.get("bylines") or []:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict) and (entry.get("byline") or entry.get("name")):
            names.append(entry.get("byline") or entry.get("name"))
    return ", ".join(names) or None


def _ninjs_subject(subject: dict) -> dict:
    code = subject.get("uri") or subject.get("literal") or subject.get("code")
    if subject.get("scheme") and subject.get("code"):
        code = f"{subject['scheme']}:{subject['code']}"
    return {"code": code, "name": subject.get("name")}


# ----------------------------------------------------------------------------- XML


def parse_xml(data: bytes) -> etree._Element:
    """The root element of an XML document, parsed without DTDs, entities or network.

    Raises WireFormatError: malformed_xml when it is not well-formed XML,
    unsupported_input when it declares entities.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise WireFormatError("malformed_xml", f"not well-formed XML: {exc}") from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise WireFormatError("unsupported_input", "XML that declares entities is refused (no DTD processing)")
    return root


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def is_newsml_g2(root: etree._Element) -> bool:
    return etree.QName(root).namespace == G2_NS


def newsml_items(root: etree._Element) -> Iterator[etree._Element]:
    """The items of a NewsML-G2 document: the root item itself, or those in a newsMessage."""
    if local_name(root) == "newsMessage":
        item_set = root.find(f"{{{G2_NS}}}itemSet")
        if item_set is not None:
            yield from (child for child in item_set if local_name(child) in G2_ITEM_TAGS)
    else:
        yield root


def xml_bytes(element: etree._Element) -> bytes:
    """One element as a document of its own: the original bytes of a dead-lettered item."""
    return etree.tostring(element, encoding="utf-8", with_tail=False)


def newsml_fields(item: etree._Element) -> dict:
    """Article fields of one NewsML-G2 newsItem; WireFormatError for any other kind of item."""
    kind = local_name(item)
    if kind != "newsItem":
        raise WireFormatError("unsupported_input", f"a NewsML-G2 {kind} carries no article text")
    item_meta = _g2(item, "itemMeta")
    content_meta = _g2(item, "contentMeta")
    body, content_type = _g2_body(item)
    language = item.get(XML_LANG)
    if content_meta is not None and (tag := content_meta.find(f"{{{G2_NS}}}language")) is not None:
        language = tag.get("tag") or language
    first_created = _g2_text(item_meta, "firstCreated")
    version_created = _g2_text(item_meta, "versionCreated")
    return {
        "article_id": item.get("guid"),
        "version": item.get("version"),
        "title": _g2_text(content_meta, "headline"),
        "body": body,
        "content_type": content_type,
        "byline": ", ".join(_g2_texts(content_meta, "by")) or _g2_name(_g2(content_meta, "creator")),
        "dateline": _g2_text(content_meta, "dateline"),
        "located": _g2_name(_g2(content_meta, "located")),
        "subjects": [
            {"code": subject.get("qcode") or subject.get("uri"), "name": _g2_name(subject)}
            for subject in (content_meta.iterfind(f"{{{G2_NS}}}subject") if content_meta is not None else [])
        ],
        "urgency": _g2_text(content_meta, "urgency"),
        "published_at": first_created or version_created,
        "first_created_at": first_created,
        "version_created_at": version_created,
        "language": language,
        "source": _g2_name(_g2(item_meta, "provider")),
    }


def _g2(parent: etree._Element | None, tag: str) -> etree._Element | None:
    return None if parent is None else parent.find(f"{{{G2_NS}}}{tag}")


def _text_of(element: etree._Element) -> str | None:
    text = " ".join("".join(element.itertext()).split())
    return text or None


def _g2_text(parent: etree._Element | None, tag: str) -> str | None:
    element = _g2(parent, tag)
    return None if element is None else _text_of(element)


def _g2_texts(parent: etree._Element | None, tag: str) -> list[str]:
    if parent is None:
        return []
    return [text for element in parent.iterfind(f"{{{G2_NS}}}{tag}") if (text := _text_of(element))]


def _g2_name(element: etree._Element | None) -> str | None:
    """A G2 concept's human name: its name child, else its literal, else its qcode."""
    if element is None:
        return None
    return _g2_text(element, "name") or element.get("literal") or element.get("qcode")


def _g2_body(item: etree._Element) -> tuple[str | None, str | None]:
    """The richest inline content: XHTML (as HTML), else HTML or plain inline data."""
    content_set = _g2(item, "contentSet")
    if content_set is None:
        return None, None
    for inline in content_set.iterfind(f"{{{G2_NS}}}inlineXML"):
        body = next(inline.iter(f"{{{XHTML_NS}}}body"), None)
        if body is not None:
            return _xhtml_as_html(body), "html"
    for inline in content_set.iterfind(f"{{{G2_NS}}}inlineData"):
        media_type = (inline.get("contenttype") or "").lower()
        if inline.text and inline.text.strip():
            return inline.text, "html" if media_type.startswith(HTML_MEDIA_TYPES) else "text"
    for inline in content_set.iterfind(f"{{{G2_NS}}}inlineXML"):
        if text := _text_of(inline):
            return text, "text"
    return None, None


def _xhtml_as_html(body: etree._Element) -> str:
    """An XHTML body as a plain HTML document, namespaces dropped, for the clean stage."""
    copy = etree.fromstring(etree.tostring(body, with_tail=False))
    for element in copy.iter(etree.Element):
        element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(copy)
    return "<html>" + etree.tostring(copy, method="html", encoding="unicode") + "</html>"
