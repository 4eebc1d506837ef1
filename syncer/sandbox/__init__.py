"""Sandboxes: HubSpot- and Salesforce-compatible servers for tests, demos and rehearsals.

They are test oracles, so they share no code with `syncer.connectors` or `syncer.http`.
"""
