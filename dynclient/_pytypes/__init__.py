"""Python types of a spec: a typed model of type expressions (``model``), schema -> type
(``schematypes``), and the whole spec's types worked out once (``analysis``), read by the
stub renderer (``_stubs``), ``help()`` (``_describe``) and the CLI's ``describe``."""
