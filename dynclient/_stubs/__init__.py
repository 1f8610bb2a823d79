"""The stub renderer: ``render_stubs(spec)`` and ``write_stubs(spec, out_dir)`` (``render``),
through the jinja2 templates in ``codegen_templates/``; the types come from ``_pytypes``."""

from .._pytypes.analysis import schema_type_names
from .render import STUB_FILES, render_stubs, write_stubs

__all__ = ["STUB_FILES", "render_stubs", "schema_type_names", "write_stubs"]
