r"""Escaping user-supplied text before Streamlit renders it as Markdown.

``st.markdown``, ``st.error``/``st.warning``/``st.info``, ``st.caption``, ``st.subheader`` and
metric labels all render Markdown (GitHub flavour plus Streamlit's extensions: ``$...$`` LaTeX,
``:red[...]`` colours, ``:material/...:`` icons). A file name like ``[Log in again](http://x).jpg``
would become a live link in the app's own warning box, and ``![t](http://host/x.png)`` in a URL
parameter would make every viewer's browser fetch an outside image (issue 16). :func:`md` makes
any string render as exactly its characters:

- the characters that start Markdown constructs get a backslash (CommonMark 0.31, section 2.4:
  any ASCII punctuation character may be backslash-escaped and is then shown literally):
  links and images ``[ ] ( ) !``, emphasis ``* _ ~``, code spans, HTML and autolinks ``< >``,
  Streamlit's LaTeX ``$``, headings and tables ``# |``, braces, the backslash itself; ``/`` and
  ``@`` too, which breaks GitHub's bare-URL and e-mail autolinks (``http:\/\/x``), and the dot
  after ``www``;
- line breaks and other control characters become spaces (a new line could start a block).

Other characters (letters, digits, ``.``, ``-``, ``:``, ``'``, spaces, non-ASCII) are kept as
they are, so an ordinary name such as ``cat photo-2.jpg`` is unchanged.

Use it on every string that came from a user (file names, URL values, uploaded weights' names,
anything an exception message quotes from them), never on the app's own Markdown.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!$#|~/@])")
_WWW = re.compile(r"(?i)(www)\.")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def md(text: object) -> str:
    """``text`` (anything; ``str()`` is taken) escaped so that Markdown shows it literally."""
    escaped = _SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", str(text)))
    return _WWW.sub(r"\1\\.", escaped)
