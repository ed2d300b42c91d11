"""A report's YAML front matter, parsed with a size bound and YAML aliases refused.

An alias bomb (anchors that refer to anchors, nine deep) is under 500 bytes and expands to
hundreds of millions of nodes; report metadata never needs an alias, so none is accepted,
and the block itself is bounded before YAML sees it.
"""

from __future__ import annotations

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

from geomap.errors import ValidationError

MAX_FRONT_MATTER = 20_000  # characters; a title, a publisher, a URL and a date need far fewer


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses every alias (``*name``) before composing it."""

    def compose_node(self, parent, index):
        """The next node, or ValidationError when it is an alias."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ValidationError("front matter", f"line {event.start_mark.line + 1}: uses the "
                                  f"YAML alias *{event.anchor}; aliases are not accepted")
        return super().compose_node(parent, index)


class _BoundedYAML(YAMLHandler):
    def load(self, fm: str, **kwargs) -> object:
        if len(fm) > MAX_FRONT_MATTER:
            raise ValidationError("front matter", f"is longer than {MAX_FRONT_MATTER:,} characters")
        return yaml.load(fm, Loader=_NoAliasLoader)  # noqa: S506  (a SafeLoader)


def parse_front_matter(text: str) -> tuple[dict, str]:
    """(metadata, content) of a report; no front matter gives ``{}`` and the text, stripped.

    >>> parse_front_matter("---\\ntitle: Strike near Mayadin\\n---\\nText.")
    ({'title': 'Strike near Mayadin'}, 'Text.')
    """
    handler = _BoundedYAML()
    if not handler.detect(text.strip()):
        return {}, text.strip()
    try:
        post = frontmatter.loads(text, handler=handler)
    except yaml.YAMLError as exc:
        raise ValidationError("front matter", f"not valid YAML: {exc}") from None
    return post.metadata, post.content
