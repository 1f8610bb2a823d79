"""A stateful fake of an API, built from its spec (public face: ``dynclient.testing``).

One job per module, in the order a request meets them:

- ``schema``: the little the fake must know of a schema (variants, properties, nullability)
- ``generate``: values generated from schemas, deterministic for a seed and a clock
- ``infer``: which operations create, list, read, update, delete, view or export which resource
- ``records``: a stored record built from a body, updated by a body, projected onto a schema
- ``store``: the records of each resource, in insertion order, with uniqueness checks
- ``decode``: routing, and a request decoded back into arguments and validated (422 details)
- ``respond``: responses, each validated strictly against the spec before it leaves
- ``api``: ``FakeAPI``, which ties them together; ``server``: the same over real HTTP
- ``plugin``: the pytest fixtures
"""
