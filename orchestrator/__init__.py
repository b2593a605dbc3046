"""orchestrator: a Jenkins-compatible build orchestrator whose agents are Pods.

Kept empty on purpose: `import orchestrator.grammar` must stay cheap.
"""
__version__ = "0.1.0"
