"""A fake Segmind, split by concern: ``wire`` (paths, field rules, images), ``faults``,
``jobs`` (state, billing, bodies), ``handler`` (HTTP plumbing), ``api`` (v1 and v2
routes), ``history`` (request history and image host) and ``server`` (the listeners).
``tests.fakes.segmind_server`` re-exports the public names."""
