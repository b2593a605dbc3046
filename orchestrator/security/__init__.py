"""Authentication and authorization, as pure decisions: password and token hashing
(`passwords`), who may do what (`permissions`), and which permission each URL needs (`routes`).
The Flask adapter is `orchestrator.web.auth`; the store keeps only hashes."""
