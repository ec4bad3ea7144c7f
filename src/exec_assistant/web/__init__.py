"""The web page: the fortnight, the packs, the notes, the commitments and the decisions, as
server-rendered HTML in one ASGI app (served by `serve --http-port`, and by a Lambda on AWS)."""
