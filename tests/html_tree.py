"""A rendered page as a tree, for tests that assert what a reader sees and in what order."""

from html.parser import HTMLParser

# HTML's void elements: no end tag closes them.
VOID = set("area base br col embed hr img input link meta source track wbr".split())


class Node:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def find_all(self, tag, cls=None):
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.classes):
                    found.append(child)
                found.extend(child.find_all(tag, cls))
        return found

    def find(self, tag, cls=None):
        """The one <tag class=cls> inside; none or several fail the test."""
        found = self.find_all(tag, cls)
        assert len(found) == 1, f"expected one <{tag} class={cls}>, found {len(found)}"
        return found[0]

    def by_id(self, id_):
        for node in self._all():
            if node.attrs.get("id") == id_:
                return node
        raise AssertionError(f"no element with id {id_!r}")

    def _all(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child._all()

    def text(self):
        """The text as a reader copying it gets it: white space collapsed."""
        raw = "".join(c if isinstance(c, str) else c.text() for c in self.children)
        return " ".join(raw.split())


class TreeBuilder(HTMLParser):
    """Builds the tree; an end tag that does not close the open element fails the test."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("document", [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html):
    """The root of the tree of `html` (a str, e.g. a test response's `.text`)."""
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root
