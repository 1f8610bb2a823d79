"""The schema toolkit: what a JSON Schema 2020-12 / OpenAPI 3.1 document *means*, in one place.

Every other module asks these instead of re-deriving it (docs/architecture.md lists each
piece and its home; ``tests/test_toolkit.py`` keeps it so):

- ``pointer``: JSON pointers and local ``$ref``s: escaping, joining, components, following.
- ``keywords``: which keywords hold subschemas, which hold data; the document walk rule.
- ``types``: declared and intended JSON types, listed values (``const``/``enum``), null.
- ``unions``: union members, alternatives, nullability, discriminators, ``allOf`` parts.
- ``media``: which media types are JSON; which body encodings are supported.
- ``openapi``: path items' methods, path templates, where OpenAPI puts schemas.
- ``values``: text (a CLI word, a query value) to the JSON value a schema wants.

It imports nothing of the package but ``_errors``: everything else builds on it.
"""
