"""The schema toolkit: what a JSON Schema 2020-12 / OpenAPI 3.1 document *means*.

Every other module asks these instead of re-deriving it (docs/architecture.md):

- ``pointer``: JSON pointers and local ``$ref``s: escaping, joining, components, following.
"""
