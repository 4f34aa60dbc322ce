"""File formats and data sources: where the engine's data comes from and where its work goes.

Nothing here is needed to understand how a network learns; read ``engine.layers``,
``engine.network`` and ``engine.training`` first. These modules keep the rest honest about files:

- ``idx`` and ``csv_table``: the MNIST IDX format and CSV tables of pixels, read in bounded memory;
- ``sources``: find a dataset in a folder, the cache or the bundled digits; ``download`` fetches
  one over ``http_stream`` (bounded, cancellable HTTP);
- ``model_file`` and ``session_file``: a network, or a whole session of runs, in one ``.npz``;
  ``json_fields`` checks the JSON inside them;
- ``archive``: reading untrusted zip/npy files (regular files only, sizes never trusted);
  ``atomic``: files written whole or not at all.
"""
