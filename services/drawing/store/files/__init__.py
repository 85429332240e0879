"""The drawing service's storage endpoint: direct uploads in, signed downloads out (R28, R29).

The flow of one upload: ``CreateUpload`` (gRPC) stores an ``Upload`` row and hands the client
``issue_upload_fields`` (a signed, expiring policy); the client POSTs the file with those
fields as multipart form data to ``StorageEndpoint.url``; the endpoint checks the policy
before it reads the file, streams the file into the content-addressed ``LocalFileStore``
and points the ``Upload`` row at it. Downloads are links signed by ``download_url``.

Modules, one job each: ``refusals`` (the one exception type), ``signing`` (the HMAC secret
and signatures), ``policy`` (upload fields), ``download_links``, ``file_store``,
``pdf_magic``, ``form_reader`` (streaming multipart), ``uploads`` (the database side),
``upload_receiver`` (the POST's rules, no HTTP), ``http_endpoint`` (the HTTP server) and
``configured`` (start it from ``Settings``).
"""
